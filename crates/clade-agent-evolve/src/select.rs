//! Choosing what a child starts from, as pure functions of the archive's
//! numbers and a seeded generator: the parent by DGM's rule, and the entry
//! the diagnosis looks at (a task the parent failed, or one of DGM's
//! special entries when the parent's runs were mostly empty or out of
//! budget).
//!
//! DGM's rule is p_i ∝ sigmoid(λ (score_i − midpoint)) / (1 + children_i)
//! with a *fixed* midpoint, unlike `clade run`'s weighted selection, which
//! centres on the population's median: with a handful of agents a
//! one-task difference would otherwise swing the weights wildly.

use clade_agent_bench::CellResult;
use clade_archive::Rng;

/// A possible parent: its id, score and children so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub id: u64,
    pub score: f64,
    pub children: u64,
}

/// DGM's unnormalized weight of a candidate.
pub fn weight(c: &Candidate, lambda: f64, midpoint: f64) -> f64 {
    let sigmoid = 1.0 / (1.0 + (-lambda * (c.score - midpoint)).exp());
    sigmoid / (1.0 + c.children as f64)
}

/// A parent drawn by DGM's rule; `None` when there is no candidate.
pub fn choose_parent(
    candidates: &[Candidate],
    lambda: f64,
    midpoint: f64,
    rng: &mut Rng,
) -> Option<u64> {
    let weights: Vec<f64> = candidates
        .iter()
        .map(|c| weight(c, lambda, midpoint))
        .collect();
    rng.weighted(&weights).map(|i| candidates[i].id)
}

/// What the diagnosis of a child looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// One of the parent's runs on a train task (failed, when it failed
    /// any).
    Task { task: String, repeat: u32 },
    /// At least 10 % of the parent's runs left the workspace unchanged.
    Empty,
    /// At least 25 % of the parent's runs ran out of a budget.
    Budget,
}

impl Entry {
    pub fn name(&self) -> String {
        match self {
            Entry::Task { task, .. } => task.clone(),
            Entry::Empty => "empty_patches".into(),
            Entry::Budget => "out_of_budget".into(),
        }
    }
}

/// The entry for a child of a parent whose stage-1 runs are `runs`:
/// each special entry that applies is taken with probability 1/4, else a
/// failed run (any run when none failed).
pub fn choose_entry(runs: &[CellResult], rng: &mut Rng) -> Option<Entry> {
    if runs.is_empty() {
        return None;
    }
    let n = runs.len() as f64;
    let empty = runs.iter().filter(|r| !r.edited).count() as f64 / n >= 0.10;
    let budget = runs.iter().filter(|r| r.budget_exhausted.is_some()).count() as f64 / n >= 0.25;
    // Both draws are made whatever applies, so one entry's rule changing
    // never shifts the other draws of the stream.
    let (take_empty, take_budget) = (rng.unit() < 0.25, rng.unit() < 0.25);
    if empty && take_empty {
        return Some(Entry::Empty);
    }
    if budget && take_budget {
        return Some(Entry::Budget);
    }
    let failed: Vec<&CellResult> = runs.iter().filter(|r| !r.pass).collect();
    let pool: Vec<&CellResult> = if failed.is_empty() {
        runs.iter().collect()
    } else {
        failed
    };
    rng.choose(&pool).map(|r| Entry::Task {
        task: r.task.clone(),
        repeat: r.repeat,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 200,000 seeded draws land on each candidate as often as DGM's rule
    /// says, within 5 standard deviations, children counts included.
    #[test]
    fn parent_frequencies_match_the_exact_distribution() {
        let candidates = [
            Candidate {
                id: 0,
                score: 0.5,
                children: 0,
            },
            Candidate {
                id: 1,
                score: 0.7,
                children: 3,
            },
            Candidate {
                id: 2,
                score: 0.3,
                children: 0,
            },
            Candidate {
                id: 3,
                score: 0.9,
                children: 1,
            },
            Candidate {
                id: 4,
                score: 0.0,
                children: 0,
            },
        ];
        let (lambda, midpoint) = (10.0, 0.5);
        let total: f64 = candidates.iter().map(|c| weight(c, lambda, midpoint)).sum();
        let mut rng = Rng::new(42);
        let draws = 200_000;
        let mut counts = [0u64; 5];
        for _ in 0..draws {
            let id = choose_parent(&candidates, lambda, midpoint, &mut rng).unwrap();
            counts[id as usize] += 1;
        }
        for (c, count) in candidates.iter().zip(counts) {
            let p = weight(c, lambda, midpoint) / total;
            let expected = p * draws as f64;
            let sigma = (draws as f64 * p * (1.0 - p)).sqrt();
            assert!(
                (count as f64 - expected).abs() <= 5.0 * sigma,
                "candidate {}: {count} draws, expected {expected:.0} ± {sigma:.0}",
                c.id
            );
        }
        // The rule's shape, by hand: sigmoid(2) / 4 for candidate 1.
        let w1 = weight(&candidates[1], lambda, midpoint);
        assert!((w1 - 1.0 / (1.0 + (-2.0f64).exp()) / 4.0).abs() < 1e-12);
        // Children are counted: the same score with more children weighs less.
        let more = Candidate {
            children: 4,
            ..candidates[1]
        };
        assert!(weight(&more, lambda, midpoint) < w1);
    }

    #[test]
    fn no_candidate_no_parent() {
        assert_eq!(choose_parent(&[], 10.0, 0.5, &mut Rng::new(1)), None);
    }

    fn run(task: &str, pass: bool, edited: bool, exhausted: bool) -> CellResult {
        let count = clade_agent_host::Count {
            passed: 0,
            total: 1,
        };
        CellResult {
            task: task.into(),
            repeat: 0,
            seed: 0,
            pass,
            hidden: count,
            visible: count,
            status: None,
            spent: Default::default(),
            cost: 0.0,
            rejection: None,
            edited,
            budget_exhausted: exhausted.then(|| "llm_calls".to_string()),
        }
    }

    #[test]
    fn the_entry_is_a_failed_task_when_nothing_special_applies() {
        let runs = [run("a", true, true, false), run("b", false, true, false)];
        for seed in 0..50 {
            let entry = choose_entry(&runs, &mut Rng::new(seed)).unwrap();
            assert_eq!(
                entry,
                Entry::Task {
                    task: "b".into(),
                    repeat: 0
                }
            );
        }
    }

    #[test]
    fn special_entries_come_up_about_a_quarter_of_the_time_when_they_apply() {
        let runs: Vec<CellResult> = (0..10)
            .map(|i| run(&format!("t{i}"), false, i > 0, i < 3))
            .collect();
        let (mut empty, mut budget, mut task) = (0, 0, 0);
        for seed in 0..4000 {
            match choose_entry(&runs, &mut Rng::new(seed)).unwrap() {
                Entry::Empty => empty += 1,
                Entry::Budget => budget += 1,
                Entry::Task { .. } => task += 1,
            }
        }
        // P(empty) = 1/4; P(budget) = 3/4 · 1/4; the rest are tasks.
        assert!((850..1150).contains(&empty), "{empty}");
        assert!((600..900).contains(&budget), "{budget}");
        assert_eq!(empty + budget + task, 4000);
    }

    #[test]
    fn a_parent_that_passed_everything_gets_any_task() {
        let runs = [run("a", true, true, false)];
        assert_eq!(
            choose_entry(&runs, &mut Rng::new(3)),
            Some(Entry::Task {
                task: "a".into(),
                repeat: 0
            })
        );
        assert_eq!(choose_entry(&[], &mut Rng::new(3)), None);
    }
}
