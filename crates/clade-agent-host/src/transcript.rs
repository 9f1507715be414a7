//! The transcript of one agent run, written by the host from the import
//! calls it served: every LLM request and reply, every refusal, test output,
//! and the agent's own notes, labelled as such. The agent cannot edit it, and
//! nothing in it is read back for a score.

use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

use serde::Serialize;

/// What happened, in the order it happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    Task {
        id: String,
    },
    LlmRequest {
        messages: Vec<clade_llm::Message>,
        max_tokens: u64,
        seed: u64,
    },
    LlmReply {
        text: String,
        tokens_in: u64,
        tokens_out: u64,
        cached: bool,
    },
    LlmError {
        error: String,
    },
    /// An import refused (a budget, a write, a malformed request).
    Refused {
        import: String,
        reason: String,
    },
    Write {
        path: String,
        bytes: u64,
    },
    Tests {
        built: bool,
        passed: u64,
        total: u64,
        output: String,
    },
    /// Text the agent chose to log: its own claim, never evidence.
    AgentNote {
        text: String,
    },
    Done {
        summary: String,
    },
}

#[derive(Debug, Clone, Serialize)]
struct Line<'a> {
    ms: u64,
    #[serde(flatten)]
    event: &'a Event,
}

/// Events with the time they happened, from the start of the run.
#[derive(Debug)]
pub struct Transcript {
    started: Instant,
    events: Vec<(u64, Event)>,
}

/// Longest agent note kept, in bytes.
pub const NOTE_LIMIT: usize = 4 << 10;

impl Default for Transcript {
    fn default() -> Self {
        Transcript {
            started: Instant::now(),
            events: Vec::new(),
        }
    }
}

impl Transcript {
    pub fn push(&mut self, event: Event) {
        let ms = self.started.elapsed().as_millis() as u64;
        self.events.push((ms, event));
    }

    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.events.iter().map(|(_, e)| e)
    }

    /// Writes the transcript as JSON lines.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        for (ms, event) in &self.events {
            let line =
                serde_json::to_string(&Line { ms: *ms, event }).map_err(std::io::Error::other)?;
            writeln!(out, "{line}")?;
        }
        out.flush()
    }
}

/// `text` cut to at most `limit` bytes on a character boundary.
pub fn cut(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}[cut at {limit} bytes]", &text[..end])
}
