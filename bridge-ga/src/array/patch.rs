//! One-sided access to any patch of a Global Array, from any rank.
//!
//! Patches are given in GA's coordinates ([`GlobalArray::ga_shape`]): for a
//! GA without ghosts those are the layout's global indices; for a ghosted
//! GA, GA's index `i` is the padded layout's `i + width`. `lo` is inclusive,
//! `hi` exclusive (Rust ranges), every axis at once. These calls are not
//! collective: each rank reads or writes what it wants; [`GlobalArray::sync`]
//! makes writes visible everywhere.

use super::GlobalArray;
use crate::element::GaElement;
use crate::ffi;
use distarray_core::{Error, Result};
use ndarray::{ArrayD, ArrayView, Dimension, IxDyn};
use std::ffi::c_void;

/// GA's inclusive lower and upper bounds and leading dimensions of a patch.
type GaPatch = (Vec<i64>, Vec<i64>, Vec<i64>);

/// GA's bounds for `lo..hi` (`None` when empty), or why not.
fn patch_bounds(shape: &[usize], lo: &[usize], hi: &[usize]) -> Result<Option<GaPatch>> {
    if lo.len() != shape.len() || hi.len() != shape.len() {
        return Err(Error::InvalidArgument(format!(
            "a patch of the {}-d Global Array needs {} lower and upper bounds, got {} and {}",
            shape.len(),
            shape.len(),
            lo.len(),
            hi.len()
        )));
    }
    for a in 0..shape.len() {
        if lo[a] > hi[a] || hi[a] > shape[a] {
            return Err(Error::InvalidArgument(format!(
                "patch {lo:?}..{hi:?} is not inside the Global Array's extents {shape:?} (axis {a})"
            )));
        }
    }
    if (0..shape.len()).any(|a| lo[a] == hi[a]) {
        return Ok(None); // an empty patch: nothing to move
    }
    let l = lo.iter().map(|&x| x as i64).collect();
    let h = hi.iter().map(|&x| x as i64 - 1).collect();
    let ld = (1..shape.len().max(2))
        .map(|a| hi.get(a).map_or(1, |&x| (x - lo[a]) as i64))
        .collect();
    Ok(Some((l, h, ld)))
}

impl<T: GaElement> GlobalArray<'_, T> {
    /// Reads the patch `lo..hi` (any cells, on any ranks) into local memory.
    ///
    /// # Examples
    ///
    /// ```
    /// # use bridge_ga::{Ga, GlobalArray};
    /// # use distarray_core::{Comm, DistArray, Layout};
    /// # let _u = mpi::initialize().unwrap();
    /// # let ga = Ga::init().unwrap();
    /// # let layout = Layout::block(&Comm::world(), &[5, 6]).unwrap();
    /// # let a = DistArray::from_fn(&layout, |ix: &[usize]| (6 * ix[0] + ix[1]) as f64);
    /// let g = GlobalArray::from_array_copy(&ga, &a).unwrap();
    /// let block = g.get(&[0, 0], &[3, 4]).unwrap(); // a 3 x 4 ndarray, wherever its cells live
    /// assert_eq!(block.shape(), &[3, 4]);
    /// assert_eq!(block[[2, 3]], 15.0);
    /// assert!(g.get(&[0, 0], &[6, 1]).is_err()); // past the extents
    /// ```
    pub fn get(&self, lo: &[usize], hi: &[usize]) -> Result<ArrayD<T>> {
        let extents: Vec<usize> = lo
            .iter()
            .zip(hi)
            .map(|(&l, &h)| h.saturating_sub(l))
            .collect();
        let Some((mut l, mut h, mut ld)) = patch_bounds(&self.ga_shape(), lo, hi)? else {
            return Ok(ArrayD::default(IxDyn(&extents)));
        };
        let mut out = ArrayD::<T>::default(IxDyn(&extents));
        // SAFETY: bounds checked against GA's extents; `out` is a dense
        // C-order buffer of exactly the patch's cells with leading
        // dimensions `ld`, of GA's element type (checked at creation).
        unsafe {
            ffi::NGA_Get64(
                self.handle(),
                l.as_mut_ptr(),
                h.as_mut_ptr(),
                out.as_mut_ptr() as *mut c_void,
                ld.as_mut_ptr(),
            )
        };
        Ok(out)
    }

    /// Writes `data` into the patch starting at `lo` (one-sided; visible
    /// everywhere after [`sync`](Self::sync)).
    pub fn put<D: Dimension>(&mut self, lo: &[usize], data: &ArrayView<'_, T, D>) -> Result<()> {
        self.write(lo, data, None)
    }

    /// Adds `alpha * data` to the patch starting at `lo`, atomically per
    /// element with respect to other accumulates (`NGA_Acc`).
    pub fn acc<D: Dimension>(
        &mut self,
        lo: &[usize],
        data: &ArrayView<'_, T, D>,
        alpha: T,
    ) -> Result<()> {
        self.write(lo, data, Some(alpha))
    }

    fn write<D: Dimension>(
        &mut self,
        lo: &[usize],
        data: &ArrayView<'_, T, D>,
        alpha: Option<T>,
    ) -> Result<()> {
        let hi: Vec<usize> = lo.iter().zip(data.shape()).map(|(&l, &n)| l + n).collect();
        if data.ndim() != lo.len() {
            return Err(Error::InvalidArgument(format!(
                "a {}-d patch written at a {}-d position",
                data.ndim(),
                lo.len()
            )));
        }
        let Some((mut l, mut h, mut ld)) = patch_bounds(&self.ga_shape(), lo, &hi)? else {
            return Ok(());
        };
        let dense = data.as_standard_layout(); // no copy when already C order
        let buf = dense.as_ptr() as *mut c_void;
        // SAFETY: bounds checked; `buf` holds the patch's cells densely in C
        // order with leading dimensions `ld`, of GA's element type; GA only
        // reads it (the C API lacks `const`); alpha is one element of that type.
        unsafe {
            match alpha {
                None => ffi::NGA_Put64(
                    self.handle(),
                    l.as_mut_ptr(),
                    h.as_mut_ptr(),
                    buf,
                    ld.as_mut_ptr(),
                ),
                Some(mut a) => ffi::NGA_Acc64(
                    self.handle(),
                    l.as_mut_ptr(),
                    h.as_mut_ptr(),
                    buf,
                    ld.as_mut_ptr(),
                    &mut a as *mut T as *mut c_void,
                ),
            }
        }
        Ok(())
    }
}
