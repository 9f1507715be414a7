//! The prompts and replies that produced a variant, kept in git as a JSON
//! note on `refs/notes/clade-transcripts` (`git notes --ref=clade-transcripts
//! show <commit>` prints one).
//!
//! A ref of their own, apart from the metadata notes, because they are large
//! and only a reviewer looking at one variant needs them: opening the archive
//! never reads them. The notes ref keeps them through `git gc --prune=now`.
//! This module only stores what it is given: removing secrets is the
//! caller's job (the LLM endpoint scrubs its key and header values from
//! every request and reply it hands out), and nothing here looks inside.

use serde::{Deserialize, Serialize};

/// Every LLM exchange of one iteration, in the order they were made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    pub exchanges: Vec<Exchange>,
}

impl Transcript {
    pub fn is_empty(&self) -> bool {
        self.exchanges.is_empty()
    }
}

/// Why a request was made within its iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeKind {
    /// The iteration's question.
    Proposal,
    /// The question again, after a reply that repeated a known variant.
    Resample,
    /// The failed candidate and its error, sent back to be fixed.
    Repair,
    /// The question afresh, after a repair reply that was unusable.
    Afresh,
    /// Two variants compared before the question, for a hint in it
    /// (`search.reflection`).
    Reflection,
    /// The question's instruction rewritten by the model before the
    /// question (`search.prompt_evolution`).
    Mutation,
}

impl ExchangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExchangeKind::Proposal => "proposal",
            ExchangeKind::Resample => "resample",
            ExchangeKind::Repair => "repair",
            ExchangeKind::Afresh => "afresh",
            ExchangeKind::Reflection => "reflection",
            ExchangeKind::Mutation => "mutation",
        }
    }
}

impl Exchange {
    /// What it was, as people read it: `proposal`, `resample 2`, `repair 1`.
    pub fn label(&self) -> String {
        match self.number {
            0 => self.kind.as_str().to_string(),
            n => format!("{} {n}", self.kind.as_str()),
        }
    }
}

/// One request and its reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub kind: ExchangeKind,
    /// Which resample or repair this is (0 for the proposal).
    #[serde(default)]
    pub number: u32,
    /// The model's label (`provider:model`).
    pub model: String,
    pub seed: Option<u64>,
    pub temperature: Option<f64>,
    pub messages: Vec<TranscriptMessage>,
    pub reply: String,
    /// The reply came from the LLM cache, not from the model.
    #[serde(default)]
    pub cached: bool,
    pub tokens_in: u64,
    pub tokens_out: u64,
}

/// One message of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptMessage {
    pub role: Role,
    pub content: String,
}

/// Who a message is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    System,
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}
