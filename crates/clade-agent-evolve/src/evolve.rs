//! The loop: evaluate the seed agent, then, generation after generation,
//! make children — choose a parent (DGM's rule), pick an entry among its
//! train runs, diagnose it with the meta model, let the parent's own
//! program edit a copy of itself, build the child, run the canary, then
//! stage 1 and (above the threshold) stage 2 — and record each child,
//! kept or rejected, in the archive.
//!
//! Every choice of child `j` comes from the run's seed and `j` and from the
//! archive as it was when `j`'s generation began, every model reply goes
//! through the response cache, and every task result through the result
//! store: a killed run resumes at the child it was making and makes the
//! same one, and `--replay` makes the same tree from the caches alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clade_agent_bench::{BenchError, CellResult};
use clade_agent_host::{AgentRunner, Canary, ModelService};
use clade_archive::{Archive, ResultStore};
use clade_sandbox::{BuilderConfig, Isolation};
use serde::{Deserialize, Serialize};

use crate::config::EvolveConfig;
use crate::events::{ChildRejection, Event, Step, StopReason};
use crate::record::{self, AgentRecord, NewAgent, Rescored};
use crate::select::Candidate;
use crate::setup::{model_config, repo_root, resolve_run, watch_signals};
use crate::{EvolveAgentError, stages};

/// What `clade evolve-agent` was asked to do.
pub struct Options {
    /// Inside the git repository that holds the agent and the archive.
    pub repo: PathBuf,
    /// The agent folder of a new run (the stored one on resume).
    pub agent: Option<PathBuf>,
    /// The task suite of a new run (the stored one on resume).
    pub suite: Option<PathBuf>,
    /// The config of a new run (the stored one on resume).
    pub config: EvolveConfig,
    /// `Some(None)`: the most recent agent run; `Some(Some(name))`: that run.
    pub resume: Option<Option<String>>,
    /// Take every model reply from the response cache; a miss fails the
    /// child that needed it.
    pub replay: bool,
    pub generations: Option<u64>,
    pub children: Option<u64>,
    /// Build without bubblewrap (an explicit opt-out).
    pub no_isolation: bool,
    /// The canary suite when the config names none (Clade's tasks/test-mini).
    pub default_canary_suite: PathBuf,
    /// Install SIGINT/SIGTERM handlers: the first stops the run after the
    /// task runs in flight, the second exits at once.
    pub catch_signals: bool,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct Summary {
    pub run: String,
    pub reason: StopReason,
    pub agents: u64,
    pub validated: u64,
    pub best: Option<u64>,
    pub best_score: Option<f64>,
    pub seed_score: Option<f64>,
    pub tokens: u64,
    pub cost_usd: f64,
    /// The agent folder, relative to the repository.
    pub agent_root: String,
    pub suite: String,
}

/// Runs (or resumes) an agent-evolution run to its end.
pub fn evolve(
    options: &Options,
    sink: &mut dyn FnMut(&Event),
) -> Result<Summary, EvolveAgentError> {
    let stop = Arc::new(AtomicBool::new(false));
    if options.catch_signals {
        watch_signals(stop.clone());
    }
    let mut evolution = Evolution::open(options, stop)?;
    evolution.run(sink)
}

/// A run being made.
pub(crate) struct Evolution {
    pub(crate) archive: Archive,
    pub(crate) repo_root: PathBuf,
    pub(crate) run: String,
    pub(crate) config: EvolveConfig,
    pub(crate) suite: PathBuf,
    pub(crate) stage1: Vec<String>,
    pub(crate) stage2: Vec<String>,
    pub(crate) runner: AgentRunner,
    pub(crate) task_model: Arc<ModelService>,
    pub(crate) meta_model: Arc<ModelService>,
    pub(crate) canary: Canary,
    pub(crate) scratch: tempfile::TempDir,
    pub(crate) stop: Arc<AtomicBool>,
    started: Instant,
    tokens: u64,
    cost: f64,
    resumed: bool,
}

impl Evolution {
    fn open(options: &Options, stop: Arc<AtomicBool>) -> Result<Self, EvolveAgentError> {
        let mut archive = Archive::open_or_create(&options.repo)?;
        let repo_root = repo_root(&archive)?;
        let (run, config, resumed) = resolve_run(&mut archive, &repo_root, options)?;
        let suite = repo_root.join(&config.target.suite);
        let (stage1, stage2) = stages::choose(&suite, &config)?;
        let cache =
            clade_llm::ResponseCache::new(archive.git_dir().join("clade").join("llm-cache"));
        let mode = if options.replay {
            clade_llm::CacheMode::ReplayOnly
        } else {
            clade_llm::CacheMode::ReadWrite
        };
        let home = clade_sandbox::default_home();
        let task = model_config(config.llm.task.clone(), &home)?;
        let meta = match config.llm.meta.clone() {
            Some(meta) => model_config(Some(meta), &home)?,
            None => task.clone(),
        };
        let task_model = Arc::new(ModelService::start_cached(
            task.clone(),
            Some((cache.clone(), mode)),
        )?);
        // One in-process model serves both roles rather than loading twice.
        let meta_model = if meta == task {
            task_model.clone()
        } else {
            Arc::new(ModelService::start_cached(meta, Some((cache, mode)))?)
        };
        let builder = BuilderConfig {
            isolation: if options.no_isolation {
                Isolation::None
            } else {
                Isolation::Bubblewrap
            },
            ..BuilderConfig::default()
        };
        let runner = AgentRunner::new(builder).map_err(|e| {
            EvolveAgentError::Setup(format!(
                "{e}\n(evolve-agent builds agents that an LLM wrote: it needs the bubblewrap build sandbox; \
                 pass --no-isolation only on a machine where that risk is yours to take)"
            ))
        })?;
        let canary_suite = config
            .canary
            .suite
            .as_ref()
            .map(|s| repo_root.join(s))
            .unwrap_or_else(|| options.default_canary_suite.clone());
        let canary = Canary::new(&canary_suite, &config.canary.task)?;
        let scratch = tempfile::tempdir().map_err(EvolveAgentError::io(
            "create",
            Path::new("a scratch folder"),
        ))?;
        Ok(Evolution {
            archive,
            repo_root,
            run,
            config,
            suite,
            stage1,
            stage2,
            runner,
            task_model,
            meta_model,
            canary,
            scratch,
            stop,
            started: Instant::now(),
            tokens: 0,
            cost: 0.0,
            resumed,
        })
    }

    pub(crate) fn root(&self) -> &str {
        &self.config.target.root
    }

    fn run(&mut self, sink: &mut dyn FnMut(&Event)) -> Result<Summary, EvolveAgentError> {
        sink(&Event::Start {
            run: self.run.clone(),
            agent: self.root().to_string(),
            suite: self.config.target.suite.clone(),
            resumed: self.resumed,
            generations: self.config.run.generations,
            children: self.config.run.children,
            stage1: self.stage1.clone(),
            stage2: self.stage2.clone(),
            task_model: self.task_model.identity(),
            meta_model: self.meta_model.identity(),
        });
        let store = self.store()?;
        let mut agents = record::records(&self.archive, &store, &self.run)?;
        self.restore_totals(&store, &agents)?;
        let reason = self.loop_children(&mut agents, sink)?;
        if reason != StopReason::Generations {
            sink(&Event::Stopping { reason });
        }
        let agents = record::records(&self.archive, &store, &self.run)?;
        // The best among agents scored on the same tasks as the seed: one
        // that stopped at stage 1 was scored on train tasks only.
        let full = self.config.stages.stage2 && !self.stage2.is_empty();
        let best = agents
            .iter()
            .filter(|a| a.validated && (a.id == 0 || !full || a.stage == 2))
            .max_by(|a, b| {
                a.score
                    .unwrap_or(0.0)
                    .total_cmp(&b.score.unwrap_or(0.0))
                    .then(b.id.cmp(&a.id))
            });
        let summary = Summary {
            run: self.run.clone(),
            reason,
            agents: agents.len() as u64,
            validated: agents.iter().filter(|a| a.validated).count() as u64,
            best: best.map(|b| b.id),
            best_score: best.and_then(|b| b.score),
            seed_score: agents.first().and_then(|s| s.score),
            tokens: self.tokens,
            cost_usd: self.cost,
            agent_root: self.root().to_string(),
            suite: self.config.target.suite.clone(),
        };
        sink(&Event::Finish {
            run: summary.run.clone(),
            reason,
            agents: summary.agents,
            validated: summary.validated,
            best: summary.best,
            best_score: summary.best_score,
            seed_score: summary.seed_score,
            tokens: self.tokens,
            cost_usd: self.cost,
            elapsed_s: self.started.elapsed().as_secs_f64(),
        });
        Ok(summary)
    }

    /// The seed (when missing), then every child up to the last; a
    /// generation's due re-evaluation runs before the next child, so a
    /// stop or a kill in the middle of it is finished on resume.
    fn loop_children(
        &mut self,
        agents: &mut Vec<AgentRecord>,
        sink: &mut dyn FnMut(&Event),
    ) -> Result<StopReason, EvolveAgentError> {
        let stopped = |result: Result<(), EvolveAgentError>| match result {
            Ok(()) => Ok(false),
            Err(EvolveAgentError::Bench(BenchError::Stopped)) => Ok(true),
            Err(e) => Err(e),
        };
        if agents.is_empty() {
            if stopped(self.evaluate_seed(sink))? {
                return Ok(StopReason::Interrupted);
            }
            *agents = record::records(&self.archive, &self.store()?, &self.run)?;
        }
        let per = self.config.run.children;
        let total = self.config.run.generations.saturating_mul(per);
        loop {
            let j = agents.len() as u64 - 1;
            if j > 0 && j.is_multiple_of(per) {
                if stopped(self.reevaluate_if_due(j / per, agents, sink))? {
                    return Ok(StopReason::Interrupted);
                }
                *agents = record::records(&self.archive, &self.store()?, &self.run)?;
            }
            if j >= total {
                return Ok(StopReason::Generations);
            }
            if let Some(reason) = self.over_budget() {
                return Ok(reason);
            }
            if stopped(self.make_child(j, agents, sink))? {
                return Ok(StopReason::Interrupted);
            }
            *agents = record::records(&self.archive, &self.store()?, &self.run)?;
        }
    }

    fn over_budget(&self) -> Option<StopReason> {
        let run = &self.config.run;
        if self.stop.load(Ordering::SeqCst) {
            Some(StopReason::Interrupted)
        } else if run.max_tokens.is_some_and(|t| self.tokens >= t) {
            Some(StopReason::Tokens)
        } else if run.max_cost_usd.is_some_and(|c| self.cost >= c) {
            Some(StopReason::Cost)
        } else if run
            .max_wall_minutes
            .is_some_and(|m| self.started.elapsed().as_secs_f64() >= m * 60.0)
        {
            Some(StopReason::Wall)
        } else {
            None
        }
    }

    /// Tokens and cost recorded by earlier sessions of this run: every
    /// agent's note and every finished re-evaluation.
    fn restore_totals(
        &mut self,
        store: &ResultStore,
        agents: &[AgentRecord],
    ) -> Result<(), EvolveAgentError> {
        for a in agents {
            if let Ok(v) = self.archive.variant(&self.run, a.id) {
                self.tokens += v.meta.tokens_in.unwrap_or(0) + v.meta.tokens_out.unwrap_or(0);
                self.cost += v.meta.cost_usd.unwrap_or(0.0);
            }
        }
        for (name, bytes) in record::run_extras(store, &self.run)? {
            if name.starts_with("reevaluation-")
                && let Ok(plan) = serde_json::from_slice::<Reevaluation>(&bytes)
                && plan.done
            {
                self.tokens += plan.tokens;
                self.cost += plan.cost;
            }
        }
        Ok(())
    }

    pub(crate) fn store(&self) -> Result<ResultStore, EvolveAgentError> {
        Ok(ResultStore::open_or_create(&self.repo_root)?)
    }

    /// Records an agent: its extras first (under the id it will get, so a
    /// kill between the two writes loses nothing a descendant's prompt
    /// reads), then the variant.
    pub(crate) fn record_agent(
        &mut self,
        made: Made<'_>,
        sink: &mut dyn FnMut(&Event),
    ) -> Result<(), EvolveAgentError> {
        let runs = made.runs;
        let ran = !runs.is_empty();
        let score = ran.then(|| pass_rate(runs));
        let stage = if runs.len() > self.stage1.len() {
            2
        } else {
            u8::from(ran)
        };
        let mut metrics = if ran {
            run_metrics(runs)
        } else {
            BTreeMap::new()
        };
        if ran {
            metrics.insert("stage".to_string(), f64::from(stage));
        }
        if let Some(s1) = made.stage1 {
            metrics.insert("stage1".to_string(), s1);
        }
        let validated = made.rejection.is_none();
        let feedback = match &made.rejection {
            Some(ChildRejection::BuildFailed(why) | ChildRejection::CanaryFailed(why)) => {
                Some(why.clone())
            }
            _ => None,
        };
        let next_id = self.archive.variant_count(&self.run)? as u64;
        if !made.extras.is_empty() {
            record::write_extras(&self.store()?, &self.run, next_id, made.extras)?;
        }
        let id = record::insert(
            &mut self.archive,
            &self.run,
            NewAgent {
                parent: made.parent,
                changes: record::changes(&self.config.target.root, made.parent_files, made.files),
                generation: made.generation,
                validated,
                reason: made.rejection.as_ref().map(ToString::to_string),
                feedback,
                score,
                metrics,
                model: self.meta_model.identity(),
                tokens_in: made.spent.tokens_in,
                tokens_out: made.spent.tokens_out,
                cost_usd: made.spent.cost,
            },
        )?;
        self.tokens += made.spent.tokens_in + made.spent.tokens_out;
        self.cost += made.spent.cost;
        sink(&Event::Agent {
            id,
            parent: made.parent,
            generation: made.generation,
            validated,
            rejection: made.rejection,
            score,
            stage1: made.stage1,
            stage,
            tokens: made.spent.tokens_in + made.spent.tokens_out,
            cost_usd: made.spent.cost,
        });
        Ok(())
    }

    /// When generation `generation` has ended and its re-evaluation is due
    /// and not done: the top agents (chosen once, the choice stored) run
    /// their stages with one repeat more, and each score becomes the mean
    /// over its repeats.
    fn reevaluate_if_due(
        &mut self,
        generation: u64,
        agents: &[AgentRecord],
        sink: &mut dyn FnMut(&Event),
    ) -> Result<(), EvolveAgentError> {
        let every = self.config.stages.reevaluate_every;
        if every == 0 || !generation.is_multiple_of(every) {
            return Ok(());
        }
        let store = self.store()?;
        let name = format!("reevaluation-{generation}.json");
        let mut plan = match record::read_run_extra::<Reevaluation>(&store, &self.run, &name)? {
            Some(plan) if plan.done => return Ok(()),
            Some(plan) => plan,
            None => {
                let plan = self.plan_reevaluation(&store, agents)?;
                record::write_run_extra(&store, &self.run, &name, json_bytes(&plan))?;
                plan
            }
        };
        let (mut tokens, mut cost) = (0, 0.0);
        for (id, repeats) in plan.agents.clone() {
            sink(&Event::Step {
                child: agents.len() as u64 - 1,
                generation,
                step: Step::Reevaluate,
                parent: Some(id),
                entry: None,
            });
            let agent = self.archive.variant(&self.run, id)?;
            let files = record::agent_files_at(&self.archive, &agent.commit, self.root())?;
            let dir = self.scratch.path().join(format!("agent-{id}"));
            record::materialize(&files, &dir)?;
            let mut tasks = self.stage1.clone();
            if agent.meta.metrics.get("stage").copied().unwrap_or(1.0) >= 2.0 {
                tasks.extend(self.stage2.clone());
            }
            let label = format!("{}/{id}", self.run);
            let runs = self.run_tasks(&label, &dir, &tasks, repeats, sink)?;
            let new: Vec<CellResult> = runs
                .iter()
                .filter(|r| r.repeat + 1 == repeats)
                .cloned()
                .collect();
            let spent = Spent::of_runs(&new);
            tokens += spent.tokens_in + spent.tokens_out;
            cost += spent.cost;
            let score = pass_rate(&runs);
            let rescored = Rescored { repeats, score };
            record::write_extras(
                &store,
                &self.run,
                id,
                vec![("score.json".into(), json_bytes(&rescored))],
            )?;
            sink(&Event::Reevaluated { id, repeats, score });
        }
        plan.done = true;
        plan.tokens = tokens;
        plan.cost = cost;
        self.tokens += tokens;
        self.cost += cost;
        record::write_run_extra(&store, &self.run, &name, json_bytes(&plan))
    }

    /// The top kept agents by score and the repeat count each reaches.
    fn plan_reevaluation(
        &self,
        store: &ResultStore,
        agents: &[AgentRecord],
    ) -> Result<Reevaluation, EvolveAgentError> {
        let mut top: Vec<&AgentRecord> = agents
            .iter()
            .filter(|a| a.validated && a.score.is_some())
            .collect();
        top.sort_by(|a, b| {
            b.score
                .unwrap_or(0.0)
                .total_cmp(&a.score.unwrap_or(0.0))
                .then(a.id.cmp(&b.id))
        });
        top.truncate(self.config.stages.reevaluate_top);
        let mut planned = Vec::new();
        for a in top {
            let before = record::read_extra::<Rescored>(store, &self.run, a.id, "score.json")?
                .map_or(1, |r| r.repeats);
            planned.push((a.id, before + 1));
        }
        Ok(Reevaluation {
            agents: planned,
            done: false,
            tokens: 0,
            cost: 0.0,
        })
    }
}

/// A generation's re-evaluation: which agents, to how many repeats, and
/// what it spent once done.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Reevaluation {
    agents: Vec<(u64, u32)>,
    done: bool,
    tokens: u64,
    cost: f64,
}

/// One agent to record.
pub(crate) struct Made<'a> {
    pub parent: Option<u64>,
    pub files: &'a BTreeMap<String, String>,
    pub parent_files: &'a BTreeMap<String, String>,
    pub generation: u64,
    pub rejection: Option<ChildRejection>,
    pub runs: &'a [CellResult],
    pub stage1: Option<f64>,
    pub spent: Spent,
    pub extras: Vec<(String, Vec<u8>)>,
}

/// Tokens and cost of an agent's making.
#[derive(Debug, Clone, Default)]
pub(crate) struct Spent {
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost: f64,
}

impl Spent {
    pub(crate) fn add(&mut self, other: &Spent) {
        self.tokens_in += other.tokens_in;
        self.tokens_out += other.tokens_out;
        self.cost += other.cost;
    }

    /// What `runs` spent, stored results included: the same whether a
    /// result was made now or read back, so budgets stop a resumed or a
    /// replayed run where they stopped the first.
    pub(crate) fn of_runs(runs: &[CellResult]) -> Spent {
        Spent {
            tokens_in: runs.iter().map(|r| r.spent.tokens_in).sum(),
            tokens_out: runs.iter().map(|r| r.spent.tokens_out).sum(),
            cost: runs.iter().map(|r| r.cost).sum(),
        }
    }
}

/// The metrics of an agent's runs.
fn run_metrics(runs: &[CellResult]) -> BTreeMap<String, f64> {
    let n = runs.len().max(1) as f64;
    let mean = |f: &dyn Fn(&CellResult) -> f64| runs.iter().map(f).sum::<f64>() / n;
    let passes = runs.iter().filter(|r| r.pass).count();
    let interval = clade_agent_bench::stats::wilson(passes, runs.len());
    BTreeMap::from([
        ("pass_rate".to_string(), pass_rate(runs)),
        ("tasks".to_string(), runs.len() as f64),
        // The pass rate's 95 % Wilson interval, for the review pages.
        ("pass_low".to_string(), interval.low),
        ("pass_high".to_string(), interval.high),
        (
            "tests_fraction".to_string(),
            mean(&|r| {
                if r.hidden.total == 0 {
                    0.0
                } else {
                    r.hidden.passed as f64 / r.hidden.total as f64
                }
            }),
        ),
        ("tokens_per_task".to_string(), mean(&|r| r.tokens() as f64)),
        (
            "calls_per_task".to_string(),
            mean(&|r| r.spent.llm_calls as f64),
        ),
    ])
}

/// Kept agents of generations before `generation`, with the kept children
/// each had then.
pub(crate) fn candidates(agents: &[AgentRecord], generation: u64) -> Vec<Candidate> {
    let before: Vec<&AgentRecord> = agents
        .iter()
        .filter(|a| a.generation < generation)
        .collect();
    before
        .iter()
        .filter(|a| a.validated)
        .map(|a| Candidate {
            id: a.id,
            score: a.score.unwrap_or(0.0),
            children: before
                .iter()
                .filter(|c| c.parent == Some(a.id) && c.validated)
                .count() as u64,
        })
        .collect()
}

pub(crate) fn pass_rate(runs: &[CellResult]) -> f64 {
    if runs.is_empty() {
        0.0
    } else {
        runs.iter().filter(|r| r.pass).count() as f64 / runs.len() as f64
    }
}

/// `TASK.md` and the visible tests of a task, as its agent saw them.
pub(crate) fn task_statement(suite: &Path, task: &str) -> Result<String, EvolveAgentError> {
    let dir = suite.join(task);
    let read = |p: &str| {
        let path = dir.join(p);
        std::fs::read_to_string(&path).map_err(EvolveAgentError::io("read", &path))
    };
    Ok(format!(
        "{}\n\nThe visible tests (`tests/visible.rs`):\n```rust\n{}\n```",
        read("TASK.md")?.trim_end(),
        read("tests/visible.rs")?.trim_end()
    ))
}

pub(crate) fn json_bytes(value: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec_pretty(value).unwrap_or_default()
}
