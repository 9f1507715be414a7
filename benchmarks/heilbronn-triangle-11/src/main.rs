//! Heilbronn's problem in a triangle, 11 points: print 11 lines `x y` inside
//! the triangle (0,0), (1,0), (1/2, sqrt(3)/2), maximizing the smallest area
//! of a triangle formed by three of them (relative to the big triangle).

const N: usize = 11;

// EVOLVE-BLOCK-START
/// 11 points strictly inside the triangle; the seed scatters them with a
/// fixed pseudo-random sequence.
fn points(n: usize) -> Vec<(f64, f64)> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut unit = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64) / ((1u64 << 53) as f64)
    };
    let h = 3f64.sqrt() / 2.0;
    (0..n)
        .map(|_| {
            let (mut u, mut v) = (unit(), unit());
            if u + v > 1.0 {
                (u, v) = (1.0 - u, 1.0 - v);
            }
            // Shrink towards the centroid so no point sits on an edge.
            let (x, y) = (u + v * 0.5, v * h);
            let (cx, cy) = (0.5, h / 3.0);
            (cx + (x - cx) * 0.95, cy + (y - cy) * 0.95)
        })
        .collect()
}
// EVOLVE-BLOCK-END

fn main() {
    for (x, y) in points(N) {
        println!("{x} {y}");
    }
}
