//! GA's local memory lent as a distributed array (`NGA_Access` and its
//! kin) through the core's [`Lent`](distarray_core::bridge::Lent) guard,
//! released when the guard ends.

use super::{distribution, usize_of, GlobalArray};
use crate::element::GaElement;
use crate::ffi;
use distarray_core::bridge::{LentMut, LentRef, Restore};
use distarray_core::{DistArrayBase, Error, Result};
use ndarray::{ArrayView, ArrayViewMut, IxDyn};
use std::ffi::{c_int, c_void};

/// How GA lent a rank's memory, to give it back the same way.
#[derive(Debug)]
enum How {
    Block(Vec<i64>, Vec<i64>),
    Ghosts,
    Segment(c_int),
}

/// Gives GA's local memory back when a [`LentRef`] / [`LentMut`] of
/// [`GlobalArray::to_array`] / [`GlobalArray::array_mut`] ends:
/// `NGA_Release` (read-only) or `NGA_Release_update` (writable), in the
/// variant matching the access (block, ghosts, block-cyclic segment).
/// Made only by the bridge.
#[derive(Debug)]
pub struct GaRelease {
    handle: c_int,
    how: How,
    /// GA lent memory (a rank holding no cells accesses nothing)
    accessed: bool,
    /// the memory was lent writable: release with update
    update: bool,
}

impl Restore for GaRelease {
    fn restore(&mut self) -> Result<()> {
        if !std::mem::take(&mut self.accessed) {
            return Ok(());
        }
        // SAFETY: the memory was accessed on this live handle the same way
        // (the guard borrows the GlobalArray), and is released once.
        unsafe {
            match (&mut self.how, self.update) {
                (How::Ghosts, true) => ffi::NGA_Release_update_ghosts(self.handle),
                (How::Ghosts, false) => ffi::NGA_Release_ghosts(self.handle),
                (How::Segment(p), true) => ffi::NGA_Release_update_block_segment(self.handle, *p),
                (How::Segment(p), false) => ffi::NGA_Release_block_segment(self.handle, *p),
                (How::Block(lo, hi), true) => {
                    ffi::NGA_Release_update64(self.handle, lo.as_mut_ptr(), hi.as_mut_ptr())
                }
                (How::Block(lo, hi), false) => {
                    ffi::NGA_Release64(self.handle, lo.as_mut_ptr(), hi.as_mut_ptr())
                }
            }
        }
        Ok(())
    }
}

impl<T: GaElement> GlobalArray<'_, T> {
    /// This rank's part of GA's memory lent as a writable distributed array
    /// (no copy): the owned block (`NGA_Access`) or, for a ghosted GA, the
    /// block with its ghost cells (`NGA_Access_ghosts`), given back with
    /// `NGA_Release_update` when the guard ends. Not collective. O(1) in the
    /// array's size.
    ///
    /// The view is this rank's memory, which other ranks can write at any
    /// time through one-sided puts and accumulates (completed by the next
    /// `sync`): hold it between [`sync`](Self::sync)s in which no other
    /// rank writes these cells, as GA requires of `NGA_Access` (neither GA
    /// nor the bridge can check it). See the type's documentation.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_ga::{Ga, GlobalArray};
    /// use distarray_core::{Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let ga = Ga::init().unwrap();
    /// let comm = Comm::world();
    /// let layout = Layout::block(&comm, &[10]).unwrap();
    /// let mut g = GlobalArray::<i64>::new(&ga, &layout).unwrap();
    /// {
    ///     let mut lent = g.array_mut().unwrap(); // GA's memory, no copy
    ///     let cells = lent.layout().global_indices(0);
    ///     for (x, i) in lent.local_mut().iter_mut().zip(cells) {
    ///         *x = i as i64 * i as i64;
    ///     }
    ///     assert_eq!(lent.get(&[9]).unwrap(), 81); // read through Deref
    /// } // NGA_Release_update
    /// g.sync();
    /// assert_eq!(g.get(&[3], &[4]).unwrap()[[0]], 9);
    /// let copy = g.to_array().unwrap().to_owned(); // an ordinary DistArray
    /// assert_eq!(copy.get(&[7]).unwrap(), 49);
    /// ```
    ///
    /// The guard borrows the GlobalArray: the array can not be dropped (and
    /// destroyed) while GA's memory is lent, nor lent twice mutably.
    ///
    /// ```compile_fail,E0505
    /// # use bridge_ga::{Ga, GlobalArray};
    /// # use distarray_core::{Comm, Layout};
    /// # let _u = mpi::initialize().unwrap();
    /// # let ga = Ga::init().unwrap();
    /// # let layout = Layout::block(&Comm::world(), &[10]).unwrap();
    /// let mut g = GlobalArray::<f64>::new(&ga, &layout).unwrap();
    /// let lent = g.array_mut().unwrap();
    /// drop(g); // error: `g` is borrowed by `lent`
    /// drop(lent);
    /// ```
    ///
    /// ```compile_fail,E0499
    /// # use bridge_ga::{Ga, GlobalArray};
    /// # use distarray_core::{Comm, Layout};
    /// # let _u = mpi::initialize().unwrap();
    /// # let ga = Ga::init().unwrap();
    /// # let layout = Layout::block(&Comm::world(), &[10]).unwrap();
    /// let mut g = GlobalArray::<f64>::new(&ga, &layout).unwrap();
    /// let first = g.array_mut().unwrap();
    /// let second = g.array_mut().unwrap(); // error: a second mutable borrow
    /// drop((first, second));
    /// ```
    pub fn array_mut(&mut self) -> Result<LentMut<'_, T, GaRelease>> {
        let (mut release, ptr, shape) = self.access(true)?;
        let view = match ptr {
            // SAFETY: GA lends this rank's block of the layout's local cells
            // of T (its type was checked at creation), dense in C order
            // (checked by `access`), until the release; the guard borrows
            // `self` mutably, so no other view or patch call of this process
            // reaches the cells meanwhile; other ranks' one-sided writes are
            // kept out by the program between syncs (GA's rule, documented).
            Some(p) => unsafe { ArrayViewMut::from_shape_ptr(IxDyn(&shape), p as *mut T) },
            None => ArrayViewMut::from_shape(IxDyn(&shape), &mut [][..]).expect("an empty view"),
        };
        match DistArrayBase::from_local(self.layout.clone(), view) {
            Ok(view) => Ok(LentMut::new(view, release)),
            Err(e) => {
                release.restore()?;
                Err(e)
            }
        }
    }

    /// This rank's part of GA's memory lent as a read-only distributed array
    /// (no copy; `NGA_Access`, given back with `NGA_Release`). Several may
    /// live at once. For a copy in ordinary memory:
    /// `g.to_array()?.to_owned()`. Not collective.
    ///
    /// Read-only for this process, not for the others: their puts and
    /// accumulates can write this rank's cells until the next `sync`. Hold
    /// the view between [`sync`](Self::sync)s in which no other rank writes
    /// these cells, as for [`array_mut`](Self::array_mut).
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_ga::{Ga, GlobalArray};
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let ga = Ga::init().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[3, 4]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| (4 * ix[0] + ix[1]) as f32);
    /// let g = GlobalArray::from_array_copy(&ga, &a).unwrap();
    /// let (x, y) = (g.to_array().unwrap(), g.to_array().unwrap());
    /// assert_eq!(x.local(), a.local());
    /// assert_eq!(y.local(), a.local());
    /// ```
    ///
    /// A read-only view can not outlive the array either:
    ///
    /// ```compile_fail,E0505
    /// # use bridge_ga::{Ga, GlobalArray};
    /// # use distarray_core::{Comm, Layout};
    /// # let _u = mpi::initialize().unwrap();
    /// # let ga = Ga::init().unwrap();
    /// # let layout = Layout::block(&Comm::world(), &[10]).unwrap();
    /// let g = GlobalArray::<f64>::new(&ga, &layout).unwrap();
    /// let view = g.to_array().unwrap();
    /// drop(g); // error: `g` is borrowed by `view`
    /// drop(view);
    /// ```
    pub fn to_array(&self) -> Result<LentRef<'_, T, GaRelease>> {
        let (mut release, ptr, shape) = self.access(false)?;
        let view = match ptr {
            // SAFETY: as in `array_mut`; the guard borrows `self` shared, so
            // this process only reads the cells meanwhile (`put` and `acc`
            // take `&mut self`). Other ranks' one-sided writes are not
            // excluded by any borrow: GA's rule, documented on the type and
            // here, is that the program keeps them out of the cells between
            // the syncs around the view (as for `NGA_Access` in C).
            Some(p) => unsafe { ArrayView::from_shape_ptr(IxDyn(&shape), p as *const T) },
            None => ArrayView::from_shape(IxDyn(&shape), &[][..]).expect("an empty view"),
        };
        match DistArrayBase::from_local(self.layout.clone(), view) {
            Ok(view) => Ok(LentRef::new(view, release)),
            Err(e) => {
                release.restore()?;
                Err(e)
            }
        }
    }

    /// Asks GA for this rank's memory: the release to hand it back, GA's
    /// pointer (`None` when the rank holds no cells) and the local shape.
    fn access(&self, update: bool) -> Result<(GaRelease, Option<*mut c_void>, Vec<usize>)> {
        let me = self.layout.comm().rank();
        let shape = self.layout.local_shape().to_vec();
        let n: usize = shape.iter().product();
        let how = if self.dist.block_cyclic.is_some() {
            How::Segment(me as c_int)
        } else if self.dist.has_ghosts() {
            How::Ghosts
        } else {
            let (lo, hi) = distribution(self.handle, me, shape.len());
            How::Block(lo, hi)
        };
        let mut release = GaRelease {
            handle: self.handle,
            how,
            accessed: n > 0,
            update,
        };
        if n == 0 {
            return Ok((release, None, shape));
        }
        match lend(&mut release, &shape) {
            Ok(ptr) => Ok((release, Some(ptr), shape)),
            Err(e) => {
                // what GA lent goes back before the error
                release.restore()?;
                Err(e)
            }
        }
    }
}

/// Asks GA for this rank's block (`release.how`), which must hold the
/// cells of `shape` densely in C order; returns GA's pointer.
fn lend(release: &mut GaRelease, shape: &[usize]) -> Result<*mut c_void> {
    let ndim = shape.len();
    let n: usize = shape.iter().product();
    let mut ptr: *mut c_void = std::ptr::null_mut();
    let out = &mut ptr as *mut *mut c_void as *mut c_void;
    let mut ld = vec![0i64; ndim.max(2) - 1];
    let mismatch = |detail: String| Error::LayoutMismatch {
        context: "GlobalArray::array_mut".into(),
        detail,
    };
    let handle = release.handle;
    // SAFETY: a live handle and a rank holding cells, so GA lends a
    // pointer to them; GA writes ndim-1 leading dimensions (and ndim
    // padded extents for ghosts, the length for a segment).
    let extents: Vec<i64> = unsafe {
        match &mut release.how {
            How::Segment(p) => {
                let mut len = 0i64;
                ffi::NGA_Access_block_segment64(handle, *p, out, &mut len);
                // a block-cyclic segment is one dense C-order block: only
                // its length can disagree with the layout
                return if usize_of(len) == n {
                    Ok(ptr)
                } else {
                    Err(mismatch(format!(
                        "GA lends {len} cells of the block-cyclic array, the layout expects {shape:?}"
                    )))
                };
            }
            How::Ghosts => {
                let mut padded = vec![0i64; ndim];
                ffi::NGA_Access_ghosts64(handle, padded.as_mut_ptr(), out, ld.as_mut_ptr());
                padded
            }
            How::Block(lo, hi) => {
                ffi::NGA_Access64(
                    handle,
                    lo.as_mut_ptr(),
                    hi.as_mut_ptr(),
                    out,
                    ld.as_mut_ptr(),
                );
                lo.iter().zip(hi.iter()).map(|(l, h)| h - l + 1).collect()
            }
        }
    };
    let dense = (1..ndim).all(|a| ld[a - 1] == extents[a]);
    let shaped = extents
        .iter()
        .map(|&e| usize_of(e))
        .eq(shape.iter().copied());
    if dense && shaped {
        Ok(ptr)
    } else {
        Err(mismatch(format!(
            "GA's local block has extents {extents:?} and leading dimensions {ld:?}; the layout expects dense {shape:?}"
        )))
    }
}
