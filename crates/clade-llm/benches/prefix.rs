//! Prompt-prefix reuse on a real local model: the seed agent's repair
//! request (recorded on is-anagram) right after its first request, with the
//! KV cache of the first kept (`prefix_cache = true`) and thrown away
//! (`false`), alternating, printing the median latency of the repair
//! request on each side and their ratio.
//!
//! `cargo bench -p clade-llm --features local --bench prefix`
//! (`CLADE_MODEL=<gguf>` for another model than the built-in 1.5B;
//! `CLADE_BENCH_SAMPLES` pairs, default 5; `CLADE_BENCH_TOKENS` reply
//! tokens, default 32).

mod common;

use common::{env_number, median, recorded_requests};
use std::time::Instant;

use clade_llm::Endpoint;

fn endpoint(path: &std::path::Path, prefix_cache: bool) -> Endpoint {
    common::local_endpoint(path, |config| config.prefix_cache = prefix_cache)
}

fn main() {
    let Some(path) = common::model_or_skip("1.5b") else {
        return;
    };
    let samples = env_number("CLADE_BENCH_SAMPLES", 5);
    let tokens = env_number("CLADE_BENCH_TOKENS", 32) as u32;
    let requests = recorded_requests(tokens);
    let (first, repair) = (&requests[0], &requests[1]);
    let runtime = common::runtime();
    let sides = [
        ("fresh", endpoint(&path, false)),
        ("reused", endpoint(&path, true)),
    ];
    println!("model: {}", path.display());
    println!(
        "{samples} pairs: the seed's first request, then its repair request ({tokens} reply tokens), timed\n"
    );
    let mut rows: Vec<(&str, Vec<f64>, u64, u64)> =
        sides.iter().map(|(l, _)| (*l, vec![], 0, 0)).collect();
    for sample in 0..samples {
        // Alternate which side goes first, so drift hits both alike.
        let order: Vec<usize> = if sample % 2 == 0 {
            vec![0, 1]
        } else {
            vec![1, 0]
        };
        for i in order {
            let endpoint = &sides[i].1;
            runtime.block_on(endpoint.complete(first)).expect("a reply");
            let started = Instant::now();
            let reply = runtime
                .block_on(endpoint.complete(repair))
                .expect("a reply");
            rows[i].1.push(started.elapsed().as_secs_f64() * 1000.0);
            rows[i].2 = reply.tokens_in;
            rows[i].3 = reply.prompt_tokens_reused;
        }
    }
    println!(
        "{:<8} {:>16} {:>14} {:>15}",
        "", "repair ms (median)", "prompt tokens", "tokens reused"
    );
    for (label, ms, tokens_in, reused) in &rows {
        println!(
            "{label:<8} {:>16.0} {tokens_in:>14} {reused:>15}",
            median(ms.clone())
        );
    }
    println!(
        "\nreused / fresh latency: {:.2}x",
        median(rows[1].1.clone()) / median(rows[0].1.clone())
    );
}
