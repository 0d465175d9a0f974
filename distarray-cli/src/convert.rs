//! `distarray convert`: any of .dnpy set / .npy / HDF5 to any other, on one
//! process or under mpiexec.

use crate::{dnpy_prefix, kind_of, Kind};
use distarray::io::{check_dnpy_set, NpyHeader, Order};
use distarray::{Comm, DType, DistArray, Element, Layout};
use std::path::{Path, PathBuf};

/// The element types a file can hold (HDF5 adds its own bound).
#[cfg(feature = "hdf5")]
pub trait Cell: Element + distarray::io::H5Element {}
#[cfg(feature = "hdf5")]
impl<T: Element + distarray::io::H5Element> Cell for T {}
#[cfg(not(feature = "hdf5"))]
pub trait Cell: Element {}
#[cfg(not(feature = "hdf5"))]
impl<T: Element> Cell for T {}

pub fn run(input: &[PathBuf], output: &Path, dataset: &str, order: &str) -> Result<(), String> {
    let universe = distarray::mpi::initialize().ok_or("MPI was already initialized")?;
    distarray::abort_on_panic();
    let result = {
        let comm = Comm::world();
        let (shape, dtype) = describe_on_all(&comm, input, dataset)?;
        let order = match order {
            "c" | "C" => Order::C,
            "f" | "F" | "fortran" => Order::Fortran,
            other => return Err(format!("unknown order {other:?} (c or f)")),
        };
        let layout = Layout::block(&comm, &shape).map_err(|e| e.to_string())?;
        let r = match dtype {
            DType::Bool => convert::<bool>(&layout, input, output, dataset, order),
            DType::U8 => convert::<u8>(&layout, input, output, dataset, order),
            DType::I32 => convert::<i32>(&layout, input, output, dataset, order),
            DType::I64 => convert::<i64>(&layout, input, output, dataset, order),
            DType::F32 => convert::<f32>(&layout, input, output, dataset, order),
            DType::F64 => convert::<f64>(&layout, input, output, dataset, order),
            DType::C64 => {
                convert::<distarray::num_complex::Complex32>(&layout, input, output, dataset, order)
            }
            DType::C128 => {
                convert::<distarray::num_complex::Complex64>(&layout, input, output, dataset, order)
            }
        };
        if r.is_ok() && comm.rank() == 0 {
            eprintln!(
                "distarray: wrote {} ({shape:?} {dtype}) on {} rank(s)",
                output.display(),
                comm.size()
            );
        }
        r
    };
    drop(universe);
    result
}

/// Shape and element type of the input, as rank 0 finds them (with every
/// check of the input's headers: a .dnpy set is checked as a whole): every
/// rank returns rank 0's verdict, so that no rank goes on alone.
fn describe_on_all(
    comm: &Comm,
    input: &[PathBuf],
    dataset: &str,
) -> Result<(Vec<usize>, DType), String> {
    use serde_json::{json, Value};
    let mine = if comm.rank() == 0 {
        let verdict = match describe(input, dataset) {
            Ok((shape, dtype)) => {
                let code = DType::ALL
                    .iter()
                    .position(|&d| d == dtype)
                    .expect("a dtype");
                json!({ "shape": shape, "dtype": code })
            }
            Err(e) => json!({ "error": e }),
        };
        serde_json::to_vec(&verdict).expect("JSON")
    } else {
        Vec::new()
    };
    let verdict: Value =
        serde_json::from_slice(&comm.broadcast_bytes(0, mine)).map_err(|e| e.to_string())?;
    if let Some(e) = verdict["error"].as_str() {
        return Err(e.to_string());
    }
    let shape = verdict["shape"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_u64())
                .map(|x| x as usize)
                .collect()
        })
        .ok_or("no shape from rank 0")?;
    let dtype = verdict["dtype"]
        .as_u64()
        .and_then(|i| DType::ALL.get(i as usize).copied())
        .ok_or("no dtype from rank 0")?;
    Ok((shape, dtype))
}

/// Shape and element type of the input.
fn describe(input: &[PathBuf], dataset: &str) -> Result<(Vec<usize>, DType), String> {
    let first = &input[0];
    match kind_of(first) {
        Kind::Npy => {
            let mut head = vec![0u8; 4096];
            use std::io::Read;
            let n = std::fs::File::open(first)
                .and_then(|mut f| f.read(&mut head))
                .map_err(|e| format!("{}: {e}", first.display()))?;
            let (h, _) = NpyHeader::parse(&head[..n], &first.display().to_string())
                .map_err(|e| e.to_string())?;
            Ok((h.shape, h.dtype))
        }
        Kind::Hdf5 => hdf5_describe(first, dataset),
        Kind::Dnpy => {
            let prefix = dnpy_prefix(input).expect("an input");
            let set = check_dnpy_set(&prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
            Ok((set[0].0.iter().map(|d| d.size).collect(), set[0].1.dtype))
        }
    }
}

#[cfg(feature = "hdf5")]
fn hdf5_describe(path: &Path, dataset: &str) -> Result<(Vec<usize>, DType), String> {
    let (shape, _, _) = distarray::io::hdf5_info(path, dataset).map_err(|e| e.to_string())?;
    Ok((
        shape,
        distarray::io::hdf5_dtype(path, dataset).map_err(|e| e.to_string())?,
    ))
}

#[cfg(not(feature = "hdf5"))]
fn hdf5_describe(path: &Path, _dataset: &str) -> Result<(Vec<usize>, DType), String> {
    Err(format!(
        "{}: this distarray was built without HDF5 support (feature `hdf5`)",
        path.display()
    ))
}

fn convert<T: Cell>(
    layout: &Layout,
    input: &[PathBuf],
    output: &Path,
    dataset: &str,
    order: Order,
) -> Result<(), String> {
    let first = &input[0];
    let a: DistArray<T> = match kind_of(first) {
        Kind::Npy => DistArray::load_npy(layout, first),
        Kind::Hdf5 => load_h5(layout, first, dataset),
        Kind::Dnpy => DistArray::load_dnpy_in(layout, dnpy_prefix(input).expect("an input")),
    }
    .map_err(|e| e.to_string())?;
    match kind_of(output) {
        Kind::Npy => a.save_npy(output, order),
        Kind::Hdf5 => save_h5(&a, output, dataset),
        Kind::Dnpy => a.save_dnpy(output),
    }
    .map_err(|e| e.to_string())
}

#[cfg(feature = "hdf5")]
fn load_h5<T: Cell>(
    layout: &Layout,
    path: &Path,
    dataset: &str,
) -> distarray::Result<DistArray<T>> {
    DistArray::load_hdf5(layout, path, dataset)
}
#[cfg(feature = "hdf5")]
fn save_h5<T: Cell>(a: &DistArray<T>, path: &Path, dataset: &str) -> distarray::Result<()> {
    a.save_hdf5(path, dataset, None)
}
#[cfg(not(feature = "hdf5"))]
fn load_h5<T: Cell>(_: &Layout, path: &Path, _: &str) -> distarray::Result<DistArray<T>> {
    Err(distarray::Error::InvalidArgument(format!(
        "{}: built without HDF5 support (feature `hdf5`)",
        path.display()
    )))
}
#[cfg(not(feature = "hdf5"))]
fn save_h5<T: Cell>(_: &DistArray<T>, path: &Path, _: &str) -> distarray::Result<()> {
    Err(distarray::Error::InvalidArgument(format!(
        "{}: built without HDF5 support (feature `hdf5`)",
        path.display()
    )))
}
