//! The SEARCH/REPLACE grammar on a real local model: the same diff prompt
//! (the sort-speed seed) sampled with several seeds, free and held to the
//! grammar, printing median tokens/s, the grammar's resamples and how many
//! replies became candidates, side by side.
//!
//! `cargo bench -p clade-llm --features local --bench grammar`
//! (`CLADE_MODEL=<gguf>` for another model than the 0.5B; `CLADE_BENCH_SAMPLES`
//! replies per side, default 8).

mod common;

use common::{env_number, median};
use std::collections::BTreeMap;

use clade_agent::{Operator, Program, PromptInput, Templates, Workspace, apply_reply};
use clade_llm::{ChatRequest, Endpoint, Message, ModelConfig, ProviderKind};

fn main() {
    let Some(path) = common::model_or_skip("0.5b") else {
        return;
    };
    let samples = env_number("CLADE_BENCH_SAMPLES", 8);
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
    let runtime = common::runtime();
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
