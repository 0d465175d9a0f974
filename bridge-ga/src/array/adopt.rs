//! Global Arrays made elsewhere (by C or Fortran code) adopted by handle,
//! and handed back.

use super::{check_world, claim, distribution, in_use, usize_of, GlobalArray};
use crate::element::GaElement;
use crate::ffi;
use crate::layout::{layout_from_bounds, GaDistribution};
use crate::Ga;
use distarray_core::{Comm, Error, Layout, Result};
use std::ffi::{c_int, c_void};
use std::marker::PhantomData;

impl<'g, T: GaElement> GlobalArray<'g, T> {
    /// Adopts a Global Array created elsewhere (by C or Fortran code) by
    /// its handle: reads its type, extents, blocks (irregular block or
    /// ScaLAPACK-style block-cyclic distributions; GA's tiled ones are
    /// refused) and ghost widths from GA and builds the matching layout on
    /// `comm` (which must be the world). The array is not destroyed when the
    /// adopter drops. Collective. A handle already held by a `GlobalArray`
    /// of this process is refused (two values would lend the same memory).
    ///
    /// # Safety
    ///
    /// The array must stay alive — not destroyed by the code that created
    /// it — for as long as the returned value lives; GA reuses handles, so
    /// a destroyed handle may come to name another array of another type.
    ///
    /// # Examples
    ///
    /// A GA handed to C code and adopted back (as an array a C library made
    /// would be):
    ///
    /// ```
    /// use bridge_ga::{Ga, GlobalArray};
    /// use distarray_core::{Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let ga = Ga::init().unwrap();
    /// let comm = Comm::world();
    /// let layout = Layout::block(&comm, &[5, 2]).unwrap();
    /// let handle = GlobalArray::<f32>::new(&ga, &layout).unwrap().into_raw(); // lives on
    /// // SAFETY: the array stays alive until the GA_Destroy below.
    /// let adopted = unsafe { GlobalArray::<f32>::from_raw(&ga, &comm, handle) }.unwrap();
    /// assert_eq!(adopted.layout(), &layout); // read back from GA
    /// assert_eq!(adopted.handle(), handle);
    /// drop(adopted); // leaves the array to its creator ...
    /// unsafe { bridge_ga::ffi::GA_Destroy(handle) }; // ... who destroys it
    /// ```
    pub unsafe fn from_raw(ga: &'g Ga, comm: &Comm, handle: c_int) -> Result<Self> {
        check_world(ga, comm)?;
        let read = || -> Result<(Vec<Vec<usize>>, Vec<usize>, GaDistribution)> {
            // SAFETY: GA_Valid_handle only looks the handle up.
            if unsafe { ffi::GA_Valid_handle(handle) } == 0 {
                return Err(Error::InvalidArgument(format!(
                    "{handle} is not a valid Global Array handle"
                )));
            }
            if in_use(handle) {
                return Err(Error::InvalidArgument(format!(
                    "Global Array {handle} is already held by a GlobalArray of this program"
                )));
            }
            let mut kind = [0 as std::ffi::c_char; 32];
            // SAFETY: a valid handle; GA writes at most "tiled_irreg" and a NUL.
            unsafe { ffi::pnga_get_distribution_type(handle as ffi::Integer, kind.as_mut_ptr()) };
            // SAFETY: GA wrote a NUL-terminated string into the zeroed buffer.
            let kind = unsafe { std::ffi::CStr::from_ptr(kind.as_ptr()) }
                .to_string_lossy()
                .into_owned();
            if kind != "regular" && kind != "scalapack" {
                return Err(Error::LayoutMismatch {
                    context: "Global Arrays".into(),
                    detail: format!(
                        "Global Array {handle} has GA's {kind:?} distribution; the bridge adopts \
                         \"regular\" (block) and \"scalapack\" (block-cyclic on a process grid) arrays"
                    ),
                });
            }
            let mut ty: c_int = 0;
            let mut ndim: c_int = 0;
            let mut dims = [0i64; 7];
            // SAFETY: a valid handle; GA writes at most GA_MAX_DIM (7) extents.
            unsafe { ffi::NGA_Inquire64(handle, &mut ty, &mut ndim, dims.as_mut_ptr()) };
            if ty != T::GA_TYPE {
                return Err(Error::InvalidArgument(format!(
                    "Global Array {handle} holds GA type {ty}, not {} (GA type {})",
                    std::any::type_name::<T>(),
                    T::GA_TYPE
                )));
            }
            let ndim = ndim as usize;
            let dims = &dims[..ndim];
            // SAFETY: a valid handle.
            if unsafe { ffi::GA_Uses_proc_grid(handle) } != 0 {
                let mut grid = vec![0 as c_int; ndim];
                let mut nblocks = vec![0 as c_int; ndim];
                let mut block = vec![0 as c_int; ndim];
                // SAFETY: a valid block-cyclic handle; GA writes ndim entries each.
                unsafe {
                    ffi::GA_Get_proc_grid(handle, grid.as_mut_ptr());
                    ffi::GA_Get_block_info(handle, nblocks.as_mut_ptr(), block.as_mut_ptr());
                }
                // GA 5.8's C GA_Get_proc_grid copies GA's Fortran-order grid
                // without reversing it (global/src/capi.c), unlike every other
                // C call; the segment-length check below catches a GA that
                // changed this.
                grid.reverse();
                let dist = GaDistribution {
                    dims: dims.to_vec(),
                    nblock: grid.iter().map(|&g| g as i64).collect(),
                    map: vec![],
                    width: vec![0; ndim],
                    block_cyclic: Some(block.iter().map(|&b| b as i64).collect()),
                };
                return Ok((vec![], vec![0; ndim], dist));
            }
            let mut nblock = vec![0 as c_int; ndim];
            // SAFETY: a valid handle; GA writes one count per axis.
            unsafe { ffi::GA_Nblock(handle, nblock.as_mut_ptr()) };
            let grid: Vec<usize> = nblock.iter().map(|&b| b as usize).collect();
            if grid.iter().product::<usize>() != comm.size() {
                return Err(Error::LayoutMismatch {
                    context: "Global Arrays".into(),
                    detail: format!(
                        "Global Array {handle} has {grid:?} blocks for {} processes; a layout puts one block on every process \
                         (GA's own block-cyclic arrays without a process grid have no distarray layout)",
                        comm.size()
                    ),
                });
            }
            // bounds along each axis from the processes on that axis' grid line
            let mut bounds = Vec::with_capacity(ndim);
            for a in 0..ndim {
                let mut b = Vec::with_capacity(grid[a] + 1);
                for k in 0..grid[a] {
                    let mut coords = vec![0; ndim];
                    coords[a] = k;
                    let (lo, _) =
                        distribution(handle, distarray_core::grid::rank_of(&grid, &coords), ndim);
                    b.push(usize_of(lo[a]));
                }
                b.push(usize_of(dims[a]));
                bounds.push(b);
            }
            // ghost widths: GA's padded local extents minus the owned ones
            let mut width = vec![0usize; ndim];
            // SAFETY: a valid handle.
            if unsafe { ffi::GA_Has_ghosts(handle) } != 0 {
                let (lo, hi) = distribution(handle, comm.rank(), ndim);
                let mut padded = vec![0i64; ndim];
                let mut ld = vec![0i64; ndim.max(2) - 1];
                let mut ptr: *mut c_void = std::ptr::null_mut();
                // SAFETY: a ghosted array (every process owns a block); GA
                // writes ndim extents and ndim-1 leading dimensions.
                unsafe {
                    ffi::NGA_Access_ghosts64(
                        handle,
                        padded.as_mut_ptr(),
                        &mut ptr as *mut *mut c_void as *mut c_void,
                        ld.as_mut_ptr(),
                    );
                    ffi::NGA_Release_ghosts(handle);
                }
                for a in 0..ndim {
                    width[a] = usize_of((padded[a] - (hi[a] - lo[a] + 1)) / 2);
                }
            }
            let mut dist = GaDistribution {
                dims: dims.to_vec(),
                nblock: nblock.iter().map(|&b| b as i64).collect(),
                map: vec![],
                width: width.iter().map(|&w| w as i64).collect(),
                block_cyclic: None,
            };
            for b in &bounds {
                dist.map.extend(b[..b.len() - 1].iter().map(|&x| x as i64));
            }
            Ok((bounds, width, dist))
        };
        let (bounds, width, dist) = comm.agree(read())?;
        if !comm.same_on_all(width.iter().fold(0u64, |h, &w| h.rotate_left(7) ^ w as u64)) {
            return Err(Error::LayoutMismatch {
                context: "Global Arrays".into(),
                detail: "ghost widths differ between processes".into(),
            });
        }
        let layout = match &dist.block_cyclic {
            Some(block) => Layout::with_grid(
                comm,
                &dist.dims.iter().map(|&d| usize_of(d)).collect::<Vec<_>>(),
                &block
                    .iter()
                    .map(|&b| distarray_core::Dist::BlockCyclic(usize_of(b).max(1)))
                    .collect::<Vec<_>>(),
                &dist.nblock.iter().map(|&g| usize_of(g)).collect::<Vec<_>>(),
            )?,
            None => layout_from_bounds(comm, bounds, &width)?,
        };
        // checked above, claimed here in one step (another thread may have
        // adopted the handle meanwhile); a value that is not returned
        // drops its claim (and, adopted, never destroys the GA)
        let held = if claim(handle) {
            let g = GlobalArray {
                handle,
                layout,
                dist,
                destroy: false,
                _ga: PhantomData,
                _t: PhantomData,
            };
            g.check_placement().map(|()| g)
        } else {
            Err(Error::InvalidArgument(format!(
                "Global Array {handle} is already held by a GlobalArray of this program"
            )))
        };
        comm.agree(held)
    }

    /// Gives up ownership: the GA lives on after this value (for C code to
    /// use and destroy); returns its handle.
    pub fn into_raw(mut self) -> c_int {
        self.destroy = false;
        self.handle // Drop below forgets the handle without destroying it
    }
}
