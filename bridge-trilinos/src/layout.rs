//! Our layouts and Tpetra's distributions: a 1-D layout is a Tpetra map
//! ([`TpetraMap`]) and back; any other layout reaches a map through an
//! explicit [`to_native_plan`].

use crate::error::{agree_made, c_int_of, call};
use crate::ffi;
use crate::init::Trilinos;
use distarray_core::bridge::NativePlan;
use distarray_core::map::AxisMap;
use distarray_core::mpi::raw::AsRaw;
use distarray_core::redistribute::Plan;
use distarray_core::{Comm, Dist, Error, Layout, Result};
use std::marker::PhantomData;

/// A Tpetra map (LocalOrdinal int, GlobalOrdinal long long).
///
/// # Examples
///
/// ```
/// use bridge_trilinos::{TpetraMap, Trilinos};
/// use distarray_core::{Comm, Dist, Error, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let t = Trilinos::init(&comm).unwrap();
/// // a block layout is a contiguous map; any other 1-D layout lists its indices
/// let block = Layout::block(&comm, &[10]).unwrap();
/// let contiguous = TpetraMap::from_layout(&t, &block).unwrap();
/// assert_eq!(contiguous.to_layout().unwrap(), block);
/// let cyclic = Layout::new(&comm, &[10], &[Dist::Cyclic]).unwrap();
/// let listed = TpetraMap::from_layout(&t, &cyclic).unwrap();
/// assert_eq!(listed.to_layout().unwrap().global_indices(0), cyclic.global_indices(0));
///
/// let square = Layout::block(&comm, &[3, 3]).unwrap(); // a map has one axis
/// assert!(matches!(TpetraMap::from_layout(&t, &square), Err(Error::LayoutMismatch { .. })));
/// ```
///
/// A map borrows the [`Trilinos`] handle: Tpetra can not be finalized
/// under it.
///
/// ```compile_fail,E0505
/// # use bridge_trilinos::{TpetraMap, Trilinos};
/// # use distarray_core::{Comm, Layout};
/// # let _u = mpi::initialize().unwrap();
/// # let comm = Comm::world();
/// let t = Trilinos::init(&comm).unwrap();
/// let map = TpetraMap::from_layout(&t, &Layout::block(&comm, &[4]).unwrap()).unwrap();
/// drop(t); // error: `t` is borrowed by `map`
/// drop(map);
/// ```
pub struct TpetraMap<'t> {
    pub(crate) raw: *mut ffi::TriMap,
    pub(crate) comm: Comm,
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
        let contiguous = matches!(layout.map(0), AxisMap::Block(b) if !b.is_padded());
        // the rank's indices, listed unless the map is contiguous
        let gids: Vec<i64> = if contiguous {
            Vec::new()
        } else {
            layout
                .global_indices(0)
                .into_iter()
                .map(|g| g as i64)
                .collect()
        };
        // Tpetra's map constructors are collective: the local count must
        // fit the shim's C int on every rank before any rank enters one
        let count = if contiguous {
            layout.local_len()
        } else {
            gids.len()
        };
        let local = comm.agree(c_int_of(count, "Tpetra map: local indices"))?;
        let mut raw = std::ptr::null_mut();
        let made = if contiguous {
            // SAFETY: plain sizes and an out-pointer.
            call("Tpetra::Map", |e, m| unsafe {
                ffi::tri_map_contiguous(comm.raw().as_raw(), n, local, &mut raw, e, m)
            })
        } else {
            // SAFETY: `gids` holds the rank's `local` indices for the call.
            call("Tpetra::Map", |e, m| unsafe {
                ffi::tri_map_gids(comm.raw().as_raw(), n, gids.as_ptr(), local, &mut raw, e, m)
            })
        };
        // SAFETY: `raw` is null or the map the shim made here.
        let raw = unsafe { agree_made(comm, made, raw, ffi::tri_map_free) }?;
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

/// For an array of any layout: the 1-D block layout Tpetra takes as a
/// contiguous map (the cells in C order, balanced over the ranks; what
/// [`CrsMatrix::from_csr`](crate::CrsMatrix::from_csr) and
/// [`TpetraVector::wrap`](crate::TpetraVector::wrap) need for an N-d array,
/// or for a 1-D layout that is not one-to-one) and the plans there and back.
/// Explicit and reusable: build once, execute per solve. Collective.
///
/// A 1-D one-to-one layout (block, cyclic, unstructured) needs none: a map
/// lists its indices ([`TpetraMap::from_layout`]).
///
/// # Examples
///
/// ```
/// use bridge_trilinos::{to_native_plan, TpetraMap, TpetraVector, Trilinos};
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let t = Trilinos::init(&comm).unwrap();
/// let grid = Layout::new(&comm, &[3, 4], &[Dist::Cyclic, Dist::Block]).unwrap();
/// let a = DistArray::from_fn(&grid, |ix: &[usize]| (4 * ix[0] + ix[1]) as f64);
/// let mut plan = to_native_plan(&grid).unwrap();
/// let mut flat = DistArray::zeros(&plan.native);
/// plan.to_native.execute(&a, &mut flat).unwrap(); // the explicit copy
/// let map = TpetraMap::from_layout(&t, &plan.native).unwrap();
/// {
///     let v = TpetraVector::wrap(&map, &mut flat).unwrap(); // no copy
///     let want = (0..12).map(|i| (i * i) as f64).sum::<f64>().sqrt();
///     assert!((v.norm2().unwrap() - want).abs() < 1e-12);
/// }
/// let mut back = DistArray::zeros(&grid);
/// plan.from_native.execute(&flat, &mut back).unwrap();
/// assert_eq!(back.get(&[2, 3]).unwrap(), 11.0);
/// ```
pub fn to_native_plan(layout: &Layout) -> Result<NativePlan<f64>> {
    let native = Layout::block(layout.comm(), &[layout.global_len()])?;
    Ok(NativePlan {
        to_native: Plan::reshape(layout, &native)?,
        from_native: Plan::reshape(&native, layout)?,
        native,
    })
}
