//! Slicing written with `s![]` on 1-4 ranks, checked against ndarray's own
//! `s![]` slicing of the gathered array, for every distribution kind, new
//! axes included: copies (`slice`, `slice_in`), views (`slice_view`) and
//! assignment (`fill_slice`, `assign_slice_local`, `assign_slice`); the
//! new-array-in-a-layout functions (`transpose_in`, `reshape_in`) against
//! ndarray's; and an index that differs on one rank is the same error on
//! every rank.

mod harness;

use distarray::index::Ix;
use distarray::ndarray as nd;
use distarray::ndarray::{ArrayD, Axis, Dimension, IxDyn, NewAxis, SliceInfoElem};
use distarray::{s, AxisMap, Comm, Dist, DistArray, Error, Layout};
use harness::Check;

static CHECKS: &[Check] = &[
    check!(copies_match_ndarray),
    check!(views_match_ndarray_where_the_layout_allows),
    check!(assignment_matches_ndarray),
    check!(new_arrays_in_a_chosen_layout),
    check!(numpy_transpose_and_reshape_in_balanced_blocks),
    check!(an_index_that_differs_on_one_rank_is_an_error_everywhere),
];

fn main() {
    harness::main("mpi_slicing", CHECKS, &[1, 2, 3, 4]);
}

/// One index twice: ours (NumPy's meaning) and ndarray's for the same
/// cells (ndarray's negative step reverses its range, so `8..2;-2` is
/// ndarray's `3..=8;-2`; ndarray has no `...`).
macro_rules! case {
    ([$($ours:tt)*], [$($theirs:tt)*]) => {
        (s![$($ours)*].to_vec(), {
            // ndarray's s![1..-1] needs this; ours does not
            #[allow(clippy::reversed_empty_ranges)]
            let theirs = nd::s![$($theirs)*];
            theirs.as_ref().to_vec()
        })
    };
}

type Case = (Vec<Ix>, Vec<SliceInfoElem>);

/// Indexes for an array of `shape`, each with ndarray's equivalent.
fn cases(shape: &[usize]) -> Vec<Case> {
    let k = shape[0] - 2; // an expression bound
    match shape.len() {
        1 => vec![
            case!([1..-1; 3], [1..-1; 3]),
            case!([..; -4], [..; -4]),
            case!([NewAxis, 2..], [NewAxis, 2..]),
            case!([.., NewAxis], [.., NewAxis]),
            case!([-3..=-1], [-3..]),
            case!([k..; -2], [..=k; -2]),
            case!([..., NewAxis, 4..4], [NewAxis, 4..4]),
        ],
        2 => vec![
            case!([1..-1, ..;2], [1..-1, ..;2]),
            case!([..;-1, 3], [..;-1, 3]),
            case!([NewAxis, ..., -1], [NewAxis, .., -1]),
            case!([5..1;-2, NewAxis, 1..=3], [2..=5;-2, NewAxis, 1..=3]),
            case!([-1, ..], [-1, ..]),
            case!([..=-2;3, NewAxis], [..-1;3, NewAxis, ..]),
            case!([3..3, ..], [3..3, ..]),
            case!([.., 4..;-1], [.., ..=4;-1]),
            case!([k, NewAxis, NewAxis], [k, NewAxis, NewAxis, ..]),
        ],
        _ => vec![
            case!([..., 1..;2], [.., .., 1..;2]),
            case!([1, NewAxis, ..;-1, -2], [1, NewAxis, ..;-1, -2]),
            case!([-1..;-1, 1..3, ...], [..;-1, 1..3, ..]),
            case!(
                [.., 2, NewAxis, NewAxis, 1..4],
                [.., 2, NewAxis, NewAxis, 1..4]
            ),
            case!([NewAxis, ...], [NewAxis, .., .., ..]),
        ],
    }
}

/// Arrays of every distribution kind, uneven sizes and empty parts, ghost
/// cells, an unstructured axis.
fn layouts(comm: &Comm) -> Vec<Layout> {
    let p = comm.size();
    let mine: Vec<usize> = (0..13)
        .rev()
        .filter(|g| (g * 7 + 2) % p == comm.rank())
        .collect();
    let ghosts = |periodic| Dist::BlockPadded {
        ghost_width: 1,
        boundary_width: (1, 1),
        periodic,
    };
    // irregular blocks, the first one empty (on more than one rank)
    let bounds: Vec<usize> = match p {
        1 => vec![0, 13],
        _ => [0]
            .into_iter()
            .chain((0..p).map(|i| 13 * i / (p - 1)))
            .collect(),
    };
    let new = |shape: &[usize], dists: &[Dist]| Layout::new(comm, shape, dists).unwrap();
    vec![
        Layout::block(comm, &[13]).unwrap(),
        new(&[13], &[Dist::Cyclic]),
        new(&[13], &[Dist::BlockCyclic(3)]),
        new(&[13], &[ghosts(false)]),
        new(&[13], &[Dist::BlockBounds(bounds)]),
        Layout::with_grid(
            comm,
            &[13],
            &[Dist::Unstructured {
                indices: mine,
                one_to_one: true,
            }],
            &[p],
        )
        .unwrap(),
        new(&[7, 5], &[Dist::Cyclic, Dist::Block]),
        new(&[7, 5], &[Dist::NotDistributed, Dist::BlockCyclic(2)]),
        new(&[7, 5], &[ghosts(true), Dist::NotDistributed]),
        new(&[7, 5], &[Dist::Block, Dist::NotDistributed]),
        new(
            &[3, 4, 5],
            &[Dist::NotDistributed, Dist::BlockCyclic(2), Dist::Block],
        ),
        new(&[3, 4, 5], &[Dist::Block, Dist::Block, Dist::Block]),
        new(
            &[3, 4, 5],
            &[Dist::NotDistributed, Dist::NotDistributed, Dist::Cyclic],
        ),
    ]
}

/// Distinct values: the cell's C-order position.
fn data(layout: &Layout) -> DistArray<f64> {
    let shape = layout.shape().to_vec();
    DistArray::from_fn(layout, move |ix: &[usize]| {
        ix.iter().zip(&shape).fold(0, |f, (&i, &n)| f * n + i) as f64
    })
}

fn expected(g: &ArrayD<f64>, theirs: &[SliceInfoElem]) -> ArrayD<f64> {
    g.slice(theirs).to_owned()
}

fn copies_match_ndarray(comm: &Comm) {
    for layout in layouts(comm) {
        let a = data(&layout);
        let g = a.gather_all().unwrap();
        for (ours, theirs) in cases(layout.shape()) {
            let want = expected(&g, &theirs);
            let got = a
                .slice(&ours)
                .unwrap_or_else(|e| panic!("{layout:?} {ours:?}: {e}"));
            assert_eq!(got.gather_all().unwrap(), want, "{layout:?} {ours:?}");
            // into a layout of our choosing (block-cyclic on every axis)
            let target =
                Layout::new(comm, want.shape(), &vec![Dist::BlockCyclic(2); want.ndim()]).unwrap();
            let got = a.slice_in(&ours, &target).unwrap();
            assert_eq!(got.layout(), &target);
            assert_eq!(got.gather_all().unwrap(), want, "slice_in {ours:?}");
        }
    }
}

/// True when every axis `ours` cuts is held whole by each rank.
fn viewable(layout: &Layout, ours: &[Ix]) -> bool {
    let sel = distarray::index::normalize(layout.shape(), ours).unwrap();
    sel.axes.iter().enumerate().all(|(a, s)| {
        let whole = s.keep && s.start == 0 && s.step == 1 && s.len == layout.shape()[a];
        let held = layout.grid().shape()[a] == 1
            && !matches!(layout.map(a), AxisMap::Block(b) if b.is_padded())
            && !matches!(layout.map(a), AxisMap::Unstructured(_));
        whole || held
    })
}

fn views_match_ndarray_where_the_layout_allows(comm: &Comm) {
    let mut made = 0;
    for layout in layouts(comm) {
        let a = data(&layout);
        let g = a.gather_all().unwrap();
        for (ours, theirs) in cases(layout.shape()) {
            match a.slice_view(&ours) {
                Ok(v) => {
                    assert!(viewable(&layout, &ours), "{layout:?} {ours:?}");
                    assert_eq!(v.gather_all().unwrap(), expected(&g, &theirs), "{ours:?}");
                    made += 1;
                }
                Err(Error::LayoutMismatch { detail, .. }) => {
                    assert!(!viewable(&layout, &ours), "{layout:?} {ours:?}: {detail}");
                    assert!(detail.contains("slice()"), "{detail}");
                }
                Err(e) => panic!("{layout:?} {ours:?}: {e}"),
            }
        }
    }
    assert!(made > 10, "only {made} views");
    // a view with new axes borrows the array's memory: a[2, np.newaxis, :, np.newaxis]
    let layout = Layout::new(comm, &[4, 6], &[Dist::NotDistributed, Dist::Cyclic]).unwrap();
    let a = data(&layout);
    let v = a.slice_view(s![2, NewAxis, .., NewAxis]).unwrap();
    assert_eq!(v.shape(), &[1, 6, 1]);
    let local = a.local();
    let row = local.index_axis(Axis(0), 2);
    assert_eq!(v.local().len(), row.len());
    assert!(v
        .local()
        .iter()
        .zip(row.iter())
        .all(|(x, y)| std::ptr::eq(x, y)));
}

fn assignment_matches_ndarray(comm: &Comm) {
    for layout in layouts(comm) {
        for (ours, theirs) in cases(layout.shape()) {
            let mut want = data(&layout).gather_all().unwrap();
            let shape = want.slice(&theirs[..]).shape().to_vec();
            let vals = ArrayD::from_shape_fn(IxDyn(&shape), |r| {
                100.0 + r.slice().iter().fold(0, |f, &i| f * 10 + i) as f64
            });
            // a scalar
            let mut a = data(&layout);
            a.fill_slice(&ours, -1.0).unwrap();
            let mut filled = want.clone();
            filled.slice_mut(&theirs[..]).fill(-1.0);
            assert_eq!(a.gather_all().unwrap(), filled, "fill {layout:?} {ours:?}");
            // an ndarray every rank holds
            let mut a = data(&layout);
            a.assign_slice_local(&ours, vals.view()).unwrap();
            want.slice_mut(&theirs[..]).assign(&vals);
            assert_eq!(a.gather_all().unwrap(), want, "local {layout:?} {ours:?}");
            // a distributed array in another layout (new axes included)
            let cyclic = Layout::new(comm, &shape, &vec![Dist::Cyclic; shape.len()]).unwrap();
            let v = DistArray::from_global(&cyclic, 0, (comm.rank() == 0).then(|| vals.view()))
                .unwrap();
            let mut b = data(&layout);
            b.assign_slice(&ours, &v).unwrap();
            assert_eq!(b.gather_all().unwrap(), want, "dist {layout:?} {ours:?}");
            // ghost copies follow their owners: the buffer equals a fresh fill
            let fresh = DistArray::from_global(&layout, 0, (comm.rank() == 0).then(|| want.view()))
                .unwrap();
            assert_eq!(b.local(), fresh.local(), "ghosts {layout:?} {ours:?}");
        }
    }
    // a value shaped without the new axis is refused, on every rank alike
    let layout = Layout::block(comm, &[6]).unwrap();
    let mut a = data(&layout);
    let flat = DistArray::<f64>::zeros(&Layout::block(comm, &[3]).unwrap());
    let err = a.assign_slice(s![..;2, NewAxis], &flat).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    harness::assert_same_everywhere(comm, &err);
}

/// `transpose_in` and `reshape_in` make a new array in the layout given,
/// as ndarray's `permuted_axes` and `to_shape` do.
fn new_arrays_in_a_chosen_layout(comm: &Comm) {
    for layout in layouts(comm) {
        let a = data(&layout);
        let g = a.gather_all().unwrap();
        let perm: Vec<usize> = (0..layout.ndim()).rev().collect();
        let want = g.clone().permuted_axes(IxDyn(&perm));
        let target = Layout::new(comm, want.shape(), &vec![Dist::Cyclic; want.ndim()]).unwrap();
        let t = a.transpose_in(&perm, &target).unwrap();
        assert_eq!(t.layout(), &target);
        assert_eq!(t.gather_all().unwrap(), want, "transpose {layout:?}");
        let n = layout.global_len();
        let shape = if n % 2 == 0 { vec![2, n / 2] } else { vec![n] };
        let target = Layout::new(comm, &shape, &vec![Dist::BlockCyclic(2); shape.len()]).unwrap();
        let r = a.reshape_in(&target).unwrap();
        assert_eq!(r.layout(), &target);
        let want = g.to_shape(IxDyn(&shape)).unwrap().to_owned();
        assert_eq!(r.gather_all().unwrap(), want, "reshape {layout:?}");
    }
}

/// `transpose(perm)` and `reshape(shape)` (NumPy's names) make balanced
/// blocks; a bad permutation or size, or one rank's other permutation, is
/// the same error on every rank.
fn numpy_transpose_and_reshape_in_balanced_blocks(comm: &Comm) {
    for layout in layouts(comm) {
        let a = data(&layout);
        let g = a.gather_all().unwrap();
        let perm: Vec<usize> = (0..layout.ndim()).rev().collect();
        let t = a.transpose(&perm).unwrap();
        let want = g.clone().permuted_axes(IxDyn(&perm));
        assert_eq!(t.layout(), &Layout::block(comm, want.shape()).unwrap());
        assert_eq!(t.gather_all().unwrap(), want, "transpose {layout:?}");
        let n = layout.global_len();
        let r = a.reshape(&[n]).unwrap();
        assert_eq!(
            r.gather_all().unwrap().as_slice().unwrap(),
            g.iter().copied().collect::<Vec<_>>().as_slice()
        );
        let err = a.reshape(&[n + 1]).unwrap_err();
        harness::assert_same_everywhere(comm, &err);
        if layout.ndim() > 1 {
            let err = a.transpose(&vec![0; layout.ndim()]).unwrap_err();
            harness::assert_same_everywhere(comm, &err);
        }
    }
    if comm.size() > 1 {
        let a = data(&Layout::block(comm, &[4, 3]).unwrap());
        let perm: &[usize] = if comm.rank() == 0 { &[1, 0] } else { &[0, 1] };
        let err = a.transpose(perm).unwrap_err();
        harness::assert_same_everywhere(comm, &err);
    }
}

/// A rank whose index puts the new axis elsewhere, or selects other
/// cells, gets the error every rank gets (no hang, no rank-local error).
fn an_index_that_differs_on_one_rank_is_an_error_everywhere(comm: &Comm) {
    if comm.size() == 1 {
        return;
    }
    let odd = comm.rank() + 1 == comm.size();
    let layout = Layout::block(comm, &[8, 3]).unwrap();
    let a = data(&layout);
    let index = if odd {
        s![NewAxis, .., 0].to_vec()
    } else {
        s![.., NewAxis, 0].to_vec()
    };
    let err = a.slice(&index).unwrap_err();
    harness::assert_same_everywhere(comm, &err);
    // same shape, other cells
    let lo = usize::from(odd);
    let target = Layout::block(comm, &[4, 1]).unwrap();
    let err = a.slice_in(s![lo..lo + 4, NewAxis, 1], &target).unwrap_err();
    harness::assert_same_everywhere(comm, &err);
    let mut b = data(&layout);
    let v = DistArray::<f64>::zeros(&Layout::block(comm, &[1, 3]).unwrap());
    let row = if odd { 1 } else { 0 };
    let err = b.assign_slice(s![row, NewAxis, ..], &v).unwrap_err();
    harness::assert_same_everywhere(comm, &err);
    // and agreeing indexes still work after the errors
    let ok = a.slice(s![NewAxis, -1, ..]).unwrap();
    assert_eq!(ok.gather_all().unwrap().shape(), &[1, 3]);
}
