//! Safe handles over the C baselines in `c/` (this module is the bench
//! crate's FFI layer).

use distarray::mpi::ffi::MPI_Comm;
use distarray::mpi::raw::AsRaw;
use distarray::Comm;
use std::ffi::{c_long, c_void};
use std::ptr::NonNull;

extern "C" {
    fn baseline_rows_to_cols(comm: MPI_Comm, nrows: c_long, ncols: c_long) -> *mut c_void;
    fn baseline_block_to_cyclic(comm: MPI_Comm, n: c_long) -> *mut c_void;
    fn baseline_execute(b: *mut c_void, src: *const f64, dst: *mut f64);
    fn baseline_free(b: *mut c_void);
}

/// A prepared `MPI_Alltoallw` exchange (datatypes built once).
pub struct Alltoallw {
    handle: NonNull<c_void>,
    src_len: usize,
    dst_len: usize,
}

impl Alltoallw {
    /// Row blocks -> column blocks of an `nrows x ncols` f64 array. Collective.
    pub fn rows_to_cols(comm: &Comm, nrows: usize, ncols: usize) -> Alltoallw {
        let (p, r) = (comm.size(), comm.rank());
        let part = |n: usize| n / p + usize::from(r < n % p);
        // SAFETY: the communicator is live for the call (borrowed `comm`) and
        // the C side copies the handle; sizes are plain integers.
        let h =
            unsafe { baseline_rows_to_cols(comm.raw().as_raw(), nrows as c_long, ncols as c_long) };
        Alltoallw {
            handle: NonNull::new(h).expect("baseline allocation"),
            src_len: part(nrows) * ncols,
            dst_len: nrows * part(ncols),
        }
    }

    /// Balanced blocks -> cyclic of an `n`-element f64 array. Collective.
    pub fn block_to_cyclic(comm: &Comm, n: usize) -> Alltoallw {
        let (p, r) = (comm.size(), comm.rank());
        let part = n / p + usize::from(r < n % p);
        // SAFETY: as in `rows_to_cols`.
        let h = unsafe { baseline_block_to_cyclic(comm.raw().as_raw(), n as c_long) };
        Alltoallw {
            handle: NonNull::new(h).expect("baseline allocation"),
            src_len: part,
            dst_len: part,
        }
    }

    /// One exchange. Collective.
    pub fn execute(&mut self, src: &[f64], dst: &mut [f64]) {
        assert_eq!(src.len(), self.src_len, "baseline source length");
        assert_eq!(dst.len(), self.dst_len, "baseline target length");
        // SAFETY: the handle is live (freed only in Drop), and the buffers
        // have exactly the lengths the datatypes were built for (checked above).
        unsafe { baseline_execute(self.handle.as_ptr(), src.as_ptr(), dst.as_mut_ptr()) }
    }
}

impl Drop for Alltoallw {
    fn drop(&mut self) {
        // SAFETY: the handle came from a baseline constructor and is freed once.
        unsafe { baseline_free(self.handle.as_ptr()) }
    }
}

#[cfg(feature = "petsc")]
extern "C" {
    fn c_poisson(comm: MPI_Comm, n: std::ffi::c_int, iterations: *mut std::ffi::c_int) -> f64;
}

/// The Poisson demo written in C against PETSc: (seconds, iterations).
/// PETSc must be initialized. Collective.
#[cfg(feature = "petsc")]
pub fn c_poisson_solve(comm: &Comm, n: usize) -> (f64, usize) {
    let mut its: std::ffi::c_int = 0;
    // SAFETY: a live communicator, PETSc initialized by the caller, and an
    // out-pointer to a local integer.
    let t = unsafe { c_poisson(comm.raw().as_raw(), n as std::ffi::c_int, &mut its) };
    (t, its as usize)
}

#[cfg(feature = "petsc")]
extern "C" {
    fn c_assembly(comm: MPI_Comm, n: c_long, nnz: *mut c_long, checksum: *mut f64) -> f64;
}

/// The assembly benchmark's baseline (`c/assembly_petsc.c`): the 5-point
/// Laplacian on an `n x n` grid with PETSc's `MatSetValues` (5% of the
/// entries set by the wrong rank) and `MatAssemblyBegin/End`. Returns the
/// seconds that took, the global number of entries and their checksum
/// ([`crate::operators::checksum`]). PETSc must be initialized. Collective.
#[cfg(feature = "petsc")]
pub fn c_assembly_5_point(comm: &Comm, n: usize) -> (f64, usize, f64) {
    let (mut nnz, mut sum): (c_long, f64) = (0, 0.0);
    // SAFETY: a live communicator, PETSc initialized by the caller, and
    // out-pointers to locals.
    let t = unsafe { c_assembly(comm.raw().as_raw(), n as c_long, &mut nnz, &mut sum) };
    (t, nnz as usize, sum)
}

extern "C" {
    fn baseline_pdgemm(
        comm: MPI_Comm,
        n: std::ffi::c_int,
        nb: std::ffi::c_int,
        pr: std::ffi::c_int,
        pc: std::ffi::c_int,
        reps: std::ffi::c_int,
        c_out: *mut f64,
        c_len: c_long,
    ) -> f64;
}

/// Cell (i, j) of the matmul benchmark's A (the formula `c/pdgemm.c` uses).
pub fn matmul_a(i: usize, j: usize) -> f64 {
    ((i * 7 + j * 13) % 101) as f64 / 101.0 - 0.5
}

/// Cell (i, j) of the matmul benchmark's B (the formula `c/pdgemm.c` uses).
pub fn matmul_b(i: usize, j: usize) -> f64 {
    ((i * 11 + j * 5) % 97) as f64 / 97.0 - 0.5
}

/// ScaLAPACK's `pdgemm` of the `n x n` matrices [`matmul_a`] times
/// [`matmul_b`], block-cyclic with blocks of `nb` on the `grid` (row-major
/// ranks, as distarray's grids): the best of `reps` timed runs (at least
/// one; the slowest rank's seconds, the matrices made outside the timing). With `c_out`, this rank's block
/// of C in row-major order (its local rows times its local columns, as
/// distarray's `BlockCyclic(nb)` layout holds them). Collective.
///
/// # Panics
///
/// When the grid does not hold the communicator's ranks, or `c_out` has
/// not the local block's length.
pub fn scalapack_pdgemm(
    comm: &Comm,
    n: usize,
    nb: usize,
    grid: [usize; 2],
    reps: usize,
    c_out: Option<&mut [f64]>,
) -> f64 {
    let (ptr, len) = match c_out {
        Some(c) => (c.as_mut_ptr(), c.len() as c_long),
        None => (std::ptr::null_mut(), 0),
    };
    // SAFETY: a live communicator borrowed for the call; `ptr` is null or
    // points to `len` writable f64, and the C side writes only when `len`
    // is the local block's length.
    let t = unsafe {
        baseline_pdgemm(
            comm.raw().as_raw(),
            n as std::ffi::c_int,
            nb as std::ffi::c_int,
            grid[0] as std::ffi::c_int,
            grid[1] as std::ffi::c_int,
            reps as std::ffi::c_int,
            ptr,
            len,
        )
    };
    assert!(
        t >= 0.0,
        "pdgemm baseline: bad grid {grid:?} or block length"
    );
    t
}
