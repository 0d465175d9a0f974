//! PETSc binary Vecs into and out of distributed arrays: each rank reads or
//! writes the contiguous run of cells (C order) a row-block layout gives it,
//! and one redistribution moves them from or to any other layout.

use super::file::{no_such, PetscBinaryFile, PetscObject};
use super::write::{write_shared, Writer, PIECE};
use super::{put_int, PetscBinaryOptions, PetscScalar, PetscScalarKind, VEC_FILE_CLASSID};
use crate::array::{DistArray, DistArrayBase};
use crate::comm::{fingerprint, Comm};
use crate::error::{Error, Result};
use crate::io::npy_file::{slab_layout, slab_offset};
use crate::io::{io_err, path_words, Order};
use crate::layout::Layout;
use ndarray::{ArrayD, Data, IxDyn};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

impl<T: PetscScalar> DistArray<T> {
    /// Loads the first Vec of a PETSc binary file (what `VecView` wrote)
    /// into a balanced 1-D block layout, in parallel: every rank reads its
    /// own part. `T` is `f64` for a file of a real PETSc build, `Complex64`
    /// for a complex one; 32- and 64-bit index files both load. Collective;
    /// a missing, corrupt or truncated file, one without a Vec, or the other
    /// scalar kind give every rank the same error. Other objects: see
    /// [`PetscBinaryFile`].
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-lpv-{}.petsc", std::process::id()));
    /// let x = DistArray::from_fn(&Layout::block(&comm, &[7]).unwrap(), |ix| ix[0] as f64 / 2.0);
    /// x.save_petsc_vec(&path).unwrap();
    /// let y = DistArray::<f64>::load_petsc_vec(&comm, &path).unwrap();
    /// assert_eq!(y.local(), x.local());
    /// assert!(DistArray::<f64>::load_petsc_vec(&comm, path.with_extension("none")).is_err());
    /// ```
    pub fn load_petsc_vec(comm: &Comm, path: impl AsRef<Path>) -> Result<DistArray<T>> {
        let file = comm.agree(PetscBinaryFile::open(path.as_ref()))?;
        let k = comm.agree(file.first_vec().ok_or_else(|| no_such(&file, "Vec")))?;
        file.load_vec(comm, k)
    }

    /// [`load_petsc_vec`](Self::load_petsc_vec) into `layout`: any
    /// distribution, any shape with the Vec's number of cells (filled in C
    /// order, so a DMDA's naturally ordered Vec loads into its 2-D or 3-D
    /// grid). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-lpvi-{}.petsc", std::process::id()));
    /// let x = DistArray::from_fn(&Layout::block(&comm, &[6]).unwrap(), |ix| ix[0] as f64);
    /// x.save_petsc_vec(&path).unwrap();
    /// let grid = Layout::new(&comm, &[2, 3], &[Dist::Cyclic, Dist::Block]).unwrap();
    /// let y = DistArray::<f64>::load_petsc_vec_in(&grid, &path).unwrap();
    /// assert_eq!(y.get(&[1, 0]).unwrap(), 3.0);
    /// ```
    pub fn load_petsc_vec_in(layout: &Layout, path: impl AsRef<Path>) -> Result<DistArray<T>> {
        let comm = layout.comm();
        let file = comm.agree(PetscBinaryFile::open(path.as_ref()))?;
        let k = comm.agree(file.first_vec().ok_or_else(|| no_such(&file, "Vec")))?;
        file.load_vec_in(layout, k)
    }
}

impl PetscBinaryFile {
    /// Loads object `k` (a Vec) in a balanced 1-D block layout, in
    /// parallel. Collective: every rank passes the same file description
    /// (checked) and gets the same verdict.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::io::PetscBinaryFile;
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-lv-{}.petsc", std::process::id()));
    /// DistArray::<f64>::ones(&Layout::block(&comm, &[3]).unwrap()).save_petsc_vec(&path).unwrap();
    /// let file = comm.agree(PetscBinaryFile::open(&path)).unwrap();
    /// let x: DistArray<f64> = file.load_vec(&comm, file.first_vec().unwrap()).unwrap();
    /// assert_eq!(x.shape(), &[3]);
    /// assert!(file.load_vec::<f64>(&comm, 1).is_err()); // one object only
    /// ```
    pub fn load_vec<T: PetscScalar>(&self, comm: &Comm, k: usize) -> Result<DistArray<T>> {
        self.agree(comm, k, 0, "PetscBinaryFile::load_vec (file, object)")?;
        let len = self.vec_len::<T>(k)?;
        self.read_vec(&Layout::block(comm, &[len])?, k)
    }

    /// Loads object `k` (a Vec) into `layout` (any distribution and shape
    /// with the Vec's number of cells, filled in C order). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::io::PetscBinaryFile;
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-lvi-{}.petsc", std::process::id()));
    /// DistArray::<f64>::ones(&Layout::block(&comm, &[5]).unwrap()).save_petsc_vec(&path).unwrap();
    /// let file = comm.agree(PetscBinaryFile::open(&path)).unwrap();
    /// let cyclic = Layout::new(&comm, &[5], &[Dist::Cyclic]).unwrap();
    /// let x: DistArray<f64> = file.load_vec_in(&cyclic, 0).unwrap();
    /// assert!(x.local().iter().all(|&v| v == 1.0));
    /// let wrong = Layout::block(&comm, &[6]).unwrap();
    /// assert!(file.load_vec_in::<f64>(&wrong, 0).is_err()); // on every rank
    /// ```
    pub fn load_vec_in<T: PetscScalar>(&self, layout: &Layout, k: usize) -> Result<DistArray<T>> {
        let what = "PetscBinaryFile::load_vec_in (file, object, layout)";
        self.agree(layout.comm(), k, layout.fingerprint(), what)?;
        // the checks below see agreed arguments: every rank the same verdict
        let len = self.vec_len::<T>(k)?;
        if layout.global_len() != len {
            return Err(Error::ShapeMismatch {
                context: format!("loading the Vec of {len} of {}", self.path.display()),
                expected: vec![len],
                found: layout.shape().to_vec(),
            });
        }
        self.read_vec(layout, k)
    }

    /// Object `k`'s length, when it is a Vec of `T`'s scalars.
    fn vec_len<T: PetscScalar>(&self, k: usize) -> Result<usize> {
        match self.objects[k] {
            // (an empty Vec holds no scalar to tell its kind by)
            PetscObject::Vec { len, .. } if self.options.scalar == T::KIND || len == 0 => Ok(len),
            PetscObject::Vec { .. } => Err(Error::DTypeMismatch {
                expected: T::DTYPE.to_string(),
                found: format!("{} in {}", self.options.scalar, self.path.display()),
            }),
            other => Err(io_err(
                &self.path,
                format!("object {k} is a {other}, not a Vec"),
            )),
        }
    }

    /// Every rank reads its run of cells, then moves them into `layout`.
    fn read_vec<T: PetscScalar>(&self, layout: &Layout, k: usize) -> Result<DistArray<T>> {
        let slab = slab_layout(layout, Order::C)?;
        let ssz = T::KIND.bytes();
        let header = 2 * self.options.index.bytes() as u64;
        let at = self.objects[k].offset() + header + (slab_offset(&slab, Order::C) * ssz) as u64;
        let mut flat = vec![T::default(); slab.local_len()];
        let read = File::open(&self.path)
            .and_then(|f| read_scalars(&f, at, &mut flat))
            .map_err(|e| io_err(&self.path, e));
        layout.comm().agree(read)?;
        let local = ArrayD::from_shape_vec(IxDyn(slab.local_shape()), flat)
            .map_err(|e| io_err(&self.path, e))?;
        let a = DistArrayBase::from_local(slab.clone(), local)?;
        if *layout == slab {
            Ok(a)
        } else {
            a.redistribute(layout)
        }
    }
}

/// Reads `out.len()` big-endian scalars at byte `at`, a piece at a time.
pub(super) fn read_scalars<T: PetscScalar>(
    f: &File,
    at: u64,
    out: &mut [T],
) -> std::io::Result<()> {
    let ssz = T::KIND.bytes();
    let per = PIECE / ssz;
    let mut buf = vec![0u8; per.min(out.len()) * ssz];
    for (i, chunk) in out.chunks_mut(per).enumerate() {
        let b = &mut buf[..chunk.len() * ssz];
        f.read_exact_at(b, at + (i * per * ssz) as u64)?;
        T::get_be(b, chunk);
    }
    Ok(())
}

/// Appends `values` as scalars of `kind` to `w`, flushing piece by piece.
pub(super) fn write_scalars<T: PetscScalar>(
    w: &mut Writer<'_>,
    values: &[T],
    kind: PetscScalarKind,
) -> std::io::Result<()> {
    for chunk in values.chunks(PIECE / 16) {
        T::put_be(chunk, kind, &mut w.buf);
        w.flush_if_full()?;
    }
    w.flush()
}

/// The checks every writer makes of the build it writes for: complex values
/// do not fit real scalars, and the sizes must fit its integers.
pub(super) fn check_writable<T: PetscScalar>(
    options: PetscBinaryOptions,
    sizes: &[(u64, &str)],
) -> Result<()> {
    if T::KIND == PetscScalarKind::Complex && options.scalar == PetscScalarKind::Real {
        return Err(Error::InvalidArgument(
            "complex values cannot be written as a real PETSc build's scalars".into(),
        ));
    }
    match sizes.iter().find(|(n, _)| *n > options.index.max()) {
        Some((n, what)) => Err(Error::InvalidArgument(format!(
            "{what} = {n} does not fit a PETSc file with {}",
            options.index
        ))),
        None => Ok(()),
    }
}

impl<T: PetscScalar, S: Data<Elem = T>> DistArrayBase<S> {
    /// Saves the array as a PETSc binary Vec, byte for byte what `VecView`
    /// with a binary viewer writes for a Vec of these cells in C order (and
    /// the viewer's `<path>.info`), for PETSc's default build (real scalars,
    /// 32-bit indices; `Complex64` arrays: a complex build). Any layout: a
    /// layout whose parts are not contiguous runs of the file goes through
    /// one redistribution first. Collective: every rank writes its part at
    /// its offset, under a temporary name renamed when all succeeded.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-spv-{}.petsc", std::process::id()));
    /// let x = DistArray::from_fn(&Layout::new(&comm, &[3], &[Dist::Cyclic]).unwrap(), |ix| ix[0] as f64);
    /// x.save_petsc_vec(&path).unwrap();
    /// let bytes = std::fs::read(&path).unwrap();
    /// assert_eq!(&bytes[..8], &[0, 0x12, 0x7b, 0x4e, 0, 0, 0, 3]); // class id, n
    /// assert_eq!(&bytes[16..24], &1.0f64.to_be_bytes());
    /// ```
    pub fn save_petsc_vec(&self, path: impl AsRef<Path>) -> Result<()> {
        let options = PetscBinaryOptions {
            scalar: T::KIND,
            ..Default::default()
        };
        self.save_petsc_vec_with(path, options)
    }

    /// [`save_petsc_vec`](Self::save_petsc_vec) for the PETSc build
    /// `options` describes (64-bit indices; real arrays as a complex
    /// build's scalars, with imaginary parts 0). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::io::{PetscBinaryFile, PetscBinaryOptions, PetscIndexWidth, PetscScalarKind};
    /// use distarray_core::num_complex::Complex64;
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-spvw-{}.petsc", std::process::id()));
    /// let o = PetscBinaryOptions { scalar: PetscScalarKind::Complex, index: PetscIndexWidth::I64 };
    /// DistArray::<f64>::ones(&Layout::block(&comm, &[4]).unwrap()).save_petsc_vec_with(&path, o).unwrap();
    /// assert_eq!(comm.agree(PetscBinaryFile::open(&path)).unwrap().options, o);
    /// let z = DistArray::<Complex64>::load_petsc_vec(&comm, &path).unwrap();
    /// assert!(z.local().iter().all(|&v| v == Complex64::new(1.0, 0.0)));
    /// ```
    pub fn save_petsc_vec_with(
        &self,
        path: impl AsRef<Path>,
        options: PetscBinaryOptions,
    ) -> Result<()> {
        let path = path.as_ref();
        let comm = self.layout().comm();
        let n = self.layout().global_len() as u64;
        let args = path_words(path, "").chain([options.scalar as u64, options.index as u64]);
        comm.agree_on(
            "save_petsc_vec (path, options)",
            fingerprint(args),
            check_writable::<T>(options, &[(n, "the length")]),
        )?;
        let slab = slab_layout(self.layout(), Order::C)?;
        let moved;
        let local = if *self.layout() == slab {
            self.local()
        } else {
            moved = self.redistribute(&slab)?;
            moved.local()
        };
        let standard = local.as_standard_layout();
        let cells = standard.as_slice().expect("standard layout is contiguous");
        let mut header = Vec::new();
        put_int(VEC_FILE_CLASSID as u64, options.index, &mut header);
        put_int(n, options.index, &mut header);
        let at = (header.len() + slab_offset(&slab, Order::C) * options.scalar.bytes()) as u64;
        let part = |f: &File| write_scalars(&mut Writer::new(f, at), cells, options.scalar);
        write_shared(comm, path, &header, part, "-vecload_block_size 1\n")
    }
}
