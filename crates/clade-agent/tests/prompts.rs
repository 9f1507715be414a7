//! The seed agent's prompts, pinned: the same input gives the same prompt.

use std::collections::BTreeMap;

use clade_agent::{Attempt, Operator, Program, PromptInput, Templates, build_prompt};

fn program(label: &str, score: Option<f64>, body: &str) -> Program {
    Program {
        label: label.into(),
        score,
        metrics: BTreeMap::from([
            ("score".into(), score.unwrap_or(0.0)),
            ("fuel".into(), 1234.0),
        ]),
        files: BTreeMap::from([(
            "src/main.rs".into(),
            format!(
                "fn main() {{\n    // EVOLVE-BLOCK-START\n    {body}\n    // EVOLVE-BLOCK-END\n}}\n"
            ),
        )]),
    }
}

fn input(operator: Operator) -> PromptInput {
    PromptInput {
        task: "Pack 26 circles into the unit square, maximising the sum of radii.".into(),
        metric: "score".into(),
        direction: "maximize".into(),
        operator,
        parent: program("run/7", Some(2.5), "println!(\"parent\");"),
        feedback: Some(format!(
            "warning: unused variable `x`\n{}",
            "noise ".repeat(100)
        )),
        top_programs: vec![
            program("run/3", Some(2.6), "println!(\"best\");"),
            program("run/7", Some(2.5), "dup"),
        ],
        inspirations: vec![program("run/5", Some(1.0), "println!(\"other\");")],
        previous_attempts: vec![Attempt {
            label: "run/9".into(),
            outcome: "rejected: build_failed: mismatched types".into(),
        }],
        second_parent: Some(program("run/3", Some(2.6), "println!(\"best\");")),
        failed: Some((
            program("run/9", None, "let x: u32 = \"no\";"),
            "error[E0308]: mismatched types".into(),
        )),
        feedback_limit: 80,
        context_code_limit: 10_000,
    }
}

#[test]
fn diff_prompt() {
    let prompt = build_prompt(&Templates::seed(), &input(Operator::Diff));
    insta::assert_snapshot!(format!(
        "SYSTEM:\n{}\n\nUSER:\n{}",
        prompt.system, prompt.user
    ));
}

#[test]
fn rewrite_prompt() {
    insta::assert_snapshot!(build_prompt(&Templates::seed(), &input(Operator::Rewrite)).user);
}

#[test]
fn crossover_prompt() {
    insta::assert_snapshot!(build_prompt(&Templates::seed(), &input(Operator::Crossover)).user);
}

#[test]
fn fix_prompt() {
    insta::assert_snapshot!(build_prompt(&Templates::seed(), &input(Operator::Fix)).user);
}

#[test]
fn prompts_are_deterministic_and_sections_drop_out() {
    let a = build_prompt(&Templates::seed(), &input(Operator::Diff));
    let b = build_prompt(&Templates::seed(), &input(Operator::Diff));
    assert_eq!(a, b);
    let mut bare = input(Operator::Diff);
    bare.feedback = None;
    bare.top_programs.clear();
    bare.inspirations.clear();
    bare.previous_attempts.clear();
    let prompt = build_prompt(&Templates::seed(), &bare).user;
    for heading in [
        "# Feedback",
        "# Best programs",
        "# Other programs",
        "# Previous attempts",
    ] {
        assert!(
            !prompt.contains(heading),
            "{heading} should be gone:\n{prompt}"
        );
    }
    // Programs too large for a small context are left out.
    let mut small = input(Operator::Diff);
    small.context_code_limit = 10;
    assert!(
        !build_prompt(&Templates::seed(), &small)
            .user
            .contains("run/3")
    );
}

#[test]
fn a_file_with_two_regions_is_rewritten_whole() {
    let mut input = input(Operator::Rewrite);
    let two = "// EVOLVE-BLOCK-START\nfn a() {}\n// EVOLVE-BLOCK-END\nfn main() {}\n// EVOLVE-BLOCK-START\nfn b() {}\n// EVOLVE-BLOCK-END\n";
    input.parent.files = BTreeMap::from([("src/lib.rs".into(), two.into())]);
    let user = build_prompt(&Templates::seed(), &input).user;
    let answer = user.split("# Your answer").nth(1).unwrap();
    insta::assert_snapshot!(answer, @r"
    Rewrite the code between the EVOLVE-BLOCK-START and EVOLVE-BLOCK-END markers to score better. Answer with the complete file src/lib.rs in one fenced code block, markers included, and change nothing outside the markers.
    ");
    // A diff's format example quotes the first lines of the first region.
    input.operator = Operator::Diff;
    let user = build_prompt(&Templates::seed(), &input).user;
    assert!(
        user.contains("src/lib.rs\n<<<<<<< SEARCH\nfn a() {}\n=======\n"),
        "{user}"
    );
    // So does a fix's, where a single region would be asked for whole.
    input.operator = Operator::Fix;
    let failed = input.failed.as_mut().unwrap();
    failed.0.files = input.parent.files.clone();
    let user = build_prompt(&Templates::seed(), &input).user;
    assert!(user.contains("<<<<<<< SEARCH\nfn a() {}\n"), "{user}");
    assert!(clade_agent::single_region(&input.parent.files).is_none());
    assert!(clade_agent::asks_for_blocks(
        Operator::Fix,
        &input.parent.files
    ));
}
