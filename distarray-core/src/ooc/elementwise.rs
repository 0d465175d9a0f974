//! Elementwise work from disk to disk.

use super::disk::{new_chunk_shape, same_path, DiskArray, OocOptions};
use super::pipeline::{run, Input, Job, Sink};
use crate::array::{DistArrayView, DistArrayViewMut};
use crate::comm::{fingerprint, Comm};
use crate::error::{Error, Result};
use crate::io::{path_words, ZarrElement};
use crate::layout::Layout;
use mpi::topology::SimpleCommunicator;
use std::collections::HashMap;
use std::path::Path;

/// Layouts of slabs on this rank alone, one per slab shape (edge chunks
/// have others).
pub(crate) struct SlabLayouts {
    me: Comm,
    made: HashMap<Vec<usize>, Layout>,
}

impl SlabLayouts {
    pub(crate) fn new() -> SlabLayouts {
        SlabLayouts {
            me: Comm::duplicate_of(&SimpleCommunicator::self_comm()),
            made: HashMap::new(),
        }
    }

    /// The layout of a slab of `shape`: the whole array on this rank.
    pub(crate) fn of(&mut self, shape: &[usize]) -> Result<Layout> {
        if let Some(l) = self.made.get(shape) {
            return Ok(l.clone());
        }
        let l = Layout::block(&self.me, shape)?;
        self.made.insert(shape.to_vec(), l.clone());
        Ok(l)
    }

    /// The pipeline's boxes of a slab of `shape` as arrays on this rank
    /// alone (no copy).
    pub(crate) fn views<'v, T: ZarrElement>(
        &mut self,
        shape: &[usize],
        boxes: &'v [ndarray::ArrayViewD<'_, T>],
    ) -> Result<Vec<DistArrayView<'v, T>>> {
        let layout = self.of(shape)?;
        boxes
            .iter()
            .map(|b| DistArrayView::from_local(layout.clone(), b.view()))
            .collect()
    }
}

/// Checks the inputs of an elementwise operation: at least one, one shape,
/// opened by the same ranks. Collective.
pub(crate) fn check_inputs<T: ZarrElement>(what: &str, inputs: &[&DiskArray<T>]) -> Result<()> {
    let Some(first) = inputs.first() else {
        return Err(Error::InvalidArgument(format!("{what}: no input arrays")));
    };
    let comm = first.comm();
    let words = fingerprint(
        inputs
            .iter()
            .flat_map(|d| path_words(d.path(), "").chain([u64::MAX])),
    );
    comm.agree_on(&format!("{what} (the input arrays)"), words, Ok(()))?;
    comm.agree(
        match inputs
            .iter()
            .find(|d| d.shape() != first.shape() || !d.comm().congruent(comm))
        {
            Some(d) if !d.comm().congruent(comm) => Err(Error::InvalidArgument(format!(
                "{what}: {} was opened on another communicator",
                d.path().display()
            ))),
            Some(d) => Err(Error::ShapeMismatch {
                context: format!(
                    "{what}: {} against {}",
                    d.path().display(),
                    first.path().display()
                ),
                expected: first.shape().to_vec(),
                found: d.shape().to_vec(),
            }),
            None => Ok(()),
        },
    )
}

/// Computes a new array at `path` from `inputs` (all of one shape), slab
/// by slab: `kernel(slabs, out)` gets the inputs' cells of a chunk as
/// arrays on this rank alone ([`DistArrayView`]s over a one-rank
/// communicator, so that deferred expressions, ufuncs and every array
/// method run on them) and writes that chunk of the result into `out`.
/// The next chunks are read, and the previous result written, while the
/// kernel runs, within `options.budget` per rank. The result is stored in
/// chunks of `options.chunk_shape` (default: the first input's) with
/// `options.compression`, its metadata written last (a killed job leaves no
/// array that looks complete). `path` may be one of the inputs': the
/// result replaces it when done, and the input's handle must not be used
/// after (it still describes the old array: open the path again, or use
/// the handle returned). Collective.
///
/// `kernel` must be elementwise (or at least keep to the chunk it is
/// given): chunk boundaries depend on the chunk shape. Each rank calls it
/// for its own chunks only, so it must not call collectives of the
/// inputs' communicator.
///
/// Errors (on every rank alike): no inputs, inputs of different shapes,
/// chunks that do not fit the budget, the kernel's errors, I/O errors.
///
/// # Examples
///
/// ```
/// use distarray_core::ooc::{self, DiskArray, OocOptions};
/// use distarray_core::Comm;
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let dir = std::env::temp_dir().join(format!("distarray-doc-apply-{}", std::process::id()));
/// let opts = OocOptions { budget: 4096, chunk_shape: Some(vec![64]), ..Default::default() };
/// let fill = |v: f64| move |_: &[usize], mut c: ndarray::ArrayViewMutD<'_, f64>| c.fill(v);
/// let x = DiskArray::generate(&comm, dir.join("x.zarr"), &[1000], &opts, fill(3.0)).unwrap();
/// let y = DiskArray::generate(&comm, dir.join("y.zarr"), &[1000], &opts, fill(4.0)).unwrap();
/// // the hypotenuse, one pass, no temporaries
/// let h = ooc::apply(&[&x, &y], dir.join("h.zarr"), &opts, |s, out| {
///     let (a, b) = (s[0].lazy(), s[1].lazy());
///     (a * a + b * b).sqrt().eval_into(out)
/// }).unwrap();
/// assert_eq!(h.min().unwrap(), 5.0);
/// // an eager ufunc works too
/// let e = ooc::apply(&[&x], dir.join("e.zarr"), &opts, |s, out| {
///     out.local_mut().assign(&s[0].exp().local());
///     Ok(())
/// }).unwrap();
/// assert_eq!(e.max().unwrap(), 3f64.exp());
/// ```
pub fn apply<T: ZarrElement, U: ZarrElement>(
    inputs: &[&DiskArray<T>],
    path: impl AsRef<Path>,
    options: &OocOptions,
    mut kernel: impl FnMut(&[DistArrayView<'_, T>], &mut DistArrayViewMut<'_, U>) -> Result<()>,
) -> Result<DiskArray<U>> {
    check_inputs("ooc::apply", inputs)?;
    let first = inputs[0];
    let path = path.as_ref();
    let comm = first.comm();
    same_path(comm, "ooc::apply (path)", path)?;
    let chunks = new_chunk_shape(comm, first.shape(), options, Some(first.chunk_shape()))?;
    let job = Job::new("ooc::apply", comm, path, options.budget);
    let sink = Sink::<U>::begin(&job, first.shape(), &chunks, &options.compression)?;
    let sources: Vec<Input<'_>> = inputs.iter().map(|d| Input::new(*d)).collect();
    let mut layouts = SlabLayouts::new();
    let done = run::<T, U, _>(&job, &sources, Some(&sink), |unit, views, out| {
        let slabs = layouts.views(&unit.shape, views)?;
        let mut out = DistArrayViewMut::from_local(layouts.of(&unit.shape)?, out.expect("a sink"))?;
        kernel(&slabs, &mut out)
    });
    sink.finish(comm, done)?;
    Ok(DiskArray::open(comm, path)?.with_budget(options.budget))
}

impl<T: ZarrElement> DiskArray<T> {
    /// A new array at `path` of `f` of every cell, computed chunk by chunk
    /// within `options.budget` (see [`apply`]). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::ooc::{DiskArray, OocOptions};
    /// use distarray_core::Comm;
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let dir = std::env::temp_dir().join(format!("distarray-doc-map-{}", std::process::id()));
    /// let opts = OocOptions { chunk_shape: Some(vec![7, 7]), ..Default::default() };
    /// let x = DiskArray::<f64>::generate(&comm, dir.join("x.zarr"), &[20, 30], &opts, |s, mut c| c.fill(s[0] as f64)).unwrap();
    /// let big = x.map_to(dir.join("big.zarr"), &opts, |v| v >= 14.0).unwrap();   // a bool array
    /// assert_eq!(big.read(&[13..15, 0..1]).unwrap().gather_all().unwrap().into_raw_vec_and_offset().0, [false, true]);
    /// ```
    pub fn map_to<U: ZarrElement>(
        &self,
        path: impl AsRef<Path>,
        options: &OocOptions,
        f: impl Fn(T) -> U,
    ) -> Result<DiskArray<U>> {
        apply(&[self], path, options, |s, out| {
            out.local_mut()
                .zip_mut_with(&s[0].local(), |o, &x| *o = f(x));
            Ok(())
        })
    }

    /// A new array at `path` of `f` of every pair of cells of `self` and
    /// `other` (one shape), computed chunk by chunk within
    /// `options.budget` (see [`apply`]). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::ooc::{DiskArray, OocOptions};
    /// use distarray_core::Comm;
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let dir = std::env::temp_dir().join(format!("distarray-doc-zip-{}", std::process::id()));
    /// let opts = OocOptions { chunk_shape: Some(vec![16]), ..Default::default() };
    /// let x = DiskArray::<f64>::generate(&comm, dir.join("x.zarr"), &[100], &opts, |s, mut c| c.fill(s[0] as f64)).unwrap();
    /// let z = x.zip_map_to(&x, dir.join("z.zarr"), &opts, |a, b| 2.0 * a + b).unwrap();   // z = 2x + x
    /// assert_eq!(z.sum().unwrap(), 3.0 * x.sum().unwrap());
    /// ```
    pub fn zip_map_to<U: ZarrElement>(
        &self,
        other: &DiskArray<T>,
        path: impl AsRef<Path>,
        options: &OocOptions,
        f: impl Fn(T, T) -> U,
    ) -> Result<DiskArray<U>> {
        apply(&[self, other], path, options, |s, out| {
            ndarray::Zip::from(out.local_mut())
                .and(&s[0].local())
                .and(&s[1].local())
                .for_each(|o, &a, &b| *o = f(a, b));
            Ok(())
        })
    }
}
