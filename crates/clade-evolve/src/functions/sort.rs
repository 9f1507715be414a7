//! `sort-speed`'s skeleton: inputs drawn from the evaluation's seed, each
//! sorted by the candidate and checked against the host's own sort.

use clade_archive::population::splitmix;

use super::skeletons::Decider;
use super::{FunctionFailure, call_failed};
use crate::scoring::Metrics;

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

pub(super) fn sort_check(decider: &mut dyn Decider, seed: u64) -> Result<Metrics, FunctionFailure> {
    let inputs = sort_inputs(seed);
    let max = inputs.iter().map(Vec::len).max().unwrap_or(1).max(1);
    decider.begin_sorting(max).map_err(|e| call_failed(&e))?;
    for (index, input) in inputs.iter().enumerate() {
        let got = decider.sort(input).map_err(|e| call_failed(&e))?;
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
