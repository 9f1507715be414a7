//! Runs every (agent, task, repeat) cell of a comparison, or reads it back
//! from the result store: the same model, budget and per-(task, repeat)
//! seed for every agent; up to `jobs` cells at once; every fresh result
//! stored with its transcript before it is reported, so an interrupted
//! comparison resumes where it stopped.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use clade_agent_host::{AgentRunner, ModelService, TaskRef, TaskRun};
use clade_archive::ResultStore;
use clade_sandbox::BuildStatus;
use clade_tasks::{Manifest, Split};
use serde::Serialize;

use crate::BenchError;
use crate::agent::{Agent, agent_tree};
use crate::cell::{self, CellParams, CellResult};

/// Which tasks of the suite a comparison runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitFilter {
    All,
    Only(Split),
}

impl SplitFilter {
    pub fn parse(text: &str) -> Result<Self, BenchError> {
        Ok(match text {
            "all" => SplitFilter::All,
            "train" => SplitFilter::Only(Split::Train),
            "validate" => SplitFilter::Only(Split::Validate),
            "heldout" => SplitFilter::Only(Split::Heldout),
            other => {
                return Err(BenchError::Invalid(format!(
                    "unknown split {other:?} (use heldout, validate, train or all)"
                )));
            }
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            SplitFilter::All => "all",
            SplitFilter::Only(Split::Train) => "train",
            SplitFilter::Only(Split::Validate) => "validate",
            SplitFilter::Only(Split::Heldout) => "heldout",
        }
    }
}

/// A comparison to run.
pub struct Plan {
    /// (label, folder) of each agent; the first is the baseline of the
    /// paired differences.
    pub agents: Vec<(String, PathBuf)>,
    pub suite: PathBuf,
    pub split: SplitFilter,
    /// Only these tasks of the split (in the suite's order), when set.
    pub only: Option<Vec<String>>,
    pub repeats: u32,
    pub jobs: usize,
    /// Use stored results only; a missing cell is an error naming why.
    pub cached_only: bool,
    /// Where transcripts are written while a cell runs.
    pub scratch: PathBuf,
    /// Set from outside to stop starting cells; the comparison then ends
    /// with [`BenchError::Stopped`] once the cells running have finished
    /// (and been stored).
    pub stop: Option<Arc<AtomicBool>>,
}

/// One cell finished: what progress shows.
#[derive(Debug, Clone, Serialize)]
pub struct CellDone {
    pub agent: String,
    pub task: String,
    pub repeat: u32,
    pub pass: bool,
    pub cached: bool,
    pub tokens: u64,
    pub cost_usd: f64,
    /// Cells finished so far, of `total`.
    pub done: usize,
    pub total: usize,
    pub passes: usize,
    /// Estimated seconds left, from the mean time of the cells run so far.
    pub eta_s: Option<f64>,
}

/// Every cell's result: `results[agent][task][repeat]`.
pub struct Results {
    pub agents: Vec<Agent>,
    pub tasks: Vec<String>,
    pub params: CellParams,
    pub results: Vec<Vec<Vec<CellResult>>>,
}

/// What runs the cells: the host's agent runner, the model, the store.
pub struct Bench<'a> {
    pub runner: &'a AgentRunner,
    pub model: &'a ModelService,
    pub store: ResultStore,
    pub budget: clade_agent_host::Budget,
}

struct Cell {
    agent: usize,
    task: usize,
    repeat: u32,
}

impl Bench<'_> {
    /// Runs (or reads back) every cell of `plan`, calling `progress` after
    /// each one.
    pub fn run(
        self,
        plan: &Plan,
        progress: &(dyn Fn(&CellDone) + Sync),
    ) -> Result<Results, BenchError> {
        if plan.agents.is_empty() {
            return Err(BenchError::Invalid("name at least one agent".into()));
        }
        if plan.repeats == 0 {
            return Err(BenchError::Invalid("--repeats must be at least 1".into()));
        }
        let tasks = suite_tasks(&plan.suite, plan.split, plan.only.as_deref())?;
        let params = CellParams {
            suite_hash: cell::suite_hash(&plan.suite)?,
            model: self.model.identity(),
            budget: self.budget.clone(),
        };
        let agents = plan
            .agents
            .iter()
            .map(|(label, dir)| agent_tree(&self.store, label, dir))
            .collect::<Result<Vec<_>, _>>()?;
        let mut cells = Vec::new();
        for task in 0..tasks.len() {
            for repeat in 0..plan.repeats {
                for agent in 0..agents.len() {
                    cells.push(Cell {
                        agent,
                        task,
                        repeat,
                    });
                }
            }
        }
        let Bench {
            runner,
            model,
            store,
            ..
        } = self;
        let store = Mutex::new(store);
        let mut stored: Vec<Option<CellResult>> = Vec::with_capacity(cells.len());
        for c in &cells {
            let key = cell::key(&agents[c.agent].tree, &params, &tasks[c.task], c.repeat);
            let guard = store.lock().map_err(|_| BenchError::poisoned())?;
            stored.push(read_cell(&guard, &key)?);
        }
        if plan.cached_only {
            let guard = store.lock().map_err(|_| BenchError::poisoned())?;
            for (c, hit) in cells.iter().zip(&stored) {
                if hit.is_none() {
                    return Err(missing(
                        &guard,
                        &agents[c.agent],
                        &params,
                        &tasks[c.task],
                        c.repeat,
                    ));
                }
            }
        }
        let mut wasm = vec![None; agents.len()];
        for (c, hit) in cells.iter().zip(&stored) {
            if hit.is_none() && wasm[c.agent].is_none() {
                wasm[c.agent] = Some(build(runner, &agents[c.agent])?);
            }
        }
        let runner = CellRunner {
            runner,
            model,
            plan,
            agents: &agents,
            tasks: &tasks,
            params: &params,
            wasm: &wasm,
            store: &store,
        };
        let slots = runner.run_all(&cells, stored, progress)?;
        let mut results = vec![vec![Vec::new(); tasks.len()]; agents.len()];
        for (c, result) in cells.iter().zip(slots) {
            results[c.agent][c.task].push(result);
        }
        Ok(Results {
            agents,
            tasks,
            params,
            results,
        })
    }
}

/// The agent's module, or why it has none: an agent that does not build
/// fails every cell with that reason.
fn build(runner: &AgentRunner, agent: &Agent) -> Result<Result<Vec<u8>, String>, BenchError> {
    let built = runner.build(&agent.dir)?;
    match built.wasm.filter(|_| built.status == BuildStatus::Ok) {
        Some(path) => std::fs::read(&path)
            .map(Ok)
            .map_err(BenchError::io("read", &path)),
        None => Ok(Err(format!(
            "the agent does not build ({}): {}",
            built.status.as_str(),
            built.reason.unwrap_or_default()
        ))),
    }
}

/// The shared state of the workers.
struct CellRunner<'a> {
    runner: &'a AgentRunner,
    model: &'a ModelService,
    plan: &'a Plan,
    agents: &'a [Agent],
    tasks: &'a [String],
    params: &'a CellParams,
    wasm: &'a [Option<Result<Vec<u8>, String>>],
    store: &'a Mutex<ResultStore>,
}

struct Tally {
    done: usize,
    passes: usize,
    ran: usize,
    run_s: f64,
}

impl CellRunner<'_> {
    /// Every cell's result in `cells` order: stored ones reported first,
    /// the rest run by up to `jobs` workers.
    fn run_all(
        &self,
        cells: &[Cell],
        stored: Vec<Option<CellResult>>,
        progress: &(dyn Fn(&CellDone) + Sync),
    ) -> Result<Vec<CellResult>, BenchError> {
        let total = cells.len();
        let to_run = stored.iter().filter(|s| s.is_none()).count();
        let tally = Mutex::new(Tally {
            done: 0,
            passes: 0,
            ran: 0,
            run_s: 0.0,
        });
        let report = |c: &Cell, r: &CellResult, cached: bool, took: f64| {
            let Ok(mut t) = tally.lock() else { return };
            t.done += 1;
            t.passes += usize::from(r.pass);
            if !cached {
                t.ran += 1;
                t.run_s += took;
            }
            let left = to_run - t.ran;
            let eta_s =
                (t.ran > 0).then(|| t.run_s / t.ran as f64 * left as f64 / self.jobs() as f64);
            progress(&CellDone {
                agent: self.agents[c.agent].label.clone(),
                task: self.tasks[c.task].clone(),
                repeat: c.repeat,
                pass: r.pass,
                cached,
                tokens: r.tokens(),
                cost_usd: r.cost,
                done: t.done,
                total,
                passes: t.passes,
                eta_s,
            });
        };
        let slots: Vec<Mutex<Option<CellResult>>> = stored.into_iter().map(Mutex::new).collect();
        for (c, slot) in cells.iter().zip(&slots) {
            if let Some(r) = slot.lock().map_err(|_| BenchError::poisoned())?.as_ref() {
                report(c, r, true, 0.0);
            }
        }
        let pending: Vec<usize> = (0..cells.len())
            .filter(|i| slots[*i].lock().map(|s| s.is_none()).unwrap_or(false))
            .collect();
        let next = AtomicUsize::new(0);
        let failure: Mutex<Option<BenchError>> = Mutex::new(None);
        std::thread::scope(|scope| {
            for _ in 0..self.jobs().min(pending.len().max(1)) {
                scope.spawn(|| {
                    loop {
                        let n = next.fetch_add(1, Ordering::SeqCst);
                        let Some(&i) = pending.get(n) else { break };
                        if failure.lock().map(|f| f.is_some()).unwrap_or(true) {
                            break;
                        }
                        if self
                            .plan
                            .stop
                            .as_ref()
                            .is_some_and(|s| s.load(Ordering::SeqCst))
                        {
                            if let Ok(mut f) = failure.lock() {
                                f.get_or_insert(BenchError::Stopped);
                            }
                            break;
                        }
                        let started = Instant::now();
                        match self.run_cell(&cells[i]) {
                            Ok(result) => {
                                report(&cells[i], &result, false, started.elapsed().as_secs_f64());
                                if let Ok(mut slot) = slots[i].lock() {
                                    *slot = Some(result);
                                }
                            }
                            Err(e) => {
                                if let Ok(mut f) = failure.lock() {
                                    f.get_or_insert(e);
                                }
                            }
                        }
                    }
                });
            }
        });
        if let Some(e) = failure.into_inner().map_err(|_| BenchError::poisoned())? {
            return Err(e);
        }
        slots
            .into_iter()
            .map(|s| {
                s.into_inner()
                    .ok()
                    .flatten()
                    .ok_or_else(|| BenchError::Invalid("a cell ended without a result".into()))
            })
            .collect()
    }

    fn jobs(&self) -> usize {
        self.plan.jobs.max(1)
    }

    /// Runs one cell and stores its result with its transcript.
    fn run_cell(&self, c: &Cell) -> Result<CellResult, BenchError> {
        let agent = &self.agents[c.agent];
        let task = &self.tasks[c.task];
        let seed = cell::seed(task, c.repeat);
        let key = cell::key(&agent.tree, self.params, task, c.repeat);
        // The agent's index too: two labels may name the same tree.
        let transcript = self.plan.scratch.join(format!(
            "{}-{}-{task}-{}-{}.jsonl",
            c.agent,
            &agent.tree[..12],
            c.repeat,
            std::process::id()
        ));
        let mut diff = String::new();
        let result = match &self.wasm[c.agent] {
            Some(Ok(wasm)) => {
                let outcome = self.runner.run_task(TaskRun {
                    agent_wasm: wasm,
                    prompts: &agent.dir.join("prompts"),
                    task: TaskRef::Coding {
                        suite: &self.plan.suite,
                        id: task,
                    },
                    budget: self.params.budget.clone(),
                    model: self.model.model(seed),
                    random_seed: seed,
                    transcript: transcript.clone(),
                })?;
                let cost = self
                    .model
                    .cost(outcome.spent.tokens_in, outcome.spent.tokens_out);
                if let Some(error) = &outcome.model_error {
                    let _ = std::fs::remove_file(&transcript);
                    return Err(BenchError::Model {
                        agent: agent.label.clone(),
                        task: task.clone(),
                        error: error.clone(),
                    });
                }
                diff = outcome.diff.clone();
                CellResult::of(&outcome, c.repeat, seed, cost)
            }
            Some(Err(reason)) => CellResult::unbuilt(task, c.repeat, seed, reason),
            None => return Err(BenchError::Invalid("an agent was not built".into())),
        };
        let text = std::fs::read(&transcript).unwrap_or_default();
        let _ = std::fs::remove_file(&transcript);
        let files = vec![
            ("params.json".to_string(), to_json(self.params)?),
            ("result.json".to_string(), to_json(&result)?),
            ("transcript.jsonl".to_string(), text),
            ("diff.patch".to_string(), diff.into_bytes()),
        ];
        self.store
            .lock()
            .map_err(|_| BenchError::poisoned())?
            .put(&key, &files)?;
        Ok(result)
    }
}

fn to_json(value: &impl Serialize) -> Result<Vec<u8>, BenchError> {
    serde_json::to_vec_pretty(value).map_err(|e| BenchError::Invalid(e.to_string()))
}

/// The stored result at `key`; a result that does not parse is refused
/// rather than silently re-run, naming the ref.
fn read_cell(store: &ResultStore, key: &str) -> Result<Option<CellResult>, BenchError> {
    let Some(files) = store.get(key)? else {
        return Ok(None);
    };
    let bytes = files
        .get("result.json")
        .ok_or_else(|| corrupt(key, "no result.json"))?;
    serde_json::from_slice(bytes)
        .map(Some)
        .map_err(|e| corrupt(key, &e.to_string()))
}

fn corrupt(key: &str, why: &str) -> BenchError {
    BenchError::Invalid(format!(
        "the stored result {}{key} is unreadable ({why}); delete that ref to run the cell again",
        clade_archive::RESULTS_ROOT
    ))
}

/// Why a cell has no stored result: results of the same agent, task and
/// repeat under other parameters are named by what differs.
fn missing(
    store: &ResultStore,
    agent: &Agent,
    params: &CellParams,
    task: &str,
    repeat: u32,
) -> BenchError {
    let prefix = format!("{}/{}", cell::KEY_ROOT, agent.tree);
    let others = store.keys(&prefix).unwrap_or_default();
    let suffix = format!("/{task}/{repeat}");
    for key in others.iter().filter(|k| k.ends_with(&suffix)) {
        let stored = store
            .get(key)
            .ok()
            .flatten()
            .and_then(|f| f.get("params.json").cloned())
            .and_then(|b| serde_json::from_slice::<CellParams>(&b).ok());
        if let Some(difference) = stored.and_then(|s| params.difference(&s)) {
            return BenchError::Mismatch(format!(
                "{} on {task} (repeat {repeat}) has results only for other parameters: {difference}; \
                 rerun without --cached to run it with these",
                agent.label
            ));
        }
    }
    BenchError::Mismatch(format!(
        "{} on {task} (repeat {repeat}) has no stored result; rerun without --cached",
        agent.label
    ))
}

/// The ids of the suite's tasks in `split`, sorted, after the suite is
/// verified against its manifest.
fn suite_tasks(
    suite: &Path,
    split: SplitFilter,
    only: Option<&[String]>,
) -> Result<Vec<String>, BenchError> {
    let (_, tasks) = Manifest::verify(suite)?;
    if let Some(unknown) = only
        .unwrap_or_default()
        .iter()
        .find(|id| !tasks.iter().any(|t| &t.id == *id))
    {
        return Err(BenchError::Invalid(format!(
            "{} has no task {unknown:?}",
            suite.display()
        )));
    }
    let mut ids: Vec<String> = tasks
        .into_iter()
        .filter(|t| split == SplitFilter::All || SplitFilter::Only(t.split) == split)
        .filter(|t| only.is_none_or(|only| only.contains(&t.id)))
        .map(|t| t.id)
        .collect();
    ids.sort();
    if ids.is_empty() {
        return Err(BenchError::Invalid(format!(
            "{} has no task in the {} split",
            suite.display(),
            split.name()
        )));
    }
    Ok(ids)
}
