//! Short-term reflection in ReEvo's manner: the model is shown how a worse
//! variant differs from a better one and says, in a few words, what made
//! the difference and what to try next; the hint goes into the next prompt
//! (see [`crate::Guidance`]).
//!
//! This module writes the question and cleans the answer. It does not pick
//! the pair, call a model or decide which hints to keep: that is the host's
//! search. The question holds only the two programs' code and their scores,
//! what a proposal prompt shows anyway.

use std::collections::BTreeSet;

use crate::diff::unified;
use crate::prompt::{Program, Prompt, fenced, truncate};
use crate::prose::clean_prose;

/// Longest hint kept, in characters: every later prompt may carry a few.
pub const HINT_LIMIT: usize = 300;
/// Longest diff shown in the question, in characters.
pub const DIFF_LIMIT: usize = 4000;

/// Two scored variants of one program, and what the score measures.
pub struct Comparison<'a> {
    pub task: &'a str,
    pub metric: &'a str,
    /// `maximize` or `minimize`.
    pub direction: &'a str,
    pub better: &'a Program,
    pub worse: &'a Program,
}

const SYSTEM: &str = "You are an expert at making programs score better. You compare two versions of a program and give one short, concrete hint for improving it further.";

/// The question for `comparison`, or `None` when the two programs' files
/// are the same (nothing to compare).
pub fn reflection_prompt(comparison: &Comparison<'_>) -> Option<Prompt> {
    let (better, worse) = (comparison.better, comparison.worse);
    let diff = files_diff(worse, better);
    if diff.is_empty() {
        return None;
    }
    let score = |p: &Program| match p.score {
        Some(s) => s.to_string(),
        None => "no score".into(),
    };
    let user = format!(
        "# Task\n{task}\n\nThe score is `{metric}` ({direction}). {wl} scores {ws}; {bl} scores {bs}, which is better.\n\n# The change from {wl} to {bl}\n{diff}\n\n# Your answer\nIn at most 30 words, say what made {bl} better and what to try next. Answer with the hint alone, without code.\n",
        task = comparison.task.trim(),
        metric = comparison.metric,
        direction = comparison.direction,
        wl = worse.label,
        ws = score(worse),
        bl = better.label,
        bs = score(better),
        diff = fenced(&truncate(&diff, DIFF_LIMIT)),
    );
    Some(Prompt {
        system: SYSTEM.to_string(),
        user,
    })
}

/// The unified diff of every file from `from` to `to`.
fn files_diff(from: &Program, to: &Program) -> String {
    let paths: BTreeSet<&String> = from.files.keys().chain(to.files.keys()).collect();
    paths
        .into_iter()
        .map(|path| {
            let old = from.files.get(path).map(String::as_str).unwrap_or("");
            let new = to.files.get(path).map(String::as_str).unwrap_or("");
            unified(path, old, new)
        })
        .collect()
}

/// The hint in a model's reply: prose only (see [`clean_prose`]), without
/// a leading `Hint:`, at most [`HINT_LIMIT`] characters.
pub fn clean_hint(reply: &str) -> Option<String> {
    clean_prose(reply, &["hint:", "**hint:**", "hint -"], HINT_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn program(label: &str, score: f64, code: &str) -> Program {
        Program {
            label: label.into(),
            score: Some(score),
            metrics: BTreeMap::new(),
            files: BTreeMap::from([("src/main.rs".to_string(), code.to_string())]),
        }
    }

    fn comparison<'a>(better: &'a Program, worse: &'a Program) -> Comparison<'a> {
        Comparison {
            task: "Sort faster.",
            metric: "fuel",
            direction: "minimize",
            better,
            worse,
        }
    }

    #[test]
    fn the_question_shows_the_change_from_the_worse_to_the_better() {
        let worse = program("#3", 900.0, "fn f() {\n    bubble();\n}\n");
        let better = program("#5", 400.0, "fn f() {\n    radix();\n}\n");
        let prompt = reflection_prompt(&comparison(&better, &worse)).unwrap();
        insta::assert_snapshot!(prompt.user, @r"
        # Task
        Sort faster.

        The score is `fuel` (minimize). #3 scores 900; #5 scores 400, which is better.

        # The change from #3 to #5
        ```
        --- a/src/main.rs
        +++ b/src/main.rs
        @@ -1,3 +1,3 @@
         fn f() {
        -    bubble();
        +    radix();
         }
        ```

        # Your answer
        In at most 30 words, say what made #5 better and what to try next. Answer with the hint alone, without code.
        ");
    }

    #[test]
    fn the_same_code_under_two_scores_has_nothing_to_compare() {
        let a = program("#1", 1.0, "fn f() {}\n");
        let b = program("#2", 2.0, "fn f() {}\n");
        assert_eq!(reflection_prompt(&comparison(&b, &a)), None);
    }

    #[test]
    fn a_long_diff_is_truncated() {
        let worse = program("#1", 1.0, &"let a = 1;\n".repeat(600));
        let better = program("#2", 2.0, &"let b = 2;\n".repeat(600));
        let prompt = reflection_prompt(&comparison(&better, &worse)).unwrap();
        assert!(prompt.user.contains("[… truncated"), "{}", prompt.user);
        assert!(prompt.user.len() < DIFF_LIMIT + 1000);
    }

    #[test]
    fn a_hint_keeps_prose_on_one_line_without_code_or_markers() {
        let reply = "Hint: use a radix sort\n```rust\nfn radix() {}\n```\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\nand   avoid\tcopies.";
        assert_eq!(
            clean_hint(reply).as_deref(),
            Some("use a radix sort x y and avoid copies.")
        );
    }

    #[test]
    fn a_reply_of_only_code_gives_no_hint() {
        assert_eq!(clean_hint("```\nfn f() {}\n```\n"), None);
        assert_eq!(clean_hint("  \n "), None);
    }

    #[test]
    fn a_long_hint_is_cut_at_a_word() {
        let hint = clean_hint(&"word ".repeat(200)).unwrap();
        assert!(hint.chars().count() <= HINT_LIMIT, "{}", hint.len());
        assert!(hint.ends_with("word…"), "{hint}");
    }
}
