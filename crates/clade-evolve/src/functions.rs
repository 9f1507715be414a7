//! The function benchmarks' trusted side: the host instantiates the
//! candidate once in the sandbox's call mode and drives a fixed skeleton that
//! calls the candidate's export for each decision, under one fuel, memory and
//! time budget for the whole evaluation. The candidate never sees the data
//! before it is asked, and never scores itself.
//!
//! - `bin-packing-online`: FunSearch's online protocol; the export is
//!   `clade_priority` (see the guest SDK's `bin_packing!`);
//! - `tsp-constructive`: ReEvo's constructive protocol; `clade_next_node`
//!   (`tsp_constructive!`);
//! - `sort-speed`: inputs drawn at evaluation time, sorted in place by
//!   `clade_sort` (`sort_speed!`), checked, scored by fuel.

use std::path::Path;

use clade_archive::population::splitmix;
use clade_sandbox::{CallError, RunOutcome, RunRequest, Runner, Session, Value};
use clade_scorers::{bin_packing, tsp};

use crate::error::EvolveError;
use crate::scoring::Metrics;

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
    let session = match runner.session(wasm, request)? {
        Ok(session) => session,
        Err(outcome) => {
            let why = format!(
                "the module did not instantiate: {}{}",
                outcome.status,
                outcome
                    .trap
                    .as_deref()
                    .map(|t| format!(": {t}"))
                    .unwrap_or_default()
            );
            return Ok(FunctionScore {
                metrics: Err(FunctionFailure::Scorer(why)),
                outcome: Some(outcome),
            });
        }
    };
    let name = bench.name();
    let data = |file: &str| -> Result<String, EvolveError> {
        let dir = data.ok_or_else(|| {
            EvolveError::Setup(format!(
                "the builtin scorer {name} needs evaluate.scorer.data"
            ))
        })?;
        let path = dir.join(file);
        std::fs::read_to_string(&path).map_err(EvolveError::io("read", &path))
    };
    let mut session = session;
    let metrics = match bench {
        FunctionBench::BinPacking => {
            let mut sets = Vec::new();
            for (key, file) in BIN_PACKING_SETS {
                let instances = bin_packing::parse_orlib(&data(file)?)
                    .map_err(|e| EvolveError::Setup(format!("{file}: {e}")))?;
                sets.push((key, instances));
            }
            let weibull = bin_packing::parse_weibull(&data(WEIBULL.1)?)
                .map_err(|e| EvolveError::Setup(format!("{}: {e}", WEIBULL.1)))?;
            sets.push((WEIBULL.0, weibull));
            bin_packing_metrics(&mut session, &sets)
        }
        FunctionBench::Tsp => {
            let mut sets = Vec::new();
            for (key, file) in TSP_SETS {
                let instances = tsp::parse_instances(&data(file)?)
                    .map_err(|e| EvolveError::Setup(format!("{file}: {e}")))?;
                sets.push((key, instances));
            }
            tsp_metrics(&mut session, &sets)
        }
        FunctionBench::SortSpeed => sort_check(&mut session, request.random_seed),
    };
    let outcome = session.finish();
    // A trap's cause is in what the guest printed (Rust's panic message and
    // location): the feedback a repair or fix needs.
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
    Ok(FunctionScore {
        metrics,
        outcome: Some(outcome),
    })
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

fn bin_packing_metrics(
    session: &mut Session<'_>,
    sets: &[(&str, Vec<bin_packing::Instance>)],
) -> Result<Metrics, FunctionFailure> {
    let mut metrics = Metrics::new();
    let mut first = true;
    for (key, instances) in sets {
        let (mut bins, mut bound) = (0u64, 0u64);
        for instance in instances {
            fresh_unless_first(session, &mut first)?;
            bins += pack_one(session, instance)?;
            bound += instance.l1_bound();
        }
        metrics.insert((*key).to_string(), bin_packing::excess_percent(bins, bound));
    }
    Ok(metrics)
}

/// Each problem instance meets a fresh candidate, so nothing it learned on
/// the previous ones survives: every instance but the first restarts it.
fn fresh_unless_first(session: &mut Session<'_>, first: &mut bool) -> Result<(), FunctionFailure> {
    if !std::mem::take(first) {
        session.restart().map_err(|e| call_failed(&e))?;
    }
    Ok(())
}

/// Packs one instance with the candidate's `clade_priority`; the bins used.
fn pack_one(
    session: &mut Session<'_>,
    instance: &bin_packing::Instance,
) -> Result<u64, FunctionFailure> {
    let max = instance.items.len().max(1) as u32;
    let remaining_ptr = session.alloc(4 * max).map_err(|e| call_failed(&e))?;
    let scores_ptr = session.alloc(8 * max).map_err(|e| call_failed(&e))?;
    let mut failure: Option<CallError> = None;
    let bins = bin_packing::pack(instance, |item, bins| {
        if failure.is_some() {
            return vec![0.0; bins.len()];
        }
        let bytes: Vec<u8> = bins.iter().flat_map(|b| b.to_le_bytes()).collect();
        let called = session.write(remaining_ptr, &bytes).and_then(|()| {
            session.call(
                "clade_priority",
                &[
                    Value::I32(item as i32),
                    Value::I32(remaining_ptr as i32),
                    Value::I32(bins.len() as i32),
                    Value::I32(scores_ptr as i32),
                ],
            )
        });
        match called.and_then(|_| session.read(scores_ptr, 8 * bins.len() as u32)) {
            Ok(raw) => raw
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
            Err(err) => {
                failure = Some(err);
                vec![0.0; bins.len()]
            }
        }
    });
    if let Some(err) = failure {
        return Err(call_failed(&err));
    }
    bins.map_err(|r| FunctionFailure::Scorer(r.0))
}

fn tsp_metrics(
    session: &mut Session<'_>,
    sets: &[(&str, Vec<Vec<[f64; 2]>>)],
) -> Result<Metrics, FunctionFailure> {
    let mut metrics = Metrics::new();
    let mut first = true;
    for (key, instances) in sets {
        let mut total = 0.0;
        for points in instances {
            fresh_unless_first(session, &mut first)?;
            let n = points.len();
            let max = n.max(1) as u32;
            let unvisited_ptr = session.alloc(4 * max).map_err(|e| call_failed(&e))?;
            let distances_ptr = session.alloc(8 * max * max).map_err(|e| call_failed(&e))?;
            let matrix = tsp::distance_matrix(points);
            let flat: Vec<u8> = matrix
                .iter()
                .flat_map(|row| row.iter().flat_map(|d| d.to_le_bytes()))
                .collect();
            session
                .write(distances_ptr, &flat)
                .map_err(|e| call_failed(&e))?;
            let mut failure: Option<CallError> = None;
            let length = tsp::tour_length(points, |current, destination, unvisited, _| {
                if failure.is_some() {
                    return unvisited[0];
                }
                let bytes: Vec<u8> = unvisited
                    .iter()
                    .flat_map(|u| (*u as u32).to_le_bytes())
                    .collect();
                let called = session.write(unvisited_ptr, &bytes).and_then(|()| {
                    session.call(
                        "clade_next_node",
                        &[
                            Value::I32(current as i32),
                            Value::I32(destination as i32),
                            Value::I32(unvisited_ptr as i32),
                            Value::I32(unvisited.len() as i32),
                            Value::I32(distances_ptr as i32),
                            Value::I32(n as i32),
                        ],
                    )
                });
                match called {
                    Ok(values) => match values.first() {
                        Some(Value::I32(v)) => *v as u32 as usize,
                        _ => usize::MAX,
                    },
                    Err(err) => {
                        failure = Some(err);
                        unvisited[0]
                    }
                }
            });
            if let Some(err) = failure {
                return Err(call_failed(&err));
            }
            total += length.map_err(|r| r.0)?;
        }
        metrics.insert((*key).to_string(), total / instances.len().max(1) as f64);
    }
    Ok(metrics)
}

/// Inputs of the speed benchmark, drawn from the evaluation's seed: edge
/// cases, random, sorted, reversed and few-distinct arrays.
pub fn sort_inputs(seed: u64) -> Vec<Vec<u32>> {
    let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
    let mut next = move || splitmix(&mut state) as u32;
    let mut inputs = vec![Vec::new(), vec![7], vec![2, 1]];
    for _ in 0..16 {
        inputs.push((0..1000).map(|_| next()).collect());
    }
    inputs.push((0..1000).collect());
    inputs.push((0..1000).rev().collect());
    inputs.push((0..1000).map(|_| next() % 4).collect());
    inputs.push((0..4000).map(|_| next()).collect());
    inputs
}

fn sort_check(session: &mut Session<'_>, seed: u64) -> Result<Metrics, FunctionFailure> {
    let inputs = sort_inputs(seed);
    let max = inputs.iter().map(Vec::len).max().unwrap_or(1).max(1) as u32;
    let ptr = session.alloc(4 * max).map_err(|e| call_failed(&e))?;
    for (index, input) in inputs.iter().enumerate() {
        let bytes: Vec<u8> = input.iter().flat_map(|v| v.to_le_bytes()).collect();
        session.write(ptr, &bytes).map_err(|e| call_failed(&e))?;
        session
            .call(
                "clade_sort",
                &[Value::I32(ptr as i32), Value::I32(input.len() as i32)],
            )
            .map_err(|e| call_failed(&e))?;
        let raw = session
            .read(ptr, 4 * input.len() as u32)
            .map_err(|e| call_failed(&e))?;
        let got: Vec<u32> = raw
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let mut want = input.clone();
        want.sort_unstable();
        if got != want {
            let at = got.iter().zip(&want).position(|(a, b)| a != b).unwrap_or(0);
            return Err(FunctionFailure::Scorer(format!(
                "input {index} ({} values) is not sorted correctly: at position {at} got {} where {} belongs",
                input.len(),
                got.get(at).copied().unwrap_or(0),
                want.get(at).copied().unwrap_or(0)
            )));
        }
    }
    Ok(Metrics::from([("inputs".to_string(), inputs.len() as f64)]))
}
