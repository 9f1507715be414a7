//! `clade model serve` as another tool uses it: an OpenAI-style request over
//! plain HTTP to the served small model.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};

use crate::env::{clade_command, repo_root};
use serde_json::Value;

/// Kills the server however the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request to `addr`; the status and the JSON body.
fn http(addr: &str, head: &str, body: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let request = format!("{head}\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let (head, body) = reply.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

#[test]
fn the_served_model_answers_chat_completions_and_lists_itself() {
    let Some(model) = crate::run::small_model() else {
        return;
    };
    let model = model.display().to_string();
    let args = [
        "model",
        "serve",
        "--model",
        &model,
        "--port",
        "0",
        "--context",
        "1024",
        "--slots",
        "3",
        "--json",
    ];
    let mut child = clade_command(&repo_root(), &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut server = Server(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let banner: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    let url = banner["url"].as_str().unwrap();
    let addr = url.trim_start_matches("http://").trim_end_matches("/v1");
    assert_eq!(banner["slots"], 3, "{banner}");

    let (status, models) = http(addr, "GET /v1/models HTTP/1.1\r\nHost: x", "");
    assert_eq!(status, 200, "{models}");
    assert_eq!(models["data"][0]["id"], banner["model"]);

    let chat = r#"{"model":"any","messages":[{"role":"user","content":"Say hello."}],"max_tokens":8,"temperature":0}"#;
    let head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-never-logged\r\nContent-Type: application/json";
    let (status, reply) = http(addr, head, chat);
    assert_eq!(status, 200, "{reply}");
    assert!(
        reply["choices"][0]["message"]["content"].as_str().is_some(),
        "{reply}"
    );
    let completion = reply["usage"]["completion_tokens"].as_u64().unwrap();
    assert!(completion > 0 && completion <= 8, "{reply}");

    let (status, refused) = http(
        addr,
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x",
        r#"{"messages":[]}"#,
    );
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("messages"),
        "{refused}"
    );

    // Clade's own OpenAI provider, pointed at it, runs an evolution.
    let dir = crate::run::project(url, 1, "");
    // Short replies, and time for the small model on a busy machine.
    let config = dir.path().join("clade.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replace(
        "max_retries = 2\ntimeout_s = 20",
        "max_retries = 0\ntimeout_s = 300\nmax_tokens = 200",
    );
    assert!(text.contains("timeout_s = 300"), "{text}");
    std::fs::write(&config, text).unwrap();
    crate::env::git(dir.path(), &["commit", "-q", "-am", "served model"]);
    let run = clade_command(dir.path(), &["run", "--json"])
        .env("CLADE_TEST_KEY", "sk-never-logged")
        .output()
        .unwrap();
    crate::env::assert_ok(&run);
    let events = crate::run::parse_events(&run);
    let variants: Vec<&Value> = events.iter().filter(|e| e["event"] == "variant").collect();
    assert!(!variants.is_empty(), "{events:?}");
    for v in &variants {
        let reason = v["reason"].as_str().unwrap_or("");
        assert!(!reason.starts_with("llm_error"), "{v}");
    }
    assert!(
        crate::run::finish(&events)["totals"]["tokens"]
            .as_u64()
            .unwrap()
            > 0
    );

    // Nothing the client sent is logged: not its key.
    let _ = server.0.kill();
    let _ = server.0.wait();
    let mut stderr = String::new();
    if let Some(mut err) = server.0.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    assert!(!stderr.contains("sk-never-logged"), "{stderr}");
}

#[test]
fn a_slot_count_out_of_range_is_refused_before_serving() {
    let Some(model) = crate::run::small_model() else {
        return;
    };
    let model = model.display().to_string();
    let out = clade_command(
        &repo_root(),
        &[
            "model", "serve", "--model", &model, "--port", "0", "--slots", "0",
        ],
    )
    .output()
    .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("slots is 0; a local model decodes 1 to 16 requests together"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
