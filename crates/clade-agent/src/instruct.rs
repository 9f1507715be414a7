//! Evolving instructions in Promptbreeder's manner: a short instruction on
//! how to approach the change (a "thinking style") goes into each
//! proposal's prompt (see [`crate::Guidance`]); now and then the model is
//! asked to rewrite one into a new one (a "mutation prompt").
//!
//! This module holds the starting instructions, writes the mutation
//! question and cleans the answer. It does not choose, credit or keep
//! instructions: that is the host's search.

use crate::prompt::Prompt;
use crate::prose::clean_prose;

/// Longest instruction kept, in characters.
pub const INSTRUCTION_LIMIT: usize = 200;

/// The instructions a run starts from.
pub const SEED_INSTRUCTIONS: [&str; 6] = [
    "Make one small, careful change that you expect to improve the score.",
    "Replace the core idea with a different, better-known algorithm for this problem.",
    "Tune the numeric constants and thresholds the program relies on.",
    "Remove wasted work: skip repeated computation and needless copies.",
    "Think about which inputs the program handles worst, and handle them better.",
    "Combine the best ideas of the programs shown into one.",
];

const SYSTEM: &str = "You write short instructions for a programmer who improves programs.";

/// The question that asks for a new instruction from `instruction`.
pub fn mutation_prompt(task: &str, instruction: &str) -> Prompt {
    let user = format!(
        "# Task the programmer works on\n{task}\n\n# The instruction they were given\n{instruction}\n\n# Your answer\nWrite one new instruction, in one sentence of at most 30 words, that takes another approach and could lead to a bigger improvement. Answer with the instruction alone, without code.\n",
        task = task.trim(),
    );
    Prompt {
        system: SYSTEM.to_string(),
        user,
    }
}

/// The instruction in a model's reply (prose only, one line, at most
/// [`INSTRUCTION_LIMIT`] characters, no leading `Instruction:`, quotes
/// around it dropped), or `None`.
pub fn clean_instruction(reply: &str) -> Option<String> {
    let text = clean_prose(
        reply,
        &["instruction:", "**instruction:**"],
        INSTRUCTION_LIMIT,
    )?;
    let text = text
        .trim_matches(|c| c == '"' || c == '\'' || c == '`')
        .trim();
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mutation_question_names_the_task_and_the_instruction() {
        let prompt = mutation_prompt("Sort faster.\n", SEED_INSTRUCTIONS[2]);
        insta::assert_snapshot!(prompt.user, @r"
        # Task the programmer works on
        Sort faster.

        # The instruction they were given
        Tune the numeric constants and thresholds the program relies on.

        # Your answer
        Write one new instruction, in one sentence of at most 30 words, that takes another approach and could lead to a bigger improvement. Answer with the instruction alone, without code.
        ");
    }

    #[test]
    fn an_instruction_is_one_line_of_prose_without_its_label_or_quotes() {
        assert_eq!(
            clean_instruction("Instruction: \"Use a heap\nfor the queue.\"").as_deref(),
            Some("Use a heap for the queue.")
        );
        assert_eq!(clean_instruction("```\ncode\n```"), None);
        assert_eq!(clean_instruction("\"\""), None);
    }

    #[test]
    fn a_long_instruction_is_cut() {
        let text = clean_instruction(&"try ".repeat(100)).unwrap();
        assert!(text.chars().count() <= INSTRUCTION_LIMIT);
    }
}
