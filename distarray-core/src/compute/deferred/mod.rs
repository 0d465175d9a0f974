//! Deferred expressions: elementwise work written as NumPy expressions,
//! computed in **one pass** over each rank's buffer, with no temporaries
//! (cuPyNumeric's and Ramba's "deferred" arrays, done at compile time).
//!
//! [`a.lazy()`](crate::DistArrayBase::lazy) borrows an array as an
//! expression; operators (`+ - * /`, unary `-`, scalars on either side),
//! ufunc methods (`sqrt`, `exp`, `log`, `sin`, `cos`, `abs`, `powi`,
//! `powf`, `maximum`, `minimum`, ...), comparisons (`less`, `greater`, ...,
//! giving `bool` expressions), [`where_`], [`clip`](Deferred::clip),
//! [`cast`](Deferred::cast) and broadcast operands ([`Broadcast`]) build a
//! bigger expression and compute nothing. Then:
//!
//! - [`eval`](Deferred::eval) makes a new array in the operands' layout;
//! - [`eval_into(&mut out)`](Deferred::eval_into) writes an existing one
//!   and allocates nothing (steady-state loops);
//! - [`sum`](Deferred::sum), [`prod`](Deferred::prod), [`max`](Deferred::max),
//!   [`min`](Deferred::min), [`mean`](Deferred::mean) and
//!   [`norm_l2`](Deferred::norm_l2) reduce the expression in the same pass
//!   (owned cells only) and give the value on every rank.
//!
//! ```
//! use distarray_core::{Comm, DistArray, Layout};
//! let _u = mpi::initialize().unwrap();
//! let layout = Layout::block(&Comm::world(), &[1000]).unwrap();
//! let (a, b, c) = (DistArray::<f64>::random(&layout, 1), DistArray::<f64>::random(&layout, 2), DistArray::<f64>::random(&layout, 3));
//! let (x, y, z) = (a.lazy(), b.lazy(), c.lazy());
//! let mut out = DistArray::zeros(&layout);
//! ((x * x + y * y).sqrt() * z + 2.0 * x - y).eval_into(&mut out).unwrap(); // one pass
//! let rms = ((x - y) * (x - y)).mean().unwrap().sqrt();                     // one pass
//! assert!(rms > 0.0 && out.local().len() == a.local().len());
//! ```
//!
//! ## Which form to use
//!
//! - **Deferred** for chains of two or more operations over big arrays,
//!   and for a reduction of an expression: every eager operator reads and
//!   writes a whole array, so a chain of k of them moves about k times the
//!   bytes; a deferred chain reads each operand once and writes once (or
//!   not at all, for a reduction). `eval_into` in a loop allocates
//!   nothing.
//! - **Eager** (`&a + &b`, `a.sqrt()`, `a += &b`, the `*_into` forms) for a
//!   single operation, or when the intermediate arrays are wanted anyway.
//! - [`zip_map2`](crate::DistArrayBase::zip_map2) /
//!   [`zip_map3`](crate::DistArrayBase::zip_map3) for a closure over two or
//!   three arrays that is easier written as Rust code than as an
//!   expression; [`Deferred::map`] and [`Deferred::zip_with`] put such a
//!   closure inside an expression.
//!
//! ## Layouts
//!
//! Every evaluation checks the operands' layouts once and agrees on them
//! over the communicator (one small allreduce), so a mismatch is the same
//! error on every rank. When the array operands do not all share a layout,
//! the expression takes the layout most of them have (a [`Broadcast`]
//! operand's, if there is one), and each operand in another layout is
//! **redistributed once** to it through the exchange engine (a
//! [`Plan`](crate::redistribute::Plan)) before the pass: that copy costs
//! what `b.redistribute(a.layout())` costs, at every evaluation. In a loop,
//! redistribute it yourself once. Operands of different shapes are an
//! error (broadcast them with [`Broadcast`]); so is an `out` of another
//! layout. Elementwise results cover the whole local buffer, ghost cells
//! included (as the eager ufuncs do); reductions count owned cells only.
//!
//! ## Equal to the eager results
//!
//! The operations are the eager ufuncs' own, so an expression's values are
//! bitwise those of the same operations done eagerly (tested on 1-4 ranks).
//! [`sum`](Deferred::sum) (and so [`mean`](Deferred::mean) and
//! [`norm_l2`](Deferred::norm_l2)) adds in the order of the eager
//! [`sum`](crate::DistArrayBase::sum) (eight lanes over a contiguous owned
//! region, one running sum otherwise) and is bitwise equal to it;
//! [`prod`](Deferred::prod) too; [`max`](Deferred::max) and
//! [`min`](Deferred::min) are equal as values (NaN wins; of `0.0` and `-0.0`
//! either may come back).
//!
//! ## How the pass runs (and vectorizes)
//!
//! Expressions are Rust types ([`Expr`]; no interpreter, no boxing): the
//! compiler sees the whole tree. The pass walks this rank's buffer in
//! chunks of [`CHUNK`] cells. For a full chunk, [`Expr::chunk`] turns the
//! tree into one of fixed-size slices (`&[T; CHUNK]` for arrays) and one
//! loop `out[i] = tree.at(i)` computes it: everything inlines, there are no
//! bounds checks and no intermediate arrays, and LLVM vectorizes the loop.
//! The last, shorter chunk (and broadcast operands) go through
//! [`Expr::fill`], node by node through small stack arrays. Checked on
//! x86-64 without `-C target-cpu` (SSE2; the project sets none): the
//! `fused_chain` benchmark's `eval_into` loop is packed `mulpd`, `addpd`,
//! `subpd` and `sqrtpd`, and the `fused_reduction` sum packed `subpd`,
//! `mulpd`, `addpd` into four two-lane accumulators.

mod eval;
mod node;
mod operand;
mod ops;
mod reduce;

pub use node::{At, BinaryFn, Expr, Filled, Func, Leaf, Map, Scalar, Select, UnaryFn, Zip, CHUNK};
pub use operand::{Broadcast, BroadcastLeaf, Ctx, Operand};
pub use ops::{where_, IntoDeferred, MapFn, OpAdd, OpDiv, OpMul, OpNeg, OpSub, ZipFn};

/// A deferred expression: built from arrays
/// ([`lazy`](crate::DistArrayBase::lazy)), scalars and broadcast operands,
/// computed only by [`eval`](Self::eval), [`eval_into`](Self::eval_into)
/// or a reduction. Cheap to copy (it borrows its arrays), so an operand can
/// appear several times.
///
/// # Examples
///
/// ```
/// use distarray_core::{Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let layout = Layout::block(&Comm::world(), &[4]).unwrap();
/// let a = DistArray::full(&layout, 3.0_f64);
/// let x = a.lazy();
/// let e = x * x - 1.0; // nothing computed yet
/// assert_eq!(e.sum().unwrap(), 32.0);
/// assert_eq!(e.eval().unwrap().get(&[0]).unwrap(), 8.0);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Deferred<E>(pub(crate) E);
