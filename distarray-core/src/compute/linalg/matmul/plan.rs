//! [`MatMul`]: a product planned once for fixed layouts and executed many
//! times (redistribution plans, panels and buffers made at construction).

use super::layouts::{algorithm, check};
use super::summa::Summa;
use crate::array::{DistArray, DistArrayBase};
use crate::comm::fingerprint;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::redistribute::Plan;
use ndarray::{Data, DataMut, Ix2, LinalgScalar};

/// A move into or out of the algorithm's layout: the plan and the array in
/// the algorithm's layout it fills (A, B) or reads (C).
struct Move<T> {
    plan: Plan<T>,
    buf: DistArray<T>,
}

impl<T: Element> Move<T> {
    /// `None` when `from` already is `to`; the buffer in `alg`'s layout
    /// (one of the two).
    fn between(from: &Layout, to: &Layout, alg: &Layout) -> Result<Option<Move<T>>> {
        if from == to {
            return Ok(None);
        }
        Ok(Some(Move {
            plan: Plan::new(from, to)?,
            buf: DistArray::zeros(alg),
        }))
    }
}

/// A distributed matrix product C = A B planned once for the layouts of
/// A, B and C, executed many times without rebuilding anything: SUMMA on
/// a 2-D process grid, with A, B (and C) moved to and from the
/// algorithm's layouts by reusable [`Plan`]s when theirs do not suit it.
///
/// SUMMA runs in A's layout when A is block or (block-)cyclic on both
/// axes on a grid that suits it (a 2-D grid, or the one a block x block
/// layout of its shape gets), else in 2-D blocks; B stays as it is when it
/// is block or cyclic on the same grid, else it takes the kinds of A's
/// axes. The result's default layout
/// ([`result_layout`](MatMul::result_layout)) has A's row distribution and
/// B's column distribution on that grid: for A and B both block x block
/// (or both block-cyclic with one block size), C is too.
///
/// # Examples
///
/// ```
/// use distarray_core::linalg::MatMul;
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let bc = [Dist::BlockCyclic(2), Dist::BlockCyclic(2)];
/// let la = Layout::new(&comm, &[6, 4], &bc).unwrap();
/// let lb = Layout::new(&comm, &[4, 5], &bc).unwrap();
/// let mut product = MatMul::<f64>::new(&la, &lb).unwrap();
/// let mut c = DistArray::zeros(product.result_layout());
/// let b = DistArray::from_fn(&lb, |ix: &[usize]| (ix[0] == ix[1]) as u8 as f64); // [I | 0]
/// for step in 1..=3 {
///     let a = DistArray::from_fn(&la, |ix: &[usize]| (step * (ix[0] + ix[1])) as f64);
///     product.execute(&a, &b, &mut c).unwrap(); // nothing rebuilt
///     assert_eq!(c.get(&[5, 3]).unwrap(), (step * 8) as f64);
///     assert_eq!(c.get(&[5, 4]).unwrap(), 0.0);
/// }
/// ```
pub struct MatMul<T> {
    /// the layouts the product was built for
    a: Layout,
    b: Layout,
    c: Layout,
    to_a: Option<Move<T>>,
    to_b: Option<Move<T>>,
    /// from the algorithm's C to the asked-for one
    from_c: Option<Move<T>>,
    summa: Summa<T>,
}

impl<T: Element + LinalgScalar> MatMul<T> {
    /// A product of arrays in layouts `a` (m x k) and `b` (k x n), the
    /// result in the algorithm's layout
    /// ([`result_layout`](MatMul::result_layout)). Collective.
    ///
    /// # Errors
    ///
    /// The same error on every rank when an operand is not 2-D
    /// ([`Error::InvalidArgument`]), the inner dimensions differ
    /// ([`Error::ShapeMismatch`]), A and B live on different communicators
    /// ([`Error::LayoutMismatch`]), or ranks passed different layouts or
    /// element types ([`Error::ArgumentsDiffer`]).
    ///
    /// ```
    /// use distarray_core::linalg::MatMul;
    /// use distarray_core::{Comm, Error, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let a = Layout::block(&comm, &[7, 5]).unwrap();
    /// let b = Layout::block(&comm, &[4, 9]).unwrap();
    /// let err = MatMul::<f64>::new(&a, &b).err().unwrap();
    /// assert!(matches!(err, Error::ShapeMismatch { .. }));
    /// ```
    pub fn new(a: &Layout, b: &Layout) -> Result<MatMul<T>> {
        Self::build(a, b, None)
    }

    /// A product whose result goes to layout `c` (m x n, any distribution
    /// on A's communicator; moved there from the algorithm's layout by a
    /// plan when it differs). Collective; errors as [`MatMul::new`], and a
    /// `c` of another shape is [`Error::ShapeMismatch`].
    ///
    /// ```
    /// use distarray_core::linalg::MatMul;
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let a = DistArray::<f64>::ones(&Layout::block(&comm, &[3, 4]).unwrap());
    /// let b = DistArray::<f64>::ones(&Layout::block(&comm, &[4, 2]).unwrap());
    /// let rows = Layout::new(&comm, &[3, 2], &[Dist::Block, Dist::NotDistributed]).unwrap();
    /// let mut product = MatMul::with_result(a.layout(), b.layout(), &rows).unwrap();
    /// let c = product.product(&a, &b).unwrap();
    /// assert_eq!(c.layout(), &rows);
    /// assert!(c.local().iter().all(|&x| x == 4.0));
    /// ```
    pub fn with_result(a: &Layout, b: &Layout, c: &Layout) -> Result<MatMul<T>> {
        Self::build(a, b, Some(c))
    }

    fn build(a: &Layout, b: &Layout, c: Option<&Layout>) -> Result<MatMul<T>> {
        check::<T>(a, b, c)?;
        let alg = algorithm(a, b)?;
        let c = c.cloned().unwrap_or_else(|| alg.c.clone());
        Ok(MatMul {
            to_a: Move::between(a, &alg.a, &alg.a)?,
            to_b: Move::between(b, &alg.b, &alg.b)?,
            from_c: Move::between(&alg.c, &c, &alg.c)?,
            summa: Summa::new(&alg.a, &alg.b),
            a: a.clone(),
            b: b.clone(),
            c,
        })
    }

    /// The layout of the result.
    pub fn result_layout(&self) -> &Layout {
        &self.c
    }

    /// Whether A, B and C move to and from SUMMA's layouts (true) or it
    /// runs in theirs (false): `[A, B, C]`.
    ///
    /// ```
    /// use distarray_core::linalg::MatMul;
    /// use distarray_core::{Comm, Dist, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let a = Layout::block(&comm, &[8, 8]).unwrap();
    /// let product = MatMul::<f32>::new(&a, &a).unwrap();
    /// assert_eq!(product.redistributes(), [false, false, false]); // block x block: as they are
    /// ```
    pub fn redistributes(&self) -> [bool; 3] {
        [
            self.to_a.is_some(),
            self.to_b.is_some(),
            self.from_c.is_some(),
        ]
    }

    /// C = A B into `c`, with A, B and C in the layouts the product was
    /// built for. Collective.
    ///
    /// # Errors
    ///
    /// Arrays in other layouts: [`Error::LayoutMismatch`] on every rank,
    /// before any data moves.
    pub fn execute<SA, SB, SC>(
        &mut self,
        a: &DistArrayBase<SA>,
        b: &DistArrayBase<SB>,
        c: &mut DistArrayBase<SC>,
    ) -> Result<()>
    where
        SA: Data<Elem = T>,
        SB: Data<Elem = T>,
        SC: DataMut<Elem = T>,
    {
        let args = fingerprint([
            self.a.fingerprint(),
            self.b.fingerprint(),
            self.c.fingerprint(),
        ]);
        let local = [
            ("A", a.layout(), &self.a),
            ("B", b.layout(), &self.b),
            ("C", c.layout(), &self.c),
        ]
        .into_iter()
        .try_for_each(|(name, given, built)| {
            if given == built {
                Ok(())
            } else {
                Err(Error::LayoutMismatch {
                    context: "MatMul::execute".into(),
                    detail: format!("{name} is in {given:?}, the product was built for {built:?}"),
                })
            }
        });
        self.a.comm().agree_on("MatMul::execute", args, local)?;
        if let Some(mv) = &mut self.to_a {
            mv.plan.execute(a, &mut mv.buf)?;
        }
        if let Some(mv) = &mut self.to_b {
            mv.plan.execute(b, &mut mv.buf)?;
        }
        let a_view = match &self.to_a {
            Some(mv) => mv.buf.local(),
            None => a.local(),
        };
        let b_view = match &self.to_b {
            Some(mv) => mv.buf.local(),
            None => b.local(),
        };
        let a2 = a_view.into_dimensionality::<Ix2>().expect("2-d (checked)");
        let b2 = b_view.into_dimensionality::<Ix2>().expect("2-d (checked)");
        match &mut self.from_c {
            Some(mv) => {
                let c_alg = mv.buf.local_mut();
                self.summa
                    .run(a2, b2, c_alg.into_dimensionality::<Ix2>().expect("2-d"));
                mv.plan.execute(&mv.buf, c)?;
            }
            None => {
                let c_loc = c.local_mut();
                self.summa.run(
                    a2,
                    b2,
                    c_loc.into_dimensionality::<Ix2>().expect("2-d (checked)"),
                );
            }
        }
        Ok(())
    }

    /// C = A B in a new array of the [result layout](MatMul::result_layout).
    /// Collective; errors as [`MatMul::execute`].
    pub fn product<SA, SB>(
        &mut self,
        a: &DistArrayBase<SA>,
        b: &DistArrayBase<SB>,
    ) -> Result<DistArray<T>>
    where
        SA: Data<Elem = T>,
        SB: Data<Elem = T>,
    {
        let mut c = DistArray::zeros(&self.c);
        self.execute(a, b, &mut c)?;
        Ok(c)
    }
}
