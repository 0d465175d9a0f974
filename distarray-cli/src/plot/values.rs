//! The values of an array file as `f64`, whatever its element type, and
//! the 2-D plane of them a heatmap draws.
//!
//! [`read_values`] is the one place that reads data; it can become a call
//! of the core's `io::open` once that tells a file's element type.

use crate::{dnpy_prefix, kind_of, Kind};
use distarray::io::{
    check_dnpy_set, dnpy_path, from_bytes, owned_globals, read_dnpy_header, NpyHeader,
};
use distarray::num_complex::{Complex32, Complex64};
use distarray::{DType, DistType, Element, Error};
use std::path::Path;

/// An element as a number to colour: booleans 0/1, complex numbers their
/// magnitude.
pub trait Shade: Element {
    /// The number.
    fn shade(self) -> f64;
}

macro_rules! shade_as {
    ($($t:ty),*) => {$(impl Shade for $t { fn shade(self) -> f64 { self as f64 } })*};
}
shade_as!(u8, i32, i64, f32, f64);

impl Shade for bool {
    fn shade(self) -> f64 {
        u8::from(self).into()
    }
}
impl Shade for Complex32 {
    fn shade(self) -> f64 {
        self.norm().into()
    }
}
impl Shade for Complex64 {
    fn shade(self) -> f64 {
        self.norm()
    }
}

/// Reads a whole array file: its shape and its values in C order, as
/// `f64` (see [`Shade`]). `path` is an `.npy` file, a `.dnpy` set (its
/// prefix or one of its files) or, with the `hdf5` feature, an `.h5` file
/// (`dataset` names the dataset).
pub fn read_values(path: &Path, dataset: &str) -> Result<(Vec<usize>, Vec<f64>), String> {
    match kind_of(path) {
        Kind::Npy => npy_values(path),
        Kind::Dnpy => dnpy_values(
            &dnpy_prefix(&[path.to_path_buf()])
                .ok_or_else(|| format!("{}: not a file or a set's prefix", path.display()))?,
        ),
        Kind::Hdf5 => hdf5_values(path, dataset),
        Kind::Zarr => Err(format!(
            "{}: plot --values does not read Zarr arrays yet; `distarray convert` it to .npy first",
            path.display()
        )),
    }
}

/// Little-endian elements of `dtype` as shades.
fn decode(dtype: DType, bytes: &[u8], what: &str) -> Result<Vec<f64>, String> {
    fn each<T: Shade>(bytes: &[u8], what: &str) -> Result<Vec<f64>, String> {
        let mut v = vec![T::default(); bytes.len() / T::DTYPE.itemsize()];
        from_bytes(bytes, &mut v, what).map_err(|e| e.to_string())?;
        Ok(v.into_iter().map(Shade::shade).collect())
    }
    match dtype {
        DType::Bool => each::<bool>(bytes, what),
        DType::U8 => each::<u8>(bytes, what),
        DType::I32 => each::<i32>(bytes, what),
        DType::I64 => each::<i64>(bytes, what),
        DType::F32 => each::<f32>(bytes, what),
        DType::F64 => each::<f64>(bytes, what),
        DType::C64 => each::<Complex32>(bytes, what),
        DType::C128 => each::<Complex64>(bytes, what),
    }
}

/// The data of an `.npy` stream (header `h`, data from `off`) in C order.
fn npy_data(bytes: &[u8], h: &NpyHeader, off: usize, what: &str) -> Result<Vec<f64>, String> {
    let have = bytes.len().saturating_sub(off);
    if have != h.data_len() {
        return Err(format!(
            "{what}: truncated or padded: {have} data bytes, the header announces {}",
            h.data_len()
        ));
    }
    let flat = decode(h.dtype, &bytes[off..], what)?;
    Ok(if h.fortran_order {
        fortran_to_c(&flat, &h.shape)
    } else {
        flat
    })
}

/// Values stored in Fortran order, in C order.
fn fortran_to_c(flat: &[f64], shape: &[usize]) -> Vec<f64> {
    let mut fstride = vec![1; shape.len()];
    for k in 1..shape.len() {
        fstride[k] = fstride[k - 1] * shape[k - 1];
    }
    let mut out = Vec::with_capacity(flat.len());
    let mut ix = vec![0; shape.len()];
    for _ in 0..flat.len() {
        out.push(flat[ix.iter().zip(&fstride).map(|(i, s)| i * s).sum::<usize>()]);
        for k in (0..shape.len()).rev() {
            ix[k] += 1;
            if ix[k] < shape[k] {
                break;
            }
            ix[k] = 0;
        }
    }
    out
}

fn npy_values(path: &Path) -> Result<(Vec<usize>, Vec<f64>), String> {
    let what = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("{what}: {e}"))?;
    let (h, off) = NpyHeader::parse(&bytes, &what).map_err(|e| e.to_string())?;
    let values = npy_data(&bytes, &h, off, &what)?;
    Ok((h.shape, values))
}

/// A set's values: the set checked as a whole, then each file's owned
/// cells (not its communication padding) put in their global places.
fn dnpy_values(prefix: &Path) -> Result<(Vec<usize>, Vec<f64>), String> {
    let set = check_dnpy_set(prefix).map_err(|e| match &e {
        Error::Protocol { rank: Some(r), .. } => {
            format!("{}: {e}", dnpy_path(prefix, *r).display())
        }
        _ => format!("{}: {e}", prefix.display()),
    })?;
    let shape: Vec<usize> = set[0].0.iter().map(|d| d.size).collect();
    let mut stride = vec![1; shape.len()];
    for k in (0..shape.len().saturating_sub(1)).rev() {
        stride[k] = stride[k + 1] * shape[k + 1];
    }
    let mut values = vec![f64::NAN; shape.iter().product()];
    for (r, (dims, _)) in set.iter().enumerate() {
        let path = dnpy_path(prefix, r);
        let what = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|e| format!("{what}: {e}"))?;
        let (_, _, h, off) = read_dnpy_header(&bytes, &what).map_err(|e| e.to_string())?;
        let local = npy_data(&bytes, &h, off, &what)?;
        // per axis: (position in the buffer, global index) of owned cells
        let axes: Vec<Vec<(usize, usize)>> = dims
            .iter()
            .zip(&h.shape)
            .map(|(d, &n)| {
                let globals = owned_globals(d, n);
                match d.dist_type {
                    DistType::Block => {
                        let start = d.start.unwrap_or(0);
                        globals.into_iter().map(|g| (g - start, g)).collect()
                    }
                    _ => globals.into_iter().enumerate().collect(),
                }
            })
            .collect();
        let mut lstride = vec![1; h.shape.len()];
        for k in (0..h.shape.len().saturating_sub(1)).rev() {
            lstride[k] = lstride[k + 1] * h.shape[k + 1];
        }
        if axes.iter().any(Vec::is_empty) {
            continue;
        }
        let mut pick = vec![0; axes.len()];
        loop {
            let (mut l, mut g) = (0, 0);
            for (k, &p) in pick.iter().enumerate() {
                l += axes[k][p].0 * lstride[k];
                g += axes[k][p].1 * stride[k];
            }
            values[g] = local[l];
            let mut k = axes.len();
            loop {
                if k == 0 {
                    break;
                }
                k -= 1;
                pick[k] += 1;
                if pick[k] < axes[k].len() {
                    break;
                }
                pick[k] = 0;
            }
            if pick.iter().all(|&p| p == 0) {
                break;
            }
        }
    }
    Ok((shape, values))
}

#[cfg(feature = "hdf5")]
fn hdf5_values(path: &Path, dataset: &str) -> Result<(Vec<usize>, Vec<f64>), String> {
    use distarray::{Comm, DistArray, Layout};
    fn load<T: Shade + distarray::io::H5Element>(
        layout: &Layout,
        path: &Path,
        dataset: &str,
    ) -> Result<Vec<f64>, String> {
        let a = DistArray::<T>::load_hdf5(layout, path, dataset).map_err(|e| e.to_string())?;
        Ok(a.local().iter().map(|&x| x.shade()).collect())
    }
    let what = format!("{}:{dataset}", path.display());
    let (shape, _, _) =
        distarray::io::hdf5_info(path, dataset).map_err(|e| format!("{what}: {e}"))?;
    let dtype = distarray::io::hdf5_dtype(path, dataset).map_err(|e| format!("{what}: {e}"))?;
    let universe = distarray::mpi::initialize().ok_or("MPI was already initialized")?;
    let values = {
        let comm = Comm::world();
        if comm.size() != 1 {
            return Err("plot runs on one process (not under mpiexec)".into());
        }
        let layout = Layout::block(&comm, &shape).map_err(|e| e.to_string())?;
        match dtype {
            DType::Bool => load::<bool>(&layout, path, dataset),
            DType::U8 => load::<u8>(&layout, path, dataset),
            DType::I32 => load::<i32>(&layout, path, dataset),
            DType::I64 => load::<i64>(&layout, path, dataset),
            DType::F32 => load::<f32>(&layout, path, dataset),
            DType::F64 => load::<f64>(&layout, path, dataset),
            DType::C64 => load::<Complex32>(&layout, path, dataset),
            DType::C128 => load::<Complex64>(&layout, path, dataset),
        }
    };
    drop(universe);
    Ok((shape, values?))
}

#[cfg(not(feature = "hdf5"))]
fn hdf5_values(path: &Path, _dataset: &str) -> Result<(Vec<usize>, Vec<f64>), String> {
    Err(format!(
        "{}: this distarray was built without HDF5 support (feature `hdf5`)",
        path.display()
    ))
}

/// A 2-D plane of values: a 2-D array, or a slice of a 3-D one.
#[derive(Debug, Clone, PartialEq)]
pub struct Plane {
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// The array axes of the rows and the columns.
    pub axes: (usize, usize),
    /// `[:, 2, :]` for a slice, empty for a 2-D array.
    pub slice: String,
    /// Values, row-major.
    pub values: Vec<f64>,
}

/// Parses `--slice AXIS=INDEX` (a negative index counts from the end).
pub fn parse_slice(spec: &str) -> Result<(usize, i64), String> {
    let bad = || format!("--slice {spec:?}: expected AXIS=INDEX, e.g. 0=2 or 2=-1");
    let (a, i) = spec.split_once('=').ok_or_else(bad)?;
    Ok((
        a.trim().parse().map_err(|_| bad())?,
        i.trim().parse().map_err(|_| bad())?,
    ))
}

/// The plane a heatmap draws: the whole of a 2-D array, or the slice
/// `--slice AXIS=INDEX` of a 3-D one (required there). Other shapes, and
/// slices out of range, are refused with a message naming `name`.
///
/// # Examples
///
/// ```
/// use distarray_cli::plot::values::plane;
/// let v: Vec<f64> = (0..24).map(f64::from).collect();
/// let p = plane("t.npy", &[2, 3, 4], &v, Some("1=-1")).unwrap();
/// assert_eq!((p.rows, p.cols, p.slice.as_str()), (2, 4, "[:, 2, :]"));
/// assert_eq!(p.values[..4], [8.0, 9.0, 10.0, 11.0]);
/// assert!(plane("t.npy", &[2, 3, 4], &v, Some("1=3")).is_err());
/// ```
pub fn plane(
    name: &str,
    shape: &[usize],
    values: &[f64],
    slice: Option<&str>,
) -> Result<Plane, String> {
    match (shape, slice) {
        (&[rows, cols], None) => Ok(Plane {
            rows,
            cols,
            axes: (0, 1),
            slice: String::new(),
            values: values.to_vec(),
        }),
        (&[_, _], Some(_)) => Err(format!(
            "{name} is 2-D (shape {shape:?}): --slice is for 3-D arrays"
        )),
        (&[_, _, _], None) => Err(format!(
            "{name} is 3-D (shape {shape:?}): choose the plane to draw with --slice AXIS=INDEX, \
             e.g. --slice 0={}",
            shape[0] / 2
        )),
        (&[_, _, _], Some(spec)) => {
            let (axis, index) = parse_slice(spec)?;
            if axis > 2 {
                return Err(format!(
                    "--slice {spec}: {name} has axes 0, 1 and 2 (shape {shape:?})"
                ));
            }
            let n = shape[axis] as i64;
            let at = if index < 0 { index + n } else { index };
            if !(0..n).contains(&at) {
                return Err(format!(
                    "--slice {spec}: index {index} is out of range for axis {axis} of {name}, \
                     which has {n} indices (0..={}, or -{n}..=-1)",
                    n - 1
                ));
            }
            let at = at as usize;
            let keep: Vec<usize> = (0..3).filter(|&k| k != axis).collect();
            let (rows, cols) = (shape[keep[0]], shape[keep[1]]);
            let mut out = Vec::with_capacity(rows * cols);
            for i in 0..rows {
                for j in 0..cols {
                    let mut ix = [0; 3];
                    ix[axis] = at;
                    ix[keep[0]] = i;
                    ix[keep[1]] = j;
                    out.push(values[(ix[0] * shape[1] + ix[1]) * shape[2] + ix[2]]);
                }
            }
            let mut parts = [":".to_string(), ":".to_string(), ":".to_string()];
            parts[axis] = at.to_string();
            Ok(Plane {
                rows,
                cols,
                axes: (keep[0], keep[1]),
                slice: format!("[{}]", parts.join(", ")),
                values: out,
            })
        }
        _ => Err(format!(
            "plot --values draws a 2-D array, or a 2-D slice of a 3-D one (--slice AXIS=INDEX); \
             {name} is {}-D (shape {shape:?})",
            shape.len()
        )),
    }
}
