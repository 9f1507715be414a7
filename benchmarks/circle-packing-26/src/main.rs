//! Circle packing, n = 26: print 26 circles `x y r` inside the unit square,
//! no two overlapping, maximizing the sum of the radii. The host checks the
//! output exactly (f64, zero tolerance); see README.md.

const N: usize = 26;

// EVOLVE-BLOCK-START
/// 26 circles `(x, y, r)`: the seed puts equal circles on a 6-column
/// grid, each a hair smaller than its cell so that neighbours do not touch.
fn pack(n: usize) -> Vec<(f64, f64, f64)> {
    let cols = 6;
    let cell = 1.0 / cols as f64;
    let r = cell / 2.0 - 1e-9;
    (0..n)
        .map(|k| {
            let (i, j) = (k % cols, k / cols);
            ((i as f64 + 0.5) * cell, (j as f64 + 0.5) * cell, r)
        })
        .collect()
}
// EVOLVE-BLOCK-END

fn main() {
    for (x, y, r) in pack(N) {
        println!("{x} {y} {r}");
    }
}
