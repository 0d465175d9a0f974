//! Stencil sweeps: the user writes the stencil once, as a closure over one
//! cell's [`Neighbourhood`]; [`Halo::apply`] hides the halo exchange behind
//! the cells that need no ghost value, [`Halo::sweep`] runs it with no
//! exchange at all.
//!
//! Which cells a sweep computes: the stencil reaches `r` cells each way
//! along every block axis, `r` the layout's widest padding (ghost width
//! between neighbours or boundary width, any axis) unless set with
//! [`Halo::with_reach`]: one reach for every block axis, and every ghost
//! width between neighbours must be at least `r`. It does not extend along
//! cyclic or unstructured axes. (An axis held by one process has no ghost
//! cells: on one process a layout without boundary padding has no padding
//! at all, and a sweep over it is an error until the reach is given with
//! `with_reach`.)
//! Per axis, a cell is computed when it is owned (not a ghost copy),
//! not boundary padding, and its whole neighbourhood lies inside the
//! global array: global index `g` with `max(left boundary, r) <= g <
//! size - max(right boundary, r)`. The cells left out are the Dirichlet
//! boundary, kept as the target holds them. On a periodic axis the boundary
//! padding holds the wrapped images and every interior cell is computed;
//! its boundary widths must be at least `r` (an error otherwise).
//! The target's ghost cells are never written.

use super::{not_contiguous, Halo, Stencil};
use crate::array::DistArrayBase;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::map::AxisMap;
use ndarray::{Data, DataMut};
use std::ops::Index;

/// Most axes a sweep handles.
const MAX_DIMS: usize = 6;
/// About how many cells of interior work go between two pokes at the
/// messages in flight (see [`super::PendingHalo::progress`]).
const POKE_CELLS: usize = 1 << 18;

/// The local buffer's shape as a neighbourhood sees it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reach {
    nd: usize,
    strides: [usize; MAX_DIMS],
    radius: [usize; MAX_DIMS],
    /// the halo fills faces only: a neighbourhood reads no corner
    star: bool,
}

/// Where a sweep works on this rank: per axis, `[lo, hi)` local ranges.
#[derive(Debug, Clone, Copy)]
pub(super) struct Geometry {
    reach: Reach,
    /// the cells a sweep computes
    compute: [(usize, usize); MAX_DIMS],
    /// those of them whose neighbourhood holds no ghost cell (inside `compute`)
    interior: [(usize, usize); MAX_DIMS],
}

/// The sweep geometry of this rank for `layout` (see the module's docs).
pub(super) fn geometry(
    layout: &Layout,
    stencil: Stencil,
    reach: Option<usize>,
) -> Result<Geometry> {
    let nd = layout.ndim();
    if nd == 0 || nd > MAX_DIMS {
        return Err(Error::InvalidArgument(format!(
            "stencil sweeps take arrays of 1 to {MAX_DIMS} axes, not {nd}"
        )));
    }
    let shape = layout.local_shape();
    let mut geo = Geometry {
        reach: Reach {
            nd,
            strides: [0; MAX_DIMS],
            radius: [0; MAX_DIMS],
            star: stencil == Stencil::Star,
        },
        compute: [(0, 0); MAX_DIMS],
        interior: [(0, 0); MAX_DIMS],
    };
    let mut stride = 1;
    for a in (0..nd).rev() {
        geo.reach.strides[a] = stride;
        stride *= shape[a];
    }
    let r = layout
        .maps()
        .iter()
        .filter_map(|m| match m {
            AxisMap::Block(b) => {
                let (bl, br) = b.boundary_padding();
                b.interface_padding().iter().copied().chain([bl, br]).max()
            }
            _ => None,
        })
        .max()
        .unwrap_or(0);
    if reach.is_none() && r == 0 {
        return Err(Error::InvalidArgument(
            "stencil sweep: the layout has no padding to take the stencil's reach from (on \
             one process a layout without boundary padding has none): give it with \
             Halo::with_reach(r)"
                .into(),
        ));
    }
    let r = reach.unwrap_or(r);
    for (a, map) in layout.maps().iter().enumerate() {
        let len = shape[a];
        let AxisMap::Block(b) = map else {
            geo.compute[a] = (0, len);
            geo.interior[a] = (0, len);
            continue;
        };
        let p = layout.grid().coords()[a];
        let (bl, br) = b.boundary_padding();
        if let Some(w) = b.interface_padding().iter().find(|&&w| w < r) {
            return Err(Error::InvalidArgument(format!(
                "stencil sweep: the stencil reaches {r} cells (the layout's widest padding, \
                 or Halo::with_reach) but along axis {a} the ghost width between two \
                 neighbours is {w}"
            )));
        }
        if b.is_periodic() && (bl < r || br < r) {
            return Err(Error::InvalidArgument(format!(
                "stencil sweep: along periodic axis {a} the boundary padding ({bl}, {br}) \
                 holds the wrapped images and must be at least the stencil's reach {r} \
                 at both ends"
            )));
        }
        geo.reach.radius[a] = r;
        let start = b.buffer_range(p).start;
        let owned = b.owned_local_range(p);
        let local = |g: usize| g.saturating_sub(start).clamp(owned.start, owned.end);
        let (c0, c1) = (local(bl.max(r)), local(b.size().saturating_sub(br.max(r))));
        let c1 = c1.max(c0);
        // the cells no exchange writes: not ghost copies, nor periodic images
        let (gl, gr) = b.comm_padding(p);
        let wraps = |edge: bool, w: usize| if b.is_periodic() && edge { w } else { 0 };
        let h0 = gl + wraps(p == 0, bl);
        let h1 = (len - gr).saturating_sub(wraps(p + 1 == b.grid_size(), br));
        let i0 = (h0 + r).clamp(c0, c1);
        let i1 = h1.saturating_sub(r).clamp(i0, c1);
        if c0 < c1 && (c0 < r || c1 + r > len) {
            return Err(Error::InvalidArgument(format!(
                "stencil sweep: the stencil reaches {r} cells but along axis {a} this \
                 rank's buffer holds only {} cells before or {} after the cells to compute",
                c0,
                len - c1
            )));
        }
        geo.compute[a] = (c0, c1);
        geo.interior[a] = (i0, i1);
    }
    Ok(geo)
}

/// One cell's neighbourhood in a stencil sweep: the values around it, by
/// offsets relative to the cell (`nb[[-1, 0]]` is the cell one row up in
/// 2-D), within the stencil's reach (the layout's widest padding on any
/// axis).
///
/// # Panics
/// An offset with another number of axes than the array's, one beyond the
/// reach along some axis, or (for a [`Stencil::Star`] halo, which fills no
/// corner) one that moves along more than one axis.
///
/// # Examples
///
/// The 3-point average of a 1-D array, one ghost cell between neighbours:
///
/// ```
/// use distarray_core::halo::{Halo, Stencil};
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let ghosts = Dist::BlockPadded { ghost_width: 1, boundary_width: (0, 0), periodic: false };
/// let layout = Layout::new(&comm, &[10], &[ghosts]).unwrap();
/// let mut u = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * ix[0]) as f64);
/// let mut out = DistArray::<f64>::zeros(&layout);
/// // reach 1 on any number of processes (on one, the layout has no padding)
/// let mut halo = Halo::new(&layout, Stencil::Star).unwrap().with_reach(1);
/// halo.apply(&mut u, &mut out, |nb| (nb[[-1]] + nb.centre() + nb[[1]]) / 3.0).unwrap();
/// assert_eq!(out.get(&[4]).unwrap(), (9.0 + 16.0 + 25.0) / 3.0);
/// assert_eq!(out.get(&[0]).unwrap(), 0.0); // no left neighbour: not computed
/// ```
#[derive(Clone, Copy)]
pub struct Neighbourhood<'a, T> {
    buf: &'a [T],
    centre: usize,
    reach: &'a Reach,
}

#[cold]
#[inline(never)]
fn bad_offset(offset: &[isize], reach: &Reach) -> ! {
    panic!(
        "stencil offset {offset:?} is outside the neighbourhood: {} axes, reach {:?}{}",
        reach.nd,
        &reach.radius[..reach.nd],
        if reach.star {
            " along one axis at a time (a star halo fills no corner)"
        } else {
            ""
        }
    )
}

impl<T: Copy> Neighbourhood<'_, T> {
    #[inline(always)]
    fn locate<const N: usize>(&self, offset: [isize; N]) -> usize {
        let reach = self.reach;
        if N != reach.nd || N > MAX_DIMS {
            bad_offset(&offset, reach);
        }
        let mut linear = self.centre as isize;
        let mut moved = 0;
        for a in 0..N {
            let o = offset[a];
            if o.unsigned_abs() > reach.radius[a] {
                bad_offset(&offset, reach);
            }
            moved += (o != 0) as usize;
            linear += o * reach.strides[a] as isize;
        }
        if reach.star && moved > 1 {
            bad_offset(&offset, reach);
        }
        linear as usize
    }

    /// The value at `offset` from the cell (one entry per axis).
    #[inline(always)]
    pub fn at<const N: usize>(&self, offset: [isize; N]) -> T {
        self.buf[self.locate(offset)]
    }

    /// The cell's own value.
    #[inline(always)]
    pub fn centre(&self) -> T {
        self.buf[self.centre]
    }
}

impl<T: Copy, const N: usize> Index<[isize; N]> for Neighbourhood<'_, T> {
    type Output = T;
    /// `nb[[di, dj]]` is `nb.at([di, dj])`.
    #[inline(always)]
    fn index(&self, offset: [isize; N]) -> &T {
        &self.buf[self.locate(offset)]
    }
}

/// Runs `f` on every cell of the box `[lo, hi)` of `src`, into `dst`.
///
/// Each cell's [`Neighbourhood`] is a window of `src` of the same length
/// for every cell of a run along the last axis, its centre at the same
/// place in it: an offset's index into the window, and the check that it
/// is in bounds, do not change along the run, so the compiler lifts them
/// out of the loop and the loop over the run vectorizes.
#[inline(never)]
fn sweep_box<T: Copy, F: FnMut(&Neighbourhood<'_, T>) -> T>(
    src: &[T],
    dst: &mut [T],
    reach: &Reach,
    bx: &[(usize, usize); MAX_DIMS],
    f: &mut F,
) {
    let nd = reach.nd;
    if bx[..nd].iter().any(|&(lo, hi)| lo >= hi) {
        return;
    }
    // how far a neighbourhood reaches before and after its centre, linearly
    let before: usize = (0..nd).map(|a| reach.radius[a] * reach.strides[a]).sum();
    let width = 2 * before + 1;
    let last = nd - 1;
    let mut idx = [0; MAX_DIMS];
    for a in 0..nd {
        idx[a] = bx[a].0;
    }
    loop {
        let base: usize = (0..last).map(|a| idx[a] * reach.strides[a]).sum();
        let (s, e) = (base + bx[last].0, base + bx[last].1);
        // `geometry` keeps every computed cell's neighbourhood inside the
        // buffer (a single call of `f` in the loop: it inlines)
        let run = s
            .checked_sub(before)
            .and_then(|lo| src.get(lo..e + before))
            .expect("stencil geometry keeps neighbourhoods inside the local buffer");
        for (i, out) in dst[s..e].iter_mut().enumerate() {
            *out = f(&Neighbourhood {
                buf: &run[i..i + width],
                centre: before,
                reach,
            });
        }
        // the next run: an odometer over the leading axes
        let mut a = last;
        loop {
            if a == 0 {
                return;
            }
            a -= 1;
            idx[a] += 1;
            if idx[a] < bx[a].1 {
                break;
            }
            idx[a] = bx[a].0;
        }
    }
}

/// Runs `f` on the cells of `geo.compute` outside `geo.interior` (the
/// rim), as at most two slabs per axis.
fn sweep_rim<T: Copy, F: FnMut(&Neighbourhood<'_, T>) -> T>(
    src: &[T],
    dst: &mut [T],
    geo: &Geometry,
    f: &mut F,
) {
    for a in 0..geo.reach.nd {
        // inside the interior along the axes before `a`, anywhere after it
        let mut bx = geo.compute;
        bx[..a].copy_from_slice(&geo.interior[..a]);
        let ((c0, c1), (i0, i1)) = (geo.compute[a], geo.interior[a]);
        for slab in [(c0, i0), (i1, c1)] {
            bx[a] = slab;
            sweep_box(src, dst, &geo.reach, &bx, f);
        }
    }
}

impl<T: Element> Halo<T> {
    /// The same halo with stencil sweeps reaching `reach` cells each way
    /// along every block axis, instead of the layout's widest padding (a
    /// smaller stencil than the ghosts allow, or a layout on one process,
    /// which has no ghost cells). A reach wider than some ghost width is
    /// an error at the sweep.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::halo::{Halo, Stencil};
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let d = Dist::BlockPadded { ghost_width: 2, boundary_width: (0, 0), periodic: false };
    /// let layout = Layout::new(&comm, &[12], &[d]).unwrap();
    /// let mut halo = Halo::new(&layout, Stencil::Star).unwrap().with_reach(1);
    /// let mut u = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as f64);
    /// let mut out = DistArray::<f64>::zeros(&layout);
    /// halo.apply(&mut u, &mut out, |nb| nb[[1]] - nb[[-1]]).unwrap();
    /// assert_eq!(out.get(&[1]).unwrap(), 2.0); // reach 1: cell 1 is computed
    /// assert_eq!(out.get(&[0]).unwrap(), 0.0);
    /// ```
    pub fn with_reach(mut self, reach: usize) -> Halo<T> {
        self.geometry = geometry(&self.layout, self.stencil, Some(reach));
        self
    }

    /// One stencil step with the halo exchange hidden behind the work:
    /// `out[i] = f(neighbourhood of i in u)` for every cell a sweep
    /// computes (see [`Halo::sweep`]). Starts the exchange of `u`'s ghost
    /// cells, runs `f` on the cells whose neighbourhood holds no ghost
    /// cell (poking the messages now and then so that they move meanwhile),
    /// finishes the exchange, then runs `f` on the rim. Afterwards `u`'s
    /// ghost cells are up to date, as after [`Halo::update`]. Collective.
    /// Allocates nothing once the halo has run once.
    ///
    /// The result is the same, bit for bit, as [`Halo::update`] followed
    /// by [`Halo::sweep`]. `f` is called once per cell, in no particular
    /// order; it reads the cell's neighbourhood through offsets
    /// (`nb[[di, dj]]`, [`Neighbourhood::at`]) and should be a small
    /// closure (it is inlined into the loop over the contiguous last axis).
    ///
    /// # Errors
    /// `u` or `out` of another layout than the halo's, a local buffer that
    /// is not C-contiguous, a layout of more than six axes, a ghost width
    /// between two neighbours narrower than the reach (the layout's widest
    /// padding on any axis, or [`Halo::with_reach`]), a periodic axis whose
    /// boundary padding is narrower than the reach, or no padding at all
    /// and no reach given, on any rank: the same error on every rank, and
    /// nothing is written or sent.
    ///
    /// # Examples
    ///
    /// Jacobi steps of the 2-D Laplace equation on a 6 x 8 grid whose
    /// boundary (one cell wide, boundary padding) holds 1.0:
    ///
    /// ```
    /// use distarray_core::halo::{Halo, Stencil};
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let d = Dist::BlockPadded { ghost_width: 1, boundary_width: (1, 1), periodic: false };
    /// let layout = Layout::new(&comm, &[6, 8], &[d.clone(), d]).unwrap();
    /// let edge = |ix: &[usize]| ix[0] == 0 || ix[0] == 5 || ix[1] == 0 || ix[1] == 7;
    /// let mut u = DistArray::from_fn(&layout, |ix: &[usize]| if edge(ix) { 1.0f64 } else { 0.0 });
    /// let mut next = u.to_owned();
    /// let mut halo = Halo::new(&layout, Stencil::Star).unwrap();
    /// for _ in 0..200 {
    ///     halo.apply(&mut u, &mut next, |nb| {
    ///         0.25 * (nb[[-1, 0]] + nb[[1, 0]] + nb[[0, -1]] + nb[[0, 1]])
    ///     })
    ///     .unwrap();
    ///     std::mem::swap(&mut u, &mut next);
    /// }
    /// // the solution of Laplace's equation with boundary 1 is 1 everywhere
    /// assert!((u.get(&[3, 4]).unwrap() - 1.0).abs() < 1e-6);
    /// ```
    pub fn apply<S, D, F>(
        &mut self,
        u: &mut DistArrayBase<S>,
        out: &mut DistArrayBase<D>,
        mut f: F,
    ) -> Result<()>
    where
        S: DataMut<Elem = T>,
        D: DataMut<Elem = T>,
        F: FnMut(&Neighbourhood<'_, T>) -> T,
    {
        let geo = self.checked_geometry(u, out);
        let geo = self.layout.comm().agree(geo)?;
        let mut out_view = out.local_mut();
        let dst = out_view.as_slice_mut().expect("agreed contiguous above");
        // the interior in pieces of about POKE_CELLS cells along axis 0
        let row: usize = (1..geo.reach.nd)
            .map(|a| geo.interior[a].1 - geo.interior[a].0)
            .product();
        let rows_per_piece = (POKE_CELLS / row.max(1)).max(1);
        crate::halo::scope(|s| {
            let mut pending = {
                let view = u.local();
                self.post(s, view.as_slice().expect("agreed contiguous above"))
            };
            {
                let view = u.local();
                let src = view.as_slice().expect("agreed contiguous above");
                let (i0, i1) = geo.interior[0];
                let mut bx = geo.interior;
                let mut lo = i0;
                while lo < i1 {
                    let hi = (lo + rows_per_piece).min(i1);
                    bx[0] = (lo, hi);
                    sweep_box(src, dst, &geo.reach, &bx, &mut f);
                    pending.progress();
                    lo = hi;
                }
            }
            let mut view = u.local_mut();
            pending.complete(view.as_slice_mut().expect("agreed contiguous above"));
        });
        let view = u.local();
        let src = view.as_slice().expect("agreed contiguous above");
        sweep_rim(src, dst, &geo, &mut f);
        Ok(())
    }

    /// One stencil step with the ghost values `u` holds now, no exchange:
    /// `out[i] = f(neighbourhood of i in u)` for every cell a sweep
    /// computes: each owned cell whose neighbourhood (the layout's padding
    /// width along each axis) lies inside the global array and that is not
    /// boundary padding. The others (the Dirichlet boundary) and `out`'s
    /// ghost cells are left as they are. Not collective (errors are this
    /// rank's own). [`Halo::update`] then `sweep` is the blocking form of
    /// [`Halo::apply`].
    ///
    /// # Errors
    /// As [`Halo::apply`], on this rank only.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::halo::{Halo, Stencil};
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let d = Dist::BlockPadded { ghost_width: 1, boundary_width: (0, 0), periodic: false };
    /// let layout = Layout::new(&comm, &[5, 5], &[d.clone(), d]).unwrap();
    /// let mut u = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] + ix[1]) as f64);
    /// let mut out = DistArray::<f64>::zeros(&layout);
    /// let mut halo = Halo::new(&layout, Stencil::Box).unwrap().with_reach(1);
    /// halo.update(&mut u).unwrap(); // blocking
    /// halo.sweep(&u, &mut out, |nb| nb[[1, 1]] - nb[[-1, -1]]).unwrap();
    /// assert_eq!(out.get(&[2, 2]).unwrap(), 4.0);
    /// assert_eq!(out.get(&[0, 2]).unwrap(), 0.0); // on the edge: not computed
    /// ```
    pub fn sweep<S, D, F>(
        &self,
        u: &DistArrayBase<S>,
        out: &mut DistArrayBase<D>,
        mut f: F,
    ) -> Result<()>
    where
        S: Data<Elem = T>,
        D: DataMut<Elem = T>,
        F: FnMut(&Neighbourhood<'_, T>) -> T,
    {
        let geo = self.checked_geometry(u, out)?;
        let mut out_view = out.local_mut();
        let dst = out_view.as_slice_mut().expect("checked contiguous above");
        let view = u.local();
        let src = view.as_slice().expect("checked contiguous above");
        sweep_box(src, dst, &geo.reach, &geo.compute, &mut f);
        Ok(())
    }

    /// The sweep geometry, when `u` and `out` suit this halo (this rank's
    /// verdict).
    fn checked_geometry<S, D>(
        &self,
        u: &DistArrayBase<S>,
        out: &DistArrayBase<D>,
    ) -> Result<Geometry>
    where
        S: Data<Elem = T>,
        D: Data<Elem = T>,
    {
        self.check(u)?;
        self.check(out)?;
        if !u.local().is_standard_layout() || !out.local().is_standard_layout() {
            return Err(not_contiguous());
        }
        self.geometry.clone()
    }
}
