//! A fixed computation (with a HashMap, whose seed comes from random_get),
//! for checking that fuel is deterministic.
use std::collections::HashMap;

fn main() {
    let mut counts: HashMap<u64, u64> = HashMap::new();
    let mut x = 12345u64;
    for _ in 0..200_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *counts.entry(x % 1000).or_default() += 1;
    }
    let max = counts.values().max().copied().unwrap_or(0);
    println!("{} {max}", counts.len());
}
