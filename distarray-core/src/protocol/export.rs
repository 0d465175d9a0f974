//! Exporting an array as a protocol description.

use super::json::buffer_to_json;
use super::{DimDict, VERSION};
use crate::array::DistArrayBase;
use crate::dtype::Element;
use ndarray::{ArrayViewD, Data};
use serde_json::{json, Value};

/// One rank's protocol description of an array: it borrows the buffer.
///
/// # Examples
///
/// ```
/// use distarray_core::map::DistType;
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let layout = Layout::new(&comm, &[6, 4], &[Dist::Block, Dist::BlockCyclic(2)]).unwrap();
/// let a = DistArray::<i32>::zeros(&layout);
/// let dap = a.to_dap();
/// assert_eq!(dap.version, "0.10.0");
/// assert_eq!(dap.buffer.shape(), layout.local_shape());
/// assert_eq!(dap.dim_data[1].dist_type, DistType::Cyclic);
/// assert_eq!(dap.dim_data[1].block_size, Some(2));
///
/// let json = dap.to_json(); // what Python's side reads
/// assert_eq!(json["buffer_dtype"], "int32");
/// assert_eq!(json["dim_data"][0]["dist_type"], "b");
/// ```
#[derive(Debug)]
pub struct DapExport<'a, T> {
    /// Always [`VERSION`].
    pub version: &'static str,
    /// This rank's buffer (padding included).
    pub buffer: ArrayViewD<'a, T>,
    /// One dictionary per axis.
    pub dim_data: Vec<DimDict>,
}

impl<T: Element> DapExport<'_, T> {
    /// `dim_data` as JSON (a list of objects with exactly the protocol's keys).
    pub fn dim_data_json(&self) -> Value {
        serde_json::to_value(&self.dim_data).expect("dimension dictionaries serialize")
    }

    /// The whole description as JSON: `__version__`, `dim_data`, the buffer
    /// as nested lists, `buffer_shape` and `buffer_dtype`.
    pub fn to_json(&self) -> Value {
        json!({
            "__version__": self.version,
            "buffer_dtype": T::DTYPE.numpy_name(),
            "buffer_shape": self.buffer.shape(),
            "buffer": buffer_to_json(&self.buffer),
            "dim_data": self.dim_data_json(),
        })
    }
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// This rank's protocol description (no communication, no copy).
    pub fn to_dap(&self) -> DapExport<'_, T> {
        let layout = self.layout();
        let dim_data = layout
            .maps()
            .iter()
            .zip(layout.grid().coords())
            .map(|(m, &p)| DimDict::of_map(m, p))
            .collect();
        DapExport {
            version: VERSION,
            buffer: self.local(),
            dim_data,
        }
    }
}
