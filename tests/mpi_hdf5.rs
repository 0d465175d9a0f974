//! Parallel HDF5 on 1-4 ranks (feature `hdf5`): every kind and dtype round
//! trips, chunked and contiguous, in nested groups; the saved layout comes
//! back from the attribute; h5py (and numpy, for .npy) read our files;
//! broken input gives every rank the same error; `io::open` finds the
//! file's dataset, its dtype and saved layout, and loads it as an
//! `AnyDistArray` for every dtype.

mod harness;

use distarray::io::{self, Format, Order, StoredLayout};
use distarray::num_complex::{Complex32, Complex64};
use distarray::random::RandomElement;
use distarray::{AnyDistArray, Comm, Dist, DistArray, Element, Error, Layout};
use harness::{assert_same_everywhere, io_layouts, scratch, Check};

static CHECKS: &[Check] = &[
    check!(round_trips_every_kind_and_dtype),
    check!(layout_comes_back_from_the_attribute),
    check!(python_reads_our_files),
    check!(broken_input_fails_everywhere_alike),
    check!(names_that_differ_on_one_rank_fail_everywhere_alike),
    check!(open_finds_the_dataset_and_loads_every_dtype),
    check!(chunked_and_compressed_datasets_h5py_writes_load),
];

fn main() {
    harness::main("mpi_hdf5", CHECKS, &[1, 2, 3, 4]);
}

fn round_trips_every_kind_and_dtype(comm: &Comm) {
    fn one<T: distarray::io::H5Element + RandomElement>(comm: &Comm, out: &std::path::Path) {
        for (i, layout) in io_layouts(comm).into_iter().enumerate() {
            for chunk in [None, Some(vec![1; layout.ndim()])] {
                if chunk.is_some() && layout.shape().contains(&0) {
                    continue; // HDF5 refuses chunks on an empty extent
                }
                let a = DistArray::<T>::random(&layout, 5);
                let path = out.join(format!("{}-{i}-{}.h5", T::DTYPE, chunk.is_some()));
                a.save_hdf5(&path, "group/sub/data", chunk.as_deref())
                    .unwrap();
                let b = DistArray::<T>::load_hdf5(&layout, &path, "group/sub/data").unwrap();
                assert_eq!(b.local(), a.local(), "{:?} {layout:?}", T::DTYPE);
                let other =
                    Layout::new(comm, layout.shape(), &vec![Dist::Cyclic; layout.ndim()]).unwrap();
                let c = DistArray::<T>::load_hdf5(&other, &path, "group/sub/data").unwrap();
                assert_eq!(c.gather_all().unwrap(), a.gather_all().unwrap());
            }
        }
    }
    let out = scratch(comm, "kinds");
    one::<f64>(comm, &out);
    one::<f32>(comm, &out);
    one::<i64>(comm, &out);
    one::<i32>(comm, &out);
    one::<u8>(comm, &out);
    one::<bool>(comm, &out);
    one::<Complex64>(comm, &out);
}

fn layout_comes_back_from_the_attribute(comm: &Comm) {
    let out = scratch(comm, "restore");
    for layout in io_layouts(comm).into_iter().take(4) {
        let a = DistArray::<f64>::random(&layout, 6);
        let path = out.join("r.h5");
        a.save_hdf5(&path, "u", None).unwrap();
        let b = DistArray::<f64>::load_hdf5_restore(comm, &path, "u").unwrap();
        assert!(
            b.layout() == a.layout(),
            "{:?} vs {:?}",
            b.layout(),
            a.layout()
        );
        assert_eq!(b.local(), a.local());
    }
}

fn python_reads_our_files(comm: &Comm) {
    let out = scratch(comm, "python");
    let layout = Layout::new(comm, &[6, 4], &[Dist::Cyclic, Dist::Block]).unwrap();
    let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 4 + ix[1]) as f64);
    a.save_hdf5(out.join("a.h5"), "results/u", Some(&[2, 2]))
        .unwrap();
    a.save_npy(out.join("a.npy"), Order::C).unwrap();
    a.save_npy(out.join("f.npy"), Order::Fortran).unwrap();
    if comm.rank() == 0 {
        let script = format!(
            "import h5py, numpy as np\n\
             want = np.arange(24, dtype=np.float64).reshape(6, 4)\n\
             with h5py.File('{d}/a.h5', 'r') as f:\n    assert (f['results/u'][...] == want).all()\n    assert 'distarray_layout' in f['results/u'].attrs\n    assert f['results/u'].chunks == (2, 2), f['results/u'].chunks\n\
             assert (np.load('{d}/a.npy') == want).all()\n\
             f = np.load('{d}/f.npy')\nassert (f == want).all() and np.isfortran(f)\nprint('python ok')",
            d = out.display()
        );
        let run = std::process::Command::new("python3")
            .args(["-c", &script])
            .output()
            .expect("python3 runs");
        assert!(
            run.status.success(),
            "h5py/numpy could not read our files:\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
}

fn broken_input_fails_everywhere_alike(comm: &Comm) {
    let out = scratch(comm, "broken");
    let layout = Layout::block(comm, &[5, 3]).unwrap();
    let a = DistArray::<f64>::random(&layout, 1);
    let path = out.join("a.h5");
    a.save_hdf5(&path, "d", None).unwrap();
    let cases: Vec<Error> = vec![
        DistArray::<f64>::load_hdf5(&layout, out.join("missing.h5"), "d").unwrap_err(),
        DistArray::<f64>::load_hdf5(&layout, &path, "nope").unwrap_err(),
        DistArray::<f64>::load_hdf5(&Layout::block(comm, &[3, 5]).unwrap(), &path, "d")
            .unwrap_err(),
    ];
    for e in &cases {
        assert_same_everywhere(comm, e);
    }
    // a corrupt file
    comm.barrier();
    if comm.rank() == 0 {
        std::fs::write(
            out.join("corrupt.h5"),
            b"\x89HDF\r\n\x1a\n garbage that is not a superblock",
        )
        .unwrap();
    }
    comm.barrier();
    let e = DistArray::<f64>::load_hdf5(&layout, out.join("corrupt.h5"), "d").unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
    assert_same_everywhere(comm, &e);
    let e = DistArray::<i32>::load_hdf5(&layout, &path, "d").unwrap_err();
    assert!(matches!(e, Error::DTypeMismatch { .. }), "{e}");
    assert_same_everywhere(comm, &e);
    let e = a
        .save_hdf5(out.join("no-dir").join("x.h5"), "d", None)
        .unwrap_err();
    assert_same_everywhere(comm, &e);
    let _ = <f64 as Element>::DTYPE;
}

/// A file missing on one rank, or a file or dataset name that differs on
/// one rank, on load or on save: the same error on every rank (agreed
/// before HDF5's collective open or create), and a failed save leaves no
/// file behind.
fn names_that_differ_on_one_rank_fail_everywhere_alike(comm: &Comm) {
    let out = scratch(comm, "hdf5-names");
    let odd = comm.rank() + 1 == comm.size();
    let layout = Layout::new(comm, &[7, 3], &[Dist::Block, Dist::Cyclic]).unwrap();
    let a = DistArray::<f64>::random(&layout, 1);
    let path = out.join("a.h5");
    a.save_hdf5(&path, "data", None).unwrap();
    if comm.size() > 1 {
        // another dataset name on one rank
        let name = if odd { "other" } else { "data" };
        let err = DistArray::<f64>::load_hdf5(&layout, &path, name).expect_err("names differ");
        assert_same_everywhere(comm, &err);
        assert!(matches!(err, Error::ArgumentsDiffer { .. }), "{err}");
        // a file only the other ranks have
        let missing = out.join("missing.h5");
        let which = if odd { &missing } else { &path };
        let err = DistArray::<f64>::load_hdf5(&layout, which, "data").expect_err("paths differ");
        assert_same_everywhere(comm, &err);
        // another dataset name on save: refused everywhere, nothing written
        let fresh = out.join("b.h5");
        let err = a
            .save_hdf5(&fresh, if odd { "x" } else { "y" }, None)
            .expect_err("names differ on save");
        assert_same_everywhere(comm, &err);
        comm.barrier();
        assert!(!fresh.exists(), "a refused save leaves no file");
    }
    // a file missing everywhere is the same error everywhere too
    let err = DistArray::<f64>::load_hdf5(&layout, out.join("nowhere.h5"), "data")
        .expect_err("no such file");
    assert_same_everywhere(comm, &err);
    // and the good file still loads
    let b = DistArray::<f64>::load_hdf5(&layout, &path, "data").unwrap();
    assert_eq!(b.local(), a.local());
}

/// `io::open` of a file with one dataset (in nested groups): its name,
/// shape, dtype and saved layout from the headers; loaded without naming
/// the dtype, in the saved layout and in another one; `open_hdf5` names
/// the dataset; `AnyDistArray::save_hdf5` writes what loads back.
fn open_finds_the_dataset_and_loads_every_dtype(comm: &Comm) {
    fn one<T: distarray::io::H5Element + RandomElement>(comm: &Comm, out: &std::path::Path) {
        for (i, layout) in io_layouts(comm).into_iter().enumerate() {
            let a = DistArray::<T>::random(&layout, 8);
            let path = out.join(format!("{}-{i}.h5", T::DTYPE));
            a.save_hdf5(&path, "g/h/u", None).unwrap();
            let info = comm.agree(io::open(&path)).unwrap();
            assert_eq!(
                info.format,
                Format::Hdf5 {
                    dataset: "g/h/u".into()
                }
            );
            assert_eq!((&info.shape[..], info.dtype), (layout.shape(), T::DTYPE));
            assert_eq!(info.order, Order::C);
            match &info.stored_layout {
                Some(StoredLayout::Hdf5(saved)) => {
                    assert_eq!(saved["grid"], serde_json::json!(layout.grid().shape()))
                }
                other => panic!("no saved layout: {other:?}"),
            }
            assert_eq!(io::open_hdf5(&path, "g/h/u").unwrap(), info);
            let b = info.load(comm).unwrap();
            assert_eq!(b.dtype(), T::DTYPE);
            if i < 4 {
                // block, cyclic, block-cyclic and padded axes come back
                assert!(*b.layout() == layout, "{layout:?}");
                assert_eq!(b.typed::<T>().unwrap().local(), a.local());
            }
            let whole = a.gather_all().unwrap();
            assert_eq!(b.typed::<T>().unwrap().gather_all().unwrap(), whole);
            let cyclic = Layout::new(comm, layout.shape(), &vec![Dist::Cyclic; layout.ndim()]);
            let c = info.load_in(&cyclic.unwrap()).unwrap();
            assert_eq!(c.typed::<T>().unwrap().gather_all().unwrap(), whole);
            // the untyped save writes what the typed load reads
            let again = out.join(format!("{}-{i}-again.h5", T::DTYPE));
            AnyDistArray::from_typed(a.to_owned())
                .unwrap()
                .save_hdf5(&again, "v", None)
                .unwrap();
            let d: DistArray<T> = comm.agree(io::open(&again)).unwrap().load_as(comm).unwrap();
            assert_eq!(d.gather_all().unwrap(), whole);
        }
    }
    let out = scratch(comm, "open");
    one::<bool>(comm, &out);
    one::<u8>(comm, &out);
    one::<i32>(comm, &out);
    one::<i64>(comm, &out);
    one::<f32>(comm, &out);
    one::<f64>(comm, &out);
    one::<Complex32>(comm, &out);
    one::<Complex64>(comm, &out);
    // the wrong element type: the same error everywhere
    let path = out.join("float64-0.h5");
    let info = comm.agree(io::open(&path)).unwrap();
    let e = info.load_as::<i64>(comm).unwrap_err();
    assert!(matches!(e, Error::DTypeMismatch { .. }), "{e}");
    assert_same_everywhere(comm, &e);
    // a dataset the file does not have, named
    let e = comm.agree(io::open_hdf5(&path, "nope")).unwrap_err();
    assert!(e.to_string().contains("nope"), "{e}");
    assert_same_everywhere(comm, &e);
}

/// Chunked datasets h5py writes, with chunks unlike our blocks, gzip
/// compressed or not, load in parallel into any layout. (Our saves write
/// chunked datasets, `save_hdf5(.., Some(chunk))`, but not compressed
/// ones: parallel HDF5 writes filtered datasets only with collective
/// transfers, which hdf5-metno's safe API does not offer.)
fn chunked_and_compressed_datasets_h5py_writes_load(comm: &Comm) {
    let out = scratch(comm, "hdf5-h5py-chunks");
    if comm.rank() == 0 {
        let script = format!(
            "import h5py, numpy as np\n\
             a = np.arange(35, dtype=np.float64).reshape(7, 5) * 0.5\n\
             with h5py.File('{d}/c.h5', 'w') as f:\n    \
             f.create_dataset('gz', data=a, chunks=(3, 2), compression='gzip', compression_opts=4)\n    \
             f.create_dataset('plain', data=np.arange(35, dtype=np.int64).reshape(7, 5), chunks=(2, 5))\n",
            d = out.display()
        );
        let run = std::process::Command::new("python3")
            .args(["-c", &script])
            .output()
            .expect("python3 runs");
        assert!(
            run.status.success(),
            "h5py could not write:\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    comm.barrier();
    let path = out.join("c.h5");
    for dists in [
        [Dist::Block, Dist::Block],
        [Dist::Cyclic, Dist::BlockCyclic(2)],
    ] {
        let layout = Layout::new(comm, &[7, 5], &dists).unwrap();
        let gz = DistArray::<f64>::load_hdf5(&layout, &path, "gz").unwrap();
        let want = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 5 + ix[1]) as f64 * 0.5);
        assert_eq!(gz.local(), want.local());
        let plain = DistArray::<i64>::load_hdf5(&layout, &path, "plain").unwrap();
        let want = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 5 + ix[1]) as i64);
        assert_eq!(plain.local(), want.local());
    }
}
