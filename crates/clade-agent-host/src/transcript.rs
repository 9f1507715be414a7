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
        /// An optimization task's score, from the host's evaluation.
        #[serde(skip_serializing_if = "Option::is_none")]
        score: Option<f64>,
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

/// Events with the time they happened, from the start of the run, each
/// appended to the transcript file as it happens (the file is the record;
/// nothing is kept in memory): a run that is killed, or
/// a host that crashes, still leaves what happened up to then.
#[derive(Debug)]
pub struct Transcript {
    started: Instant,
    file: std::io::BufWriter<std::fs::File>,
    /// The first write that failed; reported when the run ends.
    failed: Option<std::io::Error>,
}

/// Longest agent note kept, in bytes.
pub const NOTE_LIMIT: usize = 4 << 10;

impl Transcript {
    /// A transcript written to `path` (created, with its folder).
    pub fn create(path: &Path) -> std::io::Result<Self> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let file = std::fs::File::create(path)?;
        Ok(Transcript {
            started: Instant::now(),
            file: std::io::BufWriter::new(file),
            failed: None,
        })
    }

    pub fn push(&mut self, event: Event) {
        let ms = self.started.elapsed().as_millis() as u64;
        if self.failed.is_none()
            && let Err(e) = append(&mut self.file, ms, &event)
        {
            self.failed = Some(e);
        }
    }

    /// Ends the transcript: the first write error, if any.
    pub fn finish(mut self) -> std::io::Result<()> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        self.file.flush()
    }
}

fn append(file: &mut impl std::io::Write, ms: u64, event: &Event) -> std::io::Result<()> {
    let line = serde_json::to_string(&Line { ms, event }).map_err(std::io::Error::other)?;
    writeln!(file, "{line}")?;
    file.flush()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_is_on_disk_as_soon_as_it_happens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/t.jsonl");
        let mut transcript = Transcript::create(&path).unwrap();
        transcript.push(Event::Task { id: "t1".into() });
        transcript.push(Event::AgentNote {
            text: "thinking".into(),
        });
        // Before finish(): what a killed host would leave behind.
        let text = std::fs::read_to_string(&path).unwrap();
        let kinds: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(kinds.len(), 2);
        assert_eq!(kinds[0]["kind"], "task");
        assert_eq!(kinds[1]["kind"], "agent_note");
        assert_eq!(kinds[1]["text"], "thinking");
        transcript.finish().unwrap();
    }

    #[test]
    fn cut_keeps_characters_whole() {
        assert_eq!(cut("héllo", 2), "h[cut at 2 bytes]");
        assert_eq!(cut("abc", 3), "abc");
    }
}
