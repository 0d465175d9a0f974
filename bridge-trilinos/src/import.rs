//! Tpetra Import and Export between vectors on different maps.

use crate::ffi;
use crate::init::call;
use crate::map::TpetraMap;
use crate::vector::TpetraVector;
use distarray_core::Result;
use std::marker::PhantomData;

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
