//! The run in the archive: every agent is a variant commit whose tree is
//! the repository's with the agent folder changed, so `clade tree`, `show`,
//! `diff`, `branch` and `promote` work on agent lineages unchanged. The
//! note's metrics carry what the loop needs to resume (`generation`,
//! `stage1`, `stage`), and the host-written extras (the diagnosis, the
//! self-edit's transcript, re-evaluated scores) live in the result store
//! under `agent-evolve/<run>/<id>`.
//!
//! Only the agent's evolvable files (`src/**/*.rs`, `prompts/*.md`) are
//! ever written; the rest of the tree is the base commit's.

use std::collections::BTreeMap;
use std::path::Path;

use clade_archive::{Archive, NewVariant, ResultStore, TreeSource, VariantMeta, VariantStatus};
use serde::{Deserialize, Serialize};

use crate::EvolveAgentError;

/// What the loop knows of a recorded agent.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentRecord {
    pub id: u64,
    pub parent: Option<u64>,
    /// The loop's generation (0 for the seed).
    pub generation: u64,
    pub validated: bool,
    /// Pass rate over every task run (re-evaluations included).
    pub score: Option<f64>,
    pub stage1: Option<f64>,
    /// The last stage it ran (0: none, 1, 2).
    pub stage: u8,
    pub commit: String,
}

/// The agents of `run`, in id order.
pub fn records(
    archive: &Archive,
    store: &ResultStore,
    run: &str,
) -> Result<Vec<AgentRecord>, EvolveAgentError> {
    let mut out = Vec::new();
    for v in archive.variants(run)? {
        let m = &v.meta;
        let rescored = read_extra::<Rescored>(store, run, m.id, "score.json")?;
        out.push(AgentRecord {
            id: m.id,
            parent: m.parent,
            generation: m.metrics.get("generation").map_or(0, |g| *g as u64),
            validated: m.is_validated(),
            score: rescored.map(|r| r.score).or(m.score),
            stage1: m.metrics.get("stage1").copied(),
            stage: m.metrics.get("stage").map_or(0, |s| *s as u8),
            commit: v.commit.clone(),
        });
    }
    Ok(out)
}

/// A score after re-evaluation with more repeats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rescored {
    pub repeats: u32,
    pub score: f64,
}

/// The evolvable files of the agent folder `root` in `commit` (paths
/// relative to the folder).
pub fn agent_files_at(
    archive: &Archive,
    commit: &str,
    root: &str,
) -> Result<BTreeMap<String, String>, EvolveAgentError> {
    let mut files = BTreeMap::new();
    for (path, bytes) in archive.files_in_commit(commit, root)? {
        let rel = path
            .strip_prefix(root)
            .map(|p| p.trim_start_matches('/'))
            .unwrap_or(&path)
            .to_string();
        if is_evolvable(&rel) {
            let text = String::from_utf8(bytes).map_err(|_| {
                EvolveAgentError::Setup(format!("{root}/{rel} in {commit} is not UTF-8"))
            })?;
            files.insert(rel, text);
        }
    }
    Ok(files)
}

/// `src/**/*.rs` and `prompts/*.md`: what self-improvement may change.
pub fn is_evolvable(rel: &str) -> bool {
    (rel.starts_with("src/") && rel.ends_with(".rs"))
        || (rel.starts_with("prompts/") && rel.ends_with(".md") && rel.matches('/').count() == 1)
}

/// The tree changes (repository paths) that turn `before` into `after`.
pub fn changes(
    root: &str,
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Vec<(String, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    for (path, text) in after {
        if before.get(path) != Some(text) {
            out.push((format!("{root}/{path}"), Some(text.clone().into_bytes())));
        }
    }
    for path in before.keys().filter(|p| !after.contains_key(*p)) {
        out.push((format!("{root}/{path}"), None));
    }
    out
}

/// Writes `files` into a fresh folder `dir` (with an empty `prompts/` when
/// there are no prompts, so the folder is an agent).
pub fn materialize(files: &BTreeMap<String, String>, dir: &Path) -> Result<(), EvolveAgentError> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(EvolveAgentError::io("remove", dir))?;
    }
    std::fs::create_dir_all(dir.join("prompts")).map_err(EvolveAgentError::io("create", dir))?;
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(EvolveAgentError::io("create", parent))?;
        }
        std::fs::write(&path, text).map_err(EvolveAgentError::io("write", &path))?;
    }
    Ok(())
}

/// What to record of one agent.
pub struct NewAgent {
    pub parent: Option<u64>,
    pub changes: Vec<(String, Option<Vec<u8>>)>,
    pub generation: u64,
    pub validated: bool,
    pub reason: Option<String>,
    pub feedback: Option<String>,
    pub score: Option<f64>,
    pub metrics: BTreeMap<String, f64>,
    pub model: String,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_usd: f64,
}

/// Records an agent as a variant; returns its id.
pub fn insert(archive: &mut Archive, run: &str, agent: NewAgent) -> Result<u64, EvolveAgentError> {
    let mut metrics = agent.metrics;
    metrics.insert("generation".into(), agent.generation as f64);
    let meta = VariantMeta {
        status: Some(if agent.validated {
            VariantStatus::Validated
        } else {
            VariantStatus::Rejected
        }),
        reason: agent.reason,
        feedback: agent.feedback,
        score: agent.score.filter(|_| agent.validated),
        metrics,
        operator: Some(
            if agent.parent.is_some() {
                "self_edit"
            } else {
                "seed"
            }
            .into(),
        ),
        model: Some(agent.model),
        tokens_in: Some(agent.tokens_in),
        tokens_out: Some(agent.tokens_out),
        cost_usd: Some(agent.cost_usd),
        ..VariantMeta::default()
    };
    let variant = archive.insert(
        run,
        NewVariant {
            parent: agent.parent,
            tree: TreeSource::Files(agent.changes),
            meta,
            transcript: None,
        },
    )?;
    Ok(variant.meta.id)
}

/// The store key of the run's own extras (re-evaluation plans).
fn run_key(run: &str) -> String {
    format!("agent-evolve/{run}/run")
}

/// A run-level JSON extra, if recorded.
pub fn read_run_extra<T: for<'de> Deserialize<'de>>(
    store: &ResultStore,
    run: &str,
    name: &str,
) -> Result<Option<T>, EvolveAgentError> {
    let Some(files) = store.get(&run_key(run))? else {
        return Ok(None);
    };
    Ok(files.get(name).and_then(|b| serde_json::from_slice(b).ok()))
}

/// Every run-level extra (name → bytes).
pub fn run_extras(
    store: &ResultStore,
    run: &str,
) -> Result<BTreeMap<String, Vec<u8>>, EvolveAgentError> {
    Ok(store.get(&run_key(run))?.unwrap_or_default())
}

/// Writes a run-level extra (merged with what is there).
pub fn write_run_extra(
    store: &ResultStore,
    run: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Result<(), EvolveAgentError> {
    let key = run_key(run);
    let mut all = store.get(&key)?.unwrap_or_default();
    all.insert(name.to_string(), bytes);
    store.put(&key, &all.into_iter().collect::<Vec<_>>())?;
    Ok(())
}

/// The store key of an agent's extras.
pub fn extra_key(run: &str, id: u64) -> String {
    clade_archive::agent_extras_key(run, id)
}

/// Writes host-made extras of agent `id` (merged with what is there).
pub fn write_extras(
    store: &ResultStore,
    run: &str,
    id: u64,
    files: Vec<(String, Vec<u8>)>,
) -> Result<(), EvolveAgentError> {
    let key = extra_key(run, id);
    let mut all: BTreeMap<String, Vec<u8>> = store.get(&key)?.unwrap_or_default();
    all.extend(files);
    store.put(&key, &all.into_iter().collect::<Vec<_>>())?;
    Ok(())
}

/// One JSON extra of agent `id`, if recorded.
pub fn read_extra<T: for<'de> Deserialize<'de>>(
    store: &ResultStore,
    run: &str,
    id: u64,
    name: &str,
) -> Result<Option<T>, EvolveAgentError> {
    let Some(files) = store.get(&extra_key(run, id))? else {
        return Ok(None);
    };
    Ok(files
        .get(name)
        .and_then(|bytes| serde_json::from_slice(bytes).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn changes_name_new_changed_and_removed_files_under_the_root() {
        let before = map(&[
            ("src/main.rs", "a"),
            ("prompts/x.md", "x"),
            ("src/old.rs", "o"),
        ]);
        let after = map(&[
            ("src/main.rs", "b"),
            ("prompts/x.md", "x"),
            ("src/new.rs", "n"),
        ]);
        let got = changes("agents/seed", &before, &after);
        assert_eq!(
            got,
            vec![
                ("agents/seed/src/main.rs".to_string(), Some(b"b".to_vec())),
                ("agents/seed/src/new.rs".to_string(), Some(b"n".to_vec())),
                ("agents/seed/src/old.rs".to_string(), None),
            ]
        );
        assert!(changes("a", &before, &before).is_empty());
    }

    #[test]
    fn only_sources_and_top_level_prompts_are_evolvable() {
        assert!(is_evolvable("src/main.rs"));
        assert!(is_evolvable("src/a/b.rs"));
        assert!(is_evolvable("prompts/solve.md"));
        assert!(!is_evolvable("prompts/x/y.md"));
        assert!(!is_evolvable("agent.toml"));
        assert!(!is_evolvable("src/notes.md"));
        assert!(!is_evolvable("Cargo.toml"));
    }
}
