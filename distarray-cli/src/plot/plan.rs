//! What a picture shows and where: the [`Plan`] both kinds of picture fill
//! (an ownership map, a heatmap) and the renderer draws. Plain data, so
//! that a test can read the title, legend, ticks and colour range without
//! decoding an image.

use super::colour::{text_on, Rgb, BLACK};
use super::font;
pub use super::geometry::Geometry;
use super::geometry::MAX_EXTENT;

/// The blank border around a picture.
pub const MARGIN: i32 = 12;
/// The scale of the title's font (5 x 7 font pixels, each this many pixels).
pub const TITLE_SCALE: u32 = 2;
const TICK: i32 = 4;
const SWATCH: u32 = 12;
const LINE: i32 = 16;
const BAR_WIDTH: u32 = 16;

/// How a text is placed horizontally relative to its `x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// `x` is the left end.
    Left,
    /// `x` is the middle.
    Centre,
    /// `x` is the right end.
    Right,
}

/// A line of text; `y` is its top.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// Horizontal position (see `anchor`).
    pub x: i32,
    /// Top of the text.
    pub y: i32,
    /// The text.
    pub text: String,
    /// Font scale: the text is `7 * scale` pixels high.
    pub scale: u32,
    /// What `x` is.
    pub anchor: Anchor,
    /// Colour.
    pub colour: Rgb,
}

impl Text {
    fn new(x: i32, y: i32, text: impl Into<String>, scale: u32, anchor: Anchor) -> Text {
        Text {
            x,
            y,
            text: text.into(),
            scale,
            anchor,
            colour: BLACK,
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        font::width(&self.text, self.scale)
    }

    /// The left end.
    pub fn left(&self) -> i32 {
        match self.anchor {
            Anchor::Left => self.x,
            Anchor::Centre => self.x - self.width() as i32 / 2,
            Anchor::Right => self.x - self.width() as i32,
        }
    }
}

/// A tick on an axis: the array index it marks and the pixel it is at.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// The index along the axis.
    pub index: usize,
    /// The pixel (x for columns, y for rows) of the index's cell centre.
    pub at: i32,
    /// The index written next to the axis.
    pub label: Text,
}

/// The drawn cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Cells {
    /// Left of the grid.
    pub x: i32,
    /// Top of the grid.
    pub y: i32,
    /// Their number and size.
    pub geometry: Geometry,
    /// One colour per drawn cell, row after row.
    pub fills: Vec<Rgb>,
    /// Whether lines separate the cells.
    pub lines: bool,
}

/// A legend entry: a square of a colour and what it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct Swatch {
    /// Left of the square.
    pub x: i32,
    /// Top of the square.
    pub y: i32,
    /// The colour.
    pub colour: Rgb,
    /// What it stands for ("rank 3", "NaN").
    pub label: Text,
}

/// A heatmap's colour bar: `lo` at the bottom, `hi` at the top.
#[derive(Debug, Clone, PartialEq)]
pub struct ColourBar {
    /// Left of the bar.
    pub x: i32,
    /// Top of the bar.
    pub y: i32,
    /// Width in pixels.
    pub w: u32,
    /// Height in pixels.
    pub h: u32,
    /// The value of the bottom colour (the data's smallest finite value).
    pub lo: f64,
    /// The value of the top colour (the data's largest finite value).
    pub hi: f64,
    /// Values written beside the bar.
    pub labels: Vec<Text>,
}

/// Everything a picture shows, with positions in pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// The title (what is drawn).
    pub title: Text,
    /// A second line under the title.
    pub subtitle: Option<Text>,
    /// The cells.
    pub cells: Cells,
    /// Text inside cells (the owning rank), where it fits.
    pub cell_labels: Vec<Text>,
    /// Ticks left of the grid (none for a 1-D array).
    pub row_ticks: Vec<Tick>,
    /// Ticks under the grid.
    pub col_ticks: Vec<Tick>,
    /// The axes' names.
    pub axis_labels: Vec<Text>,
    /// Legend entries.
    pub legend: Vec<Swatch>,
    /// The colour bar of a heatmap.
    pub colour_bar: Option<ColourBar>,
}

/// What goes right of the grid.
pub enum Panel {
    /// Legend entries (colour, label) in columns as high as the grid.
    Legend(Vec<(Rgb, String)>),
    /// A colour bar from `lo` to `hi` (with its labels), then legend
    /// entries under it.
    Bar {
        /// Bottom value.
        lo: f64,
        /// Top value.
        hi: f64,
        /// The labels: (fraction of the way up, text).
        marks: Vec<(f64, String)>,
        /// Entries under the bar.
        extra: Vec<(Rgb, String)>,
    },
}

/// A picture before placement: the texts, the cells and the panel.
pub struct Draft {
    /// First title line.
    pub title: String,
    /// Second title line.
    pub subtitle: Option<String>,
    /// Cells.
    pub geometry: Geometry,
    /// One colour per drawn cell.
    pub fills: Vec<Rgb>,
    /// Lines between cells.
    pub lines: bool,
    /// Text in array cells: (row, col, text, scale).
    pub cell_text: Vec<(usize, usize, String, u32)>,
    /// The rows' name; `None` for a 1-D array (no row ticks then).
    pub row_label: Option<String>,
    /// The columns' name.
    pub col_label: String,
    /// Legend or colour bar.
    pub panel: Panel,
}

/// Smallest of 1, 2, 5, 10, 20, 50, ... that is at least `k`.
fn nice_step(k: usize) -> usize {
    let mut p = 1;
    loop {
        for m in [1, 2, 5] {
            if m * p >= k {
                return m * p;
            }
        }
        p *= 10;
    }
}

/// Indices to mark on an axis of `n` cells drawn `extent` pixels long with
/// labels `room` pixels apart at least: multiples of a 1-2-5 step, and the
/// last index when it has room.
pub fn tick_indices(n: usize, extent: u32, room: f64) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let px = extent as f64 / n as f64;
    let step = nice_step((room / px).ceil().max(1.0) as usize);
    let mut v: Vec<usize> = (0..n).step_by(step).collect();
    let last = *v.last().expect("index 0");
    if last != n - 1 && (n - 1 - last) as f64 * px >= room {
        v.push(n - 1);
    }
    v
}

/// Where cell `i` of `n` along an extent starting at `start` has its centre.
fn centre(start: i32, extent: u32, n: usize, i: usize) -> i32 {
    start + ((i as f64 + 0.5) * extent as f64 / n as f64).floor() as i32
}

impl Draft {
    /// Places everything: title, then the grid with ticks left and under
    /// it, then the panel right of it.
    pub fn place(self) -> Plan {
        let g = self.geometry;
        let (gw, gh) = (g.width(), g.height());
        let title = Text::new(MARGIN, MARGIN, self.title, TITLE_SCALE, Anchor::Left);
        let mut y = MARGIN + (font::HEIGHT * TITLE_SCALE) as i32 + 6;
        let subtitle = self.subtitle.map(|s| {
            let t = Text::new(MARGIN, y, s, 1, Anchor::Left);
            y += font::HEIGHT as i32 + 6;
            t
        });
        let grid_y = y + 6 + if self.row_label.is_some() { 12 } else { 0 };
        // row ticks: their labels decide how far right the grid starts
        let row_idx = match self.row_label {
            Some(_) => tick_indices(g.rows, gh, 18.0),
            None => Vec::new(),
        };
        let row_w = row_idx
            .iter()
            .map(|i| font::width(&i.to_string(), 1) as i32 + TICK + 3)
            .max()
            .unwrap_or(0);
        let name_w = self
            .row_label
            .as_ref()
            .map_or(0, |l| font::width(l, 1) as i32);
        let grid_x = MARGIN + row_w.max(name_w);
        let row_ticks = row_idx
            .into_iter()
            .map(|i| {
                let at = centre(grid_y, gh, g.rows, i);
                let label = Text::new(grid_x - TICK - 3, at - 3, i.to_string(), 1, Anchor::Right);
                Tick {
                    index: i,
                    at,
                    label,
                }
            })
            .collect();
        let room = font::width(&g.cols.saturating_sub(1).to_string(), 1) as f64 + 8.0;
        let col_y = grid_y + gh as i32 + TICK + 3;
        let col_ticks = tick_indices(g.cols, gw, room)
            .into_iter()
            .map(|j| {
                let at = centre(grid_x, gw, g.cols, j);
                let label = Text::new(at, col_y, j.to_string(), 1, Anchor::Centre);
                Tick {
                    index: j,
                    at,
                    label,
                }
            })
            .collect();
        let name_y = col_y + font::HEIGHT as i32 + 6;
        let mut axis_labels = vec![Text::new(
            grid_x + gw as i32 / 2,
            name_y,
            self.col_label,
            1,
            Anchor::Centre,
        )];
        if let Some(l) = self.row_label {
            axis_labels.push(Text::new(MARGIN, grid_y - 12, l, 1, Anchor::Left));
        }
        let bottom = name_y + font::HEIGHT as i32 + MARGIN;
        let cell_labels = self
            .cell_text
            .into_iter()
            .map(|(i, j, text, s)| {
                let fill = self.fills[i * g.drawn_cols + j];
                let cy = grid_y + (i as u32 * g.cell_h + g.cell_h / 2) as i32;
                let cx = grid_x + (j as u32 * g.cell_w + g.cell_w / 2) as i32;
                let mut t = Text::new(
                    cx,
                    cy - (font::HEIGHT * s / 2) as i32,
                    text,
                    s,
                    Anchor::Centre,
                );
                t.colour = text_on(fill);
                t
            })
            .collect();
        let px = grid_x + gw as i32 + 20;
        let (legend, colour_bar, panel_right, panel_bottom) = match self.panel {
            Panel::Legend(entries) => {
                let per_col = (gh.max(160) as i32 / LINE).max(1) as usize;
                let (sw, right, bottom) = swatches(entries, px, grid_y, per_col);
                (sw, None, right, bottom)
            }
            Panel::Bar {
                lo,
                hi,
                marks,
                extra,
            } => {
                let h = gh.clamp(120, MAX_EXTENT);
                let labels: Vec<Text> = marks
                    .into_iter()
                    .map(|(f, s)| {
                        let at = grid_y + ((1.0 - f) * (h - 1) as f64).round() as i32;
                        Text::new(px + BAR_WIDTH as i32 + 6, at - 3, s, 1, Anchor::Left)
                    })
                    .collect();
                let right = labels
                    .iter()
                    .map(|t| t.left() + t.width() as i32)
                    .max()
                    .unwrap_or(px + BAR_WIDTH as i32);
                let under = grid_y + h as i32 + 14;
                let (sw, r2, b2) = swatches(extra, px, under, usize::MAX);
                let bar = ColourBar {
                    x: px,
                    y: grid_y,
                    w: BAR_WIDTH,
                    h,
                    lo,
                    hi,
                    labels,
                };
                (sw, Some(bar), right.max(r2), b2.max(grid_y + h as i32))
            }
        };
        let texts = [Some(&title), subtitle.as_ref()];
        let text_right = texts
            .into_iter()
            .flatten()
            .chain(&axis_labels)
            .map(|t| t.left() + t.width() as i32)
            .max()
            .unwrap_or(0);
        let width = (panel_right.max(text_right).max(grid_x + gw as i32) + MARGIN) as u32;
        let height = (bottom.max(panel_bottom + MARGIN)) as u32;
        Plan {
            width,
            height,
            title,
            subtitle,
            cells: Cells {
                x: grid_x,
                y: grid_y,
                geometry: g,
                fills: self.fills,
                lines: self.lines,
            },
            cell_labels,
            row_ticks,
            col_ticks,
            axis_labels,
            legend,
            colour_bar,
        }
    }
}

/// Legend entries in columns of `per_col` from `(x, y)`; with the right
/// and bottom ends of what they cover.
fn swatches(
    entries: Vec<(Rgb, String)>,
    x: i32,
    y: i32,
    per_col: usize,
) -> (Vec<Swatch>, i32, i32) {
    let col_w = entries
        .iter()
        .map(|(_, l)| (SWATCH + 6 + font::width(l, 1)) as i32 + 16)
        .max()
        .unwrap_or(0);
    let (mut right, mut bottom) = (x, y);
    let out = entries
        .into_iter()
        .enumerate()
        .map(|(k, (colour, label))| {
            let sx = x + (k / per_col) as i32 * col_w;
            let sy = y + (k % per_col) as i32 * LINE;
            let label = Text::new(sx + SWATCH as i32 + 6, sy + 2, label, 1, Anchor::Left);
            right = right.max(label.left() + label.width() as i32);
            bottom = bottom.max(sy + SWATCH as i32);
            Swatch {
                x: sx,
                y: sy,
                colour,
                label,
            }
        })
        .collect();
    (out, right, bottom)
}

/// A number in at most four significant digits, in exponent form when
/// very large or small: `0.0723`, `-1.5`, `1.235e6`.
///
/// # Examples
///
/// ```
/// use distarray_cli::plot::plan::short;
/// assert_eq!(short(0.07234), "0.07234");
/// assert_eq!(short(2.0), "2");
/// assert_eq!(short(-1234567.0), "-1.235e6");
/// assert_eq!(short(0.0), "0");
/// ```
pub fn short(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let e = x.abs().log10().floor() as i32;
    if !(-4..6).contains(&e) {
        let s = format!("{x:.3e}");
        let (m, ex) = s.split_once('e').expect("an exponent");
        let m = m.trim_end_matches('0').trim_end_matches('.');
        return format!("{m}e{ex}");
    }
    let decimals = (3 - e).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_spaced() {
        assert_eq!(tick_indices(5, 200, 12.0), vec![0, 1, 2, 3, 4]);
        assert_eq!(
            tick_indices(100, 700, 20.0),
            vec![0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 99]
        );
        assert_eq!(tick_indices(1000, 720, 30.0)[..3], [0, 50, 100]);
        assert_eq!(short(1.0e-5), "1e-5");
        assert_eq!(short(123456.0), "123456");
    }
}
