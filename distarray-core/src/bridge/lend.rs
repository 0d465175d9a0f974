//! A native library's memory lent to us as a distributed-array view.

use crate::array::{DistArrayView, DistArrayViewMut};
use crate::dtype::Element;
use crate::error::Result;
use std::ops::Deref;

/// Hands a native library's memory back when a [`Lent`] view ends: PETSc's
/// `VecRestoreArray`, Global Arrays' `NGA_Release_update`, Tpetra's end of
/// host access. A bridge implements it on a small value that knows the
/// native object; [`Lent`] calls it exactly once.
pub trait Restore {
    /// Gives the memory back. Called once, after the view has ended.
    fn restore(&mut self) -> Result<()>;
}

/// A native library's memory, seen as a distributed-array view until the
/// guard ends, then handed back through [`Restore`]. Every bridge's
/// `array_mut` returns a [`LentMut`] and its `to_array` a [`LentRef`]; the
/// guard borrows the native object, so the object can not be dropped (or
/// lent twice) while the view lives.
///
/// The view is reached by [`Deref`] (reading) and by
/// [`view_mut`](Lent::view_mut) / [`local_mut`](Lent::local_mut)
/// (writing); it is never handed out by value, so it can not outlive the
/// guard. Dropping the guard restores the memory and reports a failure on
/// standard error; [`finish`](Lent::finish) restores and returns the error.
///
/// # Examples
///
/// A bridge makes one from a view of the library's memory and the value
/// that restores it; here an array of ours stands in for the library:
///
/// ```
/// use distarray_core::bridge::{Lent, Restore};
/// use distarray_core::{Comm, DistArray, Layout, Result};
///
/// struct CountRestores<'c>(&'c mut usize);
/// impl Restore for CountRestores<'_> {
///     fn restore(&mut self) -> Result<()> {
///         *self.0 += 1;
///         Ok(())
///     }
/// }
///
/// let _u = mpi::initialize().unwrap();
/// let layout = Layout::block(&Comm::world(), &[8]).unwrap();
/// let mut memory = DistArray::<f64>::zeros(&layout);
/// let mut restored = 0;
/// {
///     let mut lent = Lent::new(memory.view_mut(), CountRestores(&mut restored));
///     lent.local_mut().fill(2.0);
///     assert_eq!(lent.shape(), &[8]); // the view's methods, through Deref
///     lent.finish().unwrap();
/// }
/// assert_eq!(restored, 1);
/// assert!(memory.local().iter().all(|&v| v == 2.0));
/// ```
///
/// The view can not escape its guard (it would outlive the restore):
///
/// ```compile_fail,E0515
/// # use distarray_core::bridge::{Lent, Restore};
/// # use distarray_core::{DistArray, DistArrayViewMut, Result};
/// # struct Nothing;
/// # impl Restore for Nothing { fn restore(&mut self) -> Result<()> { Ok(()) } }
/// fn escape(memory: &mut DistArray<f64>) -> DistArrayViewMut<'_, f64> {
///     let mut lent = Lent::new(memory.view_mut(), Nothing);
///     lent.view_mut() // borrows `lent`, which ends here
/// }
/// ```
pub struct Lent<V, R: Restore> {
    // an Option so that Drop and finish can end the view before restoring
    view: Option<V>,
    // taken by finish, so that Drop restores only what was not restored
    restore: Option<R>,
}

/// A writable [`Lent`] view (what `array_mut` returns).
pub type LentMut<'a, T, R> = Lent<DistArrayViewMut<'a, T>, R>;
/// A read-only [`Lent`] view (what `to_array` returns).
pub type LentRef<'a, T, R> = Lent<DistArrayView<'a, T>, R>;

impl<V, R: Restore> Lent<V, R> {
    /// Pairs a view of a library's memory with what gives it back.
    pub fn new(view: V, restore: R) -> Self {
        Lent {
            view: Some(view),
            restore: Some(restore),
        }
    }

    /// Ends the view and restores the memory, returning the library's error
    /// if the restore fails.
    pub fn finish(mut self) -> Result<()> {
        self.view = None;
        match self.restore.take() {
            Some(mut r) => r.restore(),
            None => Ok(()),
        }
    }
}

impl<'a, T: Element, R: Restore> Lent<DistArrayViewMut<'a, T>, R> {
    /// The lent memory as a mutable view (reborrowed from the guard).
    pub fn view_mut(&mut self) -> DistArrayViewMut<'_, T> {
        self.view
            .as_mut()
            .expect("a Lent view lives until the guard ends")
            .view_mut()
    }

    /// This rank's part of the lent memory, writable.
    pub fn local_mut(&mut self) -> ndarray::ArrayViewMutD<'_, T> {
        self.view
            .as_mut()
            .expect("a Lent view lives until the guard ends")
            .local_mut()
    }
}

impl<V, R: Restore> Deref for Lent<V, R> {
    type Target = V;
    fn deref(&self) -> &V {
        self.view
            .as_ref()
            .expect("a Lent view lives until the guard ends")
    }
}

impl<V, R: Restore> Drop for Lent<V, R> {
    fn drop(&mut self) {
        self.view = None;
        if let Some(mut r) = self.restore.take() {
            if let Err(e) = r.restore() {
                eprintln!("distarray: handing lent memory back failed: {e}");
            }
        }
    }
}

impl<V: std::fmt::Debug, R: Restore> std::fmt::Debug for Lent<V, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lent").field("view", &self.view).finish()
    }
}
