//! `np.histogram` and `np.bincount` over all cells: every rank counts its
//! owned cells, one reduction sums the counts; the result on every rank.
//!
//! Histogram bins follow NumPy: `bins + 1` edges evenly spaced over the
//! range (the data's min and max by default, widened by 0.5 each way when
//! they are equal), or explicit non-decreasing edges; every bin is
//! half-open `[e_i, e_{i+1})` except the last, which is closed; values
//! outside the edges (and NaNs) are not counted. The bin of a value on an
//! even grid is computed as NumPy computes it, so values on the edges land
//! in the same bins.

use super::agreed;
use super::quantile::StatValue;
use super::select::all_sum;
use crate::array::DistArrayBase;
use crate::comm::Comm;
use crate::dtype::Element;
use crate::error::{Error, Result};
use mpi::collective::SystemOperation;
use mpi::traits::*;
use ndarray::Data;
use std::cmp::Ordering::{Equal, Less};

/// The bins of a [`histogram`](DistArrayBase::histogram).
///
/// # Examples
///
/// ```
/// use distarray_core::order_stats::Bins;
/// let b = Bins::CountIn(10, 0.0, 1.0); // np.histogram(a, 10, range=(0, 1))
/// assert_ne!(b, Bins::Count(10)); // over the data's [min, max]
/// let _edges = Bins::Edges(vec![0.0, 0.5, 2.0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Bins {
    /// This many equal bins over the data's `[min, max]`.
    Count(usize),
    /// This many equal bins over `[low, high]`.
    CountIn(usize, f64, f64),
    /// These edges (non-decreasing; `n + 1` edges make `n` bins).
    Edges(Vec<f64>),
}

mod sealed {
    pub trait Sealed {}
}

/// An element type [`bincount`](DistArrayBase::bincount) counts: the
/// integers and `bool` (as NumPy casts them safely to indices). Sealed.
///
/// # Examples
///
/// ```
/// use distarray_core::order_stats::BinIndex;
/// assert_eq!(3_i64.bin(), Some(3));
/// assert_eq!((-1_i32).bin(), None);
/// assert_eq!(true.bin(), Some(1));
/// ```
pub trait BinIndex: Element + sealed::Sealed {
    /// The bin, `None` when negative.
    fn bin(self) -> Option<u64>;
}

macro_rules! bin_index {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl BinIndex for $t {
            #[allow(unused_comparisons)]
            fn bin(self) -> Option<u64> {
                (self >= 0).then_some(self as u64)
            }
        }
    )*};
}
bin_index!(u8, i32, i64);
impl sealed::Sealed for bool {}
impl BinIndex for bool {
    fn bin(self) -> Option<u64> {
        Some(self as u64)
    }
}

/// `np.linspace(low, high, n + 1)`: `i * step + low`, the last edge `high`.
fn linspace(low: f64, high: f64, bins: usize) -> Vec<f64> {
    let step = (high - low) / bins as f64;
    let mut edges: Vec<f64> = (0..=bins).map(|i| i as f64 * step + low).collect();
    edges[bins] = high;
    edges
}

/// The bin of `x` among `bins` equal bins of `edges` (NumPy's computation
/// and its one-ulp corrections), `None` outside them.
fn even_bin(x: f64, edges: &[f64], bins: usize) -> Option<usize> {
    let (first, last) = (edges[0], edges[bins]);
    if !(x >= first && x <= last) {
        return None;
    }
    let mut i = (((x - first) / (last - first)) * bins as f64) as usize;
    if i == bins {
        i -= 1;
    }
    if x < edges[i] {
        i -= 1;
    } else if i != bins - 1 && x >= edges[i + 1] {
        i += 1;
    }
    Some(i)
}

/// The bin of `x` among arbitrary non-decreasing `edges`, `None` outside.
fn edge_bin(x: f64, edges: &[f64]) -> Option<usize> {
    let n = edges.len();
    if n < 2 || !(x >= edges[0] && x <= edges[n - 1]) {
        return None;
    }
    let above = edges.partition_point(|&e| e <= x);
    Some((above - 1).min(n - 2))
}

/// The global `(min, max, any NaN)` of `values`.
fn global_range(comm: &Comm, values: impl Iterator<Item = f64>) -> (f64, f64, bool) {
    let (mut lo, mut hi, mut nan) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
    for x in values {
        if x.is_nan() {
            nan = 1.0;
        } else {
            lo = lo.min(x);
            hi = hi.max(x);
        }
    }
    let mine = [lo, -hi, -nan];
    let mut least = [0.0; 3];
    comm.raw()
        .all_reduce_into(&mine[..], &mut least[..], SystemOperation::min());
    (least[0], -least[1], least[2] < 0.0)
}

impl<T: StatValue, S: Data<Elem = T>> DistArrayBase<S> {
    /// The histogram of all cells, `np.histogram(a, bins)`: the counts
    /// (on every rank) and the `f64` edges. Collective.
    ///
    /// # Errors
    ///
    /// On every rank alike: no bins, a range with `low > high` or not
    /// finite, decreasing edges, the data's range not finite (a NaN or an
    /// infinity with [`Bins::Count`]), a layout replicating cells, ranks
    /// passing other arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{order_stats::Bins, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[6]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| [0.5, 1.0, 1.5, 2.0, 3.0, 7.0][ix[0]]);
    /// let (counts, edges) = a.histogram(Bins::CountIn(3, 0.0, 3.0)).unwrap();
    /// assert_eq!((counts, edges), (vec![1, 2, 2], vec![0.0, 1.0, 2.0, 3.0])); // 3.0 in the last bin
    /// let (counts, _) = a.histogram(Bins::Edges(vec![0.0, 1.0, 10.0])).unwrap();
    /// assert_eq!(counts, vec![1, 5]);
    /// ```
    pub fn histogram(&self, bins: Bins) -> Result<(Vec<i64>, Vec<f64>)> {
        let local = match &bins {
            Bins::Count(0) | Bins::CountIn(0, ..) => Err("`bins` must be positive".to_string()),
            Bins::CountIn(_, lo, hi) if !(lo.is_finite() && hi.is_finite()) => {
                Err(format!("supplied range of [{lo}, {hi}] is not finite"))
            }
            Bins::CountIn(_, lo, hi) if lo > hi => {
                Err("max must be larger than min in range parameter".to_string())
            }
            Bins::Edges(e)
                if e.is_empty()
                    || e.windows(2)
                        .any(|w| !matches!(w[0].partial_cmp(&w[1]), Some(Less | Equal))) =>
            {
                Err("`bins` must increase monotonically, when an array".to_string())
            }
            _ => Ok(()),
        };
        let words: Vec<u64> = match &bins {
            Bins::Count(n) => vec![0, *n as u64],
            Bins::CountIn(n, lo, hi) => vec![1, *n as u64, lo.to_bits(), hi.to_bits()],
            Bins::Edges(e) => [2, e.len() as u64]
                .into_iter()
                .chain(e.iter().map(|x| x.to_bits()))
                .collect(),
        };
        let local = local.map_err(|m| Error::InvalidArgument(format!("histogram: {m}")));
        agreed(self, "histogram", words, local)?;
        let owned = self.owned();
        let comm = self.layout().comm();
        let values = || owned.iter().map(|x| x.to_f64());
        let (edges, even) = match bins {
            Bins::Edges(e) => (e, false),
            Bins::CountIn(n, lo, hi) => (widened(lo, hi, n), true),
            Bins::Count(n) => {
                let (lo, hi, nan) = global_range(comm, values());
                let (lo, hi) = if lo > hi { (0.0, 1.0) } else { (lo, hi) }; // no cells
                if nan || !(lo.is_finite() && hi.is_finite()) {
                    // the global range: the same verdict on every rank
                    return Err(Error::InvalidArgument(format!(
                        "histogram: autodetected range of [{}, {}] is not finite",
                        if nan { f64::NAN } else { lo },
                        if nan { f64::NAN } else { hi }
                    )));
                }
                (widened(lo, hi, n), true)
            }
        };
        let nbins = edges.len().saturating_sub(1);
        let mut counts = vec![0u64; nbins];
        for x in values() {
            let bin = if even {
                even_bin(x, &edges, nbins)
            } else {
                edge_bin(x, &edges)
            };
            if let Some(b) = bin {
                counts[b] += 1;
            }
        }
        let counts = all_sum(comm, &counts);
        Ok((counts.into_iter().map(|c| c as i64).collect(), edges))
    }
}

/// The edges of `n` equal bins over `[lo, hi]`, widened by 0.5 each way
/// when `lo == hi` (NumPy).
fn widened(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if lo == hi {
        linspace(lo - 0.5, hi + 0.5, n)
    } else {
        linspace(lo, hi, n)
    }
}

impl<T: BinIndex, S: Data<Elem = T>> DistArrayBase<S> {
    /// How many cells hold each value `0, 1, ..., max` (`np.bincount(a,
    /// minlength=minlength)`), at least `minlength` counts, on every rank.
    /// Collective.
    ///
    /// # Errors
    ///
    /// On every rank alike: a negative cell, a layout replicating cells,
    /// ranks passing other arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[5]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| [1_i64, 3, 1, 0, 1][ix[0]]);
    /// assert_eq!(a.bincount(0).unwrap(), vec![1, 3, 0, 1]);
    /// assert_eq!(a.bincount(6).unwrap(), vec![1, 3, 0, 1, 0, 0]);
    /// ```
    pub fn bincount(&self, minlength: usize) -> Result<Vec<i64>> {
        let bins = self.bins_agreed("bincount", minlength, None)?;
        let mut counts = vec![0u64; bins.len];
        for b in bins.of {
            counts[b] += 1;
        }
        let counts = all_sum(self.layout().comm(), &counts);
        Ok(counts.into_iter().map(|c| c as i64).collect())
    }

    /// The sums of `weights` per value (`np.bincount(a, weights,
    /// minlength)`); `weights` in the same layout. Collective.
    ///
    /// # Errors
    ///
    /// As [`bincount`](Self::bincount), and `weights` in another layout.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[4]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| [2_u8, 0, 2, 1][ix[0]]);
    /// let w = DistArray::from_fn(&layout, |ix: &[usize]| [0.5, 1.0, 0.25, 2.0][ix[0]]);
    /// assert_eq!(a.bincount_weighted(&w, 0).unwrap(), vec![1.0, 2.0, 0.75]);
    /// ```
    pub fn bincount_weighted<W: Data<Elem = f64>>(
        &self,
        weights: &DistArrayBase<W>,
        minlength: usize,
    ) -> Result<Vec<f64>> {
        let bins = self.bins_agreed("bincount", minlength, Some(weights.layout()))?;
        let mut sums = vec![0.0f64; bins.len];
        for (b, w) in bins.of.into_iter().zip(weights.owned().iter()) {
            sums[b] += w;
        }
        let mut out = vec![0.0f64; sums.len()];
        if !sums.is_empty() {
            self.layout().comm().raw().all_reduce_into(
                &sums[..],
                &mut out[..],
                SystemOperation::sum(),
            );
        }
        Ok(out)
    }

    /// Agrees the arguments, checks for negative cells; every owned
    /// cell's bin and the global bin count.
    fn bins_agreed(
        &self,
        what: &'static str,
        minlength: usize,
        weights: Option<&crate::layout::Layout>,
    ) -> Result<BinsOf> {
        let owned = self.owned();
        let of: Option<Vec<usize>> = owned.iter().map(|x| x.bin().map(|b| b as usize)).collect();
        let local = match (&of, weights) {
            (None, _) => Err(Error::InvalidArgument(format!(
                "{what}: the array holds negative values"
            ))),
            (_, Some(w)) if w != self.layout() => Err(Error::InvalidArgument(format!(
                "{what}: the weights' layout {w:?} is not the array's {:?}",
                self.layout()
            ))),
            _ => Ok(()),
        };
        let words = [minlength as u64, weights.map_or(0, |w| w.fingerprint())];
        agreed(self, what, words, local)?;
        let of = of.expect("agreed: no negative cells");
        let most = of.iter().map(|&b| b as u64 + 1).max().unwrap_or(0);
        let (_, most) = self.layout().comm().min_max_u64(most);
        Ok(BinsOf {
            len: (most as usize).max(minlength),
            of,
        })
    }
}

/// Every owned cell's bin, and how many bins there are.
struct BinsOf {
    len: usize,
    of: Vec<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_follow_numpy_edges() {
        let e = linspace(0.0, 1.0, 10);
        assert_eq!(e[3], 3.0 * 0.1);
        assert_eq!(even_bin(1.0, &e, 10), Some(9)); // last bin closed
        assert_eq!(even_bin(0.3, &e, 10), Some(if 0.3 < e[3] { 2 } else { 3 }));
        assert_eq!(even_bin(1.5, &e, 10), None);
        assert_eq!(even_bin(f64::NAN, &e, 10), None);
        let e = [0.0, 1.0, 1.0, 2.0];
        assert_eq!(edge_bin(1.0, &e), Some(2));
        assert_eq!(edge_bin(2.0, &e), Some(2));
        assert_eq!(edge_bin(-0.1, &e), None);
    }
}
