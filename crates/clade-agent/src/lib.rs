//! Clade's agent logic: from a parent program to a candidate, through an LLM
//! reply. Pure: no I/O, no async, no clocks; it builds for `wasm32-wasip1` so
//! the agent can later run inside the sandbox.
//!
//! - [`build_prompt`] renders the templates (see `agents/seed/prompts/`) for
//!   an [`Operator`]: diff, rewrite, crossover or fix;
//! - [`parse_reply`] turns a model's reply into [`Edit`]s, tolerating the
//!   sloppiness of real models;
//! - [`apply_edits`] applies them to the evolvable files, enforcing the
//!   `EVOLVE-BLOCK-START` / `EVOLVE-BLOCK-END` regions, and returns a
//!   [`Candidate`] with its unified diff, or a [`Rejection`] that says
//!   precisely what was wrong (it becomes feedback for a FIX prompt);
//! - [`grammar`] writes the GBNF grammar a local model's SEARCH/REPLACE
//!   reply is held to.

mod apply;
mod called;
mod diff;
pub mod grammar;
pub mod instruct;
pub mod normalize;
mod operators;
mod parse;
mod prompt;
pub mod prose;
pub mod reflect;
pub mod regions;

pub use apply::{Candidate, Rejection, Workspace, apply_edits, apply_reply, candidate_between};
pub use diff::unified as unified_diff;
pub use operators::{Operator, OperatorMix};
pub use parse::{Edit, ParseError, parse_reply};
pub use prompt::{
    Attempt, Guidance, Program, Prompt, PromptInput, Templates, asks_for_blocks, build_prompt,
    build_prompt_with, fenced, render, single_region, truncate,
};
