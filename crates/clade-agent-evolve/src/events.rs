//! What an agent-evolution run reports while it runs (`--json` prints one
//! per line; the terminal shows them as progress lines). Every field is a
//! typed value; the serialized names are a stable contract (README).

use serde::Serialize;

/// Why a child was not kept as a possible parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum ChildRejection {
    /// The parent's self-edit left its files as they were.
    EmptyPatch,
    /// The child does not build with the host's agent template.
    BuildFailed(String),
    /// The child failed the canary task (with the right answer given).
    CanaryFailed(String),
    /// `keep_better`: its score is below the seed's minus the margin.
    BelowSeed,
}

impl std::fmt::Display for ChildRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChildRejection::EmptyPatch => write!(f, "empty_patch: the self-edit changed nothing"),
            ChildRejection::BuildFailed(why) => write!(f, "build_failed: {why}"),
            ChildRejection::CanaryFailed(why) => write!(f, "canary_failed: {why}"),
            ChildRejection::BelowSeed => {
                write!(f, "below_seed: scored below the seed minus the margin")
            }
        }
    }
}

/// Why the run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    Generations,
    Tokens,
    Cost,
    Wall,
    Interrupted,
}

/// A step of a child's making, for progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Diagnose,
    SelfEdit,
    Build,
    Canary,
    Stage1,
    Stage2,
    Reevaluate,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Start {
        run: String,
        agent: String,
        suite: String,
        resumed: bool,
        generations: u64,
        children: u64,
        stage1: Vec<String>,
        stage2: Vec<String>,
        task_model: String,
        meta_model: String,
    },
    /// Child `child` (0-based over the run) of generation `generation`
    /// begins a step.
    Step {
        child: u64,
        generation: u64,
        step: Step,
        parent: Option<u64>,
        entry: Option<String>,
    },
    /// A task run of a stage finished.
    Task {
        agent: String,
        task: String,
        repeat: u32,
        pass: bool,
        cached: bool,
    },
    /// An agent was recorded.
    Agent {
        id: u64,
        parent: Option<u64>,
        generation: u64,
        validated: bool,
        rejection: Option<ChildRejection>,
        /// Pass rate over the tasks it ran; `None` when it never ran any.
        score: Option<f64>,
        stage1: Option<f64>,
        stage: u8,
        tokens: u64,
        cost_usd: f64,
    },
    /// The top agents' scores after another repeat.
    Reevaluated {
        id: u64,
        repeats: u32,
        score: f64,
    },
    Stopping {
        reason: StopReason,
    },
    Finish {
        run: String,
        reason: StopReason,
        agents: u64,
        validated: u64,
        best: Option<u64>,
        best_score: Option<f64>,
        seed_score: Option<f64>,
        tokens: u64,
        cost_usd: f64,
        elapsed_s: f64,
    },
}
