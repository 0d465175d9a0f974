//! Matrix products of 2-D distributed arrays by SUMMA (NumPy's
//! `np.matmul` / `a @ b` for 2-D operands).
//!
//! [`matmul`] multiplies two arrays in any 2-D layouts; [`matmul_in`]
//! delivers the product in a layout of your choosing; [`matmul_into`]
//! writes it into an existing array; [`MatMul`] plans a product once for
//! repeated use (the redistribution plans, panel buffers and grid-line
//! communicators are made at construction, and executions allocate
//! nothing but what MPI does).
//!
//! The algorithm is SUMMA on the 2-D process grid: the k axis is cut into
//! panels (at most 256 wide); for each, the grid column holding A's panel
//! broadcasts it along the process rows, the grid row holding B's panel
//! broadcasts it along the process columns, and every rank adds the
//! product of the two panels to its block of C with one BLAS GEMM. The
//! next panel's broadcasts are posted before the current product, so the
//! messages travel while the cores multiply. Block and (block-)cyclic
//! layouts on a 2-D grid are used as they are; other layouts (rows or
//! columns on a 1-D grid that a 2-D grid would beat, ghost cells,
//! unstructured axes, B on another grid) are moved to the algorithm's
//! layout by plans. Local products are OpenBLAS's GEMM (f32, f64,
//! Complex32, Complex64; other element types take ndarray's own loops):
//! run one BLAS thread per rank (`OPENBLAS_NUM_THREADS=1`, which
//! `scripts/mpirun` sets) when ranks fill the cores.

mod any;
mod layouts;
mod plan;
mod summa;

pub use plan::MatMul;

use crate::array::{DistArray, DistArrayBase};
use crate::dtype::Element;
use crate::error::Result;
use crate::layout::Layout;
use ndarray::{Data, DataMut, LinalgScalar};

/// C = A B of 2-D arrays A (m x k) and B (k x n), by SUMMA. The result is
/// in A's row distribution and B's column distribution on the algorithm's
/// grid ([`MatMul::result_layout`]): block x block for block x block
/// operands, block-cyclic for block-cyclic ones (of one block size), 2-D
/// blocks for layouts SUMMA does not run in. Collective.
///
/// Integer products follow Rust's arithmetic: an overflow wraps in release
/// builds and panics in debug builds (which ends the whole job, as every
/// panic does); NumPy wraps.
///
/// # Errors
///
/// The same error on every rank when an operand is not 2-D, the inner
/// dimensions differ, the operands live on different communicators, or
/// ranks passed different layouts (see [`MatMul::new`]).
///
/// # Examples
///
/// ```
/// use distarray_core::linalg::matmul;
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let a = DistArray::from_fn(&Layout::block(&comm, &[7, 5]).unwrap(), |ix: &[usize]| (ix[0] + ix[1]) as f64);
/// let lb = Layout::new(&comm, &[5, 9], &[Dist::Cyclic, Dist::Block]).unwrap();
/// let b = DistArray::from_fn(&lb, |ix: &[usize]| (ix[0] == ix[1]) as u8 as f64);
/// let c = matmul(&a, &b).unwrap(); // c = a @ b
/// assert_eq!(c.shape(), &[7, 9]);
/// assert_eq!(c.get(&[6, 4]).unwrap(), 10.0); // b is [I | 0]
/// assert_eq!(c.get(&[6, 8]).unwrap(), 0.0);
/// ```
pub fn matmul<T, SA, SB>(a: &DistArrayBase<SA>, b: &DistArrayBase<SB>) -> Result<DistArray<T>>
where
    T: Element + LinalgScalar,
    SA: Data<Elem = T>,
    SB: Data<Elem = T>,
{
    MatMul::new(a.layout(), b.layout())?.product(a, b)
}

/// C = A B delivered in layout `c` (m x n, any distribution on A's
/// communicator). Collective; errors as [`matmul`], and a layout of
/// another shape is [`Error::ShapeMismatch`](crate::Error::ShapeMismatch).
///
/// # Examples
///
/// ```
/// use distarray_core::linalg::matmul_in;
/// use distarray_core::num_complex::Complex64;
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let i = Complex64::new(0.0, 1.0);
/// let a = DistArray::full(&Layout::block(&comm, &[4, 3]).unwrap(), i);
/// let b = DistArray::full(&Layout::block(&comm, &[3, 2]).unwrap(), i);
/// let cyclic = Layout::new(&comm, &[4, 2], &[Dist::Cyclic, Dist::NotDistributed]).unwrap();
/// let c = matmul_in(&a, &b, &cyclic).unwrap();
/// assert_eq!(c.layout(), &cyclic);
/// assert_eq!(c.get(&[3, 1]).unwrap(), Complex64::new(-3.0, 0.0)); // 3 i^2
/// ```
pub fn matmul_in<T, SA, SB>(
    a: &DistArrayBase<SA>,
    b: &DistArrayBase<SB>,
    c: &Layout,
) -> Result<DistArray<T>>
where
    T: Element + LinalgScalar,
    SA: Data<Elem = T>,
    SB: Data<Elem = T>,
{
    MatMul::with_result(a.layout(), b.layout(), c)?.product(a, b)
}

/// C = A B into `c` (m x n, any layout on A's communicator; its contents
/// are overwritten). Collective; errors as [`matmul_in`].
///
/// # Examples
///
/// ```
/// use distarray_core::linalg::matmul_into;
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let a = DistArray::<f32>::ones(&Layout::block(&comm, &[2, 8]).unwrap());
/// let b = DistArray::<f32>::ones(&Layout::new(&comm, &[8, 3], &[Dist::Cyclic, Dist::Cyclic]).unwrap());
/// let mut c = DistArray::full(&Layout::block(&comm, &[2, 3]).unwrap(), -1.0);
/// matmul_into(&a, &b, &mut c).unwrap();
/// assert!(c.local().iter().all(|&x| x == 8.0));
/// ```
pub fn matmul_into<T, SA, SB, SC>(
    a: &DistArrayBase<SA>,
    b: &DistArrayBase<SB>,
    c: &mut DistArrayBase<SC>,
) -> Result<()>
where
    T: Element + LinalgScalar,
    SA: Data<Elem = T>,
    SB: Data<Elem = T>,
    SC: DataMut<Elem = T>,
{
    MatMul::with_result(a.layout(), b.layout(), &c.layout().clone())?.execute(a, b, c)
}

impl<T: Element + LinalgScalar, S: Data<Elem = T>> DistArrayBase<S> {
    /// `self @ other` for 2-D arrays: [`matmul`](fn@crate::linalg::matmul).
    /// Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let a = DistArray::<f64>::ones(&Layout::block(&comm, &[5, 5]).unwrap());
    /// let c = a.matmul(&a).unwrap();
    /// assert!(c.local().iter().all(|&x| x == 5.0));
    /// ```
    pub fn matmul<S2: Data<Elem = T>>(&self, other: &DistArrayBase<S2>) -> Result<DistArray<T>> {
        matmul(self, other)
    }
}
