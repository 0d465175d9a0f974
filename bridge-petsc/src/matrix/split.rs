//! A rank's CSR rows in PETSc's split form: the diagonal block (the
//! columns this rank owns, local indices) and the off-diagonal block
//! (global indices), each in CSR with sorted columns. Made locally, with
//! the rows' columns checked on the way: each at most once per row.

use crate::error::pint;
use crate::ffi;
use crate::scalar::{IsPetscScalar, Scalar};
use distarray_core::sparse::CsrRows;
use distarray_core::{Error, Result};
use std::ops::Range;

/// The diagonal (`i`, `j`, `a`) and off-diagonal (`oi`, `oj`, `oa`) blocks
/// of a rank's rows, as `MatCreateMPIAIJWithSplitArrays` takes them.
pub(super) struct SplitArrays {
    pub(super) i: Vec<ffi::PetscInt>,
    pub(super) j: Vec<ffi::PetscInt>,
    pub(super) a: Vec<Scalar>,
    pub(super) oi: Vec<ffi::PetscInt>,
    pub(super) oj: Vec<ffi::PetscInt>,
    pub(super) oa: Vec<Scalar>,
}

impl SplitArrays {
    /// Splits `csr` (already checked against its layouts: columns below
    /// `csr.ncols`) at the owned columns `diag`. Rows whose columns
    /// increase strictly (what `SparseBuilder::assemble` gives) are copied
    /// in three slices; others are sorted first. A column twice in a row is
    /// an error (PETSc would either keep the last or sum them, depending on
    /// the path). Local: the caller agrees on the result.
    pub(super) fn new<T: IsPetscScalar>(csr: &CsrRows<T>, diag: Range<usize>) -> Result<Self> {
        // every column and count below fits PetscInt once these do
        pint(csr.ncols, "columns")?;
        pint(csr.nnz(), "local entries")?;
        let nnz = csr.nnz();
        let vals = T::scalars(&csr.vals);
        let mut s = SplitArrays {
            i: Vec::with_capacity(csr.local_rows() + 1),
            j: Vec::with_capacity(nnz),
            a: Vec::with_capacity(nnz),
            oi: Vec::with_capacity(csr.local_rows() + 1),
            oj: Vec::new(),
            oa: Vec::new(),
        };
        s.i.push(0);
        s.oi.push(0);
        let mut order: Vec<usize> = Vec::new();
        let (mut cols_buf, mut vals_buf) = (Vec::new(), Vec::new());
        for (row, w) in csr.row_ptr.windows(2).enumerate() {
            let (cols, v) = (&csr.cols[w[0]..w[1]], &vals[w[0]..w[1]]);
            if cols.windows(2).all(|p| p[0] < p[1]) {
                s.push_sorted(cols, v, &diag);
            } else {
                order.clear();
                order.extend(0..cols.len());
                order.sort_unstable_by_key(|&k| cols[k]);
                cols_buf.clear();
                cols_buf.extend(order.iter().map(|&k| cols[k]));
                if let Some(p) = cols_buf.windows(2).find(|p| p[0] == p[1]) {
                    return Err(Error::InvalidArgument(format!(
                        "CSR rows: row {} holds column {} more than once; \
                         sum or drop the duplicates first (SparseBuilder::assemble does)",
                        csr.first_row + row,
                        p[0]
                    )));
                }
                vals_buf.clear();
                vals_buf.extend(order.iter().map(|&k| v[k]));
                s.push_sorted(&cols_buf, &vals_buf, &diag);
            }
        }
        Ok(s)
    }

    /// Appends one row with strictly increasing columns: those before the
    /// owned range and after it go to the off-diagonal block.
    fn push_sorted(&mut self, cols: &[usize], vals: &[Scalar], diag: &Range<usize>) {
        let p = cols.partition_point(|&c| c < diag.start);
        let q = p + cols[p..].partition_point(|&c| c < diag.end);
        // casts: every column is below ncols, checked to fit PetscInt
        let global = |c: &usize| *c as ffi::PetscInt;
        self.oj.extend(cols[..p].iter().map(global));
        self.oj.extend(cols[q..].iter().map(global));
        self.oa.extend_from_slice(&vals[..p]);
        self.oa.extend_from_slice(&vals[q..]);
        self.j.extend(
            cols[p..q]
                .iter()
                .map(|&c| (c - diag.start) as ffi::PetscInt),
        );
        self.a.extend_from_slice(&vals[p..q]);
        self.i.push(self.j.len() as ffi::PetscInt);
        self.oi.push(self.oj.len() as ffi::PetscInt);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(row_ptr: Vec<usize>, cols: Vec<usize>) -> CsrRows<Scalar> {
        let vals = cols.iter().map(|&c| Scalar::from(c as f64)).collect();
        CsrRows {
            first_row: 10,
            ncols: 8,
            row_ptr,
            cols,
            vals,
        }
    }

    #[test]
    fn sorted_and_unsorted_rows_split_alike() {
        let sorted = SplitArrays::new(&rows(vec![0, 4, 5], vec![0, 2, 3, 7, 3]), 2..4).unwrap();
        let unsorted = SplitArrays::new(&rows(vec![0, 4, 5], vec![7, 3, 0, 2, 3]), 2..4).unwrap();
        for s in [&sorted, &unsorted] {
            assert_eq!(s.i, [0, 2, 3]);
            assert_eq!(s.j, [0, 1, 1]); // columns 2, 3 | 3, local
            assert_eq!(s.oi, [0, 2, 2]);
            assert_eq!(s.oj, [0, 7]);
            assert_eq!(s.oa, [Scalar::from(0.0), Scalar::from(7.0)]);
            assert_eq!(s.a[1], Scalar::from(3.0));
        }
    }

    #[test]
    fn a_column_twice_in_a_row_is_refused() {
        let e = SplitArrays::new(&rows(vec![0, 1, 4], vec![1, 5, 2, 5]), 0..4)
            .err()
            .expect("column 5 twice in row 11");
        assert!(e.to_string().contains("row 11 holds column 5"), "{e}");
    }
}
