//! One shared PETSc binary file written by every rank: rank 0 the header,
//! each rank its part at its offset, under a temporary name renamed when
//! all succeeded; then the viewer's `.info` file, as PETSc writes it.

use crate::comm::Comm;
use crate::error::Result;
use crate::io::{commit_shared_file, io_err, temp_path};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Bytes per read or write call.
pub(super) const PIECE: usize = 4 << 20;

/// Big-endian bytes written from `at` on, a piece at a time.
pub(super) struct Writer<'f> {
    f: &'f File,
    at: u64,
    /// Fill it, then [`flush`](Self::flush).
    pub buf: Vec<u8>,
}

impl<'f> Writer<'f> {
    pub fn new(f: &'f File, at: u64) -> Self {
        Writer {
            f,
            at,
            buf: Vec::with_capacity(PIECE + 16),
        }
    }

    /// Writes what `buf` holds.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.f.write_all_at(&self.buf, self.at)?;
        self.at += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Flushes when `buf` holds a piece.
    pub fn flush_if_full(&mut self) -> std::io::Result<()> {
        if self.buf.len() >= PIECE {
            self.flush()?;
        }
        Ok(())
    }
}

/// The viewer's `.info` file of `path` (PETSc appends `.info` to the name).
pub(crate) fn info_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".info");
    PathBuf::from(name)
}

/// Writes the file `path`: rank 0 creates it with `header`, then each rank
/// in turn runs `part` on it (a rank's part is at offsets of its own), then
/// rank 0 flushes it, renames it into place, and writes `info` into
/// `<path>.info`. Collective; every rank gets the same verdict, and a failed
/// write leaves no file.
pub(super) fn write_shared(
    comm: &Comm,
    path: &Path,
    header: &[u8],
    part: impl FnOnce(&File) -> std::io::Result<()>,
    info: &str,
) -> Result<()> {
    let tmp = temp_path(path);
    let created = if comm.rank() == 0 {
        File::create(&tmp)
            .and_then(|f| f.write_all_at(header, 0))
            .map_err(|e| io_err(&tmp, e))
    } else {
        Ok(())
    };
    comm.agree(created)?;
    // Ranks write one after another: concurrent writers to one file on one
    // node contend in the kernel (see npy_file.rs).
    let mut part = Some(part);
    let mut written = Ok(());
    for turn in 0..comm.size() {
        if turn == comm.rank() {
            let part = part.take().expect("one turn per rank");
            written = OpenOptions::new()
                .write(true)
                .open(&tmp)
                .and_then(|f| part(&f))
                .map_err(|e| io_err(&tmp, e));
        }
        comm.barrier();
    }
    let written = written.and_then(|()| {
        if comm.rank() == 0 {
            File::open(&tmp)
                .and_then(|f| f.sync_data())
                .map_err(|e| io_err(&tmp, e))
        } else {
            Ok(())
        }
    });
    commit_shared_file(comm, written, &tmp, path)?;
    let info_file = info_path(path);
    let info = if comm.rank() == 0 {
        std::fs::write(&info_file, info).map_err(|e| io_err(&info_file, e))
    } else {
        Ok(())
    };
    comm.agree(info)
}
