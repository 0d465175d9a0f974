//! Zarr v3 on 1-4 ranks (feature `zarr`): every layout kind and dtype
//! round trips, uncompressed, zstd and blosc, default and given chunk
//! shapes; the saved layout comes back from the attribute; zarr-python
//! reads what we write and we read what it writes (chunk shapes unlike our
//! blocks, missing chunks as the fill value, its default codecs); broken
//! input gives every rank the same error; `io::open` finds the array.

mod harness;

use distarray::io::{self, Format, StoredLayout, ZarrCompression, ZarrOptions};
use distarray::num_complex::{Complex32, Complex64};
use distarray::random::RandomElement;
use distarray::{Comm, DType, Dist, DistArray, Error, Layout};
use harness::{assert_same_everywhere, io_layouts, scratch, Check};
use std::path::Path;

static CHECKS: &[Check] = &[
    check!(round_trips_every_kind_dtype_and_codec),
    check!(layout_comes_back_from_the_attribute),
    check!(zarr_python_reads_our_arrays),
    check!(we_read_what_zarr_python_writes),
    check!(broken_input_fails_everywhere_alike),
    check!(open_finds_the_array_and_loads_it),
];

fn main() {
    harness::main("mpi_zarr", CHECKS, &[1, 2, 3, 4]);
}

fn codecs() -> Vec<ZarrCompression> {
    vec![
        ZarrCompression::None,
        ZarrCompression::Zstd { level: 3 },
        ZarrCompression::Blosc {
            compressor: "lz4".into(),
            level: 5,
            shuffle: true,
        },
    ]
}

fn round_trips_every_kind_dtype_and_codec(comm: &Comm) {
    fn one<T: io::ZarrElement + RandomElement>(comm: &Comm, out: &Path) {
        for (i, layout) in io_layouts(comm).into_iter().enumerate() {
            for (k, compression) in codecs().into_iter().enumerate() {
                // the default chunks, and small ones that cut across blocks
                for chunk_shape in [None, Some(vec![2; layout.ndim()])] {
                    let a = DistArray::<T>::random(&layout, 5 + k as u64);
                    let path = out.join(format!(
                        "{}-{i}-{k}-{}.zarr",
                        T::DTYPE,
                        chunk_shape.is_some()
                    ));
                    let options = ZarrOptions {
                        chunk_shape,
                        compression: compression.clone(),
                    };
                    a.save_zarr(&path, &options).unwrap();
                    let b = DistArray::<T>::load_zarr(&layout, &path).unwrap();
                    assert_eq!(
                        b.local(),
                        a.local(),
                        "{:?} {layout:?} {options:?}",
                        T::DTYPE
                    );
                    let other =
                        Layout::new(comm, layout.shape(), &vec![Dist::Cyclic; layout.ndim()])
                            .unwrap();
                    let c = DistArray::<T>::load_zarr(&other, &path).unwrap();
                    assert_eq!(c.gather_all().unwrap(), a.gather_all().unwrap());
                    let mut d = DistArray::<T>::zeros(&layout);
                    d.load_zarr_into(&path).unwrap();
                    assert_eq!(d.local(), a.local());
                }
            }
        }
    }
    let out = scratch(comm, "zarr-kinds");
    one::<f64>(comm, &out);
    one::<f32>(comm, &out);
    one::<i64>(comm, &out);
    one::<i32>(comm, &out);
    one::<u8>(comm, &out);
    one::<bool>(comm, &out);
    one::<Complex32>(comm, &out);
    one::<Complex64>(comm, &out);
}

fn layout_comes_back_from_the_attribute(comm: &Comm) {
    let out = scratch(comm, "zarr-restore");
    let mut layouts = io_layouts(comm);
    layouts.push(Layout::new(comm, &[6, 8], &[Dist::Block, Dist::Block]).unwrap());
    for (i, layout) in layouts.into_iter().enumerate() {
        let a = DistArray::<f64>::random(&layout, 6);
        let path = out.join(format!("r{i}.zarr"));
        a.save_zarr(&path, &ZarrOptions::default()).unwrap();
        // saved again over itself: the old array is replaced
        a.save_zarr(&path, &ZarrOptions::default()).unwrap();
        let b = DistArray::<f64>::load_zarr_saved_layout(comm, &path).unwrap();
        let unstructured = layout
            .maps()
            .iter()
            .any(|m| matches!(m, distarray::map::AxisMap::Unstructured(_)));
        if unstructured {
            // not recorded (its indices would be as big as the array): blocks
            assert!(*b.layout() == Layout::block(comm, layout.shape()).unwrap());
            assert_eq!(b.gather_all().unwrap(), a.gather_all().unwrap());
            continue;
        }
        assert!(
            b.layout() == a.layout(),
            "{:?} vs {:?}",
            b.layout(),
            a.layout()
        );
        assert_eq!(b.local(), a.local());
    }
    // a store without the attribute (or from another rank count): blocks
    comm.barrier();
    if comm.rank() == 0 {
        let meta = out.join("r0.zarr").join("zarr.json");
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&meta).unwrap()).unwrap();
        v["attributes"]["distarray_layout"]["ranks"] = serde_json::json!(99);
        std::fs::write(&meta, serde_json::to_vec(&v).unwrap()).unwrap();
    }
    comm.barrier();
    let b = DistArray::<f64>::load_zarr_saved_layout(comm, out.join("r0.zarr")).unwrap();
    assert!(*b.layout() == Layout::block(comm, &[7, 5]).unwrap());
    // an attribute for this rank count that no longer fits (the array
    // changed by another program): blocks, not an error
    comm.barrier();
    if comm.rank() == 0 {
        let meta = out.join("r0.zarr").join("zarr.json");
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&meta).unwrap()).unwrap();
        v["attributes"]["distarray_layout"]["ranks"] = serde_json::json!(comm.size());
        v["attributes"]["distarray_layout"]["dim_data"] = serde_json::json!([]);
        std::fs::write(&meta, serde_json::to_vec(&v).unwrap()).unwrap();
    }
    comm.barrier();
    let b = DistArray::<f64>::load_zarr_saved_layout(comm, out.join("r0.zarr")).unwrap();
    assert!(*b.layout() == Layout::block(comm, &[7, 5]).unwrap());
}

fn python(comm: &Comm, script: &str) {
    harness::run_python(comm, "zarr-python", script);
}

fn zarr_python_reads_our_arrays(comm: &Comm) {
    let out = scratch(comm, "zarr-python-reads");
    let layout = Layout::new(comm, &[6, 4], &[Dist::Cyclic, Dist::Block]).unwrap();
    let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 4 + ix[1]) as f64);
    for (k, compression) in codecs().into_iter().enumerate() {
        let options = ZarrOptions {
            chunk_shape: Some(vec![4, 3]),
            compression,
        };
        a.save_zarr(out.join(format!("a{k}.zarr")), &options)
            .unwrap();
    }
    let flags = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] + ix[1]) % 3 == 0);
    flags
        .save_zarr(out.join("b.zarr"), &ZarrOptions::default())
        .unwrap();
    let z = DistArray::from_fn(&Layout::block(comm, &[5]).unwrap(), |ix: &[usize]| {
        Complex64::new(ix[0] as f64, -(ix[0] as f64))
    });
    z.save_zarr(out.join("z.zarr"), &ZarrOptions::default())
        .unwrap();
    python(
        comm,
        &format!(
            "import zarr, numpy as np\n\
             want = np.arange(24, dtype=np.float64).reshape(6, 4)\n\
             for k in range(3):\n    a = zarr.open_array('{d}/a%d.zarr' % k, mode='r')\n    \
             assert a.dtype == np.float64 and a.chunks == (4, 3), (a.dtype, a.chunks)\n    \
             assert (a[...] == want).all(), a[...]\n    \
             assert a.attrs['distarray_layout']['ranks'] == {p}\n\
             i, j = np.indices((6, 4))\n\
             b = zarr.open_array('{d}/b.zarr', mode='r')\n\
             assert b.dtype == np.bool_ and (b[...] == ((i + j) % 3 == 0)).all()\n\
             z = zarr.open_array('{d}/z.zarr', mode='r')\n\
             x = np.arange(5.0)\nassert z.dtype == np.complex128 and (z[...] == x - 1j * x).all()\n",
            d = out.display(),
            p = comm.size()
        ),
    );
}

fn we_read_what_zarr_python_writes(comm: &Comm) {
    let out = scratch(comm, "zarr-python-writes");
    // chunks of 3x2 over 7x5 (unlike any of our blocks), zarr-python's
    // default codecs (zstd) and uncompressed, a fill value of -1.5 and the
    // chunks of the lower right corner never written; an int32 array with gzip; a
    // complex64 and a bool array
    python(
        comm,
        &format!(
            "import zarr, numpy as np\n\
             a = zarr.create_array('{d}/f.zarr', shape=(7, 5), chunks=(3, 2), dtype='float64', fill_value=-1.5)\n\
             a[:4, :] = np.arange(20, dtype=np.float64).reshape(4, 5)\n\
             a[4:, :2] = 100.0\n\
             g = zarr.create_array('{d}/g.zarr', shape=(7, 5), chunks=(3, 2), dtype='float64', fill_value=-1.5, compressors=None)\n\
             g[:4, :] = np.arange(20, dtype=np.float64).reshape(4, 5)\n\
             g[4:, :2] = 100.0\n\
             b = zarr.create_array('{d}/i.zarr', shape=(9,), chunks=(4,), dtype='int32', compressors=zarr.codecs.GzipCodec())\n\
             b[:] = np.arange(9, dtype=np.int32) * 7\n\
             c = zarr.create_array('{d}/c.zarr', shape=(3, 4), chunks=(2, 2), dtype='complex64')\n\
             c[:] = (np.arange(12) + 2j).reshape(3, 4)\n\
             e = zarr.create_array('{d}/e.zarr', shape=(4, 3), chunks=(3, 3), dtype='bool')\n\
             e[:] = np.eye(4, 3, dtype=bool)\n\
             h = zarr.create_array('{d}/h.zarr', shape=(10,), chunks=(2,), dtype='int64', fill_value=7, compressors=None)\n\
             h[:4] = [0, 1, 2, 3]\n",
            d = out.display()
        ),
    );
    let want = |ix: &[usize]| match (ix[0], ix[1]) {
        (r, c) if r < 4 => (r * 5 + c) as f64,
        (_, c) if c < 2 => 100.0,
        _ => -1.5,
    };
    for dists in [
        [Dist::Block, Dist::Block],
        [Dist::Cyclic, Dist::Block],
        [Dist::BlockCyclic(2), Dist::Cyclic],
    ] {
        let layout = Layout::new(comm, &[7, 5], &dists).unwrap();
        for name in ["f.zarr", "g.zarr"] {
            let a = DistArray::<f64>::load_zarr(&layout, out.join(name)).unwrap();
            let expected = DistArray::from_fn(&layout, want).gather_all().unwrap();
            assert_eq!(a.gather_all().unwrap(), expected, "{name}");
        }
    }
    let a = DistArray::<f64>::load_zarr_saved_layout(comm, out.join("f.zarr")).unwrap();
    assert!(*a.layout() == Layout::block(comm, &[7, 5]).unwrap());
    let layout = Layout::new(comm, &[9], &[Dist::Cyclic]).unwrap();
    let b = DistArray::<i32>::load_zarr(&layout, out.join("i.zarr")).unwrap();
    let want = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as i32 * 7);
    assert_eq!(b.local(), want.local());
    let c = io::load(comm, out.join("c.zarr")).unwrap();
    assert_eq!(c.dtype(), DType::C64);
    let c = c.as_c64().unwrap().gather_all().unwrap();
    assert_eq!(c[[2, 3]], Complex32::new(11.0, 2.0));
    assert_eq!(c.sum(), Complex32::new(66.0, 24.0));
    let e =
        DistArray::<bool>::load_zarr(&Layout::block(comm, &[4, 3]).unwrap(), out.join("e.zarr"))
            .unwrap();
    let e = e.gather_all().unwrap();
    // whole uncompressed chunks read straight from their files, the
    // missing ones as the fill value
    for dist in [Dist::Block, Dist::Cyclic] {
        let layout = Layout::new(comm, &[10], &[dist]).unwrap();
        let h = DistArray::<i64>::load_zarr(&layout, out.join("h.zarr")).unwrap();
        let want = DistArray::from_fn(
            &layout,
            |ix: &[usize]| if ix[0] < 4 { ix[0] as i64 } else { 7 },
        );
        assert_eq!(h.local(), want.local());
    }
    assert!(e.indexed_iter().all(|(ix, &v)| v == (ix[0] == ix[1])));
}

fn broken_input_fails_everywhere_alike(comm: &Comm) {
    let out = scratch(comm, "zarr-broken");
    let layout = Layout::block(comm, &[5, 3]).unwrap();
    let a = DistArray::<f64>::random(&layout, 1);
    let path = out.join("a.zarr");
    a.save_zarr(&path, &ZarrOptions::default()).unwrap();
    let bad_chunks = ZarrOptions {
        chunk_shape: Some(vec![2, 0]),
        ..Default::default()
    };
    let bad_blosc = ZarrOptions {
        compression: ZarrCompression::Blosc {
            compressor: "nope".into(),
            level: 1,
            shuffle: false,
        },
        ..Default::default()
    };
    let cases: Vec<Error> = vec![
        DistArray::<f64>::load_zarr(&layout, out.join("missing.zarr")).unwrap_err(),
        DistArray::<i32>::load_zarr(&Layout::block(comm, &[5, 3]).unwrap(), &path).unwrap_err(),
        DistArray::<f64>::load_zarr(&Layout::block(comm, &[3, 5]).unwrap(), &path).unwrap_err(),
        a.save_zarr(out.join("c.zarr"), &bad_chunks).unwrap_err(),
        a.save_zarr(out.join("d.zarr"), &bad_blosc).unwrap_err(),
    ];
    assert!(
        matches!(cases[1], Error::DTypeMismatch { .. }),
        "{}",
        cases[1]
    );
    assert!(
        matches!(cases[2], Error::ShapeMismatch { .. }),
        "{}",
        cases[2]
    );
    for e in &cases {
        assert_same_everywhere(comm, e);
    }
    // a path held by a file is not replaced
    if comm.rank() == 0 {
        std::fs::write(out.join("file"), b"keep me").unwrap();
        std::fs::create_dir_all(out.join("group.zarr")).unwrap();
        std::fs::write(
            out.join("group.zarr/zarr.json"),
            br#"{"zarr_format": 3, "node_type": "group", "attributes": {}}"#,
        )
        .unwrap();
        std::fs::create_dir_all(out.join("corrupt.zarr")).unwrap();
        std::fs::write(out.join("corrupt.zarr/zarr.json"), b"{\"zarr_format\": 3, ").unwrap();
    }
    comm.barrier();
    let e = a
        .save_zarr(out.join("file"), &ZarrOptions::default())
        .unwrap_err();
    assert_same_everywhere(comm, &e);
    assert_eq!(std::fs::read(out.join("file")).unwrap(), b"keep me");
    for name in ["group.zarr", "corrupt.zarr"] {
        let e = DistArray::<f64>::load_zarr(&layout, out.join(name)).unwrap_err();
        assert!(matches!(e, Error::Io { .. }), "{e}");
        assert_same_everywhere(comm, &e);
    }
    if comm.size() > 1 {
        // another path on one rank: refused everywhere, nothing written
        let odd = comm.rank() + 1 == comm.size();
        let fresh = out.join(if odd { "x.zarr" } else { "y.zarr" });
        let e = a.save_zarr(&fresh, &ZarrOptions::default()).unwrap_err();
        assert!(matches!(e, Error::ArgumentsDiffer { .. }), "{e}");
        assert_same_everywhere(comm, &e);
        comm.barrier();
        assert!(!fresh.exists());
        let e = DistArray::<f64>::load_zarr(
            &layout,
            if odd {
                out.join("missing.zarr")
            } else {
                path.clone()
            },
        )
        .unwrap_err();
        assert_same_everywhere(comm, &e);
    }
    // an uncompressed chunk cut short
    let raw = out.join("raw.zarr");
    let l1 = Layout::block(comm, &[8]).unwrap();
    let r = DistArray::<f64>::random(&l1, 2);
    let chunks = ZarrOptions {
        chunk_shape: Some(vec![2]),
        ..Default::default()
    };
    r.save_zarr(&raw, &chunks).unwrap();
    if comm.rank() == 0 {
        std::fs::write(raw.join("c").join("3"), [0u8; 5]).unwrap();
    }
    comm.barrier();
    let e = DistArray::<f64>::load_zarr(&l1, &raw).unwrap_err();
    assert!(e.to_string().contains("c/3"), "{e}");
    assert_same_everywhere(comm, &e);
    // and the good array still loads
    let b = DistArray::<f64>::load_zarr(&layout, &path).unwrap();
    assert_eq!(b.local(), a.local());
}

fn open_finds_the_array_and_loads_it(comm: &Comm) {
    let out = scratch(comm, "zarr-open");
    let layout = Layout::new(comm, &[6, 4], &[Dist::Cyclic, Dist::Block]).unwrap();
    let a = DistArray::<i64>::random(&layout, 4);
    let path = out.join("u.zarr");
    a.save_zarr(
        &path,
        &ZarrOptions {
            chunk_shape: Some(vec![3, 4]),
            ..Default::default()
        },
    )
    .unwrap();
    for p in [path.clone(), path.join("zarr.json")] {
        let info = comm.agree(io::open(&p)).unwrap();
        assert_eq!(
            info.format,
            Format::Zarr {
                chunk_shape: Some(vec![3, 4])
            }
        );
        assert_eq!(info.path, path);
        assert_eq!((&info.shape[..], info.dtype), (&[6, 4][..], DType::I64));
        match &info.stored_layout {
            Some(StoredLayout::Zarr(v)) => assert_eq!(v["ranks"], comm.size()),
            other => panic!("no saved layout: {other:?}"),
        }
        let b = info.load(comm).unwrap();
        assert!(*b.layout() == layout);
        assert_eq!(b.as_i64().unwrap().local(), a.local());
        let blocks = Layout::block(comm, &[6, 4]).unwrap();
        let c = info.load_in(&blocks).unwrap();
        assert_eq!(
            c.as_i64().unwrap().gather_all().unwrap(),
            a.gather_all().unwrap()
        );
    }
    assert!(io::is_zarr_array(&path));
    assert!(!io::is_zarr_array(&out));
}
