//! `clade bench`: the shipped benchmarks (folders under `benchmarks/` with a
//! `clade.toml`) and scoring a solution against one without a run: an output
//! file for program benchmarks, or a candidate crate (built and evaluated in
//! the sandbox exactly as `clade run` would) for any benchmark.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clade_sandbox::{Builder, BuilderConfig, Runner, RunnerConfig};
use serde::Serialize;

use crate::builtins::{self, Scorer};
use crate::config::{BuildKind, Config, ScorerConfig};
use crate::error::EvolveError;
use crate::evaluate::{Evaluation, Evaluator};
use crate::project::{Project, find_crate, is_program_file};
use crate::rejection::Rejection;
use crate::scoring::{self, Metrics};

/// One shipped benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct Benchmark {
    pub name: String,
    pub dir: PathBuf,
    /// `program` (its output is scored) or `function` (its export is called).
    pub kind: String,
    pub scorer: String,
    pub metric: String,
    pub direction: String,
    /// The README's first line.
    pub title: String,
    /// A builtin's best published number, with its source (empty for
    /// other scorers).
    pub reference: String,
}

/// The benchmarks under `root`, by name.
pub fn list(root: &Path) -> Result<Vec<Benchmark>, EvolveError> {
    let entries = std::fs::read_dir(root).map_err(EvolveError::io("read", root))?;
    let mut found = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let dir = entry.path();
        if !dir.join("clade.toml").is_file() {
            continue;
        }
        let config = Config::load(&dir)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let (kind, scorer, reference) = match &config.evaluate.scorer {
            ScorerConfig::Builtin { builtin, .. } => {
                let found = builtins::find(builtin).map_err(EvolveError::Setup)?;
                (found.kind(), builtin.clone(), found.reference.to_string())
            }
            ScorerConfig::Named(named) => ("program", named.clone(), String::new()),
            ScorerConfig::Command { command } => ("program", command.join(" "), String::new()),
            ScorerConfig::Evaluator { evaluator, .. } => (
                "program",
                format!("evaluator {}", evaluator.display()),
                String::new(),
            ),
        };
        let title = std::fs::read_to_string(dir.join("README.md"))
            .ok()
            .and_then(|t| {
                t.lines()
                    .next()
                    .map(|l| l.trim_start_matches("# ").to_string())
            })
            .unwrap_or_default();
        found.push(Benchmark {
            name,
            dir,
            kind: kind.into(),
            scorer,
            metric: config.evaluate.metric.clone(),
            direction: format!("{:?}", config.evaluate.direction).to_lowercase(),
            title,
            reference,
        });
    }
    found.sort_by_key(|b| natural_key(&b.name));
    Ok(found)
}

/// Sorts `sorting-network-9` before `sorting-network-10`.
fn natural_key(name: &str) -> (String, u64) {
    let digits: String = name
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let stem = name[..name.len() - digits.len()].to_string();
    (stem, digits.parse().unwrap_or(0))
}

/// Scores `solution` against the benchmark in `bench_dir`: a folder is a
/// candidate crate (built and evaluated in the sandbox), a file is a program
/// benchmark's output.
pub fn score(bench_dir: &Path, solution: &Path, home: &Path) -> Result<Evaluation, EvolveError> {
    let config = Config::load(bench_dir)?;
    if solution.is_dir() {
        return score_crate(&config, solution, home);
    }
    let output = std::fs::read(solution).map_err(EvolveError::io("read", solution))?;
    let metric = &config.evaluate.metric;
    let metrics: Result<Metrics, String> = match &config.evaluate.scorer {
        ScorerConfig::Builtin { builtin, .. } => {
            let found = builtins::find(builtin).map_err(EvolveError::Setup)?;
            if let Scorer::Function(_) = found.scorer {
                return Err(EvolveError::Setup(format!(
                    "{builtin} is a function benchmark: its solution is a candidate crate (a folder), not an output file"
                )));
            }
            found.score_output(&output)
        }
        ScorerConfig::Named(_) => scoring::metrics_from_json_line(&output, metric),
        ScorerConfig::Command { .. } | ScorerConfig::Evaluator { .. } => {
            return Err(EvolveError::Setup(
                "scoring an output file needs a builtin or stdout-json scorer; give the candidate crate instead".into(),
            ));
        }
    };
    Ok(match metrics {
        Ok(metrics) => match metrics.get(metric) {
            Some(score) => Evaluation::Scored {
                score: *score,
                metrics,
                sandbox: Default::default(),
                build_ms: 0.0,
                eval_ms: 0.0,
            },
            None => Evaluation::Rejected {
                reason: Rejection::ScorerRejected(format!("no metric {metric:?}")),
                feedback: None,
                sandbox: Default::default(),
                build_ms: 0.0,
                eval_ms: 0.0,
            },
        },
        Err(message) => Evaluation::Rejected {
            reason: Rejection::ScorerRejected(
                message.lines().next().unwrap_or_default().to_string(),
            ),
            feedback: Some(message),
            sandbox: Default::default(),
            build_ms: 0.0,
            eval_ms: 0.0,
        },
    })
}

fn score_crate(config: &Config, solution: &Path, home: &Path) -> Result<Evaluation, EvolveError> {
    let scratch = std::env::temp_dir().join(format!("clade-bench-{}", std::process::id()));
    let (evaluator, project) = crate_evaluator(config, solution, home, &scratch)?;
    let files = project.read_evolvable()?;
    let result = evaluator.evaluate(&files, "solution", config.run.seed);
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// The evaluator of `config`'s benchmark for the candidate crate at `root`
/// (which holds the crate's committed files and its evolvable files), with
/// the module cache and build folder under `home` and scratch folders in
/// `scratch`; and the project it evaluates.
pub fn crate_evaluator(
    config: &Config,
    root: &Path,
    home: &Path,
    scratch: &Path,
) -> Result<(Evaluator, Project), EvolveError> {
    if config.target.build == BuildKind::Wasm {
        return Err(EvolveError::Setup(
            "this benchmark evolves a prebuilt module; give an output file".into(),
        ));
    }
    let python = config.target.build == BuildKind::Python;
    let root = root.canonicalize().map_err(EvolveError::io("open", root))?;
    let crate_dir = if python {
        String::new()
    } else {
        find_crate(&root, None)?
    };
    let project = Project {
        root: root.clone(),
        workdir: root.clone(),
        prefix: String::new(),
        crate_dir: Some(crate_dir.clone()),
        evolvable: config
            .target
            .files
            .iter()
            .filter(|f| root.join(f).is_file())
            .cloned()
            .collect(),
    };
    let mut crate_files = BTreeMap::new();
    let crate_root = root.join(&crate_dir);
    collect(&crate_root, "", config.target.build, &mut crate_files)?;
    let runner = Arc::new(Runner::new(RunnerConfig {
        cache_dir: Some(home.join("modules")),
        ..RunnerConfig::default()
    })?);
    let builder = if python {
        None
    } else {
        Some(Arc::new(Builder::new(BuilderConfig {
            work_dir: home.join("build"),
            ..BuilderConfig::default()
        })?))
    };
    let evaluator = Evaluator::new(
        config,
        project.clone(),
        runner,
        builder,
        crate_files,
        Vec::new(),
        scratch.to_path_buf(),
    )?
    .with_own_crate(config, None)?;
    let evaluator = if python {
        evaluator.with_python(crate::local::python_runner(home)?)
    } else {
        evaluator
    };
    Ok((evaluator, project))
}

/// `Cargo.toml`, `Cargo.lock`, `build.rs`, `src/**` and `tests/**` of a crate, crate-relative; or,
/// for a Python program, its `.py` files (not under hidden folders).
fn collect(
    dir: &Path,
    rel: &str,
    build: BuildKind,
    out: &mut BTreeMap<String, Vec<u8>>,
) -> Result<(), EvolveError> {
    let entries = std::fs::read_dir(dir).map_err(EvolveError::io("read", dir))?;
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let child = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let path = entry.path();
        if path.is_dir() {
            let wanted = if build == BuildKind::Python {
                !name.starts_with('.') && name != "__pycache__"
            } else {
                // The folders a crate build reads (project::is_crate_file).
                ["src", "tests"]
                    .iter()
                    .any(|top| child == *top || child.starts_with(&format!("{top}/")))
            };
            if wanted {
                collect(&path, &child, build, out)?;
            }
        } else if is_program_file(build, &child) {
            let bytes = std::fs::read(&path).map_err(EvolveError::io("read", &path))?;
            out.insert(child, bytes);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_naturally() {
        let mut names = vec![
            "sorting-network-10",
            "sorting-network-9",
            "circle-packing-32",
        ];
        names.sort_by_key(|n| natural_key(n));
        assert_eq!(
            names,
            vec![
                "circle-packing-32",
                "sorting-network-9",
                "sorting-network-10"
            ]
        );
    }
}
