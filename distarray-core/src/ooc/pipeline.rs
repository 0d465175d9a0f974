//! The pipeline every out-of-core operation runs: a reader thread fills the
//! next chunks of every input, the caller's thread computes the current
//! one, a writer thread stores the previous result; a fixed set of buffers
//! (as many as the budget holds, at most eight) goes round, so memory stays
//! within the budget. The threads touch only files: every MPI call stays on
//! the caller's thread.

use super::disk::DiskArray;
use super::units::{in_flight, Unit, Units};
use crate::comm::Comm;
use crate::error::{Error, Result};
use crate::io::progress::Progress;
use crate::io::zarr::load::read_box;
use crate::io::zarr::save::{begin_store, build_array, end_store, sync_chunks, ArraySpec, Store};
use crate::io::{io_err, ZarrCompression, ZarrElement};
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, IxDyn, Slice};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use zarrs::array::Array;
use zarrs::filesystem::FilesystemStore;

/// What an operation is (for errors and the progress bar), whose ranks run
/// it, where it writes, and its budget.
pub(crate) struct Job<'a> {
    pub what: &'static str,
    pub comm: &'a Comm,
    pub path: &'a Path,
    pub budget: usize,
}

impl<'a> Job<'a> {
    pub(crate) fn new(
        what: &'static str,
        comm: &'a Comm,
        path: &'a Path,
        budget: usize,
    ) -> Job<'a> {
        Job {
            what,
            comm,
            path,
            budget,
        }
    }
}

/// An input of a pipeline: the parts of a [`DiskArray`] the reader thread
/// uses, and how a unit of the walked grid maps to a box of it (the same
/// box, or the box a transposition reads).
pub(crate) struct Input<'a> {
    array: &'a Array<FilesystemStore>,
    path: &'a Path,
    chunks: &'a [usize],
    raw: bool,
    /// `Some(axes)`: the walked grid is this array transposed by `axes`.
    axes: Option<Vec<usize>>,
}

impl<'a> Input<'a> {
    /// The same box of `d` as each unit.
    pub(crate) fn new<T: ZarrElement>(d: &'a DiskArray<T>) -> Input<'a> {
        Input {
            array: &d.array,
            path: &d.path,
            chunks: &d.chunks,
            raw: d.meta.raw,
            axes: None,
        }
    }

    /// The box of `d` whose transposition by `axes` is the unit.
    pub(crate) fn transposed<T: ZarrElement>(d: &'a DiskArray<T>, axes: &[usize]) -> Input<'a> {
        Input {
            axes: Some(axes.to_vec()),
            ..Input::new(d)
        }
    }

    /// The box of this input that `unit` needs: start and shape.
    pub(crate) fn box_of(&self, unit: &Unit) -> (Vec<usize>, Vec<usize>) {
        (self.in_axes(&unit.start), self.in_axes(&unit.shape))
    }

    /// Per-axis values of the walked grid in this input's axes.
    fn in_axes(&self, walked: &[usize]) -> Vec<usize> {
        match &self.axes {
            None => walked.to_vec(),
            Some(axes) => {
                let mut mine = vec![0; axes.len()];
                for (i, &a) in axes.iter().enumerate() {
                    mine[a] = walked[i];
                }
                mine
            }
        }
    }

    /// Reads the box `unit` needs into `buf` (C order): from the chunk's
    /// file straight into `buf` when the box is one contiguous run of an
    /// uncompressed chunk, through zarrs otherwise (any codecs, the fill
    /// value for missing chunks).
    fn read<T: ZarrElement>(&self, unit: &Unit, buf: &mut Vec<T>) -> Result<()> {
        let (start, shape) = self.box_of(unit);
        let n: usize = shape.iter().product();
        if n == 0 {
            buf.clear();
            return Ok(());
        }
        if self.raw {
            if let Some((key, offset)) = contiguous_in_chunk(self.chunks, &start, &shape) {
                if buf.len() < n {
                    buf.resize(n, T::default());
                } else {
                    buf.truncate(n);
                }
                if let Some(bytes) = T::le_bytes_mut(&mut buf[..]) {
                    let file = self.path.join(self.array.chunk_key(&key).as_str());
                    match std::fs::File::open(&file) {
                        Ok(f) => {
                            let size = f.metadata().map_err(|e| io_err(&file, e))?.len();
                            let offset = (offset * std::mem::size_of::<T>()) as u64;
                            if size < offset + bytes.len() as u64 {
                                return Err(io_err(
                                    &file,
                                    format!("a truncated raw chunk ({size} bytes)"),
                                ));
                            }
                            return f.read_exact_at(bytes, offset).map_err(|e| io_err(&file, e));
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(io_err(&file, e)),
                    }
                }
            }
        }
        // the old buffer goes before zarrs makes the new one (the budget
        // counts one)
        drop(std::mem::take(buf));
        *buf = read_box(self.array, self.path, &start, &shape)?;
        Ok(())
    }
}

/// Where a box lies in one stored chunk as one contiguous run of it (the
/// whole chunk along every axis but the first): the chunk's index and the
/// offset, in cells, of the box's first cell in the chunk.
fn contiguous_in_chunk(
    chunks: &[usize],
    start: &[usize],
    shape: &[usize],
) -> Option<(Vec<u64>, usize)> {
    let inner = (1..chunks.len()).all(|a| start[a] % chunks[a] == 0 && shape[a] == chunks[a]);
    let (s0, c0) = (start[0], chunks[0]);
    if !inner || s0 / c0 != (s0 + shape[0] - 1) / c0 {
        return None;
    }
    let key = start
        .iter()
        .zip(chunks)
        .map(|(&s, &c)| (s / c) as u64)
        .collect();
    let row: usize = chunks[1..].iter().product();
    Some((key, (s0 % c0) * row))
}

/// The most stored chunks of length `c` that a box of length `w` starting
/// at a multiple of `w` touches along one axis (1 when `w` divides `c`).
fn most_touched(w: usize, c: usize) -> usize {
    if w == 0 || c == 0 {
        return 1;
    }
    // the starts repeat every lcm(w, c): c / gcd(w, c) of them
    let (mut a, mut b) = (w, c);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    (0..c / a)
        .map(|k| (k * w + w - 1) / c - (k * w) / c + 1)
        .max()
        .unwrap_or(1)
}

/// A new array being written: its chunks go into a temporary directory,
/// and [`finish`](Sink::finish) writes the metadata last and renames it.
pub(crate) struct Sink<U> {
    path: PathBuf,
    tmp: PathBuf,
    array: Array<FilesystemStore>,
    raw: bool,
    pub(crate) shape: Vec<usize>,
    pub(crate) chunks: Vec<usize>,
    /// Whether this rank wrote any chunk (else nothing to flush).
    wrote: std::sync::atomic::AtomicBool,
    _u: std::marker::PhantomData<fn(U)>,
}

impl<U: ZarrElement> Sink<U> {
    /// Starts a new array of `shape` in chunks of `chunks` at the job's
    /// path. Collective.
    pub(crate) fn begin(
        job: &Job<'_>,
        shape: &[usize],
        chunks: &[usize],
        compression: &ZarrCompression,
    ) -> Result<Sink<U>> {
        Sink::begin_with(job, shape, chunks, compression, serde_json::Map::new())
    }

    /// [`begin`](Self::begin) with the array's attributes.
    pub(crate) fn begin_with(
        job: &Job<'_>,
        shape: &[usize],
        chunks: &[usize],
        compression: &ZarrCompression,
        attributes: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Sink<U>> {
        let path = job.path;
        let comm = job.comm;
        // one path on every rank, or each would fill its own directory
        super::disk::same_path(comm, &format!("{} (path)", job.what), path)?;
        comm.agree(
            if comm.rank() == 0 && path.exists() && !crate::io::is_zarr_array(path) {
                Err(io_err(
                    path,
                    "exists and is not a Zarr array: out-of-core results replace only a Zarr array",
                ))
            } else if path.file_name().is_none() {
                Err(io_err(path, "names no array: give the array's own name"))
            } else {
                Ok(())
            },
        )?;
        let tmp = begin_store(comm, path)?;
        let spec = ArraySpec {
            shape,
            chunks,
            dtype: U::DTYPE,
            compression,
            attributes,
        };
        let array = match comm.agree(build_array(&tmp, path, &spec)) {
            Ok(a) => a,
            Err(e) => {
                if comm.rank() == 0 {
                    let _ = std::fs::remove_dir_all(&tmp);
                }
                return Err(e);
            }
        };
        Ok(Sink {
            path: path.to_path_buf(),
            tmp,
            array,
            raw: *compression == ZarrCompression::None,
            shape: shape.to_vec(),
            chunks: chunks.to_vec(),
            wrote: std::sync::atomic::AtomicBool::new(false),
            _u: std::marker::PhantomData,
        })
    }

    /// Stores the unit's cells (C order): whole chunks as they are, edge
    /// chunks padded with the fill value to the chunk shape.
    fn write(&self, unit: &Unit, data: &[U]) -> Result<()> {
        self.wrote.store(true, std::sync::atomic::Ordering::Relaxed);
        let store = Store {
            array: &self.array,
            dir: &self.tmp,
            path: &self.path,
            raw: self.raw,
        };
        let full: usize = self.chunks.iter().product();
        if unit.shape == self.chunks {
            store.chunk(&unit.key, data)?;
        } else if self.raw && unit.shape[1..] == self.chunks[1..] {
            // cut along the first axis only: the cells are the chunk's
            // first bytes, the rest zeros (the fill value)
            let file = self.tmp.join(self.array.chunk_key(&unit.key).as_str());
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io_err(parent, e))?;
            }
            let f = std::fs::File::create(&file).map_err(|e| io_err(&file, e))?;
            f.write_all_at(&U::le_bytes(data), 0)
                .and_then(|_| f.set_len((full * std::mem::size_of::<U>()) as u64))
                .map_err(|e| io_err(&file, e))?;
        } else {
            let view = ArrayViewD::from_shape(IxDyn(&unit.shape), data)
                .map_err(|e| Error::InvalidArgument(e.to_string()))?;
            let mut padded = ArrayD::from_elem(IxDyn(&self.chunks), U::default());
            padded
                .slice_each_axis_mut(|ax| Slice::from(0..unit.shape[ax.axis.index()]))
                .assign(&view);
            store.chunk(&unit.key, padded.as_slice().expect("standard layout"))?;
        }
        Ok(())
    }

    /// Ends the array: when every rank's part is `done`, its chunk files
    /// are flushed, the metadata written last and the directory renamed to
    /// the path; otherwise nothing is left behind but an old array there.
    /// Collective.
    pub(crate) fn finish(self, comm: &Comm, done: Result<()>) -> Result<()> {
        // the chunks this rank wrote (its run of the grid), one at a time
        let wrote = self.wrote.into_inner();
        let (array, tmp) = (self.array, self.tmp);
        let flushed = done
            .and_then(|_| {
                if !wrote {
                    return Ok(());
                }
                Units::mine(&self.shape, &self.chunks, comm.rank(), comm.size())
                    .iter()
                    .try_for_each(|u| sync_chunks(&array, &tmp, std::slice::from_ref(&u.key)))
            })
            .map(|_| array);
        end_store(comm, &tmp, &self.path, flushed)
    }
}

/// The buffers one unit takes: one per input, one for the output.
struct Buffers<T, U> {
    inputs: Vec<Vec<T>>,
    out: Vec<U>,
}

/// Runs `kernel` on every unit this rank owns of the grid walked (the
/// sink's chunks when there is a sink, else the first input's), each
/// input's box read in the background and the output written in the
/// background. `kernel(unit, inputs, out)` gets the inputs' boxes (their
/// own shapes: a transposed input's is permuted) and the output's cells
/// (`None` without a sink). Not collective: the caller agrees the result.
pub(crate) fn run<T, U, K>(
    job: &Job<'_>,
    inputs: &[Input<'_>],
    sink: Option<&Sink<U>>,
    mut kernel: K,
) -> Result<()>
where
    T: ZarrElement,
    U: ZarrElement,
    K: FnMut(&Unit, &[ArrayViewD<'_, T>], Option<ArrayViewMutD<'_, U>>) -> Result<()>,
{
    let (shape, chunks): (Vec<usize>, Vec<usize>) = match (sink, inputs.first()) {
        (Some(s), _) => (s.shape.clone(), s.chunks.clone()),
        (None, Some(i)) => (
            i.array.shape().iter().map(|&n| n as usize).collect(),
            i.chunks.to_vec(),
        ),
        (None, None) => return Ok(()),
    };
    let comm = job.comm;
    let units = Units::mine(&shape, &chunks, comm.rank(), comm.size());
    let chunk_len: usize = chunks.iter().product();
    let t = std::mem::size_of::<T>();
    let u = std::mem::size_of::<U>();
    // a compressed output chunk is encoded next to its cells; an input
    // read through zarrs (compressed, or stored in other chunks than the
    // walked ones) also holds, uncompressed, the box's bytes joined and
    // converted (two more boxes), compressed, every stored chunk the box
    // touches, decoded, and its encoded bytes
    let per_cell = inputs.len() * t + sink.map_or(0, |s| if s.raw { u } else { 2 * u });
    let decoded: usize = inputs
        .iter()
        .filter(|i| !i.raw || i.axes.is_some() || i.chunks != chunks.as_slice())
        .map(|i| {
            if i.raw {
                return 2 * chunk_len * t;
            }
            // boxes of the walked chunk's length (in the input's axes) at
            // its multiples
            let touched: usize = i
                .in_axes(&chunks)
                .iter()
                .zip(i.chunks)
                .map(|(&w, &c)| most_touched(w, c))
                .product();
            2 * i.chunks.iter().product::<usize>() * touched * t
        })
        .sum();
    let depth = in_flight(job.what, job.budget, chunk_len * per_cell + decoded)?;
    // bytes read and written per cell, for the progress bar
    let io_per_cell = inputs.len() * t + sink.map_or(0, |_| u);
    let moved = units.cells() * io_per_cell;
    let progress = Progress::new(comm, moved, job.what);

    let (free_tx, free_rx) = sync_channel::<Buffers<T, U>>(depth);
    for _ in 0..depth {
        let b = Buffers {
            inputs: inputs.iter().map(|_| Vec::new()).collect(),
            out: Vec::new(),
        };
        free_tx.send(b).expect("room for every buffer");
    }
    let (ready_tx, ready_rx) = sync_channel::<(Unit, Buffers<T, U>)>(depth);
    let (done_tx, done_rx) = sync_channel::<(Unit, Buffers<T, U>)>(depth);
    let units = &units;
    std::thread::scope(|s| {
        let reader = s.spawn(move || -> Result<()> {
            for unit in units.iter() {
                let Ok(mut b) = free_rx.recv() else {
                    return Ok(()); // the writer stopped: its error tells
                };
                for (input, buf) in inputs.iter().zip(&mut b.inputs) {
                    input.read(&unit, buf)?;
                }
                if ready_tx.send((unit, b)).is_err() {
                    return Ok(()); // the computing stopped
                }
            }
            Ok(())
        });
        let writer = s.spawn(move || -> Result<()> {
            for (unit, b) in done_rx {
                if let Some(sink) = sink {
                    sink.write(&unit, &b.out)?;
                }
                let _ = free_tx.send(b); // the reader may be done
            }
            Ok(())
        });
        let mut computed = Ok(());
        for (unit, mut b) in ready_rx.iter() {
            let step = (|| -> Result<()> {
                let views = inputs
                    .iter()
                    .zip(&b.inputs)
                    .map(|(input, buf)| {
                        ArrayViewD::from_shape(IxDyn(&input.box_of(&unit).1), &buf[..])
                            .map_err(|e| Error::InvalidArgument(e.to_string()))
                    })
                    .collect::<Result<Vec<_>>>()?;
                let out = match sink {
                    Some(_) => {
                        b.out.resize(unit.len(), U::default());
                        Some(
                            ArrayViewMutD::from_shape(IxDyn(&unit.shape), &mut b.out[..])
                                .map_err(|e| Error::InvalidArgument(e.to_string()))?,
                        )
                    }
                    None => None,
                };
                kernel(&unit, &views, out)
            })();
            if let Err(e) = step {
                computed = Err(e);
                break;
            }
            progress.advance(unit.len() * io_per_cell);
            if done_tx.send((unit, b)).is_err() {
                break; // the writer stopped: its error tells
            }
        }
        drop(done_tx);
        drop(ready_rx);
        let read = reader
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        let wrote = writer
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        computed.and(read).and(wrote)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_runs_of_one_chunk() {
        // chunks 4 x 3 over a 10 x 3 array: rows 5..7 are cells 3..9 of chunk 1
        assert_eq!(
            contiguous_in_chunk(&[4, 3], &[5, 0], &[2, 3]),
            Some((vec![1, 0], 3))
        );
        // across two chunks, or part of a row: not one run
        assert_eq!(contiguous_in_chunk(&[4, 3], &[3, 0], &[2, 3]), None);
        assert_eq!(contiguous_in_chunk(&[4, 3], &[0, 0], &[2, 2]), None);
        assert_eq!(contiguous_in_chunk(&[4], &[8], &[2]), Some((vec![2], 0)));
    }

    #[test]
    fn stored_chunks_a_walked_box_touches() {
        assert_eq!(most_touched(4, 4), 1);
        assert_eq!(most_touched(2, 4), 1); // halves of a chunk
        assert_eq!(most_touched(8, 4), 2);
        assert_eq!(most_touched(6, 4), 2); // 0..6 and 6..12: two each
        assert_eq!(most_touched(3, 7), 2);
        assert_eq!(most_touched(7, 3), 3); // 0..7, 7..14, 14..21: three each
    }
}
