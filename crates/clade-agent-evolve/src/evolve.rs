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

use clade_agent_bench::{Bench, BenchError, CellResult, Plan, SplitFilter};
use clade_agent_host::{AgentRunner, Canary, ModelService, TaskRef, TaskRun};
use clade_archive::{Archive, Direction, PopulationConfig, ResultStore, Rng, RunRecord};
use clade_sandbox::{BuildStatus, BuilderConfig, Isolation};

use crate::config::{ArchivePolicy, EvolveConfig};
use crate::diagnose::{self, Diagnosis, Limits, RunEvidence, Subject, cut};
use crate::events::{ChildRejection, Event, Step, StopReason};
use crate::record::{self, AgentRecord, NewAgent, Rescored};
use crate::select::{self, Candidate, Entry};
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
struct Evolution {
    archive: Archive,
    repo_root: PathBuf,
    run: String,
    config: EvolveConfig,
    suite: PathBuf,
    stage1: Vec<String>,
    stage2: Vec<String>,
    runner: AgentRunner,
    task_model: Arc<ModelService>,
    meta_model: Arc<ModelService>,
    canary: Canary,
    scratch: tempfile::TempDir,
    stop: Arc<AtomicBool>,
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

    fn root(&self) -> &str {
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
        self.restore_totals(&agents);
        let reason = self.loop_children(&mut agents, sink)?;
        if reason != StopReason::Generations {
            sink(&Event::Stopping { reason });
        }
        let agents = record::records(&self.archive, &store, &self.run)?;
        let best = agents.iter().filter(|a| a.validated).max_by(|a, b| {
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

    /// The seed (when missing), then every child up to the last.
    fn loop_children(
        &mut self,
        agents: &mut Vec<AgentRecord>,
        sink: &mut dyn FnMut(&Event),
    ) -> Result<StopReason, EvolveAgentError> {
        if agents.is_empty() {
            match self.evaluate_seed(sink) {
                Ok(()) => {}
                Err(EvolveAgentError::Bench(BenchError::Stopped)) => {
                    return Ok(StopReason::Interrupted);
                }
                Err(e) => return Err(e),
            }
            *agents = record::records(&self.archive, &self.store()?, &self.run)?;
        }
        let per = self.config.run.children;
        let total = self.config.run.generations * per;
        loop {
            let j = agents.len() as u64 - 1;
            if j >= total {
                return Ok(StopReason::Generations);
            }
            if let Some(reason) = self.over_budget() {
                return Ok(reason);
            }
            match self.make_child(j, agents, sink) {
                Ok(()) => {}
                Err(EvolveAgentError::Bench(BenchError::Stopped)) => {
                    return Ok(StopReason::Interrupted);
                }
                Err(e) => return Err(e),
            }
            *agents = record::records(&self.archive, &self.store()?, &self.run)?;
            let generation = j / per + 1;
            let every = self.config.stages.reevaluate_every;
            if (j + 1).is_multiple_of(per) && every > 0 && generation.is_multiple_of(every) {
                match self.reevaluate(generation, agents, sink) {
                    Ok(()) => {}
                    Err(EvolveAgentError::Bench(BenchError::Stopped)) => {
                        return Ok(StopReason::Interrupted);
                    }
                    Err(e) => return Err(e),
                }
                *agents = record::records(&self.archive, &self.store()?, &self.run)?;
            }
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

    /// Tokens and cost recorded by earlier sessions of this run.
    fn restore_totals(&mut self, agents: &[AgentRecord]) {
        for a in agents {
            if let Ok(v) = self.archive.variant(&self.run, a.id) {
                self.tokens += v.meta.tokens_in.unwrap_or(0) + v.meta.tokens_out.unwrap_or(0);
                self.cost += v.meta.cost_usd.unwrap_or(0.0);
            }
        }
    }

    fn store(&self) -> Result<ResultStore, EvolveAgentError> {
        Ok(ResultStore::open_or_create(&self.repo_root)?)
    }

    /// The seed agent: the folder as it is in the working tree.
    fn evaluate_seed(&mut self, sink: &mut dyn FnMut(&Event)) -> Result<(), EvolveAgentError> {
        let dir = self.repo_root.join(self.root());
        let files = clade_agent_host::self_improve::agent_files(&dir)?;
        let base = match self.archive.run(&self.run)?.base_commit.clone() {
            Some(base) => record::agent_files_at(&self.archive, &base, self.root())?,
            None => BTreeMap::new(),
        };
        let seed_dir = self.scratch.path().join("seed");
        record::materialize(&files, &seed_dir)?;
        let wasm = match self.build(&seed_dir)? {
            Ok(wasm) => wasm,
            Err(why) => {
                return Err(EvolveAgentError::Setup(format!(
                    "the seed agent {} does not build: {why}",
                    self.root()
                )));
            }
        };
        if let Some(why) = self.canary.check(
            &self.runner,
            &wasm,
            &seed_dir.join("prompts"),
            self.scratch.path().join("seed-canary.jsonl"),
        )? {
            return Err(EvolveAgentError::Setup(format!(
                "the seed agent {} fails the canary: {why}",
                self.root()
            )));
        }
        let label = format!("{}/0", self.run);
        let (runs1, mut spent) = self.stage(&label, &seed_dir, Step::Stage1, None, sink)?;
        let s1 = pass_rate(&runs1);
        let mut runs = runs1;
        if self.config.stages.stage2 && !self.stage2.is_empty() {
            let (runs2, more) = self.stage(&label, &seed_dir, Step::Stage2, None, sink)?;
            runs.extend(runs2);
            spent.add(&more);
        }
        self.record_agent(
            Made {
                parent: None,
                files: &files,
                parent_files: &base,
                generation: 0,
                rejection: None,
                runs: &runs,
                stage1: Some(s1),
                spent,
                extras: Vec::new(),
            },
            sink,
        )
    }

    /// Child `j`, start to record.
    fn make_child(
        &mut self,
        j: u64,
        agents: &[AgentRecord],
        sink: &mut dyn FnMut(&Event),
    ) -> Result<(), EvolveAgentError> {
        let generation = j / self.config.run.children + 1;
        let mut rng = Rng::derive(self.config.run.seed, j + 1);
        let candidates = candidates(agents, generation);
        let parent_id = select::choose_parent(
            &candidates,
            self.config.selection.lambda,
            self.config.selection.midpoint,
            &mut rng,
        )
        .ok_or_else(|| {
            EvolveAgentError::Setup("no validated agent to choose a parent from".into())
        })?;
        let parent = agents
            .iter()
            .find(|a| a.id == parent_id)
            .cloned()
            .ok_or_else(|| EvolveAgentError::Setup(format!("agent {parent_id} is not recorded")))?;
        let parent_files = record::agent_files_at(&self.archive, &parent.commit, self.root())?;
        let parent_dir = self.scratch.path().join(format!("parent-{}", parent.id));
        record::materialize(&parent_files, &parent_dir)?;
        let step = |step, entry: Option<&Entry>| Event::Step {
            child: j,
            generation,
            step,
            parent: Some(parent.id),
            entry: entry.map(Entry::name),
        };
        sink(&step(Step::Diagnose, None));
        let label = format!("{}/{}", self.run, parent.id);
        let (parent_runs, _) = self.stage(&label, &parent_dir, Step::Stage1, None, sink)?;
        let entry = select::choose_entry(&parent_runs, &mut rng);
        let seeds = (rng.next_u64(), rng.next_u64());
        let mut spent = Spent::default();
        let mut extras = Vec::new();
        let diagnosis = match self.diagnose(
            &parent,
            &parent_files,
            &parent_dir,
            &parent_runs,
            entry.as_ref(),
            seeds.0,
            &mut spent,
        ) {
            Ok((diagnosis, prompt)) => {
                extras.push(("diagnosis.json".to_string(), json_bytes(&diagnosis)));
                extras.push(("diagnosis-prompt.md".to_string(), prompt.into_bytes()));
                if let Some(entry) = &entry {
                    extras.push(("entry.txt".to_string(), entry.name().into_bytes()));
                }
                diagnosis
            }
            Err(why) => {
                return self.record_rejected(
                    j,
                    &parent,
                    &parent_files,
                    &parent_files,
                    ChildRejection::DiagnosisFailed(why),
                    spent,
                    extras,
                    sink,
                );
            }
        };
        sink(&step(Step::SelfEdit, entry.as_ref()));
        let child_files =
            self.self_edit(&parent_dir, &diagnosis, seeds.1, &mut spent, &mut extras)?;
        if child_files == parent_files {
            return self.record_rejected(
                j,
                &parent,
                &child_files,
                &parent_files,
                ChildRejection::EmptyPatch,
                spent,
                extras,
                sink,
            );
        }
        let child_dir = self.scratch.path().join(format!("child-{j}"));
        record::materialize(&child_files, &child_dir)?;
        sink(&step(Step::Build, entry.as_ref()));
        let wasm = match self.build(&child_dir)? {
            Ok(wasm) => wasm,
            Err(why) => {
                return self.record_rejected(
                    j,
                    &parent,
                    &child_files,
                    &parent_files,
                    ChildRejection::BuildFailed(why),
                    spent,
                    extras,
                    sink,
                );
            }
        };
        sink(&step(Step::Canary, entry.as_ref()));
        let canary_log = self.scratch.path().join(format!("canary-{j}.jsonl"));
        if let Some(why) =
            self.canary
                .check(&self.runner, &wasm, &child_dir.join("prompts"), canary_log)?
        {
            return self.record_rejected(
                j,
                &parent,
                &child_files,
                &parent_files,
                ChildRejection::CanaryFailed(why),
                spent,
                extras,
                sink,
            );
        }
        let child_label = format!("{}/child-{j}", self.run);
        let (runs1, more) = self.stage(
            &child_label,
            &child_dir,
            Step::Stage1,
            Some((j, generation)),
            sink,
        )?;
        spent.add(&more);
        let s1 = pass_rate(&runs1);
        let seed_s1 = agents.first().and_then(|s| s.stage1).unwrap_or(0.0);
        let mut runs = runs1;
        if self.config.stages.stage2
            && !self.stage2.is_empty()
            && s1 >= seed_s1 - self.config.stages.margin
        {
            let (runs2, more) = self.stage(
                &child_label,
                &child_dir,
                Step::Stage2,
                Some((j, generation)),
                sink,
            )?;
            spent.add(&more);
            runs.extend(runs2);
        }
        let seed_score = agents.first().and_then(|s| s.score).unwrap_or(0.0);
        let rejection = (self.config.run.archive == ArchivePolicy::KeepBetter
            && pass_rate(&runs) < seed_score - self.config.stages.margin)
            .then_some(ChildRejection::BelowSeed);
        self.record_agent(
            Made {
                parent: Some(parent.id),
                files: &child_files,
                parent_files: &parent_files,
                generation,
                rejection,
                runs: &runs,
                stage1: Some(s1),
                spent,
                extras,
            },
            sink,
        )
    }

    /// The meta model's diagnosis of the parent at `entry`, and the prompt.
    #[allow(clippy::too_many_arguments)]
    fn diagnose(
        &self,
        parent: &AgentRecord,
        files: &BTreeMap<String, String>,
        parent_dir: &Path,
        runs: &[CellResult],
        entry: Option<&Entry>,
        seed: u64,
        spent: &mut Spent,
    ) -> Result<(Diagnosis, String), String> {
        let store = self.store().map_err(|e| e.to_string())?;
        let earlier = self.earlier_changes(&store, parent.id);
        let limits = Limits::for_model(self.meta_model.is_local());
        let (system, user) = match entry {
            Some(Entry::Task { task, repeat }) => {
                let statement = task_statement(&self.suite, task).map_err(|e| e.to_string())?;
                let result = runs
                    .iter()
                    .find(|r| &r.task == task && r.repeat == *repeat)
                    .ok_or_else(|| format!("no result of {task}"))?;
                let stored = self
                    .stored_cell(&store, parent_dir, task, *repeat)
                    .map_err(|e| e.to_string())?;
                let text = |name: &str| {
                    stored
                        .get(name)
                        .map(|b| String::from_utf8_lossy(b).into_owned())
                        .unwrap_or_default()
                };
                let (transcript, diff) = (text("transcript.jsonl"), text("diff.patch"));
                let subject = Subject::Run(RunEvidence {
                    statement: &statement,
                    result,
                    transcript: &transcript,
                    diff: &diff,
                });
                diagnose::prompt(files, &subject, &earlier, limits)
            }
            Some(Entry::Empty) => diagnose::prompt(
                files,
                &Subject::Pattern {
                    what: "it often left the workspace unchanged (at least 10 % of its runs)",
                    runs,
                },
                &earlier,
                limits,
            ),
            Some(Entry::Budget) | None => diagnose::prompt(
                files,
                &Subject::Pattern {
                    what: "it often ran out of its budget (at least 25 % of its runs)",
                    runs,
                },
                &earlier,
                limits,
            ),
        };
        let reply =
            self.meta_model
                .chat(&system, &user, self.config.budget.diagnosis_tokens, seed)?;
        spent.tokens_in += reply.tokens_in;
        spent.tokens_out += reply.tokens_out;
        spent.cost += self.meta_model.cost(reply.tokens_in, reply.tokens_out);
        Ok((diagnose::parse(&reply.text), format!("{system}\n\n{user}")))
    }

    /// The problem descriptions of `id`'s ancestors' self-edits.
    fn earlier_changes(&self, store: &ResultStore, id: u64) -> Vec<String> {
        let lineage = self.archive.lineage(&self.run, id).unwrap_or_default();
        lineage
            .iter()
            .filter_map(|a| {
                record::read_extra::<Diagnosis>(store, &self.run, *a, "diagnosis.json")
                    .ok()
                    .flatten()
            })
            .map(|d| {
                if d.problem_description.is_empty() {
                    d.improvement_proposal
                } else {
                    d.problem_description
                }
            })
            .filter(|t| !t.trim().is_empty())
            .collect()
    }

    /// The stored files of the parent's run of `task`.
    fn stored_cell(
        &self,
        store: &ResultStore,
        dir: &Path,
        task: &str,
        repeat: u32,
    ) -> Result<BTreeMap<String, Vec<u8>>, EvolveAgentError> {
        let agent = clade_agent_bench::agent_tree(store, "parent", dir)?;
        let params = clade_agent_bench::CellParams {
            suite_hash: clade_agent_bench::suite_hash(&self.suite)?,
            model: self.task_model.identity(),
            budget: self.config.budget.task.clone(),
        };
        let key = clade_agent_bench::cell_key(&agent.tree, &params, task, repeat);
        Ok(store.get(&key)?.unwrap_or_default())
    }

    /// The parent's program edits a copy of itself; the child's files.
    fn self_edit(
        &self,
        parent_dir: &Path,
        diagnosis: &Diagnosis,
        seed: u64,
        spent: &mut Spent,
        extras: &mut Vec<(String, Vec<u8>)>,
    ) -> Result<BTreeMap<String, String>, EvolveAgentError> {
        let wasm = match self.build(parent_dir)? {
            Ok(wasm) => wasm,
            Err(why) => {
                return Err(EvolveAgentError::Setup(format!(
                    "a recorded parent does not build: {why}"
                )));
            }
        };
        let statement = diagnose::self_edit_statement(diagnosis);
        let transcript = self.scratch.path().join(format!("self-edit-{seed}.jsonl"));
        let outcome = self.runner.run_task(TaskRun {
            agent_wasm: &wasm,
            prompts: &parent_dir.join("prompts"),
            task: TaskRef::SelfImprove {
                agent: parent_dir,
                statement: &statement,
                canary: &self.canary,
            },
            budget: self.config.budget.self_edit.clone(),
            model: self.meta_model.model(seed),
            random_seed: seed,
            transcript: transcript.clone(),
        })?;
        spent.tokens_in += outcome.spent.tokens_in;
        spent.tokens_out += outcome.spent.tokens_out;
        spent.cost += self
            .meta_model
            .cost(outcome.spent.tokens_in, outcome.spent.tokens_out);
        extras.push((
            "self-edit.jsonl".to_string(),
            std::fs::read(&transcript).unwrap_or_default(),
        ));
        extras.push(("self-edit.md".to_string(), statement.into_bytes()));
        let _ = std::fs::remove_file(&transcript);
        Ok(outcome
            .files
            .into_iter()
            .filter(|(path, _)| record::is_evolvable(path))
            .collect())
    }

    /// The module of the agent at `dir`, or why it has none.
    fn build(&self, dir: &Path) -> Result<Result<Vec<u8>, String>, EvolveAgentError> {
        let built = self.runner.build(dir)?;
        Ok(match (&built.status, &built.wasm) {
            (BuildStatus::Ok, Some(path)) => {
                Ok(std::fs::read(path).map_err(EvolveAgentError::io("read", path))?)
            }
            _ => Err(cut(
                &format!(
                    "{}: {}\n{}",
                    built.status.as_str(),
                    built.reason.unwrap_or_default(),
                    built.diagnostics.unwrap_or_default()
                ),
                4_000,
            )),
        })
    }

    /// One stage of the agent at `dir` (stored results reused); announced
    /// as child `announce.0`'s step in generation `announce.1`.
    fn stage(
        &mut self,
        label: &str,
        dir: &Path,
        step: Step,
        announce: Option<(u64, u64)>,
        sink: &mut dyn FnMut(&Event),
    ) -> Result<(Vec<CellResult>, Spent), EvolveAgentError> {
        let tasks = match step {
            Step::Stage2 => self.stage2.clone(),
            _ => self.stage1.clone(),
        };
        if let Some((child, generation)) = announce {
            sink(&Event::Step {
                child,
                generation,
                step,
                parent: None,
                entry: None,
            });
        }
        self.run_tasks(label, dir, &tasks, 1, sink)
    }

    fn run_tasks(
        &mut self,
        label: &str,
        dir: &Path,
        tasks: &[String],
        repeats: u32,
        sink: &mut dyn FnMut(&Event),
    ) -> Result<(Vec<CellResult>, Spent), EvolveAgentError> {
        let bench = Bench {
            runner: &self.runner,
            model: &self.task_model,
            store: self.store()?,
            budget: self.config.budget.task.clone(),
        };
        let plan = Plan {
            agents: vec![(label.to_string(), dir.to_path_buf())],
            suite: self.suite.clone(),
            split: SplitFilter::All,
            only: Some(tasks.to_vec()),
            repeats,
            jobs: if self.task_model.is_local() { 1 } else { 4 },
            cached_only: false,
            scratch: self.scratch.path().to_path_buf(),
            stop: Some(self.stop.clone()),
        };
        let fresh = std::sync::Mutex::new((Spent::default(), Vec::new()));
        let results = bench.run(&plan, &|done| {
            if let Ok(mut f) = fresh.lock() {
                if !done.cached {
                    f.0.tokens_in += done.tokens;
                    f.0.cost += done.cost_usd;
                }
                f.1.push(Event::Task {
                    agent: done.agent.clone(),
                    task: done.task.clone(),
                    repeat: done.repeat,
                    pass: done.pass,
                    cached: done.cached,
                });
            }
        })?;
        let (spent, events) = fresh
            .into_inner()
            .map_err(|_| EvolveAgentError::Setup("a task worker panicked".into()))?;
        for e in &events {
            sink(e);
        }
        let runs = results.results.into_iter().next().unwrap_or_default();
        Ok((runs.into_iter().flatten().collect(), spent))
    }

    #[allow(clippy::too_many_arguments)]
    fn record_rejected(
        &mut self,
        j: u64,
        parent: &AgentRecord,
        files: &BTreeMap<String, String>,
        parent_files: &BTreeMap<String, String>,
        rejection: ChildRejection,
        spent: Spent,
        extras: Vec<(String, Vec<u8>)>,
        sink: &mut dyn FnMut(&Event),
    ) -> Result<(), EvolveAgentError> {
        self.record_agent(
            Made {
                parent: Some(parent.id),
                files,
                parent_files,
                generation: j / self.config.run.children + 1,
                rejection: Some(rejection),
                runs: &[],
                stage1: None,
                spent,
                extras,
            },
            sink,
        )
    }

    fn record_agent(
        &mut self,
        made: Made<'_>,
        sink: &mut dyn FnMut(&Event),
    ) -> Result<(), EvolveAgentError> {
        let runs = made.runs;
        let ran = !runs.is_empty();
        let score = ran.then(|| pass_rate(runs));
        let mut metrics = BTreeMap::new();
        let stage = if runs.len() > self.stage1.len() {
            2
        } else {
            u8::from(ran)
        };
        if let Some(score) = score {
            metrics.insert("pass_rate".to_string(), score);
            metrics.insert("stage".to_string(), f64::from(stage));
            metrics.insert("tasks".to_string(), runs.len() as f64);
            let n = runs.len() as f64;
            metrics.insert(
                "tests_fraction".to_string(),
                runs.iter()
                    .map(|r| {
                        if r.hidden.total == 0 {
                            0.0
                        } else {
                            r.hidden.passed as f64 / r.hidden.total as f64
                        }
                    })
                    .sum::<f64>()
                    / n,
            );
            metrics.insert(
                "tokens_per_task".to_string(),
                runs.iter().map(|r| r.tokens() as f64).sum::<f64>() / n,
            );
            metrics.insert(
                "calls_per_task".to_string(),
                runs.iter().map(|r| r.spent.llm_calls as f64).sum::<f64>() / n,
            );
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
        if !made.extras.is_empty() {
            record::write_extras(&self.store()?, &self.run, id, made.extras)?;
        }
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

    /// The top agents run their stages once more; their scores become the
    /// mean over every repeat.
    fn reevaluate(
        &mut self,
        generation: u64,
        agents: &[AgentRecord],
        sink: &mut dyn FnMut(&Event),
    ) -> Result<(), EvolveAgentError> {
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
        let store = self.store()?;
        for agent in top {
            let repeats =
                record::read_extra::<Rescored>(&store, &self.run, agent.id, "score.json")?
                    .map_or(1, |r| r.repeats)
                    + 1;
            sink(&Event::Step {
                child: agents.len() as u64 - 1,
                generation,
                step: Step::Reevaluate,
                parent: Some(agent.id),
                entry: None,
            });
            let files = record::agent_files_at(&self.archive, &agent.commit, self.root())?;
            let dir = self.scratch.path().join(format!("agent-{}", agent.id));
            record::materialize(&files, &dir)?;
            let variant = self.archive.variant(&self.run, agent.id)?;
            let stage = variant.meta.metrics.get("stage").copied().unwrap_or(1.0);
            let mut tasks = self.stage1.clone();
            if stage >= 2.0 {
                tasks.extend(self.stage2.clone());
            }
            let label = format!("{}/{}", self.run, agent.id);
            let (runs, spent) = self.run_tasks(&label, &dir, &tasks, repeats, sink)?;
            self.tokens += spent.tokens_in;
            self.cost += spent.cost;
            let score = pass_rate(&runs);
            record::write_extras(
                &store,
                &self.run,
                agent.id,
                vec![(
                    "score.json".to_string(),
                    json_bytes(&Rescored { repeats, score }),
                )],
            )?;
            sink(&Event::Reevaluated {
                id: agent.id,
                repeats,
                score,
            });
        }
        Ok(())
    }
}

/// One agent to record.
struct Made<'a> {
    parent: Option<u64>,
    files: &'a BTreeMap<String, String>,
    parent_files: &'a BTreeMap<String, String>,
    generation: u64,
    rejection: Option<ChildRejection>,
    runs: &'a [CellResult],
    stage1: Option<f64>,
    spent: Spent,
    extras: Vec<(String, Vec<u8>)>,
}

/// Tokens and cost of a child's making.
#[derive(Debug, Clone, Default)]
struct Spent {
    tokens_in: u64,
    tokens_out: u64,
    cost: f64,
}

impl Spent {
    fn add(&mut self, other: &Spent) {
        self.tokens_in += other.tokens_in;
        self.tokens_out += other.tokens_out;
        self.cost += other.cost;
    }
}

/// Validated agents of generations before `generation`, with the children
/// each had then.
fn candidates(agents: &[AgentRecord], generation: u64) -> Vec<Candidate> {
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

fn pass_rate(runs: &[CellResult]) -> f64 {
    if runs.is_empty() {
        0.0
    } else {
        runs.iter().filter(|r| r.pass).count() as f64 / runs.len() as f64
    }
}

/// `TASK.md` and the visible tests of a task, as its agent saw them.
fn task_statement(suite: &Path, task: &str) -> Result<String, EvolveAgentError> {
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

fn json_bytes(value: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec_pretty(value).unwrap_or_default()
}

/// The repository's top folder.
fn repo_root(archive: &Archive) -> Result<PathBuf, EvolveAgentError> {
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
fn resolve_run(
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
        // A resumed run may be given a new length; the rest is as it began.
        override_length(&mut config, options);
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
    for (what, dir) in [("src", "src"), ("prompts", "prompts")] {
        if !agent.join(dir).is_dir() {
            return Err(EvolveAgentError::Setup(format!(
                "{} is not an agent folder: it has no {what}/",
                agent.display()
            )));
        }
    }
    config.validate().map_err(EvolveAgentError::Setup)?;
    let name = config.run.name.clone().unwrap_or_else(|| {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        format!("agents-{secs}")
    });
    let record = RunRecord {
        name: name.clone(),
        seed: config.run.seed,
        base_commit: archive.head_commit(),
        direction: Direction::Maximize,
        population: PopulationConfig::default(),
        created_ms: 0,
    };
    let text = config.to_toml().map_err(EvolveAgentError::Setup)?;
    archive.create_run(record, &text)?;
    Ok((name, config, false))
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

fn model_config(
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
fn watch_signals(stop: Arc<AtomicBool>) {
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
                use tokio::signal::unix::{SignalKind, signal};
                let (Ok(mut int), Ok(mut term)) = (
                    signal(SignalKind::interrupt()),
                    signal(SignalKind::terminate()),
                ) else {
                    return;
                };
                let mut count = 0;
                loop {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                    count += 1;
                    if count >= 2 {
                        std::process::exit(130);
                    }
                    stop.store(true, Ordering::SeqCst);
                }
            });
        });
}
