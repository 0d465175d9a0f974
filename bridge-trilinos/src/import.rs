//! Tpetra Import and Export between vectors on different maps.

use crate::error::{agree_made, call};
use crate::ffi;
use crate::layout::TpetraMap;
use crate::vector::{same_layout, TpetraVector};
use distarray_core::{Layout, Result};
use std::marker::PhantomData;

/// `y = x` moved between the vectors' maps by a Tpetra Import. Collective.
///
/// # Examples
///
/// ```
/// use bridge_trilinos::{export, import, TpetraMap, TpetraVector, Trilinos};
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let t = Trilinos::init(&comm).unwrap();
/// let block = Layout::block(&comm, &[8]).unwrap();
/// let cyclic = Layout::new(&comm, &[8], &[Dist::Cyclic]).unwrap();
/// let from = TpetraMap::from_layout(&t, &block).unwrap();
/// let to = TpetraMap::from_layout(&t, &cyclic).unwrap();
/// let mut a = DistArray::from_fn(&block, |ix: &[usize]| ix[0] as f64);
/// let x = TpetraVector::wrap(&from, &mut a).unwrap();
/// let mut y = TpetraVector::new(&to).unwrap();
/// import(&x, &mut y).unwrap();
/// assert_eq!(y.to_array().unwrap().get(&[5]).unwrap(), 5.0);
///
/// // and back, by an Export
/// let mut z = TpetraVector::new(&from).unwrap();
/// export(&y, &mut z).unwrap();
/// assert_eq!(z.norm2().unwrap(), x.norm2().unwrap());
/// ```
pub fn import(x: &TpetraVector<'_>, y: &mut TpetraVector<'_>) -> Result<()> {
    // SAFETY: live handles; the Import is planned from their own maps.
    let done = call("Tpetra::Import", |e, n| unsafe {
        ffi::tri_import(x.raw, y.raw, e, n)
    });
    x.layout().comm().agree(done)
}

/// `y = x` moved between the vectors' maps by a Tpetra Export. Collective.
pub fn export(x: &TpetraVector<'_>, y: &mut TpetraVector<'_>) -> Result<()> {
    // SAFETY: live handles; the Export is planned from their own maps.
    let done = call("Tpetra::Export", |e, n| unsafe {
        ffi::tri_export(x.raw, y.raw, e, n)
    });
    x.layout().comm().agree(done)
}

/// A Tpetra Import built once between two maps and executed many times.
///
/// # Examples
///
/// ```
/// use bridge_trilinos::{Importer, TpetraMap, TpetraVector, Trilinos};
/// use distarray_core::{Comm, Dist, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let t = Trilinos::init(&comm).unwrap();
/// let block = Layout::block(&comm, &[12]).unwrap();
/// let cyclic = Layout::new(&comm, &[12], &[Dist::BlockCyclic(2)]).unwrap();
/// let (from, to) = (TpetraMap::from_layout(&t, &block).unwrap(), TpetraMap::from_layout(&t, &cyclic).unwrap());
/// let importer = Importer::new(&from, &to).unwrap(); // planned once
/// let (mut x, mut y) = (TpetraVector::new(&from).unwrap(), TpetraVector::new(&to).unwrap());
/// for step in 1..=3 {
///     x.array_mut().unwrap().local_mut().fill(step as f64);
///     importer.apply(&x, &mut y).unwrap(); // applied many times
///     assert_eq!(y.norm2().unwrap(), step as f64 * 12.0_f64.sqrt());
/// }
/// ```
pub struct Importer<'m> {
    raw: *mut ffi::TriImporter,
    /// the source and target maps' layouts
    src: Layout,
    dst: Layout,
    _maps: PhantomData<&'m TpetraMap<'m>>,
}

impl<'m> Importer<'m> {
    /// Plans the Import from `src` to `dst`. Collective.
    pub fn new(src: &'m TpetraMap<'m>, dst: &'m TpetraMap<'m>) -> Result<Importer<'m>> {
        let (src_layout, dst_layout) = (src.to_layout()?, dst.to_layout()?);
        let mut raw = std::ptr::null_mut();
        // SAFETY: live maps and an out-pointer.
        let made = call("Tpetra::Import", |e, n| unsafe {
            ffi::tri_importer_create(src.raw, dst.raw, &mut raw, e, n)
        });
        // SAFETY: `raw` is null or the importer the shim made here.
        let raw = unsafe { agree_made(&src.comm, made, raw, ffi::tri_importer_free) }?;
        Ok(Importer {
            raw,
            src: src_layout,
            dst: dst_layout,
            _maps: PhantomData,
        })
    }

    /// `y = x` between the planned maps: `x` must lie on the source map and
    /// `y` on the target map, otherwise an [`Error::LayoutMismatch`](distarray_core::Error::LayoutMismatch)
    /// on every rank (Tpetra checks the maps only in debug builds; Debian's
    /// is a release build, which would read and write past the vectors).
    /// Collective.
    pub fn apply(&self, x: &TpetraVector<'_>, y: &mut TpetraVector<'_>) -> Result<()> {
        let comm = self.src.comm();
        comm.agree(
            same_layout(&self.src, x.layout(), "Importer::apply: x (the source map)").and_then(
                |()| same_layout(&self.dst, y.layout(), "Importer::apply: y (the target map)"),
            ),
        )?;
        // SAFETY: live handles on the planned maps (checked).
        comm.agree(call("doImport", |e, n| unsafe {
            ffi::tri_importer_apply(self.raw, x.raw, y.raw, e, n)
        }))
    }
}

impl Drop for Importer<'_> {
    fn drop(&mut self) {
        // SAFETY: created by the shim, freed once.
        unsafe { ffi::tri_importer_free(self.raw) }
    }
}
