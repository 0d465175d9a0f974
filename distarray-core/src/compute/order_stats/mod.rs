//! Order statistics of distributed arrays without a full sort: exact
//! quantiles, percentiles and medians (NumPy's default linear
//! interpolation), the `k` largest or smallest values and their indices,
//! partitions around the `k`-th value, histograms and bin counts.
//!
//! Quantiles, top-k and partitions rest on one distributed multi-selection
//! (`select`, Floyd and Rivest's algorithm spread over the ranks): a
//! random sample gathered from every rank brackets the sought positions,
//! one streaming pass over the cells (read in place) counts those outside
//! the bracket and keeps the few percent inside, one small reduction sums
//! the counts; a few such rounds find every position — about one pass of
//! local work, whatever the keys. Only top-k and partitions move items:
//! top-k gathers its `k` winners, a partition routes every item once.
//! Histograms and bin counts count locally and sum in one reduction.
//!
//! The order is the sort's ([`SortKey`]): NaN last. Every call is
//! collective and agrees its arguments first: bad arguments (a quantile
//! outside `[0, 1]`, `k` past the cell count, an empty array, ...) give
//! the same error on every rank.
//!
//! ```
//! use distarray_core::{order_stats::Bins, Comm, DistArray, Layout};
//! let _u = mpi::initialize().unwrap();
//! let layout = Layout::block(&Comm::world(), &[8]).unwrap();
//! let a = DistArray::from_fn(&layout, |ix: &[usize]| [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0][ix[0]]);
//! assert_eq!(a.median().unwrap(), 3.5);
//! assert_eq!(a.quantiles(&[0.0, 0.25, 1.0]).unwrap(), vec![1.0, 1.75, 9.0]);
//! assert_eq!(a.topk(3, true).unwrap().to_vec(), vec![9.0, 6.0, 5.0]);
//! assert_eq!(a.argtopk(2, false).unwrap().to_vec(), vec![1, 3]); // ties by index
//! let p = a.partition(4).unwrap().gather_all().unwrap();
//! assert_eq!(p[[4]], 4.0);
//! let (counts, edges) = a.histogram(Bins::Count(4)).unwrap();
//! assert_eq!(counts, vec![3, 2, 2, 1]); // [1, 3) [3, 5) [5, 7) [7, 9]
//! assert_eq!(edges, vec![1.0, 3.0, 5.0, 7.0, 9.0]);
//! ```

mod histogram;
mod partition;
mod quantile;
mod select;
mod topk;

pub use histogram::{BinIndex, Bins};
pub use quantile::StatValue;

use crate::array::DistArrayBase;
use crate::comm::fingerprint;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::map::AxisMap;
use ndarray::Data;

pub use crate::sort::SortKey;

/// Agrees a whole-array operation `what`: the layout, the element type,
/// the operation's own `words` and `local` checks, and a layout that does
/// not replicate cells. The same verdict on every rank. Collective.
fn agreed<T: Element, S: Data<Elem = T>>(
    a: &DistArrayBase<S>,
    what: &'static str,
    words: impl IntoIterator<Item = u64>,
    local: Result<()>,
) -> Result<()> {
    let layout = a.layout();
    let args = fingerprint(
        [layout.fingerprint(), T::DTYPE as u64, what.len() as u64]
            .into_iter()
            .chain(words),
    );
    let local = if !layout.maps().iter().all(AxisMap::is_one_to_one) {
        Err(Error::InvalidArgument(format!(
            "{what} needs a one-to-one layout; {layout:?} replicates cells"
        )))
    } else {
        local
    };
    layout.comm().agree_on(what, args, local)
}
