//! `io::open` and `AnyDistArray` on 1-4 ranks: `.npy` files (C and
//! Fortran order) and `.dnpy` sets (by prefix and by one of their files)
//! of every dtype are recognized from their headers and load, without
//! naming the dtype, to what was saved (the saved distribution restored
//! when the rank count matches, balanced blocks otherwise); a wrong dtype,
//! or ranks that see different files, give every rank the same error;
//! `?` turns a `std::io::Error` into `Error::Io`.

mod harness;

use distarray::io::{self, FileInfo, Format, Order, StoredLayout};
use distarray::num_complex::{Complex32, Complex64};
use distarray::random::RandomElement;
use distarray::{any_dist_array_apply, AnyDistArray, Comm, DType, Dist, DistArray, Element};
use distarray::{Error, Layout};
use harness::{assert_same_everywhere, io_layouts, scratch, Check};
use std::path::Path;

static CHECKS: &[Check] = &[
    check!(npy_files_open_and_load_for_every_dtype_and_order),
    check!(dnpy_sets_open_by_prefix_or_file_and_load_for_every_dtype),
    check!(sets_of_other_rank_counts_load_in_blocks),
    check!(wrong_dtypes_are_refused_everywhere_alike),
    check!(ranks_that_see_different_files_are_refused_alike),
    check!(any_dist_arrays_save_every_format),
    check!(std_io_errors_convert_with_the_question_mark),
];

fn main() {
    harness::main("mpi_open", CHECKS, &[1, 2, 3, 4]);
}

/// Calls `$f::<T>($args)` for every element type.
macro_rules! every_dtype {
    ($f:ident($($arg:expr),*)) => {
        $f::<bool>($($arg),*);
        $f::<u8>($($arg),*);
        $f::<i32>($($arg),*);
        $f::<i64>($($arg),*);
        $f::<f32>($($arg),*);
        $f::<f64>($($arg),*);
        $f::<Complex32>($($arg),*);
        $f::<Complex64>($($arg),*);
    };
}

/// `io::open` on every rank, agreed.
fn open_all(comm: &Comm, path: &Path) -> FileInfo {
    comm.agree(io::open(path))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn npy_files_open_and_load_for_every_dtype_and_order(comm: &Comm) {
    fn one<T: Element + RandomElement>(comm: &Comm, out: &Path) {
        for (i, layout) in io_layouts(comm).into_iter().enumerate() {
            for order in [Order::C, Order::Fortran] {
                let a = DistArray::<T>::random(&layout, 11);
                let path = out.join(format!("{}-{i}-{order:?}.npy", T::DTYPE));
                a.save_npy(&path, order).unwrap();
                let info = open_all(comm, &path);
                assert_eq!(info.format, Format::Npy);
                assert_eq!(info.path, path);
                assert_eq!((&info.shape[..], info.dtype), (layout.shape(), T::DTYPE));
                assert_eq!((info.order, &info.stored_layout), (order, &None));
                let whole = a.gather_all().unwrap();
                // no saved layout: balanced blocks
                let b = info.load(comm).unwrap();
                assert_eq!(b.dtype(), T::DTYPE);
                assert!(*b.layout() == Layout::block(comm, layout.shape()).unwrap());
                assert_eq!(b.typed::<T>().unwrap().gather_all().unwrap(), whole);
                // into the layout it was saved from
                let c = info.load_in(&layout).unwrap();
                assert!(*c.layout() == layout);
                assert_eq!(c.typed::<T>().unwrap().local(), a.local());
                let d: DistArray<T> = info.load_as(comm).unwrap();
                assert_eq!(d.gather_all().unwrap(), whole);
            }
        }
    }
    let out = scratch(comm, "open-npy");
    every_dtype!(one(comm, &out));
}

fn dnpy_sets_open_by_prefix_or_file_and_load_for_every_dtype(comm: &Comm) {
    fn one<T: Element + RandomElement>(comm: &Comm, out: &Path) {
        for (i, layout) in io_layouts(comm).into_iter().enumerate() {
            let a = DistArray::<T>::random(&layout, 12);
            let prefix = out.join(format!("{}-{i}", T::DTYPE));
            a.save_dnpy(&prefix).unwrap();
            let info = open_all(comm, &prefix);
            let last = io::dnpy_path(&prefix, comm.size() - 1);
            assert_eq!(open_all(comm, &last), info, "by one of its files");
            assert_eq!(info.path, prefix);
            assert_eq!(info.format, Format::Dnpy { ranks: comm.size() });
            assert_eq!((&info.shape[..], info.dtype), (layout.shape(), T::DTYPE));
            assert_eq!(info.order, Order::C);
            let export = a.to_dap();
            match &info.stored_layout {
                Some(StoredLayout::Dnpy {
                    dim_data,
                    buffer_shapes,
                }) => {
                    assert_eq!(dim_data.len(), comm.size());
                    assert_eq!(dim_data[comm.rank()], export.dim_data);
                    assert_eq!(buffer_shapes[comm.rank()], export.buffer.shape());
                }
                other => panic!("no per-rank dim_data: {other:?}"),
            }
            // the saved distribution comes back
            let b = info.load(comm).unwrap();
            assert!(*b.layout() == layout, "{layout:?}");
            assert_eq!(b.typed::<T>().unwrap().local(), a.local());
            let cyclic = Layout::new(comm, layout.shape(), &vec![Dist::Cyclic; layout.ndim()]);
            let c = info.load_in(&cyclic.unwrap()).unwrap();
            assert_eq!(
                c.typed::<T>().unwrap().gather_all().unwrap(),
                a.gather_all().unwrap()
            );
        }
    }
    let out = scratch(comm, "open-dnpy");
    every_dtype!(one(comm, &out));
}

/// A set saved by rank 0 alone loads in balanced blocks on every rank.
fn sets_of_other_rank_counts_load_in_blocks(comm: &Comm) {
    let out = scratch(comm, "open-one-rank");
    let prefix = out.join("solo");
    let solo = comm.subset(comm.rank() == 0);
    if let Some(solo) = &solo {
        let l = Layout::new(solo, &[9, 4], &[Dist::Cyclic, Dist::Block]).unwrap();
        DistArray::from_fn(&l, |ix| (ix[0] * 4 + ix[1]) as i64)
            .save_dnpy(&prefix)
            .unwrap();
    }
    comm.barrier();
    let info = open_all(comm, &prefix);
    assert_eq!(info.format, Format::Dnpy { ranks: 1 });
    let a = info.load(comm).unwrap();
    let expected = if comm.size() == 1 {
        Layout::new(comm, &[9, 4], &[Dist::Cyclic, Dist::Block]).unwrap()
    } else {
        Layout::block(comm, &[9, 4]).unwrap()
    };
    assert!(*a.layout() == expected, "{:?}", a.layout());
    let whole = a.as_i64().unwrap().gather_all().unwrap();
    assert!(whole
        .indexed_iter()
        .all(|(ix, &v)| v == (ix[0] * 4 + ix[1]) as i64));
}

fn wrong_dtypes_are_refused_everywhere_alike(comm: &Comm) {
    let out = scratch(comm, "open-dtype");
    let layout = Layout::block(comm, &[6, 2]).unwrap();
    let a = DistArray::<f64>::from_fn(&layout, |ix| ix[0] as f64);
    a.save_npy(out.join("a.npy"), Order::C).unwrap();
    a.save_dnpy(out.join("a")).unwrap();
    for path in [out.join("a.npy"), out.join("a")] {
        let info = open_all(comm, &path);
        let e = info.load_as::<i32>(comm).unwrap_err();
        assert!(matches!(e, Error::DTypeMismatch { .. }), "{e}");
        assert!(
            e.to_string().contains("expected int32, found float64"),
            "{e}"
        );
        assert_same_everywhere(comm, &e);
    }
    let any = open_all(comm, &out.join("a")).load(comm).unwrap();
    assert!(any.as_f64().is_some() && any.as_f32().is_none() && any.as_c128().is_none());
    assert!(any.typed::<i64>().is_none());
    let e = any.into_i32().unwrap_err();
    assert_eq!(
        e.to_string(),
        "element type mismatch: expected int32, found float64 (the AnyDistArray's)"
    );
    let any = AnyDistArray::from(DistArray::<Complex32>::zeros(&layout));
    let e = DistArray::<f32>::try_from(any).unwrap_err();
    assert!(
        e.to_string().contains("expected float32, found complex64"),
        "{e}"
    );
    let e = AnyDistArray::from(DistArray::<Complex64>::zeros(&layout))
        .to_f64()
        .unwrap_err();
    assert!(matches!(e, Error::DTypeMismatch { .. }), "{e}");
    // the numeric cast of the real types
    let ints = AnyDistArray::from(DistArray::from_fn(&layout, |ix| ix[0] as i64 - 3));
    let bools = AnyDistArray::from(DistArray::from_fn(&layout, |ix| ix[1] == 1));
    assert_eq!(ints.to_f64().unwrap().local(), a.map(|x| x - 3.0).local());
    let b = bools.to_f64().unwrap().gather_all().unwrap();
    assert!(b.indexed_iter().all(|(ix, &x)| x == ix[1] as f64));
}

/// One rank opens another file (another dtype, another shape): loading
/// gives every rank the same error instead of a hang or mixed data.
fn ranks_that_see_different_files_are_refused_alike(comm: &Comm) {
    let out = scratch(comm, "open-differ");
    let layout = Layout::block(comm, &[5, 3]).unwrap();
    DistArray::<f64>::zeros(&layout)
        .save_npy(out.join("f.npy"), Order::C)
        .unwrap();
    DistArray::<i32>::zeros(&layout)
        .save_npy(out.join("i.npy"), Order::C)
        .unwrap();
    let other = Layout::block(comm, &[3, 5]).unwrap();
    DistArray::<f64>::zeros(&other)
        .save_npy(out.join("t.npy"), Order::C)
        .unwrap();
    let f = open_all(comm, &out.join("f.npy"));
    // the shape of the target layout is checked, the same everywhere
    let e = f.load_in(&other).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    assert_same_everywhere(comm, &e);
    // a file missing on one rank: agreed at open
    let odd = comm.rank() + 1 == comm.size();
    let missing = comm.agree(io::open(out.join(if odd { "none.npy" } else { "f.npy" })));
    let e = missing.unwrap_err();
    assert!(e.to_string().contains("none.npy"), "{e}");
    assert_same_everywhere(comm, &e);
    // io::load: open and load in one collective call, the same verdicts
    let e = io::load(comm, out.join(if odd { "none.npy" } else { "f.npy" })).unwrap_err();
    assert!(e.to_string().contains("none.npy"), "{e}");
    assert_same_everywhere(comm, &e);
    let a = io::load(comm, out.join("i.npy")).unwrap();
    assert_eq!((a.dtype(), a.shape()), (DType::I32, &[5, 3][..]));
    // a file rewritten between open and load with another shape: an
    // error everywhere, never an array that differs from its FileInfo
    // (.npy's loader sees it itself; a .dnpy set restored in its saved
    // layout is caught by the shape check after loading)
    let info = open_all(comm, &out.join("f.npy"));
    DistArray::<f64>::random(&layout, 3)
        .save_dnpy(out.join("s"))
        .unwrap();
    let set = open_all(comm, &out.join("s"));
    comm.barrier();
    DistArray::<f64>::zeros(&other)
        .save_npy(out.join("f.npy"), Order::C)
        .unwrap();
    DistArray::<f64>::zeros(&other)
        .save_dnpy(out.join("s"))
        .unwrap();
    let e = info.load(comm).unwrap_err();
    assert_same_everywhere(comm, &e);
    let e = set.load(comm).unwrap_err();
    assert!(e.to_string().contains("changed since io::open"), "{e}");
    assert_same_everywhere(comm, &e);
    if comm.size() == 1 {
        return;
    }
    // the rewrite above left f.npy 3 x 5: put it back for what follows
    DistArray::<f64>::zeros(&layout)
        .save_npy(out.join("f.npy"), Order::C)
        .unwrap();
    for theirs in ["i.npy", "t.npy"] {
        let info = open_all(comm, &out.join(if odd { theirs } else { "f.npy" }));
        let e = info.load(comm).unwrap_err();
        assert!(matches!(e, Error::ArgumentsDiffer { .. }), "{e}");
        assert!(e.to_string().contains("FileInfo::load"), "{e}");
        assert_same_everywhere(comm, &e);
    }
}

/// Whether `a` holds `T`s and the same local cells as `x`.
fn same_cells<T: Element>(a: &AnyDistArray, x: &DistArray<T>) -> bool {
    a.typed::<T>().is_some_and(|y| y.local() == x.local())
}

fn any_dist_arrays_save_every_format(comm: &Comm) {
    let out = scratch(comm, "open-any-save");
    let layout = Layout::new(comm, &[7, 3], &[Dist::Cyclic, Dist::Block]).unwrap();
    let arrays = [
        AnyDistArray::from(DistArray::<u8>::random(&layout, 1)),
        AnyDistArray::from(DistArray::<Complex64>::random(&layout, 2)),
        AnyDistArray::from(DistArray::<bool>::random(&layout, 3)),
    ];
    for (i, a) in arrays.iter().enumerate() {
        let npy = out.join(format!("{i}.npy"));
        a.save_npy(&npy, Order::Fortran).unwrap();
        let prefix = out.join(format!("{i}"));
        a.save_dnpy(&prefix).unwrap();
        for path in [npy, prefix] {
            let info = open_all(comm, &path);
            assert_eq!(info.dtype, a.dtype());
            let b = info.load_in(a.layout()).unwrap();
            // one generic function for whatever dtype `b` holds
            let same = any_dist_array_apply!(&b, |x| same_cells(a, x));
            assert!(same, "{}: {}", path.display(), a.dtype());
        }
    }
    // every rank must hold the same dtype to save
    if comm.size() > 1 {
        let mixed = if comm.rank() == 0 {
            AnyDistArray::from(DistArray::<f64>::zeros(&layout))
        } else {
            AnyDistArray::from(DistArray::<f32>::zeros(&layout))
        };
        let e = mixed.save_npy(out.join("mixed.npy"), Order::C).unwrap_err();
        assert!(matches!(e, Error::ArgumentsDiffer { .. }), "{e}");
        assert_same_everywhere(comm, &e);
        comm.barrier();
        assert!(!out.join("mixed.npy").exists());
    }
    let _ = DType::ALL;
}

fn std_io_errors_convert_with_the_question_mark(comm: &Comm) {
    fn size_of(path: &Path) -> distarray::Result<u64> {
        let meta = std::fs::metadata(path)?;
        Ok(meta.len())
    }
    let out = scratch(comm, "open-question-mark");
    let e = size_of(&out.join("absent")).unwrap_err();
    match &e {
        Error::Io { path, detail } => {
            assert!(path.is_empty());
            assert!(detail.contains("No such file"), "{detail}");
        }
        other => panic!("not an Io error: {other:?}"),
    }
    assert!(!e.to_string().starts_with(':'), "{e}");
    DistArray::<i32>::zeros(&Layout::block(comm, &[4]).unwrap())
        .save_npy(out.join("s.npy"), Order::C)
        .unwrap();
    assert!(size_of(&out.join("s.npy")).unwrap() > 16);
}
