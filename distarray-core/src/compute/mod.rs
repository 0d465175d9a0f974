//! Computing on distributed arrays: elementwise ufuncs and operators
//! ([`ufunc`]), reductions over all cells or along axes with the
//! reproducible sum in its own file ([`reduce`]), cumulative sums and
//! products ([`scan`]), sorting, unique values and searches ([`sort`]), quantiles, top-k,
//! partitions and histograms by distributed selection ([`order_stats`]), distributed broadcasting
//! ([`broadcast`]), deferred expressions fused into one pass ([`deferred`]) and linear algebra
//! ([`linalg`]).
//!
//! Elementwise work on arrays of one layout needs no communication;
//! reductions agree over the communicator (along an axis, over the grid
//! line's communicator the layout keeps); broadcasting moves the cells
//! an operand needs through the exchange engine ([`crate::exchange`]).

pub mod broadcast;
pub mod deferred;
pub mod linalg;
pub mod order_stats;
pub mod reduce;
pub mod scan;
pub mod sort;
pub mod ufunc;
