//! `.dnpy` files: one per rank, a protocol header then an `.npy` stream of
//! the rank's buffer — byte-compatible with DistArray 0.6's `save_dnpy` /
//! `load_dnpy` (see `shared/conformance/dnpy/FORMAT.md`).
//!
//! # A set is saved as a unit
//!
//! [`save_dnpy`](DistArrayBase::save_dnpy) to the prefix `dir/u` leaves
//!
//! ```text
//! dir/u_<r>.dnpy -> u.dnpy-set/u_<r>.dnpy   one link per rank: what readers open
//! dir/u.dnpy-set -> u.dnpy-set.<id>         the committed save
//! dir/u.dnpy-set.<id>/u_<r>.dnpy            the files, exactly DistArray 0.6's bytes
//! ```
//!
//! Every rank writes its file into a fresh directory `u.dnpy-set.<id>`
//! nobody reads; when every rank succeeded, rank 0 makes the links the new
//! set needs and then commits it with one atomic `rename(2)` of the link
//! `u.dnpy-set`; the previous save's directory is removed after that.
//! Therefore, whatever point a save is killed at, or fails at on any rank:
//!
//! - readers see either the whole previous set or the whole new one, never
//!   files of both; the previous set stays readable, byte for byte, until
//!   the commit;
//! - a failed save gives every rank the same error and removes what it
//!   wrote; a killed one leaves only an unreferenced `u.dnpy-set.<id>`
//!   directory (or links that point nowhere), which the next save to the
//!   prefix removes;
//! - a set of plain files (DistArray 0.6 writes these) is first adopted:
//!   hard-linked into a generation and each file replaced by its link,
//!   without its content changing at any step.
//!
//! Readers (DistArray 0.6 too) just open `u_<r>.dnpy`. Ours resolve the
//! `u.dnpy-set` link once per load, so a save committing during a load
//! cannot mix two saves either (the load may then fail, when the save has
//! already removed the generation it was reading). A set with no
//! `u.dnpy-set` link (written by DistArray 0.6) reads as before; a set
//! whose files are partly linked to the committed save and partly other
//! plain files is refused as a mix of two saves. The files must be on a
//! file system every rank sees (rank 0 makes the links and the commit);
//! two jobs must not save to one prefix at the same time.
//!
//! A set is also checked as a whole before anything is read: every file
//! its grid implies exists (the first missing one is named), no file
//! beyond it, one element type, and the protocol's cross-rank rules
//! (ranges tile, indices cover, ...).

use super::npy::{from_bytes, to_bytes, NpyHeader};
use super::pyliteral::{parse, Py};
use crate::array::{DistArray, DistArrayBase};
use crate::comm::Comm;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::map::DistType;
use crate::protocol::{parse_dim_data, DimDict, VERSION};
use ndarray::{ArrayD, Data, IxDyn};
use std::path::{Path, PathBuf};

mod set;
#[doc(hidden)]
pub use set::{interrupt_dnpy_saves_at, SaveStage};

/// The `.dnpy` magic: 0x93 then `DARRY`.
pub const DNPY_MAGIC: &[u8; 6] = b"\x93DARRY";

/// The file rank `rank` reads or writes for `prefix`.
pub fn dnpy_path(prefix: impl AsRef<Path>, rank: usize) -> PathBuf {
    let p = prefix.as_ref();
    let name = format!(
        "{}_{rank}.dnpy",
        p.file_name()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default()
    );
    p.with_file_name(name)
}

/// A dimension dictionary as the original writes it (its key order).
fn dim_literal(d: &DimDict) -> Py {
    let s = |k: &str| Py::Str(k.into());
    let i = |x: usize| Py::Int(x as i64);
    let mut items = vec![
        (s("dist_type"), Py::Str(d.dist_type.letter().to_string())),
        (s("size"), i(d.size)),
        (s("proc_grid_rank"), i(d.proc_grid_rank)),
        (s("proc_grid_size"), i(d.proc_grid_size)),
    ];
    if let Some(x) = d.start {
        items.push((s("start"), i(x)));
    }
    if let Some(x) = d.stop {
        items.push((s("stop"), i(x)));
    }
    if let Some([l, r]) = d.padding {
        items.push((s("padding"), Py::Tuple(vec![i(l), i(r)])));
    }
    if let Some(p) = d.periodic {
        items.push((s("periodic"), Py::Bool(p)));
    }
    if let Some(b) = d.block_size {
        items.push((s("block_size"), i(b)));
    }
    if let Some(ix) = &d.indices {
        items.push((s("indices"), Py::List(ix.iter().map(|&g| i(g)).collect())));
    }
    if let Some(o) = d.one_to_one {
        items.push((s("one_to_one"), Py::Bool(o)));
    }
    Py::Dict(items)
}

/// The `.dnpy` header block (magic, version, length, literal, padding).
pub fn dnpy_header(dim_data: &[DimDict]) -> Vec<u8> {
    let dims = Py::Tuple(dim_data.iter().map(dim_literal).collect());
    // the original builds the dict as chunks that each end in ", "
    let literal = format!(
        "{{'__version__': {}, 'dim_data': {}, }}",
        Py::Str(VERSION.into()).repr(),
        dims.repr()
    );
    let l = literal.len();
    let spaces = 16 - (l + 11) % 16;
    let hlen = l + spaces + 1;
    let mut out = Vec::with_capacity(10 + hlen);
    out.extend_from_slice(DNPY_MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(hlen as u16).to_le_bytes());
    out.extend_from_slice(literal.as_bytes());
    out.extend(std::iter::repeat_n(b' ', spaces));
    out.push(b'\n');
    out
}

/// One rank's file, read and checked (not yet validated across ranks).
#[derive(Debug)]
pub struct DnpyFile<T> {
    /// The protocol version in the header.
    pub version: String,
    /// The dimension dictionaries.
    pub dim_data: Vec<DimDict>,
    /// The buffer.
    pub buffer: ArrayD<T>,
}

/// Reads the header of a `.dnpy` file: (version, dim_data as JSON, npy header, data offset).
pub fn read_dnpy_header(
    bytes: &[u8],
    what: &str,
) -> Result<(String, serde_json::Value, NpyHeader, usize)> {
    let bad = |why: String| Error::Io {
        path: what.into(),
        detail: why,
    };
    if bytes.len() < 10 || &bytes[..6] != DNPY_MAGIC {
        return Err(bad("not a .dnpy file (bad magic)".into()));
    }
    if bytes[6] != 1 {
        return Err(bad(format!(
            "unsupported .dnpy version {}.{}",
            bytes[6], bytes[7]
        )));
    }
    let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    if bytes.len() < 10 + hlen {
        return Err(bad(format!(
            "truncated: the header needs {} bytes, the file has {}",
            10 + hlen,
            bytes.len()
        )));
    }
    let text = std::str::from_utf8(&bytes[10..10 + hlen]).map_err(|e| bad(e.to_string()))?;
    let dict = parse(text).map_err(|e| bad(format!("header is not a Python literal: {e}")))?;
    let version = match dict.get("__version__") {
        Some(Py::Str(v)) => v.clone(),
        _ => return Err(bad("header has no '__version__' string".into())),
    };
    let dims = dict
        .get("dim_data")
        .ok_or_else(|| bad("header has no 'dim_data'".into()))?
        .to_json();
    let (npy, off) = NpyHeader::parse(&bytes[10 + hlen..], what)?;
    Ok((version, dims, npy, 10 + hlen + off))
}

/// Agrees that every rank named the same set (a rank naming another would
/// write, or read, another set's files). One small reduction. Collective.
fn same_prefix(comm: &Comm, prefix: &Path, what: &str) -> Result<()> {
    let args = crate::comm::fingerprint(super::path_words(prefix, ""));
    comm.agree_on(&format!("{what} (prefix)"), args, Ok(()))
}

/// Reads and checks one `.dnpy` file on its own (no MPI).
pub fn read_dnpy<T: Element>(path: &Path, rank: usize) -> Result<DnpyFile<T>> {
    let what = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        path: what.clone(),
        detail: e.to_string(),
    })?;
    let (version, dims, npy, off) = read_dnpy_header(&bytes, &what)?;
    if version != VERSION {
        return Err(Error::protocol(
            crate::error::Rule::UnsupportedVersion,
            Some(rank),
            None,
            format!("{what}: __version__ is {version:?}"),
        ));
    }
    if npy.dtype != T::DTYPE {
        return Err(Error::DTypeMismatch {
            expected: T::DTYPE.to_string(),
            found: format!("{} in {what}", npy.dtype),
        });
    }
    let dims_list = dims.as_array().cloned().unwrap_or_default();
    let dim_data = parse_dim_data(&dims_list, &npy.shape, rank)?;
    let n: usize = npy.shape.iter().product();
    let data = &bytes[off..];
    if data.len() != npy.data_len() {
        return Err(Error::Io {
            path: what,
            detail: format!(
                "truncated or padded: {} data bytes, the header announces {}",
                data.len(),
                npy.data_len()
            ),
        });
    }
    let mut flat = vec![T::default(); n];
    from_bytes(data, &mut flat, &what)?;
    let buffer = if npy.fortran_order {
        let rev: Vec<usize> = npy.shape.iter().rev().copied().collect();
        ArrayD::from_shape_vec(IxDyn(&rev), flat)
            .map_err(|e| Error::Io {
                path: what.clone(),
                detail: e.to_string(),
            })?
            .reversed_axes()
            .as_standard_layout()
            .into_owned()
    } else {
        ArrayD::from_shape_vec(IxDyn(&npy.shape), flat).map_err(|e| Error::Io {
            path: what.clone(),
            detail: e.to_string(),
        })?
    };
    Ok(DnpyFile {
        version,
        dim_data,
        buffer,
    })
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// Writes `<prefix>_<rank>.dnpy` on every rank (DistArray 0.6's format,
    /// byte for byte). Collective, and atomic as a set: readers see the
    /// previous set until every rank's file is written and the set is
    /// committed in one rename (see the module docs); a failure on any rank
    /// gives every rank the same error and leaves the previous set as it was.
    pub fn save_dnpy(&self, prefix: impl AsRef<Path>) -> Result<()> {
        let comm = self.layout().comm();
        same_prefix(comm, prefix.as_ref(), "save_dnpy")?;
        let export = self.to_dap();
        let mut bytes = dnpy_header(&export.dim_data);
        bytes.extend(
            NpyHeader {
                dtype: T::DTYPE,
                fortran_order: false,
                shape: export.buffer.shape().to_vec(),
            }
            .to_bytes(),
        );
        let local = export.buffer.as_standard_layout();
        bytes.extend_from_slice(&to_bytes(local.as_slice().expect("standard layout")));
        let progress = super::progress::Progress::new(comm, bytes.len(), "saving .dnpy");
        set::save_set(comm, prefix.as_ref(), |f| {
            for piece in bytes.chunks(16 << 20) {
                std::io::Write::write_all(f, piece)?;
                progress.advance(piece.len());
            }
            Ok(())
        })
    }
}

impl<T: Element> DistArray<T> {
    /// Reads `<prefix>_<rank>.dnpy` on every rank and validates the set as a
    /// protocol import (collective; the set must have been written by as
    /// many ranks as `comm` has). Every rank returns the same error for a
    /// missing, corrupt, truncated or wrong-typed file, and for a set that
    /// mixes files of two saves.
    pub fn load_dnpy(comm: &Comm, prefix: impl AsRef<Path>) -> Result<DistArray<T>> {
        let prefix = prefix.as_ref();
        same_prefix(comm, prefix, "load_dnpy")?;
        let committed = set::committed_dir_on_all(comm, prefix);
        let linked = set::entry(prefix, comm.rank()) == set::Entry::Linked;
        let any_linked = comm.sum_u64(linked as u64) > 0;
        comm.agree(
            match set::foreign_file(prefix, committed.as_deref(), comm.rank()) {
                Some(e) if any_linked => Err(e),
                _ => Ok(()),
            },
        )?;
        let path = set::file_to_read(prefix, committed.as_deref(), comm.rank());
        let file = comm.agree(read_dnpy::<T>(&path, comm.rank()))?;
        let last = dnpy_path(prefix, comm.size());
        comm.agree(if comm.rank() == 0 && last.is_file() {
            Err(Error::Io {
                path: last.display().to_string(),
                detail: format!(
                    "the set has more files than the {} ranks loading it",
                    comm.size()
                ),
            })
        } else {
            Ok(())
        })?;
        DistArray::from_dap(comm, &file.dim_data, file.buffer)
    }
}

/// Number of consecutive files `prefix_0.dnpy`, `prefix_1.dnpy`, ... there
/// are (how many the set should have: [`check_dnpy_set`]).
pub fn dnpy_count(prefix: impl AsRef<Path>) -> usize {
    (0..)
        .take_while(|&r| dnpy_path(&prefix, r).is_file())
        .count()
}

/// Reads every file's header of a set and checks the set as a whole (no
/// MPI): per file, its dimension dictionaries and buffer shape. Refuses a
/// set with a file missing (the grid in the first file's header says how
/// many there are; the first missing one is named) or one too many, files
/// of different element types (both named), files of two saves, and any
/// broken protocol rule across files (block ranges that do not tile,
/// unstructured indices that do not cover their axis, ...).
pub fn check_dnpy_set(prefix: impl AsRef<Path>) -> Result<Vec<(Vec<DimDict>, NpyHeader)>> {
    let prefix = prefix.as_ref();
    let n = dnpy_count(prefix);
    if n == 0 {
        return Err(Error::Io {
            path: dnpy_path(prefix, 0).display().to_string(),
            detail: "no such .dnpy set (the first file is missing)".into(),
        });
    }
    let committed = set::committed_dir(prefix);
    set::check_not_mixed(prefix, committed.as_deref(), n)?;
    let mut out: Vec<(Vec<DimDict>, NpyHeader)> = Vec::with_capacity(n);
    let mut files = n;
    let mut r = 0;
    while r < files {
        let path = set::file_to_read(prefix, committed.as_deref(), r);
        let what = dnpy_path(prefix, r).display().to_string();
        let bytes = read_head(&path, &what)?;
        let (version, dims, npy, _) = read_dnpy_header(&bytes, &what)?;
        if version != VERSION {
            return Err(Error::protocol(
                crate::error::Rule::UnsupportedVersion,
                Some(r),
                None,
                format!("{what}: __version__ is {version:?}"),
            ));
        }
        let dims = parse_dim_data(&dims.as_array().cloned().unwrap_or_default(), &npy.shape, r)?;
        crate::protocol::check_rank(&dims, &npy.shape, r)?;
        if r == 0 {
            files = set_size(prefix, &dims, n)?;
        } else if npy.dtype != out[0].1.dtype {
            return Err(Error::DTypeMismatch {
                expected: format!(
                    "{} (as in {})",
                    out[0].1.dtype,
                    dnpy_path(prefix, 0).display()
                ),
                found: format!("{} in {what}", npy.dtype),
            });
        }
        out.push((dims, npy));
        r += 1;
    }
    // with the indices: the rules across positions of unstructured axes
    let all: Vec<Vec<DimDict>> = out.iter().map(|(d, _)| d.clone()).collect();
    crate::protocol::check_array(&all)?;
    Ok(out)
}

/// The number of files the set has, from the grid in the first file's
/// dimension dictionaries, checked against the `found` consecutive files.
fn set_size(prefix: &Path, dims: &[DimDict], found: usize) -> Result<usize> {
    let grid: Vec<usize> = dims.iter().map(|d| d.proc_grid_size).collect();
    let files = grid.iter().product::<usize>().max(1);
    let first = dnpy_path(prefix, 0);
    if found < files {
        return Err(Error::Io {
            path: dnpy_path(prefix, found).display().to_string(),
            detail: format!(
                "missing: the set is incomplete ({} says the process grid is {grid:?}, so {files} \
                 files; {found} found before this one)",
                first.display()
            ),
        });
    }
    if found > files {
        return Err(Error::Io {
            path: dnpy_path(prefix, files).display().to_string(),
            detail: format!(
                "one file too many: {} says the process grid is {grid:?}, so the set has {files} \
                 files",
                first.display()
            ),
        });
    }
    Ok(files)
}

/// The first bytes of a file: enough for both headers.
fn read_head(path: &Path, what: &str) -> Result<Vec<u8>> {
    use std::io::Read;
    let what = what.to_string();
    let mut f = std::fs::File::open(path).map_err(|e| Error::Io {
        path: what.clone(),
        detail: e.to_string(),
    })?;
    let mut head = vec![0u8; 10];
    f.read_exact(&mut head).map_err(|e| Error::Io {
        path: what.clone(),
        detail: format!("too short: {e}"),
    })?;
    let hlen = u16::from_le_bytes([head[8], head[9]]) as usize;
    let mut rest = vec![0u8; hlen + 12];
    let got = f.read(&mut rest).map_err(|e| Error::Io {
        path: what.clone(),
        detail: e.to_string(),
    })?;
    head.extend_from_slice(&rest[..got]);
    // the npy header length follows: read it whole
    if head.len() >= 10 + hlen + 10 {
        let nh = u16::from_le_bytes([head[10 + hlen + 8], head[10 + hlen + 9]]) as usize;
        let need = 10 + hlen + 10 + nh;
        if head.len() < need {
            let mut more = vec![0u8; need - head.len()];
            let got = f.read(&mut more).map_err(|e| Error::Io {
                path: what.clone(),
                detail: e.to_string(),
            })?;
            head.extend_from_slice(&more[..got]);
        }
    }
    Ok(head)
}

impl<T: Element> DistArray<T> {
    /// Loads a `.dnpy` set written by any number of ranks into `layout`
    /// (any number of ranks, any distribution). Rank 0 checks the whole set
    /// first ([`check_dnpy_set`]); each rank then reads some of the files
    /// and sends every owned cell to the rank that holds it in a block
    /// layout, from which one plan moves it into `layout`. A set that leaves
    /// a cell of the array without a value is refused. Collective: every
    /// rank gets the same verdict.
    pub fn load_dnpy_in(layout: &Layout, prefix: impl AsRef<Path>) -> Result<DistArray<T>> {
        let comm = layout.comm();
        let prefix = prefix.as_ref();
        same_prefix(comm, prefix, "load_dnpy_in")?;
        let committed = set::committed_dir_on_all(comm, prefix);
        let set = if comm.rank() == 0 {
            check_dnpy_set(prefix).map(|s| s.len())
        } else {
            Ok(0)
        };
        let files = comm.agree(set)?;
        let files = u64::from_le_bytes(
            comm.broadcast_bytes(0, (files as u64).to_le_bytes().to_vec())
                .try_into()
                .expect("eight bytes"),
        ) as usize;
        let blocks = Layout::block(comm, layout.shape())?;
        let mut to_flat: Vec<Vec<u64>> = vec![Vec::new(); comm.size()];
        let mut to_value: Vec<Vec<T>> = vec![Vec::new(); comm.size()];
        let strides = crate::array::c_strides(layout.shape());
        let mut read_all = || -> Result<()> {
            for f in (comm.rank()..files).step_by(comm.size()) {
                let path = set::file_to_read(prefix, committed.as_deref(), f);
                let file = read_dnpy::<T>(&path, f)?;
                if file.dim_data.iter().map(|d| d.size).collect::<Vec<_>>() != layout.shape() {
                    return Err(Error::ShapeMismatch {
                        context: format!("loading the .dnpy set into {:?}", layout.shape()),
                        expected: layout.shape().to_vec(),
                        found: file.dim_data.iter().map(|d| d.size).collect(),
                    });
                }
                let axes: Vec<Vec<usize>> = file
                    .dim_data
                    .iter()
                    .zip(file.buffer.shape())
                    .map(|(d, &n)| owned_globals(d, n))
                    .collect();
                let locals: Vec<Vec<usize>> = file
                    .dim_data
                    .iter()
                    .zip(file.buffer.shape())
                    .map(|(d, &n)| owned_locals(d, n))
                    .collect();
                let mut values = Vec::new();
                crate::array::for_each_in_box(&locals, |j, _| values.push(file.buffer[IxDyn(j)]));
                let mut k = 0;
                crate::array::for_each_in_box(&axes, |g, _| {
                    let coords: Vec<usize> = blocks
                        .maps()
                        .iter()
                        .zip(g)
                        .map(|(m, &x)| m.owner(x).expect("block maps know owners").0)
                        .collect();
                    let owner = blocks.grid().rank_at(&coords);
                    to_flat[owner]
                        .push(g.iter().zip(&strides).map(|(i, s)| i * s).sum::<usize>() as u64);
                    to_value[owner].push(values[k]);
                    k += 1;
                });
            }
            Ok(())
        };
        comm.agree(read_all())?;
        let got_flat = comm.all_to_all_varcount(&to_flat);
        let got_value = comm.all_to_all_varcount(&to_value);
        let mut out = DistArray::zeros(&blocks);
        let mut covered = ArrayD::from_elem(IxDyn(blocks.local_shape()), false);
        {
            let mut local = out.local_mut();
            let mut ix = vec![0usize; layout.ndim()];
            for (flats, vals) in got_flat.iter().zip(&got_value) {
                for (&fl, &v) in flats.iter().zip(vals) {
                    let mut rest = fl as usize;
                    for (a, &s) in strides.iter().enumerate() {
                        ix[a] = rest / s;
                        rest %= s;
                    }
                    let j = blocks.global_to_local(&ix).expect("sent to the owner");
                    local[IxDyn(&j)] = v;
                    covered[IxDyn(&j)] = true;
                }
            }
        }
        comm.agree(match covered.indexed_iter().find(|(_, &c)| !c) {
            None => Ok(()),
            Some((j, _)) => {
                let cell: Vec<usize> = (0..layout.ndim())
                    .map(|a| blocks.global_indices(a)[j[a]])
                    .collect();
                Err(Error::Io {
                    path: prefix.display().to_string(),
                    detail: format!(
                        "the set leaves cell {cell:?} of the {:?} array without a value",
                        layout.shape()
                    ),
                })
            }
        })?;
        if *layout == blocks {
            Ok(out)
        } else {
            out.redistribute(layout)
        }
    }
}

/// Global indices of the owned (not communication-padding) buffer positions
/// of one axis described by `d`, for a buffer extent `n`.
pub fn owned_globals(d: &DimDict, n: usize) -> Vec<usize> {
    owned_locals(d, n)
        .into_iter()
        .map(|j| match d.dist_type {
            DistType::Block => d.start.unwrap_or(0) + j,
            DistType::Cyclic => {
                let b = d.block_size_or_one();
                (j / b * d.proc_grid_size + d.proc_grid_rank) * b + j % b
            }
            DistType::Unstructured => d.indices.as_ref().map_or(0, |ix| ix[j]),
        })
        .collect()
}

/// The buffer positions that are not communication padding.
fn owned_locals(d: &DimDict, n: usize) -> Vec<usize> {
    if d.dist_type != DistType::Block {
        return (0..n).collect();
    }
    let (l, r) = d.padding_or_zero();
    let lo = if d.proc_grid_rank > 0 { l } else { 0 };
    let hi = n - if d.proc_grid_rank + 1 < d.proc_grid_size {
        r
    } else {
        0
    };
    (lo..hi).collect()
}
