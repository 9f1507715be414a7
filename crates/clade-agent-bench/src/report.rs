//! A comparison's results as numbers a reviewer trusts, as JSON (the
//! `--json` contract of `clade bench agents`, documented in README) and as
//! text: one summary row per agent, and a tasks × agents matrix of passes
//! per repeat.
//!
//! Rates are over tasks: a task's repeats are averaged first, and every
//! interval resamples tasks with their repeats kept together (see
//! [`crate::stats`]). The first agent is the baseline of the paired
//! differences. Nothing here runs anything or reads anything but
//! [`Results`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use clade_agent_host::Budget;
use serde::Serialize;

use crate::run::Results;
use crate::stats::{self, Interval};
use crate::{CellResult, SplitFilter};

/// Everything `clade bench agents --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub suite: String,
    pub suite_hash: String,
    pub split: &'static str,
    pub model: String,
    pub budget: Budget,
    pub repeats: u32,
    pub tasks: Vec<String>,
    /// In the order given; the first is the baseline.
    pub agents: Vec<AgentSummary>,
}

/// One agent over every task and repeat of the comparison.
#[derive(Debug, Clone, Serialize)]
pub struct AgentSummary {
    /// As the user named it (a folder or `run/id`).
    pub agent: String,
    /// The git tree id of its sources and prompts: the key of its results.
    pub tree: String,
    pub runs: usize,
    pub passes: usize,
    /// Mean over tasks of each task's pass fraction.
    pub pass_rate: f64,
    /// Percentile bootstrap over tasks, repeats kept together.
    pub interval: Interval,
    /// Every run taken as an independent trial.
    pub wilson: Interval,
    /// Against the first agent; `None` for the first.
    pub difference: Option<Difference>,
    /// Mean fraction of hidden tests passed per run.
    pub tests_fraction: f64,
    /// Means per run (one agent on one task once).
    pub per_task: PerTask,
    /// Tokens spent over all runs divided by the runs that passed.
    pub tokens_per_solved: Option<f64>,
    /// How the agent's runs ended (`exited`, `timeout`…, `not_built`).
    pub statuses: BTreeMap<String, usize>,
    /// `matrix[task]`: pass per repeat, in `tasks` order.
    pub matrix: Vec<Vec<bool>>,
}

/// The paired difference of an agent's task rates minus the baseline's.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Difference {
    pub mean: f64,
    pub interval: Interval,
    /// The interval's lower bound is above 0.
    pub better: bool,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct PerTask {
    pub tokens: f64,
    pub llm_calls: f64,
    pub test_runs: f64,
    pub wall_s: f64,
    pub cost_usd: f64,
}

impl Report {
    pub fn new(results: &Results, suite: &str, split: SplitFilter, repeats: u32) -> Self {
        let matrices: Vec<Vec<Vec<bool>>> = results
            .results
            .iter()
            .map(|tasks| {
                tasks
                    .iter()
                    .map(|runs| runs.iter().map(|r| r.pass).collect())
                    .collect()
            })
            .collect();
        let agents = results
            .agents
            .iter()
            .zip(&results.results)
            .zip(&matrices)
            .enumerate()
            .map(|(i, ((agent, cells), matrix))| {
                let difference = (i > 0).then(|| {
                    let (mean, interval) = stats::paired_difference(&matrices[0], matrix);
                    Difference {
                        mean,
                        interval,
                        better: interval.low > 0.0,
                    }
                });
                summarize(&agent.label, &agent.tree, cells, matrix.clone(), difference)
            })
            .collect();
        Report {
            suite: suite.to_string(),
            suite_hash: results.params.suite_hash.clone(),
            split: split.name(),
            model: results.params.model.clone(),
            budget: results.params.budget.clone(),
            repeats,
            tasks: results.tasks.clone(),
            agents,
        }
    }

    /// The summary table.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{} tasks ({} split of {}), {} repeat{}, model {}, budget {} calls / {} tokens / {} test runs / {} s\n\n",
            self.tasks.len(),
            self.split,
            self.suite,
            self.repeats,
            if self.repeats == 1 { "" } else { "s" },
            self.model,
            self.budget.llm_calls,
            thousands(self.budget.tokens as f64),
            self.budget.test_runs,
            self.budget.wall_s,
        );
        let width = self
            .agents
            .iter()
            .map(|a| a.agent.chars().count())
            .max()
            .unwrap_or(5)
            .max(5);
        let _ = writeln!(
            out,
            "{:<width$}  {:>4}  {:>6}  {:<15}  {:<28}  {:>6}  {:>11}  {:>10}  {:>8}  {:>9}",
            "agent",
            "runs",
            "pass",
            "95% CI",
            "Δ vs first (paired 95% CI)",
            "tests",
            "tokens/task",
            "calls/task",
            "$/task",
            "wall/task",
        );
        for a in &self.agents {
            let difference = a.difference.map_or("—".to_string(), |d| {
                format!(
                    "{:+.1} [{:+.1}, {:+.1}]{}",
                    100.0 * d.mean,
                    100.0 * d.interval.low,
                    100.0 * d.interval.high,
                    if d.better { " *" } else { "" }
                )
            });
            let _ = writeln!(
                out,
                "{:<width$}  {:>4}  {:>5.1}%  {:<15}  {:<28}  {:>5.1}%  {:>11}  {:>10.1}  {:>8.4}  {:>7.0} s",
                a.agent,
                a.runs,
                100.0 * a.pass_rate,
                format!(
                    "[{:.1}, {:.1}]",
                    100.0 * a.interval.low,
                    100.0 * a.interval.high
                ),
                difference,
                100.0 * a.tests_fraction,
                thousands(a.per_task.tokens),
                a.per_task.llm_calls,
                a.per_task.cost_usd,
                a.per_task.wall_s,
            );
        }
        if self.agents.len() > 1 {
            out.push_str("\n* the paired interval's lower bound is above 0\n");
        }
        out
    }

    /// Passes per task and repeat: `+` passed, `-` failed, one column per
    /// agent in the order given.
    pub fn per_task_table(&self) -> String {
        let width = self
            .tasks
            .iter()
            .map(|t| t.chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        let mut out = format!("{:<width$}", "task");
        let columns: Vec<usize> = self
            .agents
            .iter()
            .map(|a| a.agent.chars().count().max(self.repeats as usize + 6))
            .collect();
        for (a, w) in self.agents.iter().zip(&columns) {
            let _ = write!(out, "  {:<w$}", a.agent);
        }
        out.push('\n');
        for (t, task) in self.tasks.iter().enumerate() {
            let _ = write!(out, "{task:<width$}");
            for (a, w) in self.agents.iter().zip(&columns) {
                let runs = &a.matrix[t];
                let passes = runs.iter().filter(|p| **p).count();
                let marks: String = runs.iter().map(|p| if *p { '+' } else { '-' }).collect();
                let cell = format!("{passes}/{} {marks}", runs.len());
                let _ = write!(out, "  {cell:<w$}");
            }
            out.push('\n');
        }
        out.lines().map(|l| format!("{}\n", l.trim_end())).collect()
    }
}

fn summarize(
    label: &str,
    tree: &str,
    cells: &[Vec<CellResult>],
    matrix: Vec<Vec<bool>>,
    difference: Option<Difference>,
) -> AgentSummary {
    let runs: Vec<&CellResult> = cells.iter().flatten().collect();
    let n = runs.len().max(1) as f64;
    let passes = runs.iter().filter(|r| r.pass).count();
    let tokens: u64 = runs.iter().map(|r| r.tokens()).sum();
    let mean_of = |f: &dyn Fn(&CellResult) -> f64| runs.iter().map(|r| f(r)).sum::<f64>() / n;
    let mut statuses = BTreeMap::new();
    for r in &runs {
        let status = r.status.map_or("not_built", |s| s.as_str());
        *statuses.entry(status.to_string()).or_insert(0) += 1;
    }
    AgentSummary {
        agent: label.to_string(),
        tree: tree.to_string(),
        runs: runs.len(),
        passes,
        pass_rate: stats::mean(&stats::task_rates(&matrix)),
        interval: stats::pass_rate_interval(&matrix),
        wilson: stats::wilson(passes, runs.len()),
        difference,
        tests_fraction: mean_of(&|r| {
            if r.hidden.total == 0 {
                0.0
            } else {
                r.hidden.passed as f64 / r.hidden.total as f64
            }
        }),
        per_task: PerTask {
            tokens: tokens as f64 / n,
            llm_calls: mean_of(&|r| r.spent.llm_calls as f64),
            test_runs: mean_of(&|r| r.spent.test_runs as f64),
            wall_s: mean_of(&|r| r.spent.wall_ms as f64 / 1e3),
            cost_usd: mean_of(&|r| r.cost),
        },
        tokens_per_solved: (passes > 0).then(|| tokens as f64 / passes as f64),
        statuses,
        matrix,
    }
}

/// `12345.6` as `12,346`.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Agent, CellParams};
    use clade_agent_host::{Count, Spent};
    use clade_sandbox::RunStatus;

    fn cell(task: &str, repeat: u32, pass: bool, tokens: u64) -> CellResult {
        CellResult {
            task: task.into(),
            repeat,
            seed: crate::seed(task, repeat),
            pass,
            hidden: Count {
                passed: if pass { 4 } else { 1 },
                total: 4,
            },
            visible: Count {
                passed: 2,
                total: 2,
            },
            status: Some(RunStatus::Exited),
            spent: Spent {
                llm_calls: 2,
                tokens_in: tokens,
                tokens_out: 0,
                test_runs: 1,
                wall_ms: 3_000,
            },
            cost: 0.0,
            rejection: None,
            edited: true,
            budget_exhausted: None,
        }
    }

    /// Two agents on three tasks, two repeats: `seed` passes a once;
    /// `better` passes a twice and b once.
    fn results() -> Results {
        let agent = |label: &str, tree: &str| Agent {
            label: label.into(),
            dir: label.into(),
            tree: tree.into(),
        };
        let rows = |passes: [[bool; 2]; 3]| -> Vec<Vec<CellResult>> {
            ["a", "b", "c"]
                .iter()
                .zip(passes)
                .map(|(t, p)| vec![cell(t, 0, p[0], 1000), cell(t, 1, p[1], 1000)])
                .collect()
        };
        Results {
            agents: vec![agent("seed", "aaaa"), agent("better", "bbbb")],
            tasks: vec!["a".into(), "b".into(), "c".into()],
            params: CellParams {
                suite_hash: "ff".repeat(32),
                model: "openai:scripted".into(),
                budget: Budget::default(),
            },
            results: vec![
                rows([[true, false], [false, false], [false, false]]),
                rows([[true, true], [true, false], [false, false]]),
            ],
        }
    }

    #[test]
    fn the_summary_counts_rates_and_costs() {
        let report = Report::new(&results(), "suite", SplitFilter::All, 2);
        let seed = &report.agents[0];
        assert_eq!((seed.runs, seed.passes), (6, 1));
        assert!((seed.pass_rate - 1.0 / 6.0).abs() < 1e-12);
        assert!(seed.difference.is_none());
        assert_eq!(seed.tokens_per_solved, Some(6000.0));
        assert_eq!(seed.per_task.tokens, 1000.0);
        assert_eq!(seed.statuses["exited"], 6);
        let better = &report.agents[1];
        assert_eq!(better.passes, 3);
        let d = better.difference.unwrap();
        // Task rates: seed (0.5, 0, 0), better (1, 0.5, 0): mean of (0.5, 0.5, 0).
        assert!((d.mean - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(
            better.matrix,
            vec![vec![true, true], vec![true, false], vec![false, false]]
        );
    }

    #[test]
    fn the_tables_show_every_agent_and_task() {
        let report = Report::new(&results(), "suite", SplitFilter::All, 2);
        insta::assert_snapshot!(report.table());
        insta::assert_snapshot!(report.per_task_table());
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0.4), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1234.5), "1,234");
        assert_eq!(thousands(1234567.0), "1,234,567");
    }
}
