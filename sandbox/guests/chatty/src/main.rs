//! Writes far past the stderr cap with `eprintln!`, which panics when a
//! write fails: the run must end normally, its stderr cut at the cap.
fn main() {
    let line = "x".repeat(100);
    for i in 0..20_000 {
        eprintln!("{i}: {line}");
    }
    println!("done");
}
