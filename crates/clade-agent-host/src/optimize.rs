//! Optimization tasks: a shipped benchmark (`benchmarks/<name>`, a folder
//! with a `clade.toml`) as an agent's task. The workspace is the benchmark's
//! evolvable files, and a write may change only their EVOLVE-BLOCK regions;
//! "run the tests" evaluates the candidate exactly as `clade run` would
//! (built and run in the sandbox, scored by host code) on the benchmark's
//! own evaluation seed; the grade re-evaluates the final workspace and the
//! seed program on another seed, so on inputs the agent never saw, and
//! normalizes the gain between the seed's score and the benchmark's
//! published reference.
//!
//! This module must not take a score from anything the agent wrote: every
//! number comes from `clade_evolve::Evaluator`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use clade_evolve::{Config, Evaluation, Evaluator, ScorerConfig, builtins};
use serde::Serialize;

use crate::AgentHostError;
use crate::host::{TaskView, TestReport, Tester};
use crate::transcript::cut;
use crate::workspace::{NewFiles, Workspace};

/// Added to the benchmark's evaluation seed for the grade: the grade's
/// drawn inputs are ones no evaluation during the run used.
const GRADING_SALT: u64 = 0x9e37_79b9_7f4a_7c15;
/// Feedback (diagnostics, stderr) shown to the agent, in bytes.
const FEEDBACK_LIMIT: usize = 8 << 10;

/// A benchmark opened as a task, with its evaluator.
pub struct Benchmark {
    pub name: String,
    config: Config,
    evaluator: Evaluator,
    seed_files: BTreeMap<String, String>,
    reference: Option<f64>,
    /// The seed program's score on the agent's evaluation seed.
    seed_score: Option<f64>,
}

/// The final grade of an optimization task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimizationGrade {
    pub benchmark: String,
    pub metric: String,
    pub direction: String,
    /// The seed of the grade's evaluations (drawn inputs); the agent's own
    /// evaluations used another.
    pub grading_seed: u64,
    /// The seed program's score on the grade's inputs.
    pub seed_score: Option<f64>,
    /// The final workspace's score on the grade's inputs.
    pub score: Option<f64>,
    /// The benchmark's published reference number.
    pub reference: Option<f64>,
    /// 0 at the seed's score, 1 at the reference, in the benchmark's
    /// direction (negative: worse than the seed); absent when either score
    /// is missing or the seed already meets the reference.
    pub gain: Option<f64>,
    /// The final workspace scores strictly better than the seed program
    /// on the grade's inputs: the task's pass.
    pub improved: bool,
    /// Why the final workspace was rejected, when it was.
    pub rejection: Option<String>,
}

impl Benchmark {
    /// Opens the benchmark at `dir`, with module cache and build folder
    /// under `home` and evaluation scratch under `scratch`, and evaluates
    /// its seed program once (what the agent's scores are compared with).
    pub fn open(dir: &Path, home: &Path, scratch: &Path) -> Result<Self, AgentHostError> {
        let config = Config::load(dir)
            .map_err(|e| AgentHostError::Invalid(format!("{}: {e}", dir.display())))?;
        let name = dir
            .canonicalize()
            .map_err(AgentHostError::io("open", dir))?
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let reference = match &config.evaluate.scorer {
            ScorerConfig::Builtin { builtin, .. } => builtins::find(builtin)
                .map_err(AgentHostError::Invalid)?
                .reference_value(),
            _ => None,
        };
        let scratch = scratch.join(format!("bench-{name}"));
        let (evaluator, project) =
            clade_evolve::bench::crate_evaluator(&config, dir, home, &scratch).map_err(evolve)?;
        let seed_files = project.read_evolvable().map_err(evolve)?;
        if seed_files.is_empty() {
            return Err(AgentHostError::Invalid(format!(
                "{}: the benchmark has no evolvable files",
                dir.display()
            )));
        }
        let mut bench = Benchmark {
            name,
            config,
            evaluator,
            seed_files,
            reference,
            seed_score: None,
        };
        let seed_files = bench.seed_files.clone();
        bench.seed_score = score_of(&bench.evaluate(&seed_files, "seed", bench.agent_seed())?);
        Ok(bench)
    }

    /// What the agent is told: the benchmark's task, its metric and
    /// direction, and what may change.
    pub fn task_view(&self) -> TaskView {
        let files = self
            .seed_files
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let task = self
            .config
            .target
            .task
            .as_deref()
            .unwrap_or("Improve the program's score.");
        TaskView {
            id: self.name.clone(),
            kind: "optimize",
            statement: format!(
                "{}\n\nThe editable files are {files}; only the code between their EVOLVE-BLOCK-START and EVOLVE-BLOCK-END markers may change. Running the tests evaluates the program and reports its score.",
                task.trim_end()
            ),
            metric: self.config.evaluate.metric.clone(),
            direction: self.direction(),
        }
    }

    /// The evolvable files, writable inside their regions only.
    pub fn workspace(&self) -> Workspace {
        Workspace::new(self.seed_files.clone(), BTreeMap::new(), NewFiles::None).with_regions()
    }

    /// The final workspace and the seed program, evaluated on inputs the
    /// agent never saw.
    pub fn grade(&self, workspace: &Workspace) -> Result<OptimizationGrade, AgentHostError> {
        let seed = self.grading_seed();
        let seed_score = score_of(&self.evaluate(&self.seed_files, "grade-seed", seed)?);
        let files: BTreeMap<String, String> = workspace
            .editable()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        let final_eval = self.evaluate(&files, "grade-final", seed)?;
        let score = score_of(&final_eval);
        let rejection = match &final_eval {
            Evaluation::Rejected { reason, .. } => Some(reason.to_string()),
            Evaluation::Scored { .. } => None,
        };
        Ok(OptimizationGrade {
            benchmark: self.name.clone(),
            metric: self.config.evaluate.metric.clone(),
            direction: self.direction(),
            grading_seed: seed,
            seed_score,
            score,
            reference: self.reference,
            gain: gain(self.fitness(), seed_score, score, self.reference),
            improved: match (score, seed_score) {
                (Some(score), Some(seed)) => self.fitness()(score) > self.fitness()(seed),
                _ => false,
            },
            rejection,
        })
    }

    /// The score in the benchmark's direction, larger always better.
    pub fn fitness(&self) -> impl Fn(f64) -> f64 + use<> {
        let direction = self.config.evaluate.direction;
        move |score| direction.fitness(score)
    }

    fn direction(&self) -> String {
        format!("{:?}", self.config.evaluate.direction).to_lowercase()
    }

    fn agent_seed(&self) -> u64 {
        self.config.run.seed
    }

    fn grading_seed(&self) -> u64 {
        self.config.run.seed.wrapping_add(GRADING_SALT)
    }

    fn evaluate(
        &self,
        files: &BTreeMap<String, String>,
        key: &str,
        seed: u64,
    ) -> Result<Evaluation, AgentHostError> {
        self.evaluator.evaluate(files, key, seed).map_err(evolve)
    }
}

fn evolve(err: clade_evolve::EvolveError) -> AgentHostError {
    AgentHostError::Invalid(err.to_string())
}

fn score_of(evaluation: &Evaluation) -> Option<f64> {
    match evaluation {
        Evaluation::Scored { score, .. } => Some(*score),
        Evaluation::Rejected { .. } => None,
    }
}

/// (score − seed) / (reference − seed) in fitness terms: 0 is the seed, 1
/// the reference.
fn gain(
    fitness: impl Fn(f64) -> f64,
    seed: Option<f64>,
    score: Option<f64>,
    reference: Option<f64>,
) -> Option<f64> {
    let (seed, score, reference) = (fitness(seed?), fitness(score?), fitness(reference?));
    let span = reference - seed;
    (span > 0.0).then(|| (score - seed) / span)
}

/// "Run the tests" of an optimization task: evaluate the workspace.
pub struct Evaluate {
    pub bench: Arc<Benchmark>,
    runs: u64,
}

impl Evaluate {
    pub fn new(bench: Arc<Benchmark>) -> Self {
        Evaluate { bench, runs: 0 }
    }
}

impl Tester for Evaluate {
    fn run(&mut self, workspace: &Workspace, _deadline: Instant) -> Result<TestReport, String> {
        self.runs += 1;
        let files: BTreeMap<String, String> = workspace
            .editable()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        let bench = &self.bench;
        let key = format!("agent-{}", self.runs);
        let evaluation = bench
            .evaluate(&files, &key, bench.agent_seed())
            .map_err(|e| format!("the host could not evaluate the program: {e}"))?;
        Ok(report(bench, &evaluation))
    }
}

/// What the agent reads of an evaluation: the score beside the seed's, or
/// why the program was rejected. There are no tests to count.
fn report(bench: &Benchmark, evaluation: &Evaluation) -> TestReport {
    evaluation_report(
        evaluation,
        &bench.config.evaluate.metric,
        &bench.direction(),
        bench.seed_score,
    )
}

/// An evaluation as a test report: the score beside the starting
/// program's, or why the program was rejected.
pub(crate) fn evaluation_report(
    evaluation: &Evaluation,
    metric: &str,
    direction: &str,
    start_score: Option<f64>,
) -> TestReport {
    let seed = start_score.map_or("no score".to_string(), |s| s.to_string());
    match evaluation {
        Evaluation::Scored { score, .. } => TestReport {
            built: true,
            passed: 0,
            total: 0,
            output: format!(
                "score: {score} ({metric}, {direction}); the starting program scores {seed}\n"
            ),
            score: Some(*score),
        },
        Evaluation::Rejected {
            reason, feedback, ..
        } => {
            let mut output = format!("rejected: {reason}\n");
            if let Some(feedback) = feedback {
                output.push_str(&cut(feedback, FEEDBACK_LIMIT));
            }
            TestReport {
                built: false,
                passed: 0,
                total: 0,
                output,
                score: None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gain_is_zero_at_the_seed_and_one_at_the_reference() {
        let max = |s: f64| s;
        let min = |s: f64| -s;
        assert_eq!(gain(max, Some(2.0), Some(2.0), Some(3.0)), Some(0.0));
        assert_eq!(gain(max, Some(2.0), Some(3.0), Some(3.0)), Some(1.0));
        assert_eq!(gain(max, Some(2.0), Some(1.5), Some(3.0)), Some(-0.5));
        assert_eq!(gain(min, Some(200.0), Some(150.0), Some(100.0)), Some(0.5));
        // A seed at or past the reference leaves nothing to normalize by.
        assert_eq!(gain(min, Some(100.0), Some(90.0), Some(100.0)), None);
        assert_eq!(gain(max, Some(2.0), None, Some(3.0)), None);
        assert_eq!(gain(max, Some(2.0), Some(2.5), None), None);
    }
}
