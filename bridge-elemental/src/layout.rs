//! Our layouts and Elemental's distributions (the skeleton's `layout`):
//! Elemental's process grid built from distarray's, and the layout of every
//! DistMatrix distribution on it.
//!
//! distarray numbers a 2-D grid of `r x c` positions in C order: the
//! process at row `i`, column `j` is rank `i * c + j`. Elemental's grid can
//! be column-major (rank `i + j * r`, its default) or row-major (rank
//! `j + i * c`); the bridge builds it **row-major**, so that `[MC,MR]` — row
//! `g` on grid row `g % r`, column `g` on grid column `g % c` — is
//! distarray's cyclic x cyclic layout on the same communicator and grid.
//!
//! Elemental's VR rank (`j + i * c`) is then the communicator rank, so
//! `[VR,STAR]`, `[STAR,VR]`, `[STAR,STAR]` and `[CIRC,CIRC]` live on the same
//! communicator as well. The VC rank (`i + j * r`) is a different order:
//! `[VC,STAR]`, `[STAR,VC]` and `[MR,MC]` are laid out on a second communicator
//! over the same processes, numbered by VC rank ([`ElGrid::vc_comm`]).
//! Moving data between the two orders takes a [`Redistribution`] (a
//! `Plan::across` under the hood); within one order, an ordinary `Plan`.

use crate::error::check;
use crate::ffi;
use crate::Elemental;
use distarray_core::mpi::raw::AsRaw;
use distarray_core::mpi::topology::Communicator;
use distarray_core::redistribute::Plan;
use distarray_core::{Comm, Dist, DistArrayBase, Element, Error, Layout, Result};
use ndarray::{Data, DataMut};
use std::marker::PhantomData;

/// A DistMatrix distribution `[U, V]` the bridge maps to a layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElDist {
    /// `[MC,MR]`: rows cyclic over grid rows, columns over grid columns (Elemental's default).
    McMr,
    /// `[MR,MC]`: rows cyclic over grid columns, columns over grid rows.
    MrMc,
    /// `[VC,STAR]`: rows cyclic over all processes in VC (column-major) order.
    VcStar,
    /// `[VR,STAR]`: rows cyclic over all processes in VR (row-major) order.
    VrStar,
    /// `[STAR,VC]`: columns cyclic over all processes in VC order.
    StarVc,
    /// `[STAR,VR]`: columns cyclic over all processes in VR order.
    StarVr,
    /// `[STAR,STAR]`: every process holds the whole matrix.
    StarStar,
    /// `[CIRC,CIRC]`: one process (the root, VC rank 0) holds the whole matrix.
    CircCirc,
}

impl ElDist {
    /// Every distribution the bridge maps.
    pub const ALL: [ElDist; 8] = [
        ElDist::McMr,
        ElDist::MrMc,
        ElDist::VcStar,
        ElDist::VrStar,
        ElDist::StarVc,
        ElDist::StarVr,
        ElDist::StarStar,
        ElDist::CircCirc,
    ];

    /// Elemental's `(U, V)` enumerators.
    pub(crate) fn uv(self) -> (ffi::ElDist, ffi::ElDist) {
        use ffi::{ElDist_EL_CIRC as CIRC, ElDist_EL_MC as MC, ElDist_EL_MR as MR};
        use ffi::{ElDist_EL_STAR as STAR, ElDist_EL_VC as VC, ElDist_EL_VR as VR};
        match self {
            ElDist::McMr => (MC, MR),
            ElDist::MrMc => (MR, MC),
            ElDist::VcStar => (VC, STAR),
            ElDist::VrStar => (VR, STAR),
            ElDist::StarVc => (STAR, VC),
            ElDist::StarVr => (STAR, VR),
            ElDist::StarStar => (STAR, STAR),
            ElDist::CircCirc => (CIRC, CIRC),
        }
    }

    /// Whether the layout lives on the VC-ordered communicator.
    pub(crate) fn vc_ordered(self) -> bool {
        matches!(self, ElDist::MrMc | ElDist::VcStar | ElDist::StarVc)
    }
}

/// Elemental's process grid (`ElGrid`, row-major) over a communicator.
///
/// # Examples
///
/// ```no_run
/// use bridge_elemental::{ElDist, ElGrid, Elemental};
/// use distarray_core::Comm;
/// let _u = mpi::initialize().unwrap();
/// let el = Elemental::init().unwrap();
/// let comm = Comm::world();
/// let grid = ElGrid::new(&el, &comm, 1).unwrap(); // 1 x p
/// let layout = grid.layout(ElDist::McMr, 6, 4).unwrap(); // cyclic x cyclic
/// assert_eq!(grid.dist_of(&layout).unwrap(), Some(ElDist::McMr));
/// ```
///
/// A grid borrows the [`Elemental`] handle, so Elemental can not be
/// finalized under it:
///
/// ```compile_fail,E0505
/// # use bridge_elemental::{ElGrid, Elemental};
/// # use distarray_core::Comm;
/// # let _u = mpi::initialize().unwrap();
/// # let comm = Comm::world();
/// let el = Elemental::init().unwrap();
/// let grid = ElGrid::new(&el, &comm, 1).unwrap();
/// drop(el); // error: `el` is borrowed by `grid`
/// drop(grid);
/// ```
pub struct ElGrid<'e> {
    pub(crate) raw: ffi::ElGrid,
    comm: Comm,
    vc: Comm,
    height: usize,
    width: usize,
    _el: PhantomData<&'e Elemental>,
}

impl<'e> ElGrid<'e> {
    /// A `height x (p / height)` grid over `comm` (`height` must divide the
    /// number of processes). Collective.
    pub fn new(_el: &'e Elemental, comm: &Comm, height: usize) -> Result<ElGrid<'e>> {
        let p = comm.size();
        let bad = height == 0 || p % height != 0;
        comm.agree(if bad {
            Err(Error::InvalidArgument(format!(
                "an Elemental grid of height {height} does not divide {p} processes"
            )))
        } else {
            Ok(())
        })?;
        if !comm.same_on_all(height as u64) {
            return Err(Error::InvalidArgument(
                "ranks passed different grid heights to ElGrid::new".into(),
            ));
        }
        let width = p / height;
        let mut raw: ffi::ElGrid = std::ptr::null_mut();
        // SAFETY: a live communicator (Elemental duplicates it); height
        // divides its size (checked above on every rank).
        check(
            unsafe {
                ffi::ElGridCreateSpecific(
                    comm.raw().as_raw(),
                    height as i32,
                    ffi::ElGridOrderType_EL_ROW_MAJOR,
                    &mut raw,
                )
            },
            "ElGridCreateSpecific",
        )?;
        // the same processes numbered by VC rank i + j * r
        let (i, j) = (comm.rank() / width, comm.rank() % width);
        let vc_rank = i + j * height;
        let vc_raw = comm
            .raw()
            .split_by_color_with_key(
                distarray_core::mpi::topology::Color::with_value(0),
                vc_rank as i32,
            )
            .expect("every rank has a color");
        let grid = ElGrid {
            raw,
            comm: comm.clone(),
            vc: Comm::duplicate_of(&vc_raw),
            height,
            width,
            _el: PhantomData,
        };
        grid.check_ranks()?;
        Ok(grid)
    }

    /// The grid of a 2-D layout's process grid (`r x c`, same communicator):
    /// `[MC,MR]` on it is that layout's cyclic x cyclic form. Collective.
    pub fn for_layout(el: &'e Elemental, layout: &Layout) -> Result<ElGrid<'e>> {
        if layout.ndim() != 2 {
            return Err(Error::InvalidArgument(format!(
                "Elemental grids are 2-D; the layout has {} axes",
                layout.ndim()
            )));
        }
        ElGrid::new(el, layout.comm(), layout.grid().shape()[0])
    }

    /// Checks Elemental numbered the processes as this module says.
    fn check_ranks(&self) -> Result<()> {
        let mut got = [0i32; 4];
        // SAFETY: a live grid; each call writes one int.
        unsafe {
            check(ffi::ElGridRow(self.raw, &mut got[0]), "ElGridRow")?;
            check(ffi::ElGridCol(self.raw, &mut got[1]), "ElGridCol")?;
            check(ffi::ElGridVCRank(self.raw, &mut got[2]), "ElGridVCRank")?;
            check(ffi::ElGridVRRank(self.raw, &mut got[3]), "ElGridVRRank")?;
        }
        let r = self.comm.rank();
        let want = [
            (r / self.width) as i32,
            (r % self.width) as i32,
            self.vc.rank() as i32,
            r as i32,
        ];
        self.comm.agree(if got == want {
            Ok(())
        } else {
            Err(Error::LayoutMismatch {
                context: "Elemental grid".into(),
                detail: format!(
                    "rank {r}: Elemental reports (row, col, VC, VR) = {got:?}, the bridge expects {want:?}"
                ),
            })
        })
    }

    /// Grid height `r` (the number of grid rows).
    pub fn height(&self) -> usize {
        self.height
    }

    /// Grid width `c`.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The communicator the grid was built on (numbered as Elemental's VR rank).
    pub fn comm(&self) -> &Comm {
        &self.comm
    }

    /// The same processes numbered by Elemental's VC rank (`row + col * r`):
    /// the communicator of the `[MR,MC]`, `[VC,STAR]` and `[STAR,VC]` layouts.
    pub fn vc_comm(&self) -> &Comm {
        &self.vc
    }

    /// The layout of an `m x n` DistMatrix with distribution `dist` (zero
    /// alignments) on this grid. Collective.
    pub fn layout(&self, dist: ElDist, m: usize, n: usize) -> Result<Layout> {
        let (p, r, c) = (self.comm.size(), self.height, self.width);
        let shape = [m, n];
        use Dist::{Cyclic, NotDistributed as Whole};
        match dist {
            ElDist::McMr => Layout::with_grid(&self.comm, &shape, &[Cyclic, Cyclic], &[r, c]),
            ElDist::MrMc => Layout::with_grid(&self.vc, &shape, &[Cyclic, Cyclic], &[c, r]),
            ElDist::VrStar => Layout::with_grid(&self.comm, &shape, &[Cyclic, Whole], &[p, 1]),
            ElDist::VcStar => Layout::with_grid(&self.vc, &shape, &[Cyclic, Whole], &[p, 1]),
            ElDist::StarVr => Layout::with_grid(&self.comm, &shape, &[Whole, Cyclic], &[1, p]),
            ElDist::StarVc => Layout::with_grid(&self.vc, &shape, &[Whole, Cyclic], &[1, p]),
            ElDist::StarStar => Layout::with_grid(
                &self.comm,
                &shape,
                &[
                    Dist::Unstructured {
                        indices: (0..m).collect(),
                        one_to_one: p == 1,
                    },
                    Whole,
                ],
                &[p, 1],
            ),
            ElDist::CircCirc => {
                // the root is VC rank 0, which is communicator rank 0
                let bounds = std::iter::once(0)
                    .chain(std::iter::repeat_n(m, p))
                    .collect();
                Layout::with_grid(
                    &self.comm,
                    &shape,
                    &[Dist::BlockBounds(bounds), Whole],
                    &[p, 1],
                )
            }
        }
    }

    /// The first distribution (in [`ElDist::ALL`] order) whose layout on
    /// this grid is `layout` (same processes in the same order, same cells
    /// on every rank), if any. On degenerate grids several distributions
    /// place cells alike (on one process, all of them). Collective.
    pub fn dist_of(&self, layout: &Layout) -> Result<Option<ElDist>> {
        if layout.ndim() != 2 {
            return Ok(None);
        }
        let (m, n) = (layout.shape()[0], layout.shape()[1]);
        for d in ElDist::ALL {
            let comm = if d.vc_ordered() { &self.vc } else { &self.comm };
            if !layout.comm().congruent(comm) {
                continue;
            }
            if self.layout(d, m, n)? == *layout {
                return Ok(Some(d));
            }
        }
        Ok(None)
    }

    /// An explicit, reusable redistribution between two layouts of the
    /// grid's processes, in either rank order (a [`Plan`] within one order,
    /// [`Plan::across`] the grid's communicator between them). Collective
    /// over the grid's processes.
    pub fn redistribution<T: Element>(
        &self,
        src: &Layout,
        dst: &Layout,
    ) -> Result<Redistribution<T>> {
        let on = |l: &Layout| l.comm().congruent(&self.comm) || l.comm().congruent(&self.vc);
        if !on(src) || !on(dst) {
            return Err(Error::LayoutMismatch {
                context: "ElGrid::redistribution".into(),
                detail: "both layouts must be on the grid's communicator or its VC-ordered twin"
                    .into(),
            });
        }
        Ok(Redistribution(if src.comm().congruent(dst.comm()) {
            Plan::new(src, dst)?
        } else {
            Plan::across(&self.comm, Some(src), Some(dst))?
        }))
    }
}

impl Drop for ElGrid<'_> {
    fn drop(&mut self) {
        // SAFETY: created by `new`, destroyed once; every matrix on the grid
        // borrows it, so none is alive now.
        let code = unsafe { ffi::ElGridDestroy(self.raw) };
        if code != ffi::ElError_EL_SUCCESS {
            eprintln!("bridge-elemental: ElGridDestroy returned {code}");
        }
    }
}

/// A redistribution between layouts of an Elemental grid's processes (on
/// one communicator or on the grid's two rank orders), which also fills
/// targets whose local buffers are column-major.
#[derive(Debug)]
pub struct Redistribution<T = f64>(Plan<T>);

impl<T: Element> Redistribution<T> {
    /// Moves the cells of `src` into `dst`. Collective. A target whose
    /// local buffer is not C-contiguous on some rank (a column-major array,
    /// Elemental's memory) is filled through a C-order temporary: one local
    /// copy more, and an allocation, on every rank.
    pub fn execute<S: Data<Elem = T>, D: DataMut<Elem = T>>(
        &mut self,
        src: &DistArrayBase<S>,
        dst: &mut DistArrayBase<D>,
    ) -> Result<()> {
        let comm = dst.layout().comm().clone();
        if comm.all(dst.local().is_standard_layout()) {
            return self.0.execute(src, dst);
        }
        let mut tmp = distarray_core::DistArray::<T>::zeros(dst.layout());
        self.0.execute(src, &mut tmp)?;
        dst.local_mut().assign(&tmp.local());
        Ok(())
    }
}

impl std::fmt::Debug for ElGrid<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ElGrid")
            .field("height", &self.height)
            .field("width", &self.width)
            .field("order", &"row-major")
            .finish()
    }
}
