//! An index resolved against a shape (NumPy's rules): what each axis of
//! the array contributes, and where new axes go.

use super::Ix;
use crate::error::{Error, Result};

/// One axis of a normalized selection: `len` indices `start + i*step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AxisSelection {
    /// first index
    pub start: usize,
    /// number of indices
    pub len: usize,
    /// stride (may be negative)
    pub step: isize,
    /// false for `At`: the axis is dropped
    pub keep: bool,
}

impl AxisSelection {
    /// The source index of result position `i`.
    pub fn source(&self, i: usize) -> usize {
        (self.start as isize + i as isize * self.step) as usize
    }
    /// The result position of source index `g`, if selected.
    pub fn position(&self, g: usize) -> Option<usize> {
        let d = g as isize - self.start as isize;
        if d % self.step != 0 {
            return None;
        }
        let i = d / self.step;
        (i >= 0 && (i as usize) < self.len).then_some(i as usize)
    }
    /// The whole axis of length `n`, in order.
    fn whole(n: usize) -> AxisSelection {
        AxisSelection {
            start: 0,
            len: n,
            step: 1,
            keep: true,
        }
    }
}

/// An index resolved against an array's shape by [`normalize`].
///
/// # Examples
///
/// ```
/// use distarray_core::{index::normalize, s};
/// // a[1:-1, np.newaxis, ::-2] of a 6 x 5 array
/// let sel = normalize(&[6, 5], &s![1..-1, NewAxis, ..;-2]).unwrap();
/// assert_eq!(sel.shape(), vec![4, 1, 3]);
/// assert_eq!(sel.result_axes, vec![Some(0), None, Some(1)]);
/// assert_eq!(sel.source_of(&[2, 0, 1]), vec![3, 2]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// One per axis of the array, in order.
    pub axes: Vec<AxisSelection>,
    /// One per axis of the result, in order: the array's axis it walks,
    /// or `None` for a new axis (length 1).
    pub result_axes: Vec<Option<usize>>,
}

impl Selection {
    /// The result's shape.
    pub fn shape(&self) -> Vec<usize> {
        self.result_axes
            .iter()
            .map(|a| a.map_or(1, |a| self.axes[a].len))
            .collect()
    }

    /// The array's index of the result's cell `result` (a position in
    /// [`shape`](Self::shape)).
    pub fn source_of(&self, result: &[usize]) -> Vec<usize> {
        let mut src: Vec<usize> = self.axes.iter().map(|s| s.start).collect();
        for (&r, &i) in self.result_axes.iter().zip(result) {
            if let Some(a) = r {
                src[a] = self.axes[a].source(i);
            }
        }
        src
    }

    /// Appends the next axis of the array (and its result axis if kept).
    fn push(&mut self, s: AxisSelection) {
        if s.keep {
            self.result_axes.push(Some(self.axes.len()));
        }
        self.axes.push(s);
    }

    /// Words that identify the selection, for the agreement that every
    /// rank selected alike.
    pub(crate) fn words(&self) -> Vec<u64> {
        self.axes
            .iter()
            .flat_map(|s| [s.start as u64, s.len as u64, s.step as u64, s.keep as u64])
            .chain(
                self.result_axes
                    .iter()
                    .map(|a| a.map_or(u64::MAX, |a| a as u64)),
            )
            .collect()
    }
}

/// Resolves an index expression against a shape (NumPy's rules): one
/// selection per axis of the array, and the result's axes.
///
/// # Examples
///
/// ```
/// use distarray_core::{index::normalize, s};
/// let sel = normalize(&[3, 4, 5], &s![..., -1]).unwrap();
/// assert_eq!(sel.shape(), vec![3, 4]);
/// assert_eq!(sel.axes[2].start, 4);
/// assert!(normalize(&[3], &s![3]).is_err());
/// ```
pub fn normalize(shape: &[usize], index: &[Ix]) -> Result<Selection> {
    let ellipses = index.iter().filter(|i| matches!(i, Ix::Ellipsis)).count();
    if ellipses > 1 {
        return Err(Error::InvalidArgument(
            "an index can only have a single ellipsis ('...')".into(),
        ));
    }
    // the entries that consume an axis of the array
    let explicit = index
        .iter()
        .filter(|i| !matches!(i, Ix::Ellipsis | Ix::NewAxis))
        .count();
    if explicit > shape.len() {
        return Err(Error::InvalidArgument(format!(
            "too many indices: {explicit} for an array of {} dimensions",
            shape.len()
        )));
    }
    let mut sel = Selection {
        axes: Vec::with_capacity(shape.len()),
        result_axes: Vec::with_capacity(index.len()),
    };
    let whole = |sel: &Selection| AxisSelection::whole(shape[sel.axes.len()]);
    for &ix in index {
        match ix {
            Ix::Ellipsis => {
                for _ in 0..shape.len() - explicit {
                    sel.push(whole(&sel));
                }
            }
            Ix::NewAxis => sel.result_axes.push(None),
            ix => sel.push(axis(sel.axes.len(), shape[sel.axes.len()], ix)?),
        }
    }
    while sel.axes.len() < shape.len() {
        sel.push(whole(&sel));
    }
    Ok(sel)
}

/// One axis' entry resolved against its length `n` (Python's
/// `slice.indices` for ranges).
fn axis(axis: usize, n: usize, ix: Ix) -> Result<AxisSelection> {
    let n = n as isize;
    match ix {
        Ix::All | Ix::Ellipsis | Ix::NewAxis => Ok(AxisSelection::whole(n as usize)),
        Ix::At(i) => {
            let j = if i < 0 { i + n } else { i };
            if j < 0 || j >= n {
                return Err(Error::IndexOutOfBounds {
                    index: vec![i as i64],
                    shape: vec![n as usize],
                });
            }
            Ok(AxisSelection {
                start: j as usize,
                len: 1,
                step: 1,
                keep: false,
            })
        }
        Ix::Range { start, stop, step } => {
            if step == 0 {
                return Err(Error::InvalidArgument(format!(
                    "slice step cannot be zero (axis {axis})"
                )));
            }
            let clamp = |v: isize, lo: isize, hi: isize| v.max(lo).min(hi);
            let (lo, hi) = if step > 0 { (0, n) } else { (-1, n - 1) };
            let fix = |v: Option<isize>, default: isize| match v {
                None => default,
                Some(v) if v < 0 => clamp(v.saturating_add(n), lo, hi),
                Some(v) => clamp(v, lo, hi),
            };
            let (s, e) = if step > 0 {
                (fix(start, 0), fix(stop, n))
            } else {
                (fix(start, n - 1), fix(stop, -1))
            };
            // in i128: a step of isize::MIN has no negation in isize
            let (s128, e128, step128) = (s as i128, e as i128, step as i128);
            let len = if step > 0 && e > s {
                (e128 - s128 + step128 - 1) / step128
            } else if step < 0 && s > e {
                (s128 - e128 - step128 - 1) / -step128
            } else {
                0
            };
            Ok(AxisSelection {
                start: if len > 0 { s as usize } else { 0 },
                len: len as usize,
                step,
                keep: true,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(shape: &[usize], ix: &[Ix]) -> Vec<Vec<usize>> {
        normalize(shape, ix)
            .unwrap()
            .axes
            .iter()
            .map(|s| (0..s.len).map(|i| s.source(i)).collect())
            .collect()
    }

    #[test]
    fn python_slice_rules() {
        assert_eq!(
            idx(&[10], &[Ix::range(2, -2)]),
            vec![vec![2, 3, 4, 5, 6, 7]]
        );
        assert_eq!(idx(&[10], &[Ix::step(-3)]), vec![vec![9, 6, 3, 0]]);
        assert_eq!(
            idx(
                &[10],
                &[Ix::Range {
                    start: Some(8),
                    stop: Some(2),
                    step: -2
                }]
            ),
            vec![vec![8, 6, 4]]
        );
        assert_eq!(idx(&[10], &[Ix::range(5, 2)]), vec![Vec::<usize>::new()]);
        assert_eq!(idx(&[10], &[Ix::range(-100, 100)])[0].len(), 10);
        assert_eq!(
            idx(&[3, 4, 5], &[Ix::Ellipsis, Ix::At(-1)]),
            vec![vec![0, 1, 2], vec![0, 1, 2, 3], vec![4]]
        );
        assert!(normalize(&[3], &[Ix::At(3)]).is_err());
        assert!(normalize(&[3], &[Ix::step(0)]).is_err());
        assert!(normalize(&[3], &[Ix::All, Ix::All]).is_err());
        let s = normalize(&[10], &[Ix::step(-3)]).unwrap().axes[0];
        assert_eq!(s.position(6), Some(1));
        assert_eq!(s.position(5), None);
    }

    #[test]
    fn extreme_steps_and_bounds_do_not_overflow() {
        let min = normalize(&[10], &[Ix::step(isize::MIN)]).unwrap().axes[0];
        assert_eq!((min.start, min.len), (9, 1));
        let max = normalize(&[10], &[Ix::step(isize::MAX)]).unwrap().axes[0];
        assert_eq!((max.start, max.len), (0, 1));
        let far = Ix::Range {
            start: Some(isize::MIN),
            stop: Some(isize::MAX),
            step: 1,
        };
        assert_eq!(normalize(&[10], &[far]).unwrap().axes[0].len, 10);
        assert!(normalize(&[10], &[Ix::At(isize::MIN)]).is_err());
    }

    #[test]
    fn words_tell_new_axes_apart() {
        let a = normalize(&[4], &[Ix::NewAxis, Ix::All]).unwrap();
        let b = normalize(&[4], &[Ix::All, Ix::NewAxis]).unwrap();
        assert_eq!(a.axes, b.axes);
        assert_ne!(a.words(), b.words());
    }
}
