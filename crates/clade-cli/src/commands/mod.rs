//! One module per command group.

pub mod review;
pub mod sandbox;
mod sandbox_bench;
