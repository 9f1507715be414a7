//! `clade evolve-agent`: the agent improves its own code — the Darwin Gödel
//! Machine's loop, with the host owning everything that decides a score.
//!
//! An agent-evolution run is an ordinary Clade run in the archive whose
//! target is the agent folder (`agents/<name>`): each agent is a variant
//! commit, so `clade tree`, `show`, `diff`, `branch` and `promote` work on
//! its lineage unchanged. One child ([`evolve`]):
//!
//! 1. a parent drawn by DGM's rule, p ∝ sigmoid(λ(score − 0.5)) / (1 +
//!    children) ([`select`]);
//! 2. an entry: one of the parent's failed *train* runs, or a special entry
//!    when its runs were mostly empty or out of budget;
//! 3. a diagnosis by the meta model from a host-owned prompt
//!    ([`diagnose`]): the parent's files, the task statement and visible
//!    tests, the host-written transcript, the final diff, the hidden verdict
//!    as counts only, and the changes its ancestors already made;
//! 4. the self-edit: the *parent's own program* runs a self-improvement
//!    task on a copy of its folder; an unchanged folder is `empty_patch`;
//! 5. the child is built (`build_failed`) and run on the canary with a
//!    canned reply (`canary_failed`) before it costs a call;
//! 6. stage 1 on train tasks, stage 2 on the validate split when stage 1
//!    reaches the seed's rate minus a margin ([`stages`]); every task result
//!    is a `clade bench agents` result in the result store, shared with
//!    every later comparison and never recomputed;
//! 7. the child is recorded, kept (`keep_all`, the default) or not
//!    (`keep_better`: below the seed).
//!
//! The host owns the meters, limits, models, keys, seeds, sandbox and its
//! flags, templates, SDK, tasks, hidden tests, grading, transcripts,
//! selection, thresholds and archive writes; none of it lies under the agent
//! folder, and a self-edit can write only `src/**/*.rs` and `prompts/*.md`
//! of its copy.

mod child;
mod config;
pub mod diagnose;
mod error;
mod events;
mod evolve;
pub mod record;
pub mod select;
mod setup;
pub mod stages;

pub use config::{
    ArchivePolicy, BudgetSection, CanarySection, EvolveConfig, LlmSection, RunSection,
    SelectionSection, StageSection, TargetSection,
};
pub use error::EvolveAgentError;
pub use events::{ChildRejection, Event, Step, StopReason};
pub use evolve::{Options, Summary, evolve};
