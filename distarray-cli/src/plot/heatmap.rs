//! Heatmaps: the values of a 2-D plane in viridis, with a colour bar from
//! the smallest to the largest finite value; NaN cells in grey.

use super::colour::{viridis, NAN};
use super::ownership::by;
use super::plan::{short, Draft, Geometry, Panel, Plan};
use super::values::Plane;

/// The smallest and largest finite value, if any (NaN and infinities
/// excluded).
///
/// # Examples
///
/// ```
/// use distarray_cli::plot::heatmap::finite_range;
/// assert_eq!(finite_range(&[3.0, f64::NAN, -1.0, f64::INFINITY]), Some((-1.0, 3.0)));
/// assert_eq!(finite_range(&[f64::NAN]), None);
/// ```
pub fn finite_range(values: &[f64]) -> Option<(f64, f64)> {
    values
        .iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, &v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Where `v` falls between `lo` and `hi`, clamped to 0..=1 (infinities at
/// the ends); the middle when the range is one value.
fn fraction(v: f64, lo: f64, hi: f64) -> f64 {
    if hi > lo {
        ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
    } else if v == f64::INFINITY {
        1.0
    } else if v == f64::NEG_INFINITY {
        0.0
    } else {
        0.5
    }
}

/// What a heatmap of `p` shows: `name` and `shape` (the whole array's) in
/// the title, the value range under it, each cell in viridis from the
/// smallest finite value to the largest, NaN in grey (with a legend entry
/// when there is any), and a colour bar labelled with both ends. At most
/// `max_drawn` cells per axis are drawn (sampled beyond).
///
/// # Examples
///
/// ```
/// use distarray_cli::plot::{heatmap::plan, values::plane};
/// let p = plane("a.npy", &[2, 2], &[1.0, 2.0, f64::NAN, 5.0], None).unwrap();
/// let pic = plan("a.npy", &[2, 2], &p, 720);
/// let bar = pic.colour_bar.unwrap();
/// assert_eq!((bar.lo, bar.hi), (1.0, 5.0));
/// assert_eq!(pic.legend[0].label.text, "NaN");
/// ```
pub fn plan(name: &str, shape: &[usize], p: &Plane, max_drawn: usize) -> Plan {
    let g = Geometry::new(p.rows, p.cols, max_drawn);
    let (lo, hi) = finite_range(&p.values).unwrap_or((0.0, 0.0));
    let nans = p.values.iter().filter(|v| v.is_nan()).count();
    let mut fills = Vec::with_capacity(g.drawn_rows * g.drawn_cols);
    for i in 0..g.drawn_rows {
        for j in 0..g.drawn_cols {
            let (a, b) = g.source(i, j);
            let v = p.values[a * p.cols + b];
            fills.push(if v.is_nan() {
                NAN
            } else {
                viridis(fraction(v, lo, hi))
            });
        }
    }
    let mut title = format!("{name}  {}", by(shape));
    if !p.slice.is_empty() {
        title.push_str(&format!("  slice {}", p.slice));
    }
    let mut subtitle = match finite_range(&p.values) {
        Some(_) => format!("values {} to {}", short(lo), short(hi)),
        None => "no finite values".to_string(),
    };
    if nans > 0 {
        subtitle.push_str(&format!(", {nans} NaN"));
    }
    if g.sampled() {
        subtitle.push_str(&format!(
            "; {} of {} cells drawn",
            by(&[g.drawn_rows, g.drawn_cols]),
            by(&[p.rows, p.cols])
        ));
    }
    let mut marks = vec![(1.0, short(hi)), (0.0, short(lo))];
    if hi > lo {
        marks.insert(1, (0.5, short(lo + (hi - lo) / 2.0)));
    }
    let extra = if nans > 0 {
        vec![(NAN, "NaN".to_string())]
    } else {
        Vec::new()
    };
    Draft {
        title,
        subtitle: Some(subtitle),
        geometry: g,
        fills,
        lines: false,
        cell_text: Vec::new(),
        row_label: Some(format!("axis {} (rows)", p.axes.0)),
        col_label: format!("axis {} (columns)", p.axes.1),
        panel: Panel::Bar {
            lo,
            hi,
            marks,
            extra,
        },
    }
    .place()
}
