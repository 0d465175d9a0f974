//! Exact quantiles, percentiles and medians by distributed selection,
//! with NumPy's default method (`"linear"`): for `n` values sorted, the
//! quantile `q` lies at the virtual index `h = (n - 1) q`, interpolated
//! between the values at `floor(h)` and `floor(h) + 1` exactly as NumPy's
//! `_lerp` does. A NaN anywhere makes every quantile NaN (NumPy's
//! `quantile`); the `nan*` forms ignore NaNs (NumPy's `nanquantile`).

use super::select::{all_sum, select};
use super::{agreed, SortKey};
use crate::array::DistArrayBase;
use crate::error::{Error, Result};
use ndarray::Data;

mod sealed {
    pub trait Sealed {}
}

/// An element type with a real value that quantiles and histograms read
/// as `f64`: the integers (`u8`, `i32`, `i64`) and floats (`f32`, `f64`).
/// NumPy refuses complex quantiles; `bool` has none either. Sealed.
///
/// # Examples
///
/// ```
/// use distarray_core::order_stats::StatValue;
/// assert_eq!(7_i32.to_f64(), 7.0);
/// assert!(f32::NAN.to_f64().is_nan());
/// ```
pub trait StatValue: SortKey + PartialOrd + sealed::Sealed {
    /// The value as `f64` (exact for every `i32`, `u8`, `f32`).
    fn to_f64(self) -> f64;
}

macro_rules! stat_value {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl StatValue for $t {
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}
stat_value!(u8, i32, i64, f32, f64);

/// NumPy's `_lerp(a, b, t)`: from the nearer end, so `t = 1` gives `b`
/// exactly; equal ends give that value (also infinities).
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    if a == b {
        return a;
    }
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

impl<T: StatValue, S: Data<Elem = T>> DistArrayBase<S> {
    /// The `q`-quantile of all cells, `q` in `[0, 1]`, NumPy's
    /// `np.quantile(a, q)` (method `"linear"`): exact, by distributed
    /// selection (no sort). NaN if any cell is NaN. Collective.
    ///
    /// # Errors
    ///
    /// On every rank alike: `q` outside `[0, 1]` (or NaN), an empty array,
    /// a layout replicating cells, ranks passing other arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[4]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| [1_i64, 2, 3, 4][ix[0]]);
    /// assert_eq!(a.quantile(0.25).unwrap(), 1.75); // as np.quantile
    /// assert!(a.quantile(1.5).is_err());
    /// ```
    pub fn quantile(&self, q: f64) -> Result<f64> {
        Ok(self.quantiles_of("quantile", &[q], 1.0, false)?[0])
    }

    /// Several quantiles at once (one multi-selection), in the order of
    /// `q`. Collective; errors as [`quantile`](Self::quantile).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[5]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| [10.0, 0.0, 40.0, 30.0, 20.0][ix[0]]);
    /// assert_eq!(a.quantiles(&[1.0, 0.5, 0.1]).unwrap(), vec![40.0, 20.0, 4.0]);
    /// ```
    pub fn quantiles(&self, q: &[f64]) -> Result<Vec<f64>> {
        self.quantiles_of("quantile", q, 1.0, false)
    }

    /// The `p`-th percentile, `p` in `[0, 100]`: `np.percentile(a, p)`.
    /// Collective; errors as [`quantile`](Self::quantile).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[11]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as i32 * 10);
    /// assert_eq!(a.percentile(90.0).unwrap(), 90.0);
    /// assert_eq!(a.percentiles(&[0.0, 25.0]).unwrap(), vec![0.0, 25.0]);
    /// ```
    pub fn percentile(&self, p: f64) -> Result<f64> {
        Ok(self.quantiles_of("percentile", &[p], 100.0, false)?[0])
    }

    /// Several percentiles at once. Collective; errors as
    /// [`quantile`](Self::quantile) (with `p` in `[0, 100]`).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[3]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as f32);
    /// assert_eq!(a.percentiles(&[50.0, 75.0]).unwrap(), vec![1.0, 1.5]);
    /// ```
    pub fn percentiles(&self, p: &[f64]) -> Result<Vec<f64>> {
        self.quantiles_of("percentile", p, 100.0, false)
    }

    /// The median of all cells (`np.median`: the mean of the two middle
    /// values for an even count), NaN if any cell is NaN. Collective;
    /// errors as [`quantile`](Self::quantile).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[4]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| [3.0, 1.0, 2.0, 10.0][ix[0]]);
    /// assert_eq!(a.median().unwrap(), 2.5);
    /// ```
    pub fn median(&self) -> Result<f64> {
        Ok(self.quantiles_of("median", &[0.5], 1.0, false)?[0])
    }

    /// Quantiles ignoring NaN cells (`np.nanquantile`); NaN when every
    /// cell is NaN. Collective; errors as [`quantile`](Self::quantile).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[4]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| [1.0, f64::NAN, 3.0, 2.0][ix[0]]);
    /// assert!(a.quantile(0.5).unwrap().is_nan());
    /// assert_eq!(a.nanquantiles(&[0.5, 1.0]).unwrap(), vec![2.0, 3.0]);
    /// ```
    pub fn nanquantiles(&self, q: &[f64]) -> Result<Vec<f64>> {
        self.quantiles_of("nanquantile", q, 1.0, true)
    }

    /// The median ignoring NaN cells (`np.nanmedian`). Collective; errors
    /// as [`quantile`](Self::quantile).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[3]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| [f64::NAN, 4.0, 2.0][ix[0]]);
    /// assert_eq!(a.nanmedian().unwrap(), 3.0);
    /// ```
    pub fn nanmedian(&self) -> Result<f64> {
        Ok(self.quantiles_of("nanmedian", &[0.5], 1.0, true)?[0])
    }

    /// The quantiles `q / scale`, agreed, selected and interpolated.
    fn quantiles_of(
        &self,
        what: &'static str,
        q: &[f64],
        scale: f64,
        skip_nan: bool,
    ) -> Result<Vec<f64>> {
        let local = if let Some(bad) = q.iter().find(|&&x| !(0.0..=scale).contains(&x)) {
            Err(Error::InvalidArgument(format!(
                "{what}: {bad} is outside [0, {scale}]"
            )))
        } else if self.layout().global_len() == 0 {
            Err(Error::InvalidArgument(format!(
                "{what} of an empty array (shape {:?}) is undefined",
                self.layout().shape()
            )))
        } else {
            Ok(())
        };
        let words = [q.len() as u64, skip_nan as u64]
            .into_iter()
            .chain(q.iter().map(|x| x.to_bits()));
        agreed(self, what, words, local)?;
        let q: Vec<f64> = q.iter().map(|x| x / scale).collect();
        let owned = self.owned();
        let copy: Vec<T>;
        let values = match owned.as_slice() {
            Some(s) => s,
            None => {
                copy = owned.iter().copied().collect();
                &copy
            }
        };
        // NaNs are last in the order: the quantiles read the positions
        // before them
        let nans = values.iter().filter(|x| x.is_nan_key()).count();
        let counts = all_sum(
            self.layout().comm(),
            &[(values.len() - nans) as u64, nans as u64],
        );
        let (n, nans) = (counts[0], counts[1]);
        if n == 0 || (nans > 0 && !skip_nan) {
            return Ok(vec![f64::NAN; q.len()]);
        }
        // the positions each quantile reads: floor(h), and the next one
        let at: Vec<(u64, u64, f64)> = q
            .iter()
            .map(|&q| {
                let h = (n - 1) as f64 * q;
                let below = (h.floor() as u64).min(n - 1);
                ((below), (below + 1).min(n - 1), h - below as f64)
            })
            .collect();
        let mut targets: Vec<u64> = at.iter().flat_map(|&(a, b, _)| [a, b]).collect();
        targets.sort_unstable();
        targets.dedup();
        let comm = self.layout().comm();
        let values = if nans == 0 {
            // no NaN anywhere: the plain comparison is the order (-0.0 and
            // 0.0 equal), and a cheaper one than NaN-last
            select(comm, values, &targets, |a, b| {
                a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal)
            })
        } else {
            select(comm, values, &targets, T::sort_cmp)
        };
        let value = |k: u64| values[targets.binary_search(&k).expect("selected")].to_f64();
        Ok(at
            .iter()
            .map(|&(a, b, t)| lerp(value(a), value(b), t))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::lerp;

    #[test]
    fn lerp_is_numpys() {
        assert_eq!(lerp(1.0, 2.0, 0.75), 1.75);
        assert_eq!(lerp(0.1, 0.7, 1.0), 0.7); // from the nearer end: exact
        assert_eq!(lerp(f64::INFINITY, f64::INFINITY, 0.5), f64::INFINITY);
    }
}
