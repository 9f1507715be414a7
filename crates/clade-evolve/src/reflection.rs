//! `search.reflection`: ReEvo's reflections in Clade's loop.
//!
//! - Short-term: when an iteration is planned, its parent and the first
//!   program beside it in the prompt (best programs, then inspirations)
//!   with another score form a pair; before the question, the model is
//!   shown how the worse one differs from the better one and asked for a
//!   hint (`clade_agent::reflect`), which the question then carries.
//! - Long-term: a hint whose proposal scored better than its parent is a
//!   lesson; the latest lessons go into every later prompt.
//!
//! The pair is chosen from validated variants only, with the scores
//! selection ranks by: a hint sees what a proposal prompt shows, never
//! held-back inputs, hidden tests or feedback. Lessons are rebuilt from
//! the variants' notes on resume and counted with the same cutoff as the
//! operator bandit, so a resumed run shows what an uninterrupted one would.
//! This module decides what to compare and what to keep; the call itself
//! is the iteration's (`proposal`).

use clade_agent::Prompt;
use clade_archive::Direction;

/// Lessons shown per prompt.
pub(crate) const LESSONS_SHOWN: usize = 3;

/// Hints that preceded an improvement, by the id of the variant they led to.
#[derive(Debug, Default)]
pub(crate) struct Lessons {
    kept: Vec<(u64, String)>,
}

impl Lessons {
    /// Keeps variant `id`'s hint when the variant scored better than its
    /// parent (a hint already kept is not kept twice).
    pub(crate) fn learn(&mut self, id: u64, improved: bool, hint: Option<&str>) {
        if let Some(hint) = hint
            && improved
            && !self.kept.iter().any(|(_, h)| h == hint)
        {
            self.kept.push((id, hint.to_string()));
        }
    }

    /// The latest [`LESSONS_SHOWN`] lessons from variants up to `upto`,
    /// oldest first.
    pub(crate) fn upto(&self, upto: u64) -> Vec<String> {
        let counted: Vec<&String> = self
            .kept
            .iter()
            .filter(|(id, _)| *id <= upto)
            .map(|(_, h)| h)
            .collect();
        let skip = counted.len().saturating_sub(LESSONS_SHOWN);
        counted.into_iter().skip(skip).cloned().collect()
    }
}

/// The better and the worse of `parent` and the first of `others` whose
/// score differs from the parent's; `None` without one.
pub(crate) fn pair(
    parent: u64,
    others: &[u64],
    score: impl Fn(u64) -> Option<f64>,
    direction: Direction,
) -> Option<(u64, u64)> {
    let own = direction.fitness(score(parent)?);
    others.iter().find_map(|&other| {
        let theirs = direction.fitness(score(other)?);
        if theirs > own {
            Some((other, parent))
        } else if theirs < own {
            Some((parent, other))
        } else {
            None
        }
    })
}

/// The reflection before an iteration's question.
#[derive(Clone)]
pub(crate) struct Reflect {
    pub better: u64,
    pub worse: u64,
    /// The comparison asked of the model.
    pub comparison: Prompt,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_hint_that_preceded_an_improvement_is_a_lesson() {
        let mut lessons = Lessons::default();
        lessons.learn(1, false, Some("try a heap"));
        lessons.learn(2, true, None);
        lessons.learn(3, true, Some("unroll the loop"));
        lessons.learn(4, true, Some("unroll the loop"));
        assert_eq!(lessons.upto(10), vec!["unroll the loop".to_string()]);
    }

    #[test]
    fn the_latest_lessons_up_to_the_cutoff_are_shown_oldest_first() {
        let mut lessons = Lessons::default();
        for id in 1..=6 {
            lessons.learn(id, true, Some(&format!("hint {id}")));
        }
        assert_eq!(lessons.upto(5), vec!["hint 3", "hint 4", "hint 5"]);
        assert_eq!(lessons.upto(1), vec!["hint 1"]);
        assert!(lessons.upto(0).is_empty());
    }

    #[test]
    fn the_pair_is_ordered_by_the_runs_direction() {
        let score = |id: u64| match id {
            0 => Some(10.0),
            1 => Some(10.0),
            2 => Some(4.0),
            _ => None,
        };
        // The same score and an unscored one are skipped.
        assert_eq!(
            pair(0, &[1, 9, 2], score, Direction::Maximize),
            Some((0, 2))
        );
        assert_eq!(
            pair(0, &[1, 9, 2], score, Direction::Minimize),
            Some((2, 0))
        );
        assert_eq!(pair(0, &[1, 9], score, Direction::Maximize), None);
        assert_eq!(pair(9, &[0], score, Direction::Maximize), None);
    }
}
