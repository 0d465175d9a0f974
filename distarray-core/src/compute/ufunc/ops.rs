//! Operators: `+ - * / %` between arrays of equal layouts and with scalars,
//! and the in-place `+= -= *= /= %=` forms.
//!
//! Operators cannot return errors: combining arrays of different layouts
//! panics with both layouts in the message (and, under
//! [`abort_on_panic`](crate::abort_on_panic), ends the job on every rank —
//! every rank compares the same layouts, so none is left waiting). The
//! named methods (`a.add(&b)`) return the error instead.

use super::same_layout;
use super::unary::{Numeric, Real};
use crate::array::{DistArray, DistArrayBase};
use ndarray::{Data, DataMut, Zip};
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Rem, RemAssign, Sub, SubAssign};

fn expect_same(a: &crate::Layout, b: &crate::Layout, op: &str) {
    if let Err(e) = same_layout(a, b, op) {
        panic!("{e}");
    }
}

macro_rules! array_ops {
    ($bound:path; $($tr:ident $m:ident $atr:ident $am:ident => $f:expr;)*) => {$(
        impl<'a, 'b, T: $bound, S1: Data<Elem = T>, S2: Data<Elem = T>> $tr<&'b DistArrayBase<S2>> for &'a DistArrayBase<S1> {
            type Output = DistArray<T>;
            fn $m(self, rhs: &'b DistArrayBase<S2>) -> DistArray<T> {
                expect_same(self.layout(), rhs.layout(), stringify!($m));
                let local = Zip::from(&self.local()).and(&rhs.local()).map_collect(|&x, &y| $f(x, y));
                DistArrayBase::from_local(self.layout().clone(), local).expect("same shape")
            }
        }
        impl<T: $bound, S2: Data<Elem = T>> $tr<&DistArrayBase<S2>> for DistArray<T> {
            type Output = DistArray<T>;
            fn $m(mut self, rhs: &DistArrayBase<S2>) -> DistArray<T> {
                expect_same(self.layout(), rhs.layout(), stringify!($m));
                Zip::from(&mut self.local_mut()).and(&rhs.local()).for_each(|o, &y| *o = $f(*o, y));
                self
            }
        }
        impl<'a, T: $bound, S1: Data<Elem = T>> $tr<T> for &'a DistArrayBase<S1> {
            type Output = DistArray<T>;
            fn $m(self, rhs: T) -> DistArray<T> {
                self.map(move |x| $f(x, rhs))
            }
        }
        impl<T: $bound> $tr<T> for DistArray<T> {
            type Output = DistArray<T>;
            fn $m(mut self, rhs: T) -> DistArray<T> {
                self.local_mut().mapv_inplace(move |x| $f(x, rhs));
                self
            }
        }
        impl<T: $bound, S1: DataMut<Elem = T>, S2: Data<Elem = T>> $atr<&DistArrayBase<S2>> for DistArrayBase<S1> {
            fn $am(&mut self, rhs: &DistArrayBase<S2>) {
                expect_same(self.layout(), rhs.layout(), stringify!($am));
                Zip::from(&mut self.local_mut()).and(&rhs.local()).for_each(|o, &y| *o = $f(*o, y));
            }
        }
        impl<T: $bound, S1: DataMut<Elem = T>> $atr<T> for DistArrayBase<S1> {
            fn $am(&mut self, rhs: T) {
                self.local_mut().mapv_inplace(move |x| $f(x, rhs));
            }
        }
    )*};
}

array_ops! { Numeric;
    Add add AddAssign add_assign => |x: T, y: T| x + y;
    Sub sub SubAssign sub_assign => |x: T, y: T| x - y;
    Mul mul MulAssign mul_assign => |x: T, y: T| x * y;
    Div div DivAssign div_assign => |x: T, y: T| x / y;
}

array_ops! { Real;
    Rem rem RemAssign rem_assign => |x: T, y: T| x.remainder_(y);
}
