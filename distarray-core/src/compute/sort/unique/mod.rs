//! `unique`, NumPy's `np.unique` for distributed arrays: the sorted
//! distinct values, and on request how many cells hold each
//! (`return_counts`), the first global index of each (`return_index`),
//! and for every cell the index of its value (`return_inverse`).
//!
//! Nothing is gathered: every rank sorts its cells in chunks and keeps
//! their distinct values with counts (extra memory two chunks, an eighth
//! of its cells each, plus the distinct values); those lists — far fewer
//! than the cells when values repeat — are spread over the ranks by the
//! sort's machinery (exact split points, one all-to-all, a merge), merged,
//! and the values straddling rank boundaries merged once more. Indices and
//! the inverse take one more pass over the cells (a binary search among
//! the rank's distinct values), and the inverse one more all-to-all of the
//! distinct lists, back to the ranks they came from.
//!
//! Values compare as NumPy ≥ 1.21 with `equal_nan=True`: every NaN (a
//! complex number with a NaN part) is one value, sorted last, and `-0.0`
//! and `0.0` are one value (which sign it shows is unspecified).
//! N-d arrays are flattened in C order.
//!
//! ```
//! use distarray_core::{sort::UniqueOptions, Comm, Dist, DistArray, Layout};
//! let _u = mpi::initialize().unwrap();
//! let layout = Layout::new(&Comm::world(), &[7], &[Dist::Cyclic]).unwrap();
//! let a = DistArray::from_fn(&layout, |ix: &[usize]| [3, 1, 3, 2, 1, 3, 0][ix[0]] as i64);
//! let u = a.unique_with(UniqueOptions::all()).unwrap();
//! assert_eq!(u.values.gather_all().unwrap().as_slice().unwrap(), &[0, 1, 2, 3]);
//! assert_eq!(u.counts.unwrap().gather_all().unwrap().as_slice().unwrap(), &[1, 2, 1, 3]);
//! assert_eq!(u.index.unwrap().gather_all().unwrap().as_slice().unwrap(), &[6, 1, 3, 0]);
//! let inverse = u.inverse.unwrap();
//! assert_eq!(inverse.layout(), a.layout());
//! assert_eq!(inverse.gather_all().unwrap().as_slice().unwrap(), &[3, 1, 3, 2, 1, 3, 0]);
//! ```

mod global;
mod local;

use super::order::SortKey;
use super::place;
use crate::array::{DistArray, DistArrayBase};
use crate::comm::fingerprint;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::map::AxisMap;
use ndarray::{ArrayViewMutD, Data, Slice};

/// What [`unique_with`](DistArrayBase::unique_with) returns besides the
/// values (NumPy's `return_index`, `return_inverse`, `return_counts`).
///
/// # Examples
///
/// ```
/// use distarray_core::sort::UniqueOptions;
/// let o = UniqueOptions { return_counts: true, ..UniqueOptions::default() };
/// assert!(!o.return_index && !o.return_inverse);
/// assert!(UniqueOptions::all().return_inverse);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UniqueOptions {
    /// The global (flat, C order) index of each value's first occurrence.
    pub return_index: bool,
    /// For every cell, the index of its value among the unique values.
    pub return_inverse: bool,
    /// How many cells hold each value.
    pub return_counts: bool,
}

impl UniqueOptions {
    /// Everything: index, inverse and counts.
    pub fn all() -> UniqueOptions {
        UniqueOptions {
            return_index: true,
            return_inverse: true,
            return_counts: true,
        }
    }
}

/// The result of [`unique_with`](DistArrayBase::unique_with): the unique
/// values and what was asked for (`None` otherwise).
#[derive(Debug)]
pub struct Unique<T: crate::Element> {
    /// The sorted distinct values, a 1-D array in a balanced block layout
    /// (`Layout::block` of their number) on the input's communicator.
    pub values: DistArray<T>,
    /// The first occurrence's global index (flat, C order), in `values`'
    /// layout. (One difference from NumPy: for complex arrays holding NaNs
    /// of several kinds, such as `nan+0j` and `1+nanj`, the NaN value's
    /// index is the first NaN cell's; NumPy gives the first cell holding
    /// the NaN it keeps, the smallest in sort order.)
    pub index: Option<DistArray<i64>>,
    /// For every input cell the index of its value in `values`, in the
    /// input's layout (`values[inverse] == input`; ghost copies hold their
    /// owners' entries, non-periodic boundary padding 0).
    pub inverse: Option<DistArray<i64>>,
    /// How many cells hold each value, in `values`' layout.
    pub counts: Option<DistArray<i64>>,
}

impl<T: SortKey, S: Data<Elem = T>> DistArrayBase<S> {
    /// The sorted distinct values (NumPy's `np.unique(a)`): a 1-D array in
    /// a balanced block layout over their number, on the input's
    /// communicator. Every NaN is one value (last); `-0.0` and `0.0` are
    /// one; N-d arrays are flattened. Collective; nothing is gathered.
    ///
    /// # Errors
    ///
    /// On every rank alike: a layout replicating cells, ranks passing
    /// arrays of other layouts or other options.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[2, 3]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| [[2.0, f64::NAN, -0.0], [0.0, 2.0, f64::NAN]][ix[0]][ix[1]]);
    /// let u = a.unique().unwrap().gather_all().unwrap();
    /// assert_eq!(u.len(), 3);
    /// assert_eq!(&u.as_slice().unwrap()[..2], &[0.0, 2.0]);
    /// assert!(u[[2]].is_nan());
    /// ```
    pub fn unique(&self) -> Result<DistArray<T>> {
        Ok(self.unique_with(UniqueOptions::default())?.values)
    }

    /// [`unique`](Self::unique) with NumPy's `return_index`,
    /// `return_inverse` and `return_counts` (see [`Unique`]). Collective;
    /// errors as [`unique`](Self::unique). Extra memory per rank: about a
    /// quarter of its cells plus its distinct values (and the inverse, an
    /// `i64` per cell, when asked for).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{sort::UniqueOptions, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[6]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] % 3 == 0);
    /// let counts = UniqueOptions { return_counts: true, ..UniqueOptions::default() };
    /// let u = a.unique_with(counts).unwrap();
    /// assert_eq!(u.values.gather_all().unwrap().as_slice().unwrap(), &[false, true]);
    /// assert_eq!(u.counts.unwrap().gather_all().unwrap().as_slice().unwrap(), &[4, 2]);
    /// assert!(u.index.is_none() && u.inverse.is_none());
    /// ```
    pub fn unique_with(&self, options: UniqueOptions) -> Result<Unique<T>> {
        let layout = self.layout();
        let comm = layout.comm();
        let args = fingerprint([
            layout.fingerprint(),
            options.return_index as u64,
            options.return_inverse as u64,
            options.return_counts as u64,
            T::DTYPE as u64,
        ]);
        let local = if layout.maps().iter().all(AxisMap::is_one_to_one) {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "unique needs a one-to-one layout; {layout:?} replicates cells"
            )))
        };
        comm.agree_on("unique", args, local)?;
        let owned = self.owned();
        let mine = local::distinct(&owned);
        // one pass over the cells for the first indices and the inverse
        // (for now: each cell's position among this rank's distinct values)
        let mut firsts = options
            .return_index
            .then(|| vec![i64::MAX; mine.values.len()]);
        let mut inverse = options
            .return_inverse
            .then(|| DistArray::<i64>::zeros(layout));
        if firsts.is_some() || inverse.is_some() {
            let mut positions = inverse.as_mut().map(owned_mut);
            let mut out = positions.as_mut().map(|p| p.iter_mut());
            for (x, g) in owned.iter().zip(local::flat_indices(layout)) {
                let at = local::position(&mine.values, x);
                if let Some(f) = firsts.as_mut() {
                    f[at] = f[at].min(g);
                }
                if let Some(c) = out.as_mut().and_then(Iterator::next) {
                    *c = at as i64;
                }
            }
        }
        let spread = global::spread(comm, mine, firsts.take(), options.return_inverse);
        if let (Some(inv), Some(back)) = (inverse.as_mut(), spread.back.as_ref()) {
            owned_mut(inv).mapv_inplace(|at| back[at as usize]);
        }
        if let Some(inv) = inverse.as_mut() {
            // ghost copies hold their owners' values, as in the input
            if !comm.all(layout.local_len() == owned.len()) {
                crate::halo::Halo::<i64>::new(layout, crate::halo::Stencil::Box)?.update(inv)?;
            }
        }
        let n = comm.sum_u64(spread.values.len() as u64) as usize;
        let out = Layout::block(comm, &[n])?;
        Ok(Unique {
            values: place(&out, spread.values)?,
            index: match spread.firsts {
                Some(f) => Some(place(&out, f)?),
                None => None,
            },
            inverse,
            counts: if options.return_counts {
                Some(place(&out, spread.counts)?)
            } else {
                None
            },
        })
    }
}

/// The owned cells of `a`, writable (no ghost copies).
fn owned_mut(a: &mut DistArray<i64>) -> ArrayViewMutD<'_, i64> {
    let ranges = a.layout().owned_local_ranges();
    let mut view = a.local_mut();
    for (axis, range) in ranges.into_iter().enumerate() {
        view.slice_axis_inplace(ndarray::Axis(axis), Slice::from(range));
    }
    view
}
