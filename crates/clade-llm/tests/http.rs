//! Both clients against a scripted server on 127.0.0.1: success, rate limits,
//! server errors, malformed replies, hangs, dead endpoints, accounting, the
//! response cache, concurrency limits and key hygiene.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clade_llm::{
    CacheMode, ChatRequest, Endpoint, Ensemble, Ledger, LlmError, Message, ModelConfig,
    ProviderKind, Reply, ResponseCache, RetryPolicy, ScriptedServer,
};

const KEY: &str = "sk-test-0123456789abcdef";

fn config(provider: ProviderKind, server: &ScriptedServer, env: &str) -> ModelConfig {
    // SAFETY (test): each test uses its own variable name.
    unsafe { std::env::set_var(env, KEY) };
    ModelConfig {
        base_url: Some(server.url()),
        api_key_env: Some(env.into()),
        price_in_per_mtok: 2.0,
        price_out_per_mtok: 8.0,
        temperature: Some(0.7),
        seed: Some(42),
        ..ModelConfig::new(provider, "test-model")
    }
}

fn fast(endpoint: Endpoint) -> Endpoint {
    endpoint.with_retry_policy(RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_secs(5),
    })
}

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![Message::system("be brief"), Message::user("improve this")],
        ..ChatRequest::default()
    }
}

#[tokio::test]
async fn openai_success_with_usage_cost_and_headers() {
    let server = ScriptedServer::start(vec![Reply::openai("the reply", 1000, 500)]).unwrap();
    let endpoint = Endpoint::new(
        config(ProviderKind::Openai, &server, "CLADE_T_OPENAI_OK"),
        None,
    )
    .unwrap();
    let completion = endpoint.complete(&request()).await.unwrap();
    assert_eq!(completion.text, "the reply");
    assert_eq!((completion.tokens_in, completion.tokens_out), (1000, 500));
    assert!((completion.cost_usd - (1000.0 * 2.0 + 500.0 * 8.0) / 1e6).abs() < 1e-12);
    assert!(!completion.cached);
    let seen = &server.requests()[0];
    assert_eq!(seen.path, "/v1/chat/completions");
    assert_eq!(
        seen.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    let body: serde_json::Value = serde_json::from_str(&seen.body).unwrap();
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["temperature"], 0.7);
    assert_eq!(body["seed"], 42);
    assert_eq!(body["messages"][0]["role"], "system");
}

#[tokio::test]
async fn anthropic_success_separates_the_system_prompt() {
    let server = ScriptedServer::start(vec![Reply::anthropic("claude says", 10, 20)]).unwrap();
    let endpoint = Endpoint::new(
        config(ProviderKind::Anthropic, &server, "CLADE_T_ANTHROPIC_OK"),
        None,
    )
    .unwrap();
    let completion = endpoint.complete(&request()).await.unwrap();
    assert_eq!(completion.text, "claude says");
    assert_eq!(completion.model, "scripted-claude");
    assert_eq!((completion.tokens_in, completion.tokens_out), (10, 20));
    let seen = &server.requests()[0];
    assert_eq!(seen.path, "/v1/messages");
    assert_eq!(seen.header("x-api-key"), Some(KEY));
    assert_eq!(seen.header("anthropic-version"), Some("2023-06-01"));
    let body: serde_json::Value = serde_json::from_str(&seen.body).unwrap();
    assert_eq!(body["system"], "be brief");
    assert_eq!(body["messages"].as_array().unwrap().len(), 1);
    assert!(body["max_tokens"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn rate_limit_honours_retry_after() {
    let server = ScriptedServer::start(vec![
        Reply::json(429, r#"{"error":"slow down"}"#).with_header("Retry-After", "1"),
        Reply::openai("finally", 1, 1),
    ])
    .unwrap();
    let endpoint =
        fast(Endpoint::new(config(ProviderKind::Openai, &server, "CLADE_T_429"), None).unwrap());
    let started = Instant::now();
    let completion = endpoint.complete(&request()).await.unwrap();
    assert_eq!(completion.text, "finally");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After ignored: {:?}",
        started.elapsed()
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn server_error_then_success_is_retried() {
    let server = ScriptedServer::start(vec![
        Reply::json(500, "oops"),
        Reply::json(503, "busy"),
        Reply::anthropic("ok", 1, 1),
    ])
    .unwrap();
    let endpoint = fast(
        Endpoint::new(
            config(ProviderKind::Anthropic, &server, "CLADE_T_500"),
            None,
        )
        .unwrap(),
    );
    assert_eq!(endpoint.complete(&request()).await.unwrap().text, "ok");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn other_client_errors_are_not_retried() {
    let server = ScriptedServer::start(vec![
        Reply::json(400, r#"{"error":"bad model"}"#),
        Reply::openai("never", 1, 1),
    ])
    .unwrap();
    let endpoint =
        fast(Endpoint::new(config(ProviderKind::Openai, &server, "CLADE_T_400"), None).unwrap());
    let err = endpoint.complete(&request()).await.unwrap_err();
    assert!(
        matches!(&err, LlmError::Http { status: 400, body, .. } if body.contains("bad model")),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn malformed_replies_are_clear_errors() {
    let server = ScriptedServer::start(vec![
        Reply::json(200, "{not json"),
        Reply::json(200, r#"{"choices": []}"#),
    ])
    .unwrap();
    let endpoint = fast(
        Endpoint::new(
            config(ProviderKind::Openai, &server, "CLADE_T_MALFORMED"),
            None,
        )
        .unwrap(),
    );
    let err = endpoint.complete(&request()).await.unwrap_err();
    assert!(matches!(err, LlmError::Malformed { .. }), "{err}");
    assert!(err.to_string().contains("not JSON"), "{err}");
    let err = endpoint.complete(&request()).await.unwrap_err();
    assert!(
        err.to_string().contains("choices[0].message.content"),
        "{err}"
    );
}

#[tokio::test]
async fn a_hung_server_times_out_and_retries_are_bounded() {
    let server = ScriptedServer::start_with(|_, _| Reply::Hang(Duration::from_secs(5))).unwrap();
    let mut cfg = config(ProviderKind::Openai, &server, "CLADE_T_HANG");
    cfg.timeout_s = 0.3;
    let endpoint = Endpoint::new(cfg, None)
        .unwrap()
        .with_retry_policy(RetryPolicy {
            max_retries: 1,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(10),
        });
    let started = Instant::now();
    let err = endpoint.complete(&request()).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    match err {
        LlmError::RetriesExhausted {
            attempts: 2, last, ..
        } => assert!(matches!(*last, LlmError::Timeout { .. }), "{last}"),
        other => panic!("expected exhausted retries, got {other}"),
    }
}

#[tokio::test]
async fn a_dead_endpoint_gives_up_with_a_specific_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = ModelConfig {
        base_url: Some(format!("http://127.0.0.1:{port}/v1")),
        ..ModelConfig::new(ProviderKind::Openai, "m")
    };
    let endpoint = fast(Endpoint::new(cfg, None).unwrap());
    let err = endpoint.complete(&request()).await.unwrap_err();
    assert!(
        matches!(&err, LlmError::RetriesExhausted { attempts: 4, last, .. } if matches!(**last, LlmError::Connect { .. })),
        "{err}"
    );
    assert!(
        err.to_string().contains("gave up after 4 attempts"),
        "{err}"
    );
}

#[tokio::test]
async fn the_cache_replays_without_the_network_and_holds_no_key() {
    let dir = tempfile::tempdir().unwrap();
    let server = ScriptedServer::start(vec![Reply::openai("cached reply", 5, 6)]).unwrap();
    let cache = || Some((ResponseCache::new(dir.path().into()), CacheMode::ReadWrite));
    let cfg = config(ProviderKind::Openai, &server, "CLADE_T_CACHE");
    let endpoint = Endpoint::new(cfg.clone(), cache()).unwrap();
    let first = endpoint.complete(&request()).await.unwrap();
    let second = endpoint.complete(&request()).await.unwrap();
    assert!(!first.cached && second.cached);
    assert_eq!(first.text, second.text);
    assert_eq!(server.requests().len(), 1);

    // Replay-only needs neither the network nor the key.
    drop(server);
    unsafe { std::env::remove_var("CLADE_T_CACHE") };
    let replay = Endpoint::new(
        cfg.clone(),
        Some((ResponseCache::new(dir.path().into()), CacheMode::ReplayOnly)),
    )
    .unwrap();
    assert_eq!(
        replay.complete(&request()).await.unwrap().text,
        "cached reply"
    );
    let mut other = request();
    other.messages.push(Message::user("something new"));
    let err = replay.complete(&other).await.unwrap_err();
    assert!(err.to_string().contains("replay-only"), "{err}");

    for entry in walk(dir.path()) {
        let text = std::fs::read_to_string(entry).unwrap();
        assert!(!text.contains(KEY));
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path))
        } else {
            out.push(path)
        }
    }
    out
}

#[tokio::test]
async fn keys_never_appear_in_errors() {
    let server = ScriptedServer::start_with(|_, req| {
        // A hostile or sloppy server echoing the request headers back.
        Reply::json(
            401,
            format!("invalid key {}", req.header("authorization").unwrap_or("")),
        )
    })
    .unwrap();
    let endpoint =
        Endpoint::new(config(ProviderKind::Openai, &server, "CLADE_T_ECHO"), None).unwrap();
    let err = endpoint.complete(&request()).await.unwrap_err();
    let shown = format!("{err} {err:?} {endpoint:?}");
    assert!(!shown.contains(KEY), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");

    unsafe { std::env::remove_var("CLADE_T_MISSING") };
    let cfg = ModelConfig {
        base_url: Some("https://api.example.invalid/v1".into()),
        api_key_env: Some("CLADE_T_MISSING".into()),
        ..ModelConfig::new(ProviderKind::Openai, "m")
    };
    let err = Endpoint::new(cfg, None).unwrap_err();
    assert!(
        matches!(&err, LlmError::MissingApiKey { env, .. } if env == "CLADE_T_MISSING"),
        "{err}"
    );
}

#[tokio::test]
async fn concurrency_is_limited_per_endpoint() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (f, p) = (in_flight.clone(), peak.clone());
    let server = ScriptedServer::start_with(move |_, _| {
        let now = f.fetch_add(1, Ordering::SeqCst) + 1;
        p.fetch_max(now, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(100));
        f.fetch_sub(1, Ordering::SeqCst);
        Reply::openai("x", 1, 1)
    })
    .unwrap();
    let mut cfg = config(ProviderKind::Openai, &server, "CLADE_T_CONC");
    cfg.concurrency = 2;
    let endpoint = Arc::new(Endpoint::new(cfg, None).unwrap());
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let e = endpoint.clone();
            tokio::spawn(async move { e.complete(&request()).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(peak.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn ledger_and_ensemble() {
    let a = ScriptedServer::start_with(|_, _| Reply::openai("from a", 100, 10)).unwrap();
    let b = ScriptedServer::start_with(|_, _| Reply::openai("from b", 100, 10)).unwrap();
    let mut ca = config(ProviderKind::Openai, &a, "CLADE_T_ENS_A");
    ca.weight = 3.0;
    let mut cb = config(ProviderKind::Openai, &b, "CLADE_T_ENS_B");
    cb.weight = 1.0;
    let ensemble = Ensemble::new(vec![
        Endpoint::new(ca, None).unwrap(),
        Endpoint::new(cb, None).unwrap(),
    ])
    .unwrap();
    let ledger = Ledger::default();
    let mut from_a = 0;
    for i in 0..8 {
        let endpoint = ensemble.pick(i as f64 / 8.0);
        let completion = endpoint.complete(&request()).await.unwrap();
        from_a += usize::from(completion.text == "from a");
        ledger.record(&completion);
    }
    assert_eq!(from_a, 6, "weights 3:1 over 8 evenly spread draws");
    let usage = ledger.usage();
    assert_eq!(
        (usage.calls, usage.tokens_in, usage.tokens_out),
        (8, 800, 80)
    );
    assert!((usage.cost_usd - 8.0 * (100.0 * 2.0 + 10.0 * 8.0) / 1e6).abs() < 1e-9);
}

/// A `Retry-After` from outside is any text: absurd values (huge, on a 200
/// too) must neither panic (`Duration::from_secs_f64` overflows) nor stall
/// the retry longer than the policy's cap.
#[tokio::test]
async fn absurd_retry_after_values_neither_panic_nor_stall() {
    let server = ScriptedServer::start(vec![
        Reply::json(429, r#"{"error":{"message":"slow down"}}"#)
            .with_header("Retry-After", "1e300"),
        Reply::json(429, r#"{"error":{"message":"slow down"}}"#)
            .with_header("Retry-After", "18446744073709551615"),
        Reply::openai("fine", 10, 2).with_header("Retry-After", "1e308"),
    ])
    .unwrap();
    let endpoint = fast(
        Endpoint::new(
            config(ProviderKind::Openai, &server, "CLADE_T_RETRY_AFTER"),
            None,
        )
        .unwrap(),
    )
    .with_retry_policy(RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
    });
    let started = Instant::now();
    let completion = endpoint.complete(&request()).await.unwrap();
    assert_eq!(completion.text, "fine");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// A redirect to another host must not carry the key or any extra header:
/// redirects are not followed at all (before, reqwest followed a 307 to the
/// other server with the Anthropic `x-api-key` and the extra headers).
#[tokio::test]
async fn a_redirect_is_not_followed_and_no_secret_reaches_another_host() {
    let other = ScriptedServer::start(vec![Reply::anthropic("stolen", 1, 1)]).unwrap();
    let location = format!("{}/messages", other.url());
    let server = ScriptedServer::start(vec![
        Reply::json(307, "{}").with_header("Location", &location),
    ])
    .unwrap();
    let mut config = config(ProviderKind::Anthropic, &server, "CLADE_T_REDIRECT");
    config
        .extra_headers
        .insert("x-team-secret".into(), "team-0123456789".into());
    config.max_retries = 0;
    let endpoint = Endpoint::new(config, None).unwrap();
    let err = endpoint.complete(&request()).await.unwrap_err().to_string();
    assert!(err.contains("307"), "{err}");
    assert!(other.requests().is_empty(), "the other host got a request");
}

/// An endpoint that echoes the key in a successful reply: the key reaches
/// neither the completion nor the response cache.
#[tokio::test]
async fn a_reply_echoing_the_key_is_scrubbed_before_it_is_kept() {
    let server = ScriptedServer::start(vec![Reply::openai(
        &format!("your key is {KEY}, thanks"),
        5,
        5,
    )])
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let endpoint = Endpoint::new(
        config(ProviderKind::Openai, &server, "CLADE_T_ECHO"),
        Some((ResponseCache::new(dir.path().into()), CacheMode::ReadWrite)),
    )
    .unwrap();
    let completion = endpoint.complete(&request()).await.unwrap();
    assert_eq!(completion.text, "your key is [redacted], thanks");
    for file in walk(dir.path()) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(!text.contains(KEY), "the key is in {}", file.display());
    }
}

/// Plain HTTP to a remote host would send the key in the clear: refused
/// unless the config opts out; `localhost.example.com` is not loopback.
#[test]
fn plain_http_to_a_remote_host_is_refused_unless_allowed() {
    // SAFETY (test): its own variable name.
    unsafe { std::env::set_var("CLADE_T_PLAIN", KEY) };
    let remote = |url: &str| ModelConfig {
        base_url: Some(url.into()),
        api_key_env: Some("CLADE_T_PLAIN".into()),
        ..ModelConfig::new(ProviderKind::Openai, "m")
    };
    for url in [
        "http://api.example.com/v1",
        "http://localhost.example.com/v1",
        "http://127.0.0.1.example.com/v1",
    ] {
        let err = Endpoint::new(remote(url), None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("https"), "{url}: {err}");
    }
    for url in [
        "http://127.0.0.1:8080/v1",
        "http://localhost:11434/v1",
        "http://[::1]:8000/v1",
        "https://api.example.com/v1",
    ] {
        assert!(Endpoint::new(remote(url), None).is_ok(), "{url}");
    }
    let mut lab = remote("http://gpu-box.lab:8000/v1");
    lab.allow_insecure_http = true;
    assert!(Endpoint::new(lab, None).is_ok());
}

/// A reply body larger than any real reply is refused by size instead of
/// being read into memory whole.
#[tokio::test]
async fn a_huge_reply_body_is_refused() {
    let huge = format!(
        r#"{{"choices": [{{"message": {{"content": "{}"}}}}]}}"#,
        "x".repeat(17 << 20)
    );
    let server = ScriptedServer::start(vec![Reply::json(200, huge)]).unwrap();
    let mut config = config(ProviderKind::Openai, &server, "CLADE_T_HUGE");
    config.max_retries = 0;
    let endpoint = Endpoint::new(config, None).unwrap();
    let err = endpoint.complete(&request()).await.unwrap_err();
    assert!(matches!(err, LlmError::Malformed { .. }), "{err}");
    assert!(err.to_string().contains("over 16 MiB"), "{err}");
}
