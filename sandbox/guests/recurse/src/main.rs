//! Recurses without bound.
fn depth(n: u64) -> u64 {
    if std::hint::black_box(n) == u64::MAX {
        return 0;
    }
    depth(n + 1) + 1
}

fn main() {
    println!("{}", depth(0));
}
