//! `distarray convert`: any of .dnpy set / .npy / HDF5 / Zarr / PETSc
//! binary Vec to any other, on one process or under mpiexec; a PETSc binary AIJ Mat to
//! a dense 2-D array (any output) or to a PETSc binary file again.

use crate::{kind_of, open_input, Kind};
use distarray::io::{
    self, Format, Order, PetscBinaryOptions, PetscIndexWidth, PetscScalar, PetscScalarKind,
};
use distarray::num_complex::Complex64;
use distarray::DType;
use distarray::{AnyDistArray, Comm, Dist, DistArray, Layout};
use std::path::{Path, PathBuf};

/// Whether `path` names a PETSc binary output (`.petsc` or `.bin`).
fn is_petsc(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("petsc") | Some("bin")
    )
}

pub fn run(
    input: &[PathBuf],
    output: &Path,
    dataset: Option<&str>,
    order: &str,
    int64: bool,
) -> Result<(), String> {
    // out-of-core conversions read and write files on threads of their own
    // (no MPI calls there): MPI_THREAD_FUNNELED
    let (universe, _) =
        distarray::mpi::initialize_with_threading(distarray::mpi::Threading::Funneled)
            .ok_or("MPI was already initialized")?;
    distarray::abort_on_panic();
    let result = {
        let comm = Comm::world();
        let order = match order {
            "c" | "C" => Order::C,
            "f" | "F" | "fortran" => Order::Fortran,
            other => return Err(format!("unknown order {other:?} (c or f)")),
        };
        let index = match int64 {
            true => PetscIndexWidth::I64,
            false => PetscIndexWidth::I32,
        };
        convert(&comm, &input[0], output, dataset, order, index).map_err(|e| e.to_string())
    };
    drop(universe);
    result
}

/// Every rank reads the input's headers (a .dnpy set is checked as a
/// whole) and all take the same verdict, so that no rank goes on alone;
/// then Zarr to Zarr or HDF5 (and HDF5 to Zarr) runs out of core, chunk by
/// chunk within 1 GiB per rank, and other pairs load the input in balanced
/// blocks and save it.
fn convert(
    comm: &Comm,
    input: &Path,
    output: &Path,
    dataset: Option<&str>,
    order: Order,
    index: PetscIndexWidth,
) -> distarray::Result<()> {
    let info = comm.agree(open_input(input, dataset))?;
    #[cfg(feature = "zarr")]
    if let Some(converted) = crate::ooc_convert::convert(comm, input, &info, output, dataset) {
        converted?;
        done(comm, output, &info);
        return Ok(());
    }
    let a = match info.format {
        Format::PetscMat { .. } if is_petsc(output) => {
            match info.dtype {
                DType::C128 => mat_to_petsc::<Complex64>(comm, input, output, index),
                _ => mat_to_petsc::<f64>(comm, input, output, index),
            }?;
            done(comm, output, &info);
            return Ok(());
        }
        Format::PetscMat { .. } => match info.dtype {
            DType::C128 => dense::<Complex64>(comm, input, &info.shape)?,
            _ => dense::<f64>(comm, input, &info.shape)?,
        },
        _ => info.load_in(&Layout::block(comm, &info.shape)?)?,
    };
    match kind_of(output) {
        _ if is_petsc(output) => save_petsc(&a, output, index),
        Kind::Npy => a.save_npy(output, order),
        Kind::Hdf5 => save_h5(&a, output, dataset.unwrap_or("data")),
        Kind::Dnpy => a.save_dnpy(output),
        Kind::Zarr => save_zarr(&a, output),
    }?;
    done(comm, output, &info);
    Ok(())
}

fn done(comm: &Comm, output: &Path, info: &io::FileInfo) {
    if comm.rank() == 0 {
        eprintln!(
            "distarray: wrote {} ({:?} {}) on {} rank(s)",
            output.display(),
            info.shape,
            info.dtype,
            comm.size()
        );
    }
}

/// A PETSc binary AIJ Mat rewritten as one (another index width, say), with
/// the file's scalars.
fn mat_to_petsc<T: PetscScalar>(
    comm: &Comm,
    input: &Path,
    output: &Path,
    index: PetscIndexWidth,
) -> distarray::Result<()> {
    let (rows, csr) = io::load_petsc_mat::<T>(comm, input)?;
    let o = PetscBinaryOptions {
        index,
        scalar: T::KIND,
    };
    io::save_petsc_mat_with(output, &rows, &csr, o)
}

/// A PETSc binary AIJ Mat as a dense 2-D array of its scalars: each rank
/// reads its rows (a row block) and spreads them out.
fn dense<T: PetscScalar>(
    comm: &Comm,
    input: &Path,
    shape: &[usize],
) -> distarray::Result<AnyDistArray>
where
    AnyDistArray: From<DistArray<T>>,
{
    let (m, n) = (shape[0], shape[1]);
    let grid = [comm.size(), 1];
    let layout = Layout::with_grid(comm, &[m, n], &[Dist::Block, Dist::NotDistributed], &grid)?;
    let rows = Layout::with_grid(comm, &[m], &[Dist::Block], &[comm.size()])?;
    let csr = io::load_petsc_mat_in::<T>(&rows, input)?;
    let mut a = DistArray::<T>::zeros(&layout);
    let mut local = a.local_mut();
    for i in 0..csr.local_rows() {
        let (cols, vals) = csr.row(i);
        for (&c, &v) in cols.iter().zip(vals) {
            local[[i, c]] = v;
        }
    }
    Ok(a.into())
}

/// Saves as a PETSc binary Vec (the cells in C order): complex arrays as a
/// complex build's, real and integer ones as a real build's scalars.
fn save_petsc(a: &AnyDistArray, path: &Path, index: PetscIndexWidth) -> distarray::Result<()> {
    let o = |scalar| PetscBinaryOptions { scalar, index };
    match a {
        AnyDistArray::C128(z) => z.save_petsc_vec_with(path, o(PetscScalarKind::Complex)),
        AnyDistArray::C64(z) => z
            .map(|z| distarray::num_complex::Complex64::new(z.re.into(), z.im.into()))
            .save_petsc_vec_with(path, o(PetscScalarKind::Complex)),
        _ => a
            .to_f64()?
            .save_petsc_vec_with(path, o(PetscScalarKind::Real)),
    }
}

#[cfg(feature = "hdf5")]
fn save_h5(a: &AnyDistArray, path: &Path, dataset: &str) -> distarray::Result<()> {
    a.save_hdf5(path, dataset, None)
}

#[cfg(not(feature = "hdf5"))]
fn save_h5(_: &AnyDistArray, path: &Path, _: &str) -> distarray::Result<()> {
    Err(distarray::Error::InvalidArgument(format!(
        "{}: built without HDF5 support (feature `hdf5`)",
        path.display()
    )))
}

#[cfg(feature = "zarr")]
fn save_zarr(a: &AnyDistArray, path: &Path) -> distarray::Result<()> {
    a.save_zarr(path, &io::ZarrOptions::default())
}

#[cfg(not(feature = "zarr"))]
fn save_zarr(_: &AnyDistArray, path: &Path) -> distarray::Result<()> {
    Err(distarray::Error::InvalidArgument(format!(
        "{}: built without Zarr support (feature `zarr`)",
        path.display()
    )))
}
