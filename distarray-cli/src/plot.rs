//! `distarray plot`: a picture of which rank owns which cell.

use crate::dnpy_prefix;
use distarray::grid::rank_of;
use distarray::io::{check_dnpy_set, owned_globals};
use distarray::map::{AxisMap, BlockMap, CyclicMap};
use plotters::prelude::*;
use std::path::{Path, PathBuf};

const CELL: u32 = 24;

pub fn run(
    files: &[PathBuf],
    output: &Path,
    shape: Option<&str>,
    dist: Option<&str>,
    grid: Option<&str>,
) -> Result<(), String> {
    let owners = if files.is_empty() {
        from_spec(
            shape.ok_or("plot needs a .dnpy set or --shape")?,
            dist.unwrap_or("b"),
            grid,
        )?
    } else {
        from_set(&dnpy_prefix(files).expect("a file"))?
    };
    draw(&owners, output)?;
    let ranks = owners.cells.iter().copied().max().map_or(0, |m| m + 1);
    println!(
        "{}: {} x {} cells, {ranks} ranks (colour k = rank k)",
        output.display(),
        owners.rows,
        owners.cols
    );
    Ok(())
}

/// The owning rank of every cell, row-major.
struct Owners {
    rows: usize,
    cols: usize,
    cells: Vec<usize>,
}

fn dims(spec: &str) -> Result<Vec<usize>, String> {
    spec.split(['x', ','])
        .map(|s| {
            s.trim()
                .parse::<usize>()
                .map_err(|_| format!("bad size {s:?} in {spec:?}"))
        })
        .collect()
}

fn from_spec(shape: &str, dist: &str, grid: Option<&str>) -> Result<Owners, String> {
    let shape = dims(shape)?;
    if shape.is_empty() || shape.len() > 2 {
        return Err("plot draws 1-D and 2-D arrays".into());
    }
    let kinds: Vec<&str> = dist.split(',').map(str::trim).collect();
    if kinds.len() != shape.len() {
        return Err(format!(
            "--dist needs one kind per axis ({} given for {} axes)",
            kinds.len(),
            shape.len()
        ));
    }
    let grid = match grid {
        Some(g) => dims(g)?,
        None => kinds
            .iter()
            .map(|k| if *k == "n" { 1 } else { 2 })
            .collect(),
    };
    if grid.len() != shape.len() {
        return Err("--grid needs one size per axis".into());
    }
    let maps = shape
        .iter()
        .zip(&grid)
        .zip(&kinds)
        .map(|((&n, &p), &k)| -> Result<AxisMap, String> {
            Ok(match k {
                "b" => AxisMap::Block(BlockMap::regular(n, p)),
                "n" => AxisMap::not_distributed(n),
                "c" => AxisMap::Cyclic(CyclicMap::new(n, p, 1).map_err(|e| e.to_string())?),
                k if k.starts_with("bc") => {
                    let b = k[2..]
                        .parse()
                        .map_err(|_| format!("bad block size in {k:?}"))?;
                    AxisMap::Cyclic(CyclicMap::new(n, p, b).map_err(|e| e.to_string())?)
                }
                other => return Err(format!("unknown distribution {other:?} (b, c, bcN, n)")),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (rows, cols) = if shape.len() == 1 {
        (1, shape[0])
    } else {
        (shape[0], shape[1])
    };
    let mut cells = Vec::with_capacity(rows * cols);
    for i in 0..rows {
        for j in 0..cols {
            let ix: Vec<usize> = if shape.len() == 1 {
                vec![j]
            } else {
                vec![i, j]
            };
            let coords: Vec<usize> = maps
                .iter()
                .zip(&ix)
                .map(|(m, &g)| m.owner(g).expect("structured").0)
                .collect();
            cells.push(rank_of(&grid, &coords));
        }
    }
    Ok(Owners { rows, cols, cells })
}

fn from_set(prefix: &Path) -> Result<Owners, String> {
    let set = check_dnpy_set(prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
    let shape: Vec<usize> = set[0].0.iter().map(|d| d.size).collect();
    if shape.is_empty() || shape.len() > 2 {
        return Err("plot draws 1-D and 2-D arrays".into());
    }
    let (rows, cols) = if shape.len() == 1 {
        (1, shape[0])
    } else {
        (shape[0], shape[1])
    };
    let mut cells = vec![usize::MAX; rows * cols];
    for (r, (d, npy)) in set.iter().enumerate() {
        let axes: Vec<Vec<usize>> = d
            .iter()
            .zip(&npy.shape)
            .map(|(dd, &n)| owned_globals(dd, n))
            .collect();
        if shape.len() == 1 {
            for &j in &axes[0] {
                cells[j] = cells[j].min(r);
            }
        } else {
            for &i in &axes[0] {
                for &j in &axes[1] {
                    cells[i * cols + j] = cells[i * cols + j].min(r);
                }
            }
        }
    }
    Ok(Owners { rows, cols, cells })
}

fn draw(o: &Owners, output: &Path) -> Result<(), String> {
    let size = (o.cols as u32 * CELL + 2, o.rows as u32 * CELL + 2);
    let err = |e: String| format!("{}: {e}", output.display());
    match output.extension().and_then(|e| e.to_str()) {
        Some("svg") => paint(&SVGBackend::new(output, size).into_drawing_area(), o).map_err(err),
        Some("png") => paint(&BitMapBackend::new(output, size).into_drawing_area(), o).map_err(err),
        _ => Err(format!(
            "{}: the picture must be .png or .svg",
            output.display()
        )),
    }
}

fn paint<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    o: &Owners,
) -> Result<(), String> {
    area.fill(&WHITE).map_err(|e| e.to_string())?;
    for i in 0..o.rows {
        for j in 0..o.cols {
            let r = o.cells[i * o.cols + j];
            let (x, y) = (j as i32 * CELL as i32 + 1, i as i32 * CELL as i32 + 1);
            let colour = if r == usize::MAX {
                WHITE.to_rgba()
            } else {
                Palette99::pick(r).to_rgba()
            };
            let cell = [(x, y), (x + CELL as i32 - 1, y + CELL as i32 - 1)];
            area.draw(&Rectangle::new(cell, colour.filled()))
                .map_err(|e| e.to_string())?;
            area.draw(&Rectangle::new(cell, BLACK.stroke_width(1)))
                .map_err(|e| e.to_string())?;
        }
    }
    area.present().map_err(|e| e.to_string())
}
