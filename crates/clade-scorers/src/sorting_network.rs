//! Sorting networks on N wires: the candidate prints one comparator per line
//! as `i j` (0-based, i < j, in network order). Valid only if it sorts every
//! one of the 2^N 0-1 inputs (the 0-1 principle), checked 64 inputs at a time
//! as bit masks. Metric: comparators, then depth.

use crate::Rejection;

/// Comparators and depth of a valid network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkScore {
    pub comparators: usize,
    pub depth: usize,
}

/// The largest network checked exhaustively.
pub const MAX_WIRES: usize = 24;

pub fn sorting_network(output: &str, n: usize) -> Result<NetworkScore, Rejection> {
    if !(2..=MAX_WIRES).contains(&n) {
        return Err(Rejection(format!(
            "networks of {n} wires are not supported (2..={MAX_WIRES})"
        )));
    }
    let mut comparators = Vec::new();
    for (i, line) in output.trim_end().lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let parsed = match fields.as_slice() {
            [a, b] => a.parse::<usize>().ok().zip(b.parse::<usize>().ok()),
            _ => None,
        };
        match parsed {
            Some((a, b)) if a < b && b < n => comparators.push((a, b)),
            Some((a, b)) => {
                return Err(Rejection(format!(
                    "line {}: comparator {a} {b} needs 0 <= i < j < {n}",
                    i + 1
                )));
            }
            None => {
                return Err(Rejection(format!(
                    "line {}: expected `i j`, got {:?}",
                    i + 1,
                    line.trim()
                )));
            }
        }
    }
    if comparators.is_empty() {
        return Err(Rejection("no comparators".into()));
    }
    if let Some(input) = unsorted_input(&comparators, n) {
        let bits: String = (0..n)
            .map(|w| if input >> w & 1 == 1 { '1' } else { '0' })
            .collect();
        return Err(Rejection(format!(
            "the network does not sort the 0-1 input {bits} (wire 0 first)"
        )));
    }
    let mut last = vec![0usize; n];
    let mut depth = 0;
    for &(a, b) in &comparators {
        let layer = last[a].max(last[b]) + 1;
        last[a] = layer;
        last[b] = layer;
        depth = depth.max(layer);
    }
    Ok(NetworkScore {
        comparators: comparators.len(),
        depth,
    })
}

/// A 0-1 input (bit w = wire w) the network leaves unsorted, if any.
fn unsorted_input(comparators: &[(usize, usize)], n: usize) -> Option<u64> {
    let inputs: u64 = 1 << n;
    let mut base = 0u64;
    while base < inputs {
        // Lane k of each word is input base + k; wire w holds bit w of it.
        let lanes = (inputs - base).min(64);
        let mut wires = vec![0u64; n];
        for lane in 0..lanes {
            let input = base + lane;
            for (w, wire) in wires.iter_mut().enumerate() {
                *wire |= (input >> w & 1) << lane;
            }
        }
        for &(a, b) in comparators {
            let (lo, hi) = (wires[a] & wires[b], wires[a] | wires[b]);
            wires[a] = lo;
            wires[b] = hi;
        }
        let valid = if lanes == 64 {
            u64::MAX
        } else {
            (1u64 << lanes) - 1
        };
        // Sorted ascending: never a 1 on wire w above a 0 on wire w + 1.
        let mut bad = 0u64;
        for w in 0..n - 1 {
            bad |= wires[w] & !wires[w + 1];
        }
        bad &= valid;
        if bad != 0 {
            return Some(base + u64::from(bad.trailing_zeros()));
        }
        base += 64;
    }
    None
}

/// Batcher's merge-exchange network (Knuth, TAOCP 5.2.2, Algorithm M).
pub fn batcher(n: usize) -> Vec<(usize, usize)> {
    let mut comparators = Vec::new();
    if n < 2 {
        return comparators;
    }
    let t = usize::BITS - (n - 1).leading_zeros();
    let mut p = 1usize << (t - 1);
    while p > 0 {
        let (mut q, mut r, mut d) = (1usize << (t - 1), 0usize, p);
        while d > 0 {
            for i in 0..n - d {
                if i & p == r {
                    comparators.push((i, i + d));
                }
            }
            d = q - p;
            q /= 2;
            r = p;
        }
        p /= 2;
    }
    comparators
}
