//! Prompt-lookup speculation on a real local model: the seed agent's two
//! recorded requests (its first request and its repair request on
//! is-anagram, replies that copy code from the prompt), greedy, with
//! guessing off (`draft_tokens = 0`) and on (the default), alternating;
//! prints the median generation speed of each side, their ratio, how many
//! guesses sampling confirmed, and whether the replies are the same.
//!
//! `cargo bench -p clade-llm --features local --bench speculation`
//! (`CLADE_MODEL=<gguf>` for another model than the built-in 1.5B;
//! `CLADE_BENCH_SAMPLES` rounds, default 3; `CLADE_BENCH_TOKENS` reply
//! tokens, default 128).

mod common;

use common::{env_number, median, recorded_requests};

use clade_llm::{DEFAULT_DRAFT_TOKENS, Endpoint};

fn endpoint(path: &std::path::Path, draft_tokens: u32) -> Endpoint {
    common::local_endpoint(path, |config| config.draft_tokens = draft_tokens)
}

fn main() {
    let Some(path) = common::model_or_skip("1.5b") else {
        return;
    };
    let samples = env_number("CLADE_BENCH_SAMPLES", 3);
    let tokens = env_number("CLADE_BENCH_TOKENS", 128) as u32;
    let requests = recorded_requests(tokens);
    let runtime = common::runtime();
    let sides = [
        ("off", endpoint(&path, 0)),
        ("on", endpoint(&path, DEFAULT_DRAFT_TOKENS)),
    ];
    println!("model: {}", path.display());
    println!(
        "{samples} rounds of the seed's 2 recorded requests, greedy, {tokens} reply tokens at most; guesses per step when on: {DEFAULT_DRAFT_TOKENS}\n"
    );
    let mut speeds: [Vec<f64>; 2] = [vec![], vec![]];
    let (mut drafted, mut confirmed, mut produced) = (0u64, 0u64, 0u64);
    let mut texts: [Vec<String>; 2] = [vec![], vec![]];
    for round in 0..samples {
        for request in &requests {
            // Alternate which side goes first, so drift hits both alike.
            let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for i in order {
                let reply = runtime
                    .block_on(sides[i].1.complete(request))
                    .expect("a reply");
                speeds[i].push(reply.tokens_per_second.unwrap_or(f64::NAN));
                if i == 1 {
                    drafted += reply.draft_tokens;
                    confirmed += reply.draft_accepted;
                    produced += reply.tokens_out;
                }
                if round == 0 {
                    texts[i].push(reply.text);
                }
            }
        }
    }
    println!("{:<6} {:>22}", "", "tokens/s (median)");
    for (i, (label, _)) in sides.iter().enumerate() {
        println!("{label:<6} {:>22.1}", median(speeds[i].clone()));
    }
    println!(
        "\non / off: {:.2}x; guesses confirmed {confirmed} of {drafted} ({:.0} %), {:.0} % of the reply's tokens",
        median(speeds[1].clone()) / median(speeds[0].clone()),
        100.0 * confirmed as f64 / drafted.max(1) as f64,
        100.0 * confirmed as f64 / produced.max(1) as f64,
    );
    // Batched evaluation rounds differently from one token at a time, so a
    // near-tie can go the other way: where the replies part, if they do.
    for (n, (off, on)) in texts[0].iter().zip(&texts[1]).enumerate() {
        let shared = off
            .chars()
            .zip(on.chars())
            .take_while(|(a, b)| a == b)
            .count();
        println!(
            "request {}: replies of {} and {} chars, the same for the first {shared}{}",
            n + 1,
            off.chars().count(),
            on.chars().count(),
            if off == on { " (identical)" } else { "" }
        );
    }
}
