//! Scores its stdin: prints `{"score": X}` where X is the number after
//! `x = ` on the first such line (0 without one). The framework benchmark
//! evolves that input, so candidate run time is negligible.
use std::io::Read;

fn main() {
    let mut input = String::new();
    let _ = std::io::stdin().read_to_string(&mut input);
    let x: f64 = input
        .lines()
        .find_map(|l| l.trim().strip_prefix("x = "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    println!("{{\"score\": {x}}}");
}
