//! Trusted scorers for the geometry benchmarks: a candidate prints a
//! solution, these functions validate it exactly and compute its metric. A
//! candidate never scores itself: anything but the solution (a printed score,
//! extra lines, NaN) is a rejection with a precise reason.
//!
//! The function benchmarks' host skeletons live here too: [`bin_packing`]
//! (FunSearch's online protocol) and [`tsp`] (ReEvo's constructive
//! protocol) call the evolved function and own everything else.
//!
//! Groundwork for the benchmark suite (issue 7): the builtin-scorer wiring,
//! the sandbox call mode, the benchmark folders and `clade bench` come with
//! `clade run`.

pub mod bin_packing;
mod geometry;
mod parse;
pub mod sorting_network;
pub mod tsp;

pub use geometry::{circle_packing, heilbronn_triangle, min_max_distance};

/// Why a solution is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Rejection(pub String);
