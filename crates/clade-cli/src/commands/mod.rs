//! One module per command group.

pub mod agent;
pub mod bench;
pub mod bench_agents;
pub mod evolve_agent;
pub mod gc;
pub mod import;
mod lineage;
pub mod model;
pub mod review;
pub mod run;
pub mod sandbox;
mod sandbox_bench;
pub mod serve;
pub mod tasks;
pub mod worker;
