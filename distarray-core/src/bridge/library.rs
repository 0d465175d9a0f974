//! The native libraries the bridges talk to.

/// A native library behind a bridge: the `library` of an
/// [`Error::Native`](crate::Error::Native) and of a
/// [`SolveReport`](super::SolveReport).
///
/// # Examples
///
/// ```
/// use distarray_core::bridge::Library;
/// use distarray_core::Error;
/// let e = Error::Native {
///     library: Library::Petsc,
///     code: 73,
///     call: "VecCreateMPIWithArray".into(),
///     message: "Invalid argument".into(),
/// };
/// assert!(e.to_string().starts_with("PETSc error 73 in VecCreateMPIWithArray"));
/// assert!(matches!(e, Error::Native { library: Library::Petsc, .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Library {
    /// PETSc (Vec, Mat, KSP, DMDA).
    Petsc,
    /// Trilinos (Tpetra, Belos, Ifpack2).
    Trilinos,
    /// Global Arrays (over ARMCI).
    GlobalArrays,
    /// Elemental (DistMatrix, dense solvers).
    Elemental,
}

impl Library {
    /// The library's usual name ("PETSc", "Trilinos", "Global Arrays",
    /// "Elemental").
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::bridge::Library;
    /// assert_eq!(Library::GlobalArrays.name(), "Global Arrays");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Library::Petsc => "PETSc",
            Library::Trilinos => "Trilinos",
            Library::GlobalArrays => "Global Arrays",
            Library::Elemental => "Elemental",
        }
    }
}

impl std::fmt::Display for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
