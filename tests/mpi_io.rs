//! Parallel IO on 1-5 ranks: every `.dnpy` set of the conformance data
//! loads to its `global.npy`, and what we write is byte-identical to what
//! DistArray 0.6 wrote; `.npy` files round-trip in C and Fortran order for
//! every kind and dtype and match `numpy.save` byte for byte; broken files
//! give every rank the same error; a failed save leaves no file behind.
//! A `.dnpy` set is checked as a whole (every file there, one dtype, cells
//! covered) and saved as a unit: an interrupted or failed save leaves the
//! previous set whole, and a set mixing two saves is refused.

mod harness;

use distarray::io::{from_bytes, NpyHeader, Order};
use distarray::ndarray::{ArrayD, IxDyn};
use distarray::num_complex::{Complex32, Complex64};
use distarray::random::RandomElement;
use distarray::{Comm, Dist, DistArray, Element, Error, Layout};
use harness::{
    assert_same_everywhere, conformance_case_dirs, conformance_dir, io_layouts, scratch, Check,
};
use std::path::{Path, PathBuf};

static CHECKS: &[Check] = &[
    check!(dnpy_conformance_sets_load),
    check!(dnpy_files_we_write_are_byte_identical),
    check!(dnpy_round_trips_every_kind),
    check!(npy_round_trips_every_kind_and_order),
    check!(npy_matches_numpy_bytes),
    check!(broken_files_fail_everywhere_alike),
    check!(failed_saves_leave_nothing),
    check!(dnpy_sets_load_on_any_number_of_ranks),
    check!(incomplete_and_mixed_type_sets_are_refused),
    check!(sets_that_leave_cells_empty_are_refused),
    check!(interrupted_saves_leave_a_whole_set),
    check!(sets_of_two_saves_are_refused),
    check!(a_failed_save_keeps_the_previous_set),
    check!(file_names_that_differ_on_one_rank_fail_everywhere_alike),
];

fn main() {
    harness::main("mpi_io", CHECKS, &[1, 2, 3, 4, 5]);
}

/// A scratch directory shared by the ranks of this job.
fn read_npy<T: Element>(path: &Path) -> ArrayD<T> {
    let bytes = std::fs::read(path).unwrap();
    let (h, off) = NpyHeader::parse(&bytes, "global.npy").unwrap();
    assert_eq!(h.dtype, T::DTYPE);
    let mut flat = vec![T::default(); h.shape.iter().product()];
    from_bytes(&bytes[off..], &mut flat, "global.npy").unwrap();
    ArrayD::from_shape_vec(IxDyn(&h.shape), flat).unwrap()
}

fn dnpy_cases(comm: &Comm) -> Vec<(String, serde_json::Value, PathBuf)> {
    let mut out = Vec::new();
    for (case, case_dir) in conformance_case_dirs("dnpy") {
        if case["nprocs"].as_u64() == Some(comm.size() as u64) {
            out.push((case["name"].as_str().unwrap().to_string(), case, case_dir));
        }
    }
    out
}

fn each_dnpy_case(comm: &Comm, f: &mut dyn FnMut(&str, &str, &Path)) -> usize {
    let cases = dnpy_cases(comm);
    for (name, case, dir) in &cases {
        f(name, case["dtype"].as_str().unwrap(), dir);
    }
    cases.len()
}

fn dnpy_conformance_sets_load(comm: &Comm) {
    fn one<T: Element>(comm: &Comm, name: &str, dir: &Path) {
        let a = DistArray::<T>::load_dnpy(comm, dir.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            a.gather_all().unwrap(),
            read_npy::<T>(&dir.join("global.npy")),
            "{name}"
        );
    }
    let n = each_dnpy_case(comm, &mut |name, dtype, dir| match dtype {
        "float64" => one::<f64>(comm, name, dir),
        "float32" => one::<f32>(comm, name, dir),
        "int64" => one::<i64>(comm, name, dir),
        "int32" => one::<i32>(comm, name, dir),
        "complex128" => one::<Complex64>(comm, name, dir),
        "bool" => one::<bool>(comm, name, dir),
        other => panic!("{name}: unexpected dtype {other}"),
    });
    if comm.size() > 1 {
        assert!(n > 0, "no .dnpy case for {} ranks", comm.size());
    }
}

fn dnpy_files_we_write_are_byte_identical(comm: &Comm) {
    let out = scratch(comm, "dnpy-bytes");
    fn one<T: Element>(comm: &Comm, name: &str, dir: &Path, out: &Path) {
        let a = DistArray::<T>::load_dnpy(comm, dir.join(name)).unwrap();
        a.save_dnpy(out.join(name)).unwrap();
        let file = format!("{name}_{}.dnpy", comm.rank());
        let theirs = std::fs::read(dir.join(&file)).unwrap();
        let ours = std::fs::read(out.join(&file)).unwrap();
        assert!(
            ours == theirs,
            "{file}: our bytes differ from DistArray 0.6's"
        );
    }
    each_dnpy_case(comm, &mut |name, dtype, dir| match dtype {
        "float64" => one::<f64>(comm, name, dir, &out),
        "float32" => one::<f32>(comm, name, dir, &out),
        "int64" => one::<i64>(comm, name, dir, &out),
        "int32" => one::<i32>(comm, name, dir, &out),
        "complex128" => one::<Complex64>(comm, name, dir, &out),
        "bool" => one::<bool>(comm, name, dir, &out),
        _ => unreachable!(),
    });
}

fn dnpy_round_trips_every_kind(comm: &Comm) {
    let out = scratch(comm, "dnpy-kinds");
    for (i, layout) in io_layouts(comm).into_iter().enumerate() {
        let a = DistArray::<f64>::random(&layout, i as u64);
        let prefix = out.join(format!("k{i}"));
        a.save_dnpy(&prefix).unwrap();
        let b = DistArray::<f64>::load_dnpy(comm, &prefix).unwrap();
        assert!(b.layout() == a.layout(), "{layout:?}");
        assert_eq!(b.local(), a.local());
    }
}

fn npy_round_trips_every_kind_and_order(comm: &Comm) {
    let out = scratch(comm, "npy-kinds");
    fn one<T: Element + RandomElement>(comm: &Comm, out: &Path) {
        for (i, layout) in io_layouts(comm).into_iter().enumerate() {
            for order in [Order::C, Order::Fortran] {
                let a = DistArray::<T>::random(&layout, 3);
                let path = out.join(format!("{}-{i}-{order:?}.npy", T::DTYPE));
                a.save_npy(&path, order).unwrap();
                // into the same layout and into a different one
                let b = DistArray::<T>::load_npy(&layout, &path).unwrap();
                assert_eq!(b.local(), a.local(), "{:?} {layout:?} {order:?}", T::DTYPE);
                if layout.ndim() > 0 {
                    let other =
                        Layout::new(comm, layout.shape(), &vec![Dist::Cyclic; layout.ndim()])
                            .unwrap();
                    let c = DistArray::<T>::load_npy(&other, &path).unwrap();
                    assert_eq!(c.gather_all().unwrap(), a.gather_all().unwrap());
                }
            }
        }
    }
    one::<f64>(comm, &out);
    one::<f32>(comm, &out);
    one::<i64>(comm, &out);
    one::<i32>(comm, &out);
    one::<u8>(comm, &out);
    one::<bool>(comm, &out);
    one::<Complex32>(comm, &out);
    one::<Complex64>(comm, &out);
}

fn npy_matches_numpy_bytes(comm: &Comm) {
    // global.npy of each dnpy case was written by numpy.save: save the same
    // array in parallel and compare the files byte for byte
    let out = scratch(comm, "npy-bytes");
    fn one<T: Element>(comm: &Comm, name: &str, dir: &Path, out: &Path) {
        let global = read_npy::<T>(&dir.join("global.npy"));
        let layout = Layout::new(comm, global.shape(), &vec![Dist::Cyclic; global.ndim()]).unwrap();
        let a =
            DistArray::from_global(&layout, 0, (comm.rank() == 0).then(|| global.view())).unwrap();
        let path = out.join(format!("{name}.npy"));
        a.save_npy(&path, Order::C).unwrap();
        if comm.rank() == 0 {
            assert!(
                std::fs::read(&path).unwrap() == std::fs::read(dir.join("global.npy")).unwrap(),
                "{name}: bytes differ from numpy.save"
            );
        }
    }
    for (case, case_dir) in conformance_case_dirs("dnpy") {
        let name = case["name"].as_str().unwrap();
        match case["dtype"].as_str().unwrap() {
            "float64" => one::<f64>(comm, name, &case_dir, &out),
            "float32" => one::<f32>(comm, name, &case_dir, &out),
            "int64" => one::<i64>(comm, name, &case_dir, &out),
            "int32" => one::<i32>(comm, name, &case_dir, &out),
            "complex128" => one::<Complex64>(comm, name, &case_dir, &out),
            "bool" => one::<bool>(comm, name, &case_dir, &out),
            other => panic!("{other}"),
        }
    }
}

fn broken_files_fail_everywhere_alike(comm: &Comm) {
    let out = scratch(comm, "broken");
    let layout = Layout::block(comm, &[6, 4]).unwrap();
    let a = DistArray::<f64>::random(&layout, 1);
    let npy = out.join("a.npy");
    a.save_npy(&npy, Order::C).unwrap();
    // missing
    let e = DistArray::<f64>::load_npy(&layout, out.join("missing.npy")).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
    assert_same_everywhere(comm, &e);
    // wrong dtype, wrong shape
    let e = DistArray::<f32>::load_npy(&Layout::block(comm, &[6, 4]).unwrap(), &npy).unwrap_err();
    assert!(matches!(e, Error::DTypeMismatch { .. }), "{e}");
    let e = DistArray::<f64>::load_npy(&Layout::block(comm, &[4, 6]).unwrap(), &npy).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    assert_same_everywhere(comm, &e);
    // truncated and corrupt
    let bytes = std::fs::read(&npy).unwrap();
    comm.barrier();
    if comm.rank() == 0 {
        std::fs::write(out.join("short.npy"), &bytes[..bytes.len() - 8]).unwrap();
        let mut bad = bytes.clone();
        bad[3] = b'X';
        std::fs::write(out.join("corrupt.npy"), &bad).unwrap();
        std::fs::write(out.join("tiny.npy"), &bytes[..5]).unwrap();
    }
    comm.barrier();
    for name in ["short.npy", "corrupt.npy", "tiny.npy"] {
        let e = DistArray::<f64>::load_npy(&layout, out.join(name)).unwrap_err();
        assert!(matches!(e, Error::Io { .. }), "{name}: {e}");
        assert_same_everywhere(comm, &e);
    }
    // .dnpy: one rank's file truncated, another set missing a file
    let prefix = out.join("d");
    a.save_dnpy(&prefix).unwrap();
    let last = comm.size() - 1;
    if comm.rank() == last {
        let f = distarray::io::dnpy_path(&prefix, last);
        let b = std::fs::read(&f).unwrap();
        std::fs::write(&f, &b[..b.len() - 3]).unwrap();
    }
    comm.barrier();
    let e = DistArray::<f64>::load_dnpy(comm, &prefix).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
    assert_same_everywhere(comm, &e);
    let e = DistArray::<f64>::load_dnpy(comm, out.join("nothing")).unwrap_err();
    assert_same_everywhere(comm, &e);
    let e = DistArray::<i32>::load_dnpy(comm, out.join("d")).unwrap_err();
    assert_same_everywhere(comm, &e);
}

fn failed_saves_leave_nothing(comm: &Comm) {
    let out = scratch(comm, "failed");
    let layout = Layout::block(comm, &[8]).unwrap();
    let a = DistArray::<f64>::zeros(&layout);
    let target = out.join("no-such-dir").join("a.npy");
    let e = a.save_npy(&target, Order::C).unwrap_err();
    assert_same_everywhere(comm, &e);
    assert!(!target.exists());
    // one rank cannot write its .dnpy file: nobody's file appears
    let prefix = out.join("p");
    if comm.rank() == comm.size() - 1 {
        std::fs::create_dir_all(distarray::io::dnpy_path(&prefix, comm.rank())).unwrap();
        // a directory in the way
    }
    comm.barrier();
    let e = a.save_dnpy(&prefix).unwrap_err();
    assert_same_everywhere(comm, &e);
    if comm.size() > 1 && comm.rank() < comm.size() - 1 {
        assert!(
            !distarray::io::dnpy_path(&prefix, comm.rank()).exists(),
            "a partial set was left behind"
        );
    }
    comm.barrier();
    assert_eq!(leftovers(&out), Vec::<String>::new());
    // saves onto a path that is a directory leave no temporary file
    let dir = out.join("d.npy");
    if comm.rank() == 0 {
        std::fs::create_dir_all(dir.join("inside")).unwrap();
    }
    comm.barrier();
    let e = a.save_npy(&dir, Order::C).unwrap_err();
    assert_same_everywhere(comm, &e);
    #[cfg(feature = "hdf5")]
    {
        let h5 = out.join("d.h5");
        if comm.rank() == 0 {
            std::fs::create_dir_all(h5.join("inside")).unwrap();
        }
        comm.barrier();
        let e = a.save_hdf5(&h5, "x", None).unwrap_err();
        assert_same_everywhere(comm, &e);
    }
    comm.barrier();
    assert_eq!(leftovers(&out), Vec::<String>::new());
}

/// Names in `dir` a save may leave behind by mistake: temporary files,
/// links being made, generations of a `.dnpy` set no link points to.
fn leftovers(dir: &Path) -> Vec<String> {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let committed: Vec<String> = names
        .iter()
        .filter_map(|n| std::fs::read_link(dir.join(n)).ok())
        .map(|t| t.to_string_lossy().into_owned())
        .collect();
    let mut bad: Vec<String> = names
        .into_iter()
        .filter(|n| {
            n.contains("distarray-tmp")
                || n.contains("distarray-link")
                || (n.contains(".dnpy-set.") && !committed.contains(n))
        })
        .collect();
    bad.sort();
    bad
}

/// Every cell of `a`, on every rank.
fn whole(a: &DistArray<f64>) -> ArrayD<f64> {
    a.gather_all().unwrap()
}

/// The set at `prefix` read through both loaders, and checked offline.
fn read_set(comm: &Comm, prefix: &Path, shape: &[usize]) -> ArrayD<f64> {
    let layout = Layout::new(comm, shape, &vec![Dist::Cyclic; shape.len()]).unwrap();
    let a = DistArray::<f64>::load_dnpy_in(&layout, prefix).unwrap();
    if comm.rank() == 0 {
        distarray::io::check_dnpy_set(prefix).unwrap();
    }
    whole(&a)
}

/// The error of every way to read the set at `prefix`, the same on every
/// rank; returns the offline check's message.
fn refused(comm: &Comm, prefix: &Path, shape: &[usize]) -> String {
    let layout = Layout::block(comm, shape).unwrap();
    let e = DistArray::<f64>::load_dnpy_in(&layout, prefix).unwrap_err();
    assert_same_everywhere(comm, &e);
    let offline = distarray::io::check_dnpy_set(prefix).unwrap_err();
    assert_eq!(e, offline, "load_dnpy_in and the offline check disagree");
    offline.to_string()
}

fn incomplete_and_mixed_type_sets_are_refused(comm: &Comm) {
    use distarray::io::dnpy_path;
    let p = comm.size();
    if p < 2 {
        return;
    }
    let out = scratch(comm, "incomplete");
    let layout = Layout::block(comm, &[5, 3 * p]).unwrap();
    let a = DistArray::<f64>::random(&layout, 5);
    // the last file missing, then a middle one (when there is a middle)
    for gone in [p - 1, p / 2] {
        let prefix = out.join(format!("gone{gone}"));
        a.save_dnpy(&prefix).unwrap();
        if comm.rank() == gone {
            std::fs::remove_file(dnpy_path(&prefix, gone)).unwrap();
        }
        comm.barrier();
        let msg = refused(comm, &prefix, &[5, 3 * p]);
        let name = format!("gone{gone}_{gone}.dnpy");
        assert!(msg.contains(&name) && msg.contains("missing"), "{msg}");
        let e = DistArray::<f64>::load_dnpy(comm, &prefix).unwrap_err();
        assert_same_everywhere(comm, &e);
    }
    // one rank's file holds int64 where the others hold float64 (plain
    // files, as DistArray 0.6 writes them)
    let f = out.join("f");
    a.save_dnpy(&f).unwrap();
    DistArray::<i64>::zeros(&layout)
        .save_dnpy(out.join("i"))
        .unwrap();
    let m = out.join("m");
    let me = comm.rank();
    let from = if me == p - 1 { "i" } else { "f" };
    std::fs::copy(dnpy_path(out.join(from), me), dnpy_path(&m, me)).unwrap();
    comm.barrier();
    let msg = refused(comm, &m, &[5, 3 * p]);
    assert!(
        msg.contains("m_0.dnpy") && msg.contains(&format!("m_{}.dnpy", p - 1)),
        "{msg}"
    );
    assert!(msg.contains("int64") && msg.contains("float64"), "{msg}");
    let e = DistArray::<f64>::load_dnpy(comm, &m).unwrap_err();
    assert!(matches!(e, Error::DTypeMismatch { .. }), "{e}");
    assert_same_everywhere(comm, &e);
}

/// Writes rank `r`'s file of a 1-D unstructured set of `2 p` cells in
/// which the last rank holds one cell only: cell `2 p - 1` has no value.
pub fn write_uncovering_file(prefix: &Path, r: usize, p: usize) {
    use distarray::io::{dnpy_header, dnpy_path};
    let ix: Vec<usize> = if r + 1 == p {
        vec![2 * r]
    } else {
        vec![2 * r + 1, 2 * r]
    };
    let json = serde_json::json!({"dist_type": "u", "size": 2 * p, "proc_grid_rank": r,
        "proc_grid_size": p, "indices": ix});
    let dims = distarray::protocol::parse_dim_data(&[json], &[ix.len()], r).unwrap();
    let mut bytes = dnpy_header(&dims);
    bytes.extend(
        NpyHeader {
            dtype: distarray::DType::F64,
            fortran_order: false,
            shape: vec![ix.len()],
        }
        .to_bytes(),
    );
    for &g in &ix {
        bytes.extend((g as f64).to_le_bytes());
    }
    std::fs::write(dnpy_path(prefix, r), bytes).unwrap();
}

fn sets_that_leave_cells_empty_are_refused(comm: &Comm) {
    let p = comm.size();
    let out = scratch(comm, "uncovering");
    let prefix = out.join("u");
    write_uncovering_file(&prefix, comm.rank(), p);
    comm.barrier();
    let msg = refused(comm, &prefix, &[2 * p]);
    assert!(msg.contains("indices_do_not_cover"), "{msg}");
    let e = DistArray::<f64>::load_dnpy(comm, &prefix).unwrap_err();
    assert_same_everywhere(comm, &e);
    // into other layouts too, and nothing is written by a failed load
    let cyclic = Layout::new(comm, &[2 * p], &[Dist::Cyclic]).unwrap();
    let e = DistArray::<f64>::load_dnpy_in(&cyclic, &prefix).unwrap_err();
    assert_same_everywhere(comm, &e);
}

fn interrupted_saves_leave_a_whole_set(comm: &Comm) {
    use distarray::io::{dnpy_path, interrupt_dnpy_saves_at, SaveStage};
    let out = scratch(comm, "interrupted");
    let shape = [7, 5];
    let layout = Layout::new(comm, &shape, &[Dist::Cyclic, Dist::Block]).unwrap();
    let old = DistArray::<f64>::random(&layout, 1);
    let new = DistArray::<f64>::random(&layout, 2);
    let stages = [
        SaveStage::Written,
        SaveStage::Adopted,
        SaveStage::Linked,
        SaveStage::Committed,
    ];
    for (i, stage) in stages.into_iter().enumerate() {
        let prefix = out.join(format!("s{i}"));
        if stage == SaveStage::Adopted {
            // the previous set is DistArray 0.6's: plain files
            old.save_dnpy(out.join("plain")).unwrap();
            let me = comm.rank();
            std::fs::copy(dnpy_path(out.join("plain"), me), dnpy_path(&prefix, me)).unwrap();
            comm.barrier();
        } else {
            old.save_dnpy(&prefix).unwrap();
        }
        interrupt_dnpy_saves_at(Some(stage));
        let e = new.save_dnpy(&prefix).unwrap_err();
        interrupt_dnpy_saves_at(None);
        assert_same_everywhere(comm, &e);
        let expect = if stage == SaveStage::Committed {
            &new
        } else {
            &old
        };
        assert_eq!(read_set(comm, &prefix, &shape), whole(expect), "{stage:?}");
        let back = DistArray::<f64>::load_dnpy(comm, &prefix).unwrap();
        assert_eq!(back.local(), expect.local(), "{stage:?}");
        // the next save finishes the job and cleans up
        let third = DistArray::<f64>::random(&layout, 3);
        third.save_dnpy(&prefix).unwrap();
        assert_eq!(read_set(comm, &prefix, &shape), whole(&third), "{stage:?}");
    }
    comm.barrier();
    assert_eq!(leftovers(&out), Vec::<String>::new());
    // a save on fewer ranks, interrupted before and after its commit
    if comm.size() > 1 {
        let fewer = comm.subset(comm.rank() + 1 < comm.size());
        let prefix = out.join("shrink");
        old.save_dnpy(&prefix).unwrap();
        for stage in [SaveStage::Linked, SaveStage::Committed] {
            let small = fewer.as_ref().map(|c| {
                let l = Layout::new(c, &shape, &[Dist::Cyclic, Dist::Block]).unwrap();
                DistArray::<f64>::random(&l, 4)
            });
            if let Some(s) = &small {
                interrupt_dnpy_saves_at(Some(stage));
                s.save_dnpy(&prefix).unwrap_err();
                interrupt_dnpy_saves_at(None);
            }
            comm.barrier();
            let expect = if stage == SaveStage::Committed {
                let l = Layout::block(comm, &shape).unwrap();
                let s = DistArray::<f64>::random(&l, 4); // random is layout-independent
                whole(&s)
            } else {
                whole(&old)
            };
            assert_eq!(read_set(comm, &prefix, &shape), expect, "{stage:?}");
        }
        if let Some(c) = &fewer {
            let l = Layout::block(c, &shape).unwrap();
            DistArray::<f64>::random(&l, 5).save_dnpy(&prefix).unwrap();
        }
        comm.barrier();
        assert!(
            std::fs::symlink_metadata(dnpy_path(&prefix, comm.size() - 1)).is_err(),
            "the file the smaller set has not is left"
        );
        assert_eq!(leftovers(&out), Vec::<String>::new());
    }
}

fn sets_of_two_saves_are_refused(comm: &Comm) {
    use distarray::io::dnpy_path;
    let p = comm.size();
    if p < 2 {
        return;
    }
    let out = scratch(comm, "two-saves");
    let layout = Layout::block(comm, &[6, 2 * p]).unwrap();
    let a = out.join("a");
    DistArray::<f64>::random(&layout, 1).save_dnpy(&a).unwrap();
    DistArray::<f64>::random(&layout, 2)
        .save_dnpy(out.join("b"))
        .unwrap();
    // what a job killed while renaming files into place used to leave: one
    // file from another save of the same layout
    if comm.rank() == 1 {
        let f = dnpy_path(&a, 1);
        std::fs::remove_file(&f).unwrap();
        std::fs::copy(dnpy_path(out.join("b"), 1), &f).unwrap();
    }
    comm.barrier();
    let msg = refused(comm, &a, &[6, 2 * p]);
    assert!(
        msg.contains("a_1.dnpy") && msg.contains("mixes files of two saves"),
        "{msg}"
    );
    let e = DistArray::<f64>::load_dnpy(comm, &a).unwrap_err();
    assert_same_everywhere(comm, &e);
    assert_eq!(e.to_string(), msg);
}

fn a_failed_save_keeps_the_previous_set(comm: &Comm) {
    use distarray::io::dnpy_path;
    let p = comm.size();
    if p < 2 {
        return;
    }
    let out = scratch(comm, "kept");
    let shape = [4, 9];
    let prefix = out.join("k");
    // the previous set: written by all ranks but the last
    let fewer = comm.subset(comm.rank() + 1 < p);
    if let Some(c) = &fewer {
        let a = DistArray::<f64>::random(&Layout::block(c, &shape).unwrap(), 6);
        a.save_dnpy(&prefix).unwrap();
    }
    // random values do not depend on the layout
    let old_whole = whole(&DistArray::<f64>::random(
        &Layout::block(comm, &shape).unwrap(),
        6,
    ));
    // on the last rank only, its file's path is a non-empty directory
    if comm.rank() == p - 1 {
        std::fs::create_dir_all(dnpy_path(&prefix, p - 1).join("x")).unwrap();
    }
    comm.barrier();
    let new = DistArray::<f64>::random(&Layout::block(comm, &shape).unwrap(), 7);
    let e = new.save_dnpy(&prefix).unwrap_err();
    assert_same_everywhere(comm, &e);
    assert!(e.to_string().contains(&format!("k_{}.dnpy", p - 1)), "{e}");
    comm.barrier();
    assert_eq!(read_set(comm, &prefix, &shape), old_whole);
    assert_eq!(leftovers(&out), Vec::<String>::new());
    // and with the directory gone, the save goes through
    if comm.rank() == p - 1 {
        std::fs::remove_dir_all(dnpy_path(&prefix, p - 1)).unwrap();
    }
    comm.barrier();
    new.save_dnpy(&prefix).unwrap();
    assert_eq!(read_set(comm, &prefix, &shape), whole(&new));
}

fn dnpy_sets_load_on_any_number_of_ranks(comm: &Comm) {
    fn one<T: Element>(comm: &Comm, name: &str, dir: &Path) {
        let global = read_npy::<T>(&dir.join("global.npy"));
        for dists in [
            vec![Dist::Block; global.ndim()],
            vec![Dist::Cyclic; global.ndim()],
        ] {
            let layout = Layout::new(comm, global.shape(), &dists).unwrap();
            let a = DistArray::<T>::load_dnpy_in(&layout, dir.join(name))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                a.gather_all().unwrap(),
                global,
                "{name} on {} ranks",
                comm.size()
            );
        }
    }
    let dir = conformance_dir().join("dnpy");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    names.sort();
    assert!(names.len() >= 10);
    for case_dir in names {
        let case: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(case_dir.join("case.json")).unwrap())
                .unwrap();
        let name = case["name"].as_str().unwrap();
        match case["dtype"].as_str().unwrap() {
            "float64" => one::<f64>(comm, name, &case_dir),
            "float32" => one::<f32>(comm, name, &case_dir),
            "int64" => one::<i64>(comm, name, &case_dir),
            "int32" => one::<i32>(comm, name, &case_dir),
            "complex128" => one::<Complex64>(comm, name, &case_dir),
            "bool" => one::<bool>(comm, name, &case_dir),
            other => panic!("{other}"),
        }
    }
    // a set we write on this many ranks, read as a padded layout too
    let out = scratch(comm, "any-ranks");
    let src = Layout::new(
        comm,
        &[13, 4],
        &[
            Dist::BlockPadded {
                ghost_width: 1,
                boundary_width: (1, 0),
                periodic: false,
            },
            Dist::Cyclic,
        ],
    )
    .unwrap();
    let a = DistArray::<f64>::random(&src, 4);
    a.save_dnpy(out.join("p")).unwrap();
    let back =
        DistArray::<f64>::load_dnpy_in(&Layout::block(comm, &[13, 4]).unwrap(), out.join("p"))
            .unwrap();
    assert_eq!(back.gather_all().unwrap(), a.gather_all().unwrap());
    let e = DistArray::<f64>::load_dnpy_in(&Layout::block(comm, &[13, 5]).unwrap(), out.join("p"))
        .unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    let e = DistArray::<f64>::load_dnpy_in(
        &Layout::block(comm, &[13, 4]).unwrap(),
        out.join("missing"),
    )
    .unwrap_err();
    assert_same_everywhere(comm, &e);
}

/// A file name (or order) that differs on one rank, on save or load, for
/// `.npy` and `.dnpy`: the same error on every rank before any file is
/// touched, and nothing written.
fn file_names_that_differ_on_one_rank_fail_everywhere_alike(comm: &Comm) {
    if comm.size() < 2 {
        return;
    }
    let out = scratch(comm, "io-names");
    let odd = comm.rank() + 1 == comm.size();
    let layout = Layout::new(comm, &[9, 4], &[Dist::Block, Dist::Cyclic]).unwrap();
    let a = DistArray::<f64>::random(&layout, 3);
    let (x, y) = (out.join("x.npy"), out.join("y.npy"));
    let err = a
        .save_npy(if odd { &y } else { &x }, Order::C)
        .expect_err("names differ");
    assert_same_everywhere(comm, &err);
    assert!(matches!(err, Error::ArgumentsDiffer { .. }), "{err}");
    let order = if odd { Order::Fortran } else { Order::C };
    assert_same_everywhere(comm, &a.save_npy(&x, order).expect_err("orders differ"));
    comm.barrier();
    assert!(!x.exists() && !y.exists(), "refused saves write nothing");
    a.save_npy(&x, Order::C).unwrap();
    a.save_npy(&y, Order::C).unwrap();
    let err =
        DistArray::<f64>::load_npy(&layout, if odd { &y } else { &x }).expect_err("names differ");
    assert_same_everywhere(comm, &err);
    let (p, q) = (out.join("p"), out.join("q"));
    let err = a
        .save_dnpy(if odd { &q } else { &p })
        .expect_err("prefixes differ");
    assert_same_everywhere(comm, &err);
    a.save_dnpy(&p).unwrap();
    let err =
        DistArray::<f64>::load_dnpy(comm, if odd { &q } else { &p }).expect_err("prefixes differ");
    assert_same_everywhere(comm, &err);
    let err = DistArray::<f64>::load_dnpy_in(&layout, if odd { &q } else { &p })
        .expect_err("prefixes differ");
    assert_same_everywhere(comm, &err);
    let b = DistArray::<f64>::load_npy(&layout, &x).unwrap();
    assert_eq!(b.local(), a.local());
}
