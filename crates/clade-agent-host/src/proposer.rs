//! An agent as `clade run`'s proposer (`clade run --agent`): each iteration
//! runs the agent guest on an optimization task whose workspace is the
//! parent's evolvable files (EVOLVE-BLOCK regions enforced on write when
//! the files have them), whose "run the tests" evaluates with the run's own
//! backend, and whose model is the iteration's endpoint and seed — so the
//! response cache, replays and the run's ledger see its calls. What it
//! leaves is evaluated again by the run and recorded like any candidate;
//! nothing the agent says is taken as a score.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clade_evolve::{Evaluate, Proposal, ProposalRequest, Proposer};
use clade_sandbox::BuildStatus;

use crate::host::{Model, ModelBackend, TaskView, TestReport, Tester};
use crate::optimize::evaluation_report;
use crate::run::{AgentRunner, TaskRef, TaskRun};
use crate::workspace::{NewFiles, Workspace};
use crate::{AgentHostError, Budget};

/// A built agent that proposes candidates.
pub struct AgentProposer {
    runner: AgentRunner,
    wasm: Vec<u8>,
    prompts: PathBuf,
    budget: Budget,
    transcripts: PathBuf,
}

impl AgentProposer {
    /// Builds the agent at `agent`; each iteration's transcript goes to
    /// `transcripts/i<iteration>.jsonl`.
    pub fn new(
        runner: AgentRunner,
        agent: &Path,
        budget: Budget,
        transcripts: &Path,
    ) -> Result<Self, AgentHostError> {
        budget.validate().map_err(AgentHostError::Invalid)?;
        let built = runner.build(agent)?;
        let wasm = match (&built.status, &built.wasm) {
            (BuildStatus::Ok, Some(path)) => {
                std::fs::read(path).map_err(AgentHostError::io("read", path))?
            }
            _ => {
                return Err(AgentHostError::Invalid(format!(
                    "the agent {} does not build ({}): {}\n{}",
                    agent.display(),
                    built.status.as_str(),
                    built.reason.unwrap_or_default(),
                    built.diagnostics.unwrap_or_default()
                )));
            }
        };
        std::fs::create_dir_all(transcripts).map_err(AgentHostError::io("create", transcripts))?;
        Ok(AgentProposer {
            runner,
            wasm,
            prompts: agent.join("prompts"),
            budget,
            transcripts: transcripts.to_path_buf(),
        })
    }
}

impl Proposer for AgentProposer {
    fn propose(&self, request: ProposalRequest) -> Result<Proposal, String> {
        let handle = tokio::runtime::Handle::try_current()
            .map_err(|_| "the agent proposer runs only inside a run's runtime".to_string())?;
        let endpoint = request.endpoint.clone();
        let transcript = self
            .transcripts
            .join(format!("i{}.jsonl", request.iteration));
        let outcome = self
            .runner
            .run_task(TaskRun {
                agent_wasm: &self.wasm,
                prompts: &self.prompts,
                task: TaskRef::Propose { request: &request },
                budget: self.budget.clone(),
                model: Model {
                    backend: ModelBackend::Endpoint {
                        endpoint: endpoint.clone(),
                        handle,
                    },
                    seed: request.seed,
                },
                random_seed: request.seed,
                transcript: transcript.clone(),
            })
            .map_err(|e| e.to_string())?;
        let spent = &outcome.spent;
        Ok(Proposal {
            files: outcome.files,
            tokens_in: spent.tokens_in,
            tokens_out: spent.tokens_out,
            cost_usd: endpoint.config().cost(spent.tokens_in, spent.tokens_out),
            transcript: Some(transcript),
        })
    }
}

/// What the agent is told of the iteration.
pub(crate) fn task_view(request: &ProposalRequest) -> TaskView {
    let files = request.files.keys().cloned().collect::<Vec<_>>().join(", ");
    let regions = if request.regions {
        "; only the code between their EVOLVE-BLOCK-START and EVOLVE-BLOCK-END markers may change"
    } else {
        ""
    };
    TaskView {
        id: format!("iteration-{}", request.iteration),
        kind: "optimize",
        statement: format!(
            "{}\n\nThe editable files are {files}{regions}. Running the tests evaluates the program and reports its score.",
            request.task.trim_end()
        ),
        metric: request.metric.clone(),
        direction: request.direction.clone(),
    }
}

/// The parent's evolvable files, region-checked on write when they have
/// regions.
pub(crate) fn workspace(request: &ProposalRequest) -> Workspace {
    let workspace = Workspace::new(request.files.clone(), BTreeMap::new(), NewFiles::None);
    if request.regions {
        workspace.with_regions()
    } else {
        workspace
    }
}

/// "Run the tests": the run's own evaluation.
pub(crate) struct RunEvaluation {
    evaluate: Evaluate,
    metric: String,
    direction: String,
    start_score: Option<f64>,
}

impl RunEvaluation {
    pub(crate) fn new(request: &ProposalRequest) -> Self {
        RunEvaluation {
            evaluate: request.evaluate.clone(),
            metric: request.metric.clone(),
            direction: request.direction.clone(),
            start_score: request.parent_score,
        }
    }
}

impl Tester for RunEvaluation {
    fn run(&mut self, workspace: &Workspace, _deadline: Instant) -> Result<TestReport, String> {
        let files: BTreeMap<String, String> = workspace
            .editable()
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        let evaluation = (self.evaluate)(&files);
        Ok(evaluation_report(
            &evaluation,
            &self.metric,
            &self.direction,
            self.start_score,
        ))
    }
}
