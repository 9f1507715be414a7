//! Agents named on the command line, and lineage plots, resolved against
//! the archive: a folder is an agent as it is; `RUN/ID` is written out from
//! its commit by `clade_agent_bench::variant_agent`.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// (label, folder) for each agent argument; `RUN/ID` variants are written
/// under `scratch`.
pub fn resolve_agents(
    repo: &Path,
    specs: &[String],
    scratch: &Path,
) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut archive = None;
    let mut agents = Vec::new();
    for spec in specs {
        let path = Path::new(spec);
        if path.is_dir() {
            agents.push((spec.clone(), path.to_path_buf()));
            continue;
        }
        if !spec.contains('/') {
            anyhow::bail!("{spec}: no such agent folder, and not a RUN/ID variant");
        }
        if archive.is_none() {
            archive = Some(
                crate::commands::review::open(repo)
                    .with_context(|| format!("{spec} is no folder"))?,
            );
        }
        if let Some(archive) = &archive {
            agents.push(clade_agent_bench::variant_agent(archive, spec, scratch)?);
        }
    }
    Ok(agents)
}

/// Writes the lineage plot of `run` to `path`.
pub fn write(repo: &Path, run: &str, path: &Path) -> anyhow::Result<()> {
    let archive = crate::commands::review::open(repo)?;
    let (nodes, higher) = clade_agent_bench::lineage_nodes(&archive, run)?;
    let title = format!("{run}: {} variants", nodes.len());
    let svg = clade_agent_bench::svg::lineage(&title, "score", higher, &nodes);
    std::fs::write(path, svg).with_context(|| format!("writing {}", path.display()))
}
