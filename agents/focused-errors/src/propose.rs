//! The proposer's loop, for optimization tasks (and coding workspaces of
//! several files): the proposer's DIFF prompt against the best program so
//! far, the edit applied, the candidate evaluated by the host; a better
//! score becomes the new parent, a worse one is undone, a rejection gets a
//! FIX prompt with what the evaluation said. The workspace ends holding the
//! best program.

use std::collections::BTreeMap;

use clade_agent::{
    Operator, Program, Prompt, PromptInput, Templates, Workspace, apply_reply, asks_for_blocks,
    build_prompt, grammar,
};
use clade_guest::agent::{self, Chat, Message, Task};

use crate::policy;

/// The best program evaluated so far and its score.
struct Best {
    files: BTreeMap<String, String>,
    score: Option<f64>,
}

pub fn run(task: &Task, files: BTreeMap<String, String>) -> String {
    let templates = match read_prompts() {
        Ok(templates) => templates,
        Err(e) => return format!("cannot read the prompts: {e}"),
    };
    let optimizing = task.kind == "optimize";
    // The starting program's own score, so no worse change is kept.
    let start_score = if optimizing {
        agent::run_tests().ok().and_then(|r| r.score)
    } else {
        None
    };
    let mut best = Best {
        files: files.clone(),
        score: start_score,
    };
    let mut current = files;
    let mut input = prompt_input(task, &best);
    let mut operator = input.operator;
    let mut prompt = build_prompt(&templates, &input);
    let mut said = format!("stopped after {} rounds", policy::MAX_ROUNDS);
    for round in 1..=policy::MAX_ROUNDS {
        let chat = chat(&prompt, operator, task, &current);
        let reply = match agent::llm(&chat) {
            Ok(reply) => reply,
            Err(e) => {
                said = format!("round {round}: the model call failed: {e}");
                break;
            }
        };
        let candidate = match apply_reply(&reply.text, &Workspace { files: current.clone() }) {
            Ok(candidate) => candidate,
            Err(rejection) => {
                operator = Operator::Fix;
                prompt = fix_prompt(&templates, &input, &current, &rejection.to_string());
                continue;
            }
        };
        if let Err(e) = crate::write_changed(&candidate.changed, &candidate.files) {
            return format!("round {round}: {e}");
        }
        let report = match agent::run_tests() {
            Ok(report) => report,
            Err(e) => return format!("round {round}: running the tests failed: {e}"),
        };
        if !optimizing && policy::finished(report.built, report.passed, report.total) {
            return format!("round {round}: the visible tests pass");
        }
        match report.score {
            Some(score) if !optimizing || policy::better(&task.direction, score, best.score) => {
                best = Best {
                    files: candidate.files.clone(),
                    score: Some(score),
                };
                current = candidate.files;
                input = prompt_input(task, &best);
                input.feedback = Some(report.output);
                operator = Operator::Diff;
                prompt = build_prompt(&templates, &input);
            }
            // Scored, but no better: back to the best, told why.
            Some(score) => {
                if let Err(e) = restore(&best, &candidate.files) {
                    return format!("round {round}: {e}");
                }
                current = best.files.clone();
                input.feedback = Some(format!(
                    "The last change scored {score}, no better than {}; it was undone.\n{}",
                    best.score.map_or("the best".to_string(), |s| s.to_string()),
                    report.output
                ));
                operator = Operator::Diff;
                prompt = build_prompt(&templates, &input);
            }
            None => {
                current = candidate.files;
                operator = Operator::Fix;
                prompt = fix_prompt(&templates, &input, &current, &report.output);
            }
        }
    }
    if optimizing && let Err(e) = restore(&best, &current) {
        return e;
    }
    said
}

/// Puts the best program back in the host's workspace, which holds
/// `current`.
fn restore(best: &Best, current: &BTreeMap<String, String>) -> Result<(), String> {
    let changed: Vec<String> = best
        .files
        .iter()
        .filter(|(path, text)| current.get(*path) != Some(*text))
        .map(|(path, _)| path.clone())
        .collect();
    crate::write_changed(&changed, &best.files)
}

fn read_prompts() -> Result<Templates, String> {
    let mut texts = BTreeMap::new();
    for name in Templates::FILES {
        texts.insert(name.to_string(), crate::read_prompt(name)?);
    }
    Templates::from_files(&texts)
}

/// The question the proposer asks about a parent program, with the task
/// as its task and the best program so far as the parent.
fn prompt_input(task: &Task, best: &Best) -> PromptInput {
    PromptInput {
        task: task.statement.clone(),
        metric: task.metric.clone(),
        direction: task.direction.clone(),
        operator: Operator::Diff,
        parent: Program {
            label: "the workspace".into(),
            score: best.score,
            metrics: BTreeMap::new(),
            files: best.files.clone(),
        },
        feedback: None,
        top_programs: Vec::new(),
        inspirations: Vec::new(),
        previous_attempts: Vec::new(),
        second_parent: None,
        failed: None,
        feedback_limit: policy::FEEDBACK_LIMIT,
        context_code_limit: policy::CONTEXT_CODE_LIMIT,
    }
}

fn fix_prompt(
    templates: &Templates,
    input: &PromptInput,
    files: &BTreeMap<String, String>,
    feedback: &str,
) -> Prompt {
    let mut input = input.clone();
    input.operator = Operator::Fix;
    input.failed = Some((
        Program {
            label: "the candidate".into(),
            score: None,
            metrics: BTreeMap::new(),
            files: files.clone(),
        },
        feedback.to_string(),
    ));
    build_prompt(templates, &input)
}

fn chat(
    prompt: &Prompt,
    operator: Operator,
    task: &Task,
    files: &BTreeMap<String, String>,
) -> Chat {
    let blocks = asks_for_blocks(operator, files);
    Chat {
        messages: vec![
            Message::new("system", prompt.system.clone()),
            Message::new("user", prompt.user.clone()),
        ],
        search_replace: blocks,
        grammar: if blocks && task.takes_grammar {
            grammar::search_replace(files)
        } else {
            None
        },
        ..Chat::default()
    }
}
