//! Elementwise operations: NumPy's ufuncs, operators, fused expressions.
//!
//! Arrays with equal layouts combine locally, without communication. Other
//! layouts are an error that names both layouts; align them explicitly with
//! [`redistribute`](crate::DistArrayBase::redistribute) (a [`Plan`](crate::redistribute::Plan)
//! for repeated use). Every operation works on the whole local buffer,
//! ghost cells included, so a padded array stays consistent.
//!
//! Temporaries are the caller's choice: `&a + &b` allocates the result,
//! `a += &b` and the `*_into` forms write into an existing array, and
//! [`zip_map2`](crate::DistArrayBase::zip_map2) / [`zip_map3`](crate::DistArrayBase::zip_map3) fuse any
//! expression over several arrays into one pass (ndarray's `Zip` inside).
//! Chains of operators and ufuncs, and reductions of them, fuse into one
//! pass as deferred expressions ([`crate::deferred`]: `a.lazy()`).
//!
//! ```
//! use distarray_core::{Comm, DistArray, Layout};
//! let _u = mpi::initialize().unwrap();
//! let layout = Layout::block(&Comm::world(), &[1000]).unwrap();
//! let x = DistArray::<f64>::random(&layout, 1);
//! let y = DistArray::<f64>::random(&layout, 2);
//! let z = &x * 2.0 + &y;                                  // operators
//! let w = x.zip_map2(&y, |a, b| 2.0 * a + b).unwrap();    // one fused pass
//! assert_eq!(z.local(), w.local());
//! let mut out = DistArray::zeros(&layout);
//! out.assign_zip2(&x, &y, |a, b| a.max(b)).unwrap();      // into an existing array
//! let s = x.sqrt();                                       // a named ufunc
//! let big = x.greater(&y).unwrap();                       // comparisons give bool arrays
//! assert_eq!(s.layout(), x.layout());
//! assert_eq!(big.local().len(), x.local().len());
//! ```

mod binary;
mod ops;
mod unary;

pub use binary::Shifts;
pub use unary::{Bits, FloatElement, Numeric, Real};

use crate::array::{DistArray, DistArrayBase};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use ndarray::{Data, DataMut, Zip};

/// Checks that two layouts are equal (every rank reaches the same verdict).
pub(crate) fn same_layout(a: &Layout, b: &Layout, what: &str) -> Result<()> {
    if a.ptr_eq(b) || a == b {
        Ok(())
    } else {
        Err(Error::LayoutMismatch {
            context: what.into(),
            detail: format!(
                "{a:?} vs {b:?}; align them first, e.g. `b.redistribute(a.layout())` (or a reusable Plan)"
            ),
        })
    }
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// `f` applied to every cell, into a new array of the same layout.
    pub fn map<U: Element>(&self, f: impl Fn(T) -> U) -> DistArray<U> {
        let local = self.local().map(|&x| f(x));
        DistArrayBase::from_local(self.layout().clone(), local).expect("same shape")
    }

    /// `f` of the cells of `self` and `other` (equal layouts), in one pass.
    pub fn zip_map2<U: Element, V: Element, S2: Data<Elem = U>>(
        &self,
        other: &DistArrayBase<S2>,
        f: impl Fn(T, U) -> V,
    ) -> Result<DistArray<V>> {
        same_layout(self.layout(), other.layout(), "zip_map2")?;
        let local = Zip::from(&self.local())
            .and(&other.local())
            .map_collect(|&a, &b| f(a, b));
        DistArrayBase::from_local(self.layout().clone(), local)
    }

    /// `f` of the cells of three arrays (equal layouts), in one pass.
    pub fn zip_map3<U: Element, W: Element, V: Element, S2: Data<Elem = U>, S3: Data<Elem = W>>(
        &self,
        b: &DistArrayBase<S2>,
        c: &DistArrayBase<S3>,
        f: impl Fn(T, U, W) -> V,
    ) -> Result<DistArray<V>> {
        same_layout(self.layout(), b.layout(), "zip_map3")?;
        same_layout(self.layout(), c.layout(), "zip_map3")?;
        let local = Zip::from(&self.local())
            .and(&b.local())
            .and(&c.local())
            .map_collect(|&x, &y, &z| f(x, y, z));
        DistArrayBase::from_local(self.layout().clone(), local)
    }

    /// Converts every cell (NumPy's `astype`), e.g. `a.astype(|x| x as f32)`.
    pub fn astype<U: Element>(&self, convert: impl Fn(T) -> U) -> DistArray<U> {
        self.map(convert)
    }
}

impl<T: Element, S: DataMut<Elem = T>> DistArrayBase<S> {
    /// Replaces every cell `x` by `f(x)`, in place.
    pub fn map_inplace(&mut self, f: impl Fn(T) -> T) {
        self.local_mut().mapv_inplace(f);
    }

    /// `self = f(a, b)` cell by cell (NumPy's `out=`): no temporary.
    pub fn assign_zip2<U: Element, V: Element, S2: Data<Elem = U>, S3: Data<Elem = V>>(
        &mut self,
        a: &DistArrayBase<S2>,
        b: &DistArrayBase<S3>,
        f: impl Fn(U, V) -> T,
    ) -> Result<()> {
        same_layout(self.layout(), a.layout(), "assign_zip2")?;
        same_layout(self.layout(), b.layout(), "assign_zip2")?;
        Zip::from(&mut self.local_mut())
            .and(&a.local())
            .and(&b.local())
            .for_each(|o, &x, &y| *o = f(x, y));
        Ok(())
    }

    /// `self = f(self, a)` cell by cell, in place.
    pub fn zip_inplace<U: Element, S2: Data<Elem = U>>(
        &mut self,
        a: &DistArrayBase<S2>,
        f: impl Fn(T, U) -> T,
    ) -> Result<()> {
        same_layout(self.layout(), a.layout(), "zip_inplace")?;
        Zip::from(&mut self.local_mut())
            .and(&a.local())
            .for_each(|o, &x| *o = f(*o, x));
        Ok(())
    }
}

/// NumPy's `where(cond, a, b)`: `a` where `cond` holds, `b` elsewhere (equal layouts).
pub fn where_<T: Element, S1: Data<Elem = bool>, S2: Data<Elem = T>, S3: Data<Elem = T>>(
    cond: &DistArrayBase<S1>,
    a: &DistArrayBase<S2>,
    b: &DistArrayBase<S3>,
) -> Result<DistArray<T>> {
    cond.zip_map3(a, b, |c, x, y| if c { x } else { y })
}
