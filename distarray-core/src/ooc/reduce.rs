//! Reductions of arrays on disk, slab by slab: each slab reduced as an
//! array on this rank alone (the in-memory kernels), the slabs' results
//! combined on the rank, then across the ranks.

use super::disk::{DiskArray, OocOptions};
use super::elementwise::SlabLayouts;
use super::pipeline::{run, Input, Job};
use super::units::Unit;
use crate::array::{DistArray, DistArrayView};
use crate::compute::reduce::reproducible::{PieceSum, TwoPass};
use crate::compute::ufunc::{FloatElement, Numeric, Real};
use crate::error::{Error, Result};
use crate::io::ZarrElement;
use crate::layout::{Dist, Layout};
use crate::reduce::{All, Axis};
use ndarray::{ArrayD, ArrayViewD, IxDyn, Slice};

/// Runs `kernel(start, slabs)` on every chunk of `inputs` (all of one
/// shape; the first one's chunks), each input's cells of the chunk given
/// as an array on this rank alone, the next chunks read while it runs,
/// within `options.budget`. Each rank visits its own run of the chunks:
/// fold into a value of your own, then combine the ranks' values (e.g.
/// with [`Comm::sum_u64`](crate::Comm::sum_u64)). Collective: an error on
/// any rank is every rank's.
///
/// # Examples
///
/// ```
/// use distarray_core::ooc::{self, DiskArray, OocOptions};
/// use distarray_core::{All, Comm};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let path = std::env::temp_dir().join(format!("distarray-doc-slabs-{}.zarr", std::process::id()));
/// let opts = OocOptions { chunk_shape: Some(vec![10]), ..Default::default() };
/// let x = DiskArray::<f64>::generate(&comm, &path, &[95], &opts, |s, mut c| {
///     for (i, v) in c.iter_mut().enumerate() { *v = (s[0] + i) as f64 - 40.0; }
/// }).unwrap();
/// // how many cells are positive: a deferred reduction per slab
/// let mut mine = 0u64;
/// ooc::for_each_slab(&[&x], &opts, |_, s| {
///     mine += s[0].lazy().greater(0.0).cast::<i64>().sum()? as u64;
///     Ok(())
/// }).unwrap();
/// assert_eq!(comm.sum_u64(mine), 54);
/// ```
pub fn for_each_slab<T: ZarrElement>(
    inputs: &[&DiskArray<T>],
    options: &OocOptions,
    mut kernel: impl FnMut(&[usize], &[DistArrayView<'_, T>]) -> Result<()>,
) -> Result<()> {
    let Some(first) = inputs.first() else {
        return Err(Error::InvalidArgument(
            "ooc::for_each_slab: no input arrays".into(),
        ));
    };
    super::elementwise::check_inputs("ooc::for_each_slab", inputs)?;
    let comm = first.comm();
    let job = Job::new("ooc::for_each_slab", comm, first.path(), options.budget);
    let sources: Vec<Input<'_>> = inputs.iter().map(|d| Input::new(*d)).collect();
    let mut layouts = SlabLayouts::new();
    let done = run::<T, T, _>(&job, &sources, None, |unit, views, _| {
        kernel(&unit.start, &layouts.views(&unit.shape, views)?)
    });
    comm.agree(done)
}

impl<T: ZarrElement> DiskArray<T> {
    /// Every chunk of this array as a slab on this rank alone, within the
    /// array's budget. Not collective; the caller agrees.
    fn slabs(
        &self,
        what: &'static str,
        f: impl FnMut(&Unit, DistArrayView<'_, T>) -> Result<()>,
    ) -> Result<()> {
        self.slabs_within(what, self.budget, f)
    }

    /// [`slabs`](Self::slabs) within `budget` bytes.
    fn slabs_within(
        &self,
        what: &'static str,
        budget: usize,
        mut f: impl FnMut(&Unit, DistArrayView<'_, T>) -> Result<()>,
    ) -> Result<()> {
        let job = Job::new(what, &self.comm, &self.path, budget);
        let mut layouts = SlabLayouts::new();
        run::<T, T, _>(&job, &[Input::new(self)], None, |unit, views, _| {
            let mut slabs = layouts.views(&unit.shape, views)?;
            f(unit, slabs.swap_remove(0))
        })
    }

    /// The ranks' values (one per rank) as an array of them.
    fn per_rank<R: crate::dtype::Element>(&self, mine: R) -> Result<DistArray<R>> {
        let p = self.comm.size();
        let layout = Layout::new(&self.comm, &[p], &[Dist::Block])?;
        DistArray::from_local(layout, ArrayD::from_elem(IxDyn(&[1]), mine))
    }

    /// The ranks' partial results along an axis (each of the reduced
    /// shape) as one array with a leading axis of ranks.
    fn stacked(&self, mine: ArrayD<T>) -> Result<DistArray<T>> {
        let p = self.comm.size();
        let mut shape = vec![p];
        shape.extend_from_slice(mine.shape());
        let mut dists = vec![Dist::Block];
        dists.extend(std::iter::repeat_n(Dist::NotDistributed, mine.ndim()));
        let layout = Layout::new(&self.comm, &shape, &dists)?;
        DistArray::from_local(layout, mine.insert_axis(ndarray::Axis(0)))
    }

    /// Checks `axis` and that the partial result along it fits the budget
    /// four times (the partial, the result the ranks' partials reduce to,
    /// and that reduction's temporaries); the reduced shape. Agreed
    /// (global facts).
    fn check_axis(&self, what: &str, axis: Axis) -> Result<Vec<usize>> {
        let k = axis.index();
        let verdict = if k >= self.ndim() {
            Err(Error::InvalidArgument(format!(
                "{what}: axis {k} of a {}-d array",
                self.ndim()
            )))
        } else {
            let mut reduced = self.shape().to_vec();
            reduced.remove(k);
            let bytes = reduced.iter().product::<usize>() * std::mem::size_of::<T>();
            if 4 * bytes > self.budget {
                Err(Error::InvalidArgument(format!(
                    "{what}: the result along axis {k} has {bytes} bytes, which each rank \
                     holds up to four times while it sums (the partial, the ranks' sum and its \
                     temporaries), more than the budget of {} bytes: raise it \
                     (DiskArray::with_budget) or reduce a region at a time (DiskArray::read)",
                    self.budget
                )))
            } else {
                Ok(reduced)
            }
        };
        self.comm.agree(verdict)
    }

    /// Folds every chunk's result along `axis` (`per_slab`) into a partial
    /// of the reduced shape (`combine`), then the ranks' partials
    /// (`across`). Collective.
    fn along(
        &self,
        what: &'static str,
        axis: Axis,
        init: T,
        per_slab: impl Fn(&DistArrayView<'_, T>) -> Result<DistArray<T>>,
        combine: impl Fn(T, T) -> T,
        across: impl FnOnce(&DistArray<T>) -> Result<DistArray<T>>,
    ) -> Result<DistArray<T>> {
        let reduced = self.check_axis(what, axis)?;
        let k = axis.index();
        let mut mine = ArrayD::from_elem(IxDyn(&reduced), init);
        // the chunks in flight share the budget with the partial and the
        // result
        let held = 4 * mine.len() * std::mem::size_of::<T>();
        let done = self.slabs_within(what, self.budget - held, |unit, slab| {
            let part = per_slab(&slab)?;
            let part = part.local();
            let mut target = mine.slice_each_axis_mut(|ax| {
                let a = ax.axis.index();
                let a = if a >= k { a + 1 } else { a };
                Slice::from(unit.start[a]..unit.start[a] + unit.shape[a])
            });
            target.zip_mut_with(&part, |t, &v| *t = combine(*t, v));
            Ok(())
        });
        self.comm.agree(done)?;
        across(&self.stacked(mine)?)
    }

    /// Agrees that the array has cells (for reductions with no identity).
    fn not_empty(&self, what: &str) -> Result<()> {
        self.comm.agree(if self.is_empty() {
            Err(Error::InvalidArgument(format!(
                "{what} of an empty array: it has no identity"
            )))
        } else {
            Ok(())
        })
    }
}

impl<T: ZarrElement + Numeric> DiskArray<T> {
    /// The sum of every cell (the in-memory kernel per chunk; the order of
    /// additions depends on the chunks and the ranks: for the same bits on
    /// any, [`sum_reproducible`](Self::sum_reproducible)). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::ooc::{DiskArray, OocOptions};
    /// use distarray_core::{Axis, Comm};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-osum-{}.zarr", std::process::id()));
    /// let opts = OocOptions { chunk_shape: Some(vec![4, 4]), ..Default::default() };
    /// let x = DiskArray::<i64>::generate(&comm, &path, &[10, 6], &opts, |s, mut c| {
    ///     for (ix, v) in c.indexed_iter_mut() { *v = (s[1] + ix[1]) as i64; }   // column index
    /// }).unwrap();
    /// assert_eq!(x.sum().unwrap(), 10 * 15);
    /// let cols = x.sum_axis(Axis(0)).unwrap().gather_all().unwrap();
    /// assert_eq!(cols.as_slice().unwrap(), &[0, 10, 20, 30, 40, 50]);
    /// ```
    pub fn sum(&self) -> Result<T> {
        let mut mine = T::default();
        let done = self.slabs("DiskArray::sum", |_, slab| {
            mine = mine + slab.sum(All)?;
            Ok(())
        });
        self.comm.agree(done)?;
        self.per_rank(mine)?.sum(All)
    }

    /// The sum along `axis`: a distributed array of the other axes (held
    /// in memory: each rank holds one of that shape while it sums, and up
    /// to three more while the ranks' sums are added; they count against
    /// the budget, with the chunks in flight). Collective.
    pub fn sum_axis(&self, axis: Axis) -> Result<DistArray<T>> {
        self.along(
            "DiskArray::sum_axis",
            axis,
            T::default(),
            |s| s.sum(axis),
            |a, b| a + b,
            |p| p.sum(Axis(0)),
        )
    }
}

impl<T: ZarrElement + FloatElement> DiskArray<T> {
    /// The mean of every cell (NaN for an empty array). Collective.
    pub fn mean(&self) -> Result<T> {
        let n = <T as num_traits::NumCast>::from(self.len()).unwrap_or_else(T::nan);
        Ok(self.sum()? / n)
    }

    /// The mean along `axis` (see [`sum_axis`](Self::sum_axis)).
    /// Collective.
    pub fn mean_axis(&self, axis: Axis) -> Result<DistArray<T>> {
        let mut s = self.sum_axis(axis)?;
        let n = <T as num_traits::NumCast>::from(self.shape()[axis.index()]).unwrap_or_else(T::nan);
        s.local_mut().mapv_inplace(|v| v / n);
        Ok(s)
    }

    /// The sum with the same bits as
    /// [`sum_reproducible`](crate::DistArrayBase::sum_reproducible) of the
    /// array in memory, on any number of ranks, whatever the chunks: the
    /// chunks' cells go onto fixed binary grids, where sums are exact in
    /// any order. One pass over the disk; a second one when a cell is
    /// beyond the bins' range (above 2^900, not finite, or all below
    /// 2^-801). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::ooc::{DiskArray, OocOptions};
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-orep-{}.zarr", std::process::id()));
    /// let opts = OocOptions { chunk_shape: Some(vec![7]), ..Default::default() };
    /// let x = DiskArray::<f64>::generate(&comm, &path, &[1000], &opts, |s, mut c| {
    ///     for (i, v) in c.iter_mut().enumerate() { *v = 1.0 / (s[0] + i + 1) as f64; }
    /// }).unwrap();
    /// let in_memory = x.read(&[0..1000]).unwrap().sum_reproducible().unwrap();
    /// assert_eq!(x.sum_reproducible().unwrap().to_bits(), in_memory.to_bits());
    /// ```
    pub fn sum_reproducible(&self) -> Result<f64> {
        let what = "DiskArray::sum_reproducible";
        let mut scratch = Vec::new();
        let as_f64 = |slab: &DistArrayView<'_, T>, scratch: &mut Vec<f64>| {
            scratch.clear();
            scratch.extend(slab.local().iter().map(|v| v.to_f64().unwrap_or(f64::NAN)));
        };
        // the first pass also scans for the two-pass method (the largest
        // magnitude: cheap next to the bins), so that a fallback takes one
        // more pass, not two
        let mut sum = PieceSum::new();
        let mut pass = TwoPass::new();
        let done = self.slabs(what, |_, slab| {
            let x = match f64_cells(&slab) {
                Some(x) => x,
                None => {
                    as_f64(&slab, &mut scratch);
                    &scratch
                }
            };
            sum.add(x);
            pass.scan(x);
            Ok(())
        });
        self.comm.agree(done)?;
        debug_assert!(sum.count() <= self.len());
        if let Some(v) = sum.finish(&self.comm) {
            return Ok(v);
        }
        // cells beyond the bins' range: the two-pass method's second pass
        if let Some(v) = pass.fix_grids(&self.comm, self.len()) {
            return Ok(v);
        }
        let folded = self.slabs(what, |_, slab| {
            match f64_cells(&slab) {
                Some(x) => pass.fold(x),
                None => {
                    as_f64(&slab, &mut scratch);
                    pass.fold(&scratch);
                }
            }
            Ok(())
        });
        self.comm.agree(folded)?;
        Ok(pass.finish(&self.comm))
    }
}

/// The cells of a slab of `f64`s, as a slice (no copy); `None` for other
/// types.
fn f64_cells<'a, T: ZarrElement>(slab: &'a DistArrayView<'_, T>) -> Option<&'a [f64]> {
    if T::DTYPE != crate::DType::F64 {
        return None;
    }
    let cells: ArrayViewD<'a, T> = slab.local();
    let s = cells.to_slice()?;
    match T::le_bytes(s) {
        std::borrow::Cow::Borrowed(b) => bytemuck::try_cast_slice(b).ok(),
        std::borrow::Cow::Owned(_) => None,
    }
}

impl<T: ZarrElement + Real> DiskArray<T> {
    /// The smallest cell (NaN if any is NaN); an empty array is an error.
    /// Collective.
    pub fn min(&self) -> Result<T> {
        self.extreme("DiskArray::min", false)
    }

    /// The largest cell (NaN if any is NaN); an empty array is an error.
    /// Collective.
    pub fn max(&self) -> Result<T> {
        self.extreme("DiskArray::max", true)
    }

    fn extreme(&self, what: &'static str, largest: bool) -> Result<T> {
        self.not_empty(what)?;
        let pick = |a: T, b: T| {
            if largest {
                a.maximum_(b)
            } else {
                a.minimum_(b)
            }
        };
        let mut mine = if largest { T::lowest() } else { T::highest() };
        let done = self.slabs(what, |_, slab| {
            let v = if largest {
                slab.max(All)?
            } else {
                slab.min(All)?
            };
            mine = pick(mine, v);
            Ok(())
        });
        self.comm.agree(done)?;
        let all = self.per_rank(mine)?;
        if largest {
            all.max(All)
        } else {
            all.min(All)
        }
    }

    /// The smallest cell along `axis` (see [`sum_axis`](Self::sum_axis)).
    /// Collective.
    pub fn min_axis(&self, axis: Axis) -> Result<DistArray<T>> {
        self.not_empty("DiskArray::min_axis")?;
        self.along(
            "DiskArray::min_axis",
            axis,
            T::highest(),
            |s| s.min(axis),
            |a, b| a.minimum_(b),
            |p| p.min(Axis(0)),
        )
    }

    /// The largest cell along `axis` (see [`sum_axis`](Self::sum_axis)).
    /// Collective.
    pub fn max_axis(&self, axis: Axis) -> Result<DistArray<T>> {
        self.not_empty("DiskArray::max_axis")?;
        self.along(
            "DiskArray::max_axis",
            axis,
            T::lowest(),
            |s| s.max(axis),
            |a, b| a.maximum_(b),
            |p| p.max(Axis(0)),
        )
    }
}
