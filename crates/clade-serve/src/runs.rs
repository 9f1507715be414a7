//! What the pages show about a run, read from the archive and the run
//! folder: its variants in id order, its state (live, finished, stopped)
//! and the figures derived from them. Reads only.

use std::collections::BTreeMap;
use std::path::Path;

use clade_archive::{Archive, Direction, VariantMeta};

/// Whether a run is going on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunStatus {
    /// Its process is alive and says it is running.
    Live,
    Finished,
    /// Stopped before its budget (interrupted, failed, or its process died):
    /// `clade run --resume` continues it.
    Stopped,
    /// No state file: made by a tool that keeps none.
    Unknown,
}

impl RunStatus {
    pub(crate) fn label(self) -> &'static str {
        match self {
            RunStatus::Live => "live",
            RunStatus::Finished => "finished",
            RunStatus::Stopped => "stopped",
            RunStatus::Unknown => "–",
        }
    }
}

/// A run's variants and what follows from them.
pub(crate) struct RunView {
    pub name: String,
    pub direction: Direction,
    pub status: RunStatus,
    /// Every variant, by id.
    pub variants: BTreeMap<u64, VariantMeta>,
    pub best: Option<u64>,
}

impl RunView {
    pub(crate) fn load(
        archive: &Archive,
        run: &str,
    ) -> Result<RunView, clade_archive::ArchiveError> {
        let record = archive.run(run)?;
        let variants = archive
            .variants(run)?
            .into_iter()
            .map(|v| (v.meta.id, v.meta))
            .collect();
        Ok(RunView {
            name: run.to_string(),
            direction: record.direction,
            status: status(archive.git_dir(), run),
            variants,
            best: archive.best(run)?,
        })
    }

    /// The highest variant id (0 for an empty run).
    pub(crate) fn last_id(&self) -> u64 {
        self.variants.keys().next_back().copied().unwrap_or(0)
    }

    pub(crate) fn validated(&self) -> usize {
        self.variants.values().filter(|m| m.is_validated()).count()
    }

    pub(crate) fn tokens(&self) -> u64 {
        self.variants
            .values()
            .map(|m| m.tokens_in.unwrap_or(0) + m.tokens_out.unwrap_or(0))
            .sum()
    }

    pub(crate) fn cost(&self) -> f64 {
        self.variants.values().filter_map(|m| m.cost_usd).sum()
    }

    pub(crate) fn best_score(&self) -> Option<f64> {
        self.variants.get(&self.best?)?.score
    }

    /// The fitness (larger is better) of a validated variant with a score.
    pub(crate) fn fitness(&self, meta: &VariantMeta) -> Option<f64> {
        meta.is_validated()
            .then_some(meta.score)
            .flatten()
            .filter(|s| s.is_finite())
            .map(|s| self.direction.fitness(s))
    }

    /// (id, best score so far) after each validated variant that improved.
    pub(crate) fn best_so_far(&self) -> Vec<(u64, f64)> {
        let mut best: Option<(f64, f64)> = None;
        let mut steps = Vec::new();
        for meta in self.variants.values() {
            let (Some(fitness), Some(score)) = (self.fitness(meta), meta.score) else {
                continue;
            };
            if best.is_none_or(|(f, _)| fitness > f) {
                best = Some((fitness, score));
                steps.push((meta.id, score));
            }
        }
        steps
    }

    /// Ids from the seed to `id`.
    pub(crate) fn path_to(&self, id: u64) -> Vec<u64> {
        let mut path = vec![];
        let mut next = Some(id);
        while let Some(current) = next.filter(|c| !path.contains(c)) {
            let Some(meta) = self.variants.get(&current) else {
                break;
            };
            path.push(current);
            next = meta.parent;
        }
        path.reverse();
        path
    }

    pub(crate) fn children(&self, id: u64) -> Vec<u64> {
        self.variants
            .values()
            .filter(|m| m.parent == Some(id))
            .map(|m| m.id)
            .collect()
    }
}

/// The reason's kind: the text before its first `:` (`build_failed`).
pub(crate) fn reason_kind(reason: &str) -> &str {
    reason.split(':').next().unwrap_or(reason).trim()
}

/// A run's state from `<git dir>/clade/runs/<run>/state.json`, which
/// `clade run` writes; "running" from a process that is gone is stopped.
fn status(git_dir: &Path, run: &str) -> RunStatus {
    let path = git_dir.join("clade/runs").join(run).join("state.json");
    let Ok(text) = std::fs::read_to_string(path) else {
        return RunStatus::Unknown;
    };
    let Ok(state) = serde_json::from_str::<serde_json::Value>(&text) else {
        return RunStatus::Unknown;
    };
    match state["status"].as_str() {
        Some("running") => {
            let alive = state["pid"]
                .as_u64()
                .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
            if alive {
                RunStatus::Live
            } else {
                RunStatus::Stopped
            }
        }
        Some("finished") => RunStatus::Finished,
        Some(_) => RunStatus::Stopped,
        None => RunStatus::Unknown,
    }
}
