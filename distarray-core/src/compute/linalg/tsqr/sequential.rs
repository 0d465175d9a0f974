//! Each rank's own rows factored by a *sequential* TSQR: the rows are
//! taken in chunks that fit in cache, and each chunk is factored stacked
//! under the R of the chunks before it (a flat tree). LAPACK's QR of a
//! tall matrix with few columns is bound by memory bandwidth (every
//! reflector sweeps the whole matrix: `n` passes over memory); by chunks,
//! the rows are read from memory once. Q is formed, on request, by
//! walking the chunks back from the last.

use super::local::{block, Reflectors};
use crate::error::{Error, Result};
use ndarray::{concatenate, Array2, ArrayView2, Axis, Slice};
use ndarray_linalg::Lapack;

/// The Householder factors of this rank's rows, chunk by chunk: step 0
/// factors chunk 0; step `i` factors `[R_(i-1); chunk i]`.
#[derive(Debug, Clone)]
pub(crate) struct LocalQr<T> {
    steps: Vec<Reflectors<T>>,
    rows: Vec<usize>,
}

/// Rows per chunk for `n` columns of `bytes`-byte values: about 256 KiB
/// (a core's L2), and at least `4 n` rows so that the stacked R costs
/// little.
fn chunk_rows(n: usize, bytes: usize) -> usize {
    ((256 << 10) / (n.max(1) * bytes)).max(4 * n).max(1)
}

impl<T: Lapack> LocalQr<T> {
    /// Factors the rows `a` (`m_r x n`, any memory order; not modified).
    pub(crate) fn factor(a: ArrayView2<'_, T>) -> Result<LocalQr<T>> {
        Self::factor_by(a, chunk_rows(a.ncols(), std::mem::size_of::<T>()))
    }

    /// [`factor`](Self::factor) by chunks of `c >= 1` rows.
    fn factor_by(a: ArrayView2<'_, T>, c: usize) -> Result<LocalQr<T>> {
        let m = a.nrows();
        let mut steps: Vec<Reflectors<T>> = Vec::with_capacity(m / c + 1);
        let mut rows = Vec::with_capacity(m / c + 1);
        let mut start = 0;
        loop {
            let end = (start + c).min(m);
            let chunk = a.slice_axis(Axis(0), Slice::from(start..end));
            let stack = match steps.last() {
                None => chunk.as_standard_layout().into_owned(),
                Some(prev) => concatenate(Axis(0), &[prev.r().view(), chunk])
                    .map_err(|e| Error::InvalidArgument(e.to_string()))?,
            };
            steps.push(Reflectors::factor(stack)?);
            rows.push(end - start);
            start = end;
            if start >= m {
                break;
            }
        }
        Ok(LocalQr { steps, rows })
    }

    /// R of the rows (`min(m_r, n) x n`).
    pub(crate) fn r(&self) -> Array2<T> {
        self.steps.last().expect("one step at least").r()
    }

    /// `Q_local c`: this rank's rows of Q, for `c` (`min(m_r, n) x k`),
    /// this rank's block of the global tree's Q.
    pub(crate) fn q_times(&self, c: Array2<T>) -> Result<Array2<T>> {
        let k = c.ncols();
        let m: usize = self.rows.iter().sum();
        let mut out = Array2::zeros((m, k));
        let mut c = c;
        let mut end = m;
        for (step, &ci) in self.steps.iter().zip(&self.rows).rev() {
            let full = step.clone().into_q()?.dot(&c);
            let top = full.nrows() - ci;
            out.slice_axis_mut(Axis(0), Slice::from(end - ci..end))
                .assign(&block(&full, top..full.nrows(), 0..k));
            c = block(&full, 0..top, 0..k).to_owned();
            end -= ci;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray_linalg::QR;

    /// By chunks of 3 rows (7 steps, the last partial) and in one piece:
    /// R as LAPACK's up to signs, Q R = A, Q orthonormal.
    #[test]
    fn chunks_give_lapacks_factors() {
        let a = Array2::from_shape_fn((20, 4), |(i, j)| {
            ((i * 7 + j * 13) % 17) as f64 - 8.0 + (i == j) as u8 as f64
        });
        let (_, want) = a.qr().unwrap();
        for c in [1, 3, 4, 20, 64] {
            let f = LocalQr::factor_by(a.view(), c).unwrap();
            let r = f.r();
            for (x, y) in r.iter().zip(&want) {
                assert!(
                    (x.abs() - y.abs()).abs() < 1e-12,
                    "chunks of {c}: {x} vs {y}"
                );
            }
            let q = f.q_times(Array2::eye(4)).unwrap();
            assert!((q.dot(&r) - &a).iter().all(|d| d.abs() < 1e-12));
            assert!((q.t().dot(&q) - Array2::<f64>::eye(4))
                .iter()
                .all(|d| d.abs() < 1e-13));
        }
        // fewer rows than columns, and none
        let wide = a.slice_axis(Axis(0), Slice::from(0..3));
        let f = LocalQr::factor_by(wide, 2).unwrap();
        assert_eq!(f.r().dim(), (3, 4));
        let q = f.q_times(Array2::eye(3)).unwrap();
        assert!((q.dot(&f.r()) - wide).iter().all(|d| d.abs() < 1e-12));
        let none = a.slice_axis(Axis(0), Slice::from(0..0));
        let f = LocalQr::factor_by(none, 2).unwrap();
        assert_eq!(
            (f.r().dim(), f.q_times(Array2::zeros((0, 0))).unwrap().dim()),
            ((0, 4), (0, 0))
        );
    }
}
