//! PETSc binary files on 1-4 ranks. Without PETSc: Vecs round-trip from and
//! into every layout kind (real and complex, 32- and 64-bit indices), AIJ
//! matrices into any 1-D block row split; the bytes are the format's
//! (built here independently from PETSc's description); files of several
//! objects list and load by object; `io::open` recognizes them; broken
//! files and arguments that differ on one rank give every rank the same
//! error. With `--features petsc`: files PETSc wrote (`VecView`, `MatView`)
//! load here, ours load in PETSc (`VecLoad`, `MatLoad`), and our bytes are
//! PETSc's for the same data, `.info` file included.

mod harness;
mod laplacian;

use distarray::io::{
    self, PetscBinaryFile, PetscBinaryOptions, PetscIndexWidth, PetscObject, PetscScalarKind,
};
use distarray::num_complex::Complex64;
use distarray::sparse::CsrRows;
use distarray::{Comm, DType, Dist, DistArray, Error, Layout};
use harness::{assert_same_everywhere, io_layouts, scratch, Check};
use laplacian::laplacian_2d;
use std::path::Path;

macro_rules! checks {
    ($($c:ident),* $(,)?) => {
        &[
            check!(vecs_round_trip_in_every_layout),
            check!(vec_bytes_are_the_format),
            check!(matrices_load_on_any_row_split),
            check!(mat_bytes_are_the_format),
            check!(files_of_several_objects_load_by_object),
            check!(io_open_recognizes_petsc_files),
            check!(broken_files_fail_everywhere_alike),
            check!(arguments_that_differ_on_one_rank_fail_everywhere),
            $(check!($c),)*
        ]
    };
}

#[cfg(feature = "petsc")]
static CHECKS: &[Check] = checks!(
    files_petsc_wrote_load_here,
    files_we_wrote_load_in_petsc,
    our_bytes_are_petscs,
    dmda_vectors_save_in_grid_order,
    petsc_finalizes_before_mpi
);
#[cfg(not(feature = "petsc"))]
static CHECKS: &[Check] = checks!();

fn main() {
    harness::main("mpi_petsc_binary", CHECKS, &[1, 2, 3, 4]);
}

fn be32(words: &[i32]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_be_bytes()).collect()
}

fn be64(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

/// Rank 0 writes `bytes` to `path`; every rank waits for it.
fn write_file(comm: &Comm, path: &Path, bytes: &[u8]) {
    if comm.rank() == 0 {
        std::fs::write(path, bytes).unwrap();
    }
    comm.barrier();
}

fn value(g: usize) -> f64 {
    g as f64 * 0.5 - 3.25
}

fn vecs_round_trip_in_every_layout(comm: &Comm) {
    let dir = scratch(comm, "pbin-vec");
    let p = dir.join("x.petsc");
    let i64_complex = PetscBinaryOptions {
        scalar: PetscScalarKind::Complex,
        index: PetscIndexWidth::I64,
    };
    for layout in io_layouts(comm) {
        let n = layout.global_len();
        let shape = layout.shape().to_vec();
        let flat = |ix: &[usize]| ix.iter().zip(&shape).fold(0, |acc, (&i, &s)| acc * s + i);
        let x = DistArray::from_fn(&layout, |ix| value(flat(ix)));
        x.save_petsc_vec(&p).unwrap();
        // a balanced 1-D block layout: the cells in C order
        let y = DistArray::<f64>::load_petsc_vec(comm, &p).unwrap();
        assert_eq!(y.shape(), &[n]);
        let want: Vec<f64> = (0..n).map(value).collect();
        assert_eq!(y.gather_all().unwrap().into_raw_vec_and_offset().0, want);
        // back into the saving layout (padded, unstructured, empty, ...)
        let z = DistArray::<f64>::load_petsc_vec_in(&layout, &p).unwrap();
        assert_eq!(z.gather_all().unwrap(), x.gather_all().unwrap());
        // complex values, 64-bit indices, and a real array as complex scalars
        let c = DistArray::from_fn(&layout, |ix| Complex64::new(value(flat(ix)), ix[0] as f64));
        for o in [
            i64_complex,
            PetscBinaryOptions {
                index: PetscIndexWidth::I32,
                ..i64_complex
            },
        ] {
            c.save_petsc_vec_with(&p, o).unwrap();
            let file = comm.agree(PetscBinaryFile::open(&p)).unwrap();
            // (no scalars: both kinds fit, and real is the inference)
            let inferred = if n == 0 {
                PetscScalarKind::Real
            } else {
                o.scalar
            };
            assert_eq!(
                (file.options.scalar, file.options.index),
                (inferred, o.index)
            );
            let file = comm.agree(PetscBinaryFile::open_with(&p, o)).unwrap();
            let back = file.load_vec_in::<Complex64>(&layout, 0).unwrap();
            assert_eq!(back.gather_all().unwrap(), c.gather_all().unwrap());
        }
        x.save_petsc_vec_with(&p, i64_complex).unwrap();
        let widened = DistArray::<Complex64>::load_petsc_vec_in(&layout, &p).unwrap();
        assert_eq!(
            widened.gather_all().unwrap(),
            x.gather_all().unwrap().mapv(|v| Complex64::new(v, 0.0))
        );
    }
}

fn vec_bytes_are_the_format(comm: &Comm) {
    let dir = scratch(comm, "pbin-vbytes");
    let layout = Layout::new(comm, &[5], &[Dist::Cyclic]).unwrap();
    let x = DistArray::from_fn(&layout, |ix| value(ix[0]));
    x.save_petsc_vec(dir.join("x")).unwrap();
    let vals: Vec<f64> = (0..5).map(value).collect();
    let mut want = be32(&[1211214, 5]);
    want.extend(be64(&vals));
    assert_eq!(std::fs::read(dir.join("x")).unwrap(), want);
    assert_eq!(
        std::fs::read_to_string(dir.join("x.info")).unwrap(),
        "-vecload_block_size 1\n"
    );
    // 64-bit integers, complex scalars: (re, im) pairs
    let o = PetscBinaryOptions {
        scalar: PetscScalarKind::Complex,
        index: PetscIndexWidth::I64,
    };
    x.save_petsc_vec_with(dir.join("c"), o).unwrap();
    let mut want = [1211214i64, 5]
        .iter()
        .flat_map(|w| w.to_be_bytes())
        .collect::<Vec<u8>>();
    want.extend(vals.iter().flat_map(|&v| be64(&[v, 0.0])));
    assert_eq!(std::fs::read(dir.join("c")).unwrap(), want);
    // complex values do not fit a real build's file: an error everywhere
    let c = DistArray::<Complex64>::zeros(&layout);
    let e = c
        .save_petsc_vec_with(dir.join("r"), PetscBinaryOptions::default())
        .unwrap_err();
    assert!(e.to_string().contains("complex values"), "{e}");
    assert!(!dir.join("r").exists());
}

/// Tridiagonal rows with the columns of each row given in decreasing order.
fn unsorted_rows(rows: &Layout) -> CsrRows {
    let mine = distarray::sparse::owned_rows(rows).unwrap();
    let n = rows.global_len();
    let mut csr = CsrRows {
        first_row: mine.start,
        ncols: n + 2,
        row_ptr: vec![0],
        cols: vec![],
        vals: vec![],
    };
    for r in mine {
        for c in [r + 2, r + 1, r.wrapping_sub(1)] {
            if c < n + 2 {
                csr.cols.push(c);
                csr.vals.push(r as f64 + c as f64 / 100.0);
            }
        }
        csr.row_ptr.push(csr.cols.len());
    }
    csr
}

/// `csr` with each row sorted by column.
fn sorted(csr: &CsrRows) -> CsrRows {
    let mut out = CsrRows {
        cols: vec![],
        vals: vec![],
        row_ptr: vec![0],
        ..csr.clone()
    };
    for i in 0..csr.local_rows() {
        let (c, v) = csr.row(i);
        let mut e: Vec<(usize, f64)> = c.iter().copied().zip(v.iter().copied()).collect();
        e.sort_by_key(|p| p.0);
        out.cols.extend(e.iter().map(|p| p.0));
        out.vals.extend(e.iter().map(|p| p.1));
        out.row_ptr.push(out.cols.len());
    }
    out
}

/// Every row on rank `owner`.
fn all_on(comm: &Comm, n: usize, owner: usize) -> Layout {
    let bounds: Vec<usize> = (0..=comm.size())
        .map(|r| if r > owner { n } else { 0 })
        .collect();
    Layout::new(comm, &[n], &[Dist::BlockBounds(bounds)]).unwrap()
}

fn matrices_load_on_any_row_split(comm: &Comm) {
    let dir = scratch(comm, "pbin-mat");
    let p = dir.join("a.petsc");
    let n = 5 * 4;
    let rows = Layout::block(comm, &[n]).unwrap();
    let a = laplacian_2d(&rows, 5, 4).unwrap();
    io::save_petsc_mat(&p, &rows, &a).unwrap();
    let (rows2, b) = io::load_petsc_mat::<f64>(comm, &p).unwrap();
    assert!(rows2 == rows);
    assert_eq!(b, a);
    let last = all_on(comm, n, comm.size() - 1);
    assert_eq!(
        io::load_petsc_mat_in::<f64>(&last, &p).unwrap(),
        laplacian_2d(&last, 5, 4).unwrap()
    );
    // complex values (a complex PETSc's matrix), rectangular, from the builder
    let mut zb = distarray::sparse::SparseBuilder::<Complex64>::new(&rows, n + 3).unwrap();
    for r in distarray::sparse::owned_rows(&rows).unwrap() {
        zb.add(r, r + 3, Complex64::new(r as f64, -1.0));
        zb.add(r, 0, Complex64::new(0.5, r as f64));
    }
    let z = zb.assemble().unwrap();
    let zp = dir.join("z.petsc");
    io::save_petsc_mat(&zp, &rows, &z).unwrap();
    let (zrows, back) = io::load_petsc_mat::<Complex64>(comm, &zp).unwrap();
    assert!(zrows == rows);
    assert_eq!(back, z);
    assert!(matches!(
        io::load_petsc_mat::<f64>(comm, &zp).unwrap_err(),
        Error::DTypeMismatch { .. }
    ));
    // rectangular, rows given unsorted: written (and read) sorted
    let u = unsorted_rows(&rows);
    io::save_petsc_mat(&p, &rows, &u).unwrap();
    let first = all_on(comm, n, 0);
    let back = io::load_petsc_mat_in::<f64>(&first, &p).unwrap();
    assert_eq!(back, sorted(&unsorted_rows(&first)));
    let e = io::load_petsc_mat_in::<f64>(&Layout::new(comm, &[n], &[Dist::Cyclic]).unwrap(), &p)
        .unwrap_err();
    assert!(matches!(e, Error::LayoutMismatch { .. }), "{e}");
    // 64-bit indices
    let o = PetscBinaryOptions {
        index: PetscIndexWidth::I64,
        ..Default::default()
    };
    io::save_petsc_mat_with(&p, &rows, &a, o).unwrap();
    assert_eq!(io::load_petsc_mat_in::<f64>(&rows, &p).unwrap(), a);
    // a column twice in a row (on the last rank only): refused everywhere
    let mut dup = a.clone();
    if comm.rank() + 1 == comm.size() && dup.local_rows() > 0 {
        dup.cols[1] = dup.cols[0];
    }
    let e = io::save_petsc_mat(dir.join("dup"), &rows, &dup).unwrap_err();
    assert!(e.to_string().contains("twice"), "{e}");
    assert_same_everywhere(comm, &e);
    assert!(!dir.join("dup").exists());
}

fn mat_bytes_are_the_format(comm: &Comm) {
    // [[1 0 2], [0 0 0], [3 4 0]]: row lengths 2 0 2, columns 0 2 0 1
    let dir = scratch(comm, "pbin-mbytes");
    let rows = Layout::block(comm, &[3]).unwrap();
    let all = [
        (vec![0, 2], vec![1.0, 2.0]),
        (vec![], vec![]),
        (vec![1, 0], vec![4.0, 3.0]),
    ];
    let mine = distarray::sparse::owned_rows(&rows).unwrap();
    let mut csr = CsrRows::<f64> {
        first_row: mine.start,
        ncols: 3,
        row_ptr: vec![0],
        cols: vec![],
        vals: vec![],
    };
    for (c, v) in &all[mine] {
        csr.cols.extend(c);
        csr.vals.extend(v);
        csr.row_ptr.push(csr.cols.len());
    }
    io::save_petsc_mat(dir.join("m"), &rows, &csr).unwrap();
    let mut want = be32(&[1211216, 3, 3, 4, 2, 0, 2, 0, 2, 0, 1]);
    want.extend(be64(&[1.0, 2.0, 3.0, 4.0]));
    assert_eq!(std::fs::read(dir.join("m")).unwrap(), want);
    assert_eq!(
        std::fs::read_to_string(dir.join("m.info")).unwrap(),
        "-matload_block_size 1\n"
    );
    let file = comm.agree(PetscBinaryFile::open(dir.join("m"))).unwrap();
    assert_eq!(
        file.objects,
        [PetscObject::Mat {
            rows: 3,
            cols: 3,
            nnz: 4,
            offset: 0
        }]
    );
}

fn files_of_several_objects_load_by_object(comm: &Comm) {
    // PETSc's test matrices come as a Mat and its right-hand side in one file
    let dir = scratch(comm, "pbin-multi");
    let rows = Layout::block(comm, &[9]).unwrap();
    io::save_petsc_mat(dir.join("a"), &rows, &laplacian_2d(&rows, 3, 3).unwrap()).unwrap();
    let b = DistArray::from_fn(&rows, |ix| value(ix[0]));
    b.save_petsc_vec(dir.join("b")).unwrap();
    DistArray::full(&Layout::block(comm, &[2]).unwrap(), 7.0)
        .save_petsc_vec(dir.join("c"))
        .unwrap();
    let both = dir.join("ab.petsc");
    let bytes: Vec<u8> = ["a", "b", "c"]
        .iter()
        .flat_map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect();
    write_file(comm, &both, &bytes);
    let file = comm.agree(PetscBinaryFile::open(&both)).unwrap();
    let shapes: Vec<Vec<usize>> = file.objects.iter().map(|o| o.shape()).collect();
    assert_eq!(shapes, [vec![9, 9], vec![9], vec![2]]);
    assert_eq!((file.first_mat(), file.first_vec()), (Some(0), Some(1)));
    let x = DistArray::<f64>::load_petsc_vec(comm, &both).unwrap();
    assert_eq!(x.gather_all().unwrap(), b.gather_all().unwrap());
    let c: DistArray<f64> = file.load_vec(comm, 2).unwrap();
    assert!(c.local().iter().all(|&v| v == 7.0));
    let (_, a) = io::load_petsc_mat::<f64>(comm, &both).unwrap();
    assert_eq!(a, laplacian_2d(&rows, 3, 3).unwrap());
    let e = file.load_vec::<f64>(comm, 0).unwrap_err();
    assert!(e.to_string().contains("not a Vec"), "{e}");
    let e = file.load_vec::<f64>(comm, 3).unwrap_err();
    assert!(e.to_string().contains("has 3 objects"), "{e}");
}

fn io_open_recognizes_petsc_files(comm: &Comm) {
    let dir = scratch(comm, "pbin-open");
    let layout = Layout::block(comm, &[6]).unwrap();
    let z = DistArray::from_fn(&layout, |ix| Complex64::new(ix[0] as f64, -1.0));
    let o = PetscBinaryOptions {
        scalar: PetscScalarKind::Complex,
        index: PetscIndexWidth::I64,
    };
    z.save_petsc_vec_with(dir.join("z"), o).unwrap();
    let info = comm.agree(io::open(dir.join("z"))).unwrap();
    assert_eq!(
        info.format,
        io::Format::PetscVec {
            index: PetscIndexWidth::I64
        }
    );
    assert_eq!((info.shape.as_slice(), info.dtype), (&[6][..], DType::C128));
    let any = info.load(comm).unwrap();
    assert_eq!(
        any.as_c128().unwrap().gather_all().unwrap(),
        z.gather_all().unwrap()
    );
    let cyclic = Layout::new(comm, &[6], &[Dist::Cyclic]).unwrap();
    let in_cyclic = info.load_in(&cyclic).unwrap();
    assert!(*in_cyclic.layout() == cyclic);
    assert_eq!(
        in_cyclic.as_c128().unwrap().get(&[5]).unwrap(),
        Complex64::new(5.0, -1.0)
    );
    let rows = Layout::block(comm, &[4]).unwrap();
    io::save_petsc_mat(dir.join("a"), &rows, &laplacian_2d(&rows, 2, 2).unwrap()).unwrap();
    let info = comm.agree(io::open(dir.join("a"))).unwrap();
    assert_eq!(
        info.format,
        io::Format::PetscMat {
            nnz: 12,
            index: PetscIndexWidth::I32
        }
    );
    assert_eq!(
        (info.shape.as_slice(), info.dtype),
        (&[4, 4][..], DType::F64)
    );
    let e = info.load(comm).unwrap_err();
    assert!(e.to_string().contains("io::load_petsc_mat"), "{e}");
    assert_same_everywhere(comm, &e);
}

fn broken_files_fail_everywhere_alike(comm: &Comm) {
    let dir = scratch(comm, "pbin-broken");
    let f = |name: &str, bytes: Vec<u8>| {
        let p = dir.join(name);
        write_file(comm, &p, &bytes);
        p
    };
    let vec3 = [be32(&[1211214, 3]), be64(&[1.0, 2.0, 3.0])].concat();
    let mat = [be32(&[1211216, 2, 2, 2, 1, 1, 0, 1]), be64(&[1.0, 2.0])].concat();
    // one complex scalar (1 + 2i): read as real, the file does not fit
    let complex = [be32(&[1211214, 1]), be64(&[1.0, 2.0])].concat();
    let cases: Vec<(std::path::PathBuf, &str)> = vec![
        (dir.join("missing"), "No such file"),
        (
            f("class", be32(&[1211215, 3, 0, 0])),
            "not a PETSc binary Vec or Mat",
        ),
        (f("tvec", vec3[..vec3.len() - 1].to_vec()), "truncated"),
        (f("tmat", mat[..mat.len() - 8].to_vec()), "truncated"),
        // row lengths 1 + 1 where the header says 3 nonzeros (file sized for 3)
        (
            f(
                "sum",
                [be32(&[1211216, 2, 2, 3, 1, 1, 0, 1, 1]), be64(&[1.0; 3])].concat(),
            ),
            "add up to 2",
        ),
        (
            f(
                "col",
                [be32(&[1211216, 2, 2, 2, 1, 1, 0, 2]), be64(&[1.0, 2.0])].concat(),
            ),
            "the column index of entry 1 is 2",
        ),
        (
            f(
                "neg",
                [be32(&[1211216, 2, 2, 2, 1, 1, 0, -1]), be64(&[1.0, 2.0])].concat(),
            ),
            "is -1",
        ),
        (f("vec_only", vec3.clone()), "holds no Mat"),
        (f("zvec", complex), "complex"),
    ];
    for (p, what) in &cases {
        let e = if p.ends_with("vec_only")
            || ["sum", "col", "neg", "tmat"].iter().any(|n| p.ends_with(n))
        {
            io::load_petsc_mat::<f64>(comm, p).map(|_| ()).unwrap_err()
        } else {
            DistArray::<f64>::load_petsc_vec(comm, p)
                .map(|_| ())
                .unwrap_err()
        };
        let text = e.to_string();
        assert!(
            text.contains(what) && text.contains(p.file_name().unwrap().to_str().unwrap()),
            "{what}: {text}"
        );
        assert_same_everywhere(comm, &e);
    }
    // a complex matrix: real rows can not hold it, complex ones can
    let zmat = [be32(&[1211216, 1, 1, 1, 1, 0]), be64(&[1.0, 2.0])].concat();
    let zmat = f("zmat", zmat);
    let e = io::load_petsc_mat::<f64>(comm, &zmat).unwrap_err();
    assert!(matches!(e, Error::DTypeMismatch { .. }), "{e}");
    assert!(e.to_string().contains("complex"), "{e}");
    let (_, z) = io::load_petsc_mat::<Complex64>(comm, &zmat).unwrap();
    let all: Vec<Complex64> = z.vals.clone();
    let total = comm.sum_u64(all.len() as u64);
    assert_eq!(total, 1);
    if !all.is_empty() {
        assert_eq!(
            (z.row(0).0, all[0]),
            (&[0usize][..], Complex64::new(1.0, 2.0))
        );
    }
    // only the last rank sees a broken file: every rank gets its error
    let p = if comm.rank() + 1 == comm.size() {
        dir.join("tvec")
    } else {
        dir.join("ok")
    };
    write_file(comm, &dir.join("ok"), &vec3);
    let e = comm.agree(PetscBinaryFile::open(&p)).unwrap_err();
    assert!(e.to_string().contains("truncated"), "{e}");
}

fn arguments_that_differ_on_one_rank_fail_everywhere(comm: &Comm) {
    let dir = scratch(comm, "pbin-args");
    let layout = Layout::block(comm, &[4]).unwrap();
    let x = DistArray::<f64>::ones(&layout);
    let name = if comm.size() > 1 && comm.rank() == 1 {
        "other"
    } else {
        "x"
    };
    let r = x.save_petsc_vec(dir.join(name));
    if comm.size() > 1 {
        assert!(
            matches!(r, Err(Error::ArgumentsDiffer { rank: 1, .. })),
            "{r:?}"
        );
        assert!(!dir.join("x").exists() && !dir.join("other").exists());
    } else {
        r.unwrap();
    }
    x.save_petsc_vec(dir.join("x")).unwrap();
    // another object on one rank
    let twice = std::fs::read(dir.join("x")).unwrap().repeat(2);
    write_file(comm, &dir.join("xx"), &twice);
    let file = comm.agree(PetscBinaryFile::open(dir.join("xx"))).unwrap();
    let k = if comm.rank() == 0 { 0 } else { 1 };
    let r = file.load_vec::<f64>(comm, k);
    match comm.size() {
        1 => assert!(r.is_ok()),
        _ => assert!(
            matches!(r, Err(Error::ArgumentsDiffer { rank: 1, .. })),
            "{r:?}"
        ),
    }
}

#[cfg(feature = "petsc")]
#[path = "mpi_petsc_binary/with_petsc.rs"]
mod with_petsc;
#[cfg(feature = "petsc")]
use with_petsc::{
    dmda_vectors_save_in_grid_order, files_petsc_wrote_load_here, files_we_wrote_load_in_petsc,
    our_bytes_are_petscs, petsc_finalizes_before_mpi,
};
