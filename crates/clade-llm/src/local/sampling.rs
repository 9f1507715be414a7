//! Choosing the next token from a decode's logits: the sampler, held to the
//! grammar when there is one; prompt-lookup guesses; stop strings. Pure
//! functions of their inputs: they touch no KV cache.

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use llama_cpp_2::token::data::LlamaTokenData;
use llama_cpp_2::token::data_array::LlamaTokenDataArray;

/// The next token from the logits at batch index `logits_at`, held to the
/// grammar if there is one: the sampled token when the grammar allows it
/// (checking one token is cheap; masking the whole vocabulary on every step
/// would halve the speed), else a constrained resample; `None` when the
/// grammar allows nothing.
pub(super) fn sample_next(
    context: &mut LlamaContext<'_>,
    logits_at: i32,
    sampler: &mut LlamaSampler,
    grammar: &mut Option<LlamaSampler>,
    resamples: &mut u64,
) -> Option<LlamaToken> {
    let mut token = sampler.sample(context, logits_at);
    let Some(grammar) = grammar.as_mut() else {
        return Some(token);
    };
    if !grammar_allows(grammar, token) {
        *resamples += 1;
        let mut candidates = context.token_data_array_ith(logits_at);
        grammar.apply(&mut candidates);
        sampler.apply(&mut candidates);
        token = match candidates.selected_token() {
            Some(token) if grammar_allows(grammar, token) => token,
            // Nothing the grammar allows survived the filters: the most
            // likely allowed token, if any.
            _ => allowed_best(context, logits_at, grammar)?,
        };
    }
    // Only ever a token the grammar allows: llama.cpp aborts the process on
    // accepting one it refuses.
    grammar.accept(token);
    Some(token)
}

/// Whether the grammar, in its current state, allows `token` next.
fn grammar_allows(grammar: &mut LlamaSampler, token: LlamaToken) -> bool {
    let mut one = LlamaTokenDataArray::new(vec![LlamaTokenData::new(token, 0.0, 0.0)], false);
    grammar.apply(&mut one);
    one.data
        .first()
        .is_some_and(|d| d.logit() != f32::NEG_INFINITY)
}

/// The most likely token the grammar allows at `logits_at`, if any.
fn allowed_best(
    context: &LlamaContext<'_>,
    logits_at: i32,
    grammar: &mut LlamaSampler,
) -> Option<LlamaToken> {
    let mut candidates = context.token_data_array_ith(logits_at);
    grammar.apply(&mut candidates);
    candidates
        .data
        .iter()
        .filter(|d| d.logit() != f32::NEG_INFINITY)
        .max_by(|a, b| a.logit().total_cmp(&b.logit()))
        .map(|d| d.id())
}

/// Up to `max` guesses of the tokens after `sequence`: what followed the
/// last place its final tokens (3, else 2) occurred before — replies to
/// code prompts copy whole lines of the prompt (SEARCH blocks, kept code).
pub(crate) fn guess(sequence: &[LlamaToken], max: usize) -> Vec<LlamaToken> {
    if max == 0 {
        return Vec::new();
    }
    for n in [3usize, 2] {
        if sequence.len() <= n {
            continue;
        }
        let tail = &sequence[sequence.len() - n..];
        let found = (0..sequence.len() - n)
            .rev()
            .find(|&start| &sequence[start..start + n] == tail);
        if let Some(start) = found {
            let from = start + n;
            let to = (from + max).min(sequence.len());
            if from < to {
                return sequence[from..to].to_vec();
            }
        }
    }
    Vec::new()
}

/// Where the text ends when it now ends with a stop string. Unlike the HTTP
/// APIs, the local model keeps the stop string: Clade stops on a block's
/// closing marker, which the parser needs.
pub(super) fn stop_at(text: &[u8], stops: &[String]) -> Option<usize> {
    stops
        .iter()
        .filter(|s| !s.is_empty())
        .find(|s| text.ends_with(s.as_bytes()))
        .map(|_| text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(ids: &[i32]) -> Vec<LlamaToken> {
        ids.iter().map(|&id| LlamaToken(id)).collect()
    }

    #[test]
    fn guesses_copy_what_followed_the_last_tokens_before() {
        // ... 5 6 7 8 9 ... 5 6 7 → 8 9 (and on, up to the limit)
        let seq = tokens(&[1, 5, 6, 7, 8, 9, 2, 3, 5, 6, 7]);
        assert_eq!(guess(&seq, 2), tokens(&[8, 9]));
        assert_eq!(guess(&seq, 8), tokens(&[8, 9, 2, 3, 5, 6, 7]));
        // Three tokens first, then two; nothing when they never occurred.
        let two = tokens(&[4, 6, 7, 1, 9, 6, 7]);
        assert_eq!(guess(&two, 3), tokens(&[1, 9, 6]));
        assert!(guess(&tokens(&[1, 2, 3, 4]), 8).is_empty());
        assert!(guess(&seq, 0).is_empty());
    }

    #[test]
    fn stop_strings_cut_the_text() {
        let stops = vec![">>>>>>> REPLACE\n```".to_string(), String::new()];
        assert_eq!(stop_at(b"abc", &stops), None);
        assert_eq!(stop_at(b"x>>>>>>> REPLACE\n```", &stops), Some(20));
    }
}
