//! Matrix-vector products `y = A x` with reusable plans.
//!
//! A is a 2-D array in any layout (block x block, rows, columns,
//! block-cyclic, cyclic, unstructured one-to-one), x and y 1-D arrays in
//! any layouts. A [`MatVec`] plan, built once from the three layouts,
//! holds two exchanges and the buffers they fill:
//!
//! 1. *import*: each rank receives the cells of x its local columns of A
//!    need (a cell travels once to each grid row that needs it);
//! 2. the local product of A's block with them: BLAS `gemv` for `f32` and
//!    `f64` (ndarray's `general_mat_vec_mul`), a plain loop for complex
//!    types;
//! 3. *reduce*: the partial row sums go to y's owners, which add the
//!    contributions of A's grid columns in grid order (a planned sum over
//!    the ranks holding a row, not an allreduce of the whole vector).
//!
//! Executing a plan builds nothing and allocates nothing.

use super::scalar::{
    check_ndim, check_one_to_one, check_same_comm, import_exchange, owned_indices, words,
    LinalgElement,
};
use super::vector::contiguous;
use crate::array::{DistArray, DistArrayBase};
use crate::error::{Error, Result};
use crate::exchange::{Builder, Cells, Exchange};
use crate::layout::Layout;
use crate::map::{AxisMap, BlockMap};
use ndarray::linalg::general_mat_vec_mul;
use ndarray::{Array1, Axis, Data, DataMut, Ix1, Ix2, Slice};
use std::ops::Range;

/// A reusable plan for `y = A x` between three fixed layouts (the model of
/// a PETSc `MatMult` with its scatter context): built once, collectively,
/// then [`apply`](MatVec::apply)'d any number of times without building or
/// allocating anything.
///
/// # Examples
///
/// ```
/// use distarray_core::linalg::MatVec;
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let a_layout = Layout::new(&comm, &[6, 4], &[Dist::BlockCyclic(2), Dist::Cyclic]).unwrap();
/// let a = DistArray::from_fn(&a_layout, |ix: &[usize]| (ix[0] + ix[1]) as f64);
/// let mut x = DistArray::<f64>::ones(&Layout::block(&comm, &[4]).unwrap());
/// let mut y = DistArray::<f64>::zeros(&Layout::new(&comm, &[6], &[Dist::Cyclic]).unwrap());
/// let mut plan = MatVec::new(a.layout(), x.layout(), y.layout()).unwrap();
/// for step in 1..=3 {
///     x.fill(step as f64);
///     plan.apply(&a, &x, &mut y).unwrap(); // builds and allocates nothing
///     // row i sums (i + j) * step over j = 0..4
///     assert_eq!(y.get(&[5]).unwrap(), (4.0 * 5.0 + 6.0) * step as f64);
/// }
/// ```
#[derive(Debug)]
pub struct MatVec<T> {
    a: Layout,
    x: Layout,
    y: Layout,
    /// A's owned rows and columns (positions in its buffer)
    rows: Range<usize>,
    cols: Range<usize>,
    import: Exchange<T>,
    xbuf: Array1<T>,
    partial: Array1<T>,
    reduce: Exchange<T>,
    /// per y buffer position, one partial sum per grid column of A
    sums: Vec<T>,
    y_owned: Range<usize>,
    grid_cols: usize,
}

/// The layout of the partial row sums: A's rows on A's grid, one column
/// per grid column (so the rank at grid (r, c) holds its rows' partial sums
/// at column c).
fn partial_layout(a: &Layout) -> Layout {
    let grid = a.grid().clone();
    let gc = grid.shape()[1];
    let rows = match a.map(0) {
        AxisMap::Block(b) if b.is_padded() => AxisMap::Block(
            BlockMap::irregular(b.bounds().to_vec()).expect("a block map's own bounds are valid"),
        ),
        m => m.clone(),
    };
    let cols = AxisMap::Block(BlockMap::regular(gc, gc));
    Layout::from_parts(a.comm().clone(), grid, vec![rows, cols])
}

/// The default layout of `y = A x`: a 1-D block layout over A's
/// communicator.
pub fn matvec_layout(a: &Layout) -> Result<Layout> {
    Layout::block(a.comm(), &[a.shape().first().copied().unwrap_or(0)])
}

fn check_matvec(a: &Layout, x: &Layout, y: &Layout) -> Result<()> {
    let what = "MatVec::new";
    check_ndim(what, a, 2)?;
    check_ndim(what, x, 1)?;
    check_ndim(what, y, 1)?;
    check_same_comm(what, a, x)?;
    check_same_comm(what, a, y)?;
    check_one_to_one(what, a)?;
    let lengths = [a.shape()[1], a.shape()[0]];
    let given = [x.shape()[0], y.shape()[0]];
    if lengths != given {
        return Err(Error::ShapeMismatch {
            context: format!(
                "y = A x with A of shape {:?}: the lengths of x and y",
                a.shape()
            ),
            expected: lengths.to_vec(),
            found: given.to_vec(),
        });
    }
    Ok(())
}

impl<T: LinalgElement> MatVec<T> {
    /// The plan for `y = A x` with A in layout `a`, x in `x` and y in `y`.
    /// Collective: every rank must pass the same layouts; a wrong argument
    /// on any rank (shapes that do not fit, layouts on other communicators,
    /// a layout of A that replicates cells, another element type) is the
    /// same error on every rank.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::linalg::{matvec_layout, MatVec};
    /// use distarray_core::{Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let a = Layout::block(&comm, &[5, 3]).unwrap();
    /// let x = Layout::block(&comm, &[3]).unwrap();
    /// let plan = MatVec::<f64>::new(&a, &x, &matvec_layout(&a).unwrap()).unwrap();
    /// assert_eq!(plan.y_layout().shape(), &[5]);
    /// // x of the wrong length
    /// assert!(MatVec::<f64>::new(&a, &Layout::block(&comm, &[4]).unwrap(), plan.y_layout()).is_err());
    /// ```
    pub fn new(a: &Layout, x: &Layout, y: &Layout) -> Result<MatVec<T>> {
        a.comm().agree_on(
            "MatVec::new",
            words::<T>(&[a, x, y], &[]),
            check_matvec(a, x, y),
        )?;
        let (rows, _) = owned_indices(a, 0);
        let (cols, col_globals) = owned_indices(a, 1);
        let import = import_exchange::<T>("MatVec::new (x)", x, a, &col_globals)?;
        let p = partial_layout(a);
        let grid_cols = a.grid().shape()[1];
        let (y_owned, y_globals) = owned_indices(y, 0);
        let shape = [y.local_shape()[0], grid_cols];
        let lists = [
            y_owned.clone().zip(y_globals).collect::<Vec<_>>(),
            (0..grid_cols).map(|c| (c, c)).collect(),
        ];
        let reduce = Builder::new("MatVec::new (y)", &p, y, &[], Ok(()))?
            .into_buffer(&shape)
            .build::<T>(Cells::Listed {
                perm: &[Some(0), Some(1)],
                lists: &lists,
            });
        Ok(MatVec {
            a: a.clone(),
            x: x.clone(),
            y: y.clone(),
            xbuf: Array1::zeros(cols.len()),
            partial: Array1::zeros(rows.len()),
            rows,
            cols,
            import,
            reduce,
            sums: vec![T::zero(); shape[0] * shape[1]],
            y_owned,
            grid_cols,
        })
    }

    /// The layout of A the plan was built for.
    pub fn a_layout(&self) -> &Layout {
        &self.a
    }
    /// The layout of x the plan was built for.
    pub fn x_layout(&self) -> &Layout {
        &self.x
    }
    /// The layout of y the plan was built for.
    pub fn y_layout(&self) -> &Layout {
        &self.y
    }

    /// `y = A x` (y's owned cells overwritten). Collective; arrays in other
    /// layouts than the plan's are the same error on every rank (one small
    /// allreduce per call agrees it).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::linalg::{matvec_layout, MatVec};
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let a = DistArray::<f32>::ones(&Layout::block(&comm, &[3, 3]).unwrap());
    /// let x = DistArray::<f32>::ones(&Layout::block(&comm, &[3]).unwrap());
    /// let mut plan = MatVec::new(a.layout(), x.layout(), &matvec_layout(a.layout()).unwrap()).unwrap();
    /// let mut y = DistArray::zeros(plan.y_layout());
    /// plan.apply(&a, &x, &mut y).unwrap();
    /// assert_eq!(y.get(&[1]).unwrap(), 3.0);
    /// // a y of another layout: refused on every rank
    /// let mut wrong = DistArray::zeros(&Layout::block(&comm, &[4]).unwrap());
    /// assert!(plan.apply(&a, &x, &mut wrong).is_err());
    /// ```
    pub fn apply<SA, SX, SY>(
        &mut self,
        a: &DistArrayBase<SA>,
        x: &DistArrayBase<SX>,
        y: &mut DistArrayBase<SY>,
    ) -> Result<()>
    where
        SA: Data<Elem = T>,
        SX: Data<Elem = T>,
        SY: DataMut<Elem = T>,
    {
        let ok = built_with("A", a.layout(), &self.a)
            .and_then(|()| built_with("x", x.layout(), &self.x))
            .and_then(|()| built_with("y", y.layout(), &self.y));
        self.a.comm().agree(ok)?;
        self.run_import(x);
        let mut block = a.local().into_dimensionality::<Ix2>().expect("2-d");
        block.slice_axis_inplace(Axis(0), Slice::from(self.rows.clone()));
        block.slice_axis_inplace(Axis(1), Slice::from(self.cols.clone()));
        general_mat_vec_mul(
            <T as crate::dtype::Element>::one(),
            &block,
            &self.xbuf,
            T::zero(),
            &mut self.partial,
        );
        let partial = self
            .partial
            .as_slice()
            .expect("an owned vector is contiguous");
        self.reduce.run(partial, &mut self.sums);
        let mut out = y.local_mut().into_dimensionality::<Ix1>().expect("1-d");
        let gc = self.grid_cols;
        for k in self.y_owned.clone() {
            out[k] = self.sums[k * gc..(k + 1) * gc]
                .iter()
                .fold(T::zero(), |s, &v| s + v);
        }
        Ok(())
    }

    /// Only the first step of [`apply`](Self::apply): imports the cells of
    /// `x` this rank's columns of A need into the plan's buffer. For timing
    /// the communication apart (the `matvec_repeat` benchmark) or
    /// overlapping it. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::linalg::{matvec_layout, MatVec};
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let a = Layout::block(&comm, &[4, 4]).unwrap();
    /// let x = DistArray::<f64>::ones(&Layout::block(&comm, &[4]).unwrap());
    /// let mut plan = MatVec::<f64>::new(&a, x.layout(), &matvec_layout(&a).unwrap()).unwrap();
    /// plan.import_x(&x).unwrap();
    /// ```
    pub fn import_x<SX: Data<Elem = T>>(&mut self, x: &DistArrayBase<SX>) -> Result<()> {
        self.a.comm().agree(built_with("x", x.layout(), &self.x))?;
        self.run_import(x);
        Ok(())
    }

    fn run_import<SX: Data<Elem = T>>(&mut self, x: &DistArrayBase<SX>) {
        let xbuf = self
            .xbuf
            .as_slice_mut()
            .expect("an owned vector is contiguous");
        self.import.run(&contiguous(x), xbuf);
    }
}

fn built_with(name: &str, given: &Layout, built: &Layout) -> Result<()> {
    if given.ptr_eq(built) || given == built {
        Ok(())
    } else {
        Err(Error::LayoutMismatch {
            context: format!("MatVec::apply: {name}"),
            detail: format!("the plan was built with {built:?}, the call passed {given:?}"),
        })
    }
}

impl<T: LinalgElement, S: Data<Elem = T>> DistArrayBase<S> {
    /// `A x` for this 2-D array A (any layout) and a vector x (any 1-D
    /// layout), in the default layout [`matvec_layout`] (1-D blocks).
    /// Builds a [`MatVec`] plan for the one product: for repeated products
    /// keep a plan. Collective; the arguments are agreed first.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let a = DistArray::from_fn(&Layout::new(&comm, &[2, 3], &[Dist::NotDistributed, Dist::Block]).unwrap(), |ix: &[usize]| (ix[0] * 3 + ix[1]) as f64);
    /// let x = DistArray::from_fn(&Layout::block(&comm, &[3]).unwrap(), |ix: &[usize]| 1.0 + ix[0] as f64);
    /// let y = a.matvec(&x).unwrap();
    /// assert_eq!(y.gather_all().unwrap().as_slice().unwrap(), &[8.0, 26.0]);
    /// ```
    pub fn matvec<SX: Data<Elem = T>>(&self, x: &DistArrayBase<SX>) -> Result<DistArray<T>> {
        let y_layout = self
            .layout()
            .comm()
            .agree(check_ndim("matvec", self.layout(), 2))
            .and_then(|()| matvec_layout(self.layout()))?;
        let mut y = DistArray::zeros(&y_layout);
        self.matvec_into(x, &mut y)?;
        Ok(y)
    }

    /// `y = A x` into `y` (its layout chooses the result's distribution).
    /// Builds a [`MatVec`] plan for the one product. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let a = DistArray::<f64>::ones(&Layout::block(&comm, &[4, 4]).unwrap());
    /// let x = DistArray::<f64>::ones(&Layout::block(&comm, &[4]).unwrap());
    /// let mut y = DistArray::zeros(&Layout::new(&comm, &[4], &[Dist::Cyclic]).unwrap());
    /// a.matvec_into(&x, &mut y).unwrap();
    /// assert_eq!(y.get(&[3]).unwrap(), 4.0);
    /// ```
    pub fn matvec_into<SX, SY>(
        &self,
        x: &DistArrayBase<SX>,
        y: &mut DistArrayBase<SY>,
    ) -> Result<()>
    where
        SX: Data<Elem = T>,
        SY: DataMut<Elem = T>,
    {
        let mut plan = MatVec::new(self.layout(), x.layout(), y.layout())?;
        plan.apply(self, x, y)
    }
}
