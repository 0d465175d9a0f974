//! [`AnyDistArray::matmul`]: products of arrays whose element type is known
//! at run time (what `io::load` gives).

use crate::array::AnyDistArray;
use crate::dtype::DType;
use crate::error::{Error, Result};

impl AnyDistArray {
    /// `self @ other` for 2-D arrays of one element type known at run time
    /// (f32, f64, complex, i32 or i64): [`matmul`](fn@crate::linalg::matmul)
    /// on the typed arrays. Collective.
    ///
    /// # Errors
    ///
    /// Different element types, or `bool`/`u8`: [`Error::DTypeMismatch`] on
    /// every rank; otherwise as [`matmul`](fn@crate::linalg::matmul).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{AnyDistArray, Comm, DistArray, Error, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let l = Layout::block(&comm, &[3, 3]).unwrap();
    /// let a = AnyDistArray::from(DistArray::<f64>::ones(&l));
    /// let c = a.matmul(&a).unwrap();
    /// assert!(c.as_f64().unwrap().local().iter().all(|&x| x == 3.0));
    ///
    /// let b = AnyDistArray::from(DistArray::<f32>::ones(&l));
    /// assert!(matches!(a.matmul(&b), Err(Error::DTypeMismatch { .. })));
    /// ```
    pub fn matmul(&self, other: &AnyDistArray) -> Result<AnyDistArray> {
        let (da, db) = (self.dtype(), other.dtype());
        let local = if da != db {
            Err(Error::DTypeMismatch {
                expected: format!("{da} (A's element type) for B"),
                found: db.to_string(),
            })
        } else if matches!(da, DType::Bool | DType::U8) {
            Err(Error::DTypeMismatch {
                expected: "f32, f64, complex64, complex128, int32 or int64 for matmul".into(),
                found: da.to_string(),
            })
        } else {
            Ok(())
        };
        self.layout().comm().agree(local)?;
        use crate::linalg::matmul;
        use AnyDistArray as A;
        Ok(match (self, other) {
            (A::F32(a), A::F32(b)) => A::F32(matmul(a, b)?),
            (A::F64(a), A::F64(b)) => A::F64(matmul(a, b)?),
            (A::C64(a), A::C64(b)) => A::C64(matmul(a, b)?),
            (A::C128(a), A::C128(b)) => A::C128(matmul(a, b)?),
            (A::I32(a), A::I32(b)) => A::I32(matmul(a, b)?),
            (A::I64(a), A::I64(b)) => A::I64(matmul(a, b)?),
            _ => unreachable!("element types checked and agreed above"),
        })
    }
}
