//! The reductions over every cell (a value on every rank): this rank's
//! owned cells folded locally, then one reduction over the communicator.
//! Called once the selection is agreed ([`super`]), so no check here.

use super::beats;
use crate::array::DistArrayBase;
use crate::compute::ufunc::{FloatElement, Numeric, Real};
use crate::dtype::Element;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use ndarray::Data;

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    fn all_reduce<U: Equivalence + Default>(&self, mine: U, op: SystemOperation) -> U {
        let mut out = U::default();
        self.layout()
            .comm()
            .raw()
            .all_reduce_into(&mine, &mut out, op);
        out
    }

    /// Number of cells different from zero (`false`, `0`, `0.0`).
    pub(super) fn count_all(&self) -> usize {
        let n = self.owned().iter().filter(|&&x| x != T::default()).count() as u64;
        self.all_reduce(n, SystemOperation::sum()) as usize
    }
}

impl<T: Numeric, S: Data<Elem = T>> DistArrayBase<S> {
    /// The sum of every cell, eight accumulators on contiguous parts.
    pub(super) fn sum_all(&self) -> T {
        let owned = self.owned();
        let mine = match owned.as_slice() {
            Some(s) => sum_slice(s),
            None => owned.iter().fold(T::default(), |a, &x| a + x),
        };
        self.all_reduce(mine, SystemOperation::sum())
    }

    pub(super) fn prod_all(&self) -> T {
        let mine = self
            .owned()
            .iter()
            .fold(<T as Element>::one(), |a, &x| a * x);
        self.all_reduce(mine, SystemOperation::product())
    }
}

/// A sum with several independent accumulators (vectorizes; order fixed).
fn sum_slice<T: Numeric>(s: &[T]) -> T {
    let mut acc = [T::default(); 8];
    let chunks = s.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for i in 0..8 {
            acc[i] = acc[i] + c[i];
        }
    }
    let mut total = rest.iter().fold(T::default(), |a, &x| a + x);
    for a in acc {
        total = total + a;
    }
    total
}

impl<T: Real, S: Data<Elem = T>> DistArrayBase<S> {
    /// (value, flat C-order index) of the extreme cell of a non-empty
    /// array; NaN wins, and the first in C order on ties, as in NumPy.
    pub(super) fn extreme(&self, largest: bool) -> (T, usize) {
        let layout = self.layout();
        let comm = layout.comm();
        let owned = layout.owned_local_ranges();
        let axes: Vec<Vec<usize>> = (0..layout.ndim())
            .map(|a| layout.global_indices(a)[owned[a].clone()].to_vec())
            .collect();
        let strides = crate::array::c_strides(layout.shape());
        let better = |x: T, y: T| beats(x, y, largest);
        let mut best: Option<(T, usize)> = None;
        let view = self.owned();
        let mut cells = view.iter(); // C order, as the box is visited
        crate::array::for_each_in_box(&axes, |g, _| {
            let Some(&x) = cells.next() else { return };
            let flat: usize = g.iter().zip(&strides).map(|(i, s)| i * s).sum();
            // a better value wins; on a tie (NaN ties NaN) the first in C order
            match best {
                Some((b, f)) if !(better(x, b) || (!better(b, x) && flat < f)) => {}
                _ => best = Some((x, flat)),
            }
        });
        let (vals, _) = comm.all_gather_varcount(&best.map(|(v, _)| vec![v]).unwrap_or_default());
        let (flats, _) =
            comm.all_gather_varcount(&best.map(|(_, f)| vec![f as u64]).unwrap_or_default());
        let mut pick = 0;
        for i in 1..vals.len() {
            let (x, b) = (vals[i], vals[pick]);
            if better(x, b) || (!better(b, x) && flats[i] < flats[pick]) {
                pick = i;
            }
        }
        (vals[pick], flats[pick] as usize)
    }
}

impl<T: FloatElement, S: Data<Elem = T>> DistArrayBase<S> {
    pub(super) fn mean_all(&self) -> T {
        self.sum_all() / T::from(self.layout().global_len()).unwrap_or_else(T::nan)
    }

    /// Variance with `ddof` (two passes: mean, then squared deviations).
    pub(super) fn var_all(&self, ddof: usize) -> T {
        let mean = self.mean_all();
        let mine = self
            .owned()
            .iter()
            .fold(T::default(), |a, &x| a + (x - mean) * (x - mean));
        let total = self.all_reduce(mine, SystemOperation::sum());
        let n = self.layout().global_len().saturating_sub(ddof);
        total / T::from(n).unwrap_or_else(T::nan)
    }
}
