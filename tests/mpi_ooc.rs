//! Out-of-core arrays on 1-4 ranks (feature `zarr`), with tiny chunks and
//! budgets so that every path runs: arrays made chunk by chunk; elementwise
//! work disk to disk (deferred expressions, ufuncs, closures, several
//! inputs, a result over its own input) equal to the same work in memory;
//! reductions over everything and along axes, the reproducible sum bitwise
//! the in-memory one (one-pass and two-pass); regions read into any layout
//! and written from any layout; rechunking and transposition disk to disk;
//! a budget that holds one chunk; the metadata written last (a failing job
//! leaves the old array); agreed errors; zarr-python reads the results.

mod harness;

use distarray::io::{ZarrCompression, ZarrElement};
use distarray::num_complex::Complex64;
use distarray::ooc::{self, DiskArray, OocOptions};
use distarray::{All, Axis, Comm, Dist, DistArray, Error, Layout};
use harness::{assert_same_everywhere, io_layouts, scratch, Check};
use ndarray::ArrayD;
use std::path::Path;

static CHECKS: &[Check] = &[
    check!(generate_and_read_regions_match_memory),
    check!(apply_matches_deferred_in_memory),
    check!(map_and_zip_map_match_memory),
    check!(reductions_match_memory),
    check!(reproducible_sum_is_bitwise_the_in_memory_one),
    check!(regions_written_from_every_layout),
    check!(rechunk_and_transpose_disk_to_disk),
    check!(one_chunk_budget_and_too_small_budget),
    check!(metadata_is_written_last),
    check!(bad_arguments_fail_everywhere_alike),
    check!(zarr_python_reads_the_results),
    #[cfg(feature = "hdf5")]
    check!(hdf5_datasets_in_and_out_of_core),
];

fn main() {
    harness::main("mpi_ooc", CHECKS, &[1, 2, 3, 4]);
}

/// A tiny budget: a few chunks of `chunk` cells of `arrays` f64 arrays
/// (compressed: room for the chunks zarrs decodes).
fn tiny(chunk: &[usize], arrays: usize, compression: ZarrCompression) -> OocOptions {
    let cells: usize = chunk.iter().product();
    let factor = if compression == ZarrCompression::None {
        2
    } else {
        8
    };
    OocOptions {
        budget: 2 * cells * 8 * arrays * factor,
        chunk_shape: Some(chunk.to_vec()),
        compression,
    }
}

fn codecs() -> [ZarrCompression; 2] {
    [ZarrCompression::None, ZarrCompression::Zstd { level: 1 }]
}

/// The value of cell `ix` of the test arrays.
fn cell(ix: &[usize], seed: u64) -> f64 {
    let flat = ix
        .iter()
        .fold(seed, |h, &i| h.wrapping_mul(31).wrapping_add(i as u64));
    ((distarray::random::mix64(flat) >> 11) as f64 / (1u64 << 53) as f64) * 100.0 - 50.0
}

/// A disk array of `shape` whose cells are `cell(ix, seed)`.
fn make(comm: &Comm, path: &Path, shape: &[usize], opts: &OocOptions, seed: u64) -> DiskArray<f64> {
    DiskArray::generate(comm, path, shape, opts, |start, mut c| {
        for (ix, v) in c.indexed_iter_mut() {
            let g: Vec<usize> = (0..start.len()).map(|a| start[a] + ix[a]).collect();
            *v = cell(&g, seed);
        }
    })
    .unwrap()
}

/// The same array in memory.
fn in_memory(comm: &Comm, shape: &[usize], seed: u64) -> DistArray<f64> {
    DistArray::from_fn(&Layout::block(comm, shape).unwrap(), |ix: &[usize]| {
        cell(ix, seed)
    })
}

fn all_of<T: ZarrElement>(d: &DiskArray<T>) -> ArrayD<T> {
    let region: Vec<_> = d.shape().iter().map(|&n| 0..n).collect();
    d.read(&region).unwrap().gather_all().unwrap()
}

fn generate_and_read_regions_match_memory(comm: &Comm) {
    let out = scratch(comm, "ooc-generate");
    for (k, compression) in codecs().into_iter().enumerate() {
        for (shape, chunk) in [
            (vec![37], vec![5]),
            (vec![9, 13], vec![4, 3]),
            (vec![5, 6, 7], vec![2, 6, 3]),
            (vec![4, 0], vec![2, 1]),
        ] {
            let opts = tiny(&chunk, 1, compression.clone());
            let path = out.join(format!("g{k}-{}.zarr", shape.len()));
            let d = make(comm, &path, &shape, &opts, 7);
            assert_eq!(d.chunk_shape(), chunk.as_slice());
            let want = in_memory(comm, &shape, 7).gather_all().unwrap();
            assert_eq!(all_of(&d), want, "{shape:?} {compression:?}");
            // a region that cuts chunks, into every layout kind of its shape
            let region: Vec<_> = shape.iter().map(|&n| n / 3..n - n / 4).collect();
            let r = d.read(&region).unwrap().gather_all().unwrap();
            let sliced = want.slice_each_axis(|ax| region[ax.axis.index()].clone().into());
            assert_eq!(r, sliced);
            let rshape: Vec<usize> = region.iter().map(|r| r.end - r.start).collect();
            let start: Vec<usize> = region.iter().map(|r| r.start).collect();
            for dists in [Dist::Cyclic, Dist::BlockCyclic(2)] {
                let layout = Layout::new(comm, &rshape, &vec![dists; rshape.len()]).unwrap();
                let mut into = DistArray::<f64>::zeros(&layout);
                d.read_into(&start, &mut into).unwrap();
                assert_eq!(into.gather_all().unwrap(), sliced);
            }
        }
    }
    // other element types
    let opts = tiny(&[3, 3], 1, ZarrCompression::None);
    let b = DiskArray::<bool>::generate(comm, out.join("b.zarr"), &[7, 8], &opts, |s, mut c| {
        for (ix, v) in c.indexed_iter_mut() {
            *v = (s[0] + ix[0] + s[1] + ix[1]) % 3 == 0;
        }
    })
    .unwrap();
    assert!(all_of(&b)[[2, 4]]);
    assert!(!all_of(&b)[[2, 5]]);
    let z = DiskArray::<Complex64>::generate(
        comm,
        out.join("z.zarr"),
        &[11],
        &opts.clone_with(&[4]),
        |s, mut c| {
            for (i, v) in c.iter_mut().enumerate() {
                *v = Complex64::new((s[0] + i) as f64, 1.0);
            }
        },
    )
    .unwrap();
    assert_eq!(z.sum().unwrap(), Complex64::new(55.0, 11.0));
}

trait CloneWith {
    fn clone_with(&self, chunk: &[usize]) -> OocOptions;
}
impl CloneWith for OocOptions {
    fn clone_with(&self, chunk: &[usize]) -> OocOptions {
        OocOptions {
            chunk_shape: Some(chunk.to_vec()),
            ..self.clone()
        }
    }
}

fn apply_matches_deferred_in_memory(comm: &Comm) {
    let out = scratch(comm, "ooc-apply");
    let shape = [23, 17];
    for (k, compression) in codecs().into_iter().enumerate() {
        let opts = tiny(&[4, 5], 3, compression.clone());
        let x = make(comm, &out.join(format!("x{k}.zarr")), &shape, &opts, 1);
        // y in other chunks than x: boxes of y cut its chunks
        let y = make(
            comm,
            &out.join(format!("y{k}.zarr")),
            &shape,
            &opts.clone_with(&[3, 7]),
            2,
        );
        let (mx, my) = (in_memory(comm, &shape, 1), in_memory(comm, &shape, 2));
        let want = ((mx.lazy() * mx.lazy() + my.lazy().abs()).sqrt() * 2.0 - my.lazy())
            .eval()
            .unwrap()
            .gather_all()
            .unwrap();
        // the result in a third chunk shape
        let z = ooc::apply(
            &[&x, &y],
            out.join(format!("z{k}.zarr")),
            &opts.clone_with(&[6, 2]),
            |s, o| {
                let (a, b) = (s[0].lazy(), s[1].lazy());
                ((a * a + b.abs()).sqrt() * 2.0 - b).eval_into(o)
            },
        )
        .unwrap();
        assert_eq!(z.chunk_shape(), &[6, 2]);
        assert_eq!(all_of(&z), want, "{compression:?}");
        // eager ufuncs and a comparison giving bool
        let pos = ooc::apply(
            &[&x],
            out.join(format!("pos{k}.zarr")),
            &opts,
            |s, o: &mut distarray::DistArrayViewMut<'_, bool>| {
                s[0].lazy().greater(0.0).eval_into(o)
            },
        )
        .unwrap();
        let want_pos = mx.gather_all().unwrap().mapv(|v| v > 0.0);
        assert_eq!(all_of(&pos), want_pos);
        let e = ooc::apply(&[&x], out.join(format!("e{k}.zarr")), &opts, |s, o| {
            o.local_mut().assign(&(s[0].sin() * 3.0).local());
            Ok(())
        })
        .unwrap();
        assert_eq!(all_of(&e), mx.gather_all().unwrap().mapv(|v| v.sin() * 3.0));
        // the result over its own input: x = x + 1, replaced when done
        let before = all_of(&x);
        let path = x.path().to_path_buf();
        let x2 = ooc::apply(&[&x], &path, &opts, |s, o| (s[0].lazy() + 1.0).eval_into(o)).unwrap();
        assert_eq!(all_of(&x2), before.mapv(|v| v + 1.0));
    }
}

fn map_and_zip_map_match_memory(comm: &Comm) {
    let out = scratch(comm, "ooc-map");
    let shape = [31];
    let opts = tiny(&[4], 3, ZarrCompression::None);
    let x = make(comm, &out.join("x.zarr"), &shape, &opts, 3);
    let y = make(comm, &out.join("y.zarr"), &shape, &opts, 4);
    let (mx, my) = (
        in_memory(comm, &shape, 3).gather_all().unwrap(),
        in_memory(comm, &shape, 4).gather_all().unwrap(),
    );
    let r = x
        .map_to(out.join("r.zarr"), &opts, |v| v.round() as i64)
        .unwrap();
    assert_eq!(all_of(&r), mx.mapv(|v| v.round() as i64));
    let axpy = x
        .zip_map_to(&y, out.join("axpy.zarr"), &opts, |a, b| 2.5 * a + b)
        .unwrap();
    let want = ndarray::Zip::from(&mx)
        .and(&my)
        .map_collect(|&a, &b| 2.5 * a + b);
    assert_eq!(all_of(&axpy), want);
}

fn reductions_match_memory(comm: &Comm) {
    let out = scratch(comm, "ooc-reduce");
    let shape = [14, 9, 5];
    for (k, compression) in codecs().into_iter().enumerate() {
        let opts = tiny(&[3, 4, 5], 1, compression);
        // room for a partial result along any axis besides the chunks
        let x = make(comm, &out.join(format!("x{k}.zarr")), &shape, &opts, 5)
            .with_budget(opts.budget + 4 * 14 * 9 * 8);
        let m = in_memory(comm, &shape, 5);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
        assert!(close(x.sum().unwrap(), m.sum(All).unwrap()));
        assert!(close(x.mean().unwrap(), m.mean(All).unwrap()));
        assert_eq!(x.min().unwrap(), m.min(All).unwrap());
        assert_eq!(x.max().unwrap(), m.max(All).unwrap());
        for axis in 0..3 {
            let got = x.sum_axis(Axis(axis)).unwrap().gather_all().unwrap();
            let want = m.sum(Axis(axis)).unwrap().gather_all().unwrap();
            assert_eq!(got.shape(), want.shape());
            assert!(
                got.iter().zip(&want).all(|(&a, &b)| close(a, b)),
                "axis {axis}"
            );
            let got = x.mean_axis(Axis(axis)).unwrap().gather_all().unwrap();
            let want = m.mean(Axis(axis)).unwrap().gather_all().unwrap();
            assert!(
                got.iter().zip(&want).all(|(&a, &b)| close(a, b)),
                "axis {axis}"
            );
            assert_eq!(
                x.min_axis(Axis(axis)).unwrap().gather_all().unwrap(),
                m.min(Axis(axis)).unwrap().gather_all().unwrap()
            );
            assert_eq!(
                x.max_axis(Axis(axis)).unwrap().gather_all().unwrap(),
                m.max(Axis(axis)).unwrap().gather_all().unwrap()
            );
        }
    }
    // integers exactly; a NaN makes min and max NaN
    let opts = tiny(&[5], 1, ZarrCompression::None);
    let i = DiskArray::<i64>::generate(comm, out.join("i.zarr"), &[101], &opts, |s, mut c| {
        for (j, v) in c.iter_mut().enumerate() {
            *v = (s[0] + j) as i64 - 30;
        }
    })
    .unwrap();
    assert_eq!(i.sum().unwrap(), (0..101).map(|v| v - 30).sum::<i64>());
    assert_eq!((i.min().unwrap(), i.max().unwrap()), (-30, 70));
    let n = DiskArray::<f32>::generate(comm, out.join("n.zarr"), &[40], &opts, |s, mut c| {
        for (j, v) in c.iter_mut().enumerate() {
            *v = if s[0] + j == 33 { f32::NAN } else { 1.0 };
        }
    })
    .unwrap();
    assert!(n.min().unwrap().is_nan() && n.max().unwrap().is_nan());
    // the slab fold
    let mut mine = 0u64;
    ooc::for_each_slab(&[&i], &opts, |_, s| {
        mine += s[0].local().iter().filter(|&&v| v > 0).count() as u64;
        Ok(())
    })
    .unwrap();
    assert_eq!(comm.sum_u64(mine), 70);
}

fn reproducible_sum_is_bitwise_the_in_memory_one(comm: &Comm) {
    let out = scratch(comm, "ooc-repro");
    // magnitudes over many binades, so that the order would matter
    let wide = |ix: &[usize]| {
        let c = cell(ix, 9);
        c * 2f64.powi((ix[0] % 37) as i32 - 18)
    };
    type Cells = Box<dyn Fn(&[usize]) -> f64>;
    let cases: Vec<(&str, Cells)> = vec![
        ("wide", Box::new(wide)),
        // beyond the bins' range: the two-pass method on disk
        (
            "huge",
            Box::new(|ix: &[usize]| if ix[0] == 77 { 1e300 } else { cell(ix, 2) }),
        ),
        (
            "tiny",
            Box::new(|ix: &[usize]| cell(ix, 3) * 1e-250 * 1e-60),
        ),
        (
            "inf",
            Box::new(|ix: &[usize]| if ix[0] == 5 { f64::INFINITY } else { 1.0 }),
        ),
        ("zeros", Box::new(|_: &[usize]| 0.0)),
    ];
    let shape = [203];
    let want_layout = Layout::new(comm, &shape, &[Dist::Cyclic]).unwrap();
    for (name, f) in &cases {
        let want = DistArray::from_fn(&want_layout, |ix: &[usize]| f(ix))
            .sum_reproducible()
            .unwrap();
        for (k, chunk) in [[7], [64], [203]].iter().enumerate() {
            let opts = tiny(chunk, 1, codecs()[k % 2].clone());
            let d = DiskArray::<f64>::generate(
                comm,
                out.join(format!("{name}{k}.zarr")),
                &shape,
                &opts,
                |s, mut c| {
                    for (j, v) in c.iter_mut().enumerate() {
                        *v = f(&[s[0] + j]);
                    }
                },
            )
            .unwrap()
            .with_budget(opts.budget);
            let got = d.sum_reproducible().unwrap();
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "{name} chunk {chunk:?}: {got} against {want}"
            );
        }
    }
    // f32 too
    let opts = tiny(&[6], 1, ZarrCompression::None);
    let f = DiskArray::<f32>::generate(comm, out.join("f32.zarr"), &[50], &opts, |s, mut c| {
        for (j, v) in c.iter_mut().enumerate() {
            *v = cell(&[s[0] + j], 4) as f32;
        }
    })
    .unwrap();
    let m = DistArray::from_fn(&Layout::block(comm, &[50]).unwrap(), |ix: &[usize]| {
        cell(ix, 4) as f32
    });
    assert_eq!(
        f.sum_reproducible().unwrap().to_bits(),
        m.sum_reproducible().unwrap().to_bits()
    );
}

fn regions_written_from_every_layout(comm: &Comm) {
    let out = scratch(comm, "ooc-write");
    for (k, compression) in codecs().into_iter().enumerate() {
        for (i, layout) in io_layouts(comm).into_iter().enumerate() {
            let n = layout.ndim();
            // the disk array: 3 more cells than the region on each axis
            let shape: Vec<usize> = layout.shape().iter().map(|&s| s + 3).collect();
            let opts = tiny(&vec![2; n], 1, compression.clone());
            let d = make(comm, &out.join(format!("w{k}-{i}.zarr")), &shape, &opts, 6);
            let mut want = in_memory(comm, &shape, 6).gather_all().unwrap();
            let a = DistArray::<f64>::random(&layout, 11 + i as u64);
            let start = vec![1; n];
            d.write(&start, &a).unwrap();
            want.slice_each_axis_mut(|ax| {
                let k = ax.axis.index();
                (1..1 + layout.shape()[k]).into()
            })
            .assign(&a.gather_all().unwrap());
            assert_eq!(all_of(&d), want, "{layout:?} {compression:?}");
        }
    }
}

fn rechunk_and_transpose_disk_to_disk(comm: &Comm) {
    let out = scratch(comm, "ooc-copy");
    let shape = [6, 11, 4];
    let opts = tiny(&[4, 3, 4], 2, ZarrCompression::None);
    let x = make(comm, &out.join("x.zarr"), &shape, &opts, 8);
    let want = all_of(&x);
    for (k, compression) in codecs().into_iter().enumerate() {
        let o = OocOptions {
            compression: compression.clone(),
            ..opts.clone_with(&[5, 2, 3])
        };
        let r = x.rechunk_to(out.join(format!("r{k}.zarr")), &o).unwrap();
        assert_eq!(r.chunk_shape(), &[5, 2, 3]);
        assert_eq!(all_of(&r), want);
        for axes in [[0, 1, 2], [2, 0, 1], [1, 2, 0], [2, 1, 0]] {
            let o = OocOptions {
                chunk_shape: None,
                compression: compression.clone(),
                ..opts.clone()
            };
            let t = x
                .transpose_to(out.join(format!("t{k}.zarr")), &axes, &o)
                .unwrap();
            let expect_chunks: Vec<usize> = axes.iter().map(|&a| [4, 3, 4][a]).collect();
            assert_eq!(t.chunk_shape(), expect_chunks.as_slice());
            assert_eq!(
                all_of(&t),
                want.clone()
                    .permuted_axes(axes.to_vec())
                    .as_standard_layout()
                    .to_owned()
            );
            // and in other chunks of the result
            let t2 = x
                .transpose_to(
                    out.join(format!("t2{k}.zarr")),
                    &axes,
                    &opts.clone_with(&[3, 5, 2]),
                )
                .unwrap();
            assert_eq!(all_of(&t2), all_of(&t));
        }
    }
}

fn one_chunk_budget_and_too_small_budget(comm: &Comm) {
    let out = scratch(comm, "ooc-budget");
    let chunk = [8];
    let x = make(
        comm,
        &out.join("x.zarr"),
        &[50],
        &tiny(&chunk, 1, ZarrCompression::None),
        1,
    );
    // exactly one chunk of x and one of the result: no overlap, same result
    let one = OocOptions {
        budget: 2 * 8 * 8,
        ..tiny(&chunk, 2, ZarrCompression::None)
    };
    let y = x.map_to(out.join("y.zarr"), &one, |v| v * 2.0).unwrap();
    assert_eq!(all_of(&y), all_of(&x).mapv(|v| v * 2.0));
    let largest = all_of(&x).fold(f64::MIN, |a, &b| a.max(b));
    assert_eq!(x.with_budget(64).max().unwrap(), largest);
    let x = DiskArray::<f64>::open(comm, out.join("x.zarr")).unwrap();
    let small = OocOptions {
        budget: 2 * 8 * 8 - 1,
        ..one.clone()
    };
    let e = x.map_to(out.join("no.zarr"), &small, |v| v).unwrap_err();
    assert_same_everywhere(comm, &e);
    assert!(e.to_string().contains("budget"), "{e}");
    assert!(!out.join("no.zarr").exists());
    let e = x.with_budget(63).sum().unwrap_err();
    assert_same_everywhere(comm, &e);
}

fn metadata_is_written_last(comm: &Comm) {
    let out = scratch(comm, "ooc-last");
    let opts = tiny(&[5], 2, ZarrCompression::None);
    let x = make(comm, &out.join("x.zarr"), &[60], &opts, 2);
    let target = out.join("t.zarr");
    // while the job runs, the target does not look like an array
    let seen_complete = std::cell::Cell::new(false);
    let t = x
        .map_to(&target, &opts, |v| {
            if distarray::io::is_zarr_array(&target) {
                seen_complete.set(true);
            }
            v
        })
        .unwrap();
    assert!(!seen_complete.get());
    assert_eq!(all_of(&t), all_of(&x));
    // a job failing midway (on one rank) leaves the old array whole, on
    // every rank the same error, and no temporary directory
    let mut calls = 0;
    let failing = comm.size() - 1;
    let e = ooc::apply(&[&x], &target, &opts, |s, o| {
        calls += 1;
        if calls == 2 && x.comm().rank() == failing {
            return Err(Error::InvalidArgument("stopped on purpose".into()));
        }
        (s[0].lazy() * 0.0).eval_into(o)
    })
    .unwrap_err();
    assert_same_everywhere(comm, &e);
    assert!(e.to_string().contains("on purpose"), "{e}");
    let t = DiskArray::<f64>::open(comm, &target).unwrap();
    assert_eq!(all_of(&t), all_of(&x));
    assert!(!out.join("t.zarr.distarray-tmp").exists());
    // a chunk file the reader thread of the last rank finds truncated: the
    // same error everywhere, no hang, no result
    if comm.rank() == 0 {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(out.join("x.zarr/c/11"))
            .unwrap();
        f.set_len(7).unwrap();
    }
    comm.barrier();
    let e = x.sum().unwrap_err();
    assert_same_everywhere(comm, &e);
    assert!(e.to_string().contains("truncated"), "{e}");
    let e = x.map_to(out.join("u.zarr"), &opts, |v| v).unwrap_err();
    assert_same_everywhere(comm, &e);
    assert!(!out.join("u.zarr").exists() && !out.join("u.zarr.distarray-tmp").exists());
}

// a 1-d region is a one-element array of ranges
#[allow(clippy::single_range_in_vec_init)]
fn bad_arguments_fail_everywhere_alike(comm: &Comm) {
    let out = scratch(comm, "ooc-bad");
    let opts = tiny(&[3, 3], 2, ZarrCompression::None);
    let x = make(comm, &out.join("x.zarr"), &[7, 7], &opts, 1);
    let y = make(comm, &out.join("y.zarr"), &[7, 6], &opts, 1);
    let errors: Vec<Error> = vec![
        DiskArray::<f32>::open(comm, out.join("x.zarr")).unwrap_err(),
        DiskArray::<f64>::open(comm, out.join("missing.zarr")).unwrap_err(),
        ooc::apply(&[&x, &y], out.join("z.zarr"), &opts, |s, o| {
            (s[0].lazy() + s[1].lazy()).eval_into(o)
        })
        .unwrap_err(),
        ooc::apply::<f64, f64>(&[], out.join("z.zarr"), &opts, |_, _| Ok(())).unwrap_err(),
        x.read(&[0..3, 5..8]).unwrap_err(),
        x.read(&[0..3]).unwrap_err(),
        x.write(
            &[5, 5],
            &DistArray::<f64>::zeros(&Layout::block(comm, &[3, 3]).unwrap()),
        )
        .unwrap_err(),
        x.transpose_to(out.join("t.zarr"), &[0, 0], &opts)
            .unwrap_err(),
        x.sum_axis(Axis(2)).unwrap_err(),
        x.rechunk_to(out.join("r.zarr"), &opts.clone_with(&[3, 0]))
            .unwrap_err(),
        DiskArray::<f64>::create(comm, out.join("e.zarr"), &[0, 3], &opts)
            .map(|_| ())
            .and_then(|_| {
                DiskArray::<f64>::open(comm, out.join("e.zarr"))?
                    .min()
                    .map(|_| ())
            })
            .unwrap_err(),
    ];
    for e in &errors {
        assert_same_everywhere(comm, e);
    }
    // one rank alone passing something else: the same error everywhere,
    // nothing made
    if comm.size() > 1 {
        let last = comm.rank() + 1 == comm.size();
        let mine = if last { "other.zarr" } else { "one.zarr" };
        let one_off: Vec<Error> = vec![
            DiskArray::<f64>::generate(
                comm,
                out.join(mine),
                &[10],
                &opts.clone_with(&[5]),
                |_, _| {},
            )
            .unwrap_err(),
            x.read(&[0..3, if last { 0..8 } else { 0..7 }]).unwrap_err(),
            x.transpose_to(
                out.join("t1.zarr"),
                if last { &[1, 0] } else { &[0, 1] },
                &opts,
            )
            .unwrap_err(),
            x.rechunk_to(
                out.join("r1.zarr"),
                &OocOptions {
                    budget: opts.budget + usize::from(last),
                    ..opts.clone()
                },
            )
            .unwrap_err(),
        ];
        for e in &one_off {
            assert_same_everywhere(comm, e);
        }
        for p in ["one.zarr", "other.zarr", "t1.zarr", "r1.zarr"] {
            assert!(!out.join(p).exists(), "{p}");
        }
    }
    // a path another file holds is not replaced
    let file = out.join("plain.txt");
    if comm.rank() == 0 {
        std::fs::write(&file, "keep me").unwrap();
    }
    comm.barrier();
    let e = x.map_to(&file, &opts, |v| v).unwrap_err();
    assert_same_everywhere(comm, &e);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
}

fn zarr_python_reads_the_results(comm: &Comm) {
    let out = scratch(comm, "ooc-python");
    let opts = tiny(&[4, 3], 2, ZarrCompression::None);
    let x = DiskArray::<f64>::generate(comm, out.join("x.zarr"), &[10, 7], &opts, |s, mut c| {
        for (ix, v) in c.indexed_iter_mut() {
            *v = ((s[0] + ix[0]) * 7 + s[1] + ix[1]) as f64;
        }
    })
    .unwrap();
    x.transpose_to(
        out.join("t.zarr"),
        &[1, 0],
        &OocOptions {
            chunk_shape: None,
            compression: ZarrCompression::Zstd { level: 1 },
            ..opts.clone()
        },
    )
    .unwrap();
    let script = format!(
        "import zarr, numpy as np\n\
         x = zarr.open_array('{d}/x.zarr', mode='r')\n\
         want = np.arange(70, dtype=np.float64).reshape(10, 7)\n\
         assert x.chunks == (4, 3) and (x[...] == want).all()\n\
         t = zarr.open_array('{d}/t.zarr', mode='r')\n\
         assert t.chunks == (3, 4) and (t[...] == want.T).all()\n\
         assert t.metadata.dimension_names == ('dim_0', 'dim_1'), t.metadata.dimension_names\n",
        d = out.display()
    );
    harness::run_python(comm, "zarr-python", &script);
}

/// An HDF5 dataset (chunked, and contiguous) into a Zarr array chunk by
/// chunk and back, within a tiny budget.
#[cfg(feature = "hdf5")]
fn hdf5_datasets_in_and_out_of_core(comm: &Comm) {
    let out = scratch(comm, "ooc-hdf5");
    let shape = [13, 6, 5];
    let a = in_memory(comm, &shape, 12);
    for (k, chunk) in [Some(&[4, 6, 2][..]), None].into_iter().enumerate() {
        let h5 = out.join(format!("a{k}.h5"));
        a.save_hdf5(&h5, "g/u", chunk).unwrap();
        let opts = tiny(&[3, 3, 5], 1, ZarrCompression::None);
        let opts = OocOptions {
            chunk_shape: Some(vec![3, 3, 5]),
            ..opts
        };
        let d =
            DiskArray::<f64>::from_hdf5(comm, &h5, "g/u", out.join(format!("u{k}.zarr")), &opts)
                .unwrap();
        assert_eq!(d.chunk_shape(), &[3, 3, 5]);
        assert_eq!(all_of(&d), a.gather_all().unwrap());
        d.to_hdf5(out.join(format!("b{k}.h5")), "v", Some(&[5, 2, 5]))
            .unwrap();
        let b = DistArray::<f64>::load_hdf5(a.layout(), out.join(format!("b{k}.h5")), "v").unwrap();
        assert_eq!(b.local(), a.local());
    }
    // the dataset's own chunks by default
    let d = DiskArray::<f64>::from_hdf5(
        comm,
        out.join("a0.h5"),
        "g/u",
        out.join("own.zarr"),
        &OocOptions::default(),
    )
    .unwrap();
    // h5py-sized chunks (960 bytes) are not kept: the default
    assert_ne!(d.chunk_shape(), &[4, 6, 2]);
    assert_eq!(all_of(&d), a.gather_all().unwrap());
    // chunks of 1 MiB are
    let big = DistArray::<f64>::zeros(&Layout::block(comm, &[256, 1024]).unwrap());
    big.save_hdf5(out.join("big.h5"), "b", Some(&[128, 1024]))
        .unwrap();
    let d2 = DiskArray::<f64>::from_hdf5(
        comm,
        out.join("big.h5"),
        "b",
        out.join("big.zarr"),
        &OocOptions::default(),
    )
    .unwrap();
    assert_eq!(d2.chunk_shape(), &[128, 1024]);
    let errors = [
        DiskArray::<f32>::from_hdf5(
            comm,
            out.join("a0.h5"),
            "g/u",
            out.join("x.zarr"),
            &OocOptions::default(),
        )
        .unwrap_err(),
        DiskArray::<f64>::from_hdf5(
            comm,
            out.join("missing.h5"),
            "g/u",
            out.join("x.zarr"),
            &OocOptions::default(),
        )
        .unwrap_err(),
        DiskArray::<f64>::from_hdf5(
            comm,
            out.join("a0.h5"),
            "nope",
            out.join("x.zarr"),
            &OocOptions::default(),
        )
        .unwrap_err(),
        d.to_hdf5(out.join("c.h5"), "v", Some(&[1, 0, 1]))
            .unwrap_err(),
        d.to_hdf5(out.join("c.h5"), "g/", None).unwrap_err(),
    ];
    for e in &errors {
        assert_same_everywhere(comm, e);
    }
    assert!(!out.join("x.zarr").exists());
    assert!(!out.join("c.h5").exists() && !out.join("c.h5.distarray-tmp").exists());
}
