//! Clade's archive: every variant evolution finds is a git commit.
//!
//! Layout in the target repository (or in a bare `.clade/archive.git` when
//! the target is not a git repository):
//!
//! - each variant is a commit whose tree is the full candidate tree and whose
//!   first parent is its parent variant's commit; the seed's parent is the
//!   commit the run started from, so `git diff <start> <variant>` is the whole
//!   evolved change;
//! - `refs/clade/<run>/v/<id>` (validated) and `refs/clade/<run>/r/<id>`
//!   (rejected) keep every variant reachable, through `git gc --prune=now`;
//!   `refs/clade/<run>/run` holds the run's config and seed;
//! - `refs/clade-results/<key>` holds host-written results (an agent
//!   benchmark's per-task outcomes and transcripts), see [`ResultStore`];
//! - the metadata of each variant is a JSON note on `refs/notes/clade`
//!   ([`VariantMeta`]): `git notes --ref=clade show <commit>` prints it;
//! - the prompts and replies that produced it are a JSON note on
//!   `refs/notes/clade-transcripts` ([`Transcript`]), read only on demand.
//!
//! Writing never touches the working tree, the index, HEAD or branches; only
//! [`Archive::create_branch`] and [`Archive::promote`] do, when asked.
//!
//! Git is the only source of truth: opening rebuilds the in-memory index and
//! the [`Population`] from refs and notes, so after a crash at any moment the
//! archive holds exactly the variants whose ref was written. This crate is the
//! only one in Clade that uses git2.

mod archive;
mod direction;
mod error;
mod meta;
pub mod population;
mod results;
mod review;
mod snapshot;
mod store;
mod text;
mod transcript;

pub use archive::{Archive, NewVariant, TreeSource, Variant, validate_run_name};
pub use direction::Direction;
pub use error::ArchiveError;
pub use meta::{
    Instruction, Reflection, RunRecord, SandboxStats, Timings, VariantMeta, VariantStatus,
};
pub use population::{
    FeatureDimension, InspirationSource, Population, PopulationConfig, Rng, Selection,
};
pub use results::{RESULTS_ROOT, ResultStore, agent_extras_key};
pub use review::{FileDiff, unified_diff};
pub use snapshot::write_snapshot;
pub use text::printable;
pub use transcript::{Exchange, ExchangeKind, Role, Transcript, TranscriptMessage};
