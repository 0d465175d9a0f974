//! Colours: one per rank, the viridis colormap for values, and a text
//! colour that reads on a given fill.

/// An RGB colour.
pub type Rgb = (u8, u8, u8);

/// White: the background, and cells no rank owns.
pub const WHITE: Rgb = (255, 255, 255);
/// Black: text and lines.
pub const BLACK: Rgb = (0, 0, 0);
/// NaN cells of a heatmap: a grey viridis never takes.
pub const NAN: Rgb = (170, 170, 170);

/// Matplotlib's tab20, dark shades first: ranks 0..20.
const RANKS: [Rgb; 20] = [
    (0x1f, 0x77, 0xb4),
    (0xff, 0x7f, 0x0e),
    (0x2c, 0xa0, 0x2c),
    (0xd6, 0x27, 0x28),
    (0x94, 0x67, 0xbd),
    (0x8c, 0x56, 0x4b),
    (0xe3, 0x77, 0xc2),
    (0x7f, 0x7f, 0x7f),
    (0xbc, 0xbd, 0x22),
    (0x17, 0xbe, 0xcf),
    (0xae, 0xc7, 0xe8),
    (0xff, 0xbb, 0x78),
    (0x98, 0xdf, 0x8a),
    (0xff, 0x98, 0x96),
    (0xc5, 0xb0, 0xd5),
    (0xc4, 0x9c, 0x94),
    (0xf7, 0xb6, 0xd2),
    (0xc7, 0xc7, 0xc7),
    (0xdb, 0xdb, 0x8d),
    (0x9e, 0xda, 0xe5),
];

/// The colour of rank `r`: tab20 for the first twenty, then hues a golden
/// angle apart.
///
/// # Examples
///
/// ```
/// use distarray_cli::plot::colour::rank_colour;
/// assert_eq!(rank_colour(0), (0x1f, 0x77, 0xb4));
/// assert_ne!(rank_colour(20), rank_colour(21));
/// ```
pub fn rank_colour(r: usize) -> Rgb {
    if r < RANKS.len() {
        return RANKS[r];
    }
    let hue = (r as f64 * 137.507_764) % 360.0;
    let light = [0.45, 0.6, 0.75][r % 3];
    hsl(hue, 0.6, light)
}

fn hsl(h: f64, s: f64, l: f64) -> Rgb {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let to = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    (to(r), to(g), to(b))
}

/// Viridis at ten evenly spaced points (matplotlib's values).
const VIRIDIS: [Rgb; 10] = [
    (0x44, 0x01, 0x54),
    (0x48, 0x28, 0x78),
    (0x3e, 0x4a, 0x89),
    (0x31, 0x68, 0x8e),
    (0x26, 0x82, 0x8e),
    (0x1f, 0x9e, 0x89),
    (0x35, 0xb7, 0x79),
    (0x6d, 0xcd, 0x59),
    (0xb4, 0xde, 0x2c),
    (0xfd, 0xe7, 0x25),
];

/// Viridis at `t` in 0..=1 (clamped), interpolated between its ten points.
///
/// # Examples
///
/// ```
/// use distarray_cli::plot::colour::viridis;
/// assert_eq!(viridis(0.0), (0x44, 0x01, 0x54));
/// assert_eq!(viridis(1.0), (0xfd, 0xe7, 0x25));
/// assert_eq!(viridis(2.0), viridis(1.0));
/// ```
pub fn viridis(t: f64) -> Rgb {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let at = t * (VIRIDIS.len() - 1) as f64;
    let k = (at.floor() as usize).min(VIRIDIS.len() - 2);
    let f = at - k as f64;
    let (a, b) = (VIRIDIS[k], VIRIDIS[k + 1]);
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * f).round() as u8;
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Black or white, whichever reads better on `fill`.
pub fn text_on(fill: Rgb) -> Rgb {
    let luma = 0.299 * fill.0 as f64 + 0.587 * fill.1 as f64 + 0.114 * fill.2 as f64;
    if luma > 140.0 {
        BLACK
    } else {
        WHITE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_are_distinct_and_not_white_or_nan() {
        let all: Vec<Rgb> = (0..64).map(rank_colour).collect();
        for (i, a) in all.iter().enumerate() {
            assert!(*a != WHITE && *a != NAN, "rank {i}");
            assert!(!all[..i].contains(a), "rank {i} repeats a colour");
        }
    }

    #[test]
    fn viridis_is_monotone_in_lightness() {
        let luma = |c: Rgb| 0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64;
        let steps: Vec<f64> = (0..=50).map(|k| luma(viridis(k as f64 / 50.0))).collect();
        assert!(steps.windows(2).all(|w| w[1] >= w[0] - 0.5), "{steps:?}");
        assert_eq!(text_on(viridis(0.0)), WHITE);
        assert_eq!(text_on(viridis(1.0)), BLACK);
    }
}
