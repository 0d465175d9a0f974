//! How many cells a picture draws and how large: square cells that
//! shrink as arrays grow, and sampling past what a picture can hold.

use super::font;

/// The longest a grid of cells may be along either axis, in pixels.
pub const MAX_EXTENT: u32 = 720;
/// The largest cell, in pixels.
pub const MAX_CELL: u32 = 40;
/// The shortest a grid may be along either axis (a 1-D array's one row).
pub const MIN_EXTENT: u32 = 24;

/// How many cells a picture draws and how large, for an array of `rows` x
/// `cols` cells (a 1-D array is one row). An axis longer than a picture
/// holds is sampled: drawn cell `i` shows array cell `i * n / drawn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// The array's rows.
    pub rows: usize,
    /// The array's columns.
    pub cols: usize,
    /// Rows drawn (`rows` unless sampled).
    pub drawn_rows: usize,
    /// Columns drawn (`cols` unless sampled).
    pub drawn_cols: usize,
    /// Width of a drawn cell in pixels.
    pub cell_w: u32,
    /// Height of a drawn cell in pixels.
    pub cell_h: u32,
}

impl Geometry {
    /// Square cells as large as fit `MAX_EXTENT` (at most `MAX_CELL`
    /// pixels); past `max_drawn` cells along the longest axis, that axis is
    /// sampled to `max_drawn` cells and the other one in proportion (or
    /// whole, when it has at most `max_drawn / 4` cells). Every axis is at
    /// least `MIN_EXTENT` long (its cells stretched).
    pub fn new(rows: usize, cols: usize, max_drawn: usize) -> Geometry {
        let limit = max_drawn.clamp(1, MAX_EXTENT as usize);
        let longest = rows.max(cols).max(1);
        let (cell, drawn) = if longest > limit {
            // in proportion, but a short axis (up to a quarter of the
            // limit) whole: a 1000 x 30 array keeps its 30 columns
            let drawn = |n: usize| (n * limit).div_ceil(longest).max(n.min(limit / 4)).max(1);
            (MAX_EXTENT / limit as u32, [drawn(rows), drawn(cols)])
        } else {
            let cell = (MAX_EXTENT / longest as u32).clamp(1, MAX_CELL);
            (cell, [rows.max(1), cols.max(1)])
        };
        let stretch = |drawn: usize| cell.max(MIN_EXTENT.div_ceil(drawn as u32));
        Geometry {
            rows,
            cols,
            drawn_rows: drawn[0],
            drawn_cols: drawn[1],
            cell_w: stretch(drawn[1]),
            cell_h: stretch(drawn[0]),
        }
    }

    /// Width of the grid in pixels.
    pub fn width(&self) -> u32 {
        self.drawn_cols as u32 * self.cell_w
    }

    /// Height of the grid in pixels.
    pub fn height(&self) -> u32 {
        self.drawn_rows as u32 * self.cell_h
    }

    /// Whether some cells are not drawn.
    pub fn sampled(&self) -> bool {
        self.drawn_rows < self.rows || self.drawn_cols < self.cols
    }

    /// The array cell `(row, col)` drawn cell `(i, j)` shows.
    pub fn source(&self, i: usize, j: usize) -> (usize, usize) {
        (
            i * self.rows / self.drawn_rows,
            j * self.cols / self.drawn_cols,
        )
    }

    /// The font scale at which `chars` characters fit inside one cell with
    /// a border, if any (never when cells are sampled).
    pub fn label_scale(&self, chars: usize) -> Option<u32> {
        if self.sampled() {
            return None;
        }
        let sample = "0".repeat(chars);
        [2, 1].into_iter().find(|&s| {
            self.cell_w >= font::width(&sample, s) + 4 * s
                && self.cell_h >= font::HEIGHT * s + 4 * s
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_caps_and_stretches() {
        let g = Geometry::new(8, 6, 720);
        assert_eq!(
            (g.cell_w, g.cell_h, g.width(), g.height()),
            (40, 40, 240, 320)
        );
        let g = Geometry::new(5000, 300, 720);
        assert_eq!((g.drawn_rows, g.drawn_cols, g.cell_w), (720, 180, 1));
        assert!(g.sampled() && g.label_scale(1).is_none());
        assert_eq!(g.source(719, 179), (4993, 298));
        // both axes long: sampled in proportion
        let g = Geometry::new(3000, 2000, 720);
        assert_eq!((g.width(), g.height()), (480, 720));
        let g = Geometry::new(1, 100, 720);
        assert_eq!((g.cell_w, g.cell_h), (7, 24));
        let g = Geometry::new(200, 300, 200);
        assert_eq!((g.drawn_rows, g.drawn_cols), (134, 200));
        let g = Geometry::new(1000, 30, 720);
        assert_eq!((g.drawn_rows, g.drawn_cols), (720, 30));
        let g = Geometry::new(1000, 1000, 240);
        assert_eq!((g.drawn_rows, g.cell_w, g.width()), (240, 3, 720));
        let g = Geometry::new(0, 0, 720);
        assert_eq!(
            (g.drawn_rows, g.drawn_cols, g.width(), g.height()),
            (1, 1, 40, 40)
        );
    }
}
