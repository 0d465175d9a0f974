//! GA's local memory lent as a distributed array (`NGA_Access` and its
//! kin), released when the guard drops.

use crate::element::GaElement;
use crate::ffi;
use crate::global::{distribution, usize_of, GlobalArray};
use distarray_core::{DistArrayBase, DistArrayViewMut, Error, Result};
use ndarray::{ArrayViewMut, IxDyn};
use std::ffi::{c_int, c_void};

impl<T: GaElement> GlobalArray<'_, T> {
    /// This rank's part of GA's memory as a distributed array (no copy):
    /// the owned block (`NGA_Access`) or, for a ghosted GA, the block with
    /// its ghost cells (`NGA_Access_ghosts`). Released (`NGA_Release_update`)
    /// when the guard drops. Not collective. O(1) in the array's size.
    pub fn access_mut(&mut self) -> Result<GaAccess<'_, T>> {
        let me = self.layout.comm().rank();
        let local_shape = self.layout.local_shape().to_vec();
        let n: usize = local_shape.iter().product();
        let how = if self.dist.block_cyclic.is_some() {
            Lent::Segment(me as c_int)
        } else if self.dist.has_ghosts() {
            Lent::Ghosts
        } else {
            let (lo, hi) = distribution(self.handle, me, local_shape.len());
            Lent::Block(lo, hi)
        };
        let mut access = GaAccess::<T> {
            handle: self.handle,
            how,
            accessed: n > 0,
            array: None,
        };
        let view = if n > 0 {
            // (on error the guard still releases what GA lent)
            let ptr = access.lend(&local_shape)?;
            // SAFETY: GA lends this rank's block of `n` elements of T (its type
            // was checked at creation), dense in C order (checked by `lend`),
            // until the guard's release; the guard borrows `self` mutably.
            unsafe { ArrayViewMut::from_shape_ptr(IxDyn(&local_shape), ptr as *mut T) }
        } else {
            ArrayViewMut::from_shape(IxDyn(&local_shape), &mut [][..]).expect("empty view")
        };
        access.array = Some(DistArrayBase::from_local(self.layout.clone(), view)?);
        Ok(access)
    }

    /// A copy of the whole distributed array in ordinary memory (each rank
    /// copies its local block, no communication).
    pub fn to_dist_array(&mut self) -> Result<distarray_core::DistArray<T>> {
        let view = self.access_mut()?;
        DistArrayBase::from_local(view.layout().clone(), view.local().to_owned())
    }
}

/// How GA lent a rank's memory, to give it back the same way.
enum Lent {
    Block(Vec<i64>, Vec<i64>),
    Ghosts,
    Segment(c_int),
}

/// GA's local memory lent as a distributed array; released on drop. Read
/// through `Deref` (any `DistArray` method taking `&self`), write through
/// [`view_mut`](Self::view_mut).
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
///     let mut access = g.access_mut().unwrap(); // GA's memory, no copy
///     let cells = access.layout().global_indices(0);
///     for (x, i) in access.view_mut().local_mut().iter_mut().zip(cells) {
///         *x = i as i64 * i as i64;
///     }
///     assert_eq!(access.get(&[9]).unwrap(), 81); // read through Deref
/// } // NGA_Release_update
/// g.sync();
/// assert_eq!(g.get(&[3], &[4]).unwrap()[[0]], 9);
/// ```
pub struct GaAccess<'a, T: GaElement> {
    handle: c_int,
    how: Lent,
    accessed: bool,
    array: Option<DistArrayViewMut<'a, T>>,
}

impl<'a, T: GaElement> std::ops::Deref for GaAccess<'a, T> {
    type Target = DistArrayViewMut<'a, T>;
    fn deref(&self) -> &Self::Target {
        self.array.as_ref().expect("present until drop")
    }
}

impl<T: GaElement> GaAccess<'_, T> {
    /// Asks GA for this rank's block (`how`), which must hold the cells of
    /// `shape` densely in C order; returns GA's pointer.
    fn lend(&mut self, shape: &[usize]) -> Result<*mut c_void> {
        let ndim = shape.len();
        let n: usize = shape.iter().product();
        let mut ptr: *mut c_void = std::ptr::null_mut();
        let out = &mut ptr as *mut *mut c_void as *mut c_void;
        let mut ld = vec![0i64; ndim.max(2) - 1];
        let mismatch = |detail: String| Error::LayoutMismatch {
            context: "GlobalArray::access_mut".into(),
            detail,
        };
        // SAFETY: a live handle and a rank holding cells, so GA lends a
        // pointer to them; GA writes ndim-1 leading dimensions (and ndim
        // padded extents for ghosts, the length for a segment).
        let extents: Vec<i64> = unsafe {
            match &mut self.how {
                Lent::Segment(p) => {
                    let mut len = 0i64;
                    ffi::NGA_Access_block_segment64(self.handle, *p, out, &mut len);
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
                Lent::Ghosts => {
                    let mut padded = vec![0i64; ndim];
                    ffi::NGA_Access_ghosts64(
                        self.handle,
                        padded.as_mut_ptr(),
                        out,
                        ld.as_mut_ptr(),
                    );
                    padded
                }
                Lent::Block(lo, hi) => {
                    ffi::NGA_Access64(
                        self.handle,
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

    /// The lent memory as a mutable distributed array, borrowed from the
    /// guard (so it cannot outlive the release).
    pub fn view_mut(&mut self) -> DistArrayViewMut<'_, T> {
        self.array.as_mut().expect("present until drop").view_mut()
    }
}

impl<T: GaElement> Drop for GaAccess<'_, T> {
    fn drop(&mut self) {
        self.array = None; // the view ends before GA takes the memory back
        if self.accessed {
            // SAFETY: the block was accessed by `access_mut` on this live handle.
            unsafe {
                match &mut self.how {
                    Lent::Ghosts => ffi::NGA_Release_update_ghosts(self.handle),
                    Lent::Segment(p) => ffi::NGA_Release_update_block_segment(self.handle, *p),
                    Lent::Block(lo, hi) => {
                        ffi::NGA_Release_update64(self.handle, lo.as_mut_ptr(), hi.as_mut_ptr())
                    }
                }
            }
        }
    }
}
