//! A Zarr v3 array's metadata (`zarr.json`) read as JSON, without zarrs:
//! what [`open`](crate::io::open) reports in any build.

use crate::dtype::DType;
use crate::error::Result;
use crate::io::io_err;
use serde_json::Value;
use std::path::Path;

/// The attribute of a Zarr array that records the layout it was saved
/// from: `{"ranks": p, "dim_data": [per rank, its dimension dictionaries],
/// "buffer_shapes": [per rank, its buffer shape]}`.
pub const ZARR_LAYOUT_ATTRIBUTE: &str = "distarray_layout";

/// What `zarr.json` says about an array.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ZarrJson {
    pub shape: Vec<usize>,
    pub dtype: DType,
    /// The regular chunk grid's chunk shape (`None`: another grid).
    pub chunk_shape: Option<Vec<usize>>,
    /// The `distarray_layout` attribute, when there is one.
    pub saved_layout: Option<Value>,
    /// Whether each chunk is stored as its raw little-endian bytes (the
    /// `bytes` codec alone, no storage transformer): then loads read chunk
    /// files straight into the array.
    pub raw: bool,
}

/// Whether `path` is a Zarr v3 array: a directory whose `zarr.json` says
/// `"node_type": "array"`.
///
/// # Examples
///
/// ```
/// let dir = std::env::temp_dir().join(format!("distarray-doc-iszarr-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// assert!(!distarray_core::io::is_zarr_array(&dir));
/// std::fs::write(dir.join("zarr.json"), r#"{"zarr_format": 3, "node_type": "array"}"#).unwrap();
/// assert!(distarray_core::io::is_zarr_array(&dir));
/// ```
pub fn is_zarr_array(path: impl AsRef<Path>) -> bool {
    std::fs::read(path.as_ref().join("zarr.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .is_some_and(|v| v["node_type"] == "array")
}

/// Reads and checks `dir/zarr.json`: a Zarr v3 array of one of
/// distarray's element types.
pub(crate) fn read_zarr_json(dir: &Path) -> Result<ZarrJson> {
    let file = dir.join("zarr.json");
    let bytes = std::fs::read(&file).map_err(|e| io_err(&file, e))?;
    let v: Value = serde_json::from_slice(&bytes)
        .map_err(|e| io_err(&file, format!("corrupt Zarr metadata: {e}")))?;
    if v["zarr_format"] != 3 {
        return Err(io_err(
            &file,
            format!("not Zarr v3 metadata (zarr_format {})", v["zarr_format"]),
        ));
    }
    if v["node_type"] != "array" {
        return Err(io_err(
            &file,
            format!(
                "a Zarr {} (node_type), not an array: open one of its arrays",
                v["node_type"]
            ),
        ));
    }
    let usizes = |x: &Value| -> Option<Vec<usize>> { serde_json::from_value(x.clone()).ok() };
    let shape = usizes(&v["shape"]).ok_or_else(|| {
        io_err(
            &file,
            format!("corrupt Zarr metadata: shape {}", v["shape"]),
        )
    })?;
    let name = v["data_type"].as_str().unwrap_or("");
    let dtype = DType::from_numpy_name(name).ok_or_else(|| {
        io_err(
            &file,
            format!("holds {}, not an element type of distarray", v["data_type"]),
        )
    })?;
    let grid = &v["chunk_grid"];
    let chunk_shape = (grid["name"] == "regular")
        .then(|| usizes(&grid["configuration"]["chunk_shape"]))
        .flatten();
    let saved_layout = v["attributes"]
        .get(ZARR_LAYOUT_ATTRIBUTE)
        .filter(|l| l.is_object())
        .cloned();
    let codecs = v["codecs"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let raw = matches!(codecs, [c] if c["name"] == "bytes"
        && matches!(c["configuration"]["endian"].as_str(), None | Some("little")))
        && v["storage_transformers"]
            .as_array()
            .is_none_or(|t| t.is_empty());
    Ok(ZarrJson {
        shape,
        dtype,
        chunk_shape,
        saved_layout,
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_checked_and_read() {
        let dir = std::env::temp_dir().join(format!("distarray-zarr-meta-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let e = read_zarr_json(&dir).unwrap_err().to_string();
        assert!(e.contains("zarr.json"), "{e}");
        let write = |s: &str| std::fs::write(dir.join("zarr.json"), s).unwrap();
        write("{not json");
        let e = read_zarr_json(&dir).unwrap_err().to_string();
        assert!(e.contains("corrupt Zarr metadata"), "{e}");
        write(r#"{"zarr_format": 2, "node_type": "array"}"#);
        assert!(read_zarr_json(&dir)
            .unwrap_err()
            .to_string()
            .contains("not Zarr v3"));
        write(r#"{"zarr_format": 3, "node_type": "group"}"#);
        assert!(read_zarr_json(&dir)
            .unwrap_err()
            .to_string()
            .contains("not an array"));
        assert!(!is_zarr_array(&dir));
        write(
            r#"{"zarr_format": 3, "node_type": "array", "shape": [4, 3], "data_type": "uint16",
               "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2, 3]}}}"#,
        );
        let e = read_zarr_json(&dir).unwrap_err().to_string();
        assert!(e.contains("not an element type of distarray"), "{e}");
        write(
            r#"{"zarr_format": 3, "node_type": "array", "shape": [4, 3], "data_type": "complex64",
               "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2, 3]}},
               "attributes": {"distarray_layout": {"ranks": 1}}}"#,
        );
        let m = read_zarr_json(&dir).unwrap();
        assert_eq!((m.shape, m.dtype), (vec![4, 3], DType::C64));
        assert_eq!(m.chunk_shape, Some(vec![2, 3]));
        assert_eq!(m.saved_layout.unwrap()["ranks"], 1);
        assert!(!m.raw);
        write(
            r#"{"zarr_format": 3, "node_type": "array", "shape": [4], "data_type": "int32",
               "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2]}},
               "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}]}"#,
        );
        assert!(read_zarr_json(&dir).unwrap().raw);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
