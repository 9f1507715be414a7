//! The seed agent: Clade's proposer as a program Clade builds, runs and can
//! evolve. For a task it shows the model the statement and the editable
//! files, applies the SEARCH/REPLACE blocks (or rewrite) it answers with,
//! runs the visible tests, and sends what failed back in a FIX prompt, until
//! the tests pass or the rounds or the host's budget run out.
//!
//! Everything it can do goes through `clade_guest::agent`: the host holds
//! the workspace, the model and every meter.

mod policy;

use std::collections::BTreeMap;

use clade_agent::{
    Operator, Program, Prompt, PromptInput, Templates, Workspace, apply_reply, asks_for_blocks,
    build_prompt, grammar,
};
use clade_guest::agent::{self, Chat, Message, Task};

const PROMPTS: &str = "/agent/prompts";

clade_guest::agent_main!(solve);

fn solve(task: Task) -> String {
    let templates = match read_prompts() {
        Ok(templates) => templates,
        Err(e) => return format!("cannot read the prompts: {e}"),
    };
    let mut files = match editable_files(&task) {
        Ok(files) => files,
        Err(e) => return format!("cannot read the workspace: {e}"),
    };
    let input = prompt_input(&task, &files);
    let mut operator = input.operator;
    let mut prompt = build_prompt(&templates, &input);
    for round in 1..=policy::MAX_ROUNDS {
        let chat = chat(&prompt, operator, &task, &files);
        let reply = match agent::llm(&chat) {
            Ok(reply) => reply,
            Err(e) => return format!("round {round}: the model call failed: {e}"),
        };
        let feedback = match apply_reply(&reply.text, &Workspace { files: files.clone() }) {
            Err(rejection) => rejection.to_string(),
            Ok(candidate) => {
                for path in &candidate.changed {
                    if let Err(e) = agent::write_file(path, &candidate.files[path]) {
                        return format!("round {round}: writing {path} was refused: {e}");
                    }
                }
                files = candidate.files;
                let report = match agent::run_tests() {
                    Ok(report) => report,
                    Err(e) => return format!("round {round}: running the tests failed: {e}"),
                };
                if policy::finished(report.built, report.passed, report.total) {
                    return format!("round {round}: the visible tests pass");
                }
                report.output
            }
        };
        operator = Operator::Fix;
        prompt = fix_prompt(&templates, &input, &files, &feedback);
    }
    format!("stopped after {} rounds", policy::MAX_ROUNDS)
}

fn read_prompts() -> Result<Templates, String> {
    let mut texts = BTreeMap::new();
    for name in Templates::FILES {
        let path = format!("{PROMPTS}/{name}");
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        texts.insert(name.to_string(), text);
    }
    Templates::from_files(&texts)
}

/// The files the agent may change, with their contents.
fn editable_files(task: &Task) -> Result<BTreeMap<String, String>, String> {
    let mut files = BTreeMap::new();
    for entry in task.files.iter().filter(|f| f.writable) {
        let text = agent::read_file(&entry.path).map_err(|e| e.to_string())?;
        files.insert(entry.path.clone(), text);
    }
    Ok(files)
}

/// The question the proposer asks about a parent program, with the task
/// as its task and the workspace as the parent.
fn prompt_input(task: &Task, files: &BTreeMap<String, String>) -> PromptInput {
    PromptInput {
        task: task.statement.clone(),
        metric: task.metric.clone(),
        direction: task.direction.clone(),
        operator: Operator::Diff,
        parent: Program {
            label: "the workspace".into(),
            score: None,
            metrics: BTreeMap::new(),
            files: files.clone(),
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
