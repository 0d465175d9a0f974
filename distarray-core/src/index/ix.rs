//! The index entries: [`Ix`], what [`s!`](crate::s) builds from Rust
//! ranges and integers ([`Span`], [`StepSize`]).

use std::ops::{Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive};

/// One entry of a NumPy-style index.
///
/// Usually written with [`s!`](crate::s) (`s![1..-1, ..;2, 3, NewAxis, ...]`);
/// integers and Rust ranges (of `isize`, `i32`, `i64` or `usize`) convert
/// into it with `From`.
///
/// # Examples
///
/// ```
/// use distarray_core::index::Ix;
/// assert_eq!(Ix::from(-1), Ix::At(-1));
/// assert_eq!(Ix::from(2..), Ix::Range { start: Some(2), stop: None, step: 1 });
/// assert_eq!(Ix::from(..), Ix::All);
/// assert_eq!(distarray_core::s![1..-1, NewAxis], [Ix::range(1, -1), Ix::NewAxis]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ix {
    /// `:` — the whole axis.
    All,
    /// `start:stop:step`; `None` ends as in Python; negative counts from the end.
    Range {
        /// first index (`None`: the beginning, or the end for negative steps)
        start: Option<isize>,
        /// one past the last (`None`: the end, or before the beginning for negative steps)
        stop: Option<isize>,
        /// stride (not 0; negative walks backwards)
        step: isize,
    },
    /// A single index: the axis is dropped from the result.
    At(isize),
    /// `...`: as many `:` as needed.
    Ellipsis,
    /// `np.newaxis` (`None` in NumPy): a new axis of length 1 in the
    /// result; it selects no axis of the array.
    NewAxis,
}

impl Ix {
    /// `start:stop`
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::index::Ix;
    /// assert_eq!(Ix::range(1, -1), Ix::from(1..-1));
    /// ```
    pub fn range(start: isize, stop: isize) -> Ix {
        Ix::Range {
            start: Some(start),
            stop: Some(stop),
            step: 1,
        }
    }
    /// `::step`
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::index::Ix;
    /// assert_eq!(Ix::step(-1), distarray_core::s![..;-1][0]);
    /// ```
    pub fn step(step: isize) -> Ix {
        Ix::Range {
            start: None,
            stop: None,
            step,
        }
    }
}

/// A Rust range before its step is known: where a slice starts and ends,
/// and whether the end is included (`a..=b`). [`s!`](crate::s) turns
/// `range;step` into `Span::from(range).step(step)`.
///
/// The slice is NumPy's `start:stop:step`: a negative step walks from
/// `start` down towards `stop` (`8..2;-2` is `8:2:-2`, indices 8, 6, 4),
/// unlike ndarray's `s![]`, where it reverses the range's elements. An
/// inclusive end is included in the walk's direction (`8..=2;-2` also
/// yields 2).
///
/// # Examples
///
/// ```
/// use distarray_core::index::{Ix, Span};
/// assert_eq!(Span::from(..).step(-1), Ix::step(-1));
/// assert_eq!(
///     Span::from(..=-1).step(2),
///     Ix::Range { start: None, stop: None, step: 2 }
/// );
/// assert_eq!(
///     Span::from(8..=2).step(-2),
///     Ix::Range { start: Some(8), stop: Some(1), step: -2 }
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    start: Option<isize>,
    end: Option<isize>,
    inclusive: bool,
}

impl Span {
    /// The slice `start:stop:step` this range walks with `step` (0 is
    /// refused when the index is used, as NumPy does).
    pub fn step(self, step: impl StepSize) -> Ix {
        let step = step.to_step();
        let stop = match (self.end, self.inclusive) {
            (end, false) => end,
            (None, true) => None,
            // the last cell, or the first walking backwards: to the end
            (Some(-1), true) if step > 0 => None,
            (Some(0), true) if step < 0 => None,
            (Some(e), true) if step < 0 => Some(e.saturating_sub(1)),
            (Some(e), true) => Some(e.saturating_add(1)),
        };
        if self.start.is_none() && stop.is_none() && step == 1 {
            return Ix::All;
        }
        Ix::Range {
            start: self.start,
            stop,
            step,
        }
    }
}

impl From<Span> for Ix {
    fn from(span: Span) -> Ix {
        span.step(1)
    }
}

/// An integer usable as a slice step in [`s!`](crate::s) (`..;2`): the
/// integer types whose ranges convert into [`Ix`].
///
/// # Examples
///
/// ```
/// use distarray_core::index::StepSize;
/// assert_eq!(3usize.to_step(), 3);
/// assert_eq!((-2i64).to_step(), -2);
/// ```
pub trait StepSize {
    /// The step as an `isize` (saturating where it does not fit).
    fn to_step(self) -> isize;
}

impl From<RangeFull> for Span {
    fn from(_: RangeFull) -> Span {
        Span {
            start: None,
            end: None,
            inclusive: false,
        }
    }
}

impl From<RangeFull> for Ix {
    fn from(_: RangeFull) -> Ix {
        Ix::All
    }
}

/// An integer as an index: saturated to `isize` (an index that large is
/// out of bounds anyway, and reported so when the index is used).
fn sat<T: TryInto<isize> + PartialOrd + Default>(v: T) -> isize {
    let negative = v < T::default();
    v.try_into()
        .unwrap_or(if negative { isize::MIN } else { isize::MAX })
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl StepSize for $t {
            fn to_step(self) -> isize {
                sat(self)
            }
        }
        impl From<$t> for Ix {
            fn from(i: $t) -> Ix {
                Ix::At(sat(i))
            }
        }
        impl From<Range<$t>> for Span {
            fn from(r: Range<$t>) -> Span {
                Span { start: Some(sat(r.start)), end: Some(sat(r.end)), inclusive: false }
            }
        }
        impl From<RangeFrom<$t>> for Span {
            fn from(r: RangeFrom<$t>) -> Span {
                Span { start: Some(sat(r.start)), end: None, inclusive: false }
            }
        }
        impl From<RangeTo<$t>> for Span {
            fn from(r: RangeTo<$t>) -> Span {
                Span { start: None, end: Some(sat(r.end)), inclusive: false }
            }
        }
        impl From<RangeInclusive<$t>> for Span {
            fn from(r: RangeInclusive<$t>) -> Span {
                let (start, end) = r.into_inner();
                Span { start: Some(sat(start)), end: Some(sat(end)), inclusive: true }
            }
        }
        impl From<RangeToInclusive<$t>> for Span {
            fn from(r: RangeToInclusive<$t>) -> Span {
                Span { start: None, end: Some(sat(r.end)), inclusive: true }
            }
        }
        impl From<Range<$t>> for Ix {
            fn from(r: Range<$t>) -> Ix {
                Span::from(r).into()
            }
        }
        impl From<RangeFrom<$t>> for Ix {
            fn from(r: RangeFrom<$t>) -> Ix {
                Span::from(r).into()
            }
        }
        impl From<RangeTo<$t>> for Ix {
            fn from(r: RangeTo<$t>) -> Ix {
                Span::from(r).into()
            }
        }
        impl From<RangeInclusive<$t>> for Ix {
            fn from(r: RangeInclusive<$t>) -> Ix {
                Span::from(r).into()
            }
        }
        impl From<RangeToInclusive<$t>> for Ix {
            fn from(r: RangeToInclusive<$t>) -> Ix {
                Span::from(r).into()
            }
        }
    )*};
}

from_integer!(isize, i32, i64, usize);
