//! The host-owned diagnosis and self-edit texts. Nothing here is evolvable:
//! the agent being improved never sees or changes how it is diagnosed.
//!
//! The diagnosis prompt (modelled on DGM's) shows the meta model the
//! parent's sources and prompts, one of its runs on a *train* task — the
//! statement and visible tests, the host-written transcript rendered as
//! text, the final diff — and the hidden verdict **as counts and
//! categories only**: never a hidden test's text, name or message, never a
//! heldout task. It also lists the changes the lineage already tried, so an
//! idea is not proposed twice. The reply is DGM's JSON; a reply that is not
//! JSON (a small model's) is used whole as the problem description.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use clade_agent_bench::CellResult;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How an agent works, for the meta model: what it may use and change.
pub const AGENT_API: &str = "\
An agent is a Rust program built to wasm32-wasip1 with a host-owned template: its only \
dependencies are `clade-guest` (the host API) and `clade-agent` (prompt rendering, \
SEARCH/REPLACE parsing and applying, diffs). `src/main.rs` calls \
`clade_guest::agent_main!(solve)`, and `solve(task: Task) -> String` gets the task (`id`, \
`kind` = \"tests\" | \"optimize\" | \"self_improve\", `statement`, `files`, `limits`) and \
works only through `clade_guest::agent`: `llm(&Chat) -> Result<Reply, HostError>` (a chat \
with the host's model; `Reply { text, tokens_in, tokens_out }`), `read_file`, `write_file`, \
`list_files`, `diff`, `run_tests() -> Result<TestReport, HostError>` (`built`, `passed`, \
`total`, `output`: the visible tests' results), `note`, `spent`. The host meters every call: \
LLM calls, tokens, test runs and wall time per task are limited, and a call past a limit \
returns `budget_exhausted: <which>`. Prompt templates are plain files read at run time from \
`/agent/prompts/<name>.md` (the agent's `prompts/` folder). On a coding task the agent must \
leave a `src/lib.rs` that passes hidden tests it never sees.";

/// Characters of the agent's files and of the transcript a prompt shows.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub files: usize,
    pub transcript: usize,
}

impl Limits {
    /// Small for a local model's context, larger for an API model's.
    pub fn for_model(local: bool) -> Self {
        if local {
            Limits {
                files: 7_000,
                transcript: 3_000,
            }
        } else {
            Limits {
                files: 40_000,
                transcript: 16_000,
            }
        }
    }
}

/// One run of the parent the diagnosis looks at.
pub struct RunEvidence<'a> {
    /// `TASK.md` and the visible tests, as the agent saw them.
    pub statement: &'a str,
    pub result: &'a CellResult,
    /// The host-written transcript (JSON lines).
    pub transcript: &'a str,
    /// The final workspace's diff.
    pub diff: &'a str,
}

/// What the diagnosis is about.
pub enum Subject<'a> {
    Run(RunEvidence<'a>),
    /// Every stage-1 run of the parent, for a special entry.
    Pattern {
        what: &'a str,
        runs: &'a [CellResult],
    },
}

/// DGM's diagnosis fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Diagnosis {
    pub log_summarization: String,
    pub improvement_proposal: String,
    pub implementation_suggestion: String,
    pub problem_description: String,
}

/// The system and user messages of a diagnosis.
pub fn prompt(
    agent: &BTreeMap<String, String>,
    subject: &Subject<'_>,
    earlier: &[String],
    limits: Limits,
) -> (String, String) {
    let system = "You are an expert in building coding agents. You read how an agent failed and \
                  propose one concrete change to the agent's own code or prompts that would make \
                  it solve more tasks."
        .to_string();
    let mut user = format!("# The coding agent\n{AGENT_API}\n\n## Its files\n");
    user.push_str(&files_text(agent, limits.files));
    user.push_str("\n# What happened\n");
    match subject {
        Subject::Run(run) => run_text(&mut user, run, limits.transcript),
        Subject::Pattern { what, runs } => pattern_text(&mut user, what, runs),
    }
    if !earlier.is_empty() {
        user.push_str("\n# Changes this agent's ancestors already made (propose something else)\n");
        for change in earlier {
            let _ = writeln!(user, "- {}", one_line(change, 300));
        }
    }
    user.push_str(
        "\n# Your answer\nReply with one JSON object and nothing else, with these string fields:\n\
         {\"log_summarization\": \"what the agent did and where it went wrong\", \
         \"improvement_proposal\": \"one general change to the agent that would help on many tasks\", \
         \"implementation_suggestion\": \"which file of the agent to change and how\", \
         \"problem_description\": \"the change, phrased as a task for a programmer\"}\n",
    );
    (system, user)
}

fn files_text(agent: &BTreeMap<String, String>, limit: usize) -> String {
    let mut out = String::new();
    let mut left = limit;
    let mut omitted = Vec::new();
    // Prompts and the policy first: the most likely places to change.
    let mut order: Vec<(&String, &String)> = agent.iter().collect();
    order.sort_by_key(|(path, _)| {
        (
            !(path.starts_with("prompts/") || path.ends_with("policy.rs")),
            path.len(),
        )
    });
    for (path, text) in order {
        let fence = if path.ends_with(".rs") {
            "rust"
        } else {
            "markdown"
        };
        if text.len() + 64 > left {
            omitted.push(path.as_str());
            continue;
        }
        left -= text.len() + 64;
        let _ = write!(out, "### {path}\n```{fence}\n{}\n```\n", text.trim_end());
    }
    if !omitted.is_empty() {
        let _ = writeln!(out, "(not shown for length: {})", omitted.join(", "));
    }
    out
}

fn run_text(out: &mut String, run: &RunEvidence<'_>, transcript_limit: usize) {
    let r = run.result;
    let _ = write!(
        out,
        "The agent worked on this task:\n\n{}\n\n## The verdict\n{}\n\n## The transcript (written by the host)\n{}\n\n## The agent's final change\n```diff\n{}\n```\n",
        run.statement.trim_end(),
        verdict(r),
        render_transcript(run.transcript, transcript_limit),
        cut(run.diff.trim_end(), 3_000)
    );
}

/// The hidden result as counts and categories only.
pub fn verdict(r: &CellResult) -> String {
    let mut parts = vec![if r.pass {
        "PASSED".to_string()
    } else {
        "FAILED".to_string()
    }];
    if r.rejection.is_some() {
        parts.push("the final code did not compile against the hidden tests".into());
    } else {
        parts.push(format!(
            "hidden tests: {} of {} passed",
            r.hidden.passed, r.hidden.total
        ));
    }
    parts.push(format!(
        "visible tests at the end: {} of {} passed",
        r.visible.passed, r.visible.total
    ));
    if !r.edited {
        parts.push("the agent never changed the workspace".into());
    }
    if let Some(which) = &r.budget_exhausted {
        parts.push(format!("it ran out of its {which} budget"));
    }
    if let Some(status) = r.status
        && status.as_str() != "exited"
    {
        parts.push(format!("its run ended: {}", status.as_str()));
    }
    parts.push(format!(
        "{} LLM calls, {} tokens, {} test runs",
        r.spent.llm_calls,
        r.tokens(),
        r.spent.test_runs
    ));
    parts.join("; ")
}

fn pattern_text(out: &mut String, what: &str, runs: &[CellResult]) {
    let _ = writeln!(out, "Across its runs, {what}. Its runs:");
    for r in runs {
        let _ = writeln!(out, "- {}: {}", r.task, verdict(r));
    }
}

/// The transcript's events as text, each capped, the whole capped.
pub fn render_transcript(jsonl: &str, limit: usize) -> String {
    let mut out = String::new();
    for line in jsonl.lines() {
        let Ok(event) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let kind = event.get("event").and_then(Value::as_str).unwrap_or("?");
        let text = match kind {
            "llm_request" => {
                let last = event
                    .get("messages")
                    .and_then(Value::as_array)
                    .and_then(|m| m.last())
                    .and_then(|m| m.get("content"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                format!("[asked the model]\n{}", cut(last, 800))
            }
            "llm_reply" => format!(
                "[the model replied]\n{}",
                cut(str_of(&event, "text"), 1_200)
            ),
            "tests" => format!(
                "[ran the visible tests: built {}, {} of {} passed]\n{}",
                event.get("built").and_then(Value::as_bool).unwrap_or(false),
                event.get("passed").and_then(Value::as_u64).unwrap_or(0),
                event.get("total").and_then(Value::as_u64).unwrap_or(0),
                cut(str_of(&event, "output"), 800)
            ),
            "write" => format!("[wrote {}]", str_of(&event, "path")),
            "refused" => format!(
                "[refused {}: {}]",
                str_of(&event, "import"),
                cut(str_of(&event, "reason"), 200)
            ),
            "llm_error" => format!("[model call failed: {}]", cut(str_of(&event, "error"), 200)),
            "agent_note" => format!("[the agent noted] {}", cut(str_of(&event, "text"), 300)),
            "done" => format!(
                "[the agent said it was done] {}",
                cut(str_of(&event, "summary"), 300)
            ),
            _ => continue,
        };
        out.push_str(&text);
        out.push('\n');
    }
    if out.len() > limit {
        // Keep the start (the first attempt) and the end (how it ended).
        let head = cut(&out, limit / 2);
        let tail: String = {
            let chars: Vec<char> = out.chars().collect();
            chars[chars.len().saturating_sub(limit / 2)..]
                .iter()
                .collect()
        };
        return format!("{head}\n[… transcript shortened …]\n{tail}");
    }
    out
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The reply as a diagnosis: DGM's JSON object when there is one, else the
/// whole text as the problem description.
pub fn parse(reply: &str) -> Diagnosis {
    let object = reply
        .find('{')
        .zip(reply.rfind('}'))
        .filter(|(a, b)| a < b)
        .and_then(|(a, b)| serde_json::from_str::<Diagnosis>(&reply[a..=b]).ok())
        .filter(|d| {
            !d.problem_description.trim().is_empty() || !d.improvement_proposal.trim().is_empty()
        });
    object.unwrap_or_else(|| Diagnosis {
        problem_description: cut(reply.trim(), 4_000),
        ..Diagnosis::default()
    })
}

/// The statement of the self-edit task the parent agent runs.
pub fn self_edit_statement(diagnosis: &Diagnosis) -> String {
    let mut out = format!(
        "# Improve this coding agent\nYou are editing the source of a coding agent. {AGENT_API}\n\n\
         Edit only `src/**/*.rs` and `prompts/*.md`. Running the tests builds your edited agent and \
         runs it on a tiny canary task: it must build and pass. Make one focused change.\n"
    );
    for (title, text) in [
        ("What went wrong", &diagnosis.log_summarization),
        ("The problem", &diagnosis.problem_description),
        ("The change to make", &diagnosis.improvement_proposal),
        ("How", &diagnosis.implementation_suggestion),
    ] {
        if !text.trim().is_empty() {
            let _ = write!(out, "\n# {title}\n{}\n", text.trim());
        }
    }
    out
}

/// `text` cut to at most `limit` bytes at a character boundary.
pub(crate) fn cut(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn one_line(text: &str, limit: usize) -> String {
    cut(
        &text.split_whitespace().collect::<Vec<_>>().join(" "),
        limit,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clade_agent_host::{Count, Spent};

    fn result(pass: bool) -> CellResult {
        CellResult {
            task: "stack-calc".into(),
            repeat: 0,
            seed: 1,
            pass,
            hidden: Count {
                passed: 3,
                total: 8,
            },
            visible: Count {
                passed: 1,
                total: 2,
            },
            status: Some(clade_sandbox::RunStatus::Exited),
            spent: Spent {
                llm_calls: 4,
                tokens_in: 5000,
                tokens_out: 900,
                test_runs: 3,
                wall_ms: 9000,
            },
            cost: 0.0,
            rejection: None,
            edited: true,
            budget_exhausted: Some("llm_calls".into()),
        }
    }

    #[test]
    fn the_verdict_is_counts_and_categories() {
        let v = verdict(&result(false));
        assert_eq!(
            v,
            "FAILED; hidden tests: 3 of 8 passed; visible tests at the end: 1 of 2 passed; \
             it ran out of its llm_calls budget; 4 LLM calls, 5900 tokens, 3 test runs"
        );
        let mut rejected = result(false);
        rejected.rejection = Some("error[E0425]: cannot find `secret_hidden_name`".into());
        let v = verdict(&rejected);
        assert!(!v.contains("secret_hidden_name"), "{v}");
        assert!(
            v.contains("did not compile against the hidden tests"),
            "{v}"
        );
    }

    #[test]
    fn a_json_reply_fills_the_fields_and_prose_becomes_the_problem() {
        let d = parse(
            "Sure!\n{\"log_summarization\": \"l\", \"improvement_proposal\": \"p\", \
             \"implementation_suggestion\": \"i\", \"problem_description\": \"d\"}\nDone.",
        );
        assert_eq!(
            (d.log_summarization.as_str(), d.problem_description.as_str()),
            ("l", "d")
        );
        let d = parse("The agent should retry when the build fails.");
        assert_eq!(
            d.problem_description,
            "The agent should retry when the build fails."
        );
        assert!(d.improvement_proposal.is_empty());
        let statement = self_edit_statement(&d);
        assert!(
            statement.contains("# The problem\nThe agent should retry"),
            "{statement}"
        );
        assert!(!statement.contains("# How"), "{statement}");
    }

    #[test]
    fn the_transcript_renders_requests_replies_and_tests_and_is_capped() {
        let jsonl = [
            r#"{"event":"task","id":"t"}"#,
            r#"{"event":"llm_request","messages":[{"role":"system","content":"sys"},{"role":"user","content":"write it"}],"max_tokens":10,"seed":1}"#,
            r#"{"event":"llm_reply","text":"fn f() {}","tokens_in":1,"tokens_out":1,"cached":false}"#,
            r#"{"event":"tests","built":true,"passed":1,"total":2,"output":"test a ... FAILED","score":null}"#,
            "not json",
        ]
        .join("\n");
        let text = render_transcript(&jsonl, 10_000);
        assert_eq!(
            text,
            "[asked the model]\nwrite it\n[the model replied]\nfn f() {}\n\
             [ran the visible tests: built true, 1 of 2 passed]\ntest a ... FAILED\n"
        );
        let long = render_transcript(&jsonl.repeat(50), 400);
        assert!(long.len() < 600, "{}", long.len());
        assert!(long.contains("[… transcript shortened …]"));
    }

    #[test]
    fn the_prompt_shows_files_subject_and_earlier_changes() {
        let agent = BTreeMap::from([
            ("src/main.rs".to_string(), "fn main() {}".to_string()),
            ("prompts/solve.md".to_string(), "Solve {{task}}".to_string()),
        ]);
        let r = result(false);
        let subject = Subject::Run(RunEvidence {
            statement: "Write `pub fn f()`.",
            result: &r,
            transcript: "",
            diff: "+fn f() {}",
        });
        let (_, user) = prompt(
            &agent,
            &subject,
            &["retry on build errors".into()],
            Limits::for_model(true),
        );
        let prompts_at = user.find("### prompts/solve.md").unwrap();
        let main_at = user.find("### src/main.rs").unwrap();
        assert!(prompts_at < main_at, "prompts come first");
        assert!(user.contains("Write `pub fn f()`."));
        assert!(user.contains("hidden tests: 3 of 8 passed"));
        assert!(user.contains("- retry on build errors"));
        let (_, small) = prompt(
            &agent,
            &subject,
            &[],
            Limits {
                files: 80,
                transcript: 10,
            },
        );
        assert!(
            small.contains("(not shown for length: src/main.rs)"),
            "{small}"
        );
    }
}
