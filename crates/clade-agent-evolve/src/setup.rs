//! Before the loop: the repository, the run (new, or the one to resume, with
//! its stored config), the models, and the signal watcher. Nothing here
//! makes or judges an agent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clade_archive::{Archive, Direction, PopulationConfig, RunRecord};

use crate::EvolveAgentError;
use crate::config::EvolveConfig;
use crate::evolve::Options;
use crate::record;

/// What a stored config says instead of an extra header's value.
const REDACTED: &str = "[redacted]";

/// The repository's top folder (the worktree's, in a linked worktree).
pub(crate) fn repo_root(archive: &Archive) -> Result<PathBuf, EvolveAgentError> {
    if !archive.has_working_tree() {
        return Err(EvolveAgentError::Setup(
            "evolve-agent needs a git repository with a working tree holding the agent".into(),
        ));
    }
    archive
        .workdir()
        .map(Path::to_path_buf)
        .ok_or_else(|| EvolveAgentError::Setup("the repository has no working tree".into()))
}

/// The run to make or continue, and its config.
pub(crate) fn resolve_run(
    archive: &mut Archive,
    repo_root: &Path,
    options: &Options,
) -> Result<(String, EvolveConfig, bool), EvolveAgentError> {
    if let Some(wanted) = &options.resume {
        let name = match wanted {
            Some(name) => name.clone(),
            None => latest_agent_run(archive)?,
        };
        let text = archive.run_config(&name)?;
        let mut config = EvolveConfig::parse(&text)
            .ok()
            .filter(|c| !c.target.root.is_empty())
            .ok_or_else(|| {
                EvolveAgentError::Setup(format!("{name} is not an agent-evolution run"))
            })?;
        // A resumed run may be given a new length; the rest is as it began,
        // but for the header values the archive does not keep.
        override_length(&mut config, options);
        restore_headers(&mut config, &options.config)?;
        config.validate().map_err(EvolveAgentError::Setup)?;
        return Ok((name, config, true));
    }
    let agent = options.agent.as_deref().ok_or_else(|| {
        EvolveAgentError::Setup("name the agent folder (e.g. agents/seed)".into())
    })?;
    let suite = options
        .suite
        .as_deref()
        .ok_or_else(|| EvolveAgentError::Setup("name the task suite with --suite".into()))?;
    let mut config = options.config.clone();
    override_length(&mut config, options);
    config.target.root = relative(repo_root, agent)?;
    config.target.suite = relative(repo_root, suite)?;
    for dir in ["src", "prompts"] {
        if !agent.join(dir).is_dir() {
            return Err(EvolveAgentError::Setup(format!(
                "{} is not an agent folder: it has no {dir}/",
                agent.display()
            )));
        }
    }
    config.validate().map_err(EvolveAgentError::Setup)?;
    let base_commit = archive.head_commit();
    committed_seed(archive, base_commit.as_deref(), agent, &config.target.root)?;
    let name = config.run.name.clone().unwrap_or_else(|| {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        format!("agents-{secs}")
    });
    let record = RunRecord {
        name: name.clone(),
        seed: config.run.seed,
        base_commit,
        direction: Direction::Maximize,
        population: PopulationConfig::default(),
        created_ms: 0,
    };
    let text = redacted(&config)
        .to_toml()
        .map_err(EvolveAgentError::Setup)?;
    archive.create_run(record, &text)?;
    Ok((name, config, false))
}

/// The seed agent is the folder as committed: a resumed run evaluates the
/// same seed however the working tree changed since. Uncommitted changes
/// to its sources or prompts are refused, naming a file.
fn committed_seed(
    archive: &Archive,
    base_commit: Option<&str>,
    agent: &Path,
    root: &str,
) -> Result<(), EvolveAgentError> {
    let Some(base) = base_commit else {
        return Err(EvolveAgentError::Setup(
            "the repository has no commit yet: commit the agent folder first".into(),
        ));
    };
    let committed = record::agent_files_at(archive, base, root)?;
    let working = clade_agent_host::self_improve::agent_files(agent)?;
    let changed = working
        .iter()
        .find(|(path, text)| committed.get(*path) != Some(*text))
        .map(|(path, _)| path.clone())
        .or_else(|| {
            committed
                .keys()
                .find(|path| !working.contains_key(*path))
                .cloned()
        });
    match changed {
        None => Ok(()),
        Some(path) => Err(EvolveAgentError::Setup(format!(
            "{root}/{path} differs from the last commit: the seed agent is the committed folder, \
             so commit (or discard) its changes first"
        ))),
    }
}

/// `--generations` and `--children` over the config's.
fn override_length(config: &mut EvolveConfig, options: &Options) {
    if let Some(g) = options.generations {
        config.run.generations = g;
    }
    if let Some(c) = options.children {
        config.run.children = c;
    }
}

/// The config as the archive keeps it: every model's extra header values
/// (which may carry a token) redacted.
fn redacted(config: &EvolveConfig) -> EvolveConfig {
    let mut stored = config.clone();
    for model in [&mut stored.llm.task, &mut stored.llm.meta]
        .into_iter()
        .flatten()
    {
        for value in model.extra_headers.values_mut() {
            *value = REDACTED.into();
        }
    }
    stored
}

/// A resumed run's extra header values, from the same model (by label) of
/// the config given now.
fn restore_headers(
    stored: &mut EvolveConfig,
    given: &EvolveConfig,
) -> Result<(), EvolveAgentError> {
    let sources: Vec<&clade_llm::ModelConfig> = [&given.llm.task, &given.llm.meta]
        .into_iter()
        .flatten()
        .collect();
    for model in [&mut stored.llm.task, &mut stored.llm.meta]
        .into_iter()
        .flatten()
    {
        let label = model.label();
        let source: BTreeMap<String, String> = sources
            .iter()
            .find(|m| m.label() == label)
            .map(|m| m.extra_headers.clone())
            .unwrap_or_default();
        for (name, value) in model.extra_headers.iter_mut() {
            if value == REDACTED {
                *value = source.get(name).cloned().ok_or_else(|| {
                    EvolveAgentError::Setup(format!(
                        "the run's model {label} sends the header {name}, which the archive keeps \
                         redacted: pass --config with that model and header to resume"
                    ))
                })?;
            }
        }
    }
    Ok(())
}

/// The most recent run whose config is an agent-evolution config.
fn latest_agent_run(archive: &Archive) -> Result<String, EvolveAgentError> {
    let mut runs: Vec<(u64, String)> = archive
        .runs()
        .map(|r| (r.created_ms, r.name.clone()))
        .collect();
    runs.sort();
    runs.into_iter()
        .rev()
        .map(|(_, name)| name)
        .find(|name| {
            archive
                .run_config(name)
                .ok()
                .and_then(|t| EvolveConfig::parse(&t).ok())
                .is_some_and(|c| !c.target.root.is_empty())
        })
        .ok_or_else(|| {
            EvolveAgentError::Setup("no agent-evolution run to resume in this archive".into())
        })
}

/// `path` relative to the repository root, `/`-separated.
fn relative(root: &Path, path: &Path) -> Result<String, EvolveAgentError> {
    let absolute = path
        .canonicalize()
        .map_err(EvolveAgentError::io("find", path))?;
    let root = root
        .canonicalize()
        .map_err(EvolveAgentError::io("find", root))?;
    let rel = absolute.strip_prefix(&root).map_err(|_| {
        EvolveAgentError::Setup(format!(
            "{} is outside the repository {}",
            path.display(),
            root.display()
        ))
    })?;
    let text = rel
        .to_str()
        .ok_or_else(|| EvolveAgentError::Setup(format!("{} is not a UTF-8 path", rel.display())))?;
    if text.is_empty() {
        return Err(EvolveAgentError::Setup(
            "the agent folder must be a folder inside the repository, not its root".into(),
        ));
    }
    Ok(text.to_string())
}

/// A model's config, the built-in local model when none is given.
pub(crate) fn model_config(
    model: Option<clade_llm::ModelConfig>,
    home: &Path,
) -> Result<clade_llm::ModelConfig, EvolveAgentError> {
    let mut model = match model {
        Some(model) => model,
        None => clade_evolve::default_models(home)
            .map_err(|e| EvolveAgentError::Setup(e.to_string()))?
            .remove(0),
    };
    clade_evolve::resolve_local_model(&mut model, home)
        .map_err(|e| EvolveAgentError::Setup(e.to_string()))?;
    Ok(model)
}

/// SIGINT/SIGTERM: the first sets `stop`, the second exits at once (every
/// recorded agent and stored result is already durable).
pub(crate) fn watch_signals(stop: Arc<AtomicBool>) {
    let _ = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                let mut count = clade_evolve::signals::counted();
                while let Some(n) = count.recv().await {
                    if n >= 2 {
                        std::process::exit(130);
                    }
                    stop.store(true, Ordering::SeqCst);
                }
            });
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_header(value: &str) -> EvolveConfig {
        let mut config = EvolveConfig::default();
        let mut model = clade_llm::ModelConfig::new(clade_llm::ProviderKind::Openai, "m");
        model.extra_headers.insert("x-token".into(), value.into());
        config.llm.task = Some(model);
        config
    }

    #[test]
    fn header_values_are_stored_redacted_and_restored_from_the_given_config() {
        let stored = redacted(&with_header("secret-123"));
        let text = stored.to_toml().unwrap();
        assert!(
            !text.contains("secret-123") && text.contains(REDACTED),
            "{text}"
        );
        let mut back = EvolveConfig::parse(&text).unwrap();
        restore_headers(&mut back, &with_header("secret-123")).unwrap();
        assert_eq!(
            back.llm.task.unwrap().extra_headers["x-token"],
            "secret-123"
        );
        let mut missing = EvolveConfig::parse(&text).unwrap();
        let err = restore_headers(&mut missing, &EvolveConfig::default()).unwrap_err();
        assert!(err.to_string().contains("x-token"), "{err}");
    }
}
