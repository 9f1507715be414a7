//! One module per top-level command.

pub mod sandbox;
mod sandbox_bench;
