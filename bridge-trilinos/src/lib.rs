//! # bridge-trilinos
//!
//! Distributed arrays and Trilinos through a small C++ shim (`shim/`) that
//! exposes Tpetra, Belos and Ifpack2 as `extern "C"` functions over opaque
//! handles; every C++ exception becomes an [`Error::Native`] with its
//! message. Tpetra is initialized on rsmpi's communicator ([`Trilinos`]).
//!
//! - [`TpetraMap::from_layout`]: a 1-D block layout becomes a contiguous map,
//!   any other 1-D layout a map from each rank's global indices;
//!   [`TpetraMap::to_layout`] goes back (contiguous: irregular block;
//!   otherwise unstructured).
//! - [`TpetraVector`]: a Tpetra-owned vector whose host memory is lent as a
//!   `DistArrayViewMut` (no copy) by [`TpetraVector::array_mut`].
//! - [`CrsMatrix::from_csr`] and [`solve`] (Belos CG/GMRES, Ifpack2 Jacobi/ILU).
//! - [`import`]: a Tpetra Import between two vectors' maps; [`Importer`]:
//!   one planned once and applied many times.
//!
//! Status: first part of the Trilinos issue (see the README's table).

// A documentation build without Trilinos (docs.rs sets `DOCS_RS`; see
// `bridge_build::documentation_only`): rustdoc documents the crate whole,
// `ffi` declaring only what the safe API names outside function bodies
// (src/ffi_docs.rs); rustc, compiling it as a dependency of a crate being
// documented (`distarray` with the feature), makes it empty.
#![cfg(any(doc, not(docs_without_native)))]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod ffi {
    //! bindgen's bindings to the shim's header.
    //!
    //! In a documentation build without Trilinos (docs.rs) this module holds
    //! only the few items the safe API names; the full bindings are generated
    //! when Trilinos is there.
    #![allow(
        non_upper_case_globals,
        non_camel_case_types,
        non_snake_case,
        dead_code,
        missing_docs
    )]
    #[cfg(not(docs_without_native))]
    include!(concat!(env!("OUT_DIR"), "/shim.rs"));
    #[cfg(docs_without_native)]
    include!("ffi_docs.rs");
}

use distarray_core::map::AxisMap;
use distarray_core::mpi::raw::AsRaw;
use distarray_core::sparse::CsrRows;
use distarray_core::{Comm, Dist, DistArrayBase, DistArrayViewMut, Error, Layout, Result};
use std::ffi::{c_char, c_int, CString};
use std::marker::PhantomData;

/// Calls a shim function with an error buffer; a non-zero return becomes an error.
fn call(what: &str, f: impl FnOnce(*mut c_char, c_int) -> c_int) -> Result<()> {
    let mut buf = vec![0 as c_char; 2048];
    let code = f(buf.as_mut_ptr(), buf.len() as c_int);
    if code == 0 {
        return Ok(());
    }
    let bytes: Vec<u8> = buf
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    Err(Error::Native {
        library: "Trilinos".into(),
        code: code as i64,
        call: what.into(),
        message: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// Handles alive in this process.
static HANDLES: std::sync::Mutex<usize> = std::sync::Mutex::new(0);

/// Tpetra, initialized on rsmpi's world communicator; finalized when the
/// last handle is dropped.
///
/// Handles are counted: a second `Trilinos::init` while one lives is
/// another handle to the same Tpetra, and Tpetra is finalized once, when
/// the last handle goes, so objects made through any handle never outlive
/// the library (every Tpetra object of the bridge borrows a handle).
pub struct Trilinos {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Trilinos {
    /// Initializes Tpetra (after MPI), or hands out another handle to the
    /// Tpetra already running. Collective.
    pub fn init(comm: &Comm) -> Result<Trilinos> {
        let mut handles = HANDLES.lock().unwrap_or_else(|e| e.into_inner());
        if *handles == 0 {
            // SAFETY: a live communicator; the shim copies what it needs.
            call("Tpetra::initialize", |e, n| unsafe {
                ffi::tri_init(comm.raw().as_raw(), e, n)
            })?;
        }
        *handles += 1;
        Ok(Trilinos {
            _not_send: std::marker::PhantomData,
        })
    }
}

impl Drop for Trilinos {
    fn drop(&mut self) {
        let mut handles = HANDLES.lock().unwrap_or_else(|e| e.into_inner());
        *handles -= 1;
        if *handles > 0 {
            return;
        }
        // SAFETY: this was the last handle, and every Tpetra object of the
        // bridge borrows a handle, so none is alive.
        if let Err(e) = call("Tpetra::finalize", |e, n| unsafe {
            ffi::tri_finalize(e, n)
        }) {
            eprintln!("bridge-trilinos: {e}");
        }
    }
}

/// A Tpetra map (LocalOrdinal int, GlobalOrdinal long long).
pub struct TpetraMap<'t> {
    raw: *mut ffi::TriMap,
    comm: Comm,
    /// the layout it was made from (so going back costs nothing)
    layout: Option<Layout>,
    _t: PhantomData<&'t Trilinos>,
}

impl<'t> TpetraMap<'t> {
    /// The map of a 1-D layout: contiguous for a block layout without ghost
    /// cells, otherwise built from each rank's global indices. Collective.
    pub fn from_layout(_t: &'t Trilinos, layout: &Layout) -> Result<TpetraMap<'t>> {
        let comm = layout.comm();
        comm.agree(if layout.ndim() == 1 {
            Ok(())
        } else {
            Err(Error::LayoutMismatch {
                context: "Tpetra map".into(),
                detail: format!("a map describes one axis, not {layout:?}"),
            })
        })?;
        let n = layout.global_len() as i64;
        let mut raw = std::ptr::null_mut();
        match layout.map(0) {
            AxisMap::Block(b) if !b.is_padded() => {
                // SAFETY: plain sizes and an out-pointer.
                call("Tpetra::Map", |e, m| unsafe {
                    ffi::tri_map_contiguous(
                        comm.raw().as_raw(),
                        n,
                        layout.local_len() as c_int,
                        &mut raw,
                        e,
                        m,
                    )
                })?
            }
            _ => {
                let gids: Vec<i64> = layout
                    .global_indices(0)
                    .into_iter()
                    .map(|g| g as i64)
                    .collect();
                // SAFETY: `gids` holds the rank's indices for the call.
                call("Tpetra::Map", |e, m| unsafe {
                    ffi::tri_map_gids(
                        comm.raw().as_raw(),
                        n,
                        gids.as_ptr(),
                        gids.len() as c_int,
                        &mut raw,
                        e,
                        m,
                    )
                })?
            }
        }
        Ok(TpetraMap {
            raw,
            comm: comm.clone(),
            layout: Some(layout.clone()),
            _t: PhantomData,
        })
    }

    /// The layout this map describes: irregular block when contiguous,
    /// unstructured otherwise. Collective.
    pub fn to_layout(&self) -> Result<Layout> {
        if let Some(l) = &self.layout {
            return Ok(l.clone());
        }
        let (mut local, mut global, mut contiguous) = (0, 0i64, 0);
        // SAFETY: a live map; three out-pointers.
        call("Map info", |e, n| unsafe {
            ffi::tri_map_info(self.raw, &mut local, &mut global, &mut contiguous, e, n)
        })?;
        let counts = self.comm.all_gather_u64(local as u64);
        if contiguous == 1 {
            let mut bounds = vec![0usize];
            for c in counts {
                bounds.push(bounds.last().unwrap() + c as usize);
            }
            Layout::with_grid(
                &self.comm,
                &[global as usize],
                &[Dist::BlockBounds(bounds)],
                &[self.comm.size()],
            )
        } else {
            let mut gids = vec![0i64; local as usize];
            // SAFETY: `gids` has room for the local count.
            call("Map gids", |e, n| unsafe {
                ffi::tri_map_local_gids(self.raw, gids.as_mut_ptr(), e, n)
            })?;
            let indices = gids.into_iter().map(|g| g as usize).collect();
            Layout::with_grid(
                &self.comm,
                &[global as usize],
                &[Dist::Unstructured {
                    indices,
                    one_to_one: true,
                }],
                &[self.comm.size()],
            )
        }
    }
}

impl Drop for TpetraMap<'_> {
    fn drop(&mut self) {
        // SAFETY: created by the shim, freed once.
        unsafe { ffi::tri_map_free(self.raw) }
    }
}

/// A Tpetra vector: Tpetra's memory ([`TpetraVector::new`]) or a
/// distributed array's, borrowed for the vector's life ([`TpetraVector::wrap`]).
pub struct TpetraVector<'m> {
    raw: *mut ffi::TriVec,
    layout: Layout,
    _map: PhantomData<&'m TpetraMap<'m>>,
    _memory: PhantomData<&'m mut [f64]>,
}

impl<'m> TpetraVector<'m> {
    /// A zero vector on `map`. Collective.
    pub fn new(map: &'m TpetraMap<'m>) -> Result<TpetraVector<'m>> {
        let layout = map.to_layout()?;
        let mut raw = std::ptr::null_mut();
        // SAFETY: a live map and an out-pointer.
        call("Tpetra::Vector", |e, n| unsafe {
            ffi::tri_vec_create(map.raw, &mut raw, e, n)
        })?;
        Ok(TpetraVector {
            raw,
            layout,
            _map: PhantomData,
            _memory: PhantomData,
        })
    }

    /// A vector over `array`'s memory (no copy): the array (1-D, the map's
    /// layout, contiguous) is mutably borrowed while the vector lives, so
    /// what Tpetra writes (a solution, say) is in the array afterwards.
    pub fn wrap<S: ndarray::DataMut<Elem = f64>>(
        map: &'m TpetraMap<'m>,
        array: &'m mut DistArrayBase<S>,
    ) -> Result<TpetraVector<'m>> {
        let layout = map.to_layout()?;
        let comm = layout.comm().clone();
        let same = array.ndim() == 1 && *array.layout() == layout;
        comm.agree(if same {
            Ok(())
        } else {
            Err(Error::LayoutMismatch {
                context: "TpetraVector::wrap".into(),
                detail: format!(
                    "the map describes {layout:?}, the array has {:?}",
                    array.layout()
                ),
            })
        })?;
        let mut local = array.local_mut();
        let slice = local
            .as_slice_mut()
            .ok_or_else(|| Error::InvalidArgument("the local buffer is not contiguous".into()))?;
        let mut raw = std::ptr::null_mut();
        // SAFETY: the buffer holds the map's local count of f64 and stays
        // mutably borrowed for 'm, the vector's whole life.
        call("Tpetra::Vector over user memory", |e, n| unsafe {
            ffi::tri_vec_wrap(map.raw, slice.as_mut_ptr(), &mut raw, e, n)
        })?;
        Ok(TpetraVector {
            raw,
            layout,
            _map: PhantomData,
            _memory: PhantomData,
        })
    }

    /// The vector's host memory as a distributed array (no copy).
    pub fn array_mut(&mut self) -> Result<DistArrayViewMut<'_, f64>> {
        let (mut ptr, mut len) = (std::ptr::null_mut(), 0);
        // SAFETY: a live vector; the Serial node's host view stays valid while the vector lives.
        call("getLocalViewHost", |e, n| unsafe {
            ffi::tri_vec_data(self.raw, &mut ptr, &mut len, e, n)
        })?;
        let view = if len == 0 {
            ndarray::ArrayViewMut::from_shape(ndarray::IxDyn(&[0]), &mut [][..]).expect("empty")
        } else {
            // SAFETY: `len` contiguous f64 owned by the vector, exclusively
            // borrowed through `&mut self` for the view's lifetime.
            unsafe { ndarray::ArrayViewMut::from_shape_ptr(ndarray::IxDyn(&[len as usize]), ptr) }
        };
        DistArrayBase::from_local(self.layout.clone(), view)
    }

    /// The 2-norm (collective).
    pub fn norm2(&self) -> Result<f64> {
        let mut out = 0.0;
        // SAFETY: a live vector.
        call("norm2", |e, n| unsafe {
            ffi::tri_vec_norm2(self.raw, &mut out, e, n)
        })?;
        Ok(out)
    }

    /// The distarray layout of the vector's map.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
}

impl Drop for TpetraVector<'_> {
    fn drop(&mut self) {
        // SAFETY: created by the shim, freed once.
        unsafe { ffi::tri_vec_free(self.raw) }
    }
}

/// A Tpetra CrsMatrix.
pub struct CrsMatrix<'m> {
    raw: *mut ffi::TriMat,
    _map: PhantomData<&'m TpetraMap<'m>>,
}

impl<'m> CrsMatrix<'m> {
    /// Assembles each rank's CSR rows (global columns) on row map `rows`. Collective.
    pub fn from_csr(rows: &'m TpetraMap<'m>, csr: &CsrRows) -> Result<CrsMatrix<'m>> {
        // the rows must be the map's (a shorter row_ptr would be read past
        // its end by the shim) and the columns inside it: agreed, since
        // Tpetra's fillComplete is collective
        let layout = rows.to_layout()?;
        let first = layout.first_global_index(0).unwrap_or(0);
        let local = layout.local_len();
        let verdict = csr.validate().and_then(|()| {
            if csr.row_ptr.len() != local + 1 || csr.first_row != first {
                Err(Error::LayoutMismatch {
                    context: "CrsMatrix::from_csr".into(),
                    detail: format!(
                        "rank {} holds rows {first}..{} of the map but the CSR has {} rows from {}",
                        rows.comm.rank(),
                        first + local,
                        csr.row_ptr.len().saturating_sub(1),
                        csr.first_row
                    ),
                })
            } else if csr.ncols > layout.global_len() {
                Err(Error::InvalidArgument(format!(
                    "CrsMatrix::from_csr: {} columns on a map of {} indices",
                    csr.ncols,
                    layout.global_len()
                )))
            } else {
                Ok(())
            }
        });
        rows.comm.agree(verdict)?;
        let row_ptr: Vec<c_int> = csr.row_ptr.iter().map(|&x| x as c_int).collect();
        let cols: Vec<i64> = csr.cols.iter().map(|&c| c as i64).collect();
        let mut raw = std::ptr::null_mut();
        // SAFETY: arrays of the CSR's lengths, alive for the call (Tpetra copies them).
        call("Tpetra::CrsMatrix", |e, n| unsafe {
            ffi::tri_mat_create(
                rows.raw,
                row_ptr.as_ptr(),
                cols.as_ptr(),
                csr.vals.as_ptr(),
                &mut raw,
                e,
                n,
            )
        })?;
        Ok(CrsMatrix {
            raw,
            _map: PhantomData,
        })
    }

    /// `y = A x` (collective).
    pub fn apply(&self, x: &TpetraVector<'_>, y: &mut TpetraVector<'_>) -> Result<()> {
        // SAFETY: live handles; Tpetra checks the maps.
        call("apply", |e, n| unsafe {
            ffi::tri_mat_apply(self.raw, x.raw, y.raw, e, n)
        })
    }
}

impl Drop for CrsMatrix<'_> {
    fn drop(&mut self) {
        // SAFETY: created by the shim, freed once.
        unsafe { ffi::tri_mat_free(self.raw) }
    }
}

/// Belos solver settings (a small builder).
#[derive(Debug, Clone)]
pub struct Solver {
    /// "CG" or "GMRES".
    pub method: String,
    /// "none", "jacobi" or "ilu" (Ifpack2).
    pub preconditioner: String,
    /// Relative residual tolerance.
    pub tolerance: f64,
    /// Iteration limit.
    pub max_iterations: usize,
}

impl Default for Solver {
    fn default() -> Self {
        Solver {
            method: "CG".into(),
            preconditioner: "none".into(),
            tolerance: 1e-8,
            max_iterations: 1000,
        }
    }
}

impl Solver {
    /// The method ("CG", "GMRES").
    pub fn method(mut self, m: &str) -> Self {
        self.method = m.into();
        self
    }
    /// The preconditioner ("none", "jacobi", "ilu").
    pub fn preconditioner(mut self, p: &str) -> Self {
        self.preconditioner = p.into();
        self
    }
    /// The tolerance.
    pub fn tolerance(mut self, t: f64) -> Self {
        self.tolerance = t;
        self
    }
    /// The iteration limit.
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n;
        self
    }
}

/// What a solve did.
#[derive(Debug, Clone, Copy)]
pub struct SolveInfo {
    /// Iterations taken.
    pub iterations: usize,
    /// The tolerance achieved.
    pub achieved_tolerance: f64,
}

/// Solves `A x = b` with Belos; not converging is an error. Collective.
pub fn solve(
    a: &CrsMatrix<'_>,
    b: &TpetraVector<'_>,
    x: &mut TpetraVector<'_>,
    s: &Solver,
) -> Result<SolveInfo> {
    // the same settings on every rank (ranks stopping at other tolerances
    // or with other methods would leave the others in a reduction)
    let method = CString::new(s.method.clone()).map_err(|e| Error::InvalidArgument(e.to_string()));
    let prec =
        CString::new(s.preconditioner.clone()).map_err(|e| Error::InvalidArgument(e.to_string()));
    let args = distarray_core::comm::fingerprint(
        s.method
            .bytes()
            .map(u64::from)
            .chain([u64::MAX])
            .chain(s.preconditioner.bytes().map(u64::from))
            .chain([s.tolerance.to_bits(), s.max_iterations as u64]),
    );
    let verdict = method
        .as_ref()
        .map(|_| ())
        .map_err(Clone::clone)
        .and(prec.as_ref().map(|_| ()).map_err(Clone::clone));
    b.layout
        .comm()
        .agree_on("Trilinos solve (settings)", args, verdict)?;
    let (method, prec) = (method?, prec?);
    let (mut its, mut achieved, mut converged) = (0, 0.0, 0);
    // SAFETY: live handles and NUL-terminated strings for the call.
    call("Belos solve", |e, n| unsafe {
        ffi::tri_solve(
            a.raw,
            b.raw,
            x.raw,
            method.as_ptr(),
            prec.as_ptr(),
            s.tolerance,
            s.max_iterations as c_int,
            &mut its,
            &mut achieved,
            &mut converged,
            e,
            n,
        )
    })?;
    let info = SolveInfo {
        iterations: its as usize,
        achieved_tolerance: achieved,
    };
    if converged != 1 {
        return Err(Error::Native {
            library: "Trilinos".into(),
            code: 1,
            call: "Belos solve".into(),
            message: format!(
                "did not converge: {} iterations, achieved tolerance {:e}",
                info.iterations, info.achieved_tolerance
            ),
        });
    }
    Ok(info)
}

/// `y = x` moved between the vectors' maps by a Tpetra Import. Collective.
pub fn import(x: &TpetraVector<'_>, y: &mut TpetraVector<'_>) -> Result<()> {
    // SAFETY: live handles.
    call("Tpetra::Import", |e, n| unsafe {
        ffi::tri_import(x.raw, y.raw, e, n)
    })
}

/// `y = x` moved between the vectors' maps by a Tpetra Export. Collective.
pub fn export(x: &TpetraVector<'_>, y: &mut TpetraVector<'_>) -> Result<()> {
    // SAFETY: live handles.
    call("Tpetra::Export", |e, n| unsafe {
        ffi::tri_export(x.raw, y.raw, e, n)
    })
}

/// A Tpetra Import built once between two maps and executed many times.
pub struct Importer<'m> {
    raw: *mut ffi::TriImporter,
    _maps: PhantomData<&'m TpetraMap<'m>>,
}

impl<'m> Importer<'m> {
    /// Plans the Import from `src` to `dst`. Collective.
    pub fn new(src: &'m TpetraMap<'m>, dst: &'m TpetraMap<'m>) -> Result<Importer<'m>> {
        let mut raw = std::ptr::null_mut();
        // SAFETY: live maps and an out-pointer.
        call("Tpetra::Import", |e, n| unsafe {
            ffi::tri_importer_create(src.raw, dst.raw, &mut raw, e, n)
        })?;
        Ok(Importer {
            raw,
            _maps: PhantomData,
        })
    }

    /// `y = x` between the planned maps. Collective.
    pub fn apply(&self, x: &TpetraVector<'_>, y: &mut TpetraVector<'_>) -> Result<()> {
        // SAFETY: live handles; Tpetra checks the maps.
        call("doImport", |e, n| unsafe {
            ffi::tri_importer_apply(self.raw, x.raw, y.raw, e, n)
        })
    }
}

impl Drop for Importer<'_> {
    fn drop(&mut self) {
        // SAFETY: created by the shim, freed once.
        unsafe { ffi::tri_importer_free(self.raw) }
    }
}

/// A Tpetra MultiVector over a row-distributed 2-D array (rows follow the
/// map; Tpetra stores each rank's block column-major).
pub struct TpetraMultiVector<'m> {
    raw: *mut ffi::TriMV,
    ncols: usize,
    _owned: Option<Vec<f64>>,
    _memory: PhantomData<&'m mut [f64]>,
}

impl<'m> TpetraMultiVector<'m> {
    /// Shares the array's memory (no copy) when its local buffer is
    /// column-major; a row-major buffer is an error pointing at
    /// [`from_array_copy`](Self::from_array_copy). Collective.
    pub fn wrap<S: ndarray::DataMut<Elem = f64>>(
        map: &'m TpetraMap<'m>,
        array: &'m mut DistArrayBase<S>,
    ) -> Result<TpetraMultiVector<'m>> {
        let comm = array.layout().comm().clone();
        let ncols = array.shape().get(1).copied().unwrap_or(0);
        let mut local = array.local_mut();
        let ok = array_rows_match(map, local.shape())
            .and_then(|()| if local.is_empty() || local.t().is_standard_layout() { Ok(()) } else {
                Err(Error::LayoutMismatch { context: "TpetraMultiVector::wrap".into(), detail: "the local buffer is row-major; Tpetra's is column-major: use from_array_copy (an explicit copy)".into() })
            });
        comm.agree(ok)?;
        let ptr = if local.is_empty() {
            std::ptr::null_mut()
        } else {
            local.as_mut_ptr()
        };
        let mut raw = std::ptr::null_mut();
        // SAFETY: a column-major buffer of local rows x ncols doubles,
        // mutably borrowed for 'm.
        call("Tpetra::MultiVector over user memory", |e, n| unsafe {
            ffi::tri_mv_wrap(map.raw, ptr, ncols as c_int, &mut raw, e, n)
        })?;
        Ok(TpetraMultiVector {
            raw,
            ncols,
            _owned: None,
            _memory: PhantomData,
        })
    }

    /// A MultiVector holding a column-major copy of a row-distributed array
    /// (any local order): the explicit copy. Collective.
    pub fn from_array_copy<S: ndarray::Data<Elem = f64>>(
        map: &'m TpetraMap<'m>,
        array: &DistArrayBase<S>,
    ) -> Result<TpetraMultiVector<'m>> {
        let comm = array.layout().comm().clone();
        let local = array.local();
        comm.agree(array_rows_match(map, local.shape()))?;
        let ncols = array.shape().get(1).copied().unwrap_or(0);
        let mut owned: Vec<f64> = local.t().iter().copied().collect(); // column-major
        let ptr = if owned.is_empty() {
            std::ptr::null_mut()
        } else {
            owned.as_mut_ptr()
        };
        let mut raw = std::ptr::null_mut();
        // SAFETY: `owned` moves into the struct with its heap buffer, which
        // stays in place until after the MultiVector is freed.
        call("Tpetra::MultiVector", |e, n| unsafe {
            ffi::tri_mv_wrap(map.raw, ptr, ncols as c_int, &mut raw, e, n)
        })?;
        Ok(TpetraMultiVector {
            raw,
            ncols,
            _owned: Some(owned),
            _memory: PhantomData,
        })
    }

    /// The 2-norm of every column (collective).
    pub fn norms2(&self) -> Result<Vec<f64>> {
        let mut out = vec![0.0; self.ncols];
        // SAFETY: room for one norm per column.
        call("norm2", |e, n| unsafe {
            ffi::tri_mv_norms2(self.raw, out.as_mut_ptr(), e, n)
        })?;
        Ok(out)
    }

    /// Scales every entry (collective) — through the shared memory when wrapped.
    pub fn scale(&mut self, alpha: f64) -> Result<()> {
        // SAFETY: a live multivector.
        call("scale", |e, n| unsafe {
            ffi::tri_mv_scale(self.raw, alpha, e, n)
        })
    }
}

fn array_rows_match(map: &TpetraMap<'_>, local_shape: &[usize]) -> Result<()> {
    let (mut local, mut global, mut contiguous) = (0, 0i64, 0);
    // SAFETY: a live map.
    call("Map info", |e, n| unsafe {
        ffi::tri_map_info(map.raw, &mut local, &mut global, &mut contiguous, e, n)
    })?;
    if local_shape.len() == 2 && local_shape[0] == local as usize {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            context: "MultiVector rows (a 2-D array whose rows follow the map)".into(),
            expected: vec![local as usize],
            found: local_shape.to_vec(),
        })
    }
}

impl Drop for TpetraMultiVector<'_> {
    fn drop(&mut self) {
        // SAFETY: created by the shim, freed once (before `_owned`).
        unsafe { ffi::tri_mv_free(self.raw) }
    }
}
