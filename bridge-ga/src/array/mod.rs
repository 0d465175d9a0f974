//! Global Arrays with distarray layouts (GA's N-d global arrays: the
//! skeleton's `vector` and `matrix` in one), and GA's memory lent as
//! distributed arrays.

mod adopt;
mod lend;
mod patch;

pub use lend::GaRelease;

use crate::element::GaElement;
use crate::error::native;
use crate::ffi;
use crate::layout::{describe, GaDistribution};
use crate::Ga;
use distarray_core::{Comm, DistArrayBase, Error, Layout, Result};
use ndarray::Data;
use std::ffi::{c_int, c_void, CString};
use std::marker::PhantomData;
use std::sync::{Mutex, MutexGuard};

/// A Global Array whose distribution is a distarray [`Layout`].
///
/// Created from a layout ([`new`](Self::new), [`from_array_copy`](Self::from_array_copy))
/// it is destroyed (`GA_Destroy`, collective) when dropped; adopted with
/// [`from_raw`](Self::from_raw) it is left to its creator.
///
/// Between [`sync`](Self::sync)s, GA's rules for one-sided access apply:
/// a rank's local memory may change under puts and accumulates from other
/// ranks. A program must not let another rank write cells while this rank
/// holds an [`array_mut`](Self::array_mut) or a [`to_array`](Self::to_array)
/// view of them (a read-only view is read-only for this process only):
/// separate the two with a `sync`, as GA's own programs must (GA cannot
/// check it, and neither can the bridge).
///
/// # Examples
///
/// ```
/// use bridge_ga::{Ga, GlobalArray};
/// use distarray_core::{Comm, Layout};
/// use ndarray::array;
/// let _u = mpi::initialize().unwrap();
/// let ga = Ga::init().unwrap();
/// let comm = Comm::world();
/// let layout = Layout::block(&comm, &[4, 6]).unwrap();
/// let mut g = GlobalArray::<f64>::new(&ga, &layout).unwrap(); // zeros
/// if comm.rank() == 0 {
///     // one-sided: rank 0 writes a patch wherever its cells live
///     g.put(&[1, 2], &array![[1.0, 2.0], [3.0, 4.0]].view()).unwrap();
/// }
/// g.sync();
/// // every rank adds 10 to two cells, atomically
/// g.acc(&[1, 2], &array![[1.0, 1.0]].view(), 10.0).unwrap();
/// g.sync();
/// let patch = g.get(&[1, 2], &[3, 4]).unwrap(); // from any rank
/// let p = comm.size() as f64;
/// assert_eq!(patch, array![[1.0 + 10.0 * p, 2.0 + 10.0 * p], [3.0, 4.0]].into_dyn());
///
/// let copy = g.to_array().unwrap().to_owned(); // a distarray copy, same layout
/// assert_eq!(copy.layout(), &layout);
/// assert_eq!(copy.get(&[2, 3]).unwrap(), 4.0);
/// ```
pub struct GlobalArray<'g, T: GaElement> {
    pub(crate) handle: c_int,
    pub(crate) layout: Layout,
    pub(crate) dist: GaDistribution,
    pub(crate) destroy: bool,
    pub(crate) _ga: PhantomData<&'g Ga>,
    pub(crate) _t: PhantomData<T>,
}

/// Handles a GlobalArray of this process stands for: one value each.
/// Process-wide, as GA's handles are (a per-thread list would let two
/// threads hold the same GA, and one destroy it under the other).
static IN_USE: Mutex<Vec<c_int>> = Mutex::new(Vec::new());

fn in_use_list() -> MutexGuard<'static, Vec<c_int>> {
    IN_USE.lock().unwrap_or_else(|e| e.into_inner())
}

/// A GlobalArray value of this process stands for `handle`.
pub(crate) fn in_use(handle: c_int) -> bool {
    in_use_list().contains(&handle)
}

/// Records that a new GlobalArray value stands for `handle`, unless one
/// already does (then false): the check and the record are one step.
pub(crate) fn claim(handle: c_int) -> bool {
    let mut list = in_use_list();
    if list.contains(&handle) {
        return false;
    }
    list.push(handle);
    true
}

pub(crate) fn usize_of(x: i64) -> usize {
    usize::try_from(x).unwrap_or(0)
}

/// Checks the layout's communicator is GA's world, rank for rank.
pub(crate) fn check_world(ga: &Ga, comm: &Comm) -> Result<()> {
    let same = comm.size() == ga.nnodes() && comm.rank() == ga.nodeid();
    if comm.all(same) {
        Ok(())
    } else {
        Err(Error::LayoutMismatch {
            context: "Global Arrays".into(),
            detail: format!(
                "GA runs on MPI_COMM_WORLD ({} processes); the layout's communicator must hold every world rank in world order (it has {})",
                ga.nnodes(),
                comm.size()
            ),
        })
    }
}

impl<'g, T: GaElement> GlobalArray<'g, T> {
    /// A zero-filled Global Array distributed as `layout`: block (regular or
    /// irregular) or not-distributed axes on any process grid, or a layout
    /// with GA-style ghost cells ([`ghost_layout`](crate::ghost_layout)).
    /// The layout's communicator must be the world (GA's). Collective; the
    /// same error on every rank when GA cannot hold the layout.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_ga::{Ga, GlobalArray};
    /// use distarray_core::{Comm, Dist, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let ga = Ga::init().unwrap();
    /// let comm = Comm::world();
    /// let rows = Layout::new(&comm, &[6, 4], &[Dist::Block, Dist::NotDistributed]).unwrap();
    /// let g = GlobalArray::<i32>::new(&ga, &rows).unwrap();
    /// assert_eq!(g.ga_shape(), vec![6, 4]);
    ///
    /// // arbitrary indices are not a GA distribution: an error on every rank
    /// let mine: Vec<usize> = (0..6).rev().filter(|i| i % comm.size() == comm.rank()).collect();
    /// let u = Dist::Unstructured { indices: mine, one_to_one: true };
    /// let scattered = Layout::with_grid(&comm, &[6], &[u], &[comm.size()]).unwrap();
    /// assert!(GlobalArray::<i32>::new(&ga, &scattered).is_err());
    /// ```
    pub fn new(ga: &'g Ga, layout: &Layout) -> Result<Self> {
        check_world(ga, layout.comm())?;
        let dist = layout.comm().agree(describe(layout))?;
        let name = CString::new("distarray").expect("no NUL");
        let mut dims = dist.dims.clone();
        let mut nblock = dist.nblock.clone();
        let mut map = dist.map.clone();
        let mut width = dist.width.clone();
        let ndim = dims.len() as c_int;
        // SAFETY: `describe` checked what GA would abort on: ndim >= 1, every
        // extent >= 1, at most one block per cell, block starts increasing
        // from 0 (concatenated per axis, C axis order), ghost widths no
        // larger than any block; the arrays outlive the call.
        let handle = if let Some(block) = &dist.block_cyclic {
            let mut block = block.clone();
            // SAFETY: the handle-based creation GA documents for block-cyclic
            // arrays; `describe` checked every extent >= 1 and the grid
            // (nblock) has one position per process, as GA requires.
            unsafe {
                let h = ffi::GA_Create_handle();
                ffi::GA_Set_data64(h, ndim, dims.as_mut_ptr(), T::GA_TYPE);
                ffi::GA_Set_array_name(h, name.as_ptr() as *mut _);
                ffi::GA_Set_block_cyclic_proc_grid64(h, block.as_mut_ptr(), nblock.as_mut_ptr());
                if ffi::GA_Allocate(h) == 0 {
                    0
                } else {
                    h
                }
            }
        } else {
            // SAFETY: `describe` checked what GA would abort on: ndim >= 1,
            // every extent >= 1, at most one block per cell, block starts
            // non-decreasing from 0 (concatenated per axis, C axis order),
            // ghost widths no larger than any block; the arrays outlive the call.
            unsafe {
                if dist.has_ghosts() {
                    ffi::NGA_Create_ghosts_irreg64(
                        T::GA_TYPE,
                        ndim,
                        dims.as_mut_ptr(),
                        width.as_mut_ptr(),
                        name.as_ptr() as *mut _,
                        nblock.as_mut_ptr(),
                        map.as_mut_ptr(),
                    )
                } else {
                    ffi::NGA_Create_irreg64(
                        T::GA_TYPE,
                        ndim,
                        dims.as_mut_ptr(),
                        name.as_ptr() as *mut _,
                        nblock.as_mut_ptr(),
                        map.as_mut_ptr(),
                    )
                }
            }
        };
        // GA returns 0 only when its memory allocation failed. If that
        // happened on some ranks only, GA has torn the array down there, so
        // a collective GA_Destroy on the others would hang: the handle is
        // left alone (a rare leak rather than a hang).
        let created = layout.comm().all(handle != 0);
        if !created {
            return Err(native(
                "GA array creation",
                format!(
                    "GA could not allocate a {:?} array of {} on some rank",
                    dist.dims,
                    std::any::type_name::<T>()
                ),
            ));
        }
        // a fresh handle: no value stands for it yet
        claim(handle);
        let g = GlobalArray {
            handle,
            layout: layout.clone(),
            dist,
            destroy: true,
            _ga: PhantomData,
            _t: PhantomData,
        };
        // SAFETY: a live handle just created; collective like the creation.
        unsafe { ffi::GA_Zero(handle) };
        let placed = g.check_placement();
        layout.comm().agree(placed)?;
        Ok(g)
    }

    /// A Global Array with `array`'s layout and values: creates the GA
    /// ([`new`](Self::new)) and copies each rank's local cells into GA's
    /// local memory (no communication). An explicit copy; for no copy at
    /// all, fill the GA's memory through [`array_mut`](Self::array_mut)
    /// (GA owns its memory: there is no `wrap` of an array's memory).
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_ga::{Ga, GlobalArray};
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let ga = Ga::init().unwrap();
    /// let comm = Comm::world();
    /// let layout = Layout::block(&comm, &[3, 3]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| (3 * ix[0] + ix[1]) as i64);
    /// let g = GlobalArray::from_array_copy(&ga, &a).unwrap();
    /// assert_eq!(g.get(&[2, 0], &[3, 3]).unwrap().into_raw_vec_and_offset().0, vec![6, 7, 8]);
    /// ```
    pub fn from_array_copy<S: Data<Elem = T>>(
        ga: &'g Ga,
        array: &DistArrayBase<S>,
    ) -> Result<Self> {
        let mut g = GlobalArray::new(ga, array.layout())?;
        let copied = g.array_mut().and_then(|mut lent| {
            lent.local_mut().assign(&array.local());
            lent.finish()
        });
        array.layout().comm().agree(copied)?;
        g.sync();
        Ok(g)
    }

    /// GA's handle (for calls into GA this bridge does not wrap).
    pub fn handle(&self) -> c_int {
        self.handle
    }

    /// The layout of the distributed array over GA's memory (padded for a
    /// ghosted GA).
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// GA's extents (without ghost cells): the coordinates of
    /// [`get`](Self::get), [`put`](Self::put) and [`acc`](Self::acc).
    pub fn ga_shape(&self) -> Vec<usize> {
        self.dist.dims.iter().map(|&d| d as usize).collect()
    }

    /// Ghost width per axis (all zero for a GA without ghosts).
    pub fn ghost_width(&self) -> Vec<usize> {
        self.dist.width.iter().map(|&w| w as usize).collect()
    }

    /// Checks GA placed every block where the layout says (C-order grid).
    pub(crate) fn check_placement(&self) -> Result<()> {
        let ndim = self.dist.dims.len();
        if self.dist.block_cyclic.is_some() {
            let me = self.layout.comm().rank();
            let want = self.layout.local_len();
            let len = segment_len(self.handle, me);
            let mut at = vec![0 as c_int; ndim];
            // SAFETY: a live block-cyclic handle; GA writes ndim grid coordinates (C order).
            unsafe { ffi::GA_Get_proc_index(self.handle, me as c_int, at.as_mut_ptr()) };
            let coords: Vec<usize> = at.iter().map(|&c| c as usize).collect();
            if coords != self.layout.grid().coords() {
                return Err(Error::LayoutMismatch {
                    context: "Global Arrays".into(),
                    detail: format!(
                        "GA put rank {me} at grid position {coords:?}, the layout at {:?} (GA reordered the processes)",
                        self.layout.grid().coords()
                    ),
                });
            }
            return if len == want {
                Ok(())
            } else {
                Err(Error::LayoutMismatch {
                    context: "Global Arrays".into(),
                    detail: format!(
                        "GA gave rank {me} {len} cells of the block-cyclic array, the layout {want}"
                    ),
                })
            };
        }
        let (lo, hi) = distribution(self.handle, self.layout.comm().rank(), ndim);
        let coords = self.layout.grid().coords();
        let mut at = 0usize;
        for a in 0..ndim {
            let nb = self.dist.nblock[a] as usize;
            let starts = &self.dist.map[at..at + nb];
            at += nb;
            let want_lo = starts[coords[a]];
            let want_hi = if coords[a] + 1 < nb {
                starts[coords[a] + 1]
            } else {
                self.dist.dims[a]
            } - 1;
            let empty_both = want_hi < want_lo && hi[a] < lo[a];
            if !(empty_both || (lo[a] == want_lo && hi[a] == want_hi)) {
                return Err(Error::LayoutMismatch {
                    context: "Global Arrays".into(),
                    detail: format!(
                        "GA placed rank {}'s block at {lo:?}..={hi:?}, the layout expects {want_lo}..={want_hi} on axis {a} \
                         (GA reordered the processes)",
                        self.layout.comm().rank()
                    ),
                });
            }
        }
        Ok(())
    }

    /// `GA_Update_ghosts`: fills every ghost cell (faces, edges, corners,
    /// periodic at the edges). Collective; nothing to do without ghosts.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_ga::{ghost_layout, Ga, GlobalArray};
    /// use distarray_core::{Comm, Layout};
    /// use ndarray::Array2;
    /// let _u = mpi::initialize().unwrap();
    /// let ga = Ga::init().unwrap();
    /// let comm = Comm::world();
    /// let interior = Layout::block(&comm, &[6, 6]).unwrap();
    /// let padded = ghost_layout(&interior, &[1, 1]).unwrap(); // 8 x 8, periodic
    /// let mut g = GlobalArray::<f64>::new(&ga, &padded).unwrap();
    /// if comm.rank() == 0 {
    ///     let values = Array2::from_shape_fn((6, 6), |(i, j)| (10 * i + j) as f64);
    ///     g.put(&[0, 0], &values.view()).unwrap(); // GA's coordinates: the interior's
    /// }
    /// g.sync();
    /// g.update_ghosts();
    /// let a = g.to_array().unwrap(); // GA's memory, in the padded layout
    /// assert_eq!(a.get(&[0, 1]).unwrap(), 50.0); // padded row 0 is GA's row 5
    /// assert_eq!(a.get(&[7, 7]).unwrap(), 0.0); // the corner after (5, 5) is (0, 0)
    /// ```
    pub fn update_ghosts(&mut self) {
        if self.dist.has_ghosts() {
            // SAFETY: a live ghosted handle; collective on every rank.
            unsafe { ffi::GA_Update_ghosts(self.handle) }
        }
    }

    /// `GA_Sync`: every rank's puts and accumulates are complete and
    /// visible everywhere afterwards. Collective.
    pub fn sync(&self) {
        // SAFETY: GA is initialized while the array lives.
        unsafe { ffi::GA_Sync() }
    }
}

/// The number of cells a process holds of a block-cyclic GA (its own rank only).
fn segment_len(handle: c_int, me: usize) -> usize {
    let mut ptr: *mut c_void = std::ptr::null_mut();
    let mut len = 0i64;
    // SAFETY: a live block-cyclic handle and this process' own rank, the
    // only one GA lends; released right away without update.
    unsafe {
        ffi::NGA_Access_block_segment64(
            handle,
            me as c_int,
            &mut ptr as *mut *mut c_void as *mut c_void,
            &mut len,
        );
        ffi::NGA_Release_block_segment(handle, me as c_int);
    }
    usize_of(len)
}

/// `NGA_Distribution64` for one process: inclusive `lo`/`hi` (hi < lo when empty).
pub(crate) fn distribution(handle: c_int, proc_: usize, ndim: usize) -> (Vec<i64>, Vec<i64>) {
    let mut lo = vec![0i64; ndim];
    let mut hi = vec![0i64; ndim];
    // SAFETY: a valid handle; GA writes ndim entries to each array.
    unsafe { ffi::NGA_Distribution64(handle, proc_ as c_int, lo.as_mut_ptr(), hi.as_mut_ptr()) };
    (lo, hi)
}

impl<T: GaElement> Drop for GlobalArray<'_, T> {
    fn drop(&mut self) {
        in_use_list().retain(|&x| x != self.handle);
        if self.destroy {
            // SAFETY: created by this value, destroyed once; collective, like
            // every drop of a distributed object in SPMD code.
            unsafe { ffi::GA_Destroy(self.handle) };
        }
    }
}

impl<T: GaElement> std::fmt::Debug for GlobalArray<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GlobalArray")
            .field("handle", &self.handle)
            .field("ga_shape", &self.ga_shape())
            .field("ghost_width", &self.ghost_width())
            .field("layout", &self.layout)
            .finish()
    }
}
