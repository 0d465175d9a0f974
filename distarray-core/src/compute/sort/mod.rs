//! Distributed sort and argsort of 1-D arrays of any layout, the result in
//! the input's layout (each rank holding as many cells as before), and
//! along any axis of N-d arrays ([`sort_axis`](DistArrayBase::sort_axis),
//! [`argsort_axis`](DistArrayBase::argsort_axis): every lane sorted on its
//! own, locally when the axis is not split, else through a plan to whole
//! lanes or by this algorithm per lane; see their docs).
//!
//! The algorithm is a sample sort with exact splitters:
//! 1. every rank sorts its owned cells (with their global indices when
//!    the order needs them: [`argsort`](DistArrayBase::argsort) and stable
//!    sorts);
//! 2. for each rank's first output position `k`, the split point on every
//!    rank is found by exact selection — medians of the ranks' active
//!    intervals offered, their weighted median counted globally, the
//!    intervals narrowed, a few dozen small collectives whatever the keys;
//!    the output is balanced exactly even when every key is equal;
//! 3. one variable-size all-to-all through the exchange engine moves every
//!    item to the rank whose output range holds it;
//! 4. every rank merges the sorted runs it received.
//!
//! A layout whose ranks own consecutive ranges in rank order (block,
//! irregular block) is filled in place; any other (cyclic, block-cyclic,
//! unstructured) gets the sorted block ranges redistributed to it by a
//! [`Plan`]. No rank ever holds more than its share plus `O(P²)` words.
//!
//! The order ([`SortKey`]): NaN last (also when descending), complex
//! numbers lexicographically, `false < true`. Unstable sorts break ties
//! arbitrarily; [`SortOptions::stable`] keeps equal keys in increasing
//! global index order, as [`argsort`](DistArrayBase::argsort) always does.
//!
//! Built on the same machinery: [`unique`](DistArrayBase::unique) and
//! [`unique_with`](DistArrayBase::unique_with) (NumPy's `np.unique` with
//! [`UniqueOptions`]), and [`searchsorted`](DistArrayBase::searchsorted) /
//! [`searchsorted_local`](DistArrayBase::searchsorted_local) (with a
//! [`Side`]).
//!
//! ```
//! use distarray_core::{sort::SortOptions, Comm, Dist, DistArray, Layout};
//! let _u = mpi::initialize().unwrap();
//! let layout = Layout::new(&Comm::world(), &[6], &[Dist::Cyclic]).unwrap();
//! let a = DistArray::from_fn(&layout, |ix: &[usize]| [3.0, f64::NAN, 1.0, 2.0, 1.0, 0.5][ix[0]]);
//! let sorted = a.sort(SortOptions::default()).unwrap().gather_all().unwrap();
//! assert_eq!(&sorted.as_slice().unwrap()[..5], &[0.5, 1.0, 1.0, 2.0, 3.0]);
//! assert!(sorted[[5]].is_nan());
//! let order = a.argsort(SortOptions::default()).unwrap().gather_all().unwrap();
//! assert_eq!(order.as_slice().unwrap(), &[5, 2, 4, 3, 0, 1]); // ties by index
//! ```

mod axis;
mod merge;
mod order;
mod radix;
mod search;
mod select;
mod unique;

pub use order::SortKey;
pub use search::Side;
pub use unique::{Unique, UniqueOptions};

use crate::array::{DistArray, DistArrayBase};
use crate::comm::fingerprint;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::exchange::{to_owners, PlanOptions};
use crate::layout::{Dist, Layout};
use crate::map::AxisMap;
use crate::redistribute::Plan;
use ndarray::{ArrayD, Data, IxDyn};
use order::Order;
use select::{split_points, Run};

/// How [`sort`](DistArrayBase::sort) and [`argsort`](DistArrayBase::argsort)
/// order: ascending by default, unstable for `sort` (`argsort` is always
/// stable).
///
/// # Examples
///
/// ```
/// use distarray_core::sort::SortOptions;
/// let o = SortOptions { descending: true, ..SortOptions::default() };
/// assert!(o.descending && !o.stable);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SortOptions {
    /// Largest first (NaNs still last).
    pub descending: bool,
    /// Equal keys keep their global order (increasing global index).
    pub stable: bool,
}

impl<T: SortKey, S: Data<Elem = T>> DistArrayBase<S> {
    /// The array's values sorted, in its layout (rank `r` holds as many
    /// cells as before, the `r`-th range of the sorted order). Collective.
    ///
    /// # Errors
    ///
    /// On every rank alike: an array not 1-D (use
    /// [`sort_axis`](Self::sort_axis); NumPy's default axis is the last),
    /// a layout replicating cells, ranks passing other options or arrays
    /// of other layouts.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{sort::SortOptions, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[5]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| [4_i64, -1, 7, 0, 4][ix[0]]);
    /// let down = SortOptions { descending: true, stable: false };
    /// let s = a.sort(down).unwrap();
    /// assert_eq!(s.layout(), a.layout());
    /// assert_eq!(s.gather_all().unwrap().as_slice().unwrap(), &[7, 4, 4, 0, -1]);
    /// ```
    pub fn sort(&self, options: SortOptions) -> Result<DistArray<T>> {
        self.agreed("sort", None, options)?;
        let (keys, _) = self.sorted_everywhere(options, options.stable);
        place(self.layout(), keys)
    }

    /// The global indices (`i64`) that sort the array, in its layout: cell
    /// `k` of the result holds the index of the `k`-th item of the sorted
    /// order. Always stable (equal keys in increasing index order).
    /// Collective; errors as [`sort`](Self::sort).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{sort::SortOptions, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[4]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| [true, false, true, false][ix[0]]);
    /// let i = a.argsort(SortOptions::default()).unwrap();
    /// assert_eq!(i.gather_all().unwrap().as_slice().unwrap(), &[1, 3, 0, 2]);
    /// ```
    pub fn argsort(&self, options: SortOptions) -> Result<DistArray<i64>> {
        self.agreed("argsort", None, options)?;
        let (_, ids) = self.sorted_everywhere(options, true);
        place(self.layout(), ids.expect("argsort carries indices"))
    }

    /// Agrees the options, the layout and the axis (`None`: the 1-D
    /// forms); refuses a missing axis and replicated layouts.
    fn agreed(&self, what: &'static str, axis: Option<usize>, options: SortOptions) -> Result<()> {
        let layout = self.layout();
        let args = fingerprint([
            layout.fingerprint(),
            options.descending as u64,
            options.stable as u64,
            T::DTYPE as u64,
            what.len() as u64,
            axis.map_or(u64::MAX, |a| a as u64),
        ]);
        let ndim = layout.ndim();
        let local = match axis {
            None if ndim != 1 => Err(Error::InvalidArgument(format!(
                "{what} of a {ndim}-d array (shape {:?}) needs an axis: use {what}_axis(Axis(k), ..) \
                 (NumPy's default axis=-1 is Axis({}))",
                layout.shape(),
                ndim.saturating_sub(1)
            ))),
            Some(a) if a >= ndim => Err(Error::InvalidArgument(format!(
                "{what}: axis {a} of a {ndim}-d array (shape {:?})",
                layout.shape()
            ))),
            _ if !layout.maps().iter().all(AxisMap::is_one_to_one) => {
                Err(Error::InvalidArgument(format!(
                    "{what} needs a one-to-one layout; {layout:?} replicates cells"
                )))
            }
            _ => Ok(()),
        };
        layout.comm().agree_on(what, args, local)
    }

    /// Steps 1-4: this rank's range of the sorted order (keys, and global
    /// indices when asked), of the length of its owned cells.
    fn sorted_everywhere(
        &self,
        options: SortOptions,
        with_ids: bool,
    ) -> (Vec<T>, Option<Vec<i64>>) {
        let layout = self.layout();
        let owned = self.owned();
        let keys: Vec<T> = match owned.as_slice() {
            Some(s) => s.to_vec(),
            None => owned.iter().copied().collect(),
        };
        let range = layout.owned_local_ranges()[0].clone();
        let gidx = &layout.global_indices(0)[range];
        let (keys, ids) = sorted_locally(keys, gidx, options, with_ids);
        sorted_across(layout.comm(), keys, ids, options)
    }
}

/// Step 1: `keys` sorted, with their global indices `gidx` (as `i64`,
/// ties by index) when `with_ids`.
fn sorted_locally<T: SortKey>(
    mut keys: Vec<T>,
    gidx: &[usize],
    options: SortOptions,
    with_ids: bool,
) -> (Vec<T>, Option<Vec<i64>>) {
    let order = Order {
        descending: options.descending,
    };
    if with_ids {
        let mut pairs: Vec<(T, i64)> = keys
            .iter()
            .zip(gidx)
            .map(|(&k, &g)| (k, g as i64))
            .collect();
        pairs.sort_unstable_by(|a, b| order.items((&a.0, Some(a.1)), (&b.0, Some(b.1))));
        let (k, i): (Vec<T>, Vec<i64>) = pairs.into_iter().unzip();
        (k, Some(i))
    } else {
        if options.descending {
            keys.sort_unstable_by(|a, b| order.keys(a, b));
        } else {
            T::sort_unstable(&mut keys);
        }
        (keys, None)
    }
}

/// Steps 2-4 over `comm`, from every rank's sorted run: this rank's
/// consecutive range of the global order (ranks in rank order), as long
/// as its run. Collective over `comm`.
fn sorted_across<T: SortKey>(
    comm: &crate::comm::Comm,
    keys: Vec<T>,
    ids: Option<Vec<i64>>,
    options: SortOptions,
) -> (Vec<T>, Option<Vec<i64>>) {
    let order = Order {
        descending: options.descending,
    };
    // every rank's output range starts where the lower ranks' cells end
    let sizes = comm.all_gather_u64(keys.len() as u64);
    let total: u64 = sizes.iter().sum();
    let targets: Vec<u64> = (1..sizes.len()).map(|r| sizes[..r].iter().sum()).collect();
    let run = Run {
        keys: &keys,
        ids: ids.as_deref(),
        order,
    };
    let splits = split_points(comm, &run, &targets, total);
    let mut send_counts = Vec::with_capacity(sizes.len());
    let mut at = 0;
    for s in splits.into_iter().chain([keys.len()]) {
        send_counts.push(s - at);
        at = s;
    }
    let options = PlanOptions::from_env();
    let (recv_keys, counts) = deliver(comm, &keys, &send_counts, &options);
    drop(keys);
    let recv_ids = ids.map(|d| deliver(comm, &d, &send_counts, &options).0);
    merge::merge_runs(recv_keys, recv_ids, &counts, order)
}

/// Sends `send_counts[r]` consecutive items to every rank `r`; the runs
/// received in source rank order and their lengths.
fn deliver<U: Element>(
    comm: &crate::comm::Comm,
    items: &[U],
    send_counts: &[usize],
    options: &PlanOptions,
) -> (Vec<U>, Vec<usize>) {
    let (mut exchange, counts) = to_owners::<U>(comm, send_counts, options);
    let mut out = vec![U::default(); counts.iter().sum()];
    exchange.run(items, &mut out);
    (out, counts)
}

/// An array of `layout` holding `mine`, this rank's consecutive range of
/// the global order (ranks in rank order): in place when the layout's
/// owned cells are those ranges and it has no padding, else through a
/// block-bounds layout and a [`Plan`] (which fills ghost copies too).
/// Collective.
pub(crate) fn place<U: Element>(layout: &Layout, mine: Vec<U>) -> Result<DistArray<U>> {
    let comm = layout.comm();
    let sizes = comm.all_gather_u64(mine.len() as u64);
    let start: u64 = sizes[..comm.rank()].iter().sum();
    let range = layout.owned_local_ranges()[0].clone();
    let gidx = &layout.global_indices(0)[range.clone()];
    // in place when the run is this rank's whole local buffer; a padded
    // layout goes through the plan, which also fills the ghost copies
    let in_place = layout.local_len() == mine.len()
        && gidx.len() == mine.len()
        && gidx
            .iter()
            .enumerate()
            .all(|(i, &g)| g as u64 == start + i as u64);
    if comm.all(in_place) {
        let local = ArrayD::from_shape_vec(IxDyn(layout.local_shape()), mine)
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        return DistArray::from_local(layout.clone(), local);
    }
    let mut bounds = vec![0usize];
    for s in &sizes {
        bounds.push(bounds.last().copied().unwrap_or(0) + *s as usize);
    }
    let mut out = DistArray::<U>::zeros(layout);
    let blocks = Layout::new(comm, layout.shape(), &[Dist::BlockBounds(bounds)])?;
    let n = mine.len();
    let src = DistArray::from_local(
        blocks.clone(),
        ArrayD::from_shape_vec(IxDyn(&[n]), mine)
            .map_err(|e| Error::InvalidArgument(e.to_string()))?,
    )?;
    Plan::new(&blocks, layout)?.execute(&src, &mut out)?;
    Ok(out)
}
