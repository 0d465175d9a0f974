//! Norms (NumPy's `np.linalg.norm` orders for vectors and matrices), the
//! reproducible 2-norm, `trace` and `diagonal`, for any layout.
//!
//! Only owned cells count (ghost copies never twice); layouts that
//! replicate cells (unstructured, not one-to-one) are refused. Column sums
//! of a matrix are reduced over the ranks of one grid column only (the
//! layout's [`line_along`](crate::Layout::line_along)), then one small
//! allreduce finds the largest.

use super::scalar::{check_ndim, check_one_to_one, owned_indices, words, LinalgElement};
use super::vector::all_sum;
use crate::array::{DistArray, DistArrayBase};
use crate::comm::Comm;
use crate::compute::reduce::reproducible_sum_two_pass as reproducible_sum;
use crate::error::{Error, Result};
use crate::layout::{Dist, Layout};
use crate::redistribute::Plan;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use ndarray::{ArrayD, Axis, Data, Ix2, IxDyn};
use num_traits::{Float, NumCast, ToPrimitive};

/// The order of a norm, as NumPy's `ord` argument of `np.linalg.norm`.
///
/// | `NormOrd` | vector (1-D) | matrix (2-D) |
/// |---|---|---|
/// | `One` | `sum(abs(x))` | largest column sum of `abs(a)` |
/// | `Two` | `sqrt(sum(abs(x)**2))` | — (the spectral norm needs an SVD: the Elemental bridge) |
/// | `Inf` | `max(abs(x))` | largest row sum of `abs(a)` |
/// | `NegInf` | `min(abs(x))` | smallest row sum of `abs(a)` |
/// | `Fro` | — (as NumPy) | `sqrt(sum(abs(a)**2))` |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NormOrd {
    /// `ord=1`
    One,
    /// `ord=2` (`ord=None` for vectors)
    Two,
    /// `ord=inf`
    Inf,
    /// `ord=-inf`
    NegInf,
    /// `ord='fro'` (`ord=None` for matrices)
    Fro,
}

impl NormOrd {
    fn word(self) -> u64 {
        self as u64
    }
}

/// The largest (`largest`) or smallest of every rank's `values` (NaN wins,
/// as in NumPy); `None` when no rank has any. Collective.
fn all_extreme(comm: &Comm, values: impl Iterator<Item = f64>, largest: bool) -> Option<f64> {
    let sign = if largest { 1.0 } else { -1.0 };
    let (mut best, mut nan, mut count) = (f64::NEG_INFINITY, 0.0f64, 0.0f64);
    for v in values {
        count += 1.0;
        if v.is_nan() {
            nan = 1.0;
        } else {
            best = best.max(sign * v);
        }
    }
    let mut out = [0.0f64; 3];
    comm.raw().all_reduce_into(
        &[best, nan, count][..],
        &mut out[..],
        SystemOperation::max(),
    );
    let [best, nan, count] = out;
    if count == 0.0 {
        None
    } else if nan > 0.0 {
        Some(f64::NAN)
    } else {
        Some(sign * best)
    }
}

fn real_of<T: LinalgElement>(x: f64) -> T::Real {
    <T::Real as NumCast>::from(x).expect("a float converts to a float")
}

fn empty(what: &str, shape: &[usize]) -> Error {
    Error::InvalidArgument(format!(
        "{what} of an array of shape {shape:?}: the maximum or minimum of nothing (as NumPy)"
    ))
}

impl<T: LinalgElement, S: Data<Elem = T>> DistArrayBase<S> {
    /// The norm of a vector or a matrix, NumPy's `np.linalg.norm(a, ord)`
    /// (see [`NormOrd`]), on every rank. Any layout. Collective; the order,
    /// the layout and the element type are agreed first, and an order a
    /// shape does not have is the same error everywhere.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::linalg::NormOrd;
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let v = DistArray::from_fn(&Layout::block(&comm, &[2]).unwrap(), |i: &[usize]| [3.0, -4.0][i[0]]);
    /// assert_eq!(v.norm(NormOrd::Two).unwrap(), 5.0);
    /// assert_eq!(v.norm(NormOrd::One).unwrap(), 7.0);
    /// assert_eq!(v.norm(NormOrd::NegInf).unwrap(), 3.0);
    /// let m = DistArray::from_fn(&Layout::new(&comm, &[2, 2], &[Dist::Cyclic, Dist::Block]).unwrap(),
    ///     |ix: &[usize]| [[1.0, -2.0], [3.0, 4.0]][ix[0]][ix[1]]);
    /// assert_eq!(m.norm(NormOrd::One).unwrap(), 6.0); // largest column sum
    /// assert_eq!(m.norm(NormOrd::Inf).unwrap(), 7.0); // largest row sum
    /// assert_eq!(m.norm(NormOrd::Fro).unwrap(), 30.0f64.sqrt());
    /// assert!(m.norm(NormOrd::Two).is_err()); // the spectral norm: the Elemental bridge
    /// ```
    pub fn norm(&self, ord: NormOrd) -> Result<T::Real> {
        let layout = self.layout();
        let comm = layout.comm();
        let shape = layout.shape();
        let local = check_one_to_one("norm", layout).and_then(|()| match (layout.ndim(), ord) {
            (1, NormOrd::Fro) => Err(Error::InvalidArgument(
                "the Frobenius norm is for matrices (as NumPy); vectors have NormOrd::Two".into(),
            )),
            (1, NormOrd::Inf | NormOrd::NegInf) if shape[0] == 0 => Err(empty("norm", shape)),
            (2, NormOrd::One) if shape[1] == 0 => Err(empty("norm", shape)),
            (2, NormOrd::Inf | NormOrd::NegInf) if shape[0] == 0 => Err(empty("norm", shape)),
            (2, NormOrd::Two) => Err(Error::InvalidArgument(
                "the spectral norm needs a singular value decomposition: hand the matrix to the \
                 Elemental bridge (feature `elemental`)"
                    .into(),
            )),
            (1 | 2, _) => Ok(()),
            (d, _) => Err(Error::InvalidArgument(format!(
                "norms are for vectors and matrices, not {d}-d arrays"
            ))),
        });
        comm.agree_on("norm", words::<T>(&[layout], &[ord.word()]), local)?;
        let owned = self.owned();
        match (layout.ndim(), ord) {
            (1, NormOrd::One) => Ok(all_sum_real::<T>(comm, owned.iter().map(|x| x.abs_()))),
            (_, NormOrd::Two | NormOrd::Fro) => {
                Ok(all_sum_real::<T>(comm, owned.iter().map(|x| x.abs2())).sqrt())
            }
            (1, NormOrd::Inf | NormOrd::NegInf) => {
                let values = owned.iter().map(|x| x.abs_().to_f64().expect("float"));
                let e = all_extreme(comm, values, ord == NormOrd::Inf).expect("agreed non-empty");
                Ok(real_of::<T>(e))
            }
            (_, NormOrd::One) => {
                let line = layout.line_along(0);
                let sums = self.line_sums(&line, Axis(0));
                let e = all_extreme(comm, sums.into_iter(), true).expect("agreed non-empty");
                Ok(real_of::<T>(e))
            }
            _ => {
                let line = layout.line_along(1);
                let sums = self.line_sums(&line, Axis(1));
                let e = all_extreme(comm, sums.into_iter(), ord == NormOrd::Inf);
                Ok(real_of::<T>(e.expect("agreed non-empty")))
            }
        }
    }

    /// Sums of `abs` over `axis` of the owned block, summed over the ranks
    /// of `line` (those holding the same other indices); the ranks at grid
    /// position 0 along `axis` return them, the others nothing (each line
    /// sum counted once).
    fn line_sums(&self, line: &Comm, axis: Axis) -> Vec<f64> {
        let owned = self.owned().into_dimensionality::<Ix2>().expect("2-d");
        let mine: Vec<f64> = owned
            .lanes(axis)
            .into_iter()
            .map(|lane| {
                lane.iter()
                    .fold(<T::Real as num_traits::Zero>::zero(), |s, x| s + x.abs_())
                    .to_f64()
                    .expect("float")
            })
            .collect();
        let mut sums = vec![0.0f64; mine.len()];
        line.raw()
            .all_reduce_into(&mine[..], &mut sums[..], SystemOperation::sum());
        if line.rank() == 0 {
            sums
        } else {
            Vec::new()
        }
    }

    /// The 2-norm of a vector, or the Frobenius norm of a matrix, with the
    /// same bits on any number of ranks and any layout: the squares are
    /// formed in `f64` and added by the two-pass reproducible sum
    /// ([`reproducible_sum_two_pass`](crate::reduce::reproducible_sum_two_pass)).
    /// Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let f = |i: &[usize]| (i[0] as f64).sin();
    /// let a = DistArray::from_fn(&Layout::block(&comm, &[999]).unwrap(), f);
    /// let b = DistArray::from_fn(&Layout::new(&comm, &[999], &[Dist::Cyclic]).unwrap(), f);
    /// assert_eq!(a.norm_reproducible().unwrap().to_bits(), b.norm_reproducible().unwrap().to_bits());
    /// ```
    pub fn norm_reproducible(&self) -> Result<T::Real> {
        let layout = self.layout();
        let local = check_one_to_one("norm_reproducible", layout).and_then(|()| {
            if matches!(layout.ndim(), 1 | 2) {
                Ok(())
            } else {
                Err(Error::InvalidArgument(format!(
                    "norms are for vectors and matrices, not {}-d arrays",
                    layout.ndim()
                )))
            }
        });
        layout
            .comm()
            .agree_on("norm_reproducible", words::<T>(&[layout], &[]), local)?;
        let squares: Vec<f64> = self
            .owned()
            .iter()
            .map(|x| {
                let (re, im) = x.parts();
                re * re + im * im
            })
            .collect();
        let s = reproducible_sum(layout.comm(), &squares, layout.global_len())?;
        Ok(real_of::<T>(s.sqrt()))
    }

    /// The sum of the diagonal `a[i, i]` of a matrix (NumPy's `np.trace`),
    /// any layout, on every rank. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::new(&Comm::world(), &[3, 4], &[Dist::BlockCyclic(2), Dist::Cyclic]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 4 + ix[1]) as f64);
    /// assert_eq!(a.trace().unwrap(), 0.0 + 5.0 + 10.0);
    /// ```
    pub fn trace(&self) -> Result<T> {
        let layout = self.layout();
        let local = check_ndim("trace", layout, 2).and_then(|()| check_one_to_one("trace", layout));
        layout
            .comm()
            .agree_on("trace", words::<T>(&[layout], &[]), local)?;
        let mine = self
            .diagonal_cells()
            .into_iter()
            .fold(T::zero(), |s, (_, v)| s + v);
        Ok(all_sum(layout.comm(), mine))
    }

    /// This rank's owned diagonal cells, as (index, value).
    fn diagonal_cells(&self) -> Vec<(usize, T)> {
        let layout = self.layout();
        let (rows, row_globals) = owned_indices(layout, 0);
        let cols = layout.owned_local_ranges()[1].clone();
        let col_pos = layout.grid().coords()[1];
        let local = self.local();
        row_globals
            .iter()
            .zip(rows)
            .filter(|(&g, _)| g < layout.shape()[1])
            .filter_map(|(&g, i)| {
                let j = layout.map(1).global_to_local(col_pos, g)?;
                cols.contains(&j).then(|| (g, local[IxDyn(&[i, j])]))
            })
            .collect()
    }

    /// The diagonal `a[i, i]` of a matrix (NumPy's `a.diagonal()`), of
    /// length `min(rows, columns)`, in a 1-D block layout over the matrix's
    /// communicator ([`Layout::block`]). Any layout; each diagonal cell
    /// moves once, from its owner to the result's, through one plan.
    /// Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let layout = Layout::new(&comm, &[4, 3], &[Dist::Cyclic, Dist::Block]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 10 + ix[1]) as f32);
    /// let d = a.diagonal().unwrap();
    /// assert_eq!(d.gather_all().unwrap().as_slice().unwrap(), &[0.0, 11.0, 22.0]);
    /// assert_eq!(d.layout(), &Layout::block(&comm, &[3]).unwrap());
    /// ```
    pub fn diagonal(&self) -> Result<DistArray<T>> {
        let layout = self.layout();
        let comm = layout.comm();
        let local =
            check_ndim("diagonal", layout, 2).and_then(|()| check_one_to_one("diagonal", layout));
        comm.agree_on("diagonal", words::<T>(&[layout], &[]), local)?;
        let k = layout.shape()[0].min(layout.shape()[1]);
        let cells = self.diagonal_cells();
        let (indices, values): (Vec<usize>, Vec<T>) = cells.into_iter().unzip();
        let held = Layout::with_grid(
            comm,
            &[k],
            &[Dist::Unstructured {
                indices,
                one_to_one: true,
            }],
            &[comm.size()],
        )?;
        let n = values.len();
        let src = DistArray::from_local(
            held.clone(),
            ArrayD::from_shape_vec(IxDyn(&[n]), values).expect("one value per cell"),
        )?;
        let target = Layout::block(comm, &[k])?;
        let mut out = DistArray::zeros(&target);
        Plan::<T>::new(&held, &target)?.execute(&src, &mut out)?;
        Ok(out)
    }
}

/// The sum over every rank of `values` (in `T::Real`).
fn all_sum_real<T: LinalgElement>(comm: &Comm, values: impl Iterator<Item = T::Real>) -> T::Real {
    let mine = values.fold(<T::Real as num_traits::Zero>::zero(), |s, v| s + v);
    let mut out = mine;
    comm.raw()
        .all_reduce_into(&mine, &mut out, SystemOperation::sum());
    out
}
