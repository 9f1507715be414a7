//! Coding tasks: make the hidden tests pass. The workspace has one file to
//! complete, so the model is asked for that whole file (small models write a
//! whole file far more reliably than SEARCH blocks that must copy its lines),
//! the visible tests are run, and what failed goes back in a FIX prompt.
//! Repairs that keep failing to build give way to a fresh answer, and the
//! workspace ends with the best version tested.

use std::collections::BTreeMap;

use clade_agent::{Edit, Workspace, apply_edits, parse_reply, render, truncate};
use clade_guest::agent::{self, Chat, Message, Task};

use crate::policy;

/// The prompts this path reads from the mounted `prompts/`.
struct Prompts {
    system: String,
    solve: String,
    fix: String,
}

pub fn run(task: &Task, stub: BTreeMap<String, String>) -> String {
    let prompts = match read_prompts() {
        Ok(prompts) => prompts,
        Err(e) => return format!("cannot read the prompts: {e}"),
    };
    let mut files = stub.clone();
    let mut best: Option<Best> = None;
    let mut feedback: Option<String> = None;
    let mut failed_fixes = 0;
    for round in 1..=policy::MAX_ROUNDS {
        if feedback.is_some() && policy::start_afresh(failed_fixes) {
            // A small model stuck on its own broken file repeats it; a new
            // answer to the first prompt is a better use of the call.
            feedback = None;
            failed_fixes = 0;
            files = stub.clone();
        }
        let fixing = feedback.is_some();
        let user = user_prompt(&prompts, task, &files, feedback.as_deref());
        let reply = match agent::llm(&chat(&prompts.system, user)) {
            Ok(reply) => reply,
            Err(e) => {
                return keep_best(
                    best,
                    &files,
                    format!("round {round}: the model call failed: {e}"),
                );
            }
        };
        let changed = match apply(&reply.text, &files) {
            Ok(changed) => changed,
            Err(why) => {
                failed_fixes += usize::from(fixing);
                feedback = Some(why);
                continue;
            }
        };
        if let Err(e) = crate::write_changed(&changed.0, &changed.1) {
            return format!("round {round}: {e}");
        }
        files = changed.1;
        let report = match agent::run_tests() {
            Ok(report) => report,
            Err(e) => return format!("round {round}: running the tests failed: {e}"),
        };
        if policy::finished(report.built, report.passed, report.total) {
            return format!("round {round}: the visible tests pass");
        }
        let rank = policy::rank(report.built, report.passed);
        if best.as_ref().is_none_or(|b| rank > b.rank) {
            best = Some(Best {
                rank,
                files: files.clone(),
            });
        }
        failed_fixes = if fixing && !report.built {
            failed_fixes + 1
        } else {
            0
        };
        feedback = Some(report.output);
    }
    keep_best(
        best,
        &files,
        format!("stopped after {} rounds", policy::MAX_ROUNDS),
    )
}

/// The tested version that went furthest, and how far.
struct Best {
    rank: (bool, u64),
    files: BTreeMap<String, String>,
}

/// Ends with the best tested version in the workspace (the last one may be
/// worse: a repair that broke the build), saying so in `said`.
fn keep_best(best: Option<Best>, files: &BTreeMap<String, String>, said: String) -> String {
    let Some(best) = best.filter(|b| &b.files != files) else {
        return said;
    };
    let changed: Vec<String> = best.files.keys().cloned().collect();
    match crate::write_changed(&changed, &best.files) {
        Ok(()) => format!(
            "{said}; kept the version that built={} with {} visible tests passing",
            best.rank.0, best.rank.1
        ),
        Err(e) => format!("{said}; restoring the best version failed: {e}"),
    }
}

fn read_prompts() -> Result<Prompts, String> {
    Ok(Prompts {
        system: crate::read_prompt("solve-system.md")?,
        solve: crate::read_prompt("solve.md")?,
        fix: crate::read_prompt("solve-fix.md")?,
    })
}

/// The first prompt, or a FIX prompt when the last round left `feedback`.
fn user_prompt(
    prompts: &Prompts,
    task: &Task,
    files: &BTreeMap<String, String>,
    feedback: Option<&str>,
) -> String {
    let (file, code) = files
        .iter()
        .next()
        .map_or(("", ""), |(p, c)| (p.as_str(), c.as_str()));
    let mut vars = BTreeMap::from([
        ("task", task.statement.trim_end().to_string()),
        ("file", file.to_string()),
        ("code", code.trim_end().to_string()),
    ]);
    let template = match feedback {
        Some(feedback) => {
            vars.insert(
                "feedback",
                truncate(feedback.trim_end(), policy::FEEDBACK_LIMIT),
            );
            &prompts.fix
        }
        None => &prompts.solve,
    };
    render(template, &vars)
}

fn chat(system: &str, user: String) -> Chat {
    Chat {
        messages: vec![Message::new("system", system), Message::new("user", user)],
        max_tokens: Some(policy::WHOLE_FILE_TOKENS),
        ..Chat::default()
    }
}

/// The reply applied to the workspace: the changed paths and all files. One
/// fenced block is the new file whole; SEARCH/REPLACE blocks are applied as
/// the proposer applies them. A reply that cannot be used says why, for the
/// next prompt.
fn apply(
    reply: &str,
    files: &BTreeMap<String, String>,
) -> Result<(Vec<String>, BTreeMap<String, String>), String> {
    let edits = parse_reply(reply).map_err(|e| format!("your answer could not be used: {e}"))?;
    if let [Edit::Rewrite { code, .. }] = edits.as_slice()
        && let Some(path) = files.keys().next()
    {
        let mut new = code.trim_end().to_string();
        new.push('\n');
        if files[path] == new {
            return Err("your answer repeats the file unchanged".into());
        }
        let files = BTreeMap::from([(path.clone(), new)]);
        return Ok((vec![path.clone()], files));
    }
    let workspace = Workspace {
        files: files.clone(),
    };
    let candidate = apply_edits(&edits, &workspace)
        .map_err(|e| format!("your answer could not be applied: {e}"))?;
    Ok((candidate.changed, candidate.files))
}
