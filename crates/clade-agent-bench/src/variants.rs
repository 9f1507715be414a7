//! Agents and lineages from the archive: a `RUN/ID` variant of an
//! agent-evolution run written out as an agent folder (so it is compared
//! exactly like a folder in the working tree, and shares its results when
//! its sources are the same), and a run's variants as the points of a
//! lineage plot.
//!
//! An agent-evolution run's target root (`[target] root` of the config it
//! was started with) is the agent's folder, relative to the repository.

use std::path::{Path, PathBuf};

use clade_archive::{Archive, Direction};

use crate::BenchError;
use crate::svg::LineageNode;

/// Writes the agent of variant `spec` (`RUN/ID` or a commit prefix) under
/// `scratch`; returns its label and folder.
pub fn variant_agent(
    archive: &Archive,
    spec: &str,
    scratch: &Path,
) -> Result<(String, PathBuf), BenchError> {
    let (run, id) = archive.resolve(spec)?;
    let root = agent_root(&archive.run_config(&run)?).ok_or_else(|| {
        BenchError::Invalid(format!(
            "{run}/{id}: the run's config names no agent folder ([target] root)"
        ))
    })?;
    let variant = archive.variant(&run, id)?;
    let files = archive.files_in_commit(&variant.commit, &root)?;
    let dir = scratch.join(format!("{}-{id}", sanitize(&run)));
    for (path, bytes) in files {
        let rel = path
            .strip_prefix(&root)
            .map(|p| p.trim_start_matches('/'))
            .unwrap_or(&path);
        let target = dir.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(BenchError::io("create", parent))?;
        }
        std::fs::write(&target, bytes).map_err(BenchError::io("write", &target))?;
    }
    if !dir.join("src").is_dir() || !dir.join("prompts").is_dir() {
        return Err(BenchError::Invalid(format!(
            "{run}/{id} is not an agent: {root}/ in its commit has no src/ and prompts/"
        )));
    }
    Ok((format!("{run}/{id}"), dir))
}

/// `[target] root` of a run's config text, without a leading `./`.
fn agent_root(config: &str) -> Option<String> {
    let value: toml::Table = toml::from_str(config).ok()?;
    let root = value.get("target")?.get("root")?.as_str()?;
    let root = root.trim_start_matches("./").trim_end_matches('/');
    (!root.is_empty() && root != "." && !root.split('/').any(|c| c == ".."))
        .then(|| root.to_string())
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A run's variants as lineage points, and whether higher scores are better.
pub fn lineage_nodes(archive: &Archive, run: &str) -> Result<(Vec<LineageNode>, bool), BenchError> {
    let higher = archive.run(run)?.direction == Direction::Maximize;
    let nodes = archive
        .variants(run)?
        .into_iter()
        .map(|v| LineageNode {
            id: v.meta.id,
            parent: v.meta.parent,
            // An agent-evolution run records its loop's generation.
            generation: v
                .meta
                .metrics
                .get("generation")
                .map_or(v.meta.generation, |g| *g as u64),
            score: v.meta.score.filter(|_| v.meta.is_validated()),
        })
        .collect();
    Ok((nodes, higher))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agent_root_comes_from_the_target_table() {
        assert_eq!(
            agent_root("[target]\nroot = \"./agents/seed/\"\nfiles = []\n").as_deref(),
            Some("agents/seed")
        );
        assert_eq!(agent_root("[target]\nroot = \".\"\n"), None);
        assert_eq!(agent_root("[target]\nroot = \"../x\"\n"), None);
        assert_eq!(agent_root("[run]\nseed = 1\n"), None);
        assert_eq!(agent_root("not toml ["), None);
    }
}
