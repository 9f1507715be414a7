//! The result of one sandboxed run: what the candidate did and what it cost.
//! Everything a candidate can do, including crashing, ends up here as a value.

use serde::{Deserialize, Serialize};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// `_start` returned or the guest called `proc_exit`; see `exit_code`.
    Exited,
    /// A wasm trap (panic, `unreachable`, out-of-bounds access, invalid or
    /// unlinkable module); see `trap`.
    Trapped,
    /// The wall-clock deadline passed, in wasm code or in a blocking WASI call.
    Timeout,
    /// The fuel limit was used up.
    OutOfFuel,
    /// Linear memory (or a table) tried to grow past the memory limit.
    MemoryLimit,
    /// The wasm call stack exceeded the engine's maximum.
    StackOverflow,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Exited => "exited",
            RunStatus::Trapped => "trapped",
            RunStatus::Timeout => "timeout",
            RunStatus::OutOfFuel => "out_of_fuel",
            RunStatus::MemoryLimit => "memory_limit",
            RunStatus::StackOverflow => "stack_overflow",
        }
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything the host measured about one run. Field names are part of the
/// `clade sandbox run --json` contract.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOutcome {
    pub status: RunStatus,
    /// Exit code when `status` is `exited`.
    pub exit_code: Option<i32>,
    /// The trap or error message for every other status.
    pub trap: Option<String>,
    /// Fuel consumed. `None` after a timeout, where wasmtime's counter is
    /// stale, and when the runner was built without fuel metering.
    pub fuel_used: Option<u64>,
    pub wall_ms: f64,
    /// The largest linear memory the guest held, in bytes.
    pub peak_memory_bytes: u64,
    #[serde(with = "lossy_bytes")]
    pub stdout: Vec<u8>,
    #[serde(with = "lossy_bytes")]
    pub stderr: Vec<u8>,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
}

impl RunOutcome {
    /// Whether the guest ran to completion with exit code 0.
    pub fn succeeded(&self) -> bool {
        self.status == RunStatus::Exited && self.exit_code == Some(0)
    }

    pub fn stdout_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.stdout)
    }

    pub fn stderr_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.stderr)
    }
}

/// Shows output as text cut to a few hundred bytes: a flood of output must
/// not flood test failures and logs too.
impl std::fmt::Debug for RunOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn preview(bytes: &[u8]) -> String {
            const MAX: usize = 300;
            let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX)]).into_owned();
            if bytes.len() > MAX {
                format!("{text}… ({} bytes)", bytes.len())
            } else {
                text
            }
        }
        f.debug_struct("RunOutcome")
            .field("status", &self.status)
            .field("exit_code", &self.exit_code)
            .field("trap", &self.trap)
            .field("fuel_used", &self.fuel_used)
            .field("wall_ms", &self.wall_ms)
            .field("peak_memory_bytes", &self.peak_memory_bytes)
            .field("stdout", &preview(&self.stdout))
            .field("stderr", &preview(&self.stderr))
            .field("stdout_truncated", &self.stdout_truncated)
            .field("stderr_truncated", &self.stderr_truncated)
            .finish()
    }
}

/// Captured output is bytes; JSON carries it as (lossy) UTF-8 text.
mod lossy_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&String::from_utf8_lossy(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Ok(String::deserialize(d)?.into_bytes())
    }
}
