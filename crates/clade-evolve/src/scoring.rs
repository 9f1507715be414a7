//! Turning a candidate's run into metrics, on the host: the `stdout-json`
//! scorer (for a user's own code), a user's trusted `command`, or a scorer
//! compiled into Clade (`builtin`). A scorer's failure, a missing primary
//! metric or a non-finite value rejects the candidate with a message that
//! becomes feedback; it is never a host error.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use clade_sandbox::process::run_with_deadline;

pub type Metrics = BTreeMap<String, f64>;

/// Reads the last non-empty line of `output` as a JSON object of numbers.
pub fn metrics_from_json_line(output: &[u8], primary: &str) -> Result<Metrics, String> {
    let text = String::from_utf8_lossy(output);
    let Some(line) = text.lines().rev().find(|l| !l.trim().is_empty()) else {
        return Err("no output: expected a JSON object of metrics on the last line".into());
    };
    let value: serde_json::Value = serde_json::from_str(line.trim())
        .map_err(|e| format!("the last output line is not JSON ({e}): {:?}", cut(line)))?;
    let object = value
        .as_object()
        .ok_or_else(|| format!("the last output line is not a JSON object: {:?}", cut(line)))?;
    let mut metrics = Metrics::new();
    for (key, value) in object {
        let number = value
            .as_f64()
            .ok_or_else(|| format!("metric {key:?} is not a number: {value}"))?;
        if !number.is_finite() {
            return Err(format!("metric {key:?} is not finite"));
        }
        metrics.insert(key.clone(), number);
    }
    check_primary(metrics, primary)
}

/// The metric the host measures itself: `evaluate.metric = "fuel"` scores
/// a program by the fuel its run used (the scorer then only judges that
/// the output is right); a program's own `fuel` is replaced.
pub const HOST_FUEL: &str = "fuel";

pub(crate) fn check_primary(metrics: Metrics, primary: &str) -> Result<Metrics, String> {
    if primary == HOST_FUEL {
        return Ok(metrics);
    }
    match metrics.get(primary) {
        Some(v) if v.is_finite() => Ok(metrics),
        Some(v) => Err(format!(
            "the primary metric {primary:?} is {v}, not a finite number"
        )),
        None => Err(format!(
            "the primary metric {primary:?} is missing (got: {})",
            metrics.keys().cloned().collect::<Vec<_>>().join(", ")
        )),
    }
}

fn cut(line: &str) -> String {
    line.chars().take(200).collect()
}

/// What a command scorer is told about the evaluation.
#[derive(Debug, Clone, Default)]
pub struct EvaluationInputs<'a> {
    pub args: &'a [String],
    pub stdin_file: Option<&'a Path>,
    pub dirs: &'a [String],
}

/// Runs the user's trusted scorer natively: the candidate's stdout on its
/// stdin, the evaluation's inputs in `CLADE_ARGS` (JSON array),
/// `CLADE_STDIN_FILE` and `CLADE_DIRS` (`HOST:GUEST` pairs joined by `;`),
/// and the variables in `hidden` (API keys) removed. Its last stdout line is
/// the metrics object.
pub fn run_command_scorer(
    command: &[String],
    cwd: &Path,
    candidate_stdout: &[u8],
    inputs: &EvaluationInputs<'_>,
    hidden: &[String],
    primary: &str,
    timeout: Duration,
) -> Result<Metrics, String> {
    let (program, args) = command.split_first().ok_or("the scorer command is empty")?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(cwd)
        .env(
            "CLADE_ARGS",
            serde_json::to_string(inputs.args).unwrap_or_default(),
        )
        .env("CLADE_DIRS", inputs.dirs.join(";"))
        .env(
            "CLADE_STDIN_FILE",
            inputs
                .stdin_file
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        );
    for var in hidden {
        cmd.env_remove(var);
    }
    let finished = run_with_deadline(cmd, candidate_stdout, timeout, 16 << 20, 64 << 10)
        .map_err(|e| format!("cannot start the scorer {program:?}: {e}"))?;
    let stderr = String::from_utf8_lossy(&finished.stderr);
    let stderr = stderr.trim();
    let tail_start = stderr.char_indices().rev().nth(1999).map_or(0, |(i, _)| i);
    match finished.status {
        None => Err(format!(
            "the scorer did not finish within {:.1} s and was killed",
            timeout.as_secs_f64()
        )),
        Some(status) if !status.success() => Err(format!(
            "the scorer failed ({status}): {}",
            &stderr[tail_start..]
        )),
        Some(_) => metrics_from_json_line(&finished.stdout, primary)
            .map_err(|e| format!("scorer output: {e}")),
    }
}

/// A builtin scorer of program output (the table of names is
/// [`crate::builtins`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputScorer {
    /// `n` circles in the unit square, maximising the sum of radii.
    CirclePacking(usize),
    /// `n` points, minimising (max/min distance)².
    MinMaxDistance(usize),
    /// `n` points, maximising the smallest triangle they form.
    Heilbronn(usize),
    /// A sorting network on `n` channels: comparators, then depth.
    SortingNetwork(usize),
}

impl OutputScorer {
    /// Scores a program's output; a wrong answer is the message.
    pub fn score(self, output: &[u8]) -> Result<Metrics, String> {
        let text =
            std::str::from_utf8(output).map_err(|_| "the output is not UTF-8 text".to_string())?;
        let one = |key: &str, value: f64| Metrics::from([(key.to_string(), value)]);
        let reject = |r: clade_scorers::Rejection| r.0;
        match self {
            OutputScorer::CirclePacking(n) => clade_scorers::circle_packing(text, n)
                .map(|v| one("sum_radii", v))
                .map_err(reject),
            OutputScorer::MinMaxDistance(n) => clade_scorers::min_max_distance(text, n)
                .map(|v| one("ratio_squared", v))
                .map_err(reject),
            OutputScorer::Heilbronn(n) => clade_scorers::heilbronn_triangle(text, n)
                .map(|v| one("min_area", v))
                .map_err(reject),
            OutputScorer::SortingNetwork(n) => {
                clade_scorers::sorting_network::sorting_network(text, n)
                    .map(|s| {
                        Metrics::from([
                            ("comparators".to_string(), s.comparators as f64),
                            ("depth".to_string(), s.depth as f64),
                        ])
                    })
                    .map_err(reject)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdout_json_reads_the_last_line_strictly() {
        let out = b"progress 1\nprogress 2\n{\"score\": 3.5, \"fuel\": 12}\n\n";
        assert_eq!(metrics_from_json_line(out, "score").unwrap()["score"], 3.5);
        for (out, expect) in [
            (&b""[..], "no output"),
            (b"{\"fuel\": 1}", "primary metric \"score\" is missing"),
            (b"{\"score\": \"high\"}", "not a number"),
            (b"{\"score\": 1e999}", "not JSON"),
            (b"score = 5", "not JSON"),
            (b"[1, 2]", "not a JSON object"),
        ] {
            let err = metrics_from_json_line(out, "score").unwrap_err();
            assert!(
                err.contains(expect),
                "{:?}: {err}",
                String::from_utf8_lossy(out)
            );
        }
    }

    #[test]
    fn command_scorers_get_stdout_and_inputs_and_lose_secrets() {
        let dir = std::env::temp_dir();
        unsafe { std::env::set_var("CLADE_TEST_SCORER_SECRET", "sk-do-not-pass") };
        let script = r#"read line; echo "{\"score\": $line, \"secret_len\": ${#CLADE_TEST_SCORER_SECRET}, \"args\": $(echo "$CLADE_ARGS" | tr -cd ',' | wc -c)}""#;
        let command = vec!["sh".to_string(), "-c".to_string(), script.to_string()];
        let args = vec!["a".to_string(), "b".to_string()];
        let inputs = EvaluationInputs {
            args: &args,
            stdin_file: None,
            dirs: &[],
        };
        let hidden = vec!["CLADE_TEST_SCORER_SECRET".to_string()];
        let metrics = run_command_scorer(
            &command,
            &dir,
            b"41\n",
            &inputs,
            &hidden,
            "score",
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(metrics["score"], 41.0);
        assert_eq!(metrics["secret_len"], 0.0, "the secret reached the scorer");
        assert_eq!(metrics["args"], 1.0);

        let failing = vec![
            "sh".to_string(),
            "-c".to_string(),
            "echo 'bad solution' >&2; exit 3".to_string(),
        ];
        let err = run_command_scorer(
            &failing,
            &dir,
            b"",
            &inputs,
            &[],
            "score",
            Duration::from_secs(10),
        )
        .unwrap_err();
        assert!(
            err.contains("bad solution") && err.contains("exit status: 3"),
            "{err}"
        );
        let slow = vec!["sh".to_string(), "-c".to_string(), "sleep 5".to_string()];
        let started = std::time::Instant::now();
        let err = run_command_scorer(
            &slow,
            &dir,
            b"",
            &inputs,
            &[],
            "score",
            Duration::from_millis(200),
        )
        .unwrap_err();
        assert!(
            err.contains("killed") && started.elapsed() < Duration::from_secs(3),
            "{err}"
        );
    }
}
