//! Evaluation: the layouts checked and agreed once per evaluation (one
//! small allreduce), operands in another layout redistributed once, then
//! one pass over this rank's buffer in chunks of [`CHUNK`].

use super::node::{At, Expr, CHUNK};
use super::operand::{Ctx, Operand};
use super::Deferred;
use crate::array::{DistArray, DistArrayBase};
use crate::error::{Error, Result};
use crate::layout::Layout;
use ndarray::{ArrayD, DataMut, IxDyn};

/// Mixes `x` into the running fingerprint `h`.
fn mix(h: u64, x: u64) -> u64 {
    (h ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29)
}

fn equal(a: &Layout, b: &Layout) -> bool {
    a.ptr_eq(b) || a == b
}

impl<E: Expr> Deferred<E> {
    /// Resolves the expression's layout: every operand's, else the one most
    /// array operands have (a broadcast operand's if there is one), the
    /// others redistributed to it. Checks `out` (eval_into) and, for
    /// reductions, that cells are not replicated. Agreed on every rank.
    /// Allocates nothing when the layouts are equal.
    pub(super) fn prepare(
        &self,
        what: &'static str,
        out: Option<&Layout>,
        reduce: bool,
    ) -> Result<(Layout, Ctx)> {
        let mut first: Option<&Layout> = None;
        let mut same = true;
        let mut local: Result<()> = Ok(());
        let mut fp = what.bytes().fold(0u64, |h, b| mix(h, b as u64));
        self.0.operands(&mut |op| {
            if local.is_ok() {
                local = op.check();
            }
            fp = mix(fp, op.layout().fingerprint());
            match first {
                None => first = Some(op.layout()),
                Some(l) => same &= equal(l, op.layout()),
            }
        });
        let Some(first) = first else {
            return Err(Error::InvalidArgument(format!(
                "{what}: a deferred expression needs at least one distributed operand"
            )));
        };
        if let Some(o) = out {
            fp = mix(fp, o.fingerprint());
        }
        let target = if same { first.clone() } else { self.majority() };
        if local.is_ok() && !same {
            local = self.movable_to(&target);
        }
        if local.is_ok() {
            if let Some(o) = out {
                if !equal(o, &target) {
                    local = Err(Error::LayoutMismatch {
                        context: format!("{what}: the output array"),
                        detail: format!("{o:?} vs the expression's {target:?}"),
                    });
                }
            }
        }
        if local.is_ok() && reduce && !target.maps().iter().all(|m| m.is_one_to_one()) {
            local = Err(Error::InvalidArgument(format!(
                "reductions need one-to-one layouts; {target:?} replicates cells (redistribute it first)"
            )));
        }
        let context = "a deferred expression (its operation and its operands' layouts)";
        target.comm().agree_on(context, fp, local)?;
        let mut ctx = Ctx::default();
        if !same {
            let mut ops: Vec<&dyn Operand> = Vec::new();
            self.0.operands(&mut |op| ops.push(op));
            for op in ops {
                let key = op.key();
                if !equal(op.layout(), &target) && !ctx.moved.iter().any(|(k, _)| *k == key) {
                    ctx.moved.push((key, op.moved_to(&target)?));
                }
            }
        }
        Ok((target, ctx))
    }

    /// The layout of a broadcast operand, else the one most operands have
    /// (the first on ties).
    fn majority(&self) -> Layout {
        let mut counts: Vec<(Layout, usize, bool)> = Vec::new();
        self.0.operands(&mut |op| {
            let fixed = !op.movable();
            match counts.iter_mut().find(|(l, _, _)| equal(l, op.layout())) {
                Some(c) => {
                    c.1 += 1;
                    c.2 |= fixed;
                }
                None => counts.push((op.layout().clone(), 1, fixed)),
            }
        });
        let best = counts
            .iter()
            .enumerate()
            .max_by_key(|&(i, &(_, n, fixed))| (fixed, n, std::cmp::Reverse(i)))
            .map(|(i, _)| i)
            .expect("at least one operand");
        counts.swap_remove(best).0
    }

    /// This rank's verdict on redistributing the operands to `target`.
    fn movable_to(&self, target: &Layout) -> Result<()> {
        let mut verdict = Ok(());
        self.0.operands(&mut |op| {
            let l = op.layout();
            if verdict.is_err() || equal(l, target) {
                return;
            }
            verdict = if !op.movable() {
                op.moved_to(target).map(|_| ())
            } else if l.shape() != target.shape() {
                Err(Error::ShapeMismatch {
                    context: "the operands of a deferred expression (broadcast lower-dimensional ones with `Broadcast`)".into(),
                    expected: target.shape().to_vec(),
                    found: l.shape().to_vec(),
                })
            } else if !l.comm().congruent(target.comm()) {
                Err(Error::LayoutMismatch {
                    context: "a deferred expression".into(),
                    detail: "its operands live on different communicators".into(),
                })
            } else {
                Ok(())
            };
        });
        verdict
    }

    /// Writes the values of `start .. start + out.len()`: a full chunk
    /// through [`Expr::chunk`] (one inlined, vectorized loop), a shorter
    /// one through [`Expr::fill`].
    #[inline(always)]
    pub(super) fn write(&self, ctx: &Ctx, start: usize, out: &mut [E::Item]) {
        match <&mut [E::Item; CHUNK]>::try_from(&mut *out) {
            Ok(full) => {
                let ch = self.0.chunk(ctx, start);
                for (i, o) in full.iter_mut().enumerate() {
                    *o = ch.at(i);
                }
            }
            Err(_) => self.0.fill(ctx, start, out),
        }
    }

    /// Evaluates the expression into a new array in the operands' layout
    /// (one pass; the one allocation is the result). Collective: the
    /// layouts are agreed, and an operand in another layout than the
    /// others is redistributed first (through a [`Plan`](crate::redistribute::Plan)).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[8]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as f64);
    /// let b = (a.lazy() * 2.0 + 1.0).eval().unwrap();
    /// assert_eq!(b.get(&[7]).unwrap(), 15.0);
    /// ```
    pub fn eval(&self) -> Result<DistArray<E::Item>> {
        let (layout, ctx) = self.prepare("eval", None, false)?;
        let n = layout.local_len();
        let mut data = Vec::with_capacity(n);
        let mut buf = [E::Item::default(); CHUNK];
        let mut s = 0;
        while s < n {
            let m = CHUNK.min(n - s);
            self.write(&ctx, s, &mut buf[..m]);
            data.extend_from_slice(&buf[..m]);
            s += m;
        }
        let local =
            ArrayD::from_shape_vec(IxDyn(layout.local_shape()), data).expect("one value per cell");
        DistArrayBase::from_local(layout, local)
    }

    /// Evaluates the expression into `out` (NumPy's `out=`), allocating
    /// nothing when the operands' layouts are `out`'s. Every cell of the
    /// local buffer is written, ghost cells included, as the eager ufuncs
    /// do. Collective (the layouts are agreed; operands in another layout
    /// are redistributed first). `out` cannot be an operand (the borrow
    /// checker says so): write into a second array and swap.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[8]).unwrap();
    /// let (a, b) = (DistArray::<f64>::random(&layout, 1), DistArray::<f64>::random(&layout, 2));
    /// let mut y = DistArray::zeros(&layout);
    /// for _ in 0..3 {
    ///     (a.lazy() * 2.0 - &b).eval_into(&mut y).unwrap(); // no allocation
    /// }
    /// assert_eq!(y.local(), (&a * 2.0 - &b).local());
    /// ```
    pub fn eval_into<S: DataMut<Elem = E::Item>>(&self, out: &mut DistArrayBase<S>) -> Result<()> {
        let (_, ctx) = self.prepare("eval_into", Some(out.layout()), false)?;
        let mut local = out.local_mut();
        if let Some(slice) = local.as_slice_mut() {
            for (k, chunk) in slice.chunks_mut(CHUNK).enumerate() {
                self.write(&ctx, k * CHUNK, chunk);
            }
        } else {
            let n = local.len();
            let mut cells = local.iter_mut();
            let mut buf = [E::Item::default(); CHUNK];
            let mut s = 0;
            while s < n {
                let m = CHUNK.min(n - s);
                self.write(&ctx, s, &mut buf[..m]);
                for (o, &v) in cells.by_ref().zip(&buf[..m]) {
                    *o = v;
                }
                s += m;
            }
        }
        Ok(())
    }
}
