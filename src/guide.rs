//! # distarray for NumPy, Heat and petsc4py users
//!
//! This page is for readers who know NumPy (one process, one array in
//! memory), Heat (`heat`, NumPy's API over MPI with one split axis) or
//! petsc4py (PETSc's `Vec`/`Mat`/`KSP` from Python) and want to write the
//! same program with distarray. It is modelled on ndarray's "ndarray for
//! NumPy users".
//!
//! - [The SPMD habits](#the-spmd-habits-that-differ-from-numpy): what
//!   changes when every rank runs your program.
//! - [Side by side](#side-by-side): the common idioms in a table.
//! - [Worked examples](#worked-examples): each idiom as a program that runs.
//!
//! Everything on this page is in [`crate::prelude`]:
//!
//! ```
//! use distarray::prelude::*;
//! ```
//!
//! ## The SPMD habits that differ from NumPy
//!
//! **Every rank runs the whole program.** `mpiexec -n 4 prog` starts four
//! copies; each holds a part of every distributed array (its *local* part,
//! [`DistArray::local`](crate::DistArray::local)). Heat users know this;
//! NumPy users meet it here.
//!
//! **Collective calls.** Most operations that involve more than the local
//! part — creating a [`Layout`](crate::Layout), reductions (`sum`, `max`,
//! ...), slicing copies, `get`, redistribution, halo updates, saving and
//! loading — are *collective*: every rank of the array's communicator must
//! make the same call, in the same order, with the same arguments. A rank
//! that skips one (for instance inside `if comm.rank() == 0 { a.sum(All) }`)
//! leaves the others waiting. The library checks what it can: arguments
//! that differ between ranks, and any argument that is bad on one rank,
//! give *every* rank the same [`Error`](crate::Error) (an agreement step,
//! [`Comm::agree`](crate::Comm::agree)) instead of a hang.
//!
//! **Who prints.** Every rank executes `println!`. Print results that every
//! rank holds (a reduction's value) from rank 0 only:
//! `if comm.rank() == 0 { println!(...) }`. Use
//! [`gather`](crate::DistArray::gather)`(0)` to bring a whole (small) array
//! to rank 0; it returns `Some` there and `None` elsewhere.
//!
//! **Panics.** A panic on one rank ends the whole job with the message
//! (the default; [`keep_panics_local`](crate::keep_panics_local) opts out),
//! so a bug never leaves the other ranks hanging.
//!
//! **Drop order.** Native libraries finalize before MPI does: drop the
//! `Petsc`/`Trilinos` handle before the MPI universe (the examples do it
//! explicitly). Views and solvers borrow what they use, so the compiler
//! refuses to drop an array, a matrix or a native vector that is still in
//! use.
//!
//! **Layouts instead of `split=`.** Heat's `split=0` is one choice among
//! many here: every axis gets a distribution ([`Dist`](crate::Dist)):
//! block, cyclic, block-cyclic, block with ghost cells, unstructured, or not
//! distributed, on a process grid of any shape. Arrays with equal layouts
//! combine locally, with no communication; anything else goes through a
//! redistribution plan, which you can build once and reuse.
//!
//! **Names.** Methods follow NumPy where ndarray has no convention: `sum`,
//! `mean`, `argmax`, `cumsum`, `slice`, `reshape`, `transpose`. A method
//! ending in `_into` writes into an array you pass (`&mut`) and allocates
//! nothing; one ending in `_in` makes a new array in a layout you choose.
//!
//! ## Side by side
//!
//! `a` is a distributed `f64` array; `layout` a [`Layout`](crate::Layout).
//!
//! | NumPy / Heat / petsc4py | distarray |
//! |---|---|
//! | `np.zeros((n, m))` / `ht.zeros((n, m), split=0)` | `DistArray::<f64>::zeros(&Layout::block(&comm, &[n, m])?)` |
//! | `ht.zeros((n, m), split=1)` | `Layout::new(&comm, &[n, m], &[Dist::NotDistributed, Dist::Block])?` |
//! | (cyclic, block-cyclic, 2-D grids: no Heat equivalent) | `Layout::new(&comm, &[n, m], &[Dist::Cyclic, Dist::BlockCyclic(8)])?` |
//! | `np.fromfunction(f, shape)` | `DistArray::from_fn(&layout, \|ix: &[usize]\| f(ix))` |
//! | `np.full(shape, 3.0)`, `np.ones(shape)` | `DistArray::full(&layout, 3.0)`, `DistArray::ones(&layout)` |
//! | `rng = np.random.default_rng(7)` | `let mut rng = random::default_rng(7);` |
//! | `rng.random(shape)`, `rng.normal(0, 1, shape)` | `rng.random::<f64>(&layout)?`, `rng.normal(&layout, 0.0, 1.0)?` |
//! | `rng.integers(0, 10, shape)` | `rng.integers::<i64>(&layout, 0, 10)?` |
//! | `a.shape`, `a.ndim` | `a.shape()`, `a.ndim()` |
//! | `a[3, 4]` (read) | `a.get(&[3, 4])?` (collective; every rank gets it) |
//! | `a[3, 4] = x` | `a.set(&[3, 4], x)?` (only the owner writes) |
//! | `a[1:-1, ::2]` (copy) | `a.slice(s![1..-1, ..;2])?` |
//! | `a[1:-1, np.newaxis]` | `a.slice(s![1..-1, NewAxis])?` |
//! | `a[:, 2]` (view) | `a.slice_view(s![.., 2])?` (when the cut axes are not distributed) |
//! | `a[2:5] = 0` | `a.fill_slice(s![2..5], 0.0)?` |
//! | `a[mask]`, `a[idx]` | `a.mask_select(&mask)?`, `a.take(&idx)?` |
//! | `a + b`, `a * 2.0`, `np.sqrt(a)` | `&a + &b`, `&a * 2.0`, `a.sqrt()` |
//! | `np.add(a, b, out=c)` | `c.assign_zip2(&a, &b, \|x, y\| x + y)?` |
//! | `y = np.sqrt(a*a + b*b) * c + 2*a - b` (numexpr, cuPyNumeric/Ramba deferred arrays) | `let (x, v, z) = (a.lazy(), b.lazy(), c.lazy()); let y = ((x * x + v * v).sqrt() * z + 2.0 * x - v).eval()?;` (one pass, no temporaries) |
//! | `np.add(a, b, out=y)` for a whole chain | `(a.lazy() * 2.0 - &b).eval_into(&mut y)?` (allocates nothing) |
//! | `((a - b)**2).sum()`, `np.linalg.norm(a - b)` | `((a.lazy() - &b) * (a.lazy() - &b)).sum()?`, `(a.lazy() - &b).norm_l2()?` (same pass, no temporary) |
//! | `np.where(a > 0, a, 0)`, `np.clip(a, 0, 1)`, `a.astype(np.float32)` in a chain | `deferred::where_(a.lazy().greater(0.0), &a, 0.0)`, `a.lazy().clip(0.0, 1.0)`, `a.lazy().cast::<f32>()` |
//! | `a.sum()` | `a.sum(All)?` (a value, on every rank) |
//! | `a.sum(axis=1)` | `a.sum(Axis(1))?` (a distributed array) |
//! | `a.sum(axis=(0, 2), keepdims=True)` | `a.sum(KeepDims([Axis(0), Axis(2)]))?` |
//! | `a.max()`, `a.mean(axis=0)`, `a.std(ddof=1)` | `a.max(All)?`, `a.mean(Axis(0))?`, `a.std(All, 1)?` |
//! | `a.argmax()` (flat), `np.unravel_index` | `a.argmax(All)?`, `unravel_index(flat, a.shape())` |
//! | `np.cumsum(a, axis=0)` | `a.cumsum(Axis(0))?` |
//! | `np.sort(a)`, `np.argsort(a, kind="stable")`, `np.sort(a)[::-1]` | `a.sort(SortOptions::default())?`, `a.argsort(SortOptions::default())?` (always stable), `a.sort(SortOptions { descending: true, ..Default::default() })?` (`use distarray::sort::SortOptions`; 1-D, the result in `a`'s layout) |
//! | `np.sort(a, axis=1)`, `np.argsort(a, axis=0)` | `a.sort_axis(Axis(1), SortOptions::default())?`, `a.argsort_axis(Axis(0), SortOptions::default())?` |
//! | `np.median(a)`, `np.quantile(a, [0.1, 0.9])`, `np.percentile(a, 99)`, `np.nanmedian(a)` | `a.median()?`, `a.quantiles(&[0.1, 0.9])?`, `a.percentile(99.0)?`, `a.nanmedian()?` (exact, by selection: no sort) |
//! | `torch.topk(a, k)`, `np.partition(a, k)`, `np.argpartition(a, k)` | `a.topk(k, true)?`, `a.argtopk(k, true)?` (on every rank), `a.partition(k)?`, `a.argpartition(k)?` (1-D) |
//! | `np.histogram(a, bins=10)`, `np.bincount(x, minlength=5)` | `a.histogram(Bins::Count(10))?` -> `(counts, edges)` (`use distarray::order_stats::Bins`), `x.bincount(5)?`, `x.bincount_weighted(&w, 5)?` |
//! | `np.unique(a)`, `np.unique(a, return_index=True, return_inverse=True, return_counts=True)` | `a.unique()?`, `a.unique_with(UniqueOptions::all())?` -> `Unique { values, index, inverse, counts }` (`use distarray::sort::UniqueOptions`; values in a block layout, nothing gathered) |
//! | `np.searchsorted(a, v, side="right")` | `a.searchsorted(&v, Side::Right)?` (`v` distributed: the result in its layout), `a.searchsorted_local(&v, Side::Right)?` (`v` a slice every rank holds) |
//! | `a @ b`, `np.dot(a, b)`, `np.inner(a, b)` (vectors) | `a.dot(&b)?`, `a.inner(&b)?` (any two 1-D layouts; a value on every rank) |
//! | `np.vdot(a, b)` | `a.vdot(&b)?` (conjugates `a`); `a.dot_reproducible(&b)?`, `a.vdot_reproducible(&b)?`: the same bits on any rank count and layout |
//! | `np.outer(a, b)` | `linalg::outer(&a, &b)?` (2-D blocks), `linalg::outer_in(&a, &b, &layout)?` |
//! | `np.linalg.norm(x)`, `np.linalg.norm(x, 1)`, `np.linalg.norm(x, np.inf)` | `x.norm(NormOrd::Two)?`, `x.norm(NormOrd::One)?`, `x.norm(NormOrd::Inf)?` (`use distarray::linalg::NormOrd`); `x.norm_reproducible()?` |
//! | `np.linalg.norm(A)`, `np.linalg.norm(A, 1)`, `np.linalg.norm(A, np.inf)` | `a.norm(NormOrd::Fro)?`, `a.norm(NormOrd::One)?`, `a.norm(NormOrd::Inf)?` |
//! | `A @ x` (matrix times vector) | `a.matvec(&x)?` (1-D blocks), `a.matvec_into(&x, &mut y)?`; in a loop: `let mut mv = MatVec::new(a.layout(), x.layout(), y.layout())?;` once, `mv.apply(&a, &x, &mut y)?` each time (no allocation) |
//! | `np.trace(A)`, `A.diagonal()` | `a.trace()?`, `a.diagonal()?` (1-D blocks) |
//! | `q, r = np.linalg.qr(a)` (tall `a`) | `let qr = a.qr()?; let (q, r) = (qr.q()?, qr.r());` (TSQR: R replicated, Q distributed like `a`, formed only when asked), or `a.cholesky_qr2()?` -> `(q, r)` (faster, for cond(a) < ~1e8) |
//! | `x, res, rank, sv = np.linalg.lstsq(a, b)` | `let fit = a.lstsq(&b)?;` -> `Lstsq { x, residual_norms }` (`x` replicated; NumPy's `res` is `residual_norms` squared; rank-deficient `a` is an error, not a minimum-norm answer) |
//! | `np.linalg.solve`, `eigh`, `svd` of a big square matrix | the Elemental bridge (feature `elemental`): `DistMatrix::from_distarray(&grid, ElDist::McMr, &a)?` (one call, from any 2-D layout), then `LuSolver::new(&m)?`, `cholesky`, `spd_solve` |
//! | `a @ b`, `np.matmul(a, b)` (2-D) | `a.matmul(&b)?` or `linalg::matmul(&a, &b)?` (SUMMA; any 2-D layouts), `linalg::matmul_in(&a, &b, &layout)?`, `linalg::matmul_into(&a, &b, &mut c)?` (`out=c`); repeated products: `let mut p = MatMul::new(a.layout(), b.layout())?;` once, then `p.execute(&a, &b, &mut c)?` (`use distarray::linalg::MatMul`) |
//! | `math.fsum`-like, reproducible sums | `a.sum_reproducible()?` (same bits on any rank count) |
//! | `ht.resplit(a, 1)` / `a.redistribute_` | `a.redistribute(&other_layout)?`, or `Plan::new(&from, &to)?` once and `plan.execute(&a, &mut b)?` many times |
//! | `a.T`, `a.reshape(...)` | `a.transpose(&[1, 0])?`, `a.reshape(&[..])?` (and `_in(&layout)` forms) |
//! | `VecScatter` (petsc4py) | `Plan` (build once, execute without allocating) |
//! | ghost updates: `da.globalToLocal(g, l)` (petsc4py DMDA) | `Halo::new(&layout, Stencil::Star)?.update(&mut u)?` with a `Dist::BlockPadded` layout |
//! | `out[1:-1, 1:-1] = u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4 * u[1:-1, 1:-1]` (after a ghost update) | `halo.apply(&mut u, &mut out, \|nb\| nb[[-1, 0]] + nb[[1, 0]] + nb[[0, -1]] + nb[[0, 1]] - 4.0 * nb.centre())?` (ghosts exchanged while the interior is computed; `halo.sweep(&u, &mut out, f)` without exchange) |
//! | `sc.scatterBegin(x, y)` ... `sc.scatterEnd(x, y)` (petsc4py `VecScatter`) | `scope(\|s\| { let p = plan.begin(s, &x)?; /* other work */ p.finish(&mut y) })` (`halo::scope`); `halo.begin(s, &u)` / `finish(&mut u)` for ghosts |
//! | `np.save("a.npy", a)` / `np.load("a.npy")` | `a.save_npy("a.npy", Order::C)?` / `DistArray::<f64>::load_npy(&layout, "a.npy")?` |
//! | `np.load` without knowing the dtype | `io::load(&comm, "a.npy")?` -> `AnyDistArray`; to look first: `comm.agree(io::open("a.npy"))?` (shape, dtype, order, stored layout), then `.load(&comm)?` |
//! | `ht.save_hdf5` / `ht.load_hdf5` | `a.save_hdf5(path, "u", None)?` / `DistArray::<f64>::load_hdf5(...)` (feature `hdf5`); or `io::open_hdf5(path, "u")?` |
//! | `zarr.open_array("a.zarr")[...]`, `da.from_zarr("a.zarr")`, `da.to_zarr("a.zarr")` | `DistArray::<f64>::load_zarr(&layout, "a.zarr")?` (any chunks, each rank its part) / `a.save_zarr("a.zarr", &io::ZarrOptions::default())?` (feature `zarr`; chunks from the layout, `compression: ZarrCompression::Zstd { level: 3 }`); `io::open("a.zarr")?` |
//! | `dask.array.from_zarr("x.zarr")`, `(2 * x + y).to_zarr("z.zarr")`, `x.sum().compute()` (out of core) | `let x = ooc::DiskArray::<f64>::open(&comm, "x.zarr")?;` then `ooc::apply(&[&x, &y], "z.zarr", &OocOptions::default(), \|s, out\| (2.0 * s[0].lazy() + s[1].lazy()).eval_into(out))?`, `x.sum()?`, `x.read(&[0..10, 0..n])?` (feature `zarr`; within `OocOptions::budget` per rank) |
//! | `PETSc.Vec().createWithArray(a)` (petsc4py) | `PetscVec::wrap(&petsc, &mut a)?` (no copy; the `Vec` borrows the array) |
//! | `ksp.solve(b, x)` | `Ksp::new(&mat)?.solve(&b, &mut x)?` (any library's solver through `bridge::LinearSolver`), or `mat.solve(&b)?` (its KSP kept for the next call) |
//! | `Tpetra::Vector` over user memory (Trilinos) | `TpetraVector::wrap`, `TpetraVector::array_mut()` (Tpetra's memory lent as a `DistArray` view) |
//!
//! ## Worked examples
//!
//! Each block runs (as a doc test under one process; under `mpiexec` the
//! same code runs on every rank).
//!
//! ### Creating arrays and choosing a distribution
//!
//! ```
//! use distarray::prelude::*;
//! # fn main() -> Result<()> {
//! let _universe = distarray::mpi::initialize().unwrap();
//! let comm = Comm::world();
//! // 1000 x 300: rows in blocks, columns block-cyclic by 4
//! let layout = Layout::new(&comm, &[1000, 300], &[Dist::Block, Dist::BlockCyclic(4)])?;
//! let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 300 + ix[1]) as f64);
//! let z = DistArray::<f64>::zeros(&layout);
//! assert_eq!(a.shape(), &[1000, 300]);
//! assert_eq!(z.get(&[999, 299])?, 0.0);
//! // what this rank holds: a plain ndarray view
//! println!("rank {} holds {:?}", comm.rank(), a.local().shape());
//! # Ok(())
//! # }
//! ```
//!
//! ### Random numbers that do not depend on the number of ranks
//!
//! Values depend only on the seed and the global index: the same program
//! gives the same array on 1 or 1000 ranks, in any layout.
//!
//! ```
//! use distarray::prelude::*;
//! # fn main() -> Result<()> {
//! let _universe = distarray::mpi::initialize().unwrap();
//! let layout = Layout::block(&Comm::world(), &[10_000])?;
//! let mut rng = random::default_rng(42);
//! let u = rng.uniform(&layout, -1.0, 1.0)?;
//! let g = rng.standard_normal::<f64>(&layout)?;
//! let k = rng.integers::<i64>(&layout, 0, 6)?;
//! assert!(u.min(All)? >= -1.0 && u.max(All)? < 1.0);
//! assert!(g.mean(All)?.abs() < 0.1);
//! assert!(k.max(All)? <= 5);
//! # Ok(())
//! # }
//! ```
//!
//! ### Slicing
//!
//! [`s!`](crate::s) reads like NumPy's indexing: ranges with negative ends
//! count from the end, `;step` sets a stride, an integer drops an axis and
//! [`NewAxis`](crate::index::Ix::NewAxis) inserts one.
//!
//! ```
//! use distarray::prelude::*;
//! # fn main() -> Result<()> {
//! let _universe = distarray::mpi::initialize().unwrap();
//! let layout = Layout::new(&Comm::world(), &[6, 8], &[Dist::Cyclic, Dist::Block])?;
//! let mut a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 8 + ix[1]) as f64);
//! let s = a.slice(s![1..-1, ..;3])?;            // a[1:-1, ::3], a copy
//! assert_eq!(s.shape(), &[4, 3]);
//! assert_eq!(s.get(&[0, 1])?, 11.0);
//! let row = a.slice(s![2, ..])?;                // a[2, :] drops the first axis
//! assert_eq!(row.shape(), &[8]);
//! let col = a.slice(s![.., 5, NewAxis])?;       // a[:, 5, np.newaxis]
//! assert_eq!(col.shape(), &[6, 1]);
//! a.fill_slice(s![2], 0.0)?;                    // a[2] = 0
//! assert_eq!(a.get(&[2, 5])?, 0.0);
//! # Ok(())
//! # }
//! ```
//!
//! ### Reductions
//!
//! One method per reduction; the argument says over which axes:
//! [`All`](crate::All) (a value on every rank), one [`Axis`](crate::Axis),
//! several, and [`KeepDims`](crate::KeepDims) to keep the reduced axes with
//! length 1.
//!
//! ```
//! use distarray::prelude::*;
//! # fn main() -> Result<()> {
//! let _universe = distarray::mpi::initialize().unwrap();
//! let layout = Layout::new(&Comm::world(), &[4, 5], &[Dist::Cyclic, Dist::Block])?;
//! let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 5 + ix[1]) as f64);
//! assert_eq!(a.sum(All)?, 190.0);
//! assert_eq!(a.max(All)?, 19.0);
//! assert_eq!(a.argmax(All)?, 19);                                  // the flat index, as NumPy
//! assert_eq!(unravel_index(19, a.shape()), Some(vec![3, 4]));
//! let rows = a.sum(Axis(1))?;                                      // a distributed array of 4
//! assert_eq!(rows.gather_all()?.as_slice().unwrap(), &[10.0, 35.0, 60.0, 85.0]);
//! assert_eq!(a.sum(KeepDims(Axis(1)))?.shape(), &[4, 1]);
//! assert_eq!(a.mean([Axis(0), Axis(1)]).is_err(), true);         // every axis: use All
//! // an error norm without writing a single MPI call
//! let b = DistArray::full(&layout, 1.0);
//! let max_err = (&a - &b).abs().max(All)?;
//! assert_eq!(max_err, 18.0);
//! # Ok(())
//! # }
//! ```
//!
//! ### Deferred expressions: one pass, no temporaries
//!
//! Each eager operator reads and writes whole arrays; a chain of them moves
//! the data many times. [`a.lazy()`](crate::DistArrayBase::lazy) borrows an
//! array into an expression that computes nothing until `eval()`,
//! `eval_into(&mut out)` or a reduction, which run the whole chain in one
//! pass per rank (compiled, vectorized, bitwise the eager results). Use it
//! for chains and for reductions of expressions; eager operators for single
//! operations; `zip_map2`/`zip_map3` (or `Deferred::map`) for Rust closures.
//! See [`deferred`](crate::deferred).
//!
//! ```
//! use distarray::prelude::*;
//! use distarray::deferred::where_;
//! # fn main() -> Result<()> {
//! let _universe = distarray::mpi::initialize().unwrap();
//! let layout = Layout::block(&Comm::world(), &[1000])?;
//! let mut rng = random::default_rng(3);
//! let (a, b) = (rng.random::<f64>(&layout)?, rng.random::<f64>(&layout)?);
//! let (x, y) = (a.lazy(), b.lazy());
//! let mut out = DistArray::zeros(&layout);
//! for _ in 0..10 {
//!     where_(x.greater(y), x - y, 0.0).eval_into(&mut out)?; // no allocation
//! }
//! let dist = (x - y).norm_l2()?;                              // np.linalg.norm(a - b)
//! assert_eq!(dist, (&a - &b).map(|d| d * d).sum(All)?.sqrt());
//! assert_eq!(out.max(All)?, (x - y).max()?.max(0.0));
//! # Ok(())
//! # }
//! ```
//!
//! ### Redistribution: plan once, execute many times
//!
//! ```
//! use distarray::prelude::*;
//! # fn main() -> Result<()> {
//! let _universe = distarray::mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let rows = Layout::new(&comm, &[64, 48], &[Dist::Block, Dist::NotDistributed])?;
//! let cols = Layout::new(&comm, &[64, 48], &[Dist::NotDistributed, Dist::Block])?;
//! let a = random::default_rng(1).random::<f64>(&rows)?;
//! let mut plan = Plan::new(&rows, &cols)?;     // build once (collective) ...
//! let mut b = DistArray::zeros(&cols);
//! for _ in 0..3 {
//!     plan.execute(&a, &mut b)?;               // ... execute many times, no allocation
//! }
//! assert_eq!(b.get(&[10, 20])?, a.get(&[10, 20])?);
//! let t = a.transpose(&[1, 0])?;               // a.T, a copy in balanced blocks
//! assert_eq!(t.shape(), &[48, 64]);
//! # Ok(())
//! # }
//! ```
//!
//! ### Ghost cells (halos)
//!
//! A `BlockPadded` axis gives each rank `ghost_width` cells of its
//! neighbours on each side; a [`Halo`](crate::halo::Halo) refreshes them.
//!
//! ```
//! use distarray::prelude::*;
//! # fn main() -> Result<()> {
//! let _universe = distarray::mpi::initialize().unwrap();
//! let padded = Dist::BlockPadded { ghost_width: 1, boundary_width: (1, 1), periodic: true };
//! let layout = Layout::new(&Comm::world(), &[32, 32], &[padded.clone(), padded])?;
//! let mut u = random::default_rng(2).random::<f64>(&layout)?;
//! let mut halo = Halo::new(&layout, Stencil::Star)?;
//! halo.update(&mut u)?;                        // ghost cells now match their owners
//! # Ok(())
//! # }
//! ```
//!
//! ### Files: what is in one before loading it
//!
//! ```
//! use distarray::prelude::*;
//! # fn main() -> Result<()> {
//! let _universe = distarray::mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let layout = Layout::new(&comm, &[4, 6], &[Dist::Cyclic, Dist::Block])?;
//! let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 6 + ix[1]) as i32);
//! let dir = std::env::temp_dir().join(format!("distarray-guide-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;               // std::io::Error converts into Error
//! a.save_npy(dir.join("a.npy"), Order::C)?;     // numpy.load reads it
//! // reads the header only (no MPI); agreed, so a rank that cannot read the
//! // file does not leave the others waiting in `load`
//! let info = comm.agree(io::open(dir.join("a.npy")))?;
//! assert_eq!(info.shape, vec![4, 6]);
//! assert_eq!(info.dtype, DType::I32);
//! let any = info.load(&comm)?;                  // an AnyDistArray: the dtype decided at run time
//! let b = any.as_i32().expect("the file holds i32");
//! assert_eq!(b.get(&[3, 5])?, 23);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! ```
//!
//! ### Arrays larger than memory (feature `zarr`)
//!
//! When the data do not fit in the ranks' memory, keep them on disk as a
//! Zarr array and work on them with `distarray::ooc`: each operation
//! streams the chunks through memory within a budget per rank, reading
//! the next chunks and writing the previous result while it computes.
//! Every operation is a pass over the disk, so write a chain as one
//! `ooc::apply` with a deferred expression, and load what fits with
//! `read` to work on it in memory, where arrays are much faster.
//!
//! ```
//! # #[cfg(feature = "zarr")]
//! # fn main() -> distarray::Result<()> {
//! use distarray::ooc::{self, DiskArray, OocOptions};
//! use distarray::prelude::*;
//! let _universe = distarray::mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let dir = std::env::temp_dir().join(format!("distarray-guide-ooc-{}", std::process::id()));
//! // 64 KiB per rank at most, whatever the size of the arrays
//! let opts = OocOptions { budget: 64 << 10, chunk_shape: Some(vec![32, 32]), ..OocOptions::default() };
//! let x = DiskArray::<f64>::generate(&comm, dir.join("x.zarr"), &[300, 200], &opts, |start, mut c| {
//!     for (ix, v) in c.indexed_iter_mut() { *v = (start[0] + ix[0]) as f64 * 0.5; }
//! })?;
//! let y = DiskArray::<f64>::generate(&comm, dir.join("y.zarr"), &[300, 200], &opts, |_, mut c| c.fill(1.0))?;
//! // z = 2x + y, disk to disk, one pass
//! let z = ooc::apply(&[&x, &y], dir.join("z.zarr"), &opts, |s, out| {
//!     (2.0 * s[0].lazy() + s[1].lazy()).eval_into(out)
//! })?;
//! assert_eq!(z.max()?, 300.0);
//! let rows = z.with_budget(64 << 10).mean_axis(Axis(1))?;   // a DistArray in memory
//! assert_eq!(rows.gather_all()?[[10]], 11.0);
//! let corner = x.read(&[0..4, 0..4])?;                        // a region, into memory
//! assert_eq!(corner.gather_all()?[[3, 0]], 1.5);
//! let t = x.transpose_to(dir.join("xt.zarr"), &[1, 0], &opts)?; // disk to disk
//! assert_eq!(t.shape(), &[200, 300]);
//! # if comm.rank() == 0 { std::fs::remove_dir_all(&dir).ok(); }
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "zarr"))]
//! # fn main() {}
//! ```
//!
//! ### Handing an array to PETSc and back (feature `petsc`)
//!
//! The solver writes the solution in the memory of a `DistArray` (PETSc
//! sees it for the solve only), and reads a copy of `b` it owns, so `b` is
//! never written whatever the preconditioner does. `examples/poisson.rs` is the whole program
//! (`scripts/demo` runs it on 4 ranks).
//!
//! ```
//! # #[cfg(feature = "petsc")]
//! # fn main() -> distarray::Result<()> {
//! use distarray::petsc::{scalar_rows, Petsc, PetscMat, Scalar};
//! use distarray::prelude::*;
//! use distarray::sparse::gallery::poisson_2d;
//! let universe = distarray::mpi::initialize().unwrap();
//! let petsc = Petsc::init()?;
//! {
//!     let comm = Comm::world();
//!     let n = 16;
//!     let rows = Layout::block(&comm, &[n * n])?;
//!     // Scalar: f64, or Complex64 when the PETSc built against is complex
//!     let a = PetscMat::from_csr(&petsc, &rows, &scalar_rows(poisson_2d(&rows, n, n)?))?;
//!     let b = DistArray::full(&rows, Scalar::from(1.0));
//!     let (x, report) = a.solve(&b)?;           // x: a DistArray in b's layout
//!     assert!(report.reason.starts_with("CONVERGED"), "{report}");
//!     assert_eq!(x.layout(), b.layout());
//!     a.solve(&b)?;                             // the same KSP, set up once
//! }
//! drop(petsc);                                  // PETSc finalizes before MPI
//! drop(universe);
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "petsc"))]
//! # fn main() {}
//! ```
//!
//! The Trilinos bridge has the same shape (`TpetraMap::from_layout`,
//! `CrsMatrix::from_csr`, `trilinos::solve`); `examples/poisson_trilinos.rs`
//! solves the same problem with Belos.
