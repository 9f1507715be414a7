//! Starting and resuming runs: find the config and the repository, evaluate
//! and record the seed (or rebuild the state of a stopped run from git), set
//! up models, sandbox and archive writer, drive the [`Controller`], and leave
//! the run folder (`<git dir>/clade/runs/<run>/`: `clade.log`, `state.json`)
//! saying how it ended.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clade_agent::Templates;
use clade_archive::{Archive, NewVariant, RunRecord, TreeSource, VariantMeta, VariantStatus};
use clade_llm::{CacheMode, Endpoint, Ensemble, Ledger, ModelConfig, ProviderKind, ResponseCache};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::backend::{EvalBackend, EvalJob};
use crate::config::{BackendKind, Config};
use crate::controller::LoopEnd;
use crate::controller::{
    Controller, FrameworkTimes, Recorded, Settings, StopReason, cut, held_back_seed, ranking_seed,
};
use crate::error::EvolveError;
use crate::evaluate::Evaluation;
use crate::events::{Best, Event, HeldBack, Totals};
use crate::project::Project;
use crate::proposal::{Shared, files_digest};
use crate::writer::{Ack, Writer};

/// How `clade run` was asked to run.
#[derive(Clone, Default)]
pub struct RunOptions {
    /// `clade.toml`, or a folder holding one.
    pub config: PathBuf,
    /// `Some(None)`: resume the most recent run; `Some(Some(name))`: that run.
    pub resume: Option<Option<String>>,
    /// Overrides `run.name` for a new run.
    pub name: Option<String>,
    /// Overrides `run.iterations` (on resume: the new total).
    pub iterations: Option<u64>,
    /// Overrides `run.seed` of a new run (a resumed run keeps its own).
    pub seed: Option<u64>,
    pub cache: CacheMode,
    /// Default: `<git dir>/clade/llm-cache`.
    pub cache_dir: Option<PathBuf>,
    /// Clade's cache home (build dir, module cache); default
    /// [`clade_sandbox::default_home`].
    pub home: Option<PathBuf>,
    /// Stop gracefully on SIGINT/SIGTERM (the CLI); off for library callers.
    pub catch_signals: bool,
    /// An agent that proposes candidates instead of the run's own prompts
    /// (`clade run --agent`).
    pub proposer: Option<Arc<dyn crate::Proposer>>,
    /// What makes remote backends (`[evaluate.backend] kind = "nats" | "slurm"`);
    /// without one such a config is refused.
    pub remote: Option<Arc<dyn crate::remote::RemoteBackends>>,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct Summary {
    pub run: String,
    pub reason: StopReason,
    pub detail: String,
    pub best: Option<Best>,
    pub seed_score: Option<f64>,
    pub totals: Totals,
    /// The best and the seed on held-back inputs (when the best is not the
    /// seed).
    pub held_back: Option<HeldBack>,
    pub git_dir: PathBuf,
    pub run_dir: PathBuf,
    pub times: FrameworkTimes,
}

/// `state.json` in the run folder.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunState {
    /// `running`, `stopped` (resumable), `finished` or `failed`.
    pub status: String,
    pub reason: Option<String>,
    pub detail: Option<String>,
    pub pid: u32,
    /// Wall time of every session so far, in seconds.
    pub elapsed_s: f64,
    pub sessions: u32,
}

/// Finds `clade.toml`: the path itself, or `clade.toml` in the folder.
pub fn locate_config(path: &Path) -> Result<PathBuf, EvolveError> {
    let file = if path.is_dir() {
        path.join("clade.toml")
    } else {
        path.to_path_buf()
    };
    if file.is_file() {
        return Ok(file);
    }
    Err(EvolveError::Setup(format!(
        "no clade.toml at {}: run `clade init` in your crate's repository to create one, \
         or `clade run benchmarks/<name>` to evolve a shipped benchmark",
        file.display()
    )))
}

/// Runs (or resumes) an evolution, reporting events to `sink`.
pub fn run(options: &RunOptions, sink: &mut dyn FnMut(&Event)) -> Result<Summary, EvolveError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| EvolveError::Internal(format!("tokio runtime: {e}")))?;
    runtime.block_on(run_async(options, sink))
}

async fn run_async(
    options: &RunOptions,
    sink: &mut dyn FnMut(&Event),
) -> Result<Summary, EvolveError> {
    let (mut config, config_source) = load_config(options)?;
    let (archive, workdir, git_dir) = open_archive(&config)?;
    let (run_name, resumed) = resolve_run(options, &archive, &mut config, &git_dir)?;
    let project = Project::resolve(&config, &workdir)?;

    let run_dir = git_dir.join("clade").join("runs").join(&run_name);
    std::fs::create_dir_all(&run_dir).map_err(EvolveError::io("create", &run_dir))?;
    let log_path = run_dir.join("clade.log");
    init_logging(&log_path)?;
    let state_path = run_dir.join("state.json");
    let mut state: RunState = std::fs::read(&state_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();

    let home = options
        .home
        .clone()
        .unwrap_or_else(clade_sandbox::default_home);
    let models = build_models(options, &config, &home, &git_dir)?;
    let (backend, base_commit) = build_backend(
        options,
        &config,
        &config_source,
        &project,
        &archive,
        &run_name,
        resumed,
        &workdir,
        &home,
        &models,
        &run_dir,
    )?;
    let shared = Arc::new(Shared {
        backend: backend.clone(),
        eval_permits: Arc::new(Semaphore::new(config.run.parallel_evaluations)),
        ledger: Ledger::default(),
        digests: Mutex::new(HashMap::new()),
        signatures: Mutex::new(crate::novelty::Signatures {
            threshold: config.search.novelty_threshold,
            ..Default::default()
        }),
        llm_in_flight: AtomicUsize::new(0),
        eval_in_flight: AtomicUsize::new(0),
        proposer: options.proposer.clone(),
    });
    let prior_elapsed = if resumed { state.elapsed_s } else { 0.0 };
    let mut controller = new_controller(
        &config,
        &run_name,
        templates(&config)?,
        models.ensemble,
        models.all_local,
        shared.clone(),
        prior_elapsed,
    );
    let mut archive = archive;
    if resumed {
        restore(&mut controller, &archive, &project)?;
    }
    sink(&Event::Start {
        run: run_name.clone(),
        resumed,
        repo: workdir.display().to_string(),
        models: models.labels,
        default_model: models.default_model,
        iterations: config.run.iterations,
        done: controller.counters.done,
        parallel_proposals: config.run.parallel_proposals,
        parallel_evaluations: config.run.parallel_evaluations,
        log: log_path.display().to_string(),
    });
    tracing::info!(run = %run_name, resumed, "run starting");

    if !resumed {
        let seed = SeedStep {
            config: &config,
            config_source: &config_source,
            project: &project,
            backend: &backend,
            base_commit: &base_commit,
            run_name: &run_name,
        };
        evaluate_seed(seed, &mut controller, &mut archive, sink).await?;
    }
    controller.counters.done_at_start = controller.counters.done;
    controller.counters.started = Instant::now();
    state.status = "running".into();
    state.pid = std::process::id();
    state.sessions += 1;
    write_state(&state_path, &state)?;

    let (acks_tx, mut acks) = tokio::sync::mpsc::unbounded_channel();
    let writer = Writer::spawn(archive, run_name.clone(), acks_tx)
        .map_err(|e| EvolveError::Internal(format!("archive writer: {e}")))?;
    let parallel = config.run.parallel_proposals + config.run.parallel_evaluations;
    let ended = controller
        .run_loop(&writer, &mut acks, parallel, options.catch_signals, sink)
        .await;
    let finished = writer.finish();
    finish_run(
        &mut controller,
        Ended {
            ended,
            finished,
            acks,
            state,
            state_path,
            git_dir,
            run_dir,
        },
        sink,
    )
}

/// How the loop ended, and where to write it down.
struct Ended {
    ended: Result<LoopEnd, String>,
    finished: Result<Archive, String>,
    acks: tokio::sync::mpsc::UnboundedReceiver<Ack>,
    state: RunState,
    state_path: PathBuf,
    git_dir: PathBuf,
    run_dir: PathBuf,
}

/// Step: take the writer's last acknowledgements, leave `state.json` saying
/// how the run ended, and report the finish with the commands to review it.
fn finish_run(
    controller: &mut Controller,
    end: Ended,
    sink: &mut dyn FnMut(&Event),
) -> Result<Summary, EvolveError> {
    let Ended {
        ended,
        finished,
        mut acks,
        mut state,
        state_path,
        git_dir,
        run_dir,
    } = end;
    let run_name = controller.settings.run.clone();
    while let Ok(ack) = acks.try_recv() {
        let _ = controller.acknowledge(ack);
    }
    state.elapsed_s =
        (controller.counters.prior_elapsed + controller.counters.started.elapsed()).as_secs_f64();
    let (ended, archive) = match (ended, finished) {
        (Ok(ended), Ok(archive)) => (ended, archive),
        (Err(message), _) | (_, Err(message)) => {
            state.status = "failed".into();
            state.detail = Some(message.clone());
            let _ = write_state(&state_path, &state);
            tracing::error!(%message, "run failed");
            return Err(EvolveError::Internal(message));
        }
    };
    let mut best = controller.best();
    if let Some(best) = &mut best
        && best.commit.is_none()
    {
        best.commit = archive.variant(&run_name, best.id).ok().map(|v| v.commit);
    }
    state.status = if ended.reason.resumable() {
        "stopped"
    } else {
        "finished"
    }
    .into();
    state.reason = Some(ended.reason.as_str().into());
    state.detail = Some(ended.detail.clone());
    write_state(&state_path, &state)?;
    tracing::info!(reason = ended.reason.as_str(), detail = %ended.detail, "run ended");

    let totals = controller.totals();
    let mut review = Vec::new();
    if let Some(best) = &best {
        review.push(format!("clade show {run_name}/{}", best.id));
        review.push(format!("clade tree {run_name}"));
        review.push(format!("clade branch {run_name}/{}", best.id));
    }
    if ended.reason.resumable() {
        review.push(format!("clade run --resume {run_name}"));
    }
    let held_back = held_back(controller, best.as_ref());
    let summary = Summary {
        run: run_name.clone(),
        reason: ended.reason,
        detail: ended.detail.clone(),
        best: best.clone(),
        seed_score: controller.counters.seed_score,
        totals: totals.clone(),
        held_back: held_back.clone(),
        git_dir,
        run_dir,
        times: std::mem::take(&mut controller.counters.times),
    };
    sink(&Event::Finish {
        run: run_name,
        reason: ended.reason,
        detail: ended.detail,
        best,
        seed_score: controller.counters.seed_score,
        totals,
        held_back,
        review,
    });
    Ok(summary)
}

/// The best variant and the seed program evaluated on held-back inputs,
/// when the best is not the seed: what the search found, measured on inputs
/// it never ranked anything on.
fn held_back(controller: &Controller, best: Option<&Best>) -> Option<HeldBack> {
    let best = best.filter(|b| b.id != 0)?;
    let seed = held_back_seed(controller.settings.seed);
    let score = |id: u64, key: &str| -> Option<f64> {
        let files = controller.memory.known.get(&id)?.files.as_ref().clone();
        let job = EvalJob {
            files,
            key: key.into(),
            seed,
        };
        // On a thread of its own: the backend blocks (and wasmtime-wasi
        // starts a runtime of its own), which it must not do on the run's.
        let backend = controller.shared.backend.clone();
        let evaluated = std::thread::scope(|scope| {
            scope
                .spawn(move || backend.evaluate(&job))
                .join()
                .unwrap_or_else(|_| Err(EvolveError::Internal("the evaluation panicked".into())))
        });
        match evaluated {
            Ok(Evaluation::Scored { score, .. }) => Some(score),
            Ok(Evaluation::Rejected { reason, .. }) => {
                tracing::warn!(id, %reason, "rejected on the held-back inputs");
                None
            }
            Err(e) => {
                tracing::warn!(id, error = %e, "held-back evaluation failed");
                None
            }
        }
    };
    Some(HeldBack {
        seed,
        best_id: best.id,
        best_score: score(best.id, "held-back-best"),
        seed_score: score(0, "held-back-seed"),
    })
}

/// What a stored config says instead of an extra header's value.
const REDACTED: &str = "[redacted]";

/// The config text as a run stores it in git: the values of every model's
/// `extra_headers` (which may carry a token) replaced by `[redacted]`. Text
/// without extra headers is stored as written.
fn redact_headers(text: &str) -> String {
    let Ok(mut table) = text.parse::<toml::Table>() else {
        return text.to_string();
    };
    let mut redacted = false;
    if let Some(models) = table
        .get_mut("llm")
        .and_then(|l| l.get_mut("models"))
        .and_then(|m| m.as_array_mut())
    {
        for model in models {
            if let Some(headers) = model
                .get_mut("extra_headers")
                .and_then(|h| h.as_table_mut())
            {
                for (_, value) in headers.iter_mut() {
                    *value = toml::Value::String(REDACTED.into());
                    redacted = true;
                }
            }
        }
    }
    if !redacted {
        return text.to_string();
    }
    toml::to_string(&table).unwrap_or_else(|_| text.to_string())
}

/// A resumed run's models get back the extra headers its stored config
/// redacted, from the same model (by label) in the config file now.
fn restore_headers(stored: &mut Config, current: &Config) -> Result<(), EvolveError> {
    for model in &mut stored.llm.models {
        if !model.extra_headers.values().any(|v| v == REDACTED) {
            continue;
        }
        let label = model.label();
        let source = current
            .llm
            .models
            .iter()
            .find(|m| m.label() == label)
            .ok_or_else(|| {
                EvolveError::Setup(format!(
                    "the run's model {label} sends extra headers, which the archive keeps redacted; \
                     the config file no longer lists {label} to take them from"
                ))
            })?;
        for (name, value) in &mut model.extra_headers {
            if value == REDACTED {
                *value = source.extra_headers.get(name).cloned().ok_or_else(|| {
                    EvolveError::Setup(format!(
                        "the run's model {label} sends the header {name}, which the config file no longer sets"
                    ))
                })?;
            }
        }
    }
    Ok(())
}

/// Step: find `clade.toml` and parse it; the text is kept, to be stored
/// with a new run.
fn load_config(options: &RunOptions) -> Result<(Config, String), EvolveError> {
    let config_file = locate_config(&options.config)?;
    // Read once: the same text is parsed and, for a new run, stored.
    let config_source = std::fs::read_to_string(&config_file).map_err(|source| {
        crate::config::ConfigError::Read {
            path: config_file.clone(),
            source,
        }
    })?;
    let config = Config::parse(
        &config_source,
        &config_file,
        config_file.parent().unwrap_or(Path::new("")),
    )?;
    Ok((config, config_source))
}

/// Step: the archive of the repository holding `target.root`, its working
/// tree and its git dir.
fn open_archive(config: &Config) -> Result<(Archive, PathBuf, PathBuf), EvolveError> {
    let root = config.resolve(&config.target.root);
    let probe = Archive::open(&root).map_err(|_| not_a_repo(&root))?;
    if !probe.has_working_tree() {
        return Err(not_a_repo(&root));
    }
    drop(probe);
    let archive = Archive::open_or_create(&root)?;
    let workdir = archive
        .workdir()
        .map(Path::to_path_buf)
        .ok_or_else(|| not_a_repo(&root))?;
    let git_dir = archive.git_dir().to_path_buf();
    Ok((archive, workdir, git_dir))
}

/// Step: a new run's name, or the run to resume — whose stored config then
/// replaces `config`.
fn resolve_run(
    options: &RunOptions,
    archive: &Archive,
    config: &mut Config,
    git_dir: &Path,
) -> Result<(String, bool), EvolveError> {
    let (run_name, resumed) = match &options.resume {
        None => {
            let name = options
                .name
                .clone()
                .or_else(|| config.run.name.clone())
                .unwrap_or_else(|| format!("run-{}", unix_seconds()));
            // The name becomes a folder and a ref: checked before either.
            clade_archive::validate_run_name(&name)
                .map_err(|e| EvolveError::Setup(e.to_string()))?;
            if archive.run(&name).is_ok() {
                return Err(EvolveError::Setup(format!(
                    "a run named {name:?} already exists: continue it with `clade run --resume {name}`, \
                     or start another with --name"
                )));
            }
            if let Some(seed) = options.seed {
                config.run.seed = seed;
            }
            (name, false)
        }
        Some(_) if options.seed.is_some() => {
            return Err(EvolveError::Setup(
                "--seed starts a new run; a resumed run keeps the seed it began with".into(),
            ));
        }
        Some(requested) => {
            let name = match requested {
                Some(name) => name.clone(),
                None => archive
                    .runs()
                    .max_by_key(|r| r.created_ms)
                    .map(|r| r.name.clone())
                    .ok_or_else(|| {
                        EvolveError::Setup(format!(
                            "there is no run to resume in {}; start one with `clade run`",
                            git_dir.display()
                        ))
                    })?,
            };
            let text = archive.run_config(&name).map_err(|_| {
                EvolveError::Setup(format!(
                    "no run named {name:?} in {} (see `clade runs`)",
                    git_dir.display()
                ))
            })?;
            let mut stored = Config::parse(
                &text,
                &PathBuf::from(format!("{name}:config.toml")),
                &config.base_dir,
            )?;
            restore_headers(&mut stored, config)?;
            // The seed the run began with (its config file may have been
            // overridden by --seed).
            stored.run.seed = archive
                .run(&name)
                .map_err(|e| EvolveError::Setup(e.to_string()))?
                .seed;
            *config = stored;
            (name, true)
        }
    };
    if let Some(iterations) = options.iterations {
        config.run.iterations = iterations;
    }
    Ok((run_name, resumed))
}

/// The models of a run and what the rest of setup needs to know of them.
struct Models {
    ensemble: Ensemble,
    labels: Vec<String>,
    /// Whether the built-in default model is used (no [[llm.models]]).
    default_model: bool,
    all_local: bool,
    /// Variables (API keys) a command scorer must not see.
    hidden_env: Vec<String>,
}

/// Step: the endpoints, with the response cache.
fn build_models(
    options: &RunOptions,
    config: &Config,
    home: &Path,
    git_dir: &Path,
) -> Result<Models, EvolveError> {
    let default_model = config.llm.models.is_empty();
    let mut models: Vec<ModelConfig> = if default_model {
        crate::default_models(home)?
    } else {
        config.llm.models.clone()
    };
    for model in &mut models {
        crate::resolve_local_model(model, home)?;
    }
    let cache_dir = options
        .cache_dir
        .clone()
        .unwrap_or_else(|| git_dir.join("clade").join("llm-cache"));
    let mut endpoints = Vec::new();
    let mut hidden_env: Vec<String> = vec!["OPENAI_API_KEY".into(), "ANTHROPIC_API_KEY".into()];
    for model in &models {
        if let Some(env) = model.api_key_env() {
            hidden_env.push(env);
        }
        let cache = (options.cache != CacheMode::Off)
            .then(|| (ResponseCache::new(cache_dir.clone()), options.cache));
        endpoints.push(Endpoint::new(model.clone(), cache)?);
    }
    let ensemble = Ensemble::new(endpoints)?;
    let all_local = models.iter().all(|m| m.provider == ProviderKind::Local);

    Ok(Models {
        ensemble,
        labels: models.iter().map(ModelConfig::label).collect(),
        default_model,
        all_local,
        hidden_env,
    })
}

/// Step: the evaluation backend — this machine's sandbox over the crate as
/// committed at the run's base commit (returned with it), or remote workers
/// given that commit's folder of `clade.toml` as a bundle.
#[allow(clippy::too_many_arguments)]
fn build_backend(
    options: &RunOptions,
    config: &Config,
    config_source: &str,
    project: &Project,
    archive: &Archive,
    run_name: &str,
    resumed: bool,
    workdir: &Path,
    home: &Path,
    models: &Models,
    run_dir: &Path,
) -> Result<(Arc<dyn EvalBackend>, String), EvolveError> {
    let base_commit = if resumed {
        archive.run(run_name)?.base_commit.clone()
    } else {
        archive.head_commit()
    };
    let Some(base_commit) = base_commit else {
        return Err(EvolveError::Setup(format!(
            "the repository at {} has no commit yet: commit your crate first (git add -A && git commit -m init)",
            workdir.display()
        )));
    };
    let backend = match config.evaluate.backend.kind {
        BackendKind::Local => crate::local::local_backend(
            config,
            project,
            archive,
            &base_commit,
            home,
            models.hidden_env.clone(),
            run_dir.join("scratch"),
        )?,
        BackendKind::Nats | BackendKind::Slurm => {
            let Some(remote) = &options.remote else {
                return Err(EvolveError::Setup(
                    "evaluate.backend.kind = \"nats\" or \"slurm\" needs a build of clade with distributed evaluation".into(),
                ));
            };
            let config_path = config_path_in(options, workdir)?;
            let text = if resumed {
                archive.run_config(run_name)?
            } else {
                redact_headers(config_source)
            };
            let bundle = crate::remote::bundle_of(
                config,
                &text,
                &config_path,
                archive,
                &base_commit,
                workdir,
            )?;
            remote.connect(crate::remote::RemoteSpec {
                run: run_name.to_string(),
                backend: config.evaluate.backend.clone(),
                bundle,
            })?
        }
    };
    Ok((backend, base_commit))
}

/// Where the run's `clade.toml` is, relative to the repository root.
fn config_path_in(options: &RunOptions, workdir: &Path) -> Result<String, EvolveError> {
    let file = locate_config(&options.config)?;
    let canonical = |p: &Path| p.canonicalize().map_err(EvolveError::io("resolve", p));
    let (file, root) = (canonical(&file)?, canonical(workdir)?);
    file.strip_prefix(&root)
        .map(|rel| rel.to_string_lossy().into_owned())
        .map_err(|_| {
            EvolveError::Setup(format!(
                "{} is outside the repository at {}: workers get the repository's files, so keep clade.toml in it",
                file.display(),
                root.display()
            ))
        })
}

/// Step: the controller of a run, before the seed or the archive fills its
/// memory. `prior_elapsed_s`: wall time of earlier sessions.
fn new_controller(
    config: &Config,
    run_name: &str,
    templates: Templates,
    models: Ensemble,
    all_local: bool,
    shared: Arc<Shared>,
    prior_elapsed_s: f64,
) -> Controller {
    Controller::new(
        Settings::new(config, run_name, templates, all_local),
        config.search.population(),
        models,
        shared,
        // From state.json, which anything may have written: a negative,
        // NaN or absurd value counts as no time rather than a panic.
        Duration::try_from_secs_f64(prior_elapsed_s.min(1e12)).unwrap_or_default(),
    )
}

/// What evaluating and recording the seed needs.
struct SeedStep<'a> {
    config: &'a Config,
    config_source: &'a str,
    project: &'a Project,
    backend: &'a Arc<dyn EvalBackend>,
    base_commit: &'a str,
    run_name: &'a str,
}

/// Step (a new run): evaluate the seed program, create the run in the
/// archive and record the seed as variant 0. A rejected seed is a setup
/// error that says why.
async fn evaluate_seed(
    step: SeedStep<'_>,
    controller: &mut Controller,
    archive: &mut Archive,
    sink: &mut dyn FnMut(&Event),
) -> Result<(), EvolveError> {
    let SeedStep {
        config,
        config_source,
        project,
        backend,
        base_commit,
        run_name,
    } = step;
    let direction = config.evaluate.direction;
    let population_config = config.search.population();
    let seed_files = project.read_evolvable()?;
    let job = EvalJob {
        files: seed_files.clone(),
        key: "seed".into(),
        seed: ranking_seed(config.run.seed),
    };
    // Unlike a child's, the seed's host fault stops the run: nothing can be
    // evolved from a seed that was never evaluated.
    let evaluation = tokio::task::spawn_blocking({
        let backend = backend.clone();
        move || backend.evaluate(&job)
    })
    .await
    .map_err(|e| EvolveError::Internal(format!("seed evaluation: {e}")))??;
    let (score, metrics, sandbox, build_ms, eval_ms) = match evaluation {
        Evaluation::Scored {
            score,
            metrics,
            sandbox,
            build_ms,
            eval_ms,
        } => (score, metrics, sandbox, build_ms, eval_ms),
        Evaluation::Rejected {
            reason, feedback, ..
        } => {
            sink(&Event::Seed {
                id: 0,
                status: VariantStatus::Rejected,
                score: None,
                reason: Some(reason.clone()),
            });
            return Err(EvolveError::Setup(format!(
                "the seed program was rejected ({reason}); fix it so that it builds and scores, then run again{}",
                feedback
                    .map(|f| format!("\n{}", cut(&f, 3000)))
                    .unwrap_or_default()
            )));
        }
    };
    archive.create_run(
        RunRecord {
            name: run_name.to_string(),
            seed: config.run.seed,
            base_commit: Some(base_commit.to_string()),
            direction,
            population: population_config.clone(),
            created_ms: 0,
        },
        &redact_headers(config_source),
    )?;
    let features = controller.population.features_for(&metrics);
    let seed_meta = VariantMeta {
        status: Some(VariantStatus::Validated),
        score: Some(score),
        metrics: metrics.clone(),
        operator: Some("seed".into()),
        sandbox,
        timings: clade_archive::Timings {
            llm_ms: None,
            build_ms: Some(build_ms),
            eval_ms: Some(eval_ms),
        },
        features: features.clone(),
        ..VariantMeta::default()
    };
    let seed_variant = archive.insert(
        run_name,
        NewVariant {
            parent: None,
            tree: TreeSource::Files(
                seed_files
                    .iter()
                    .map(|(rel, text)| (project.repo_path(rel), Some(text.clone().into_bytes())))
                    .collect(),
            ),
            meta: seed_meta,
            transcript: None,
        },
    )?;
    controller
        .adopt_seed(seed_files, score, metrics, features)
        .map_err(EvolveError::Internal)?;
    controller.memory.commits.insert(0, seed_variant.commit);
    controller.counters.next_id = 1;
    controller.counters.seed_score = Some(score);
    sink(&Event::Seed {
        id: 0,
        status: VariantStatus::Validated,
        score: Some(score),
        reason: None,
    });
    Ok(())
}

/// Rebuilds the controller's memory of a run from the archive.
fn restore(
    controller: &mut Controller,
    archive: &Archive,
    project: &Project,
) -> Result<(), EvolveError> {
    let run = controller.settings.run.clone();
    let variants = archive.variants(&run)?;
    controller.population = archive.population(&run)?.clone();
    let mut digests = HashMap::new();
    for variant in &variants {
        let meta = &variant.meta;
        let mut files = BTreeMap::new();
        for rel in &project.evolvable {
            if let Some(bytes) = archive.read_file(&run, Some(meta.id), &project.repo_path(rel))? {
                files.insert(rel.clone(), String::from_utf8_lossy(&bytes).into_owned());
            }
        }
        let files = Arc::new(files);
        let digest = files_digest(&files);
        let new_code = !digests.contains_key(&digest);
        digests.entry(digest).or_insert(meta.id);
        if new_code {
            controller.remember_signature(meta.id, &files);
        }
        controller.counters.prior_tokens +=
            meta.tokens_in.unwrap_or(0) + meta.tokens_out.unwrap_or(0);
        controller.counters.prior_cost += meta.cost_usd.unwrap_or(0.0);
        // Variants recorded before Clade counted calls made at least one.
        controller.counters.recorded_llm_calls += meta
            .llm_calls
            .unwrap_or(u64::from(meta.tokens_in.is_some()));
        if meta.id == 0 {
            controller.counters.seed_score = meta.score;
        } else if meta.is_validated() {
            controller.counters.validated += 1;
        } else {
            controller.counters.rejected += 1;
        }
        // The seed, and a validated variant whose code repeats an earlier
        // one's, are still parents: their files are known either way.
        let validated = meta.is_validated();
        let recorded = Recorded {
            id: meta.id,
            parent: meta.parent,
            island: meta.island,
            operator: meta.operator.as_deref().unwrap_or("?"),
            score: meta.score,
            metrics: &meta.metrics,
            reason: meta.reason.as_deref(),
            feedback: meta.feedback.as_deref(),
            new_files: (new_code || validated).then(|| files.clone()),
        };
        controller.memory.account(
            recorded,
            meta,
            controller.settings.direction,
            &controller.settings.metric,
        );
        if meta.id == 0 {
            continue;
        }
        controller
            .memory
            .commits
            .insert(meta.id, variant.commit.clone());
    }
    if let Some(seed) = variants.first() {
        controller.memory.commits.insert(0, seed.commit.clone());
    }
    *controller.shared.digests().map_err(EvolveError::Internal)? = digests;
    if controller.population.is_empty() {
        return Err(EvolveError::Setup(format!(
            "run {run} has no validated variant to continue from"
        )));
    }
    controller.counters.next_id = variants.len() as u64;
    controller.counters.done = controller.counters.next_id.saturating_sub(1);
    Ok(())
}

/// The prompt templates: `[target] prompts`, else the seed agent's. Every
/// template file must be there; a missing one is named.
pub(crate) fn templates(config: &Config) -> Result<Templates, EvolveError> {
    let Some(dir) = &config.target.prompts else {
        return Ok(Templates::seed());
    };
    let dir = config.resolve(dir);
    if !dir.is_dir() {
        return Err(EvolveError::Setup(format!(
            "target.prompts: {} is not a folder (it must hold {})",
            dir.display(),
            Templates::FILES.join(", ")
        )));
    }
    let mut files = BTreeMap::new();
    for name in Templates::FILES {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                files.insert(name.to_string(), text);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(EvolveError::io("read", &path)(e)),
        }
    }
    Templates::from_files(&files)
        .map_err(|e| EvolveError::Setup(format!("target.prompts {}: {e}", dir.display())))
}

fn not_a_repo(root: &Path) -> EvolveError {
    EvolveError::Setup(format!(
        "target.root {} is not inside a git repository with a working tree: \
         Clade records variants as commits there. Run `git init && git add -A && git commit -m init` first",
        root.display()
    ))
}

fn write_state(path: &Path, state: &RunState) -> Result<(), EvolveError> {
    let tmp = path.with_extension("json.tmp");
    let bytes = serde_json::to_vec_pretty(state)
        .map_err(|e| EvolveError::Internal(format!("state.json: {e}")))?;
    std::fs::write(&tmp, bytes).map_err(EvolveError::io("write", &tmp))?;
    std::fs::rename(&tmp, path).map_err(EvolveError::io("rename", path))
}

fn init_logging(path: &Path) -> Result<(), EvolveError> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(EvolveError::io("open", path))?;
    // One subscriber per process: a second run in the same process (tests)
    // keeps logging to the first file.
    let _ = tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_target(false)
        .try_init();
    Ok(())
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_in(dir: &Path, target_extra: &str) -> Config {
        let text = format!(
            "[target]\nfiles = [\"src/main.rs\"]\n{target_extra}\n[evaluate]\nscorer = \"stdout-json\"\n"
        );
        Config::parse(&text, &dir.join("clade.toml"), dir).unwrap()
    }

    #[test]
    fn without_a_prompts_folder_the_seed_templates_are_used() {
        let dir = tempfile::tempdir().unwrap();
        let templates = templates(&config_in(dir.path(), "")).unwrap();
        assert_eq!(templates, Templates::seed());
    }

    #[test]
    fn a_prompts_folder_replaces_every_template() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("mine")).unwrap();
        for name in Templates::FILES {
            std::fs::write(dir.path().join("mine").join(name), format!("my {name}")).unwrap();
        }
        let templates = templates(&config_in(dir.path(), "prompts = \"mine\"")).unwrap();
        assert_eq!(templates.system, "my system.md");
        assert_eq!(templates.fix, "my fix.md");
    }

    #[test]
    fn a_missing_template_or_folder_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("mine")).unwrap();
        std::fs::write(dir.path().join("mine/system.md"), "s").unwrap();
        let err = templates(&config_in(dir.path(), "prompts = \"mine\""))
            .unwrap_err()
            .to_string();
        assert!(err.contains("has no diff.md"), "{err}");
        let err = templates(&config_in(dir.path(), "prompts = \"nowhere\""))
            .unwrap_err()
            .to_string();
        assert!(err.contains("is not a folder"), "{err}");
    }
}
