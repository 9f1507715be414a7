//! Why a variant was rejected, as a value. Every way a proposal or a
//! candidate can fail is one variant of [`Rejection`] carrying what it needs;
//! nothing downstream parses text back. `Display` is the text the archive
//! stores in a variant's `reason` (`kind: detail`), unchanged from the
//! string-based reasons before it, so existing archives read the same.
//!
//! This module owns the kinds and their text; it must not decide anything
//! about a run (the controller does) or hold feedback (which stays beside
//! the rejection, cut to its own limits).

use std::fmt;

/// Why a variant was rejected. Details are single lines, at most 200
/// characters (see `first_line`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Rejection {
    /// The LLM call failed after its retries.
    LlmError(String),
    /// The reply held no usable edit.
    ParseFailed(String),
    /// The candidate's code equals a recorded variant's (`None`: one recorded
    /// while the candidate was in flight, before its id was known).
    Duplicate { of: Option<u64> },
    /// The candidate's code is within `search.novelty_threshold` of a
    /// recorded variant's (its nearest): not evaluated.
    NearDuplicate { of: u64, distance: f64 },
    /// The build sandbox refused the candidate (e.g. a forbidden item).
    BuildRejected(String),
    /// The candidate did not compile.
    BuildFailed(String),
    /// The crate's own tests failed (a `cargo-test` stage): which ones.
    TestsFailed(String),
    /// The candidate's run exited non-zero, trapped, ran out of fuel or time.
    RunFailed(String),
    /// The trusted scorer refused the candidate's output or answer.
    ScorerRejected(String),
    /// A cascade stage scored short of its threshold.
    StageThreshold {
        stage: usize,
        metric: String,
        score: f64,
        threshold: f64,
    },
    /// The host failed while evaluating (cache dir, toolchain); the run goes on.
    HostError(String),
    /// The run stopped while the proposal was in flight.
    Interrupted,
    /// An agent proposer (`clade run --agent`) failed or changed nothing.
    AgentFailed(String),
}

impl Rejection {
    /// The kind, as stored before the colon.
    pub fn kind(&self) -> &'static str {
        match self {
            Rejection::LlmError(_) => "llm_error",
            Rejection::ParseFailed(_) => "parse_failed",
            Rejection::Duplicate { .. } => "duplicate",
            Rejection::NearDuplicate { .. } => "near_duplicate",
            Rejection::BuildRejected(_) => "build_rejected",
            Rejection::BuildFailed(_) => "build_failed",
            Rejection::TestsFailed(_) => "tests_failed",
            Rejection::RunFailed(_) => "run_failed",
            Rejection::ScorerRejected(_) => "scorer_rejected",
            Rejection::StageThreshold { .. } => "stage_threshold",
            Rejection::HostError(_) => "host_error",
            Rejection::Interrupted => "interrupted",
            Rejection::AgentFailed(_) => "agent_failed",
        }
    }

    /// Whether a model can repair the candidate from its error: its code did
    /// not build, trapped, or gave a wrong answer. Not host faults, nor stage
    /// thresholds, nor anything before a candidate existed.
    pub fn repairable(&self) -> bool {
        matches!(
            self,
            Rejection::BuildFailed(_)
                | Rejection::TestsFailed(_)
                | Rejection::RunFailed(_)
                | Rejection::ScorerRejected(_)
        )
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.kind();
        match self {
            Rejection::LlmError(detail)
            | Rejection::ParseFailed(detail)
            | Rejection::BuildRejected(detail)
            | Rejection::BuildFailed(detail)
            | Rejection::TestsFailed(detail)
            | Rejection::RunFailed(detail)
            | Rejection::ScorerRejected(detail)
            | Rejection::HostError(detail)
            | Rejection::AgentFailed(detail) => write!(f, "{kind}: {detail}"),
            Rejection::Duplicate { of: Some(id) } => write!(f, "{kind}: the same code as #{id}"),
            Rejection::Duplicate { of: None } => {
                write!(f, "{kind}: the same code as a recorded variant")
            }
            Rejection::NearDuplicate { of, distance } => write!(
                f,
                "{kind}: {distance:.3} from #{of}, under search.novelty_threshold"
            ),
            Rejection::StageThreshold {
                stage,
                metric,
                score,
                threshold,
            } => write!(
                f,
                "{kind}: stage {stage} scored {metric} = {score}, short of the threshold {threshold}"
            ),
            Rejection::Interrupted => write!(f, "{kind}: the run stopped during the proposal"),
        }
    }
}

/// Events carry a rejection as its stored text (the `--json` contract);
/// the derived form, which reads back, is what a remote worker sends.
pub(crate) fn option_as_text<S: serde::Serializer>(
    rejection: &Option<Rejection>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match rejection {
        Some(rejection) => serializer.collect_str(rejection),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_stored_reason_text() {
        assert_eq!(
            Rejection::BuildFailed("src/main.rs:3: error[E0308]: mismatched types".into())
                .to_string(),
            "build_failed: src/main.rs:3: error[E0308]: mismatched types"
        );
        assert_eq!(
            Rejection::Duplicate { of: Some(5) }.to_string(),
            "duplicate: the same code as #5"
        );
        assert_eq!(
            Rejection::Duplicate { of: None }.to_string(),
            "duplicate: the same code as a recorded variant"
        );
        assert_eq!(
            Rejection::StageThreshold {
                stage: 1,
                metric: "score".into(),
                score: 0.5,
                threshold: 2.0
            }
            .to_string(),
            "stage_threshold: stage 1 scored score = 0.5, short of the threshold 2"
        );
        assert_eq!(
            Rejection::Interrupted.to_string(),
            "interrupted: the run stopped during the proposal"
        );
        assert_eq!(
            Rejection::AgentFailed("the agent changed nothing".into()).to_string(),
            "agent_failed: the agent changed nothing"
        );
    }

    #[test]
    fn only_the_candidates_own_faults_are_repairable() {
        assert!(Rejection::BuildFailed("x".into()).repairable());
        assert!(Rejection::RunFailed("x".into()).repairable());
        assert!(Rejection::ScorerRejected("x".into()).repairable());
        assert!(!Rejection::HostError("x".into()).repairable());
        assert!(!Rejection::BuildRejected("x".into()).repairable());
        assert!(!Rejection::Interrupted.repairable());
        assert!(
            !Rejection::StageThreshold {
                stage: 1,
                metric: "m".into(),
                score: 0.0,
                threshold: 1.0
            }
            .repairable()
        );
    }
}
