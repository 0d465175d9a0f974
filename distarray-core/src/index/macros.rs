//! The `s![]` macro: NumPy's basic index written with Rust ranges.

/// A NumPy-style index for the slicing methods ([`slice`], [`slice_view`],
/// [`fill_slice`], [`assign_slice`], ...), written with Rust ranges:
/// `s![1..-1, ..;2, 3, NewAxis, ...]` is NumPy's
/// `a[1:-1, ::2, 3, np.newaxis, ...]`. It makes an array of
/// [`Ix`](crate::index::Ix), one per entry:
///
/// | `s![]` entry | NumPy | [`Ix`](crate::index::Ix) |
/// |---|---|---|
/// | `..` | `:` | `All` |
/// | `a..b`, `a..`, `..b` | `a:b`, `a:`, `:b` | `Range` (step 1) |
/// | `a..=b` | `a:b+1` | `Range` (step 1) |
/// | `range;k` (`..;2`, `1..-1;3`, `..;-1`) | `a:b:k` | `Range` with step `k` |
/// | `i` | `i` (the axis is dropped) | `At(i)` |
/// | `NewAxis` | `np.newaxis` | `NewAxis` |
/// | `...` | `...` | `Ellipsis` |
///
/// Negative indices count from the end (`-1` is the last); a negative step
/// walks backwards from the range's start as in NumPy (`..;-1` reverses
/// the axis, `8..2;-2` picks 8, 6, 4 — unlike ndarray's `s![]`, which
/// walks the range `8..2` backwards). Bounds and steps are expressions:
/// `s![lo..hi, n - 1]` with variables of `isize`, `i32`, `i64` or `usize`;
/// an expression of type [`Ix`](crate::index::Ix) goes through as it is.
/// Clippy's `reversed_empty_ranges` is allowed on the ranges written in
/// `s![]` (`1..-1` is not empty here).
///
/// [`slice`]: crate::DistArrayBase::slice
/// [`slice_view`]: crate::DistArrayBase::slice_view
/// [`fill_slice`]: crate::DistArrayBase::fill_slice
/// [`assign_slice`]: crate::DistArrayBase::assign_slice
///
/// # Examples
///
/// ```
/// use distarray_core::index::Ix;
/// use distarray_core::{s, Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// assert_eq!(s![1..-1, ..;2, 3], [Ix::range(1, -1), Ix::step(2), Ix::At(3)]);
///
/// let layout = Layout::new(&Comm::world(), &[6, 8], &[Dist::Block, Dist::Cyclic]).unwrap();
/// let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 8 + ix[1]) as f64);
/// let (lo, k) = (1, 5);
/// // a[1:, np.newaxis, 5]
/// let column = a.slice(s![lo.., NewAxis, k]).unwrap();
/// assert_eq!(column.shape(), &[5, 1]);
/// assert_eq!(column.get(&[0, 0]).unwrap(), 13.0);
/// // a[..., ::-1]: every row reversed
/// let flipped = a.slice(s![..., ..;-1]).unwrap();
/// assert_eq!(flipped.get(&[0, 0]).unwrap(), 7.0);
/// ```
#[macro_export]
macro_rules! s {
    // every entry converted: the array
    (@parse [$($out:expr,)*]) => {
        [$($out,)*]
    };
    (@parse [$($out:expr,)*] ... $(, $($rest:tt)*)?) => {
        $crate::s!(@parse [$($out,)* $crate::index::Ix::Ellipsis,] $($($rest)*)?)
    };
    (@parse [$($out:expr,)*] NewAxis $(, $($rest:tt)*)?) => {
        $crate::s!(@parse [$($out,)* $crate::index::Ix::NewAxis,] $($($rest)*)?)
    };
    // `1..-1` is no empty range here: Clippy's `reversed_empty_ranges`
    // (an error by default) is allowed where the range is converted
    (@parse [$($out:expr,)*] $r:expr ; $step:expr $(, $($rest:tt)*)?) => {
        $crate::s!(@parse [
            $($out,)*
            {
                #[allow(clippy::reversed_empty_ranges)]
                let span = $crate::index::Span::from($r);
                span.step($step)
            },
        ] $($($rest)*)?)
    };
    (@parse [$($out:expr,)*] $e:expr $(, $($rest:tt)*)?) => {
        $crate::s!(@parse [
            $($out,)*
            {
                #[allow(clippy::reversed_empty_ranges)]
                let ix = <$crate::index::Ix as ::core::convert::From<_>>::from($e);
                ix
            },
        ] $($($rest)*)?)
    };
    () => {{
        let index: [$crate::index::Ix; 0] = [];
        index
    }};
    ($($t:tt)*) => {
        $crate::s!(@parse [] $($t)*)
    };
}

#[cfg(test)]
mod tests {
    use crate::index::{normalize, Ix};

    fn range(start: Option<isize>, stop: Option<isize>, step: isize) -> Ix {
        Ix::Range { start, stop, step }
    }

    /// The indices each axis of a `shape` array selects.
    fn picks(shape: &[usize], index: &[Ix]) -> Vec<Vec<usize>> {
        let sel = normalize(shape, index).unwrap();
        sel.result_axes
            .iter()
            .map(|a| match a {
                Some(a) => (0..sel.axes[*a].len)
                    .map(|i| sel.axes[*a].source(i))
                    .collect(),
                None => vec![0],
            })
            .collect()
    }

    #[test]
    fn each_form_yields_its_ix() {
        assert_eq!(s![..], [Ix::All]);
        assert_eq!(s![1..-1], [Ix::range(1, -1)]);
        assert_eq!(s![2..], [range(Some(2), None, 1)]);
        assert_eq!(s![..-1], [range(None, Some(-1), 1)]);
        assert_eq!(s![1..=3], [Ix::range(1, 4)]);
        assert_eq!(s![..=-1], [Ix::All]);
        assert_eq!(s![..=-2], [range(None, Some(-1), 1)]);
        assert_eq!(s![..;3], [Ix::step(3)]);
        assert_eq!(s![1..-1;2], [range(Some(1), Some(-1), 2)]);
        assert_eq!(s![-3], [Ix::At(-3)]);
        assert_eq!(s![NewAxis], [Ix::NewAxis]);
        assert_eq!(s![...], [Ix::Ellipsis]);
        assert_eq!(s![], [] as [Ix; 0]);
        assert_eq!(
            s![1..-1, ..;2, 3, NewAxis, ...],
            [
                Ix::range(1, -1),
                Ix::step(2),
                Ix::At(3),
                Ix::NewAxis,
                Ix::Ellipsis
            ]
        );
        // a trailing comma, and an Ix passed through
        assert_eq!(s![..., Ix::At(0),], [Ix::Ellipsis, Ix::At(0)]);
    }

    #[test]
    fn negative_steps_walk_backwards_as_in_numpy() {
        assert_eq!(s![..;-1], [Ix::step(-1)]);
        assert_eq!(picks(&[5], &s![..;-1]), vec![vec![4, 3, 2, 1, 0]]);
        // 8:2:-2
        assert_eq!(picks(&[10], &s![8..2;-2]), vec![vec![8, 6, 4]]);
        // an inclusive end is included in the walk's direction
        assert_eq!(picks(&[10], &s![8..=2;-2]), vec![vec![8, 6, 4, 2]]);
        assert_eq!(picks(&[10], &s![3..=0;-1]), vec![vec![3, 2, 1, 0]]);
        assert_eq!(picks(&[10], &s![-1..=-3;-1]), vec![vec![9, 8, 7]]);
        assert_eq!(picks(&[10], &s![2..;-1]), vec![vec![2, 1, 0]]);
        assert_eq!(picks(&[10], &s![..=-1;3]), vec![vec![0, 3, 6, 9]]);
        assert_eq!(picks(&[10], &s![..-3;-3]), vec![vec![9]]);
    }

    #[test]
    fn expressions_and_integer_types() {
        let (lo, hi, k) = (1usize, 4usize, 2usize);
        assert_eq!(s![lo..hi, k], [Ix::range(1, 4), Ix::At(2)]);
        let n: i64 = 6;
        assert_eq!(s![n - 1, ..n / 2], [Ix::At(5), range(None, Some(3), 1)]);
        let m: isize = -2;
        assert_eq!(s![m.., ..;m], [range(Some(-2), None, 1), Ix::step(-2)]);
        let step = 3i32;
        assert_eq!(s![0..=k;step], [range(Some(0), Some(3), 3)]);
        // beyond isize: out of bounds when used, never a wrap-around
        assert_eq!(s![usize::MAX], [Ix::At(isize::MAX)]);
        assert!(normalize(&[4], &s![usize::MAX]).is_err());
    }

    #[test]
    fn new_axes_and_ellipsis_resolve() {
        let sel = normalize(&[3, 4], &s![NewAxis, 1, .., NewAxis]).unwrap();
        assert_eq!(sel.shape(), vec![1, 4, 1]);
        assert_eq!(sel.result_axes, vec![None, Some(1), None]);
        assert_eq!(sel.source_of(&[0, 2, 0]), vec![1, 2]);
        // new axes do not count against the array's axes
        let sel = normalize(&[3], &s![NewAxis, ..., NewAxis, -1]).unwrap();
        assert_eq!(sel.shape(), vec![1, 1]);
        assert_eq!(
            normalize(&[2, 3], &s![..., NewAxis]).unwrap().shape(),
            vec![2, 3, 1]
        );
        assert_eq!(normalize(&[], &s![NewAxis]).unwrap().shape(), vec![1]);
        assert!(normalize(&[3], &s![.., ..]).is_err());
        assert!(normalize(&[3, 3], &s![..., 0, ...]).is_err());
        assert!(normalize(&[3], &s![..;0]).is_err());
    }
}
