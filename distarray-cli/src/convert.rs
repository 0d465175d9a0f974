//! `distarray convert`: any of .dnpy set / .npy / HDF5 to any other, on one
//! process or under mpiexec.

use crate::{kind_of, open_input, Kind};
use distarray::io::Order;
use distarray::{AnyDistArray, Comm, Layout};
use std::path::{Path, PathBuf};

pub fn run(
    input: &[PathBuf],
    output: &Path,
    dataset: Option<&str>,
    order: &str,
) -> Result<(), String> {
    let universe = distarray::mpi::initialize().ok_or("MPI was already initialized")?;
    distarray::abort_on_panic();
    let result = {
        let comm = Comm::world();
        let order = match order {
            "c" | "C" => Order::C,
            "f" | "F" | "fortran" => Order::Fortran,
            other => return Err(format!("unknown order {other:?} (c or f)")),
        };
        convert(&comm, &input[0], output, dataset, order).map_err(|e| e.to_string())
    };
    drop(universe);
    result
}

/// Every rank reads the input's headers (a .dnpy set is checked as a
/// whole) and all take the same verdict, so that no rank goes on alone;
/// then the input is loaded in balanced blocks and saved.
fn convert(
    comm: &Comm,
    input: &Path,
    output: &Path,
    dataset: Option<&str>,
    order: Order,
) -> distarray::Result<()> {
    let info = comm.agree(open_input(input, dataset))?;
    let a = info.load_in(&Layout::block(comm, &info.shape)?)?;
    match kind_of(output) {
        Kind::Npy => a.save_npy(output, order),
        Kind::Hdf5 => save_h5(&a, output, dataset.unwrap_or("data")),
        Kind::Dnpy => a.save_dnpy(output),
    }?;
    if comm.rank() == 0 {
        eprintln!(
            "distarray: wrote {} ({:?} {}) on {} rank(s)",
            output.display(),
            info.shape,
            info.dtype,
            comm.size()
        );
    }
    Ok(())
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
