//! The Slurm commands the coordinator runs — `sbatch` to submit a batch,
//! `squeue` to see which batches still live — and what it reads from their
//! output. Nothing else in Clade starts a Slurm command.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use crate::DistError;

/// The only variables a batch job gets from the coordinator's environment:
/// what finds `clade`, its caches and the toolchain. Never the rest (API
/// keys, tokens): Slurm would otherwise copy all of it to every node.
const EXPORTED: [&str; 9] = [
    "PATH",
    "HOME",
    "CLADE_HOME",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "RUSTUP_TOOLCHAIN",
    "TMPDIR",
    "RUST_LOG",
    "LANG",
];

/// A batch to submit.
pub(crate) struct Submission<'a> {
    pub script: &'a Path,
    pub job_name: &'a str,
    /// `--output`, with Slurm's `%j`.
    pub output: &'a Path,
    /// The folder the job starts in (the shared folder: it exists on
    /// every node).
    pub chdir: &'a Path,
    /// `evaluate.backend.sbatch_args`.
    pub extra: &'a [String],
}

/// Fails, saying so, unless `sbatch` and `squeue` are on PATH: better at
/// the start of a run than as every candidate's host error. (Running them
/// would not do: `--version` fails where no Slurm config is found.)
pub(crate) fn check_installed() -> Result<(), DistError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for program in ["sbatch", "squeue"] {
        if !std::env::split_paths(&path).any(|dir| dir.join(program).is_file()) {
            return Err(DistError::Setup(format!(
                "evaluate.backend.kind = \"slurm\" needs {program} on PATH (run clade on a Slurm login node)"
            )));
        }
    }
    Ok(())
}

/// Submits with `sbatch --parsable`; the Slurm job id.
pub(crate) fn sbatch(submission: &Submission) -> Result<String, DistError> {
    let exported: Vec<&str> = EXPORTED
        .into_iter()
        .filter(|name| std::env::var_os(name).is_some())
        .collect();
    let output = Command::new("sbatch")
        .arg("--parsable")
        .arg(format!("--job-name={}", submission.job_name))
        .arg(format!("--output={}", submission.output.display()))
        .arg(format!("--chdir={}", submission.chdir.display()))
        .arg(format!("--export={}", exported.join(",")))
        .args(submission.extra)
        .arg(submission.script)
        .output()
        .map_err(|e| {
            DistError::Setup(format!(
                "could not run sbatch (is Slurm installed here?): {e}"
            ))
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(DistError::Setup(format!(
            "sbatch failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    parse_job_id(&stdout)
        .ok_or_else(|| DistError::Setup(format!("sbatch printed no job id: {:?}", stdout.trim())))
}

/// `--parsable` prints `ID` or `ID;CLUSTER`.
fn parse_job_id(stdout: &str) -> Option<String> {
    let id = stdout.trim().split(';').next()?.trim();
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| id.to_string())
}

/// Where a Slurm job is, as `squeue` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JobState {
    /// Pending, configuring, suspended, requeued: not yet at work.
    Waiting,
    Running,
    /// Over, in the state Slurm gives (COMPLETED, FAILED, CANCELLED…), or
    /// `"gone"` when Slurm no longer lists it.
    Ended(String),
}

/// The states of Slurm jobs `ids`; a job Slurm no longer knows is ended.
pub(crate) fn states(ids: &[String]) -> Result<HashMap<String, JobState>, DistError> {
    let output = Command::new("squeue")
        .args(["--noheader", "--states=all", "--format=%i %T", "--jobs"])
        .arg(ids.join(","))
        .output()
        .map_err(|e| DistError::Setup(format!("could not run squeue: {e}")))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Asked only for ids it has forgotten, squeue fails with this.
    let forgotten = stderr.contains("Invalid job id");
    if !output.status.success() && !forgotten {
        return Err(DistError::Setup(format!(
            "squeue failed ({}): {}",
            output.status,
            stderr.trim()
        )));
    }
    let listed = parse_states(&String::from_utf8_lossy(&output.stdout));
    Ok(ids
        .iter()
        .map(|id| {
            let state = listed
                .get(id)
                .cloned()
                .unwrap_or_else(|| JobState::Ended("gone".into()));
            (id.clone(), state)
        })
        .collect())
}

fn parse_states(stdout: &str) -> HashMap<String, JobState> {
    stdout
        .lines()
        .filter_map(|line| {
            let (id, state) = line.trim().split_once(' ')?;
            Some((id.to_string(), state_of(state.trim())))
        })
        .collect()
}

fn state_of(word: &str) -> JobState {
    match word {
        "RUNNING" | "COMPLETING" | "STAGE_OUT" => JobState::Running,
        "PENDING" | "CONFIGURING" | "SUSPENDED" | "REQUEUED" | "REQUEUE_FED" | "REQUEUE_HOLD"
        | "RESIZING" | "SIGNALING" | "STOPPED" | "RESV_DEL_HOLD" => JobState::Waiting,
        other => JobState::Ended(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sbatch_ids_are_read_with_or_without_a_cluster() {
        assert_eq!(parse_job_id("42\n"), Some("42".into()));
        assert_eq!(parse_job_id("42;cluster\n"), Some("42".into()));
        assert_eq!(parse_job_id("Submitted batch job 42"), None);
        assert_eq!(parse_job_id(""), None);
    }

    #[test]
    fn squeue_states_sort_into_waiting_running_and_ended() {
        let states = parse_states("7 RUNNING\n8 PENDING\n9 FAILED\n10 CANCELLED\n");
        assert_eq!(states["7"], JobState::Running);
        assert_eq!(states["8"], JobState::Waiting);
        assert_eq!(states["9"], JobState::Ended("FAILED".into()));
        assert_eq!(states["10"], JobState::Ended("CANCELLED".into()));
        assert_eq!(states.len(), 4);
    }
}
