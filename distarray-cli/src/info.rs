//! `distarray info`: what a file or a .dnpy set holds, without MPI
//! (`io::open`: headers only).

use distarray::io::{
    dnpy_path, FileInfo, Format, Order, PetscBinaryFile, PetscObject, StoredLayout,
};
use distarray::DistType;
use serde_json::{json, Value};
use std::path::PathBuf;

pub fn run(files: &[PathBuf], as_json: bool, dataset: Option<&str>) -> Result<(), String> {
    let first = files.first().ok_or("info needs a file or a .dnpy prefix")?;
    let info = crate::open_input(first, dataset).map_err(|e| e.to_string())?;
    let report = describe(&info);
    if as_json {
        println!("{}", serde_json::to_string_pretty(&report).expect("JSON"));
    } else {
        print_text(&report);
    }
    Ok(())
}

/// The report (the JSON of `--json`).
fn describe(info: &FileInfo) -> Value {
    let file = info.path.display().to_string();
    let dtype = info.dtype.numpy_name();
    match &info.format {
        Format::Dnpy { ranks } => {
            let (dim_data, buffer_shapes) = match &info.stored_layout {
                Some(StoredLayout::Dnpy {
                    dim_data,
                    buffer_shapes,
                }) => (dim_data.as_slice(), buffer_shapes.as_slice()),
                _ => (&[][..], &[][..]),
            };
            let dims0 = dim_data.first().map_or(&[][..], Vec::as_slice);
            let ranks_json: Vec<Value> = dim_data
                .iter()
                .zip(buffer_shapes)
                .enumerate()
                .map(|(r, (dims, shape))| {
                    json!({"rank": r, "file": dnpy_path(&info.path, r).display().to_string(), "buffer_shape": shape, "dim_data": serde_json::to_value(dims).expect("JSON")})
                })
                .collect();
            json!({
                "prefix": file, "format": "dnpy", "nprocs": ranks,
                "shape": info.shape,
                "grid": dims0.iter().map(|d| d.proc_grid_size).collect::<Vec<_>>(),
                "dist": dims0.iter().map(dist_code).collect::<Vec<_>>(), "dtype": dtype, "ranks": ranks_json,
            })
        }
        Format::Hdf5 { dataset } => {
            let layout = match &info.stored_layout {
                Some(StoredLayout::Hdf5(l)) => l.clone(),
                _ => Value::Null,
            };
            json!({"file": file, "format": "hdf5", "dataset": dataset, "shape": info.shape, "dtype": dtype, "saved_layout": layout})
        }
        Format::Zarr { chunk_shape } => {
            let layout = match &info.stored_layout {
                Some(StoredLayout::Zarr(l)) => l.clone(),
                _ => Value::Null,
            };
            json!({"file": file, "format": "zarr", "shape": info.shape, "dtype": dtype,
                   "chunks": chunk_shape, "saved_layout": layout})
        }
        Format::Npy => {
            json!({"file": file, "format": "npy", "shape": info.shape, "dtype": dtype,
                  "order": if info.order == Order::Fortran { "F" } else { "C" }})
        }
        Format::PetscVec { index } | Format::PetscMat { index, .. } => {
            // every object of the file (io::open describes the first)
            let objects: Vec<Value> = PetscBinaryFile::open(&info.path)
                .map(|f| f.objects)
                .unwrap_or_default()
                .iter()
                .map(|o| match o {
                    PetscObject::Mat { nnz, .. } => {
                        json!({"class": "Mat", "shape": o.shape(), "nnz": nnz, "offset": o.offset()})
                    }
                    _ => json!({"class": "Vec", "shape": o.shape(), "offset": o.offset()}),
                })
                .collect();
            json!({"file": file, "format": "petsc", "shape": info.shape, "dtype": dtype,
                   "index_bits": 8 * index.bytes(), "objects": objects})
        }
        other => {
            json!({"file": file, "format": other.to_string(), "shape": info.shape, "dtype": dtype})
        }
    }
}

/// An axis' distribution as `plot --dist` spells it.
fn dist_code(d: &distarray::protocol::DimDict) -> String {
    match d.dist_type {
        DistType::Block if d.proc_grid_size == 1 && d.padding.is_none_or(|p| p == [0, 0]) => {
            "n".to_string()
        }
        DistType::Block => "b".to_string(),
        DistType::Cyclic if d.block_size_or_one() > 1 => format!("bc{}", d.block_size_or_one()),
        DistType::Cyclic => "c".to_string(),
        DistType::Unstructured => "u".to_string(),
    }
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
        Some("petsc") => {
            println!(
                "{}: PETSc binary file ({} scalars, {}-bit indices)",
                r["file"].as_str().unwrap_or(""),
                r["dtype"].as_str().unwrap_or(""),
                field("index_bits")
            );
            for (k, o) in r["objects"].as_array().into_iter().flatten().enumerate() {
                let nnz = o
                    .get("nnz")
                    .map(|n| format!("  nnz {n}"))
                    .unwrap_or_default();
                println!(
                    "  object {k}: {}  shape {}{nnz}  at byte {}",
                    o["class"].as_str().unwrap_or(""),
                    o["shape"],
                    o["offset"]
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
            if let Some(d) = r["dataset"].as_str() {
                println!("  dataset {d}");
            }
            if let Some(c) = r.get("chunks").filter(|c| !c.is_null()) {
                println!("  chunks {c}");
            }
            if let Some(o) = r.get("order") {
                println!("  order {o}");
            }
            if let Some(l) = r.get("saved_layout").filter(|l| !l.is_null()) {
                println!("  saved layout {l}");
            }
        }
    }
}
