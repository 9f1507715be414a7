//! The function benchmarks' trusted side: the host starts the candidate once
//! (a wasm module in the sandbox's call mode, or a Python program in a
//! Python session) and drives a fixed skeleton that asks the candidate for
//! each decision, under one fuel, memory and time budget for the whole
//! evaluation. The candidate never sees the data before it is asked, and
//! never scores itself.
//!
//! - `bin-packing-online`: FunSearch's online protocol; the wasm export is
//!   `clade_priority` (see the guest SDK's `bin_packing!`), the Python
//!   function `priority(item, bins)`;
//! - `tsp-constructive`: ReEvo's constructive protocol; `clade_next_node`
//!   (`tsp_constructive!`), in Python `select_next_node(current_node,
//!   destination_node, unvisited_nodes, distance_matrix)`;
//! - `sort-speed` (wasm only): inputs drawn at evaluation time, sorted in
//!   place by `clade_sort` (`sort_speed!`), checked, scored by fuel.
//!
//! The skeletons ([`skeletons`]) talk to a [`Decider`]; [`wasm`] and
//! [`python`] are the two kinds of candidate behind it.

mod python;
mod skeletons;
mod sort;
mod wasm;

use std::path::Path;

use clade_sandbox::python::{PythonProgram, PythonRunner};
use clade_sandbox::{CallError, RunOutcome, RunRequest, Runner};
use clade_scorers::{bin_packing, tsp};

use crate::error::EvolveError;
use crate::scoring::Metrics;
use skeletons::Problems;

/// A builtin that calls an exported function instead of reading output
/// (the table of names is [`crate::builtins`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionBench {
    BinPacking,
    Tsp,
    SortSpeed,
}

/// The bin-packing sets: metric key and data file.
const BIN_PACKING_SETS: [(&str, &str); 4] = [
    ("or1", "orlib_binpack1.txt"),
    ("or2", "orlib_binpack2.txt"),
    ("or3", "orlib_binpack3.txt"),
    ("or4", "orlib_binpack4.txt"),
];
const WEIBULL: (&str, &str) = ("weibull_5k", "weibull_5k.json");
const TSP_SETS: [(&str, &str); 3] = [
    ("n20", "uniform_20.json"),
    ("n50", "uniform_50.json"),
    ("n100", "uniform_100.json"),
];

const BIN_PACKING_FILES: [&str; 5] = [
    BIN_PACKING_SETS[0].1,
    BIN_PACKING_SETS[1].1,
    BIN_PACKING_SETS[2].1,
    BIN_PACKING_SETS[3].1,
    WEIBULL.1,
];
const TSP_FILES: [&str; 3] = [TSP_SETS[0].1, TSP_SETS[1].1, TSP_SETS[2].1];

impl FunctionBench {
    pub const ALL: [FunctionBench; 3] = [
        FunctionBench::BinPacking,
        FunctionBench::Tsp,
        FunctionBench::SortSpeed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FunctionBench::BinPacking => "bin-packing-online",
            FunctionBench::Tsp => "tsp-constructive",
            FunctionBench::SortSpeed => "sort-speed",
        }
    }

    /// The metric its benchmark ranks by (all are minimised).
    pub fn metric(self) -> &'static str {
        match self {
            FunctionBench::BinPacking => WEIBULL.0,
            FunctionBench::Tsp => "n50",
            FunctionBench::SortSpeed => "fuel",
        }
    }

    /// The files it reads from the config's `data` folder.
    pub fn data_files(self) -> &'static [&'static str] {
        match self {
            FunctionBench::BinPacking => &BIN_PACKING_FILES,
            FunctionBench::Tsp => &TSP_FILES,
            FunctionBench::SortSpeed => &[],
        }
    }

    /// Whether a Python program can be its candidate.
    pub fn takes_python(self) -> bool {
        !matches!(self, FunctionBench::SortSpeed)
    }

    pub fn reference(self) -> &'static str {
        match self {
            FunctionBench::BinPacking => "FunSearch 0.68",
            FunctionBench::Tsp => "ReEvo 6.2269",
            FunctionBench::SortSpeed => "radix-sort baseline 5,531,484",
        }
    }
}

/// Why a function evaluation gave no metrics.
#[derive(Debug, Clone, PartialEq)]
pub enum FunctionFailure {
    /// A call into the candidate trapped or ran out of fuel or time; the
    /// message leads with the call's error, then the guest's stderr.
    Run(String),
    /// The candidate answered, wrongly or not at all (the scorer's message).
    Scorer(String),
}

impl From<String> for FunctionFailure {
    fn from(message: String) -> Self {
        FunctionFailure::Scorer(message)
    }
}

/// What a function evaluation gave: metrics or why not, and the session's
/// final outcome (fuel, memory, time).
pub struct FunctionScore {
    pub metrics: Result<Metrics, FunctionFailure>,
    pub outcome: Option<RunOutcome>,
}

/// Runs the function benchmark `bench` against `wasm`.
pub fn score_function(
    bench: FunctionBench,
    runner: &Runner,
    wasm: &[u8],
    request: &RunRequest,
    data: Option<&Path>,
) -> Result<FunctionScore, EvolveError> {
    let problems = load_problems(bench, data)?;
    let session = match runner.session(wasm, request)? {
        Ok(session) => session,
        Err(outcome) => return Ok(not_started("the module did not instantiate", outcome)),
    };
    let mut decider = wasm::WasmDecider::new(session);
    let metrics = skeletons::run(&problems, &mut decider, request.random_seed);
    Ok(concluded(metrics, decider.finish()))
}

/// Runs the function benchmark `bench` against a Python program: its
/// function is asked through a Python session, whose interpreter starts
/// afresh for every problem instance.
pub fn score_python_function(
    bench: FunctionBench,
    runner: &PythonRunner,
    program: &PythonProgram,
    request: &RunRequest,
    data: Option<&Path>,
) -> Result<FunctionScore, EvolveError> {
    let Some(setup) = python::setup(bench, &program.entry) else {
        return Err(EvolveError::Setup(format!(
            "the builtin {} takes only wasm candidates",
            bench.name()
        )));
    };
    let problems = load_problems(bench, data)?;
    let seed = request.random_seed;
    let ran = runner.with_session(program, &setup, request, |session| {
        let mut decider = python::PythonDecider::new(session);
        skeletons::run(&problems, &mut decider, seed)
    })?;
    Ok(match ran {
        Ok((metrics, outcome)) => concluded(metrics, outcome),
        Err(outcome) => not_started("the Python runtime did not start", outcome),
    })
}

/// The problem sets `bench` reads from the config's `data` folder, parsed
/// before any candidate starts.
fn load_problems(bench: FunctionBench, data: Option<&Path>) -> Result<Problems, EvolveError> {
    let name = bench.name();
    let read = |file: &str| -> Result<String, EvolveError> {
        let dir = data.ok_or_else(|| {
            EvolveError::Setup(format!(
                "the builtin scorer {name} needs evaluate.scorer.data"
            ))
        })?;
        let path = dir.join(file);
        std::fs::read_to_string(&path).map_err(EvolveError::io("read", &path))
    };
    let setup = |file: &str, e: String| EvolveError::Setup(format!("{file}: {e}"));
    Ok(match bench {
        FunctionBench::BinPacking => {
            let mut sets = Vec::new();
            for (key, file) in BIN_PACKING_SETS {
                let instances = bin_packing::parse_orlib(&read(file)?)
                    .map_err(|e| setup(file, e.to_string()))?;
                sets.push((key, instances));
            }
            let weibull = bin_packing::parse_weibull(&read(WEIBULL.1)?)
                .map_err(|e| setup(WEIBULL.1, e.to_string()))?;
            sets.push((WEIBULL.0, weibull));
            Problems::BinPacking(sets)
        }
        FunctionBench::Tsp => {
            let mut sets = Vec::new();
            for (key, file) in TSP_SETS {
                let instances =
                    tsp::parse_instances(&read(file)?).map_err(|e| setup(file, e.to_string()))?;
                sets.push((key, instances));
            }
            Problems::Tsp(sets)
        }
        FunctionBench::SortSpeed => Problems::Sort,
    })
}

fn not_started(what: &str, outcome: RunOutcome) -> FunctionScore {
    let why = format!(
        "{what}: {}{}",
        outcome.status,
        outcome
            .trap
            .as_deref()
            .map(|t| format!(": {t}"))
            .unwrap_or_default()
    );
    FunctionScore {
        metrics: Err(FunctionFailure::Scorer(why)),
        outcome: Some(outcome),
    }
}

/// The metrics with the session's fuel added, or the failure with what the
/// candidate printed to stderr.
fn concluded(metrics: Result<Metrics, FunctionFailure>, outcome: RunOutcome) -> FunctionScore {
    // A trap's cause is in what the guest printed (Rust's panic message and
    // location, Python's traceback): the feedback a repair or fix needs.
    let metrics = metrics.map_err(|failure| match failure {
        FunctionFailure::Run(message) => FunctionFailure::Run(with_stderr(message, &outcome)),
        scorer => scorer,
    });
    let metrics = metrics.map(|mut m| {
        if let Some(fuel) = outcome.fuel_used {
            m.insert("fuel".into(), fuel as f64);
        }
        m
    });
    FunctionScore {
        metrics,
        outcome: Some(outcome),
    }
}

/// The f64s of an answer, little-endian (a trailing partial value is
/// dropped; the skeleton then sees too few).
fn f64s(raw: &[u8]) -> Vec<f64> {
    raw.chunks_exact(8)
        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect()
}

fn call_failed(err: &CallError) -> FunctionFailure {
    FunctionFailure::Run(err.to_string())
}

/// A trap's cause is in what the guest printed (Rust's panic message and
/// location): the feedback a repair or fix needs, put after the call's error.
fn with_stderr(message: String, outcome: &RunOutcome) -> String {
    let stderr = outcome.stderr_text();
    let stderr = stderr.trim();
    if stderr.is_empty() {
        return message;
    }
    let start = stderr
        .char_indices()
        .rev()
        .nth(2000)
        .map_or(0, |(at, _)| at);
    // The panic message first: the wasm backtrace after it is long, and
    // prompts keep only the start of the feedback.
    let (first, rest) = message.split_once('\n').unwrap_or((&message, ""));
    format!("{first}\nstderr:\n{}\n{rest}", &stderr[start..])
}
