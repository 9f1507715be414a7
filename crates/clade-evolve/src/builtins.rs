//! The one table of scorers compiled into Clade (`scorer = { builtin = … }`):
//! each builtin's name, kind (its output is scored, or its export is called),
//! data files, primary metric, direction and published reference. `clade
//! bench list`, config checking, output scoring and call mode all read this
//! table; nothing else matches builtin names.
//!
//! This module only describes and dispatches: the scoring itself lives in
//! [`crate::scoring`] (output) and [`crate::functions`] (call mode), which
//! know nothing of the table.

use std::path::Path;

use clade_archive::Direction;

use crate::functions::FunctionBench;
use crate::scoring::{Metrics, OutputScorer};

/// How a builtin gets at a candidate's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scorer {
    /// The program runs; its stdout is scored.
    Output(OutputScorer),
    /// The host instantiates the module once and calls its export.
    Function(FunctionBench),
}

/// One builtin benchmark scorer.
#[derive(Debug, Clone, PartialEq)]
pub struct Builtin {
    pub name: String,
    pub scorer: Scorer,
    /// The metric a benchmark on this builtin ranks by.
    pub metric: &'static str,
    pub direction: Direction,
    /// Files the builtin reads from the config's `data` folder.
    pub data_files: &'static [&'static str],
    /// The best published number, with its source.
    pub reference: &'static str,
}

impl Builtin {
    /// `program` or `function`, as `clade bench list` shows it.
    pub fn kind(&self) -> &'static str {
        match self.scorer {
            Scorer::Output(_) => "program",
            Scorer::Function(_) => "function",
        }
    }

    /// The number in [`Builtin::reference`] (`"AlphaEvolve 2.63…"` → 2.63…,
    /// `"radix-sort baseline 5,531,484"` → 5531484), for normalizing gains.
    pub fn reference_value(&self) -> Option<f64> {
        reference_value(self.reference)
    }

    pub fn needs_data(&self) -> bool {
        !self.data_files.is_empty()
    }

    /// Scores a program's output; a function benchmark has no output to
    /// score, which is the message.
    pub fn score_output(&self, output: &[u8]) -> Result<Metrics, String> {
        match self.scorer {
            Scorer::Output(scorer) => scorer.score(output),
            Scorer::Function(_) => Err(format!(
                "{} is a function benchmark: its solution is a candidate crate, not an output",
                self.name
            )),
        }
    }
}

/// The first number of a reference text; commas group digits.
fn reference_value(text: &str) -> Option<f64> {
    text.split_whitespace()
        .find_map(|word| word.replace(',', "").parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

/// Best known sorting networks (comparators), n = 9…16.
const NETWORK_REFERENCES: [&str; 8] = [
    "25 (optimal)",
    "29 (optimal)",
    "35 (optimal)",
    "39 (optimal)",
    "45 (best known)",
    "51 (best known)",
    "56 (best known)",
    "60 (best known)",
];

/// Every builtin, in `clade bench list` order.
pub fn all() -> Vec<Builtin> {
    use Direction::{Maximize, Minimize};
    let output = |name: &str, scorer, metric, direction, reference| Builtin {
        name: name.to_string(),
        scorer: Scorer::Output(scorer),
        metric,
        direction,
        data_files: &[],
        reference,
    };
    let mut table = vec![
        output(
            "circle-packing-26",
            OutputScorer::CirclePacking(26),
            "sum_radii",
            Maximize,
            "AlphaEvolve 2.6358627564136983",
        ),
        output(
            "circle-packing-32",
            OutputScorer::CirclePacking(32),
            "sum_radii",
            Maximize,
            "AlphaEvolve 2.937944526205518",
        ),
        output(
            "min-max-distance-16",
            OutputScorer::MinMaxDistance(16),
            "ratio_squared",
            Minimize,
            "AlphaEvolve 12.88926611203463",
        ),
        output(
            "heilbronn-triangle-11",
            OutputScorer::Heilbronn(11),
            "min_area",
            Maximize,
            "AlphaEvolve 0.036529889880030156",
        ),
    ];
    for (n, reference) in (9..=16).zip(NETWORK_REFERENCES) {
        table.push(output(
            &format!("sorting-network-{n}"),
            OutputScorer::SortingNetwork(n),
            "comparators",
            Minimize,
            reference,
        ));
    }
    for bench in FunctionBench::ALL {
        table.push(Builtin {
            name: bench.name().to_string(),
            scorer: Scorer::Function(bench),
            metric: bench.metric(),
            direction: Minimize,
            data_files: bench.data_files(),
            reference: bench.reference(),
        });
    }
    table
}

/// The published reference of the benchmark a run's config text names:
/// `(value, source)` when its scorer is a builtin and the run ranks by
/// that builtin's metric (another metric has nothing to compare with).
pub fn reference_for_config(text: &str) -> Option<(f64, String)> {
    let config = crate::Config::parse(text, Path::new("config.toml"), Path::new(".")).ok()?;
    let crate::ScorerConfig::Builtin { builtin, .. } = &config.evaluate.scorer else {
        return None;
    };
    let builtin = find(builtin).ok()?;
    if config.evaluate.metric != builtin.metric {
        return None;
    }
    Some((builtin.reference_value()?, builtin.reference.to_string()))
}

/// The builtin called `name`, or a message listing the known ones.
pub fn find(name: &str) -> Result<Builtin, String> {
    let table = all();
    let known = table
        .iter()
        .map(|b| b.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    match table.iter().find(|b| b.name == name) {
        Some(builtin) => Ok(builtin.clone()),
        None => Err(format!("no builtin scorer named {name:?} (known: {known})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        let table = all();
        let mut names: Vec<&str> = table.iter().map(|b| b.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), table.len());
        assert_eq!(table.len(), 15);
        for builtin in &table {
            assert_eq!(find(&builtin.name).as_ref(), Ok(builtin));
        }
    }

    #[test]
    fn a_runs_config_names_its_benchmarks_reference() {
        let shipped = include_str!("../../../benchmarks/sort-speed/clade.toml");
        let (value, source) = reference_for_config(shipped).unwrap();
        assert_eq!(value, 5_531_484.0);
        assert_eq!(source, find("sort-speed").unwrap().reference);
        // Ranked by another metric, or scored by the user's own scorer, or
        // not a config at all: nothing to compare with.
        let other_metric = shipped.replace("metric = \"fuel\"", "metric = \"wall_ms\"");
        assert_ne!(other_metric, shipped);
        assert_eq!(reference_for_config(&other_metric), None);
        let own = shipped.replace("{ builtin = \"sort-speed\" }", "\"stdout-json\"");
        assert_ne!(own, shipped);
        assert_eq!(reference_for_config(&own), None);
        assert_eq!(reference_for_config("not = [toml"), None);
    }

    #[test]
    fn every_builtin_has_a_numeric_reference() {
        let values: Vec<(String, Option<f64>)> = all()
            .into_iter()
            .map(|b| (b.name.clone(), b.reference_value()))
            .collect();
        assert!(values.iter().all(|(_, v)| v.is_some()), "{values:?}");
        assert_eq!(
            find("sort-speed").unwrap().reference_value(),
            Some(5_531_484.0)
        );
        assert_eq!(
            find("sorting-network-9").unwrap().reference_value(),
            Some(25.0)
        );
        assert_eq!(
            find("circle-packing-26").unwrap().reference_value(),
            Some(2.6358627564136983)
        );
        assert_eq!(reference_value("none given"), None);
    }

    #[test]
    fn an_unknown_name_lists_the_known_ones() {
        let err = find("nope").unwrap_err();
        assert!(err.starts_with("no builtin scorer named \"nope\" (known: circle-packing-26, "));
        assert!(err.ends_with("sort-speed)"), "{err}");
    }

    #[test]
    fn output_builtins_score_and_function_builtins_refuse() {
        let network: String = clade_scorers::sorting_network::batcher(9)
            .iter()
            .map(|(a, b)| format!("{a} {b}\n"))
            .collect();
        let nine = find("sorting-network-9").unwrap();
        assert_eq!(
            nine.score_output(network.as_bytes()).unwrap()["comparators"],
            26.0
        );
        let circles = find("circle-packing-26").unwrap();
        assert!(
            circles
                .score_output(b"2.7\n")
                .unwrap_err()
                .contains("expected exactly 26 lines")
        );
        let sort = find("sort-speed").unwrap();
        assert_eq!(sort.kind(), "function");
        assert!(
            sort.score_output(b"")
                .unwrap_err()
                .contains("function benchmark")
        );
    }

    #[test]
    fn data_files_are_named_for_the_data_benchmarks_only() {
        let needing: Vec<String> = all()
            .into_iter()
            .filter(Builtin::needs_data)
            .map(|b| b.name)
            .collect();
        assert_eq!(needing, ["bin-packing-online", "tsp-constructive"]);
    }
}
