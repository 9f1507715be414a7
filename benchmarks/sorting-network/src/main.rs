//! Sorting networks: given N (the first argument), print one comparator per
//! line as `i j` (0-based wires, i < j), in network order. The host checks
//! that the network sorts every 0-1 input and scores comparators, then depth.

// EVOLVE-BLOCK-START
/// The comparators of a sorting network on `n` wires. The seed is Batcher's
/// merge-exchange network (Knuth, TAOCP 5.2.2, Algorithm M).
fn network(n: usize) -> Vec<(usize, usize)> {
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
// EVOLVE-BLOCK-END

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(16);
    for (i, j) in network(n) {
        println!("{i} {j}");
    }
}
