//! The sparse-matrix checks of `mpi_petsc` beyond assembly: matrices from
//! the builder in the build's scalar type, rectangular ones, rows in any
//! column order, and hand-filled rows PETSc must not see.

use super::{harness, s, with_petsc};
use distarray::petsc::{PetscMat, PetscVec, Scalar};
use distarray::sparse::{owned_rows, CsrRows, SparseBuilder};
use distarray::{Comm, DistArray, Layout};

/// `y = A x` with both vectors wrapped.
fn apply(
    petsc: &distarray::petsc::Petsc,
    a: &PetscMat<'_>,
    x: &mut DistArray<Scalar>,
) -> DistArray<Scalar> {
    let mut y = DistArray::zeros(a.rows());
    {
        let xv = PetscVec::wrap(petsc, x).unwrap();
        let mut yv = PetscVec::wrap(petsc, &mut y).unwrap();
        a.mult(&xv, &mut yv).unwrap();
    }
    y
}

/// An `m x n` matrix from `SparseBuilder<Scalar>` (complex values on a
/// complex PETSc: `i` times the real ones), square or not, both
/// constructors: `A x` is the product computed here from the same rows.
pub fn builder_matrices_of_any_shape(comm: &Comm) {
    with_petsc(|petsc| {
        let unit = if distarray::petsc::COMPLEX {
            distarray::num_complex::ComplexFloat::sqrt(s(-1.0))
        } else {
            s(1.0)
        };
        for (m, n) in [(13, 13), (11, 7), (5, 17)] {
            let rows = Layout::block(comm, &[m]).unwrap();
            let mut b = SparseBuilder::<Scalar>::new(&rows, n).unwrap();
            for r in owned_rows(&rows).unwrap() {
                // columns everywhere: the local block and both sides of it
                for c in [0, r % n, (3 * r + 1) % n, n - 1] {
                    b.add(r, c, unit * s((r * n + c) as f64));
                }
            }
            let csr = b.assemble().unwrap();
            for split in [false, true] {
                let a = if split {
                    PetscMat::from_csr_split(petsc, &rows, &csr).unwrap()
                } else {
                    PetscMat::from_csr(petsc, &rows, &csr).unwrap()
                };
                assert_eq!(a.rows(), &rows);
                assert_eq!(a.cols().shape(), &[n]);
                if m == n {
                    assert_eq!(a.cols(), &rows, "a square matrix's columns are its rows");
                }
                let mut x = DistArray::from_fn(a.cols(), |ix: &[usize]| s(1.0 + ix[0] as f64));
                let y = apply(petsc, &a, &mut x);
                for i in 0..csr.local_rows() {
                    let (cols, vals) = csr.row(i);
                    let want: Scalar = cols
                        .iter()
                        .zip(vals)
                        .map(|(&c, &v)| v * s(1.0 + c as f64))
                        .sum();
                    assert_eq!(y.local()[[i]], want, "{m} x {n}, split {split}, row {i}");
                }
            }
        }
    })
}

/// Rows filled by hand: in any column order they give the matrix sorted
/// rows give; a column twice or a column past the end on one rank only is
/// every rank's error, for both constructors, before PETSc.
pub fn hand_filled_rows_are_checked_on_every_rank(comm: &Comm) {
    with_petsc(|petsc| {
        let n = 4 * comm.size() + 3;
        let rows = Layout::block(comm, &[n]).unwrap();
        let mine = owned_rows(&rows).unwrap();
        // tridiagonal, columns in decreasing order
        let mut csr = CsrRows {
            first_row: mine.start,
            ncols: n,
            row_ptr: vec![0],
            cols: vec![],
            vals: vec![],
        };
        for r in mine.clone() {
            for c in [r + 1, r, r.wrapping_sub(1)] {
                if c < n {
                    csr.cols.push(c);
                    csr.vals.push(s(10.0 * r as f64 + c as f64));
                }
            }
            csr.row_ptr.push(csr.cols.len());
        }
        let mut sorted = SparseBuilder::<Scalar>::new(&rows, n).unwrap();
        for r in mine.clone() {
            let (cols, vals) = csr.row(r - mine.start);
            sorted.add_row(r, cols, vals);
        }
        let sorted = sorted.assemble().unwrap();
        let mut x = DistArray::from_fn(&rows, |ix: &[usize]| s((ix[0] * ix[0]) as f64));
        let want = apply(
            petsc,
            &PetscMat::from_csr(petsc, &rows, &sorted).unwrap(),
            &mut x,
        );
        for split in [false, true] {
            let make = |c: &CsrRows<Scalar>| match split {
                true => PetscMat::from_csr_split(petsc, &rows, c),
                false => PetscMat::from_csr(petsc, &rows, c),
            };
            let a = make(&csr).unwrap();
            assert_eq!(
                apply(petsc, &a, &mut x).local(),
                want.local(),
                "split {split}"
            );
            drop(a);
            let last = comm.rank() + 1 == comm.size();
            // the first row of the last rank holds its diagonal twice
            let mut twice = csr.clone();
            if last {
                let r = mine.start;
                let at = twice.row_ptr[1];
                twice.cols.insert(at, r);
                twice.vals.insert(at, s(1.0));
                for p in &mut twice.row_ptr[1..] {
                    *p += 1;
                }
            }
            let err = make(&twice).err().expect("a column twice on one rank");
            assert!(err.to_string().contains("more than once"), "{err}");
            harness::assert_same_everywhere(comm, &err);
            // a column past the end on the last rank
            let mut past = csr.clone();
            if last {
                past.cols[0] = n;
            }
            let err = make(&past)
                .err()
                .expect("a column past the end on one rank");
            harness::assert_same_everywhere(comm, &err);
            // the column count differs on the last rank (on one rank
            // alone it is a rectangular matrix)
            if comm.size() > 1 {
                let mut wider = csr.clone();
                if last {
                    wider.ncols += 1;
                }
                let err = make(&wider).err().expect("column counts differ");
                harness::assert_same_everywhere(comm, &err);
            }
        }
    })
}
