//! The skeletons: each holds its problem instances, asks a [`Decider`] for
//! every decision and computes the metrics itself. Whatever the candidate
//! is built from, it only ever answers questions.

use clade_scorers::{bin_packing, tsp};

use super::{FunctionFailure, call_failed, sort};
use crate::scoring::Metrics;
use clade_sandbox::CallError;

/// The problem sets of one benchmark, parsed before the candidate starts.
pub(super) enum Problems {
    BinPacking(Vec<(&'static str, Vec<bin_packing::Instance>)>),
    Tsp(Vec<(&'static str, Vec<Vec<[f64; 2]>>)>),
    /// Drawn from the evaluation's seed when it runs.
    Sort,
}

/// A candidate the skeletons ask: the first failing answer ends the
/// evaluation (later ones return the same failure).
pub(super) trait Decider {
    /// A fresh candidate for the next problem instance, on what is left of
    /// the budget: nothing it learned on earlier instances survives.
    fn fresh(&mut self) -> Result<(), CallError>;
    /// A bin-packing instance of `items` items begins.
    fn begin_packing(&mut self, items: usize) -> Result<(), CallError>;
    /// One score per bin in `bins` (their free capacities) for `item`.
    fn priority(&mut self, item: u32, bins: &[u32]) -> Result<Vec<f64>, CallError>;
    /// A tour over the points of `distances` (n x n) begins.
    fn begin_tour(&mut self, distances: &[Vec<f64>]) -> Result<(), CallError>;
    /// The node to visit after `current`; anything but one of `unvisited`
    /// is the skeleton's to reject.
    fn next_node(
        &mut self,
        current: usize,
        destination: usize,
        unvisited: &[usize],
    ) -> Result<usize, CallError>;
    /// Room for arrays of up to `len` values to sort.
    fn begin_sorting(&mut self, len: usize) -> Result<(), CallError>;
    /// `values` as the candidate sorted them.
    fn sort(&mut self, values: &[u32]) -> Result<Vec<u32>, CallError>;
}

pub(super) fn run(
    problems: &Problems,
    decider: &mut dyn Decider,
    seed: u64,
) -> Result<Metrics, FunctionFailure> {
    match problems {
        Problems::BinPacking(sets) => bin_packing_metrics(decider, sets),
        Problems::Tsp(sets) => tsp_metrics(decider, sets),
        Problems::Sort => sort::sort_check(decider, seed),
    }
}

fn bin_packing_metrics(
    decider: &mut dyn Decider,
    sets: &[(&str, Vec<bin_packing::Instance>)],
) -> Result<Metrics, FunctionFailure> {
    let mut metrics = Metrics::new();
    let mut first = true;
    for (key, instances) in sets {
        let (mut bins, mut bound) = (0u64, 0u64);
        for instance in instances {
            fresh_unless_first(decider, &mut first)?;
            bins += pack_one(decider, instance)?;
            bound += instance.l1_bound();
        }
        metrics.insert((*key).to_string(), bin_packing::excess_percent(bins, bound));
    }
    Ok(metrics)
}

/// Each problem instance meets a fresh candidate, so nothing it learned on
/// the previous ones survives: every instance but the first restarts it.
fn fresh_unless_first(decider: &mut dyn Decider, first: &mut bool) -> Result<(), FunctionFailure> {
    if !std::mem::take(first) {
        decider.fresh().map_err(|e| call_failed(&e))?;
    }
    Ok(())
}

/// Packs one instance with the candidate's priorities; the bins used.
fn pack_one(
    decider: &mut dyn Decider,
    instance: &bin_packing::Instance,
) -> Result<u64, FunctionFailure> {
    decider
        .begin_packing(instance.items.len())
        .map_err(|e| call_failed(&e))?;
    let mut failure: Option<CallError> = None;
    let bins = bin_packing::pack(instance, |item, bins| {
        if failure.is_some() {
            return vec![0.0; bins.len()];
        }
        decider.priority(item, bins).unwrap_or_else(|err| {
            failure = Some(err);
            vec![0.0; bins.len()]
        })
    });
    if let Some(err) = failure {
        return Err(call_failed(&err));
    }
    bins.map_err(|r| FunctionFailure::Scorer(r.0))
}

fn tsp_metrics(
    decider: &mut dyn Decider,
    sets: &[(&str, Vec<Vec<[f64; 2]>>)],
) -> Result<Metrics, FunctionFailure> {
    let mut metrics = Metrics::new();
    let mut first = true;
    for (key, instances) in sets {
        let mut total = 0.0;
        for points in instances {
            fresh_unless_first(decider, &mut first)?;
            decider
                .begin_tour(&tsp::distance_matrix(points))
                .map_err(|e| call_failed(&e))?;
            let mut failure: Option<CallError> = None;
            let length = tsp::tour_length(points, |current, destination, unvisited, _| {
                if failure.is_some() {
                    return unvisited[0];
                }
                decider
                    .next_node(current, destination, unvisited)
                    .unwrap_or_else(|err| {
                        failure = Some(err);
                        unvisited[0]
                    })
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
