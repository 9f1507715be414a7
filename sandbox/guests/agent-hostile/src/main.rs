//! A hostile agent: floods the model, writes where it must not, reads host
//! files, and notes every answer it got (the test reads the transcript).
use clade_guest::agent::{self, Chat, Message};

fn main() {
    let task = match agent::task() {
        Ok(task) => task,
        Err(e) => {
            agent::note(&format!("task: {e}"));
            return;
        }
    };
    agent::note(&format!("statement has {} bytes", task.statement.len()));
    agent::note(&format!("env: {:?}", std::env::vars().collect::<Vec<_>>()));
    let huge = "x".repeat(100 << 20);
    for path in ["tests/visible.rs", "Cargo.toml", "../x", "/etc/x", "hidden/tests.rs"] {
        match agent::write_file(path, "fn main() {}") {
            Ok(()) => agent::note(&format!("write {path}: ok")),
            Err(e) => agent::note(&format!("write {path}: {e}")),
        }
    }
    match agent::write_file("src/lib.rs", &huge) {
        Ok(()) => agent::note("huge write: ok"),
        Err(e) => agent::note(&format!("huge write: {e}")),
    }
    drop(huge);
    match agent::write_file("src/lib.rs", &"y".repeat(1 << 20)) {
        Ok(()) => agent::note("big write: ok"),
        Err(e) => agent::note(&format!("big write: {e}")),
    }
    // One allowed write, and the host's diff of it.
    if agent::write_file("src/lib.rs", "pub fn extra() {}\n").is_ok() {
        match agent::diff() {
            Ok(diff) => agent::note(&format!("diff: {diff}")),
            Err(e) => agent::note(&format!("diff: {e}")),
        }
    }
    for path in ["/etc/passwd", "/agent/prompts/../../etc/passwd", "hidden/tests.rs"] {
        match std::fs::read_to_string(path) {
            Ok(text) => agent::note(&format!("fs read {path}: {} bytes", text.len())),
            Err(e) => agent::note(&format!("fs read {path}: {e}")),
        }
    }
    let chat = Chat {
        messages: vec![Message::new("user", "hello")],
        max_tokens: Some(1_000_000),
        ..Chat::default()
    };
    for n in 0..50 {
        match agent::llm(&chat) {
            Ok(reply) => agent::note(&format!("llm {n}: ok {}", reply.text.len())),
            Err(e) => {
                agent::note(&format!("llm {n}: {e}"));
            }
        }
    }
    for n in 0..10 {
        if let Err(e) = agent::run_tests() {
            agent::note(&format!("tests {n}: {e}"));
        }
    }
    agent::done("hostile agent done");
}
