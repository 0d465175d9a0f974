//! Layouts: global shape + process grid + one dimension map per axis +
//! communicator. Cheap to clone (an `Rc`; like MPI handles, layouts stay on their thread) and to compare; two arrays with
//! equal layouts combine element by element without communication.
//!
//! ```
//! use distarray_core::{Comm, Dist, Layout};
//! let _universe = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! // rows in blocks, columns block-cyclic with blocks of 4, grid chosen for the shape
//! let layout = Layout::new(&comm, &[1000, 300], &[Dist::Block, Dist::BlockCyclic(4)]).unwrap();
//! println!("rank {} holds {:?}", comm.rank(), layout.local_shape());
//! ```

pub mod grid;
pub mod map;

use crate::comm::Comm;
use crate::error::{Error, Result};
use crate::grid::{choose_grid, ProcGrid};
use crate::map::{AxisMap, BlockMap, CyclicMap, UnstructuredMap};
use crate::random::mix64;
use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

/// What a user asks for on one axis.
///
/// # Examples
///
/// One [`Dist`] per axis; the grid is chosen to fit (an axis whose kind
/// fixes its grid size, such as [`Dist::NotDistributed`] or
/// [`Dist::BlockBounds`], keeps it):
///
/// ```
/// use distarray_core::map::DistType;
/// use distarray_core::{Comm, Dist, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let (rank, nprocs) = (comm.rank(), comm.size());
///
/// // rows in balanced blocks, columns dealt out in blocks of 2
/// let a = Layout::new(&comm, &[10, 8], &[Dist::Block, Dist::BlockCyclic(2)]).unwrap();
/// assert_eq!(a.map(1).dist_type(), DistType::Cyclic);
///
/// // explicit block bounds (one more entry than grid positions), rows whole
/// let bounds: Vec<usize> = (0..=nprocs).map(|i| i * i * 10 / (nprocs * nprocs)).collect();
/// let b = Layout::new(&comm, &[10, 8], &[Dist::BlockBounds(bounds), Dist::NotDistributed]).unwrap();
/// assert_eq!(b.grid().shape(), &[nprocs, 1]);
/// assert_eq!(b.local_shape()[1], 8);
///
/// // arbitrary indices: each rank passes those of its own grid position
/// let mine: Vec<usize> = (0..12).rev().filter(|g| g % nprocs == rank).collect();
/// let u = Dist::Unstructured { indices: mine.clone(), one_to_one: true };
/// let c = Layout::with_grid(&comm, &[12], &[u], &[nprocs]).unwrap();
/// assert_eq!(c.global_indices(0), mine); // buffer order is the order given
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    /// Contiguous blocks, balanced (sizes differ by at most one).
    Block,
    /// Contiguous blocks with explicit bounds (`n + 1` entries for `n` grid positions).
    BlockBounds(Vec<usize>),
    /// Balanced blocks with ghost cells: `ghost_width` cells of
    /// communication padding on each side shared with a neighbour,
    /// `boundary_width` (left, right) cells of boundary padding at the axis'
    /// edges, and whether the halo exchange wraps around (the DAP's
    /// `padding` and `periodic`).
    ///
    /// ```
    /// use distarray_core::{AxisMap, Comm, Dist, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let ghosts = Dist::BlockPadded { ghost_width: 1, boundary_width: (1, 1), periodic: false };
    /// let layout = Layout::new(&Comm::world(), &[8], &[ghosts]).unwrap();
    /// assert!(matches!(layout.map(0), AxisMap::Block(b) if b.is_padded()));
    /// ```
    BlockPadded {
        /// Ghost cells (communication padding) on each side shared with a
        /// neighbour.
        ghost_width: usize,
        /// Boundary padding (left, right) at the axis' two edges.
        boundary_width: (usize, usize),
        /// Periodic wrap-around.
        periodic: bool,
    },
    /// Cyclic: cell `g` on grid position `g % P`.
    Cyclic,
    /// Block-cyclic with this block size (the last block may be partial).
    BlockCyclic(usize),
    /// Arbitrary global indices: those of *this rank's* grid position along
    /// the axis (use [`Layout::with_grid`] to know the position).
    Unstructured {
        /// This position's global indices, in buffer order.
        indices: Vec<usize>,
        /// True when every index is held by exactly one position.
        one_to_one: bool,
    },
    /// The whole axis on every rank (grid size 1).
    NotDistributed,
}

impl Dist {
    fn fixed_grid_size(&self) -> Option<usize> {
        match self {
            Dist::BlockBounds(b) => Some(b.len().saturating_sub(1)),
            Dist::NotDistributed => Some(1),
            _ => None,
        }
    }

    fn fingerprint(&self) -> u64 {
        let words: Vec<u64> = match self {
            Dist::Block => vec![1],
            Dist::BlockBounds(b) => std::iter::once(2)
                .chain(b.iter().map(|&x| x as u64))
                .collect(),
            Dist::BlockPadded {
                ghost_width,
                boundary_width,
                periodic,
            } => vec![
                3,
                *ghost_width as u64,
                boundary_width.0 as u64,
                boundary_width.1 as u64,
                *periodic as u64,
            ],
            Dist::Cyclic => vec![4],
            Dist::BlockCyclic(b) => vec![5, *b as u64],
            Dist::Unstructured { one_to_one, .. } => vec![6, *one_to_one as u64],
            Dist::NotDistributed => vec![7],
        };
        words.iter().fold(0, |h, &w| mix64(h ^ w))
    }
}

struct LayoutInner {
    comm: Comm,
    shape: Vec<usize>,
    grid: ProcGrid,
    maps: Vec<AxisMap>,
    local_shape: Vec<usize>,
    /// a hash of shape, grid and maps, equal for equal layouts
    fingerprint: u64,
    /// per axis: the communicator of this rank's grid line along it, made
    /// at the first reduction or scan along the axis, freed with the layout
    lines: Vec<RefCell<Option<(Comm, u64)>>>,
}

/// Global shape, grid, maps and communicator of a distributed array.
///
/// Cheap to clone (clones share one description) and to compare: equal
/// layouts have equal [`fingerprint`](Layout::fingerprint)s, and two
/// arrays with equal layouts combine cell by cell without communication.
///
/// # Examples
///
/// ```
/// use distarray_core::{Comm, Dist, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let layout = Layout::new(&comm, &[6, 5], &[Dist::Block, Dist::Cyclic]).unwrap();
/// assert_eq!(layout.shape(), &[6, 5]);
/// assert_eq!(layout.grid().nprocs(), comm.size());
///
/// // this rank's part: its buffer shape and the global indices it holds
/// let rows = layout.global_indices(0);
/// let cols = layout.global_indices(1);
/// assert_eq!(layout.local_shape(), &[rows.len(), cols.len()]);
/// if let (Some(&i), Some(&j)) = (rows.first(), cols.first()) {
///     assert!(layout.owns(&[i, j]));
///     assert_eq!(layout.global_to_local(&[i, j]), Some(vec![0, 0]));
/// }
///
/// // every cell is held by exactly one rank
/// let held = comm.sum_u64(layout.local_len() as u64);
/// assert_eq!(held as usize, layout.global_len());
///
/// // equal layouts built separately compare equal
/// let again = Layout::new(&comm, &[6, 5], &[Dist::Block, Dist::Cyclic]).unwrap();
/// assert_eq!(layout, again);
/// assert_eq!(layout.fingerprint(), again.fingerprint());
/// ```
#[derive(Clone)]
pub struct Layout(Rc<LayoutInner>);

impl std::fmt::Debug for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kinds: Vec<&str> = self.0.maps.iter().map(|m| m.short_name()).collect();
        write!(
            f,
            "Layout(shape {:?}, dist {:?}, grid {:?}, local {:?} on rank {})",
            self.0.shape,
            kinds,
            self.0.grid.shape(),
            self.0.local_shape,
            self.0.grid.rank()
        )
    }
}

impl PartialEq for Layout {
    /// Equal when shape, grid and maps agree and the communicators hold the
    /// same processes in the same order. Every rank reaches the same verdict.
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
            || (self.0.shape == other.0.shape
                && self.0.grid.shape() == other.0.grid.shape()
                && self.0.maps == other.0.maps
                && self.0.comm.congruent(&other.0.comm))
    }
}

impl Layout {
    /// A layout with the grid chosen from the array's shape
    /// ([`default_grid_shape`](crate::grid::default_grid_shape)). Collective over `comm`.
    ///
    /// # Errors
    ///
    /// Wrong arguments on any rank (a distribution per axis missing, a map
    /// that does not fit its axis, different arguments on different ranks)
    /// give every rank the same error.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, Error, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let layout = Layout::new(&comm, &[1000, 10], &[Dist::Block, Dist::Block]).unwrap();
    /// // a tall array gets its ranks along the rows
    /// assert_eq!(layout.grid().shape(), &[comm.size(), 1]);
    ///
    /// let err = Layout::new(&comm, &[4, 4], &[Dist::Block]).unwrap_err();
    /// assert!(matches!(err, Error::InvalidArgument(_)));
    /// ```
    pub fn new(comm: &Comm, shape: &[usize], dists: &[Dist]) -> Result<Layout> {
        let grid = comm.agree(choose_grid(comm.size(), shape, dists))?;
        Layout::with_grid(comm, shape, dists, &grid)
    }

    /// Every axis block-distributed, grid chosen from the shape. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let layout = Layout::block(&comm, &[100]).unwrap();
    /// // balanced: local lengths differ by at most one
    /// let (least, most) = comm.min_max_u64(layout.local_len() as u64);
    /// assert!(most - least <= 1);
    /// assert_eq!(layout.dist_names().len(), 1);
    /// ```
    pub fn block(comm: &Comm, shape: &[usize]) -> Result<Layout> {
        Layout::new(comm, shape, &vec![Dist::Block; shape.len()])
    }

    /// A layout on an explicit grid. Collective over `comm`; every rank must
    /// pass the same arguments (but its own indices for unstructured axes).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// // every rank along the columns, whatever the shape
    /// let grid = [1, comm.size()];
    /// let layout = Layout::with_grid(&comm, &[1000, 10], &[Dist::Block, Dist::Cyclic], &grid).unwrap();
    /// assert_eq!(layout.grid().shape(), &grid);
    /// assert_eq!(layout.local_shape()[0], 1000);
    /// ```
    pub fn with_grid(
        comm: &Comm,
        shape: &[usize],
        dists: &[Dist],
        grid_shape: &[usize],
    ) -> Result<Layout> {
        let args = shape
            .iter()
            .map(|&n| n as u64)
            .chain(grid_shape.iter().map(|&g| g as u64 | 1 << 63))
            .chain(dists.iter().map(Dist::fingerprint))
            .fold(0, |h, w| mix64(h ^ w));
        if !comm.same_on_all(args) {
            return Err(Error::InvalidArgument(
                "ranks passed different shapes, distributions or grids to Layout::with_grid".into(),
            ));
        }
        let local = (|| {
            if dists.len() != shape.len() || grid_shape.len() != shape.len() {
                return Err(Error::InvalidArgument(format!(
                    "shape {shape:?} needs one distribution and one grid size per axis, got {} and {}",
                    dists.len(),
                    grid_shape.len()
                )));
            }
            let grid = ProcGrid::new(grid_shape, comm.size(), comm.rank())?;
            let mut maps = Vec::with_capacity(shape.len());
            for (dim, (d, (&n, &p))) in dists.iter().zip(shape.iter().zip(grid_shape)).enumerate() {
                if let Some(fixed) = d.fixed_grid_size() {
                    if fixed != p {
                        return Err(Error::InvalidMap {
                            dim,
                            reason: format!("{d:?} needs grid size {fixed} but the grid has {p}"),
                        });
                    }
                }
                let at = |e: Error| match e {
                    Error::InvalidMap { reason, .. } => Error::InvalidMap { dim, reason },
                    other => other,
                };
                maps.push(match d {
                    Dist::Block => Some(AxisMap::Block(BlockMap::regular(n, p))),
                    Dist::NotDistributed => Some(AxisMap::not_distributed(n)),
                    Dist::BlockBounds(b) => {
                        let m = BlockMap::irregular(b.clone()).map_err(at)?;
                        if m.size() != n {
                            return Err(Error::InvalidMap {
                                dim,
                                reason: format!(
                                    "bounds {b:?} end at {} but the axis has {n} cells",
                                    m.size()
                                ),
                            });
                        }
                        Some(AxisMap::Block(m))
                    }
                    Dist::BlockPadded {
                        ghost_width,
                        boundary_width,
                        periodic,
                    } => Some(AxisMap::Block(
                        BlockMap::regular(n, p)
                            .with_padding(*ghost_width, *boundary_width)
                            .map_err(at)?
                            .with_periodic(*periodic),
                    )),
                    Dist::Cyclic => Some(AxisMap::Cyclic(CyclicMap::new(n, p, 1).map_err(at)?)),
                    Dist::BlockCyclic(b) => {
                        Some(AxisMap::Cyclic(CyclicMap::new(n, p, *b).map_err(at)?))
                    }
                    Dist::Unstructured { .. } => None,
                });
            }
            Ok((grid, maps))
        })();
        let (grid, maps) = comm.agree(local)?;
        let mut built = Vec::with_capacity(maps.len());
        for (dim, m) in maps.into_iter().enumerate() {
            built.push(match (m, &dists[dim]) {
                (Some(m), _) => m,
                (
                    None,
                    Dist::Unstructured {
                        indices,
                        one_to_one,
                    },
                ) => AxisMap::Unstructured(UnstructuredMap::build(
                    comm,
                    &grid,
                    dim,
                    shape[dim],
                    indices.clone(),
                    *one_to_one,
                )?),
                (None, _) => unreachable!("only unstructured axes are built collectively"),
            });
        }
        Ok(Layout::from_parts(comm.clone(), grid, built))
    }

    /// Assembles a layout from maps already built for `grid` (for importers
    /// and bridges that validated them). Not collective.
    ///
    /// # Panics
    ///
    /// When `maps` does not have one map per grid axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::map::{AxisMap, BlockMap, CyclicMap};
    /// use distarray_core::{Comm, Dist, Layout, ProcGrid};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let grid = ProcGrid::new(&[comm.size(), 1], comm.size(), comm.rank()).unwrap();
    /// let maps = vec![
    ///     AxisMap::Block(BlockMap::regular(8, comm.size())),
    ///     AxisMap::Cyclic(CyclicMap::new(3, 1, 1).unwrap()),
    /// ];
    /// let layout = Layout::from_parts(comm.clone(), grid, maps);
    /// let same = Layout::with_grid(&comm, &[8, 3], &[Dist::Block, Dist::Cyclic], &[comm.size(), 1]);
    /// assert_eq!(layout, same.unwrap());
    /// ```
    pub fn from_parts(comm: Comm, grid: ProcGrid, maps: Vec<AxisMap>) -> Layout {
        assert_eq!(grid.shape().len(), maps.len(), "one map per grid axis");
        let shape = maps.iter().map(AxisMap::size).collect();
        let local_shape = maps
            .iter()
            .zip(grid.coords())
            .map(|(m, &c)| m.local_len(c))
            .collect();
        let lines = maps.iter().map(|_| RefCell::new(None)).collect();
        let fingerprint = crate::comm::fingerprint(
            std::iter::once(maps.len() as u64)
                .chain(grid.shape().iter().map(|&g| g as u64))
                .chain(maps.iter().flat_map(AxisMap::fingerprint_words)),
        );
        Layout(Rc::new(LayoutInner {
            fingerprint,
            comm,
            shape,
            grid,
            maps,
            local_shape,
            lines,
        }))
    }

    /// `Ok` when `axis` is one of this layout's axes.
    pub(crate) fn check_axis(&self, axis: usize) -> Result<()> {
        if axis < self.ndim() {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "axis {axis} of a {}-d array",
                self.ndim()
            )))
        }
    }

    /// A hash of the shape, grid and maps: equal layouts have equal
    /// fingerprints, so collectives check with one word that every rank
    /// passed the same layout ([`Comm::agree_on`]).
    pub fn fingerprint(&self) -> u64 {
        self.0.fingerprint
    }

    /// The communicator.
    pub fn comm(&self) -> &Comm {
        &self.0.comm
    }
    /// Global shape.
    pub fn shape(&self) -> &[usize] {
        &self.0.shape
    }
    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.0.shape.len()
    }
    /// The process grid.
    pub fn grid(&self) -> &ProcGrid {
        &self.0.grid
    }
    /// The dimension maps.
    pub fn maps(&self) -> &[AxisMap] {
        &self.0.maps
    }
    /// The map of one axis.
    pub fn map(&self, axis: usize) -> &AxisMap {
        &self.0.maps[axis]
    }
    /// Shape of this rank's buffer (padding included).
    pub fn local_shape(&self) -> &[usize] {
        &self.0.local_shape
    }
    /// Buffer shape of any rank.
    pub fn local_shape_of(&self, rank: usize) -> Vec<usize> {
        let coords = self.0.grid.coords_of(rank);
        self.0
            .maps
            .iter()
            .zip(&coords)
            .map(|(m, &c)| m.local_len(c))
            .collect()
    }
    /// Number of global cells.
    pub fn global_len(&self) -> usize {
        self.0.shape.iter().product()
    }
    /// Number of cells in this rank's buffer.
    pub fn local_len(&self) -> usize {
        self.0.local_shape.iter().product()
    }
    /// The global index of this rank's first buffer cell along `axis`
    /// (`None` when it holds none there). O(1), unlike
    /// [`global_indices`](Self::global_indices).
    pub fn first_global_index(&self, axis: usize) -> Option<usize> {
        let (map, p) = (&self.0.maps[axis], self.0.grid.coords()[axis]);
        (map.local_len(p) > 0).then(|| map.local_to_global(p, 0))
    }
    /// This rank's global indices along `axis`, in buffer order.
    pub fn global_indices(&self, axis: usize) -> Vec<usize> {
        self.0.maps[axis].global_indices(self.0.grid.coords()[axis])
    }
    /// Per axis, the local positions that are owned (not communication padding).
    pub fn owned_local_ranges(&self) -> Vec<Range<usize>> {
        self.0
            .maps
            .iter()
            .zip(self.0.grid.coords())
            .map(|(m, &c)| m.owned_local_range(c))
            .collect()
    }
    /// The ranks on this rank's line of the process grid along `axis` (all
    /// other grid coordinates equal), ranked by their coordinate on `axis`:
    /// the communicator of reductions and scans along one axis. Collective.
    ///
    /// Made once per layout and axis and kept with the layout (clones share
    /// it), so a reduction in a loop creates no communicator. Each one
    /// carries an id given when it was made, the same on every rank; one
    /// small reduction checks that every rank holds the one with the same
    /// id, else they make a new one together (ranks holding equal layouts
    /// built separately, or whose caches differ, never wait on different
    /// communicators).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let layout = Layout::block(&comm, &[40, 40]).unwrap();
    /// let row = layout.line_along(1); // the ranks holding this rank's rows
    /// assert_eq!(row.size(), layout.grid().shape()[1]);
    /// assert_eq!(row.rank(), layout.grid().coords()[1]);
    /// ```
    pub fn line_along(&self, axis: usize) -> Comm {
        use mpi::collective::SystemOperation;
        use mpi::topology::{Color, Communicator};
        use mpi::traits::CommunicatorCollectives;
        use std::sync::atomic::{AtomicU64, Ordering};
        /// The next id this process may give a line communicator.
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        let cell = &self.0.lines[axis];
        let cached = cell.borrow().clone();
        // one reduction: the least and greatest cached id (none: u64::MAX)
        // and the greatest next id
        let id = cached.as_ref().map_or(u64::MAX, |(_, id)| *id);
        let next = NEXT_ID.load(Ordering::Relaxed);
        let mine = [id, !id, !next];
        let mut least = [0u64; 3];
        self.comm()
            .raw()
            .all_reduce_into(&mine[..], &mut least[..], SystemOperation::min());
        let (lowest, highest, top) = (least[0], !least[1], !least[2]);
        if lowest == highest && lowest != u64::MAX {
            // every rank holds the one made together (same id)
            return cached.expect("agreed: cached on every rank").0;
        }
        let coords = self.grid().coords();
        let line = coords
            .iter()
            .enumerate()
            .filter(|&(a, _)| a != axis)
            .fold(0usize, |acc, (a, &c)| acc * self.grid().shape()[a] + c);
        let made = self
            .comm()
            .raw()
            .split_by_color_with_key(Color::with_value(line as i32), coords[axis] as i32)
            .expect("every rank has a color");
        // the same new id on every rank, above any id any of them gave
        NEXT_ID.fetch_max(top + 1, Ordering::Relaxed);
        let made = Comm::from_raw(made);
        *cell.borrow_mut() = Some((made.clone(), top));
        made
    }
    /// True when no axis is unstructured (owners can be computed locally).
    pub fn is_structured(&self) -> bool {
        self.0
            .maps
            .iter()
            .all(|m| !matches!(m, AxisMap::Unstructured(_)))
    }
    /// Short kind names per axis (`n`, `b`, `c`, `bc`, `u`).
    pub fn dist_names(&self) -> Vec<&'static str> {
        self.0.maps.iter().map(AxisMap::short_name).collect()
    }
    /// True when both handles share the same inner layout (cheapest equality).
    pub fn ptr_eq(&self, other: &Layout) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// Local multi-index of global `index` on this rank (padding copies
    /// count), if this rank's buffer holds it.
    pub fn global_to_local(&self, index: &[usize]) -> Option<Vec<usize>> {
        self.0
            .maps
            .iter()
            .zip(self.0.grid.coords())
            .zip(index)
            .map(|((m, &c), &g)| m.global_to_local(c, g))
            .collect()
    }

    /// True when this rank *owns* global `index` (holds it outside
    /// communication padding; for replicated unstructured axes, any holder).
    pub fn owns(&self, index: &[usize]) -> bool {
        match self.global_to_local(index) {
            Some(local) => self
                .owned_local_ranges()
                .iter()
                .zip(&local)
                .all(|(r, j)| r.contains(j)),
            None => false,
        }
    }

    /// Checks that `index` lies inside the global shape.
    pub fn check_index(&self, index: &[usize]) -> Result<()> {
        if index.len() != self.ndim() || index.iter().zip(self.shape()).any(|(&i, &n)| i >= n) {
            return Err(Error::IndexOutOfBounds {
                index: index.iter().map(|&i| i as i64).collect(),
                shape: self.shape().to_vec(),
            });
        }
        Ok(())
    }
}
