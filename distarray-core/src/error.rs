//! The one error type of distarray.
//!
//! Every error carries the shapes, ranks and dimensions involved. Errors are
//! serializable so that a collective can hand the *same* error to every rank
//! (see [`crate::comm::Comm::agree`]).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Result alias used throughout distarray.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A rule of the Distributed Array Protocol 0.10.0 (or of distarray's
/// stricter cross-rank checks) that an imported description broke.
///
/// The `Display` form is the snake_case identifier used in the conformance
/// data (`stop_gt_size`, `comm_padding_mismatch_with_neighbour`, ...).
///
/// # Examples
///
/// ```
/// use distarray_core::{Error, Rule};
/// let e = Error::protocol(Rule::StopGtSize, Some(1), Some(0), "stop 12 > size 10");
/// assert_eq!(e.rule(), Some(Rule::StopGtSize));
/// assert_eq!(Rule::StopGtSize.to_string(), "stop_gt_size");
/// assert_eq!(Rule::BlockSizeLt1.id(), "block_size_lt_1");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rule {
    /// `__version__` is not a version this importer reads.
    UnsupportedVersion,
    /// A required top-level key (`__version__`, `buffer`, `dim_data`) is absent.
    MissingTopLevelKeys,
    /// A top-level key the protocol does not define is present.
    ExtraTopLevelKeys,
    /// The description is not a JSON object, or `dim_data` is not a list of objects.
    MalformedDescription,
    /// `dist_type` is not one of `b`, `c`, `u`.
    DistTypeInvalid,
    /// A dimension dictionary lacks a key its `dist_type` requires.
    MissingDimKeys,
    /// A dimension dictionary has a key its `dist_type` does not define.
    ExtraDimKeys,
    /// A value has the wrong type (e.g. a string where an integer belongs).
    WrongValueType,
    /// `size` is negative.
    SizeNegative,
    /// `proc_grid_size` is smaller than 1.
    #[serde(rename = "proc_grid_size_lt_1")]
    ProcGridSizeLt1,
    /// `proc_grid_rank` is outside `0 .. proc_grid_size`.
    ProcGridRankOutOfRange,
    /// A block dimension's `start` is negative.
    StartNegative,
    /// A block dimension's `stop` is smaller than its `start`.
    StopLtStart,
    /// A block dimension's `stop` exceeds `size`.
    StopGtSize,
    /// `padding` is not a pair of non-negative integers.
    PaddingNotPairOfInts,
    /// `periodic` is not a boolean.
    PeriodicNotBool,
    /// `block_size` is smaller than 1.
    #[serde(rename = "block_size_lt_1")]
    BlockSizeLt1,
    /// A cyclic dimension's `start` is not `proc_grid_rank * block_size`.
    CyclicStartMismatch,
    /// An unstructured dimension's `indices` is not a list of integers in `0 .. size`.
    IndicesOutOfRange,
    /// An unstructured dimension's `indices` repeats a global index on one rank.
    IndicesNotLocallyUnique,
    /// `one_to_one` is not a boolean.
    OneToOneNotBool,
    /// The buffer's extent along a block axis differs from `stop - start`.
    BufferExtentNeStopMinusStart,
    /// The buffer's extent along a cyclic axis differs from the number of indices dealt to the rank.
    BufferExtentNeCyclicCount,
    /// The buffer's extent along an unstructured axis differs from `len(indices)`.
    BufferExtentNeIndicesLen,
    /// The buffer has a different number of axes than `dim_data` has entries.
    BufferNdimNeDimData,
    /// `buffer_shape` disagrees with the buffer, or the buffer is ragged.
    BufferShapeMismatch,
    /// `buffer_dtype` is not the element type being imported.
    BufferDtypeMismatch,
    /// The product of the `proc_grid_size`s is not the number of processes.
    GridProductNeNprocs,
    /// A rank's `proc_grid_rank`s are not its C-order grid coordinates.
    GridCoordsNotCOrder,
    /// Ranks disagree on a dimension's `dist_type`, `size`, `proc_grid_size`, `block_size` or `periodic`.
    DimDataDisagree,
    /// Ranks at the same grid position along an axis describe it differently.
    SamePositionDisagree,
    /// The owned ranges of a block dimension do not tile `0 .. size`.
    BlockRangesDoNotTile,
    /// Communication padding differs from the neighbour's matching padding.
    CommPaddingMismatchWithNeighbour,
    /// Communication padding is wider than the neighbour owns.
    CommPaddingExceedsNeighbour,
    /// `one_to_one` is true but a global index appears at more than one grid position.
    IndicesNotOneToOne,
    /// Some global index of an unstructured axis appears at no grid position.
    IndicesDoNotCover,
}

impl Rule {
    /// The rule's snake_case identifier, as the conformance data names it.
    pub fn id(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => s,
            _ => format!("{self:?}"),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

fn at(rank: &Option<usize>, dim: &Option<usize>) -> String {
    match (rank, dim) {
        (Some(r), Some(d)) => format!(" (rank {r}, dimension {d})"),
        (Some(r), None) => format!(" (rank {r})"),
        (None, Some(d)) => format!(" (dimension {d})"),
        (None, None) => String::new(),
    }
}

/// An `f64` through the agreement's JSON, NaN and infinities included
/// (JSON numbers have neither: they travel as the strings `"NaN"`, `"inf"`,
/// `"-inf"`).
mod any_f64 {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Wire {
        Number(f64),
        Text(String),
    }

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            Wire::Number(*v)
        } else {
            Wire::Text(v.to_string())
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match Wire::deserialize(d)? {
            Wire::Number(v) => Ok(v),
            Wire::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

fn path_prefix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

/// Everything that can go wrong in distarray.
///
/// Every collective call returns the *same* error on every rank (see
/// [`Comm::agree`](crate::Comm::agree)), so a program may act on it
/// without further communication. The enum is `#[non_exhaustive]`: match
/// the kinds you handle and keep a catch-all arm. Each kind carries the
/// shapes, ranks and axes involved, and its `Display` form says them.
///
/// # Examples
///
/// ```
/// use distarray_core::{Comm, DistArray, Error, Layout, Rule};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let a = DistArray::<f64>::zeros(&Layout::block(&comm, &[4, 4]).unwrap());
/// match a.get(&[4, 0]) {
///     Ok(x) => println!("value {x}"),
///     Err(Error::IndexOutOfBounds { index, shape }) => {
///         assert_eq!((index, shape), (vec![4, 0], vec![4, 4]));
///     }
///     Err(Error::Protocol { rule: Rule::StopGtSize, rank, .. }) => {
///         println!("rank {rank:?}'s description ends past the axis")
///     }
///     Err(other) => panic!("{other}"), // the Display form names what went wrong
/// }
///
/// // errors are values: compare, clone, serialize
/// let e = Error::InvalidRank { rank: 9, size: 4 };
/// assert_eq!(e.to_string(), "rank 9 is not in a communicator of size 4");
/// let json = serde_json::to_string(&e).unwrap();
/// assert_eq!(serde_json::from_str::<Error>(&json).unwrap(), e);
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Error {
    /// An imported Distributed Array Protocol description broke a rule.
    #[error("protocol rule `{rule}` broken{}: {detail}", at(rank, dim))]
    Protocol {
        /// The rule that was broken.
        rule: Rule,
        /// The rank whose description broke it, when one rank is to blame.
        rank: Option<usize>,
        /// The dimension (axis) involved, when one is.
        dim: Option<usize>,
        /// What exactly was found.
        detail: String,
    },
    /// A collective call whose arguments must be the same on every rank
    /// (shapes, axes, root, index, layouts, ...) got other ones on `rank`.
    #[error("{context}: rank {rank} passed other arguments than rank 0 (they must be the same on every rank)")]
    ArgumentsDiffer {
        /// Which call.
        context: String,
        /// The lowest rank whose arguments differ from rank 0's.
        rank: usize,
    },
    /// Two shapes that must agree do not.
    #[error("shape mismatch in {context}: expected {expected:?}, found {found:?}")]
    ShapeMismatch {
        /// Which operation compared the shapes.
        context: String,
        /// The shape required.
        expected: Vec<usize>,
        /// The shape given.
        found: Vec<usize>,
    },
    /// A global index lies outside the array.
    #[error("index {index:?} is out of bounds for an array of shape {shape:?}")]
    IndexOutOfBounds {
        /// The offending index.
        index: Vec<i64>,
        /// The array's global shape.
        shape: Vec<usize>,
    },
    /// A process grid does not fit the communicator or the array.
    #[error("invalid process grid {grid:?} for {nprocs} processes: {reason}")]
    InvalidGrid {
        /// The grid shape asked for.
        grid: Vec<usize>,
        /// The communicator's size.
        nprocs: usize,
        /// Why it does not fit.
        reason: String,
    },
    /// A dimension map is inconsistent (bounds, block size, indices...).
    #[error("invalid distribution for dimension {dim}: {reason}")]
    InvalidMap {
        /// The axis.
        dim: usize,
        /// What is wrong.
        reason: String,
    },
    /// A rank argument is outside the communicator.
    #[error("rank {rank} is not in a communicator of size {size}")]
    InvalidRank {
        /// The rank given.
        rank: usize,
        /// The communicator's size.
        size: usize,
    },
    /// The element type does not match what the data holds.
    #[error("element type mismatch: expected {expected}, found {found}")]
    DTypeMismatch {
        /// The type required.
        expected: String,
        /// The type found.
        found: String,
    },
    /// Two arrays' layouts differ where equal layouts are required.
    #[error("layouts differ in {context}: {detail}")]
    LayoutMismatch {
        /// The operation.
        context: String,
        /// How they differ and how to align them.
        detail: String,
    },
    /// A file could not be read or written, or its content is invalid.
    #[error("{}{detail}", path_prefix(path))]
    Io {
        /// The file (or file set) involved; empty when unknown (an error
        /// converted from a bare [`std::io::Error`]).
        path: String,
        /// What went wrong.
        detail: String,
    },
    /// A native library (PETSc, Trilinos, Global Arrays, Elemental) reported an error.
    #[error("{library} error {code} in {call}: {message}")]
    Native {
        /// The library.
        library: crate::bridge::Library,
        /// Its error code.
        code: i64,
        /// The call that failed.
        call: String,
        /// The library's own message.
        message: String,
    },
    /// An iterative solve stopped without converging (diverged, hit its
    /// iteration limit, broke down). The same on every rank.
    #[error("{library} {method} did not converge: {reason} after {iterations} iterations, last residual {residual:e}")]
    NotConverged {
        /// The library that solved.
        library: crate::bridge::Library,
        /// The method (and preconditioner), in the library's names.
        method: String,
        /// Iterations taken.
        iterations: usize,
        /// The last residual norm the library computed (NaN or infinite
        /// for `DIVERGED_NANORINF`).
        #[serde(with = "any_f64")]
        residual: f64,
        /// Why it stopped, in the library's words (`DIVERGED_ITS`).
        reason: String,
    },
    /// A required argument was given on one rank and missing on another, or similar misuse.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

/// A bare [`std::io::Error`] (from `?` on a `std::fs` call) as
/// [`Error::Io`] with an empty path: the standard error does not know its
/// file. Attach the path where it is known with [`Error::io`].
///
/// # Examples
///
/// ```
/// fn first_line(path: &std::path::Path) -> distarray_core::Result<String> {
///     let text = std::fs::read_to_string(path)?; // std::io::Error -> Error::Io
///     Ok(text.lines().next().unwrap_or("").to_string())
/// }
/// let err = first_line(std::path::Path::new("/no/such/file")).unwrap_err();
/// assert!(matches!(err, distarray_core::Error::Io { ref path, .. } if path.is_empty()));
/// ```
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::Io {
            path: String::new(),
            detail: e.to_string(),
        }
    }
}

impl Error {
    /// An [`Error::Io`] about `path` (`detail`: what went wrong, e.g. a
    /// [`std::io::Error`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::Error;
    /// let path = std::path::Path::new("/no/such/file");
    /// let err = std::fs::read(path).map_err(|e| Error::io(path, e)).unwrap_err();
    /// assert!(err.to_string().starts_with("/no/such/file: "));
    /// ```
    pub fn io(path: impl AsRef<std::path::Path>, detail: impl fmt::Display) -> Error {
        Error::Io {
            path: path.as_ref().display().to_string(),
            detail: detail.to_string(),
        }
    }

    /// The protocol rule this error reports, if it is a protocol error.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Error, Rule};
    /// let e = Error::protocol(Rule::StartNegative, Some(1), Some(0), "start is -1");
    /// assert_eq!(e.rule(), Some(Rule::StartNegative));
    /// assert_eq!(
    ///     e.to_string(),
    ///     "protocol rule `start_negative` broken (rank 1, dimension 0): start is -1"
    /// );
    /// assert_eq!(Error::InvalidArgument("x".into()).rule(), None);
    /// ```
    pub fn rule(&self) -> Option<Rule> {
        match self {
            Error::Protocol { rule, .. } => Some(*rule),
            _ => None,
        }
    }

    /// Shorthand for a protocol error.
    pub fn protocol(
        rule: Rule,
        rank: Option<usize>,
        dim: Option<usize>,
        detail: impl Into<String>,
    ) -> Error {
        Error::Protocol {
            rule,
            rank,
            dim,
            detail: detail.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_snake_case() {
        assert_eq!(Rule::StopGtSize.id(), "stop_gt_size");
        assert_eq!(Rule::BlockSizeLt1.id(), "block_size_lt_1");
        assert_eq!(
            Rule::CommPaddingMismatchWithNeighbour.to_string(),
            "comm_padding_mismatch_with_neighbour"
        );
    }

    #[test]
    fn io_errors_convert_with_and_without_a_path() {
        fn read(path: &str) -> Result<Vec<u8>> {
            Ok(std::fs::read(path)?)
        }
        let e = read("/nonexistent/distarray-file").unwrap_err();
        let Error::Io { path, detail } = &e else {
            panic!("{e:?}")
        };
        assert!(path.is_empty());
        assert_eq!(e.to_string(), *detail, "no path, no leading ': '");
        let e = Error::io("/x/y.npy", "truncated");
        assert_eq!(e.to_string(), "/x/y.npy: truncated");
    }

    #[test]
    fn a_diverged_solve_crosses_ranks_whatever_its_residual() {
        for residual in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1.5e-3] {
            let e = Error::NotConverged {
                library: crate::bridge::Library::Petsc,
                method: "cg + jacobi".into(),
                iterations: 7,
                residual,
                reason: "DIVERGED_NANORINF".into(),
            };
            let json = serde_json::to_vec(&e).unwrap();
            let back: Error = serde_json::from_slice(&json).unwrap();
            assert_eq!(back.to_string(), e.to_string());
            let Error::NotConverged { residual: r, .. } = back else {
                panic!("{back:?}")
            };
            assert!(r == residual || (r.is_nan() && residual.is_nan()));
        }
    }

    #[test]
    fn errors_round_trip_through_json() {
        let e = Error::protocol(Rule::StartNegative, Some(1), Some(0), "start is -1");
        let s = serde_json::to_string(&e).unwrap();
        let back: Error = serde_json::from_str(&s).unwrap();
        assert_eq!(back, e);
        assert_eq!(
            e.to_string(),
            "protocol rule `start_negative` broken (rank 1, dimension 0): start is -1"
        );
    }
}
