//! The scalar types of Elemental's C API: each function exists in a `_s`
//! (`float`), `_d` (`double`), `_c` (`complex float`) and `_z`
//! (`complex double`) variant, which [`ElScalar`] picks by type.

use crate::ffi;
use distarray_core::dtype::Element;
use num_complex::{Complex32, Complex64};
use std::ffi::c_void;

/// A scalar type Elemental's C API has matrices of: `f32`, `f64`,
/// [`Complex32`] and [`Complex64`] (Elemental's `_s`, `_d`, `_c`, `_z`
/// functions). `num_complex::Complex<T>` is `#[repr(C)]` `{re, im}`, the
/// layout of C's `complex float` / `complex double`, so a matrix's memory
/// is lent as an array of these types directly.
///
/// The trait is sealed: its functions hand Elemental raw handles and
/// buffers of the type, so only the four types whose variants the bridge
/// binds can implement it.
///
/// # Examples
///
/// ```no_run
/// use bridge_elemental::{DistMatrix, ElDist, ElGrid, ElScalar};
/// /// The trace of any square matrix, whatever its scalar type.
/// fn trace<T: ElScalar + std::iter::Sum>(a: &DistMatrix<'_, T>) -> T {
///     (0..a.shape().0).map(|i| a.get(i, i).unwrap()).sum()
/// }
/// ```
pub trait ElScalar: Element + sealed::Ops {}

impl ElScalar for f32 {}
impl ElScalar for f64 {}
impl ElScalar for Complex32 {}
impl ElScalar for Complex64 {}

pub(crate) mod sealed {
    use super::*;

    /// Elemental's C functions for one scalar type, on type-erased handles
    /// (`*mut c_void` standing for `ElDistMatrix_<x>` and
    /// `ElDistPermutation`). Not nameable outside the crate.
    ///
    /// Every function is `unsafe`: the handles must be live and of this
    /// type, buffers as Elemental's documentation says.
    #[allow(clippy::missing_safety_doc, clippy::too_many_arguments)]
    pub trait Ops: Copy {
        /// The C API's suffix (`"d"`), for error messages.
        const SUFFIX: &'static str;
        unsafe fn create(
            u: ffi::ElDist,
            v: ffi::ElDist,
            g: ffi::ElConstGrid,
            out: *mut *mut c_void,
        ) -> ffi::ElError;
        unsafe fn destroy(a: *mut c_void) -> ffi::ElError;
        unsafe fn empty(a: *mut c_void) -> ffi::ElError;
        unsafe fn resize(a: *mut c_void, m: ffi::ElInt, n: ffi::ElInt) -> ffi::ElError;
        unsafe fn attach(
            a: *mut c_void,
            m: ffi::ElInt,
            n: ffi::ElInt,
            g: ffi::ElConstGrid,
            buffer: *mut Self,
            ld: ffi::ElInt,
        ) -> ffi::ElError;
        unsafe fn buffer(a: *mut c_void, out: *mut *mut Self) -> ffi::ElError;
        unsafe fn local_height(a: *mut c_void, out: *mut ffi::ElInt) -> ffi::ElError;
        unsafe fn local_width(a: *mut c_void, out: *mut ffi::ElInt) -> ffi::ElError;
        unsafe fn ldim(a: *mut c_void, out: *mut ffi::ElInt) -> ffi::ElError;
        unsafe fn get(a: *mut c_void, i: ffi::ElInt, j: ffi::ElInt, out: *mut Self)
            -> ffi::ElError;
        unsafe fn set(a: *mut c_void, i: ffi::ElInt, j: ffi::ElInt, v: Self) -> ffi::ElError;
        unsafe fn gemm(
            oa: ffi::ElOrientation,
            ob: ffi::ElOrientation,
            alpha: Self,
            a: *mut c_void,
            b: *mut c_void,
            beta: Self,
            c: *mut c_void,
        ) -> ffi::ElError;
        unsafe fn linear_solve(a: *mut c_void, b: *mut c_void) -> ffi::ElError;
        unsafe fn lu(a: *mut c_void, p: *mut c_void) -> ffi::ElError;
        unsafe fn solve_after_lu(
            o: ffi::ElOrientation,
            a: *mut c_void,
            p: *mut c_void,
            b: *mut c_void,
        ) -> ffi::ElError;
        unsafe fn cholesky(uplo: ffi::ElUpperOrLower, a: *mut c_void) -> ffi::ElError;
        unsafe fn hpd_solve(
            uplo: ffi::ElUpperOrLower,
            o: ffi::ElOrientation,
            a: *mut c_void,
            b: *mut c_void,
        ) -> ffi::ElError;
        /// `|x|²` in double precision.
        fn abs2(self) -> f64;
        /// `-1`.
        fn minus_one() -> Self;
    }
}

/// The `Ops` of one scalar type: `$m`/`$cm` Elemental's (const) matrix
/// handle types, `$c` its C scalar, `$to` the conversion to the C scalar,
/// then the functions of the type's suffix.
macro_rules! el_ops {
    (
        $t:ty, $sfx:literal, $m:ty, $cm:ty, $c:ty,
        to: $to:expr, abs2: $abs2:expr, minus_one: $m1:expr,
        $create:ident, $destroy:ident, $empty:ident, $resize:ident, $attach:ident,
        $buffer:ident, $lh:ident, $lw:ident, $ldim:ident, $get:ident, $set:ident,
        $gemm:ident, $solve:ident, $lu:ident, $after_lu:ident, $chol:ident, $hpd:ident
    ) => {
        impl sealed::Ops for $t {
            const SUFFIX: &'static str = $sfx;
            unsafe fn create(
                u: ffi::ElDist,
                v: ffi::ElDist,
                g: ffi::ElConstGrid,
                out: *mut *mut c_void,
            ) -> ffi::ElError {
                // SAFETY: the caller's; `out` receives the handle.
                unsafe { ffi::$create(u, v, g, out as *mut $m) }
            }
            unsafe fn destroy(a: *mut c_void) -> ffi::ElError {
                // SAFETY: the caller's.
                unsafe { ffi::$destroy(a as $cm) }
            }
            unsafe fn empty(a: *mut c_void) -> ffi::ElError {
                // SAFETY: the caller's.
                unsafe { ffi::$empty(a as $m, true) }
            }
            unsafe fn resize(a: *mut c_void, m: ffi::ElInt, n: ffi::ElInt) -> ffi::ElError {
                // SAFETY: the caller's.
                unsafe { ffi::$resize(a as $m, m, n) }
            }
            unsafe fn attach(
                a: *mut c_void,
                m: ffi::ElInt,
                n: ffi::ElInt,
                g: ffi::ElConstGrid,
                buffer: *mut Self,
                ld: ffi::ElInt,
            ) -> ffi::ElError {
                // SAFETY: the caller's; Self has the C scalar's layout.
                unsafe { ffi::$attach(a as $m, m, n, g, 0, 0, buffer as *mut $c, ld, 0) }
            }
            unsafe fn buffer(a: *mut c_void, out: *mut *mut Self) -> ffi::ElError {
                // SAFETY: the caller's; Self has the C scalar's layout.
                unsafe { ffi::$buffer(a as $m, out as *mut *mut $c) }
            }
            unsafe fn local_height(a: *mut c_void, out: *mut ffi::ElInt) -> ffi::ElError {
                // SAFETY: the caller's.
                unsafe { ffi::$lh(a as $cm, out) }
            }
            unsafe fn local_width(a: *mut c_void, out: *mut ffi::ElInt) -> ffi::ElError {
                // SAFETY: the caller's.
                unsafe { ffi::$lw(a as $cm, out) }
            }
            unsafe fn ldim(a: *mut c_void, out: *mut ffi::ElInt) -> ffi::ElError {
                // SAFETY: the caller's.
                unsafe { ffi::$ldim(a as $cm, out) }
            }
            unsafe fn get(
                a: *mut c_void,
                i: ffi::ElInt,
                j: ffi::ElInt,
                out: *mut Self,
            ) -> ffi::ElError {
                // SAFETY: the caller's; Self has the C scalar's layout.
                unsafe { ffi::$get(a as $cm, i, j, out as *mut $c) }
            }
            unsafe fn set(a: *mut c_void, i: ffi::ElInt, j: ffi::ElInt, v: Self) -> ffi::ElError {
                // SAFETY: the caller's.
                unsafe { ffi::$set(a as $m, i, j, ($to)(v)) }
            }
            unsafe fn gemm(
                oa: ffi::ElOrientation,
                ob: ffi::ElOrientation,
                alpha: Self,
                a: *mut c_void,
                b: *mut c_void,
                beta: Self,
                c: *mut c_void,
            ) -> ffi::ElError {
                // SAFETY: the caller's.
                unsafe {
                    ffi::$gemm(
                        oa,
                        ob,
                        ($to)(alpha),
                        a as $cm,
                        b as $cm,
                        ($to)(beta),
                        c as $m,
                    )
                }
            }
            unsafe fn linear_solve(a: *mut c_void, b: *mut c_void) -> ffi::ElError {
                // SAFETY: the caller's.
                unsafe { ffi::$solve(a as $cm, b as $m) }
            }
            unsafe fn lu(a: *mut c_void, p: *mut c_void) -> ffi::ElError {
                // SAFETY: the caller's.
                unsafe { ffi::$lu(a as $m, p as ffi::ElDistPermutation) }
            }
            unsafe fn solve_after_lu(
                o: ffi::ElOrientation,
                a: *mut c_void,
                p: *mut c_void,
                b: *mut c_void,
            ) -> ffi::ElError {
                // SAFETY: the caller's.
                unsafe { ffi::$after_lu(o, a as $cm, p as ffi::ElConstDistPermutation, b as $m) }
            }
            unsafe fn cholesky(uplo: ffi::ElUpperOrLower, a: *mut c_void) -> ffi::ElError {
                // SAFETY: the caller's.
                unsafe { ffi::$chol(uplo, a as $m) }
            }
            unsafe fn hpd_solve(
                uplo: ffi::ElUpperOrLower,
                o: ffi::ElOrientation,
                a: *mut c_void,
                b: *mut c_void,
            ) -> ffi::ElError {
                // SAFETY: the caller's.
                unsafe { ffi::$hpd(uplo, o, a as $cm, b as $m) }
            }
            fn abs2(self) -> f64 {
                ($abs2)(self)
            }
            fn minus_one() -> Self {
                $m1
            }
        }
    };
}

el_ops!(
    f32, "s", ffi::ElDistMatrix_s, ffi::ElConstDistMatrix_s, f32,
    to: |x: f32| x, abs2: |x: f32| (x as f64) * (x as f64), minus_one: -1.0,
    ElDistMatrixCreateSpecific_s, ElDistMatrixDestroy_s, ElDistMatrixEmpty_s,
    ElDistMatrixResize_s, ElDistMatrixAttach_s, ElDistMatrixBuffer_s,
    ElDistMatrixLocalHeight_s, ElDistMatrixLocalWidth_s, ElDistMatrixLDim_s,
    ElDistMatrixGet_s, ElDistMatrixSet_s, ElGemmDist_s, ElLinearSolveDist_s,
    ElLUPartialPivDist_s, ElSolveAfterLUPartialPivDist_s, ElCholeskyDist_s, ElHPDSolveDist_s
);
el_ops!(
    f64, "d", ffi::ElDistMatrix_d, ffi::ElConstDistMatrix_d, f64,
    to: |x: f64| x, abs2: |x: f64| x * x, minus_one: -1.0,
    ElDistMatrixCreateSpecific_d, ElDistMatrixDestroy_d, ElDistMatrixEmpty_d,
    ElDistMatrixResize_d, ElDistMatrixAttach_d, ElDistMatrixBuffer_d,
    ElDistMatrixLocalHeight_d, ElDistMatrixLocalWidth_d, ElDistMatrixLDim_d,
    ElDistMatrixGet_d, ElDistMatrixSet_d, ElGemmDist_d, ElLinearSolveDist_d,
    ElLUPartialPivDist_d, ElSolveAfterLUPartialPivDist_d, ElCholeskyDist_d, ElHPDSolveDist_d
);
el_ops!(
    Complex32, "c", ffi::ElDistMatrix_c, ffi::ElConstDistMatrix_c, ffi::complex_float,
    to: |x: Complex32| ffi::complex_float { re: x.re, im: x.im },
    abs2: |x: Complex32| (x.re as f64).powi(2) + (x.im as f64).powi(2),
    minus_one: Complex32::new(-1.0, 0.0),
    ElDistMatrixCreateSpecific_c, ElDistMatrixDestroy_c, ElDistMatrixEmpty_c,
    ElDistMatrixResize_c, ElDistMatrixAttach_c, ElDistMatrixBuffer_c,
    ElDistMatrixLocalHeight_c, ElDistMatrixLocalWidth_c, ElDistMatrixLDim_c,
    ElDistMatrixGet_c, ElDistMatrixSet_c, ElGemmDist_c, ElLinearSolveDist_c,
    ElLUPartialPivDist_c, ElSolveAfterLUPartialPivDist_c, ElCholeskyDist_c, ElHPDSolveDist_c
);
el_ops!(
    Complex64, "z", ffi::ElDistMatrix_z, ffi::ElConstDistMatrix_z, ffi::complex_double,
    to: |x: Complex64| ffi::complex_double { re: x.re, im: x.im },
    abs2: |x: Complex64| x.norm_sqr(),
    minus_one: Complex64::new(-1.0, 0.0),
    ElDistMatrixCreateSpecific_z, ElDistMatrixDestroy_z, ElDistMatrixEmpty_z,
    ElDistMatrixResize_z, ElDistMatrixAttach_z, ElDistMatrixBuffer_z,
    ElDistMatrixLocalHeight_z, ElDistMatrixLocalWidth_z, ElDistMatrixLDim_z,
    ElDistMatrixGet_z, ElDistMatrixSet_z, ElGemmDist_z, ElLinearSolveDist_z,
    ElLUPartialPivDist_z, ElSolveAfterLUPartialPivDist_z, ElCholeskyDist_z, ElHPDSolveDist_z
);

// the complex types' memory is C's complex layout: two parts, no padding
const _: () = assert!(std::mem::size_of::<Complex32>() == 8);
const _: () = assert!(std::mem::size_of::<Complex64>() == 16);
