//! `distarray info`: what a file or a .dnpy set holds, without MPI.

use crate::{dnpy_prefix, kind_of, Kind};
use distarray::io::{check_dnpy_set, dnpy_path, NpyHeader};
use distarray::{DistType, Error};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

pub fn run(files: &[PathBuf], as_json: bool, dataset: &str) -> Result<(), String> {
    let first = files.first().ok_or("info needs a file or a .dnpy prefix")?;
    let report = match kind_of(first) {
        Kind::Npy => npy(first)?,
        Kind::Hdf5 => hdf5(first, dataset)?,
        Kind::Dnpy => dnpy(&dnpy_prefix(files).expect("a first file"))?,
    };
    if as_json {
        println!("{}", serde_json::to_string_pretty(&report).expect("JSON"));
    } else {
        print_text(&report);
    }
    Ok(())
}

fn npy(path: &Path) -> Result<Value, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (h, off) =
        NpyHeader::parse(&bytes, &path.display().to_string()).map_err(|e| e.to_string())?;
    if bytes.len() < off + h.data_len() {
        return Err(format!(
            "{}: truncated: {} data bytes, the header announces {}",
            path.display(),
            bytes.len() - off,
            h.data_len()
        ));
    }
    Ok(
        json!({"file": path.display().to_string(), "format": "npy", "shape": h.shape, "dtype": h.dtype.numpy_name(),
              "order": if h.fortran_order { "F" } else { "C" }}),
    )
}

#[cfg(feature = "hdf5")]
fn hdf5(path: &Path, dataset: &str) -> Result<Value, String> {
    let (shape, raw_dtype, layout) =
        distarray::io::hdf5_info(path, dataset).map_err(|e| e.to_string())?;
    let dtype = distarray::io::hdf5_dtype(path, dataset)
        .map(|d| d.numpy_name().to_string())
        .unwrap_or(raw_dtype);
    let layout: Value = layout
        .and_then(|l| serde_json::from_str(&l).ok())
        .unwrap_or(Value::Null);
    Ok(
        json!({"file": path.display().to_string(), "format": "hdf5", "dataset": dataset, "shape": shape, "dtype": dtype, "saved_layout": layout}),
    )
}

#[cfg(not(feature = "hdf5"))]
fn hdf5(path: &Path, _dataset: &str) -> Result<Value, String> {
    Err(format!(
        "{}: this distarray was built without HDF5 support (feature `hdf5`)",
        path.display()
    ))
}

fn dnpy(prefix: &Path) -> Result<Value, String> {
    let set = check_dnpy_set(prefix).map_err(|e| match &e {
        Error::Protocol { rank: Some(r), .. } => {
            format!("{}: {e}", dnpy_path(prefix, *r).display())
        }
        _ => e.to_string(),
    })?;
    let (dims0, npy0) = &set[0];
    let dist: Vec<String> = dims0
        .iter()
        .map(|d| match d.dist_type {
            DistType::Block if d.proc_grid_size == 1 && d.padding.is_none_or(|p| p == [0, 0]) => {
                "n".to_string()
            }
            DistType::Block => "b".to_string(),
            DistType::Cyclic if d.block_size_or_one() > 1 => format!("bc{}", d.block_size_or_one()),
            DistType::Cyclic => "c".to_string(),
            DistType::Unstructured => "u".to_string(),
        })
        .collect();
    let ranks: Vec<Value> = set
        .iter()
        .enumerate()
        .map(|(r, (dims, npy))| {
            json!({"rank": r, "file": dnpy_path(prefix, r).display().to_string(), "buffer_shape": npy.shape, "dim_data": serde_json::to_value(dims).expect("JSON")})
        })
        .collect();
    Ok(json!({
        "prefix": prefix.display().to_string(), "format": "dnpy", "nprocs": set.len(),
        "shape": dims0.iter().map(|d| d.size).collect::<Vec<_>>(),
        "grid": dims0.iter().map(|d| d.proc_grid_size).collect::<Vec<_>>(),
        "dist": dist, "dtype": npy0.dtype.numpy_name(), "ranks": ranks,
    }))
}

fn print_text(r: &Value) {
    let field = |k: &str| r.get(k).map(|v| v.to_string()).unwrap_or_default();
    match r["format"].as_str() {
        Some("dnpy") => {
            println!(
                "{}: .dnpy set of {} files",
                r["prefix"].as_str().unwrap_or(""),
                field("nprocs")
            );
            println!(
                "  shape {}  dtype {}  grid {}  dist {}",
                field("shape"),
                r["dtype"].as_str().unwrap_or(""),
                field("grid"),
                field("dist")
            );
            for rank in r["ranks"].as_array().into_iter().flatten() {
                println!(
                    "  rank {} buffer {}: {}",
                    rank["rank"], rank["buffer_shape"], rank["dim_data"]
                );
            }
        }
        _ => {
            println!(
                "{}: {}",
                r["file"].as_str().unwrap_or(""),
                r["format"].as_str().unwrap_or("")
            );
            println!(
                "  shape {}  dtype {}",
                field("shape"),
                r["dtype"].as_str().unwrap_or("")
            );
            if let Some(o) = r.get("order") {
                println!("  order {o}");
            }
            if let Some(l) = r.get("saved_layout").filter(|l| !l.is_null()) {
                println!("  saved layout {l}");
            }
        }
    }
}
