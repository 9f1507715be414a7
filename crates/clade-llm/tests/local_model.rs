//! The in-process local model (feature `local`) with a real GGUF file: the
//! small Qwen2.5-Coder-0.5B that `scripts/test.sh` fetches. Without the file
//! the test says why it skipped, unless CLADE_REQUIRE_MODEL is set (CI), where
//! a missing model is a failure.
#![cfg(feature = "local")]

use std::path::PathBuf;

use clade_llm::{ChatRequest, Endpoint, Message, ModelConfig, ProviderKind};

fn small_model() -> Option<PathBuf> {
    let path = std::env::var_os("CLADE_TEST_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("CLADE_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/clade")
                });
            home.join("models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")
        });
    if path.is_file() {
        return Some(path);
    }
    let why = format!(
        "no local model at {} (run scripts/fetch-model.sh 0.5b)",
        path.display()
    );
    assert!(
        std::env::var_os("CLADE_REQUIRE_MODEL").is_none(),
        "CLADE_REQUIRE_MODEL is set but {why}"
    );
    eprintln!("skipped: {why}");
    None
}

fn small_endpoint(path: &std::path::Path) -> Endpoint {
    let mut config = ModelConfig::new(ProviderKind::Local, "qwen2.5-coder-0.5b-instruct");
    config.path = Some(path.display().to_string());
    config.context_size = Some(2048);
    Endpoint::new(config, None).unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn the_local_model_answers_with_usage_and_speed() {
    let Some(path) = small_model() else { return };
    let endpoint = small_endpoint(&path);
    let request = ChatRequest {
        messages: vec![
            Message::system("You are a Rust expert. Answer with code only."),
            Message::user("Write a Rust function `fn add(a: u32, b: u32) -> u32`."),
        ],
        temperature: Some(0.0),
        max_tokens: Some(64),
        ..ChatRequest::default()
    };
    let wall = std::time::Instant::now();
    let first = endpoint.complete(&request).await.unwrap();
    let wall = wall.elapsed().as_secs_f64();
    assert!(first.text.contains("fn add"), "{:?}", first.text);
    assert!(first.tokens_in > 10 && first.tokens_out > 0 && first.tokens_out <= 64);
    // The speed counts generation only, which happens inside the call: it can
    // be no slower than the tokens over the whole call. (How fast it is
    // depends on the machine's load; benches/grammar.rs and
    // benches/prefix.rs measure it.)
    let speed = first.tokens_per_second.unwrap();
    let floor = first.tokens_out as f64 / wall;
    assert!(
        speed.is_finite() && speed >= floor,
        "{speed} tokens/s reported, {floor} over the whole call"
    );
    eprintln!(
        "local 0.5B: {} tokens in, {} out, {speed:.1} tokens/s",
        first.tokens_in, first.tokens_out
    );
    // Greedy decoding is deterministic, and the model stays loaded.
    let second = endpoint.complete(&request).await.unwrap();
    assert_eq!(first.text, second.text);
}

#[tokio::test(flavor = "current_thread")]
async fn a_missing_or_foreign_model_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ModelConfig::new(ProviderKind::Local, "nothing");
    config.path = Some(dir.path().join("absent.gguf").display().to_string());
    let err = Endpoint::new(config.clone(), None).unwrap_err().to_string();
    assert!(err.contains("fetch-model.sh"), "{err}");
    let text = dir.path().join("text.gguf");
    std::fs::write(&text, "not a model").unwrap();
    config.path = Some(text.display().to_string());
    let err = Endpoint::new(config, None).unwrap_err().to_string();
    assert!(err.contains("not a GGUF model file"), "{err}");
}

/// A grammar holds the reply to its shape even where the model, left alone,
/// would answer otherwise (here: prose and code instead of one word), and a
/// grammar that does not compile is an error, not a crash.
#[tokio::test(flavor = "current_thread")]
async fn a_grammar_holds_the_reply_to_its_shape() {
    let Some(path) = small_model() else { return };
    let endpoint = small_endpoint(&path);
    let ask = |grammar: Option<&str>| ChatRequest {
        messages: vec![
            Message::system("You are a Rust expert."),
            Message::user("Write a Rust function that adds two numbers, and explain it."),
        ],
        temperature: Some(0.7),
        seed: Some(3),
        max_tokens: Some(48),
        grammar: grammar.map(str::to_string),
        ..ChatRequest::default()
    };
    let free = endpoint.complete(&ask(None)).await.unwrap();
    assert_eq!(free.grammar_resamples, 0);
    let held = endpoint
        .complete(&ask(Some(
            r#"root ::= "<<<<<<< SEARCH\n" [a-z ]+ "\n=======\n" [0-9]+ "\n>>>>>>> REPLACE""#,
        )))
        .await
        .unwrap();
    let shape = held
        .text
        .strip_prefix("<<<<<<< SEARCH\n")
        .and_then(|rest| rest.split_once("\n=======\n"));
    assert!(
        shape.is_some_and(|(words, rest)| {
            words.chars().all(|c| c.is_ascii_lowercase() || c == ' ')
                && rest
                    .trim_end_matches("\n>>>>>>> REPLACE")
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '\n')
        }),
        "{:?}",
        held.text
    );
    assert!(
        held.grammar_resamples > 0,
        "the free reply was {:?}",
        free.text
    );
    let err = endpoint
        .complete(&ask(Some("root ::= <<<")))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("grammar"), "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn assistant_turns_reach_the_model() {
    let Some(path) = small_model() else { return };
    let endpoint = small_endpoint(&path);
    let ask = |turns: Vec<Message>| ChatRequest {
        messages: turns,
        temperature: Some(0.0),
        max_tokens: Some(12),
        ..ChatRequest::default()
    };
    let question = "What word did you just say? Answer with that word only.";
    let said = |word: &str| {
        vec![
            Message::system("You repeat yourself exactly."),
            Message::user("Say a word."),
            clade_llm::Message {
                role: clade_llm::Role::Assistant,
                content: word.into(),
            },
            Message::user(question),
        ]
    };
    let banana = endpoint.complete(&ask(said("Banana"))).await.unwrap();
    let violin = endpoint.complete(&ask(said("Violin"))).await.unwrap();
    // Dropping the assistant turn would make both prompts identical, and
    // greedy decoding would give the same reply.
    assert_ne!(banana.text, violin.text);
    assert!(banana.tokens_in > violin.tokens_in.saturating_sub(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_stops_waiting_frees_the_model() {
    let Some(path) = small_model() else { return };
    let endpoint = std::sync::Arc::new(small_endpoint(&path));
    let long = ChatRequest {
        messages: vec![Message::user("Count from 1 to 2000, one number per line.")],
        temperature: Some(0.0),
        max_tokens: Some(1500),
        ..ChatRequest::default()
    };
    let started = std::time::Instant::now();
    let cut = tokio::time::timeout(
        std::time::Duration::from_millis(1500),
        endpoint.complete(&long),
    )
    .await;
    assert!(
        cut.is_err(),
        "the long generation should not finish in 1.5 s"
    );
    let short = ChatRequest {
        messages: vec![Message::user("Say hi.")],
        temperature: Some(0.0),
        max_tokens: Some(4),
        ..ChatRequest::default()
    };
    let answered = endpoint.complete(&short).await.unwrap();
    // Had the abandoned generation run on, the short request would have
    // queued behind its remaining ~1500 tokens. Measured in tokens at the
    // speed this machine has now (under any load), the wait must be far
    // shorter: the 1.5 s before giving up and at most 300 tokens' time.
    let speed = answered.tokens_per_second.unwrap();
    let waited = started.elapsed().as_secs_f64();
    let bound = 1.5 + 300.0 / speed;
    assert!(
        waited < bound,
        "waited {waited:.1} s; at {speed:.1} tokens/s the bound is {bound:.1} s"
    );
}

/// A worker of its own (no other test shares its settings), with or without
/// the prefix cache.
fn endpoint_with_prefix_cache(path: &std::path::Path, prefix_cache: bool) -> Endpoint {
    let mut config = ModelConfig::new(ProviderKind::Local, "qwen2.5-coder-0.5b-instruct");
    config.path = Some(path.display().to_string());
    config.context_size = Some(if prefix_cache { 1536 } else { 1792 });
    config.prefix_cache = prefix_cache;
    Endpoint::new(config, None).unwrap()
}

fn greedy(system: &str, user: &str) -> ChatRequest {
    ChatRequest {
        messages: vec![Message::system(system), Message::user(user)],
        temperature: Some(0.0),
        max_tokens: Some(48),
        ..ChatRequest::default()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_reused_prompt_prefix_gives_the_same_greedy_reply_as_a_fresh_context() {
    let Some(path) = small_model() else { return };
    let system = "You are a Rust expert. Answer with code only. Use only the standard library, \
                  keep every signature, and write no tests.";
    let first = greedy(system, "Write `fn square(x: u64) -> u64`.");
    let second = greedy(system, "Write `fn cube(x: u64) -> u64`.");

    let cached = endpoint_with_prefix_cache(&path, true);
    let before = cached.complete(&first).await.unwrap();
    assert_eq!(
        before.prompt_tokens_reused, 0,
        "the first request has nothing to reuse"
    );
    let reused = cached.complete(&second).await.unwrap();
    assert!(
        reused.prompt_tokens_reused > 10 && reused.prompt_tokens_reused < reused.tokens_in,
        "reused {} of {} prompt tokens",
        reused.prompt_tokens_reused,
        reused.tokens_in
    );

    let fresh = endpoint_with_prefix_cache(&path, false);
    fresh.complete(&first).await.unwrap();
    let recomputed = fresh.complete(&second).await.unwrap();
    assert_eq!(recomputed.prompt_tokens_reused, 0);
    assert_eq!(reused.text, recomputed.text);
}

#[test]
fn the_served_model_answers_an_openai_client() {
    let Some(path) = small_model() else { return };
    let mut config = ModelConfig::new(ProviderKind::Local, "qwen2.5-coder-0.5b-instruct");
    config.path = Some(path.display().to_string());
    // Small, so an oversized prompt is easy to make; a worker of its own.
    config.context_size = Some(640);
    let local = std::sync::Arc::new(Endpoint::new(config, None).unwrap());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || clade_llm::serve(listener, local, "served-model"));

    let mut client = ModelConfig::new(ProviderKind::Openai, "served-model");
    client.base_url = Some(format!("http://{addr}/v1"));
    client.max_retries = 0;
    let client = std::sync::Arc::new(Endpoint::new(client, None).unwrap());
    let ask = |user: &str| ChatRequest {
        messages: vec![Message::user(user)],
        temperature: Some(0.0),
        max_tokens: Some(16),
        ..ChatRequest::default()
    };
    let reply = runtime
        .block_on(client.complete(&ask("Write `fn one() -> u32` in Rust.")))
        .unwrap();
    assert!(!reply.text.is_empty());
    assert!(
        reply.tokens_in > 5 && reply.tokens_out > 0 && reply.tokens_out <= 16,
        "{reply:?}"
    );

    // Concurrent requests queue for the model and all complete.
    let replies = runtime.block_on(async {
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let (client, request) = (client.clone(), ask(&format!("Say the number {i}.")));
                tokio::spawn(async move { client.complete(&request).await })
            })
            .collect();
        let mut replies = Vec::new();
        for task in tasks {
            replies.push(task.await.unwrap());
        }
        replies
    });
    assert!(replies.iter().all(|r| r.is_ok()), "{replies:?}");

    let long = "word ".repeat(800);
    match runtime.block_on(client.complete(&ask(&long))) {
        Err(clade_llm::LlmError::Http {
            status: 400, body, ..
        }) => {
            assert!(body.contains("the context holds 640"), "{body}")
        }
        other => panic!("an oversized prompt gave {other:?}"),
    }
}

/// Prompt-lookup speculation decodes guesses ahead but samples every token
/// as it would without them: the same greedy reply, with guesses confirmed
/// on a reply that copies the prompt.
#[tokio::test(flavor = "current_thread")]
async fn guessing_ahead_gives_the_same_greedy_reply() {
    let Some(path) = small_model() else { return };
    let code = "fn insertion_sort(values: &mut [u32]) {\n    for i in 1..values.len() {\n        let mut j = i;\n        while j > 0 && values[j - 1] > values[j] {\n            values.swap(j - 1, j);\n            j -= 1;\n        }\n    }\n}\n";
    let request = ChatRequest {
        messages: vec![
            Message::system("You are a Rust expert. Answer with code only."),
            Message::user(format!(
                "Repeat this function exactly, then add a doc comment above it:\n\n{code}"
            )),
        ],
        temperature: Some(0.0),
        max_tokens: Some(120),
        ..ChatRequest::default()
    };
    let with = |draft_tokens: u32| {
        let mut config = ModelConfig::new(ProviderKind::Local, "qwen2.5-coder-0.5b-instruct");
        config.path = Some(path.display().to_string());
        config.context_size = Some(2048);
        config.draft_tokens = draft_tokens;
        Endpoint::new(config, None).unwrap()
    };
    let plain = with(0).complete(&request).await.unwrap();
    let guessed = with(8).complete(&request).await.unwrap();
    assert_eq!(plain.draft_tokens, 0);
    assert!(
        guessed.draft_accepted > 10 && guessed.draft_accepted <= guessed.draft_tokens,
        "{} of {} guesses confirmed",
        guessed.draft_accepted,
        guessed.draft_tokens
    );
    assert_eq!(plain.text, guessed.text);
}

/// Continuous batching: requests in one batch each keep their own prompt,
/// sampler, seed and stop strings. Their text is not always the text each
/// gives alone: llama.cpp's CPU kernels round a token's logits differently
/// with the number of tokens in its batch, so a near-tie can fall the other
/// way (measured by the batching bench); up to there the replies agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_decoded_together_keep_their_own_prompt_seed_and_stops() {
    let Some(path) = small_model() else { return };
    let mut config = ModelConfig::new(ProviderKind::Local, "qwen2.5-coder-0.5b-instruct");
    config.path = Some(path.display().to_string());
    // A worker of its own, with a slot for each request.
    config.context_size = Some(1280);
    config.slots = 3;
    let endpoint = std::sync::Arc::new(Endpoint::new(config, None).unwrap());
    let ask = |user: &str, temperature: f64, seed: u64, stop: &[&str]| ChatRequest {
        messages: vec![
            Message::system("You are a Rust expert. Answer with code only."),
            Message::user(user),
        ],
        temperature: Some(temperature),
        seed: Some(seed),
        max_tokens: Some(64),
        stop: stop.iter().map(|s| s.to_string()).collect(),
        ..ChatRequest::default()
    };
    let requests = [
        ask("Write `fn fib(n: u64) -> u64`.", 0.8, 7, &[]),
        ask("Write `fn is_prime(n: u64) -> bool`.", 0.0, 0, &[]),
        ask("Write `fn gcd(a: u64, b: u64) -> u64`.", 0.8, 11, &["}\n"]),
    ];
    let mut alone = Vec::new();
    for request in &requests {
        alone.push(endpoint.complete(request).await.unwrap());
    }
    let tasks: Vec<_> = requests
        .iter()
        .rev()
        .map(|request| {
            let (endpoint, request) = (endpoint.clone(), request.clone());
            tokio::spawn(async move { endpoint.complete(&request).await })
        })
        .collect();
    let mut together = Vec::new();
    for task in tasks {
        together.push(task.await.unwrap().unwrap());
    }
    together.reverse();
    for (i, name) in ["fn fib", "fn is_prime", "fn gcd"].iter().enumerate() {
        assert!(
            together[i].text.contains(name),
            "request {i}: {:?}",
            together[i].text
        );
        let agree = alone[i]
            .text
            .chars()
            .zip(together[i].text.chars())
            .take_while(|(a, b)| a == b)
            .count();
        assert!(
            agree >= 24,
            "request {i} parted from its reply alone after {agree} chars:\n{:?}\n{:?}",
            alone[i].text,
            together[i].text
        );
    }
    assert!(together[2].text.ends_with("}\n"), "{:?}", together[2].text);
}

/// A request whose prompt starts like one another slot is serving shares
/// that slot's cache for the common prefix (parallel proposals share their
/// system prompt and task) and replies as a fresh context would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prefix_in_another_slots_cache_is_shared() {
    let Some(path) = small_model() else { return };
    let with = |prefix_cache: bool| {
        let mut config = ModelConfig::new(ProviderKind::Local, "qwen2.5-coder-0.5b-instruct");
        config.path = Some(path.display().to_string());
        // Workers of their own.
        config.context_size = Some(1152);
        config.slots = 2;
        config.draft_tokens = 0;
        config.prefix_cache = prefix_cache;
        std::sync::Arc::new(Endpoint::new(config, None).unwrap())
    };
    let system = "You are a Rust expert. Answer with code only. Use only the standard library, \
                  keep every signature, write no tests, no comments and no explanations. \
                  Prefer iterators over index loops, return early on edge cases, and never panic \
                  on any input: every function must be total.";
    let mut square = greedy(system, "Write `fn square(x: u64) -> u64`.");
    let cube = greedy(system, "Write `fn cube(x: u64) -> u64`.");
    let shared = with(true);
    // The square prompt in one slot's cache, the other slot empty; then
    // both prompts at once. Whichever arrives first takes the cached slot;
    // the other can only reuse anything by sharing that busy slot's cells.
    square.max_tokens = Some(1);
    shared.complete(&square).await.unwrap();
    square.max_tokens = Some(120);
    let running = {
        let (shared, square) = (shared.clone(), square.clone());
        tokio::spawn(async move { shared.complete(&square).await })
    };
    let crossed = shared.complete(&cube).await.unwrap();
    let long = running.await.unwrap().unwrap();
    for reply in [&long, &crossed] {
        assert!(
            reply.prompt_tokens_reused > 32 && reply.prompt_tokens_reused < reply.tokens_in,
            "reused {} of {} prompt tokens",
            reply.prompt_tokens_reused,
            reply.tokens_in
        );
    }
    let fresh = with(false).complete(&cube).await.unwrap();
    assert_eq!(fresh.prompt_tokens_reused, 0);
    assert_eq!(crossed.text, fresh.text);
}
