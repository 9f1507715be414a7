//! The SEARCH/REPLACE grammar on a real local model: the same diff prompt
//! (the sort-speed seed) sampled with several seeds, free and held to the
//! grammar, printing median tokens/s, the grammar's resamples and how many
//! replies became candidates, side by side.
//!
//! `cargo bench -p clade-llm --features local --bench grammar`
//! (`CLADE_MODEL=<gguf>` for another model than the 0.5B; `CLADE_BENCH_SAMPLES`
//! replies per side, default 8).

use std::collections::BTreeMap;
use std::path::PathBuf;

use clade_agent::{Operator, Program, PromptInput, Templates, Workspace, apply_reply};
use clade_llm::{ChatRequest, Endpoint, Message, ModelConfig, ProviderKind};

fn model_path() -> PathBuf {
    std::env::var_os("CLADE_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/clade/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")
        })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() {
    let path = model_path();
    if !path.is_file() {
        eprintln!(
            "skipped: no model at {} (scripts/fetch-model.sh 0.5b)",
            path.display()
        );
        return;
    }
    let samples: u64 = std::env::var("CLADE_BENCH_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    let seed_file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../benchmarks/sort-speed/src/main.rs"
    );
    let code = std::fs::read_to_string(seed_file).expect("the sort-speed seed");
    let files = BTreeMap::from([("src/main.rs".to_string(), code)]);
    let input = PromptInput {
        task: "Make `sort(values: &mut [u32])` faster. It must sort ascending in place. \
               Do not call the standard library's sort; write the algorithm."
            .into(),
        metric: "fuel".into(),
        direction: "minimize".into(),
        operator: Operator::Diff,
        parent: Program {
            label: "#0".into(),
            score: Some(197_243_316.0),
            metrics: BTreeMap::new(),
            files: files.clone(),
        },
        feedback: None,
        top_programs: vec![],
        inspirations: vec![],
        previous_attempts: vec![],
        second_parent: None,
        failed: None,
        feedback_limit: 2000,
        context_code_limit: 4000,
    };
    let prompt = clade_agent::build_prompt(&Templates::seed(), &input);
    let grammar = clade_agent::grammar::search_replace(&files).expect("a grammar");
    let mut config = ModelConfig::new(ProviderKind::Local, "bench");
    config.path = Some(path.display().to_string());
    config.context_size = Some(4096);
    let endpoint = Endpoint::new(config, None).expect("the local model");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let workspace = Workspace { files };
    println!("model: {}", path.display());
    println!("{samples} replies per side to the sort-speed diff prompt\n");
    let mut rows = Vec::new();
    for (label, grammar) in [("free", None), ("grammar", Some(grammar))] {
        let (mut speeds, mut resamples, mut candidates, mut tokens) = (vec![], 0, 0, vec![]);
        // Candidates whose REPLACE part is the format example's own
        // placeholder, copied: a candidate, but not code.
        let mut copied = 0;
        for seed in 0..samples {
            let request = ChatRequest {
                messages: vec![
                    Message::system(prompt.system.clone()),
                    Message::user(prompt.user.clone()),
                ],
                temperature: Some(0.7),
                max_tokens: Some(512),
                seed: Some(seed),
                stop: vec![">>>>>>> REPLACE".into()],
                grammar: grammar.clone(),
                ..ChatRequest::default()
            };
            let reply = runtime
                .block_on(endpoint.complete(&request))
                .expect("a reply");
            speeds.push(reply.tokens_per_second.unwrap_or(0.0));
            tokens.push(reply.tokens_out as f64);
            resamples += reply.grammar_resamples;
            if apply_reply(&reply.text, &workspace).is_ok() {
                candidates += 1;
                if reply.text.contains("(the new version of those lines)") {
                    copied += 1;
                }
            }
        }
        rows.push((
            label,
            median(speeds),
            median(tokens),
            resamples,
            candidates,
            copied,
        ));
    }
    println!(
        "{:<8} {:>12} {:>14} {:>10} {:>11} {:>18}",
        "", "tokens/s", "tokens/reply", "resamples", "candidates", "placeholder copied"
    );
    for (label, speed, tokens, resamples, candidates, copied) in &rows {
        println!(
            "{label:<8} {speed:>12.1} {tokens:>14.0} {resamples:>10} {:>11} {copied:>18}",
            format!("{candidates}/{samples}")
        );
    }
    println!("\ngrammar / free tokens/s: {:.2}x", rows[1].1 / rows[0].1);
}
