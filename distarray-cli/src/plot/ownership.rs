//! Ownership pictures: which rank owns which cell of a 1-D or 2-D array,
//! from a `.dnpy` set or from a shape, distribution and grid.

use super::colour::{rank_colour, Rgb, WHITE};
use super::plan::{Draft, Geometry, Panel, Plan};
use distarray::grid::{coords_of, rank_of};
use distarray::io::{check_dnpy_set, dnpy_path, owned_globals};
use distarray::map::{AxisMap, BlockMap, CyclicMap};
use distarray::{DistType, Error};
use std::path::Path;

/// The owning rank of every cell, row-major, and what the layout is.
#[derive(Debug, Clone, PartialEq)]
pub struct Owners {
    /// The set's name, when drawn from a set.
    pub name: Option<String>,
    /// The array's shape (1 or 2 axes).
    pub shape: Vec<usize>,
    /// Each axis's distribution ("block", "cyclic", "block-cyclic 3", ...).
    pub dists: Vec<String>,
    /// The process grid.
    pub grid: Vec<usize>,
    /// The owning rank of each cell, row-major (`usize::MAX`: none).
    pub cells: Vec<usize>,
}

impl Owners {
    /// The number of ranks (every grid position, owning cells or not).
    pub fn ranks(&self) -> usize {
        self.grid.iter().product::<usize>().max(1)
    }

    /// Rows and columns as drawn (a 1-D array is one row).
    pub fn rows_cols(&self) -> (usize, usize) {
        match self.shape[..] {
            [n] => (1, n),
            [r, c] => (r, c),
            _ => unreachable!("checked on construction"),
        }
    }
}

/// Sizes separated by `x` or `,` ("8x10").
pub fn dims(spec: &str) -> Result<Vec<usize>, String> {
    spec.split(['x', ','])
        .map(|s| {
            s.trim()
                .parse::<usize>()
                .map_err(|_| format!("bad size {s:?} in {spec:?}"))
        })
        .collect()
}

fn one_or_two_axes(shape: &[usize]) -> Result<(), String> {
    if shape.is_empty() || shape.len() > 2 {
        return Err(format!(
            "plot draws the owners of 1-D and 2-D arrays; this one has shape {shape:?}"
        ));
    }
    Ok(())
}

/// Owners from `--shape 8x10 --dist b,c --grid 2x2` (dist: block on
/// every axis when not given; grid: 2 per distributed axis).
///
/// # Examples
///
/// ```
/// use distarray_cli::plot::ownership::from_spec;
/// let o = from_spec("2x4", Some("n,c"), Some("1x2")).unwrap();
/// assert_eq!(o.cells, [0, 1, 0, 1, 0, 1, 0, 1]);
/// assert_eq!(o.dists, ["undistributed", "cyclic"]);
/// ```
pub fn from_spec(shape: &str, dist: Option<&str>, grid: Option<&str>) -> Result<Owners, String> {
    let shape = dims(shape)?;
    one_or_two_axes(&shape)?;
    let kinds: Vec<&str> = match dist {
        Some(d) => d.split(',').map(str::trim).collect(),
        None => vec!["b"; shape.len()],
    };
    if kinds.len() != shape.len() {
        return Err(format!(
            "--dist needs one kind per axis ({} given for {} axes)",
            kinds.len(),
            shape.len()
        ));
    }
    let grid = match grid {
        Some(g) => match dims(g)? {
            g if g.contains(&0) => {
                return Err(format!("--grid {g:?}: every grid size must be at least 1"))
            }
            g => g,
        },
        None => kinds
            .iter()
            .map(|k| if *k == "n" { 1 } else { 2 })
            .collect(),
    };
    if grid.len() != shape.len() {
        return Err("--grid needs one size per axis".into());
    }
    let mut dists = Vec::new();
    let mut maps = Vec::new();
    for ((&n, &p), &k) in shape.iter().zip(&grid).zip(&kinds) {
        let cyclic = |b: usize| CyclicMap::new(n, p, b).map_err(|e| e.to_string());
        let (name, map) = match k {
            "b" => ("block".to_string(), AxisMap::Block(BlockMap::regular(n, p))),
            "n" if p == 1 => ("undistributed".to_string(), AxisMap::not_distributed(n)),
            "n" => return Err(format!("an undistributed axis needs grid size 1, not {p}")),
            "c" => ("cyclic".to_string(), AxisMap::Cyclic(cyclic(1)?)),
            k if k.starts_with("bc") => {
                let b = k[2..]
                    .parse()
                    .map_err(|_| format!("bad block size in {k:?}"))?;
                (format!("block-cyclic {b}"), AxisMap::Cyclic(cyclic(b)?))
            }
            other => return Err(format!("unknown distribution {other:?} (b, c, bcN, n)")),
        };
        dists.push(name);
        maps.push(map);
    }
    let (rows, cols) = if shape.len() == 1 {
        (1, shape[0])
    } else {
        (shape[0], shape[1])
    };
    let mut cells = Vec::with_capacity(rows * cols);
    for i in 0..rows {
        for j in 0..cols {
            let ix: &[usize] = if shape.len() == 1 { &[j] } else { &[i, j] };
            let coords: Vec<usize> = maps
                .iter()
                .zip(ix)
                .map(|(m, &g)| m.owner(g).expect("structured").0)
                .collect();
            cells.push(rank_of(&grid, &coords));
        }
    }
    Ok(Owners {
        name: None,
        shape,
        dists,
        grid,
        cells,
    })
}

/// Owners of a `.dnpy` set's cells (the set checked as a whole first).
pub fn from_set(prefix: &Path) -> Result<Owners, String> {
    let set = check_dnpy_set(prefix).map_err(|e| match &e {
        Error::Protocol { rank: Some(r), .. } => {
            format!("{}: {e}", dnpy_path(prefix, *r).display())
        }
        _ => format!("{}: {e}", prefix.display()),
    })?;
    let dims0 = &set[0].0;
    let shape: Vec<usize> = dims0.iter().map(|d| d.size).collect();
    one_or_two_axes(&shape)?;
    let cols = *shape.last().expect("one axis");
    let rows = if shape.len() == 2 { shape[0] } else { 1 };
    let mut cells = vec![usize::MAX; rows * cols];
    for (r, (d, npy)) in set.iter().enumerate() {
        let axes: Vec<Vec<usize>> = d
            .iter()
            .zip(&npy.shape)
            .map(|(dd, &n)| owned_globals(dd, n))
            .collect();
        let row_ix = if shape.len() == 2 { &axes[0][..] } else { &[0] };
        for &i in row_ix {
            for &j in axes.last().expect("one axis") {
                let c = &mut cells[i * cols + j];
                *c = (*c).min(r);
            }
        }
    }
    let dists = dims0
        .iter()
        .map(|d| match d.dist_type {
            DistType::Block if d.proc_grid_size == 1 && d.padding.is_none_or(|p| p == [0, 0]) => {
                "undistributed".to_string()
            }
            DistType::Block => "block".to_string(),
            DistType::Cyclic if d.block_size_or_one() > 1 => {
                format!("block-cyclic {}", d.block_size_or_one())
            }
            DistType::Cyclic => "cyclic".to_string(),
            DistType::Unstructured => "unstructured".to_string(),
        })
        .collect();
    Ok(Owners {
        name: prefix.file_name().map(|n| n.to_string_lossy().into_owned()),
        shape,
        dists,
        grid: dims0.iter().map(|d| d.proc_grid_size).collect(),
        cells,
    })
}

/// " x "-joined numbers: `8 x 6`.
pub fn by(v: &[usize]) -> String {
    v.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(" x ")
}

/// What an ownership picture shows: every cell in its owner's colour, the
/// owner's number inside cells large enough for it, a legend listing every
/// rank, and a title naming shape, distribution and grid. At most
/// `max_drawn` cells per axis are drawn (sampled beyond).
///
/// # Examples
///
/// ```
/// use distarray_cli::plot::ownership::{from_spec, plan};
/// let p = plan(&from_spec("8x6", Some("b,c"), Some("2x2")).unwrap(), 720);
/// assert_eq!(p.title.text, "8 x 6  block x cyclic  grid 2 x 2");
/// assert_eq!(p.legend.len(), 4);
/// assert_eq!(p.cell_labels.len(), 48);
/// ```
pub fn plan(o: &Owners, max_drawn: usize) -> Plan {
    let (rows, cols) = o.rows_cols();
    let g = Geometry::new(rows, cols, max_drawn);
    let colour = |r: usize| -> Rgb {
        if r == usize::MAX {
            WHITE
        } else {
            rank_colour(r)
        }
    };
    let mut fills = Vec::with_capacity(g.drawn_rows * g.drawn_cols);
    for i in 0..g.drawn_rows {
        for j in 0..g.drawn_cols {
            let (a, b) = g.source(i, j);
            fills.push(colour(o.cells[a * cols + b]));
        }
    }
    let ranks = o.ranks();
    let cell_text = match g.label_scale((ranks - 1).to_string().len()) {
        Some(s) => (0..rows * cols)
            .filter(|&k| o.cells[k] != usize::MAX)
            .map(|k| (k / cols, k % cols, o.cells[k].to_string(), s))
            .collect(),
        None => Vec::new(),
    };
    let legend = (0..ranks)
        .map(|r| {
            let label = if o.grid.len() > 1 {
                let c: Vec<String> = coords_of(&o.grid, r)
                    .iter()
                    .map(|c| c.to_string())
                    .collect();
                format!("rank {r} ({})", c.join(","))
            } else {
                format!("rank {r}")
            };
            (rank_colour(r), label)
        })
        .collect();
    let name = o.name.as_ref().map_or(String::new(), |n| format!("{n}: "));
    let title = format!(
        "{name}{}  {}  grid {}",
        by(&o.shape),
        o.dists.join(" x "),
        by(&o.grid)
    );
    let two = o.shape.len() == 2;
    let mut subtitle = format!("colour = owning rank, {ranks} ranks");
    if g.sampled() {
        let (drawn, all) = if two {
            (by(&[g.drawn_rows, g.drawn_cols]), by(&[rows, cols]))
        } else {
            (g.drawn_cols.to_string(), cols.to_string())
        };
        subtitle.push_str(&format!("; {drawn} of {all} cells drawn"));
    }
    Draft {
        title,
        subtitle: Some(subtitle),
        geometry: g,
        fills,
        lines: !g.sampled() && g.cell_w >= 6 && g.cell_h >= 6,
        cell_text,
        row_label: two.then(|| "axis 0 (rows)".to_string()),
        col_label: if two { "axis 1 (columns)" } else { "axis 0" }.to_string(),
        panel: Panel::Legend(legend),
    }
    .place()
}
