//! Dense linear algebra through Elemental on distributed arrays.
//!
//! Elemental accepts any distribution and redistributes internally to
//! `[MC,MR]` where its algorithms need it. The release builds of Elemental
//! skip their argument checks, so every size and grid is checked here first
//! (the same error on every rank); a singular system is reported, not
//! returned as infinities.

use crate::error::check;
use crate::ffi;
use crate::matrix::DistMatrix;
use crate::scalar::ElScalar;
use distarray_core::bridge::Library;
use distarray_core::{Error, Result};

/// Whether an operand is used as is or transposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// `A`.
    Normal,
    /// `Aᵀ`.
    Transpose,
}

impl Orientation {
    pub(crate) fn raw(self) -> ffi::ElOrientation {
        match self {
            Orientation::Normal => ffi::ElOrientation_EL_NORMAL,
            Orientation::Transpose => ffi::ElOrientation_EL_TRANSPOSE,
        }
    }

    fn apply(self, (m, n): (usize, usize)) -> (usize, usize) {
        match self {
            Orientation::Normal => (m, n),
            Orientation::Transpose => (n, m),
        }
    }
}

/// Which triangle holds a factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Triangle {
    /// `A = L Lᵀ`, `L` in the lower triangle.
    Lower,
    /// `A = Uᵀ U`, `U` in the upper triangle.
    Upper,
}

impl Triangle {
    fn raw(self) -> ffi::ElUpperOrLower {
        match self {
            Triangle::Lower => ffi::ElUpperOrLower_EL_LOWER,
            Triangle::Upper => ffi::ElUpperOrLower_EL_UPPER,
        }
    }
}

pub(crate) fn same_grid<T: ElScalar>(ms: &[&DistMatrix<'_, T>], what: &str) -> Result<()> {
    if ms.windows(2).all(|w| w[0].grid_raw() == w[1].grid_raw()) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "{what}: Elemental needs every operand on the same ElGrid"
        )))
    }
}

fn dims_error(what: &str, detail: String) -> Error {
    Error::InvalidArgument(format!("{what}: {detail}"))
}

/// `C = alpha op(A) op(B) + beta C` (`ElGemmDist_<x>`). Collective.
///
/// ```no_run
/// # fn f(a: &bridge_elemental::DistMatrix, b: &bridge_elemental::DistMatrix, c: &mut bridge_elemental::DistMatrix) {
/// use bridge_elemental::{gemm, Orientation::Normal};
/// gemm(Normal, Normal, 1.0, a, b, 0.0, c).unwrap();
/// # }
/// ```
pub fn gemm<T: ElScalar>(
    orient_a: Orientation,
    orient_b: Orientation,
    alpha: T,
    a: &DistMatrix<'_, T>,
    b: &DistMatrix<'_, T>,
    beta: T,
    c: &mut DistMatrix<'_, T>,
) -> Result<()> {
    let comm = c.layout().comm().clone();
    let (m, k) = orient_a.apply(a.shape());
    let (k2, n) = orient_b.apply(b.shape());
    let ok = same_grid(&[a, b, c], "gemm").and_then(|_| {
        if k != k2 || c.shape() != (m, n) {
            Err(dims_error(
                "gemm",
                format!(
                    "op(A) is {m} x {k}, op(B) {k2} x {n}, C {:?}: need op(A) m x k, op(B) k x n, C m x n",
                    c.shape()
                ),
            ))
        } else {
            Ok(())
        }
    });
    comm.agree(ok)?;
    // SAFETY: live matrices on one grid with conforming sizes (checked).
    check(
        unsafe {
            T::gemm(
                orient_a.raw(),
                orient_b.raw(),
                alpha,
                a.raw(),
                b.raw(),
                beta,
                c.raw(),
            )
        },
        &format!("ElGemmDist_{}", T::SUFFIX),
    )
}

/// Checks a solve's operands: `A` square `n x n`, `B` `n x k`, one grid.
pub(crate) fn check_system<T: ElScalar>(
    a: &DistMatrix<'_, T>,
    b: &DistMatrix<'_, T>,
    what: &str,
) -> Result<()> {
    let comm = b.layout().comm().clone();
    let ok = same_grid(&[a, b], what).and_then(|_| {
        let (n, n2) = a.shape();
        if n != n2 || b.shape().0 != n {
            Err(dims_error(
                what,
                format!(
                    "A is {n} x {n2}, B {:?}: need A square n x n and B n x k",
                    b.shape()
                ),
            ))
        } else {
            Ok(())
        }
    });
    comm.agree(ok)
}

/// Fails on every rank when any rank's part of `m` holds a non-finite value.
fn finite<T: ElScalar>(m: &DistMatrix<'_, T>, what: &str, why: &str) -> Result<()> {
    if all_finite(m)? {
        Ok(())
    } else {
        Err(Error::Native {
            library: Library::Elemental,
            code: 0,
            call: what.into(),
            message: why.into(),
        })
    }
}

/// Whether every rank's part of `m` is finite (the same answer everywhere).
pub(crate) fn all_finite<T: ElScalar>(m: &DistMatrix<'_, T>) -> Result<bool> {
    let comm = m.layout().comm().clone();
    let mine = comm.agree(
        m.to_array()
            .map(|a| a.local().iter().all(|x| x.abs2().is_finite())),
    )?;
    Ok(comm.all(mine))
}

/// Solves `A X = B` by LU with partial pivoting (`ElLinearSolveDist_<x>`);
/// `B` is overwritten with `X`, `A` is left unchanged. Collective. To
/// factor once and solve many times, use [`LuSolver`](crate::LuSolver).
pub fn linear_solve<T: ElScalar>(a: &DistMatrix<'_, T>, b: &mut DistMatrix<'_, T>) -> Result<()> {
    check_system(a, b, "linear_solve")?;
    let call = format!("ElLinearSolveDist_{}", T::SUFFIX);
    // SAFETY: live matrices on one grid, A square with B's row count (checked).
    check(unsafe { T::linear_solve(a.raw(), b.raw()) }, &call)?;
    finite(
        b,
        &call,
        "the solution has non-finite values: A is singular (or the data held NaN/inf)",
    )
}

/// Cholesky factorization in place (`ElCholeskyDist_<x>`): the chosen
/// triangle of `A` becomes the factor (the other is left as it was).
/// `A` must be symmetric (Hermitian) positive definite. Collective.
pub fn cholesky<T: ElScalar>(triangle: Triangle, a: &mut DistMatrix<'_, T>) -> Result<()> {
    let comm = a.layout().comm().clone();
    let (n, n2) = a.shape();
    comm.agree(if n == n2 {
        Ok(())
    } else {
        Err(dims_error(
            "cholesky",
            format!("A is {n} x {n2}: need a square matrix"),
        ))
    })?;
    let call = format!("ElCholeskyDist_{}", T::SUFFIX);
    // SAFETY: a live square matrix.
    check(unsafe { T::cholesky(triangle.raw(), a.raw()) }, &call)?;
    finite(
        a,
        &call,
        "the factor has non-finite values: A is not positive definite",
    )
}

/// Solves `A X = B` for symmetric (Hermitian) positive definite `A`
/// (Cholesky, `ElHPDSolveDist_<x>`, reading the chosen triangle); `B`
/// becomes `X`. Collective.
pub fn spd_solve<T: ElScalar>(
    triangle: Triangle,
    a: &DistMatrix<'_, T>,
    b: &mut DistMatrix<'_, T>,
) -> Result<()> {
    check_system(a, b, "spd_solve")?;
    let call = format!("ElHPDSolveDist_{}", T::SUFFIX);
    // SAFETY: live matrices on one grid, A square with B's row count (checked).
    check(
        unsafe {
            T::hpd_solve(
                triangle.raw(),
                ffi::ElOrientation_EL_NORMAL,
                a.raw(),
                b.raw(),
            )
        },
        &call,
    )?;
    finite(
        b,
        &call,
        "the solution has non-finite values: A is not positive definite",
    )
}
