//! Continuous batching on a real local model: 1, 2 and 4 requests sent at
//! once (the seed agent's two recorded requests, sampled with their own
//! seeds) to one model served with one slot (requests in turn, the old
//! path), with as many slots as requests, and with as many slots but no
//! prompt-lookup guesses; prints the median aggregate throughput (reply
//! tokens of all requests over the wall time from sending to the last
//! reply, prompt evaluation included) and the ratios against one slot.
//! The prefix cache is off on every side, so each request evaluates its
//! whole prompt (prefix reuse has its own bench).
//!
//! `cargo bench -p clade-llm --features local --bench batching`
//! (`CLADE_MODEL=<gguf>` for another model than the built-in 1.5B;
//! `CLADE_BENCH_SAMPLES` rounds, default 2; `CLADE_BENCH_TOKENS` reply
//! tokens, default 128; `CLADE_BENCH_TABLE=recorded` or `short` for one
//! of the two tables).

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::{env_number, median, recorded_requests};

use clade_llm::{ChatRequest, DEFAULT_DRAFT_TOKENS, Endpoint};

fn endpoint(path: &std::path::Path, slots: u32, draft_tokens: u32) -> Arc<Endpoint> {
    Arc::new(common::local_endpoint(path, |config| {
        config.slots = slots;
        config.draft_tokens = draft_tokens;
        config.prefix_cache = false;
        config.concurrency = 8;
        // The default 8192 tokens per slot would allocate a cache for
        // prompts ten times longer than these.
        config.context_size = Some(2048);
    }))
}

/// Sends `requests` at once; their replies, in order.
fn at_once(
    runtime: &tokio::runtime::Runtime,
    endpoint: &Arc<Endpoint>,
    requests: &[ChatRequest],
) -> Vec<clade_llm::Completion> {
    runtime.block_on(async {
        let tasks: Vec<_> = requests
            .iter()
            .map(|request| {
                let (endpoint, request) = (endpoint.clone(), request.clone());
                tokio::spawn(async move { endpoint.complete(&request).await })
            })
            .collect();
        let mut replies = Vec::new();
        for task in tasks {
            replies.push(task.await.expect("a task").expect("a reply"));
        }
        replies
    })
}

/// Sends `requests` at once; (reply tokens, seconds to the last reply).
fn round(
    runtime: &tokio::runtime::Runtime,
    endpoint: &Arc<Endpoint>,
    requests: &[ChatRequest],
) -> (u64, f64) {
    let started = Instant::now();
    let tokens = at_once(runtime, endpoint, requests)
        .iter()
        .map(|r| r.tokens_out)
        .sum();
    (tokens, started.elapsed().as_secs_f64())
}

fn main() {
    let Some(path) = common::model_or_skip("1.5b") else {
        return;
    };
    let tokens = env_number("CLADE_BENCH_TOKENS", 128) as u32;
    let recorded = recorded_requests(tokens);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    println!("model: {}", path.display());
    println!(
        "requests sent at once, temperature 0.7, each its own seed, {tokens} reply tokens at most; prefix cache off; sides: one slot (in turn), a slot per request, the same without guesses"
    );
    let only = std::env::var("CLADE_BENCH_TABLE").unwrap_or_default();
    if only != "short" {
        table(&runtime, &path, "recorded requests", |i| {
            recorded[i % recorded.len()].clone()
        });
    }
    if only == "recorded" {
        return;
    }
    identity(&runtime, &path, &recorded);
    // A one-line prompt: the reply is nearly all of the work, so this shows
    // what batching does to decoding alone.
    let short = ChatRequest {
        messages: vec![clade_llm::Message::user(
            "Write a Rust module with ten small utility functions on strings, with doc comments.",
        )],
        max_tokens: Some(tokens),
        ..ChatRequest::default()
    };
    table(&runtime, &path, "a one-line prompt", |_| short.clone());
}

/// One table: 1, 2 and 4 concurrent requests (`request(i)` for the i-th,
/// with its own seed) on the three sides.
fn table(
    runtime: &tokio::runtime::Runtime,
    path: &std::path::Path,
    title: &str,
    request: impl Fn(usize) -> ChatRequest,
) {
    let samples = env_number("CLADE_BENCH_SAMPLES", 2);
    println!("\n{title}: aggregate reply tokens/s (median of {samples} rounds)");
    println!(
        "{:<11} {:>13} {:>14} {:>21} {:>8} {:>10}",
        "concurrent", "1 slot", "N slots", "N slots, no guesses", "N / 1", "no g. / 1"
    );
    for concurrent in [1u32, 2, 4] {
        let sides = [
            endpoint(path, 1, DEFAULT_DRAFT_TOKENS),
            endpoint(path, concurrent, DEFAULT_DRAFT_TOKENS),
            endpoint(path, concurrent, 0),
        ];
        // The model loads on a side's first request: not timed.
        let warm_up = ChatRequest {
            max_tokens: Some(1),
            ..request(0)
        };
        for endpoint in &sides {
            round(runtime, endpoint, std::slice::from_ref(&warm_up));
        }
        let mut speeds: [Vec<f64>; 3] = [vec![], vec![], vec![]];
        for sample in 0..samples {
            let requests: Vec<ChatRequest> = (0..concurrent as usize)
                .map(|i| ChatRequest {
                    temperature: Some(0.7),
                    seed: Some(sample * 10 + i as u64),
                    ..request(i)
                })
                .collect();
            for (side, endpoint) in sides.iter().enumerate() {
                let (tokens, seconds) = round(runtime, endpoint, &requests);
                speeds[side].push(tokens as f64 / seconds);
            }
        }
        let [one, many, plain] = speeds.map(median);
        println!(
            "{concurrent:<11} {one:>13.1} {many:>14.1} {plain:>21.1} {:>7.2}x {:>9.2}x",
            many / one,
            plain / one
        );
    }
}

/// Greedy replies to the recorded requests alone and sent together: where
/// they part, if they do (llama.cpp rounds a token's logits differently
/// with the number of tokens in its batch).
fn identity(runtime: &tokio::runtime::Runtime, path: &std::path::Path, recorded: &[ChatRequest]) {
    let endpoint = endpoint(path, recorded.len() as u32, DEFAULT_DRAFT_TOKENS);
    let alone: Vec<String> = recorded
        .iter()
        .map(|r| {
            runtime
                .block_on(endpoint.complete(r))
                .expect("a reply")
                .text
        })
        .collect();
    let together: Vec<String> = at_once(runtime, &endpoint, recorded)
        .into_iter()
        .map(|r| r.text)
        .collect();
    println!("\ngreedy replies alone and decoded together:");
    for (n, (a, b)) in alone.iter().zip(&together).enumerate() {
        let shared = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
        println!(
            "request {}: {} and {} chars, the same for the first {shared}{}",
            n + 1,
            a.chars().count(),
            b.chars().count(),
            if a == b { " (identical)" } else { "" }
        );
    }
}
