//! Making one agent: the seed's evaluation, and a child from a parent —
//! entry, diagnosis, the parent's self-edit, build, canary, stages. What
//! the child becomes is recorded by `evolve`; a child that fails on the way
//! is a rejection with its reason, and only a fault of the host or the
//! model (which says nothing about the child) stops the run.

use std::collections::BTreeMap;
use std::path::Path;

use clade_agent_bench::{Bench, CellResult, Plan, SplitFilter};
use clade_agent_host::{TaskRef, TaskRun};
use clade_archive::{ResultStore, Rng};
use clade_sandbox::BuildStatus;

use crate::EvolveAgentError;
use crate::config::ArchivePolicy;
use crate::diagnose::{self, Diagnosis, Limits, RunEvidence, Subject, cut};
use crate::events::{ChildRejection, Event, Step};
use crate::evolve::{Evolution, Made, Spent, candidates, json_bytes, pass_rate, task_statement};
use crate::record::{self, AgentRecord};
use crate::select::{self, Entry};

impl Evolution {
    /// The seed agent: its folder as committed when the run began.
    pub(crate) fn evaluate_seed(
        &mut self,
        sink: &mut dyn FnMut(&Event),
    ) -> Result<(), EvolveAgentError> {
        let base = self
            .archive
            .run(&self.run)?
            .base_commit
            .clone()
            .ok_or_else(|| EvolveAgentError::Setup("the run has no base commit".into()))?;
        let files = record::agent_files_at(&self.archive, &base, self.root())?;
        let seed_dir = self.scratch.path().join("seed");
        record::materialize(&files, &seed_dir)?;
        let wasm = self.build(&seed_dir)?.map_err(|why| {
            EvolveAgentError::Setup(format!(
                "the seed agent {} does not build: {why}",
                self.root()
            ))
        })?;
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
        let runs1 = self.stage(&label, &seed_dir, Step::Stage1, None, sink)?;
        let s1 = pass_rate(&runs1);
        let mut runs = runs1;
        if self.config.stages.stage2 && !self.stage2.is_empty() {
            runs.extend(self.stage(&label, &seed_dir, Step::Stage2, None, sink)?);
        }
        let spent = Spent::of_runs(&runs);
        self.record_agent(
            Made {
                parent: None,
                files: &files,
                parent_files: &files,
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
    pub(crate) fn make_child(
        &mut self,
        j: u64,
        agents: &[AgentRecord],
        sink: &mut dyn FnMut(&Event),
    ) -> Result<(), EvolveAgentError> {
        let generation = j / self.config.run.children + 1;
        let mut rng = Rng::derive(self.config.run.seed, j + 1);
        let parent_id = select::choose_parent(
            &candidates(agents, generation),
            self.config.selection.lambda,
            self.config.selection.midpoint,
            &mut rng,
        )
        .ok_or_else(|| EvolveAgentError::Setup("no kept agent to choose a parent from".into()))?;
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
        let parent_runs = self.stage(&label, &parent_dir, Step::Stage1, None, sink)?;
        let entry = select::choose_entry(&parent_runs, &mut rng);
        let seeds = (rng.next_u64(), rng.next_u64());
        let mut spent = Spent::default();
        let (diagnosis, prompt) = self.diagnose(
            &parent,
            &parent_files,
            &parent_dir,
            &parent_runs,
            entry.as_ref(),
            seeds.0,
            &mut spent,
        )?;
        let mut extras = vec![
            ("diagnosis.json".to_string(), json_bytes(&diagnosis)),
            ("diagnosis-prompt.md".to_string(), prompt.into_bytes()),
        ];
        if let Some(entry) = &entry {
            extras.push(("entry.txt".to_string(), entry.name().into_bytes()));
        }
        sink(&step(Step::SelfEdit, entry.as_ref()));
        let child_files =
            self.self_edit(&parent_dir, &diagnosis, seeds.1, &mut spent, &mut extras)?;
        let reject = |rejection| Made {
            parent: Some(parent.id),
            files: &child_files,
            parent_files: &parent_files,
            generation,
            rejection: Some(rejection),
            runs: &[],
            stage1: None,
            spent: spent.clone(),
            extras: extras.clone(),
        };
        if child_files == parent_files {
            return self.record_agent(reject(ChildRejection::EmptyPatch), sink);
        }
        let child_dir = self.scratch.path().join(format!("child-{j}"));
        if let Err(e) = record::materialize(&child_files, &child_dir) {
            return self.record_agent(reject(ChildRejection::BuildFailed(e.to_string())), sink);
        }
        sink(&step(Step::Build, entry.as_ref()));
        let wasm = match self.build(&child_dir)? {
            Ok(wasm) => wasm,
            Err(why) => return self.record_agent(reject(ChildRejection::BuildFailed(why)), sink),
        };
        sink(&step(Step::Canary, entry.as_ref()));
        let canary_log = self.scratch.path().join(format!("canary-{j}.jsonl"));
        let prompts = child_dir.join("prompts");
        if let Some(why) = self
            .canary
            .check(&self.runner, &wasm, &prompts, canary_log)?
        {
            return self.record_agent(reject(ChildRejection::CanaryFailed(why)), sink);
        }
        let child_label = format!("{}/child-{j}", self.run);
        let announce = Some((j, generation));
        let runs1 = self.stage(&child_label, &child_dir, Step::Stage1, announce, sink)?;
        let s1 = pass_rate(&runs1);
        let seed_s1 = agents.first().and_then(|s| s.stage1).unwrap_or(0.0);
        let margin = self.config.stages.margin;
        let mut runs = runs1;
        let full = self.config.stages.stage2 && !self.stage2.is_empty();
        if full && s1 >= seed_s1 - margin {
            runs.extend(self.stage(&child_label, &child_dir, Step::Stage2, announce, sink)?);
        }
        spent.add(&Spent::of_runs(&runs));
        // keep_better compares like with like: the seed's stage-1 rate for a
        // child that stopped at stage 1, its full score for one that did not.
        let seed_score = agents.first().and_then(|s| s.score).unwrap_or(0.0);
        let below = if runs.len() > self.stage1.len() || !full {
            pass_rate(&runs) < seed_score - margin
        } else {
            true
        };
        let rejection = (self.config.run.archive == ArchivePolicy::KeepBetter && below)
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
    ) -> Result<(Diagnosis, String), EvolveAgentError> {
        let store = self.store()?;
        let earlier = self.earlier_changes(&store, parent.id);
        let limits = Limits::for_model(self.meta_model.is_local());
        let pattern = |what| Subject::Pattern { what, runs };
        let (system, user) = match entry {
            Some(Entry::Task { task, repeat }) => {
                let statement = task_statement(&self.suite, task)?;
                let result = runs
                    .iter()
                    .find(|r| &r.task == task && r.repeat == *repeat)
                    .ok_or_else(|| EvolveAgentError::Setup(format!("no result of {task}")))?;
                let stored = self.stored_cell(&store, parent_dir, task, *repeat)?;
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
                &pattern("it often left the workspace unchanged (at least 10 % of its runs)"),
                &earlier,
                limits,
            ),
            Some(Entry::Budget) | None => diagnose::prompt(
                files,
                &pattern("it often ran out of its budget (at least 25 % of its runs)"),
                &earlier,
                limits,
            ),
        };
        let reply = self
            .meta_model
            .chat(&system, &user, self.config.budget.diagnosis_tokens, seed)
            .map_err(|e| EvolveAgentError::Model(format!("the diagnosis call failed: {e}")))?;
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
        let wasm = self.build(parent_dir)?.map_err(|why| {
            EvolveAgentError::Setup(format!("a recorded parent does not build: {why}"))
        })?;
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
        // A failed model call (or a replay miss) would make another child
        // than the model's answer: the run stops instead.
        if let Some(error) = outcome.model_error {
            return Err(EvolveAgentError::Model(format!(
                "during the self-edit: {error}"
            )));
        }
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
    pub(crate) fn build(&self, dir: &Path) -> Result<Result<Vec<u8>, String>, EvolveAgentError> {
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
    ) -> Result<Vec<CellResult>, EvolveAgentError> {
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

    /// Every (task, repeat) of the agent at `dir`, from the result store or
    /// run now.
    pub(crate) fn run_tasks(
        &mut self,
        label: &str,
        dir: &Path,
        tasks: &[String],
        repeats: u32,
        sink: &mut dyn FnMut(&Event),
    ) -> Result<Vec<CellResult>, EvolveAgentError> {
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
        let events = std::sync::Mutex::new(Vec::new());
        let results = bench.run(&plan, &|done| {
            if let Ok(mut events) = events.lock() {
                events.push(Event::Task {
                    agent: done.agent.clone(),
                    task: done.task.clone(),
                    repeat: done.repeat,
                    pass: done.pass,
                    cached: done.cached,
                });
            }
        });
        for e in events.into_inner().unwrap_or_default() {
            sink(&e);
        }
        let runs = results?.results.into_iter().next().unwrap_or_default();
        Ok(runs.into_iter().flatten().collect())
    }
}
