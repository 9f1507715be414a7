//! Reads its task, then asks the host what it has spent as many times as
//! the task's test-run budget says, then says it is done: a measure of the
//! agent import round trip (benches/agent.rs).
fn main() {
    let task = clade_guest::agent::task().unwrap_or_else(|e| panic!("{e}"));
    let mut calls = 0;
    for _ in 0..task.limits.test_runs {
        if clade_guest::agent::spent().is_ok() {
            calls += 1;
        }
    }
    clade_guest::agent::done(&format!("{calls} calls"));
}
