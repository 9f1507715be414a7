//! Min/max distance ratio, 16 points in the plane: print 16 lines `x y`,
//! minimizing (max pairwise distance / min pairwise distance)^2.

const N: usize = 16;

// EVOLVE-BLOCK-START
/// 16 distinct points; the seed is a 4 x 4 grid (ratio^2 = 18).
fn points(n: usize) -> Vec<(f64, f64)> {
    let side = 4;
    (0..n).map(|k| ((k % side) as f64, (k / side) as f64)).collect()
}
// EVOLVE-BLOCK-END

fn main() {
    for (x, y) in points(N) {
        println!("{x} {y}");
    }
}
