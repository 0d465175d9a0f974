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
