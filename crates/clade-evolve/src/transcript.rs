//! Turns the LLM requests and replies of an iteration into the transcript
//! the archive keeps beside the variant ([`clade_archive::Transcript`]).
//!
//! Every text passes through the endpoint's scrubber on its way in, so a
//! key or header value that somehow reached a prompt or a reply is stored
//! as `[redacted]`. It must not keep anything the request did not carry.

use clade_archive::{Exchange, ExchangeKind, Role, TranscriptMessage};
use clade_llm::{ChatRequest, Completion, Endpoint};

/// The attempt number of the reflection before an iteration's question.
pub(crate) const REFLECTION_ATTEMPT: u32 = 300;
/// The attempt number of an instruction's mutation before the question.
pub(crate) const MUTATION_ATTEMPT: u32 = 400;

/// Which exchange of its iteration the request numbered `attempt` is (the
/// numbering of the proposal loop: 0 the question, 1.. resamples, 100 + n
/// repair n, 200 + n the question afresh after repair n, 300 the
/// reflection, 400 the instruction's mutation).
pub(crate) fn kind_of(attempt: u32) -> (ExchangeKind, u32) {
    match attempt {
        0 => (ExchangeKind::Proposal, 0),
        1..100 => (ExchangeKind::Resample, attempt),
        100..200 => (ExchangeKind::Repair, attempt - 100),
        200..REFLECTION_ATTEMPT => (ExchangeKind::Afresh, attempt - 200),
        REFLECTION_ATTEMPT..MUTATION_ATTEMPT => {
            (ExchangeKind::Reflection, attempt - REFLECTION_ATTEMPT)
        }
        _ => (ExchangeKind::Mutation, attempt - MUTATION_ATTEMPT),
    }
}

/// The stored form of one request and its reply.
pub(crate) fn exchange(
    endpoint: &Endpoint,
    request: &ChatRequest,
    completion: &Completion,
    attempt: u32,
) -> Exchange {
    let (kind, number) = kind_of(attempt);
    Exchange {
        kind,
        number,
        model: endpoint.config().label(),
        seed: request.seed,
        temperature: request.temperature,
        messages: request
            .messages
            .iter()
            .map(|m| TranscriptMessage {
                role: role(&m.role),
                content: endpoint.scrub(&m.content),
            })
            .collect(),
        reply: endpoint.scrub(&completion.text),
        cached: completion.cached,
        tokens_in: completion.tokens_in,
        tokens_out: completion.tokens_out,
    }
}

fn role(role: &clade_llm::Role) -> Role {
    match role {
        clade_llm::Role::System => Role::System,
        clade_llm::Role::User => Role::User,
        clade_llm::Role::Assistant => Role::Assistant,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_map_to_their_kind_and_number() {
        assert_eq!(kind_of(0), (ExchangeKind::Proposal, 0));
        assert_eq!(kind_of(2), (ExchangeKind::Resample, 2));
        assert_eq!(kind_of(101), (ExchangeKind::Repair, 1));
        assert_eq!(kind_of(203), (ExchangeKind::Afresh, 3));
        assert_eq!(kind_of(REFLECTION_ATTEMPT), (ExchangeKind::Reflection, 0));
        assert_eq!(kind_of(MUTATION_ATTEMPT), (ExchangeKind::Mutation, 0));
    }
}
