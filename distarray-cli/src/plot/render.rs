//! Drawing a [`Plan`] as PNG or SVG with plotters: the plan decides
//! everything; this only turns it into rectangles and text.

use super::colour::{viridis, Rgb, BLACK, WHITE};
use super::font;
use super::plan::{Anchor, Plan, Text};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// The picture formats, by the output's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.png`: text in a 5 x 7 pixel font.
    Png,
    /// `.svg`: text as SVG text.
    Svg,
}

impl Format {
    /// The format of `output`, by its extension.
    pub fn of(output: &Path) -> Result<Format, String> {
        match output.extension().and_then(|e| e.to_str()) {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            _ => Err(format!(
                "{}: the picture must be .png or .svg",
                output.display()
            )),
        }
    }

    /// The most cells drawn along an axis: one per pixel for PNG; fewer
    /// for SVG, where each cell is an element of the file.
    pub fn max_drawn(self) -> usize {
        match self {
            Format::Png => super::geometry::MAX_EXTENT as usize,
            Format::Svg => 200,
        }
    }
}

/// Draws `plan` into `output`.
pub fn render(plan: &Plan, output: &Path, format: Format) -> Result<(), String> {
    let size = (plan.width, plan.height);
    let drawn = match format {
        Format::Svg => paint(
            &SVGBackend::new(output, size).into_drawing_area(),
            plan,
            true,
        ),
        Format::Png => paint(
            &BitMapBackend::new(output, size).into_drawing_area(),
            plan,
            false,
        ),
    };
    drawn.map_err(|e| format!("{}: {e}", output.display()))
}

type Area<DB> = DrawingArea<DB, Shift>;

fn rect<DB: DrawingBackend>(
    a: &Area<DB>,
    x: i32,
    y: i32,
    w: u32,
    h: u32,
    c: Rgb,
) -> Result<(), String> {
    let style = RGBColor(c.0, c.1, c.2).filled();
    a.draw(&Rectangle::new(
        [(x, y), (x + w as i32, y + h as i32)],
        style,
    ))
    .map_err(|e| e.to_string())
}

/// A one-pixel outline just outside the `w` x `h` box at `(x, y)`.
fn frame<DB: DrawingBackend>(a: &Area<DB>, x: i32, y: i32, w: u32, h: u32) -> Result<(), String> {
    rect(a, x - 1, y - 1, w + 2, 1, BLACK)?;
    rect(a, x - 1, y + h as i32, w + 2, 1, BLACK)?;
    rect(a, x - 1, y, 1, h, BLACK)?;
    rect(a, x + w as i32, y, 1, h, BLACK)
}

fn text<DB: DrawingBackend>(a: &Area<DB>, t: &Text, svg: bool) -> Result<(), String> {
    if svg {
        let h = match t.anchor {
            Anchor::Left => HPos::Left,
            Anchor::Centre => HPos::Center,
            Anchor::Right => HPos::Right,
        };
        let style = ("sans-serif", 12.4 * t.scale as f64)
            .into_font()
            .color(&RGBColor(t.colour.0, t.colour.1, t.colour.2))
            .pos(Pos::new(h, VPos::Top));
        return a
            .draw(&plotters::element::Text::new(
                t.text.clone(),
                (t.x, t.y),
                style,
            ))
            .map_err(|e| e.to_string());
    }
    let left = t.left();
    for (x, y, w, h) in font::rects(&t.text, t.scale) {
        rect(a, left + x as i32, t.y + y as i32, w, h, t.colour)?;
    }
    Ok(())
}

fn paint<DB: DrawingBackend>(a: &Area<DB>, p: &Plan, svg: bool) -> Result<(), String> {
    a.fill(&RGBColor(WHITE.0, WHITE.1, WHITE.2))
        .map_err(|e| e.to_string())?;
    let c = &p.cells;
    let g = c.geometry;
    // cells: one rectangle per run of equal colours in a row
    for i in 0..g.drawn_rows {
        let row = &c.fills[i * g.drawn_cols..(i + 1) * g.drawn_cols];
        let mut j = 0;
        while j < row.len() {
            let run = row[j..].iter().take_while(|&&f| f == row[j]).count();
            let x = c.x + (j as u32 * g.cell_w) as i32;
            let y = c.y + (i as u32 * g.cell_h) as i32;
            rect(a, x, y, run as u32 * g.cell_w, g.cell_h, row[j])?;
            j += run;
        }
    }
    let (gw, gh) = (g.width(), g.height());
    if c.lines {
        let line = (60, 60, 60);
        for j in 1..g.drawn_cols {
            rect(a, c.x + (j as u32 * g.cell_w) as i32, c.y, 1, gh, line)?;
        }
        for i in 1..g.drawn_rows {
            rect(a, c.x, c.y + (i as u32 * g.cell_h) as i32, gw, 1, line)?;
        }
    }
    frame(a, c.x, c.y, gw, gh)?;
    for t in &p.col_ticks {
        rect(a, t.at, c.y + gh as i32 + 1, 1, 4, BLACK)?;
        text(a, &t.label, svg)?;
    }
    for t in &p.row_ticks {
        rect(a, c.x - 5, t.at, 4, 1, BLACK)?;
        text(a, &t.label, svg)?;
    }
    for t in p
        .cell_labels
        .iter()
        .chain(&p.axis_labels)
        .chain([&p.title])
        .chain(&p.subtitle)
    {
        text(a, t, svg)?;
    }
    for s in &p.legend {
        rect(a, s.x, s.y, 12, 12, s.colour)?;
        frame(a, s.x + 1, s.y + 1, 10, 10)?;
        text(a, &s.label, svg)?;
    }
    if let Some(b) = &p.colour_bar {
        for k in 0..b.h {
            let t = 1.0 - k as f64 / (b.h - 1).max(1) as f64;
            rect(a, b.x, b.y + k as i32, b.w, 1, viridis(t))?;
        }
        frame(a, b.x, b.y, b.w, b.h)?;
        for l in &b.labels {
            rect(a, b.x + b.w as i32 + 1, l.y + 3, 3, 1, BLACK)?;
            text(a, l, svg)?;
        }
    }
    a.present().map_err(|e| e.to_string())
}
