//! The loop: plan iterations, let proposals and evaluations run concurrently,
//! and record their outcomes strictly in iteration order.
//!
//! Determinism: iteration `j` is planned right after iteration `j - W` is
//! recorded (W = parallel_proposals + parallel_evaluations), so its selection
//! sees exactly the variants of iterations `< j - W + 1`, whatever order the
//! concurrent work finishes in; every random choice of iteration `j` comes
//! from `Rng::derive(seed, j)`. A re-run with the same seed and the same LLM
//! replies (the response cache) therefore records the same archive. Prompts
//! name variants `#<id>`, never by run name, so a replay under another name
//! asks the same questions.
//!
//! This module owns the population mirror, budgets and stop decisions; the
//! archive writer only writes, and the iteration tasks only work.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use clade_agent::reflect::{Comparison, reflection_prompt};
use clade_agent::{Attempt, Guidance, Operator, OperatorMix, Program, PromptInput, Templates};
use clade_archive::{
    Direction, Instruction, NewVariant, Population, PopulationConfig, Rng, SandboxStats, Timings,
    TreeSource, VariantMeta, VariantStatus,
};
use clade_llm::{Ensemble, LlmError};
use tokio::sync::mpsc;

use crate::config::{Config, OperatorSelection};
use crate::evaluate::{Evaluation, first_line};
pub use crate::events::StopReason;
use crate::events::{Best, Event, Totals};
use crate::instructions::Instructions;
use crate::proposal::{
    self, Brief, LlmInfo, Outcome, Plan, Produced, Question, Shared, files_digest,
};
use crate::rejection::Rejection;
use crate::scoring::Metrics;
use crate::writer::{Ack, VariantQueue, Writer};

/// Feedback kept per variant, in characters.
const FEEDBACK_LIMIT: usize = 8000;
/// Feedback shown in a prompt, in characters.
const PROMPT_FEEDBACK_LIMIT: usize = 3000;
/// Programs beside the parent appear in prompts up to this size.
const CONTEXT_CODE_LIMIT: usize = 6000;
/// Rejected candidates remembered per island for FIX prompts.
pub(crate) const FAILURES_KEPT: usize = 4;
/// Earlier attempts shown per parent.
pub(crate) const ATTEMPTS_KEPT: usize = 3;
/// The stream tag of evaluation seeds, apart from the streams that plan
/// iterations, so changing how a plan draws never changes a candidate's
/// inputs (WASI randomness, benchmark draws), and the reverse.
pub(crate) const EVAL_STREAM: u64 = 1 << 63;
/// The step of the held-back inputs within [`EVAL_STREAM`].
const HELD_BACK_STEP: u64 = 1 << 62;

/// The seed every candidate of a run (and its seed program) is evaluated
/// with: one fixed input set per run, so identical code gets identical
/// scores and selection ranks code, not lucky draws.
pub(crate) fn ranking_seed(seed: u64) -> u64 {
    Rng::derive(seed, EVAL_STREAM).next_u64()
}

/// The seed of the held-back inputs: the best variant and the seed program
/// are evaluated on them once the run ends, inputs the search never saw.
pub(crate) fn held_back_seed(seed: u64) -> u64 {
    Rng::derive(seed, EVAL_STREAM | HELD_BACK_STEP).next_u64()
}

/// Consecutive LLM failures (each after its retries) that stop the run.
const MAX_LLM_FAILURES_IN_A_ROW: u32 = 3;

/// A recorded variant the controller may show or build on.
pub(crate) struct Known {
    pub score: Option<f64>,
    pub metrics: Metrics,
    pub files: Arc<BTreeMap<String, String>>,
}

/// The programs an iteration's prompt shows, by id (the parent also as the
/// prompt shows it).
struct Shown<'a> {
    parent: u64,
    parent_program: Program,
    top: &'a [u64],
    inspirations: &'a [u64],
    second_parent: Option<u64>,
}

/// A rejected candidate worth fixing.
pub(crate) struct Failure {
    pub id: u64,
    pub parent: u64,
    pub files: Arc<BTreeMap<String, String>>,
    pub feedback: String,
}

/// A remembered failure as a FIX prompt shows it: the program and why.
fn failed_program(failure: &Failure) -> (Program, String) {
    let program = Program {
        label: format!("#{}", failure.id),
        score: None,
        metrics: Metrics::new(),
        files: failure.files.as_ref().clone(),
    };
    (program, failure.feedback.clone())
}

/// What the controller remembers of recorded variants, for later prompts
/// and for building on them. Written only through [`Memory::account`] (the
/// seed through [`Memory::remember`]), both while recording and when a run
/// resumes from the archive, so a resumed run asks what an uninterrupted
/// one would.
pub(crate) struct Memory {
    pub known: HashMap<u64, Known>,
    /// Per island, the latest rejected candidates worth fixing.
    pub failures: Vec<VecDeque<Failure>>,
    /// Per parent, the latest attempts built on it.
    pub attempts: HashMap<u64, VecDeque<Attempt>>,
    pub commits: HashMap<u64, String>,
    /// The operators' statistics, for `operator_selection = "ucb"`.
    pub bandit: crate::bandit::OperatorBandit,
    /// Hints that preceded improvements, for `search.reflection`.
    pub lessons: crate::reflection::Lessons,
    /// The evolving instructions, for `search.prompt_evolution`.
    pub instructions: Instructions,
}

/// One recorded variant, as [`Memory::remember`] takes it.
pub(crate) struct Recorded<'a> {
    pub id: u64,
    pub parent: Option<u64>,
    pub island: usize,
    pub operator: &'a str,
    pub score: Option<f64>,
    pub metrics: &'a Metrics,
    pub reason: Option<&'a str>,
    pub feedback: Option<&'a str>,
    /// The candidate's files when its code is new (evaluated, not a repeat);
    /// `None` for LLM errors, unusable replies and duplicates.
    pub new_files: Option<Arc<BTreeMap<String, String>>>,
}

impl Memory {
    pub(crate) fn new(islands: usize) -> Self {
        Memory {
            known: HashMap::new(),
            failures: (0..islands.max(1)).map(|_| VecDeque::new()).collect(),
            attempts: HashMap::new(),
            commits: HashMap::new(),
            bandit: Default::default(),
            lessons: Default::default(),
            instructions: Default::default(),
        }
    }

    /// Credits the operator that made `variant` (not the seed), and the
    /// instruction its prompt carried: a win when it scored better than its
    /// parent and the seed.
    fn credit(
        &mut self,
        variant: &Recorded<'_>,
        instruction: Option<&Instruction>,
        direction: Direction,
    ) {
        if variant.id == 0 {
            return;
        }
        let (parent, seed) = (self.score_of(variant.parent), self.score_of(Some(0)));
        let won = variant.score.is_some_and(|child| {
            let beats = |other: Option<f64>| {
                other.is_none_or(|o| direction.fitness(child) > direction.fitness(o))
            };
            beats(parent) && beats(seed)
        });
        self.bandit.credit(variant.id, variant.operator, won);
        if let Some(instruction) = instruction {
            self.instructions.credit(variant.id, &instruction.text, won);
        }
    }

    /// Keeps the hint `variant`'s prompt carried as a lesson when the
    /// variant scored better than its parent.
    fn learn(&mut self, variant: &Recorded<'_>, hint: Option<&str>, direction: Direction) {
        let parent = self.score_of(variant.parent);
        let improved = matches!((variant.score, parent),
            (Some(child), Some(parent)) if direction.fitness(child) > direction.fitness(parent));
        self.lessons.learn(variant.id, improved, hint);
    }

    /// The recorded score of variant `id`.
    pub(crate) fn score_of(&self, id: Option<u64>) -> Option<f64> {
        id.and_then(|id| self.known.get(&id)).and_then(|k| k.score)
    }

    /// Everything the memory takes from a recorded variant, in one order
    /// for a live run and a resume: the bandits' credit, the lesson, then
    /// the variant itself.
    pub(crate) fn account(
        &mut self,
        variant: Recorded<'_>,
        meta: &VariantMeta,
        direction: Direction,
        metric: &str,
    ) {
        self.credit(&variant, meta.instruction.as_ref(), direction);
        let hint = meta.reflection.as_ref().map(|r| r.hint.as_str());
        self.learn(&variant, hint, direction);
        self.remember(variant, metric);
    }

    /// Remembers a recorded variant: the attempt on its parent, its code if
    /// validated, and its failure if it is worth a FIX prompt.
    pub(crate) fn remember(&mut self, variant: Recorded<'_>, metric: &str) {
        if let Some(parent) = variant.parent {
            let attempts = self.attempts.entry(parent).or_default();
            attempts.push_back(Attempt {
                label: format!("#{} ({})", variant.id, variant.operator),
                outcome: match (variant.score, variant.reason) {
                    (Some(score), _) => format!("{metric} = {score}"),
                    (None, Some(reason)) => format!("rejected: {reason}"),
                    (None, None) => "rejected".into(),
                },
            });
            while attempts.len() > ATTEMPTS_KEPT {
                attempts.pop_front();
            }
        }
        let Some(files) = variant.new_files else {
            return;
        };
        if variant.score.is_some() {
            self.known.insert(
                variant.id,
                Known {
                    score: variant.score,
                    metrics: variant.metrics.clone(),
                    files,
                },
            );
        } else if let Some(parent) = variant.parent
            && let Some(feedback) = variant.feedback
            && variant.operator != Operator::Fix.as_str()
            && let Some(queue) = self.failures.get_mut(variant.island)
        {
            queue.push_back(Failure {
                id: variant.id,
                parent,
                files,
                feedback: feedback.to_string(),
            });
            while queue.len() > FAILURES_KEPT {
                queue.pop_front();
            }
        }
    }
}

pub(crate) struct Budgets {
    pub iterations: u64,
    pub max_tokens: Option<u64>,
    pub max_llm_calls: Option<u64>,
    pub max_cost_usd: Option<f64>,
    pub max_wall: Option<Duration>,
    pub target_score: Option<f64>,
}

/// Framework time per iteration, for the benchmark (ms).
#[derive(Debug, Clone, Default)]
pub struct FrameworkTimes {
    pub plan_ms: Vec<f64>,
    pub apply_ms: Vec<f64>,
    pub record_ms: Vec<f64>,
    /// The writer's time per variant (batch time / batch size).
    pub write_ms: Vec<f64>,
}

/// What a run was asked to do: fixed for the run, read from its config.
pub(crate) struct Settings {
    pub run: String,
    pub seed: u64,
    pub direction: Direction,
    pub metric: String,
    pub task: String,
    pub templates: Arc<Templates>,
    pub operators: OperatorMix,
    pub operator_selection: OperatorSelection,
    /// `search.reflection`.
    pub reflection: bool,
    /// `search.prompt_evolution`.
    pub prompt_evolution: bool,
    /// Iterations in flight at once (W = parallel_proposals +
    /// parallel_evaluations, see the module doc).
    pub window: u64,
    /// Repairs per iteration (see `run.repairs`).
    pub repairs: u32,
    pub budgets: Budgets,
}

impl Settings {
    /// The settings of run `run` from `config`; `all_local` (every model is
    /// the local one) picks the small-model defaults for repairs and the
    /// operator mix.
    pub(crate) fn new(config: &Config, run: &str, templates: Templates, all_local: bool) -> Self {
        let direction = config.evaluate.direction;
        let task = config.target.task.clone().unwrap_or_else(|| {
            let verb = match direction {
                Direction::Maximize => "maximize",
                Direction::Minimize => "minimize",
            };
            format!(
                "Improve the program so that the metric `{}` is {verb}d. Keep it correct: it must still build and pass its evaluation.",
                config.evaluate.metric
            )
        });
        let operators = config.search.operators.clone().unwrap_or_else(|| {
            if all_local {
                OperatorMix::small_model()
            } else {
                OperatorMix::default()
            }
        });
        Settings {
            run: run.to_string(),
            seed: config.run.seed,
            direction,
            metric: config.evaluate.metric.clone(),
            task,
            templates: Arc::new(templates),
            operators,
            operator_selection: config.search.operator_selection,
            reflection: config.search.reflection,
            prompt_evolution: config.search.prompt_evolution,
            window: (config.run.parallel_proposals + config.run.parallel_evaluations).max(1) as u64,
            repairs: config.run.repairs.unwrap_or(if all_local { 1 } else { 0 }),
            budgets: Budgets {
                iterations: config.run.iterations,
                max_tokens: config.run.max_tokens,
                max_llm_calls: config.run.max_llm_calls,
                max_cost_usd: config.run.max_cost_usd,
                max_wall: config
                    .run
                    .max_wall_minutes
                    .map(|m| Duration::from_secs_f64(m.max(0.0) * 60.0)),
                target_score: config.run.target_score,
            },
        }
    }
}

/// What the run has counted so far, this session and (`prior_*`) before.
pub(crate) struct Counters {
    /// Iterations recorded, this session and before.
    pub done: u64,
    /// The id the next recorded variant gets.
    pub next_id: u64,
    pub validated: u64,
    pub rejected: u64,
    /// Tokens and cost of earlier sessions.
    pub prior_tokens: u64,
    /// LLM replies of the recorded iterations, this session and before:
    /// what `run.max_llm_calls` counts (replies of work in flight are not
    /// counted until it is recorded, so where a run stops does not depend
    /// on timing, and a resume counts what the notes say).
    pub recorded_llm_calls: u64,
    pub prior_cost: f64,
    pub prior_elapsed: Duration,
    pub seed_score: Option<f64>,
    /// When this session started, and how many iterations were done then.
    pub started: Instant,
    pub done_at_start: u64,
    pub times: FrameworkTimes,
    pub llm_failures_in_a_row: u32,
    pub last_llm_error: Option<String>,
}

impl Counters {
    /// Nothing counted yet; `prior_elapsed` is the wall time of earlier
    /// sessions of a resumed run.
    pub(crate) fn new(prior_elapsed: Duration) -> Self {
        Counters {
            done: 0,
            next_id: 0,
            validated: 0,
            rejected: 0,
            prior_tokens: 0,
            recorded_llm_calls: 0,
            prior_cost: 0.0,
            prior_elapsed,
            seed_score: None,
            started: Instant::now(),
            done_at_start: 0,
            times: FrameworkTimes::default(),
            llm_failures_in_a_row: 0,
            last_llm_error: None,
        }
    }
}

/// The loop's state: its settings, the population it selects from, the
/// models it asks, what it remembers of every variant, and its counters.
pub(crate) struct Controller {
    pub settings: Settings,
    pub population: Population,
    pub models: Ensemble,
    pub shared: Arc<Shared>,
    pub memory: Memory,
    pub counters: Counters,
}

impl Controller {
    pub(crate) fn new(
        settings: Settings,
        population: PopulationConfig,
        models: Ensemble,
        shared: Arc<Shared>,
        prior_elapsed: Duration,
    ) -> Self {
        let islands = population.islands.max(1);
        Controller {
            population: Population::new(population, settings.direction),
            settings,
            models,
            shared,
            memory: Memory::new(islands),
            counters: Counters::new(prior_elapsed),
        }
    }
}

/// The end of a session of the loop.
pub(crate) struct LoopEnd {
    pub reason: StopReason,
    pub detail: String,
}

impl Controller {
    fn window(&self, parallel: usize) -> u64 {
        parallel.max(1) as u64
    }

    pub(crate) fn best(&self) -> Option<Best> {
        let id = self.population.best()?;
        Some(Best {
            id,
            score: self.memory.known.get(&id).and_then(|k| k.score)?,
            commit: self.memory.commits.get(&id).cloned(),
        })
    }

    pub(crate) fn totals(&self) -> Totals {
        let usage = self.shared.ledger.usage();
        let elapsed = self.counters.prior_elapsed + self.counters.started.elapsed();
        let session_done = self
            .counters
            .done
            .saturating_sub(self.counters.done_at_start);
        let remaining = self
            .settings
            .budgets
            .iterations
            .saturating_sub(self.counters.done);
        let eta_s = (session_done > 0).then(|| {
            self.counters.started.elapsed().as_secs_f64() / session_done as f64 * remaining as f64
        });
        Totals {
            done: self.counters.done,
            planned: self.settings.budgets.iterations,
            validated: self.counters.validated,
            rejected: self.counters.rejected,
            llm_in_flight: self.shared.llm_in_flight.load(Ordering::Relaxed),
            eval_in_flight: self.shared.eval_in_flight.load(Ordering::Relaxed),
            tokens: self.counters.prior_tokens + usage.tokens(),
            llm_calls: self.counters.recorded_llm_calls,
            cost_usd: self.counters.prior_cost + usage.cost_usd,
            elapsed_s: elapsed.as_secs_f64(),
            eta_s,
            workers: self.shared.backend.workers(),
        }
    }

    /// Plans iteration `iteration` from the population as it is now.
    fn plan(&mut self, iteration: u64) -> Option<Plan> {
        let started = Instant::now();
        let mut rng = Rng::derive(self.settings.seed, iteration + 1);
        let islands = self.population.island_count().max(1);
        let island = (iteration % islands as u64) as usize;
        let can_fix = !self.memory.failures[island].is_empty();
        let can_crossover = self.population.island_size(island) >= 2;
        // The draw is taken either way: the rest of the plan draws the same.
        let unit = rng.unit();
        let mut operator = match self.settings.operator_selection {
            OperatorSelection::Mix => self.settings.operators.choose(unit, can_crossover, can_fix),
            OperatorSelection::Ucb => self.memory.bandit.choose(
                &self.settings.operators,
                can_crossover,
                can_fix,
                (iteration + 1).saturating_sub(self.settings.window),
            ),
        };
        let mut failed = None;
        let mut parent = None;
        if operator == Operator::Fix
            && let Some(failure) = self.memory.failures[island].pop_back()
            && self.memory.known.contains_key(&failure.parent)
        {
            parent = Some(failure.parent);
            failed = Some(failure);
        }
        // Without what an operator needs, the plainer one the mix allows.
        let plain = if self.settings.operators.diff > 0.0 {
            Operator::Diff
        } else {
            Operator::Rewrite
        };
        if parent.is_none() {
            if operator == Operator::Fix {
                operator = plain;
            }
            parent = self.population.select_parent(island, &mut rng);
        }
        let parent = parent?;
        let mut second_parent = None;
        if operator == Operator::Crossover {
            second_parent = self.second_parent(island, parent, &mut rng);
            if second_parent.is_none() {
                operator = plain;
            }
        }
        let inspirations = self.population.inspirations(island, parent, &mut rng);
        let top: Vec<u64> = self
            .population
            .elites()
            .into_iter()
            .filter(|id| *id != parent && !inspirations.contains(id))
            .take(2)
            .collect();
        let endpoint = self.models.pick(rng.unit());
        let llm_seed = rng.next_u64();
        let eval_seed = ranking_seed(self.settings.seed);
        let parent_program = self.program(parent)?;
        let base_files = match &failed {
            Some(failure) => failure.files.clone(),
            None => self.memory.known.get(&parent)?.files.clone(),
        };
        let shown = Shown {
            parent,
            parent_program,
            top: &top,
            inspirations: &inspirations,
            second_parent,
        };
        let input = self.prompt_input(operator, shown, failed.as_ref());
        let others: Vec<u64> = top.iter().chain(&inspirations).copied().collect();
        let (guidance, reflect) =
            self.guidance(iteration, parent, &others, failed.is_some(), &input);
        let question = Question {
            templates: self.settings.templates.clone(),
            input,
            guidance,
        };
        let input = &question.input;
        let brief = Brief {
            task: input.task.clone(),
            metric: input.metric.clone(),
            direction: input.direction.clone(),
            parent_score: input.parent.score,
            parent_files: self.memory.known.get(&parent)?.files.clone(),
        };
        Some(Plan {
            iteration,
            island,
            parent,
            operator,
            inspirations,
            mutate: question.guidance.instruction.is_some() && Instructions::mutates(iteration),
            mutated_from: None,
            question,
            endpoint,
            llm_seed,
            eval_seed,
            base_files,
            plan_ms: started.elapsed().as_secs_f64() * 1e3,
            known_below: self.counters.next_id,
            repairs: self.settings.repairs,
            brief,
            reflect,
        })
    }

    /// What iteration's prompt shows: the run's task, `operator`, the
    /// programs of `shown`, the parent's earlier attempts and, for a fix,
    /// the failed candidate.
    fn prompt_input(
        &self,
        operator: Operator,
        shown: Shown<'_>,
        failed: Option<&Failure>,
    ) -> PromptInput {
        PromptInput {
            task: self.settings.task.clone(),
            metric: self.settings.metric.clone(),
            direction: match self.settings.direction {
                Direction::Maximize => "maximize".into(),
                Direction::Minimize => "minimize".into(),
            },
            operator,
            feedback: None,
            top_programs: shown
                .top
                .iter()
                .filter_map(|id| self.program(*id))
                .collect(),
            inspirations: shown
                .inspirations
                .iter()
                .filter_map(|id| self.program(*id))
                .collect(),
            previous_attempts: self
                .memory
                .attempts
                .get(&shown.parent)
                .map(|a| a.iter().cloned().collect())
                .unwrap_or_default(),
            second_parent: shown.second_parent.and_then(|id| self.program(id)),
            failed: failed.map(failed_program),
            feedback_limit: PROMPT_FEEDBACK_LIMIT,
            context_code_limit: CONTEXT_CODE_LIMIT,
            parent: shown.parent_program,
        }
    }

    /// The guidance iteration `iteration`'s question carries: with
    /// `search.prompt_evolution` the instruction UCB1 picks; with
    /// `search.reflection` the lessons and the comparison asked before the
    /// question (none without a pair to compare). Both count variants up to
    /// the cutoff. None for a fix or with an agent proposer.
    fn guidance(
        &self,
        iteration: u64,
        parent: u64,
        others: &[u64],
        fixing: bool,
        input: &PromptInput,
    ) -> (Guidance, Option<crate::reflection::Reflect>) {
        // A fix's prompt shows the failed candidate's error and no guidance;
        // an agent proposer writes its own prompts.
        if fixing || self.shared.proposer.is_some() {
            return (Guidance::default(), None);
        }
        let cutoff = (iteration + 1).saturating_sub(self.settings.window);
        let guidance = Guidance {
            reflection: None,
            lessons: if self.settings.reflection {
                self.memory.lessons.upto(cutoff)
            } else {
                Vec::new()
            },
            instruction: self
                .settings
                .prompt_evolution
                .then(|| self.memory.instructions.choose(cutoff).to_string()),
        };
        if !self.settings.reflection {
            return (guidance, None);
        }
        let score = |id: u64| self.memory.score_of(Some(id));
        let reflect = crate::reflection::pair(parent, others, score, self.settings.direction)
            .and_then(|(better, worse)| {
                let (b, w) = (self.program(better)?, self.program(worse)?);
                let comparison = reflection_prompt(&Comparison {
                    task: &input.task,
                    metric: &input.metric,
                    direction: &input.direction,
                    better: &b,
                    worse: &w,
                })?;
                Some(crate::reflection::Reflect {
                    better,
                    worse,
                    comparison,
                })
            });
        (guidance, reflect)
    }

    /// A second parent for crossover, other than `parent` (a few draws).
    fn second_parent(&mut self, island: usize, parent: u64, rng: &mut Rng) -> Option<u64> {
        (0..4)
            .filter_map(|_| self.population.select_parent(island, rng))
            .find(|other| *other != parent)
    }

    /// Takes the evaluated seed program as variant 0: in the population, the
    /// digest table and memory; the next variant is 1.
    pub(crate) fn adopt_seed(
        &mut self,
        files: BTreeMap<String, String>,
        score: f64,
        metrics: Metrics,
        features: Vec<u32>,
    ) -> Result<(), String> {
        self.population.add(0, None, 0, score, features, &metrics);
        self.shared.digests()?.insert(files_digest(&files), 0);
        self.remember_signature(0, &files);
        self.memory.remember(
            Recorded {
                id: 0,
                parent: None,
                island: 0,
                operator: "seed",
                score: Some(score),
                metrics: &metrics,
                reason: None,
                feedback: None,
                new_files: Some(Arc::new(files)),
            },
            &self.settings.metric,
        );
        self.counters.next_id = 1;
        self.counters.seed_score = Some(score);
        Ok(())
    }

    fn program(&self, id: u64) -> Option<Program> {
        let known = self.memory.known.get(&id)?;
        Some(Program {
            label: format!("#{id}"),
            score: known.score,
            metrics: known.metrics.clone(),
            files: known.files.as_ref().clone(),
        })
    }

    /// A duplicate or a near duplicate counts against its parent and is
    /// noted as such, so that a resumed run (whose index replays
    /// `duplicate_of`) counts it too.
    fn count_duplicate(
        &mut self,
        plan: &Plan,
        rejection: Option<&Rejection>,
        meta: &mut VariantMeta,
    ) {
        let of = match rejection {
            Some(Rejection::Duplicate { of: Some(other) }) => *other,
            Some(Rejection::NearDuplicate { of, .. }) => *of,
            _ => return,
        };
        meta.duplicate_of = Some(of);
        self.population
            .record_duplicate(plan.parent, plan.island, of);
    }

    /// Records one outcome: decides its status, updates the population and
    /// the memory of attempts, queues it for the archive and reports it.
    fn record(
        &mut self,
        outcome: Outcome,
        writer: &dyn VariantQueue,
        sink: &mut dyn FnMut(&Event),
    ) -> Result<Option<(StopReason, String)>, String> {
        let started = Instant::now();
        let Outcome {
            plan,
            llm,
            result,
            apply_ms,
            repairs,
        } = outcome;
        let id = self.counters.next_id;
        let mut meta = variant_meta(&plan, llm.as_ref());
        self.counters.recorded_llm_calls += meta.llm_calls.unwrap_or(0);
        let Judged {
            rejection,
            mut stop,
            files_changed,
            new_files,
        } = self.judge(id, plan.parent, result, &mut meta)?;
        meta.reason = rejection.as_ref().map(Rejection::to_string);
        self.count_duplicate(&plan, rejection.as_ref(), &mut meta);
        let validated = meta.score.is_some();
        meta.status = Some(if validated {
            VariantStatus::Validated
        } else {
            VariantStatus::Rejected
        });
        let best_before = self.best().map(|b| b.score);
        self.admit(id, &plan, &mut meta);
        let recorded = Recorded {
            id,
            parent: Some(plan.parent),
            island: plan.island,
            operator: plan.operator.as_str(),
            score: meta.score,
            metrics: &meta.metrics,
            reason: meta.reason.as_deref(),
            feedback: meta.feedback.as_deref(),
            new_files,
        };
        self.memory.account(
            recorded,
            &meta,
            self.settings.direction,
            &self.settings.metric,
        );
        let improved = validated
            && self.population.best() == Some(id)
            && meta.score.is_some_and(|s| {
                best_before.is_none_or(|b| {
                    self.settings.direction.fitness(s) > self.settings.direction.fitness(b)
                })
            });
        let event = Event::Variant {
            iteration: plan.iteration,
            id,
            parent: Some(plan.parent),
            island: plan.island,
            operator: plan.operator,
            repairs,
            model: meta.model.clone(),
            status: if validated {
                VariantStatus::Validated
            } else {
                VariantStatus::Rejected
            },
            score: meta.score,
            reason: rejection,
            improved,
            best: self.best(),
            totals: Totals {
                done: self.counters.done + 1,
                ..self.totals()
            },
        };
        tracing::info!(
            run = %self.settings.run,
            iteration = plan.iteration,
            id,
            parent = plan.parent,
            operator = plan.operator.as_str(),
            status = if validated { "validated" } else { "rejected" },
            score = meta.score,
            reason = meta.reason.as_deref().unwrap_or(""),
            "variant recorded"
        );
        let variant = NewVariant {
            parent: Some(plan.parent),
            tree: TreeSource::Files(files_changed),
            meta,
            transcript: llm.map(|llm| llm.transcript),
        };
        if !writer.send(id, variant) {
            return Err("the archive writer stopped".into());
        }
        self.counters.next_id += 1;
        self.counters.done += 1;
        self.counters.times.plan_ms.push(plan.plan_ms);
        self.counters.times.apply_ms.push(apply_ms);
        sink(&event);
        self.counters
            .times
            .record_ms
            .push(started.elapsed().as_secs_f64() * 1e3);
        if stop.is_none() {
            stop = self.budget_stop();
        }
        Ok(stop)
    }

    /// Adds a validated variant to the population (with its features in
    /// `meta`) and counts it either way.
    fn admit(&mut self, id: u64, plan: &Plan, meta: &mut VariantMeta) {
        let Some(score) = meta.score else {
            self.counters.rejected += 1;
            return;
        };
        let features = self.population.features_for(&meta.metrics);
        meta.features = features.clone();
        self.population.add(
            id,
            Some(plan.parent),
            plan.island,
            score,
            features,
            &meta.metrics,
        );
        self.counters.validated += 1;
    }

    /// Keeps the signature of new code `id` for the novelty gate, when it
    /// is on.
    pub(crate) fn remember_signature(&self, id: u64, files: &BTreeMap<String, String>) {
        if let Ok(mut signatures) = self.shared.signatures.lock()
            && signatures.threshold > 0.0
        {
            signatures
                .by_id
                .insert(id, crate::novelty::Signature::of(files));
        }
    }

    /// Judges a plan's result: its rejection (if any), a stop it calls for
    /// (a dead LLM), the files it changes against its parent, and its files
    /// when its code is new and evaluated. Fills the evaluation's part of
    /// `meta` and claims the candidate's digest for `id`.
    fn judge(
        &mut self,
        id: u64,
        parent: u64,
        result: Produced,
        meta: &mut VariantMeta,
    ) -> Result<Judged, String> {
        let mut stop = None;
        let rejection: Option<Rejection>;
        let mut files_changed: Vec<(String, Option<Vec<u8>>)> = Vec::new();
        let mut new_files: Option<Arc<BTreeMap<String, String>>> = None;
        match result {
            Produced::Llm(err) => {
                let message = err.to_string();
                rejection = Some(Rejection::LlmError(first_line(&message)));
                meta.feedback = Some(cut(&message, FEEDBACK_LIMIT));
                self.counters.llm_failures_in_a_row += 1;
                self.counters.last_llm_error = Some(message.clone());
                if fatal_llm_error(&err)
                    || self.counters.llm_failures_in_a_row >= MAX_LLM_FAILURES_IN_A_ROW
                {
                    stop = Some((
                        StopReason::LlmUnavailable,
                        format!(
                            "the LLM failed {} time(s) in a row; last error: {message}",
                            self.counters.llm_failures_in_a_row
                        ),
                    ));
                }
            }
            Produced::Unparsable(message) => {
                self.counters.llm_failures_in_a_row = 0;
                rejection = Some(Rejection::ParseFailed(first_line(&message)));
                meta.feedback = Some(cut(&message, FEEDBACK_LIMIT));
            }
            Produced::Interrupted => {
                rejection = Some(Rejection::Interrupted);
            }
            Produced::Panicked(message) => {
                rejection = Some(Rejection::HostError(first_line(&message)));
                meta.feedback = Some(cut(&message, FEEDBACK_LIMIT));
            }
            Produced::AgentFailed(message) => {
                rejection = Some(Rejection::AgentFailed(first_line(&message)));
                meta.feedback = Some(cut(&message, FEEDBACK_LIMIT));
            }
            Produced::Candidate {
                candidate,
                digest,
                evaluation,
                near,
            } => {
                self.counters.llm_failures_in_a_row = 0;
                let parent_files = self.memory.known.get(&parent).map(|k| k.files.clone());
                for (path, text) in &candidate.files {
                    let same = parent_files
                        .as_ref()
                        .and_then(|p| p.get(path))
                        .is_some_and(|old| old == text);
                    if !same {
                        files_changed.push((path.clone(), Some(text.clone().into_bytes())));
                    }
                }
                let mut digests = self.shared.digests()?;
                let duplicate = digests.get(&digest).copied();
                let files = Arc::new(candidate.files);
                match (duplicate, evaluation) {
                    (Some(other), _) => {
                        rejection = Some(Rejection::Duplicate { of: Some(other) });
                    }
                    (None, None) => {
                        rejection = Some(match near {
                            // Known from now on as any new code is, so a
                            // resumed run (which rebuilds both tables from
                            // the archive's code) judges as this one does.
                            Some((of, distance)) => {
                                digests.insert(digest, id);
                                self.remember_signature(id, &files);
                                Rejection::NearDuplicate { of, distance }
                            }
                            None => Rejection::Duplicate { of: None },
                        });
                    }
                    (None, Some(evaluation)) => {
                        digests.insert(digest, id);
                        self.remember_signature(id, &files);
                        rejection = apply_evaluation(meta, evaluation);
                        new_files = Some(files);
                    }
                }
            }
        }
        Ok(Judged {
            rejection,
            stop,
            files_changed,
            new_files,
        })
    }

    /// The first budget or target that is reached, if any.
    fn budget_stop(&self) -> Option<(StopReason, String)> {
        let totals = self.totals();
        if let (Some(target), Some(best)) = (self.settings.budgets.target_score, self.best())
            && self.settings.direction.fitness(best.score)
                >= self.settings.direction.fitness(target)
        {
            return Some((
                StopReason::TargetScore,
                format!(
                    "{}/{} reached {} = {} (target {target})",
                    self.settings.run, best.id, self.settings.metric, best.score
                ),
            ));
        }
        if let Some(max) = self.settings.budgets.max_tokens
            && totals.tokens >= max
        {
            return Some((
                StopReason::MaxTokens,
                format!("{} tokens used (max_tokens = {max})", totals.tokens),
            ));
        }
        if let Some(max) = self.settings.budgets.max_llm_calls
            && self.counters.recorded_llm_calls >= max
        {
            return Some((
                StopReason::MaxLlmCalls,
                format!(
                    "{} LLM calls made (max_llm_calls = {max})",
                    self.counters.recorded_llm_calls
                ),
            ));
        }
        if let Some(max) = self.settings.budgets.max_cost_usd
            && totals.cost_usd >= max
        {
            return Some((
                StopReason::MaxCost,
                format!("${:.4} spent (max_cost_usd = {max})", totals.cost_usd),
            ));
        }
        if let Some(max) = self.settings.budgets.max_wall
            && self.counters.prior_elapsed + self.counters.started.elapsed() >= max
        {
            return Some((
                StopReason::WallTime,
                format!(
                    "{:.1} minutes elapsed (max_wall_minutes = {:.1})",
                    totals.elapsed_s / 60.0,
                    max.as_secs_f64() / 60.0
                ),
            ));
        }
        None
    }

    /// Runs iterations until the budget is used, a stop is asked for, or the
    /// LLM is unavailable. In-flight work is finished and recorded before
    /// returning, so the archive is consistent.
    pub(crate) async fn run_loop(
        &mut self,
        writer: &Writer,
        acks: &mut mpsc::UnboundedReceiver<Ack>,
        parallel: usize,
        catch_signals: bool,
        sink: &mut dyn FnMut(&Event),
    ) -> Result<LoopEnd, String> {
        let window = self.window(parallel);
        let (results_tx, mut results) = mpsc::unbounded_channel::<Outcome>();
        let mut ready: BTreeMap<u64, Outcome> = BTreeMap::new();
        let mut launched = self.counters.done;
        let mut stopping: Option<(StopReason, String)> = None;
        let mut tasks = tokio::task::JoinSet::new();
        let mut interrupts = signals(catch_signals);
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

        if let Some(stop) = self.budget_stop() {
            stopping = Some(stop);
        }
        loop {
            // Launch what the window allows; see the module doc.
            if stopping.is_none() {
                self.launch(&mut launched, window, &mut tasks, &results_tx)?;
            }
            if launched == self.counters.done {
                break;
            }
            tokio::select! {
                Some(outcome) = results.recv() => {
                    ready.insert(outcome.plan.iteration, outcome);
                    while let Some(outcome) = ready.remove(&self.counters.done) {
                        let stop = self.record(outcome, writer, sink)?;
                        if let Some((reason, detail)) = stop
                            && stopping.is_none()
                        {
                            tracing::info!(reason = reason.as_str(), %detail, "stopping");
                            sink(&Event::Stopping { reason, detail: detail.clone() });
                            stopping = Some((reason, detail));
                        }
                        // Plan the next iterations now, before the following
                        // outcome changes the population.
                        if stopping.is_none() {
                            self.launch(&mut launched, window, &mut tasks, &results_tx)?;
                        }
                    }
                }
                Some(ack) = acks.recv() => self.acknowledge(ack)?,
                Some(count) = interrupts.recv() => {
                    if count >= 2 || stopping.as_ref().is_some_and(|s| s.0 == StopReason::Interrupted) {
                        // A second interrupt: stop waiting for work in flight.
                        tasks.abort_all();
                        let detail = format!("interrupted again; {} iteration(s) in flight were dropped", launched - self.counters.done);
                        tracing::warn!(%detail, "aborting");
                        return Ok(LoopEnd { reason: StopReason::Interrupted, detail });
                    }
                    let detail = format!(
                        "interrupted; finishing {} iteration(s) in flight (interrupt again to drop them)",
                        launched - self.counters.done
                    );
                    sink(&Event::Stopping { reason: StopReason::Interrupted, detail: detail.clone() });
                    stopping = Some((StopReason::Interrupted, detail));
                }
                _ = tick.tick() => {
                    if stopping.is_none()
                        && let Some(stop) = self.budget_stop()
                    {
                        sink(&Event::Stopping { reason: stop.0, detail: stop.1.clone() });
                        stopping = Some(stop);
                    }
                    sink(&Event::Status { best: self.best(), totals: self.totals() });
                }
            }
        }
        Ok(match stopping {
            Some((reason, detail)) => LoopEnd { reason, detail },
            None => LoopEnd {
                reason: StopReason::Iterations,
                detail: format!("{} iterations done", self.counters.done),
            },
        })
    }

    /// Plans and starts iterations while the window and the budget allow.
    fn launch(
        &mut self,
        launched: &mut u64,
        window: u64,
        tasks: &mut tokio::task::JoinSet<()>,
        results: &mpsc::UnboundedSender<Outcome>,
    ) -> Result<(), String> {
        while *launched < self.settings.budgets.iterations
            && *launched < self.counters.done + window
        {
            let Some(plan) = self.plan(*launched) else {
                return Err("no parent to select: the population is empty".into());
            };
            let shared = self.shared.clone();
            let tx = results.clone();
            tasks.spawn(async move {
                // The work runs as a task of its own, so a panic in it is
                // a value here: the iteration is recorded, never waited
                // for forever.
                let backup = plan.clone();
                let outcome = match tokio::spawn(proposal::work(plan, shared)).await {
                    Ok(outcome) => outcome,
                    Err(failure) => Outcome {
                        plan: backup,
                        llm: None,
                        result: Produced::Panicked(format!("the proposal task failed: {failure}")),
                        apply_ms: 0.0,
                        repairs: 0,
                    },
                };
                let _ = tx.send(outcome);
            });
            *launched += 1;
        }
        Ok(())
    }

    pub(crate) fn acknowledge(&mut self, ack: Ack) -> Result<(), String> {
        match ack {
            Ack::Committed { variants, ms } => {
                let per = ms / variants.len().max(1) as f64;
                for (id, commit) in variants {
                    self.memory.commits.insert(id, commit);
                    self.counters.times.write_ms.push(per);
                }
                Ok(())
            }
            Ack::Failed(message) => {
                Err(format!("the archive could not record a variant: {message}"))
            }
        }
    }
}

/// A variant's notes as far as the plan and the LLM calls tell them.
fn variant_meta(plan: &Plan, llm: Option<&LlmInfo>) -> VariantMeta {
    let mut meta = VariantMeta {
        operator: Some(plan.operator.as_str().to_string()),
        model: Some(plan.endpoint.config().label()),
        island: plan.island,
        inspirations: plan.inspirations.clone(),
        reflection: plan.reflection(),
        instruction: plan.instruction(),
        ..VariantMeta::default()
    };
    if let Some(llm) = llm {
        meta.prompt_digest = Some(llm.prompt_digest.clone());
        meta.response_digest = Some(llm.response_digest.clone());
        meta.tokens_in = Some(llm.tokens_in);
        meta.tokens_out = Some(llm.tokens_out);
        meta.cost_usd = Some(llm.cost_usd);
        meta.timings.llm_ms = Some(llm.llm_ms);
        meta.llm_calls = Some(llm.transcript.exchanges.len() as u64);
    }
    meta
}

/// What [`Controller::judge`] found.
struct Judged {
    rejection: Option<Rejection>,
    stop: Option<(StopReason, String)>,
    files_changed: Vec<(String, Option<Vec<u8>>)>,
    new_files: Option<Arc<BTreeMap<String, String>>>,
}

/// Copies an evaluation into the variant's notes; the rejection, if any, is
/// returned for the caller to record.
fn apply_evaluation(meta: &mut VariantMeta, evaluation: Evaluation) -> Option<Rejection> {
    match evaluation {
        Evaluation::Scored {
            score,
            metrics,
            sandbox,
            build_ms,
            eval_ms,
        } => {
            meta.score = Some(score);
            meta.metrics = metrics;
            set_sandbox(meta, sandbox, build_ms, eval_ms);
            None
        }
        Evaluation::Rejected {
            reason,
            feedback,
            sandbox,
            build_ms,
            eval_ms,
        } => {
            meta.feedback = feedback.map(|f| cut(&f, FEEDBACK_LIMIT));
            set_sandbox(meta, sandbox, build_ms, eval_ms);
            Some(reason)
        }
    }
}

fn set_sandbox(meta: &mut VariantMeta, sandbox: SandboxStats, build_ms: f64, eval_ms: f64) {
    meta.sandbox = sandbox;
    meta.timings = Timings {
        llm_ms: meta.timings.llm_ms,
        build_ms: Some(build_ms),
        eval_ms: Some(eval_ms),
    };
}

/// Errors that retrying later cannot fix: no key, a refused key, an unknown
/// model or URL, a replay that has no reply.
fn fatal_llm_error(err: &LlmError) -> bool {
    match err {
        LlmError::MissingApiKey { .. } | LlmError::Config(_) | LlmError::Cache(_) => true,
        LlmError::Http { status, .. } => matches!(status, 401 | 403 | 404),
        _ => false,
    }
}

pub(crate) fn cut(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(limit).collect();
        s.push_str("\n[… cut]");
        s
    }
}

/// SIGINT and SIGTERM, counted; a channel that never yields when signals
/// are not caught (tests driving the library).
fn signals(catch: bool) -> mpsc::UnboundedReceiver<u32> {
    if catch {
        return crate::signals::counted();
    }
    let (tx, rx) = mpsc::unbounded_channel();
    // Keep the sender alive so the receiver simply never yields.
    tokio::spawn(async move {
        let _tx = tx;
        std::future::pending::<()>().await;
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(text: &str) -> Arc<BTreeMap<String, String>> {
        Arc::new(BTreeMap::from([(
            "src/main.rs".to_string(),
            text.to_string(),
        )]))
    }

    fn rejected<'a>(
        id: u64,
        operator: &'a str,
        new: Option<&str>,
        metrics: &'a Metrics,
    ) -> Recorded<'a> {
        Recorded {
            id,
            parent: Some(0),
            island: 0,
            operator,
            score: None,
            metrics,
            reason: Some("build_failed: src/main.rs:1: error"),
            feedback: Some("error[E0308]"),
            new_files: new.map(files),
        }
    }

    #[test]
    fn a_validated_variant_is_known_and_an_attempt_on_its_parent() {
        let mut memory = Memory::new(2);
        let metrics = Metrics::from([("score".to_string(), 3.0)]);
        memory.remember(
            Recorded {
                id: 4,
                parent: Some(1),
                island: 1,
                operator: "diff",
                score: Some(3.0),
                metrics: &metrics,
                reason: None,
                feedback: None,
                new_files: Some(files("a")),
            },
            "score",
        );
        assert_eq!(memory.known[&4].score, Some(3.0));
        let attempts: Vec<_> = memory.attempts[&1].iter().collect();
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0].label, "#4 (diff)");
        assert_eq!(attempts[0].outcome, "score = 3");
        assert!(memory.failures.iter().all(VecDeque::is_empty));
    }

    #[test]
    fn only_new_rejected_code_from_a_non_fix_operator_is_kept_for_fixing() {
        let mut memory = Memory::new(1);
        let metrics = Metrics::new();
        memory.remember(rejected(1, "diff", Some("a"), &metrics), "score");
        memory.remember(rejected(2, "fix", Some("b"), &metrics), "score");
        memory.remember(rejected(3, "diff", None, &metrics), "score");
        let kept: Vec<u64> = memory.failures[0].iter().map(|f| f.id).collect();
        assert_eq!(kept, vec![1]);
        assert_eq!(memory.failures[0][0].feedback, "error[E0308]");
        assert!(memory.known.is_empty());
        let outcomes: Vec<&str> = memory.attempts[&0]
            .iter()
            .map(|a| a.outcome.as_str())
            .collect();
        assert_eq!(
            outcomes,
            vec!["rejected: build_failed: src/main.rs:1: error"; 3]
        );
    }

    #[test]
    fn attempts_and_failures_keep_only_the_latest() {
        let mut memory = Memory::new(1);
        let metrics = Metrics::new();
        for id in 1..=10 {
            memory.remember(
                rejected(id, "rewrite", Some(&id.to_string()), &metrics),
                "score",
            );
        }
        let attempts: Vec<&str> = memory.attempts[&0]
            .iter()
            .map(|a| a.label.as_str())
            .collect();
        assert_eq!(
            attempts,
            vec!["#8 (rewrite)", "#9 (rewrite)", "#10 (rewrite)"]
        );
        let failures: Vec<u64> = memory.failures[0].iter().map(|f| f.id).collect();
        assert_eq!(failures, vec![7, 8, 9, 10]);
    }

    #[test]
    fn ranking_and_held_back_seeds_are_their_own_streams() {
        let plan_draws: Vec<u64> = (0..50).map(|j| Rng::derive(7, j).next_u64()).collect();
        assert!(!plan_draws.contains(&ranking_seed(7)));
        assert!(!plan_draws.contains(&held_back_seed(7)));
        assert_ne!(ranking_seed(7), held_back_seed(7));
        assert_eq!(ranking_seed(7), ranking_seed(7));
        assert_ne!(ranking_seed(8), ranking_seed(7));
    }

    #[test]
    fn the_seed_is_known_without_an_attempt() {
        let mut memory = Memory::new(1);
        let metrics = Metrics::new();
        memory.remember(
            Recorded {
                id: 0,
                parent: None,
                island: 0,
                operator: "seed",
                score: Some(1.0),
                metrics: &metrics,
                reason: None,
                feedback: None,
                new_files: Some(files("seed")),
            },
            "score",
        );
        assert!(memory.known.contains_key(&0));
        assert!(memory.attempts.is_empty());
    }

    /// A backend no test should reach: plan and record never evaluate.
    struct Unreachable;

    impl crate::backend::EvalBackend for Unreachable {
        fn evaluate(
            &self,
            _: &crate::backend::EvalJob,
        ) -> Result<Evaluation, crate::error::EvolveError> {
            panic!("plan and record do not evaluate")
        }
    }

    /// The variants a record step queued, in order.
    #[derive(Default)]
    struct Queued(std::sync::Mutex<Vec<(u64, NewVariant)>>);

    impl VariantQueue for Queued {
        fn send(&self, id: u64, variant: NewVariant) -> bool {
            self.0.lock().unwrap().push((id, variant));
            true
        }
    }

    const SEED: &str = "fn main() { println!(\"{{\\\"score\\\": 1}}\"); }\n";

    /// A controller over a seed scoring 10 (maximised), with `search` as the
    /// config's `[search]` table and an endpoint on a closed local port.
    fn controller(search: &str) -> Controller {
        let text = format!(
            "[run]\nseed = 5\niterations = 20\n\n[target]\nfiles = [\"src/main.rs\"]\npackage = \"demo\"\n\n\
             [evaluate]\nscorer = \"stdout-json\"\nmetric = \"score\"\n\n[search]\n{search}\n"
        );
        let config = Config::parse(
            &text,
            std::path::Path::new("/repo/clade.toml"),
            std::path::Path::new("/repo"),
        )
        .unwrap();
        let mut model = clade_llm::ModelConfig::new(clade_llm::ProviderKind::Openai, "m");
        model.base_url = Some("http://127.0.0.1:9/v1".into());
        let models = Ensemble::new(vec![clade_llm::Endpoint::new(model, None).unwrap()]).unwrap();
        let shared = Arc::new(Shared {
            backend: Arc::new(Unreachable),
            eval_permits: Arc::new(tokio::sync::Semaphore::new(1)),
            ledger: clade_llm::Ledger::default(),
            digests: std::sync::Mutex::new(HashMap::new()),
            signatures: Default::default(),
            llm_in_flight: Default::default(),
            eval_in_flight: Default::default(),
            proposer: None,
        });
        let settings = Settings::new(&config, "t", Templates::seed(), false);
        let mut controller = Controller::new(
            settings,
            config.search.population(),
            models,
            shared,
            Duration::ZERO,
        );
        let seed = BTreeMap::from([("src/main.rs".to_string(), SEED.to_string())]);
        let metrics = Metrics::from([("score".to_string(), 10.0)]);
        controller
            .adopt_seed(seed, 10.0, metrics, Vec::new())
            .unwrap();
        controller
    }

    #[test]
    fn plans_are_a_function_of_the_seed_and_the_iteration() {
        let mut a = controller("");
        let mut b = controller("");
        for iteration in 0..6 {
            let (x, y) = (a.plan(iteration).unwrap(), b.plan(iteration).unwrap());
            assert_eq!(
                (x.parent, x.operator, x.llm_seed, x.eval_seed, x.island),
                (y.parent, y.operator, y.llm_seed, y.eval_seed, y.island)
            );
            assert_eq!(x.question.prompt(), y.question.prompt());
            assert_eq!(x.eval_seed, ranking_seed(5), "one input set per run");
        }
        let (first, second) = (a.plan(0).unwrap(), a.plan(1).unwrap());
        assert_ne!(first.llm_seed, second.llm_seed);
    }

    #[test]
    fn with_only_the_seed_every_plan_is_a_plain_operator_on_it() {
        let mut c =
            controller("operators = { diff = 0.25, rewrite = 0.25, crossover = 0.25, fix = 0.25 }");
        for iteration in 0..40 {
            let plan = c.plan(iteration).unwrap();
            assert_eq!(plan.parent, 0);
            assert!(
                matches!(plan.operator, Operator::Diff | Operator::Rewrite),
                "iteration {iteration}: {:?}",
                plan.operator
            );
            assert_eq!(plan.base_files.as_ref(), c.memory.known[&0].files.as_ref());
            assert_eq!(plan.known_below, 1);
        }
    }

    #[test]
    fn a_remembered_failure_is_planned_as_a_fix_of_its_own_files() {
        let mut c =
            controller("operators = { diff = 0.0, rewrite = 1e-9, crossover = 0.0, fix = 1.0 }");
        let metrics = Metrics::new();
        c.memory
            .remember(rejected(1, "diff", Some("broken"), &metrics), "score");
        let plan = c.plan(0).unwrap();
        assert_eq!(plan.operator, Operator::Fix);
        assert_eq!(plan.base_files.as_ref(), files("broken").as_ref());
        // The failure is used up: the next plan falls back to a plain one.
        assert_eq!(c.plan(1).unwrap().operator, Operator::Rewrite);
    }

    fn outcome(c: &mut Controller, iteration: u64, result: Produced) -> Outcome {
        Outcome {
            plan: c.plan(iteration).unwrap(),
            llm: None,
            result,
            apply_ms: 0.0,
            repairs: 0,
        }
    }

    fn candidate(text: &str, evaluation: Option<Evaluation>) -> Produced {
        let files = BTreeMap::from([("src/main.rs".to_string(), text.to_string())]);
        Produced::Candidate {
            digest: files_digest(&files),
            candidate: clade_agent::Candidate {
                files,
                changed: vec!["src/main.rs".into()],
                diff: String::new(),
            },
            evaluation,
            near: None,
        }
    }

    fn scored(score: f64) -> Evaluation {
        Evaluation::Scored {
            score,
            metrics: Metrics::from([("score".to_string(), score)]),
            sandbox: SandboxStats::default(),
            build_ms: 0.0,
            eval_ms: 0.0,
        }
    }

    #[test]
    fn a_better_candidate_is_recorded_as_the_improving_best() {
        let mut c = controller("");
        let queue = Queued::default();
        let mut events = Vec::new();
        let better = outcome(
            &mut c,
            0,
            candidate("fn main() { let _ = 12; }\n", Some(scored(12.0))),
        );
        let stop = c
            .record(better, &queue, &mut |e| events.push(e.clone()))
            .unwrap();
        assert_eq!(stop, None);
        let queued = queue.0.into_inner().unwrap();
        assert_eq!(queued.len(), 1);
        let (id, variant) = &queued[0];
        assert_eq!((*id, variant.parent), (1, Some(0)));
        assert_eq!(variant.meta.status, Some(VariantStatus::Validated));
        assert_eq!(variant.meta.score, Some(12.0));
        let Event::Variant {
            id, improved, best, ..
        } = &events[0]
        else {
            panic!("{:?}", events[0]);
        };
        assert_eq!((*id, *improved), (1, true));
        assert_eq!(best.as_ref().map(|b| (b.id, b.score)), Some((1, 12.0)));
        assert_eq!(
            (c.counters.done, c.counters.next_id, c.counters.validated),
            (1, 2, 1)
        );
        assert_eq!(c.memory.attempts[&0].len(), 1);
    }

    #[test]
    fn repeats_and_failures_are_recorded_as_typed_rejections() {
        let mut c = controller("");
        let queue = Queued::default();
        let mut reasons = Vec::new();
        let mut sink = |e: &Event| {
            if let Event::Variant { reason, .. } = e {
                reasons.push(reason.clone());
            }
        };
        let same = outcome(&mut c, 0, candidate(SEED, Some(scored(10.0))));
        c.record(same, &queue, &mut sink).unwrap();
        let unparsable = outcome(
            &mut c,
            1,
            Produced::Unparsable("no SEARCH block\nmore".into()),
        );
        c.record(unparsable, &queue, &mut sink).unwrap();
        let interrupted = outcome(&mut c, 2, Produced::Interrupted);
        c.record(interrupted, &queue, &mut sink).unwrap();
        assert_eq!(
            reasons,
            [
                Some(Rejection::Duplicate { of: Some(0) }),
                Some(Rejection::ParseFailed("no SEARCH block".into())),
                Some(Rejection::Interrupted),
            ]
        );
        let stored: Vec<Option<String>> = queue
            .0
            .into_inner()
            .unwrap()
            .into_iter()
            .map(|(_, v)| v.meta.reason)
            .collect();
        assert_eq!(
            stored,
            [
                Some("duplicate: the same code as #0".to_string()),
                Some("parse_failed: no SEARCH block".to_string()),
                Some("interrupted: the run stopped during the proposal".to_string()),
            ]
        );
        assert_eq!((c.counters.rejected, c.counters.next_id), (3, 4));
    }

    #[test]
    fn a_near_duplicate_is_recorded_with_its_neighbour_and_its_code_becomes_known() {
        let mut c = controller("");
        c.shared.signatures.lock().unwrap().threshold = 0.1;
        let queue = Queued::default();
        let mut reasons = Vec::new();
        let mut sink = |e: &Event| {
            if let Event::Variant { reason, .. } = e {
                reasons.push(reason.clone());
            }
        };
        let mut near = candidate(&format!("{SEED}\nconst N: u32 = 1;"), None);
        if let Produced::Candidate { near: n, .. } = &mut near {
            *n = Some((0, 0.0625));
        }
        let first = outcome(&mut c, 0, near);
        c.record(first, &queue, &mut sink).unwrap();
        let again = outcome(
            &mut c,
            1,
            candidate(&format!("{SEED}\nconst N: u32 = 1; "), Some(scored(3.0))),
        );
        c.record(again, &queue, &mut sink).unwrap();
        assert_eq!(
            reasons,
            [
                Some(Rejection::NearDuplicate {
                    of: 0,
                    distance: 0.0625
                }),
                Some(Rejection::Duplicate { of: Some(1) }),
            ]
        );
        let stored = queue.0.into_inner().unwrap();
        assert_eq!(
            stored[0].1.meta.reason.as_deref(),
            Some("near_duplicate: 0.062 from #0, under search.novelty_threshold")
        );
        // Noted as a repeat of #0, which a resumed run's index replays.
        assert_eq!(stored[0].1.meta.duplicate_of, Some(0));
        // The near duplicate's code is a signature now, as after a resume.
        assert!(c.shared.signatures.lock().unwrap().by_id.contains_key(&1));
    }

    #[test]
    fn reaching_the_target_score_asks_the_loop_to_stop() {
        let mut c = controller("");
        c.settings.budgets.target_score = Some(12.0);
        let queue = Queued::default();
        let short = outcome(
            &mut c,
            0,
            candidate("fn main() { let _ = 11; }\n", Some(scored(11.0))),
        );
        assert_eq!(c.record(short, &queue, &mut |_| {}).unwrap(), None);
        let hit = outcome(
            &mut c,
            1,
            candidate("fn main() { let _ = 12; }\n", Some(scored(12.0))),
        );
        let stop = c.record(hit, &queue, &mut |_| {}).unwrap();
        assert_eq!(stop.map(|s| s.0), Some(StopReason::TargetScore));
    }
}
