//! The nodes of a deferred expression and how each fills one chunk of
//! values. Evaluation ([`super::eval`]) walks this rank's buffer in chunks
//! of [`CHUNK`] cells; every node fills its chunk from its children's
//! chunks, held in stack arrays (L1-resident), with a plain loop the
//! compiler vectorizes. Leaves hand out their slice directly (no copy).
//! Full chunks go through [`Expr::chunk`] instead: the whole tree inlined
//! into one loop over fixed-size slices, with no intermediate arrays.

use super::operand::{Ctx, Operand};
use crate::dtype::Element;
use crate::layout::Layout;

/// Cells per chunk: small enough that a node's inputs stay in L1, large
/// enough that the per-chunk overhead vanishes. A multiple of 8 (the lane
/// count of the sums).
pub const CHUNK: usize = 256;

/// A node of a deferred expression (implemented by this module's node
/// types; build expressions with [`lazy`](crate::DistArrayBase::lazy) and
/// the operators and methods of [`Deferred`](super::Deferred)).
///
/// # Examples
///
/// A function generic over any expression of `f64` values:
///
/// ```
/// use distarray_core::deferred::{Deferred, Expr};
/// use distarray_core::{Comm, DistArray, Layout};
/// fn total<E: Expr<Item = f64>>(e: Deferred<E>) -> f64 {
///     e.sum().unwrap()
/// }
/// let _u = mpi::initialize().unwrap();
/// let a = DistArray::<f64>::ones(&Layout::block(&Comm::world(), &[10]).unwrap());
/// assert_eq!(total(a.lazy() * 3.0), 30.0);
/// ```
pub trait Expr: Copy {
    /// The type of the values.
    type Item: Element;
    /// Writes the values of the flat local positions `start ..
    /// start + out.len()` (at most [`CHUNK`]) into `out`.
    fn fill(&self, ctx: &Ctx, start: usize, out: &mut [Self::Item]);
    /// The values of `start .. start + n` when they are stored already
    /// (an array's own buffer), without a copy.
    fn direct<'s>(&'s self, _ctx: &'s Ctx, _start: usize, _n: usize) -> Option<&'s [Self::Item]> {
        None
    }
    /// Calls `f` on every distributed operand (array or broadcast piece),
    /// left to right.
    fn operands<'s>(&'s self, f: &mut dyn FnMut(&'s dyn Operand));
    /// The expression over one full chunk, `start .. start + CHUNK`, as a
    /// tree of slices of exactly [`CHUNK`] cells: [`At::at`] of the whole
    /// tree inlines into one loop without bounds checks, which the
    /// compiler vectorizes, with no intermediate arrays.
    type Chunk<'s>: At<Item = Self::Item>
    where
        Self: 's;
    /// See [`Expr::Chunk`].
    fn chunk<'s>(&'s self, ctx: &'s Ctx, start: usize) -> Self::Chunk<'s>;
}

/// The value of a chunk expression at one position (below [`CHUNK`]).
pub trait At {
    /// The type of the values.
    type Item: Element;
    /// The value at position `i < CHUNK` of the chunk.
    fn at(&self, i: usize) -> Self::Item;
}

impl<T: Element> At for &[T; CHUNK] {
    type Item = T;
    #[inline(always)]
    fn at(&self, i: usize) -> T {
        self[i]
    }
}

/// A chunk's values held in an array (a broadcast operand's).
#[derive(Clone, Copy, Debug)]
pub struct Filled<T>(pub(super) [T; CHUNK]);

impl<T: Element> At for Filled<T> {
    type Item = T;
    #[inline(always)]
    fn at(&self, i: usize) -> T {
        self.0[i]
    }
}

/// The values of `e` at `start .. start + buf.len()`: its own slice when
/// it has one, else filled into `buf`.
#[inline(always)]
fn get<'s, E: Expr>(e: &'s E, ctx: &'s Ctx, start: usize, buf: &'s mut [E::Item]) -> &'s [E::Item] {
    match e.direct(ctx, start, buf.len()) {
        Some(s) => s,
        None => {
            e.fill(ctx, start, buf);
            buf
        }
    }
}

/// A distributed array's local buffer (see [`lazy`](crate::DistArrayBase::lazy)).
#[derive(Clone, Copy, Debug)]
pub struct Leaf<'a, T> {
    pub(super) data: &'a [T],
    pub(super) layout: &'a Layout,
    /// false when the buffer is not contiguous in C order (then `data` is empty)
    pub(super) contiguous: bool,
}

impl<T: Element> Expr for Leaf<'_, T> {
    type Item = T;
    #[inline(always)]
    fn fill(&self, ctx: &Ctx, start: usize, out: &mut [T]) {
        let n = out.len();
        out.copy_from_slice(&ctx.data_of(self)[start..start + n]);
    }
    #[inline(always)]
    fn direct<'s>(&'s self, ctx: &'s Ctx, start: usize, n: usize) -> Option<&'s [T]> {
        Some(&ctx.data_of(self)[start..start + n])
    }
    fn operands<'s>(&'s self, f: &mut dyn FnMut(&'s dyn Operand)) {
        f(self)
    }
    type Chunk<'s>
        = &'s [T; CHUNK]
    where
        Self: 's;
    #[inline(always)]
    fn chunk<'s>(&'s self, ctx: &'s Ctx, start: usize) -> &'s [T; CHUNK] {
        ctx.data_of(self)[start..start + CHUNK]
            .try_into()
            .expect("a full chunk")
    }
}

/// A value for every cell.
#[derive(Clone, Copy, Debug)]
pub struct Scalar<T>(pub(super) T);

impl<T: Element> Expr for Scalar<T> {
    type Item = T;
    #[inline(always)]
    fn fill(&self, _: &Ctx, _: usize, out: &mut [T]) {
        out.fill(self.0);
    }
    fn operands<'s>(&'s self, _: &mut dyn FnMut(&'s dyn Operand)) {}
    type Chunk<'s>
        = Scalar<T>
    where
        Self: 's;
    #[inline(always)]
    fn chunk<'s>(&'s self, _: &'s Ctx, _: usize) -> Scalar<T> {
        *self
    }
}

impl<T: Element> At for Scalar<T> {
    type Item = T;
    #[inline(always)]
    fn at(&self, _: usize) -> T {
        self.0
    }
}

/// A function of one value (NumPy's unary ufuncs, casts, ...).
pub trait UnaryFn<X>: Copy {
    /// The result type.
    type Out: Element;
    /// `f(x)`
    fn call(&self, x: X) -> Self::Out;
}

/// A function of two values (the operators, `maximum`, comparisons, ...).
pub trait BinaryFn<X, Y>: Copy {
    /// The result type.
    type Out: Element;
    /// `f(x, y)`
    fn call(&self, x: X, y: Y) -> Self::Out;
}

/// A closure as a [`UnaryFn`] or [`BinaryFn`].
#[derive(Clone, Copy, Debug)]
pub struct Func<F>(pub(super) F);

impl<X, U: Element, F: Fn(X) -> U + Copy> UnaryFn<X> for Func<F> {
    type Out = U;
    #[inline(always)]
    fn call(&self, x: X) -> U {
        (self.0)(x)
    }
}

impl<X, Y, U: Element, F: Fn(X, Y) -> U + Copy> BinaryFn<X, Y> for Func<F> {
    type Out = U;
    #[inline(always)]
    fn call(&self, x: X, y: Y) -> U {
        (self.0)(x, y)
    }
}

/// `f` of every value of an expression.
#[derive(Clone, Copy, Debug)]
pub struct Map<E, F> {
    pub(super) e: E,
    pub(super) f: F,
}

impl<E: Expr, F: UnaryFn<E::Item>> Expr for Map<E, F> {
    type Item = F::Out;
    #[inline(always)]
    fn fill(&self, ctx: &Ctx, start: usize, out: &mut [F::Out]) {
        let mut buf = [E::Item::default(); CHUNK];
        let x = get(&self.e, ctx, start, &mut buf[..out.len()]);
        for (o, &v) in out.iter_mut().zip(x) {
            *o = self.f.call(v);
        }
    }
    fn operands<'s>(&'s self, f: &mut dyn FnMut(&'s dyn Operand)) {
        self.e.operands(f)
    }
    type Chunk<'s>
        = Map<E::Chunk<'s>, F>
    where
        Self: 's;
    #[inline(always)]
    fn chunk<'s>(&'s self, ctx: &'s Ctx, start: usize) -> Self::Chunk<'s> {
        Map {
            e: self.e.chunk(ctx, start),
            f: self.f,
        }
    }
}

impl<C: At, F: UnaryFn<C::Item>> At for Map<C, F> {
    type Item = F::Out;
    #[inline(always)]
    fn at(&self, i: usize) -> F::Out {
        self.f.call(self.e.at(i))
    }
}

/// `f` of the values of two expressions, cell by cell.
#[derive(Clone, Copy, Debug)]
pub struct Zip<A, B, F> {
    pub(super) a: A,
    pub(super) b: B,
    pub(super) f: F,
}

impl<A: Expr, B: Expr, F: BinaryFn<A::Item, B::Item>> Expr for Zip<A, B, F> {
    type Item = F::Out;
    #[inline(always)]
    fn fill(&self, ctx: &Ctx, start: usize, out: &mut [F::Out]) {
        let n = out.len();
        let mut l = [A::Item::default(); CHUNK];
        let mut r = [B::Item::default(); CHUNK];
        let x = get(&self.a, ctx, start, &mut l[..n]);
        let y = get(&self.b, ctx, start, &mut r[..n]);
        for ((o, &u), &v) in out.iter_mut().zip(x).zip(y) {
            *o = self.f.call(u, v);
        }
    }
    fn operands<'s>(&'s self, f: &mut dyn FnMut(&'s dyn Operand)) {
        self.a.operands(f);
        self.b.operands(f);
    }
    type Chunk<'s>
        = Zip<A::Chunk<'s>, B::Chunk<'s>, F>
    where
        Self: 's;
    #[inline(always)]
    fn chunk<'s>(&'s self, ctx: &'s Ctx, start: usize) -> Self::Chunk<'s> {
        Zip {
            a: self.a.chunk(ctx, start),
            b: self.b.chunk(ctx, start),
            f: self.f,
        }
    }
}

impl<A: At, B: At, F: BinaryFn<A::Item, B::Item>> At for Zip<A, B, F> {
    type Item = F::Out;
    #[inline(always)]
    fn at(&self, i: usize) -> F::Out {
        self.f.call(self.a.at(i), self.b.at(i))
    }
}

/// NumPy's `where(cond, a, b)`: both branches are evaluated for every
/// cell, as in NumPy (an integer division by zero in the branch not taken
/// still panics).
#[derive(Clone, Copy, Debug)]
pub struct Select<C, A, B> {
    pub(super) cond: C,
    pub(super) a: A,
    pub(super) b: B,
}

impl<C: Expr<Item = bool>, A: Expr, B: Expr<Item = A::Item>> Expr for Select<C, A, B> {
    type Item = A::Item;
    #[inline(always)]
    fn fill(&self, ctx: &Ctx, start: usize, out: &mut [A::Item]) {
        let n = out.len();
        let mut c = [false; CHUNK];
        let mut l = [A::Item::default(); CHUNK];
        let mut r = [A::Item::default(); CHUNK];
        let c = get(&self.cond, ctx, start, &mut c[..n]);
        let x = get(&self.a, ctx, start, &mut l[..n]);
        let y = get(&self.b, ctx, start, &mut r[..n]);
        for (((o, &k), &u), &v) in out.iter_mut().zip(c).zip(x).zip(y) {
            *o = if k { u } else { v };
        }
    }
    fn operands<'s>(&'s self, f: &mut dyn FnMut(&'s dyn Operand)) {
        self.cond.operands(f);
        self.a.operands(f);
        self.b.operands(f);
    }
    type Chunk<'s>
        = Select<C::Chunk<'s>, A::Chunk<'s>, B::Chunk<'s>>
    where
        Self: 's;
    #[inline(always)]
    fn chunk<'s>(&'s self, ctx: &'s Ctx, start: usize) -> Self::Chunk<'s> {
        Select {
            cond: self.cond.chunk(ctx, start),
            a: self.a.chunk(ctx, start),
            b: self.b.chunk(ctx, start),
        }
    }
}

impl<C: At<Item = bool>, A: At, B: At<Item = A::Item>> At for Select<C, A, B> {
    type Item = A::Item;
    #[inline(always)]
    fn at(&self, i: usize) -> A::Item {
        // both branches, as `fill` and NumPy do (and branch-free)
        let (k, u, v) = (self.cond.at(i), self.a.at(i), self.b.at(i));
        if k {
            u
        } else {
            v
        }
    }
}
