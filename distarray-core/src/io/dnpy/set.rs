//! A `.dnpy` set committed as a unit, and the committed set found again.
//!
//! On disk, for the prefix `dir/u` (see the module docs of `dnpy` for the
//! guarantee this gives):
//!
//! ```text
//! dir/u.dnpy-set.<id>/u_<r>.dnpy   the files of one save (generation <id>)
//! dir/u.dnpy-set -> u.dnpy-set.<id>         the committed generation
//! dir/u_<r>.dnpy -> u.dnpy-set/u_<r>.dnpy   what every reader opens
//! ```
//!
//! A save writes a fresh generation directory, and commits it with one
//! atomic `rename(2)` of the `u.dnpy-set` link. All the links and renames
//! are made by rank 0 (the set lives on a file system all ranks share, as
//! loading a set on another number of ranks needs anyway).

use crate::comm::Comm;
use crate::error::{Error, Result};
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};

use super::dnpy_path;

/// What follows the prefix's name in the committed-generation link.
pub(super) const SET_SUFFIX: &str = ".dnpy-set";
/// What follows a file's name while its link is made.
const LINK_TMP: &str = ".distarray-link";

/// Where a save stops as if the job were killed there (tests only).
static INTERRUPT_AT: AtomicU8 = AtomicU8::new(0);

/// The points of a `.dnpy` save at which a test can stop it as if the job
/// had been killed there (no rollback, no cleanup).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum SaveStage {
    /// Every rank's file written into the new generation, nothing committed.
    Written = 1,
    /// A set of plain files (DistArray 0.6's) moved under a generation link.
    Adopted = 2,
    /// The links of the new set's files made (some may point nowhere yet).
    Linked = 3,
    /// The new generation committed, the old one not yet removed.
    Committed = 4,
}

/// Makes the next `.dnpy` saves of this process stop at `stage` as if the
/// job had been killed there (`None`: run to the end). For tests of what an
/// interrupted save leaves behind.
#[doc(hidden)]
pub fn interrupt_dnpy_saves_at(stage: Option<SaveStage>) {
    INTERRUPT_AT.store(stage.map_or(0, |s| s as u8), Ordering::SeqCst);
}

fn io_err(path: &Path, detail: impl std::fmt::Display) -> Error {
    Error::Io {
        path: path.display().to_string(),
        detail: detail.to_string(),
    }
}

fn parent(prefix: &Path) -> PathBuf {
    match prefix.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn name(prefix: &Path) -> String {
    prefix
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `dir/u.dnpy-set`: the link to the committed generation.
pub(super) fn set_link(prefix: &Path) -> PathBuf {
    parent(prefix).join(format!("{}{SET_SUFFIX}", name(prefix)))
}

/// The target of file `r`'s link, relative to its directory.
fn file_target(prefix: &Path, r: usize) -> PathBuf {
    let file = dnpy_path(prefix, r);
    PathBuf::from(format!("{}{SET_SUFFIX}", name(prefix))).join(file.file_name().expect("a name"))
}

/// What is at the path of file `r`.
#[derive(Debug, PartialEq)]
pub(super) enum Entry {
    /// Nothing.
    Absent,
    /// A link into the committed generation (`u_r.dnpy -> u.dnpy-set/u_r.dnpy`).
    Linked,
    /// A plain file (DistArray 0.6 writes these).
    Plain,
    /// Anything else (a directory, another link, ...), with what it is.
    Other(&'static str),
}

pub(super) fn entry(prefix: &Path, r: usize) -> Entry {
    let path = dnpy_path(prefix, r);
    match std::fs::symlink_metadata(&path) {
        Err(_) => Entry::Absent,
        Ok(m) if m.file_type().is_file() => Entry::Plain,
        Ok(m) if m.file_type().is_symlink() => {
            if std::fs::read_link(&path).is_ok_and(|t| t == file_target(prefix, r)) {
                Entry::Linked
            } else {
                Entry::Other("a symbolic link distarray did not make")
            }
        }
        Ok(m) if m.is_dir() => Entry::Other("a directory"),
        Ok(_) => Entry::Other("not a regular file"),
    }
}

/// The committed generation directory of the set, when it has one.
pub(super) fn committed_dir(prefix: &Path) -> Option<PathBuf> {
    let target = std::fs::read_link(set_link(prefix)).ok()?;
    Some(parent(prefix).join(target))
}

/// Rank 0's [`committed_dir`], the same on every rank. Collective.
pub(super) fn committed_dir_on_all(comm: &Comm, prefix: &Path) -> Option<PathBuf> {
    let mine = if comm.rank() == 0 {
        committed_dir(prefix).map_or_else(Vec::new, |d| {
            let mut b = vec![1u8];
            b.extend_from_slice(d.as_os_str().as_encoded_bytes());
            b
        })
    } else {
        Vec::new()
    };
    let got = comm.broadcast_bytes(0, mine);
    got.split_first()
        .map(|(_, rest)| PathBuf::from(String::from_utf8_lossy(rest).into_owned()))
}

/// The path a reader opens for file `r`: inside the generation `committed`
/// (resolved once for the whole set, so a save committing meanwhile cannot
/// mix two sets into one read) when the file is linked there, else the file.
pub(super) fn file_to_read(prefix: &Path, committed: Option<&Path>, r: usize) -> PathBuf {
    match committed {
        Some(dir) if entry(prefix, r) == Entry::Linked => {
            dir.join(dnpy_path(prefix, r).file_name().expect("a name"))
        }
        _ => dnpy_path(prefix, r),
    }
}

/// The error for a set that mixes files of two saves, when file `r` is a
/// plain file that is not the one the committed generation holds, while
/// another file of the set is linked to that generation.
pub(super) fn foreign_file(prefix: &Path, committed: Option<&Path>, r: usize) -> Option<Error> {
    let dir = committed?;
    if entry(prefix, r) != Entry::Plain {
        return None;
    }
    let path = dnpy_path(prefix, r);
    let id = |p: &Path| std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()));
    let theirs = id(&dir.join(path.file_name().expect("a name")));
    if theirs.is_some() && theirs == id(&path) {
        return None; // the same file, not yet replaced by its link
    }
    Some(io_err(
        &path,
        format!(
            "the set mixes files of two saves: this file is not part of the save \
             committed in {} (the set's other files are)",
            dir.display()
        ),
    ))
}

/// The first error of a mixed set among `files` (whole set, no MPI).
pub(super) fn check_not_mixed(prefix: &Path, committed: Option<&Path>, files: usize) -> Result<()> {
    if !(0..files).any(|r| entry(prefix, r) == Entry::Linked) {
        return Ok(());
    }
    match (0..files).find_map(|r| foreign_file(prefix, committed, r)) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Why a commit stopped.
enum Stop {
    /// A failure: undo what is not committed.
    Failed(Error),
    /// The test hook: leave everything as a killed job would.
    Killed,
}

impl From<Error> for Stop {
    fn from(e: Error) -> Stop {
        Stop::Failed(e)
    }
}

fn stop_at(stage: SaveStage) -> std::result::Result<(), Stop> {
    if INTERRUPT_AT.load(Ordering::SeqCst) == stage as u8 {
        Err(Stop::Killed)
    } else {
        Ok(())
    }
}

fn killed(prefix: &Path) -> Error {
    io_err(prefix, "save interrupted (test hook)")
}

/// A new, empty generation directory (rank 0).
fn new_generation(prefix: &Path) -> Result<PathBuf> {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    for attempt in 0u64.. {
        let id = crate::random::mix64(nanos ^ (u64::from(std::process::id()) << 32) ^ attempt);
        let dir = parent(prefix).join(format!("{}{SET_SUFFIX}.{id:016x}", name(prefix)));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => continue,
            Err(e) => return Err(io_err(&dir, e)),
        }
    }
    unreachable!()
}

/// Rank 0, before anyone writes: every path the commit will replace can be
/// replaced.
fn preflight(prefix: &Path, files: usize) -> Result<()> {
    let link = set_link(prefix);
    if let Ok(m) = std::fs::symlink_metadata(&link) {
        if !m.file_type().is_symlink() {
            return Err(io_err(&link, "is in the way (distarray keeps a link here)"));
        }
    }
    for r in 0..files.max(visible_files(prefix)) {
        if let Entry::Other(what) = entry(prefix, r) {
            return Err(io_err(
                &dnpy_path(prefix, r),
                format!("is in the way: {what}"),
            ));
        }
    }
    Ok(())
}

/// How many files `prefix_0.dnpy`, `prefix_1.dnpy`, ... a reader sees.
fn visible_files(prefix: &Path) -> usize {
    (0..)
        .take_while(|&r| dnpy_path(prefix, r).is_file())
        .count()
}

/// Points `link` at `target` in one atomic rename.
fn relink(link: &Path, target: &Path) -> Result<()> {
    let mut tmp = link.as_os_str().to_os_string();
    tmp.push(LINK_TMP);
    let tmp = PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    symlink(target, &tmp).map_err(|e| io_err(&tmp, e))?;
    std::fs::rename(&tmp, link).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io_err(link, e)
    })
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Writes this rank's `bytes` as a new generation of the set and commits
/// the set when every rank's file is written. Collective; every rank gets
/// the same verdict.
pub(super) fn save_set(
    comm: &Comm,
    prefix: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    let files = comm.size();
    let generation = if comm.rank() == 0 {
        preflight(prefix, files).and_then(|()| new_generation(prefix))
    } else {
        Ok(PathBuf::new())
    };
    let generation = comm.agree(generation)?;
    let generation = PathBuf::from(
        String::from_utf8_lossy(
            &comm.broadcast_bytes(0, generation.as_os_str().as_encoded_bytes().to_vec()),
        )
        .into_owned(),
    );
    let mine = generation.join(dnpy_path(prefix, comm.rank()).file_name().expect("a name"));
    let written = std::fs::File::create(&mine)
        .and_then(|mut f| {
            write(&mut f)?;
            f.sync_all()
        })
        .map_err(|e| io_err(&mine, e));
    if let Err(e) = comm.agree(written) {
        if comm.rank() == 0 {
            let _ = std::fs::remove_dir_all(&generation);
        }
        return Err(e);
    }
    let verdict = if comm.rank() == 0 {
        match commit(prefix, files, &generation) {
            Ok(()) => Ok(()),
            Err(Stop::Killed) => Err(killed(prefix)),
            Err(Stop::Failed(e)) => {
                rollback(prefix, files, &generation);
                Err(e)
            }
        }
    } else {
        Ok(())
    };
    comm.agree(verdict)
}

/// Rank 0: makes `generation` the committed set.
fn commit(prefix: &Path, files: usize, generation: &Path) -> std::result::Result<(), Stop> {
    stop_at(SaveStage::Written)?;
    preflight(prefix, files)?;
    let dir = parent(prefix);
    let link = set_link(prefix);
    let upto = files.max(visible_files(prefix));
    // plain files (a set DistArray 0.6 wrote, or an interrupted adoption):
    // first a generation holding the very same files (hard links), then
    // each plain file replaced by its link. What a reader sees never
    // changes on the way.
    if (0..upto).any(|r| entry(prefix, r) == Entry::Plain) {
        let adopted = new_generation(prefix)?;
        let committed = committed_dir(prefix);
        for r in 0..upto {
            let src = match entry(prefix, r) {
                Entry::Plain => dnpy_path(prefix, r),
                Entry::Linked => match &committed {
                    Some(d) => d.join(dnpy_path(prefix, r).file_name().expect("a name")),
                    None => continue,
                },
                _ => continue,
            };
            if !src.exists() {
                continue;
            }
            let dst = adopted.join(src.file_name().expect("a name"));
            std::fs::hard_link(&src, &dst)
                .or_else(|_| std::fs::copy(&src, &dst).map(|_| ()))
                .map_err(|e| io_err(&dst, e))?;
        }
        sync_dir(&adopted);
        relink(&link, adopted.strip_prefix(&dir).unwrap_or(&adopted))?;
        for r in 0..upto {
            if entry(prefix, r) == Entry::Plain {
                relink(&dnpy_path(prefix, r), &file_target(prefix, r))?;
            }
        }
        sync_dir(&dir);
        stop_at(SaveStage::Adopted)?;
    }
    // links for files the committed set does not have yet: they point
    // nowhere until the commit
    for r in 0..files {
        if entry(prefix, r) == Entry::Absent {
            relink(&dnpy_path(prefix, r), &file_target(prefix, r))?;
        }
    }
    sync_dir(&dir);
    stop_at(SaveStage::Linked)?;
    // the commit: one rename
    relink(&link, generation.strip_prefix(&dir).unwrap_or(generation))?;
    sync_dir(&dir);
    stop_at(SaveStage::Committed)?;
    cleanup(prefix, files, generation);
    Ok(())
}

/// Rank 0, after a failure before the commit: the new generation and the
/// links that point nowhere go; the committed set stays as it was.
fn rollback(prefix: &Path, files: usize, generation: &Path) {
    let _ = std::fs::remove_dir_all(generation);
    for r in 0..files {
        let path = dnpy_path(prefix, r);
        if entry(prefix, r) == Entry::Linked && !path.exists() {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Rank 0, after the commit (best effort; the next save finishes what a
/// killed job left): links of files the new set does not have, and every
/// generation but the committed one.
fn cleanup(prefix: &Path, files: usize, generation: &Path) {
    for r in files.. {
        match entry(prefix, r) {
            Entry::Linked if !dnpy_path(prefix, r).exists() => {
                let _ = std::fs::remove_file(dnpy_path(prefix, r));
            }
            _ => break,
        }
    }
    let stem = format!("{}{SET_SUFFIX}.", name(prefix));
    let Ok(list) = std::fs::read_dir(parent(prefix)) else {
        return;
    };
    for e in list.flatten() {
        let file_name = e.file_name().to_string_lossy().into_owned();
        let Some(id) = file_name.strip_prefix(&stem) else {
            continue;
        };
        let ours = id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit());
        if ours && e.path() != generation {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
    for r in 0..files {
        let mut tmp = dnpy_path(prefix, r).into_os_string();
        tmp.push(LINK_TMP);
        let _ = std::fs::remove_file(tmp);
    }
}
