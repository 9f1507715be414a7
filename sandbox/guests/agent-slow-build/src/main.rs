//! An agent whose code never finishes compiling (a constant whose
//! evaluation loops forever, with rustc's lint against that allowed): the
//! host must kill the test build at the task's deadline, with no process
//! left behind.
use clade_guest::agent;

const NEVER_BUILDS: &str = "#![allow(long_running_const_eval)]\n\
pub fn add(a: i64, b: i64) -> i64 { a + b }\n\
const _: () = { let mut i: u64 = 0; loop { i = i.wrapping_add(1); } };\n";

fn main() {
    let _ = agent::task();
    if let Err(e) = agent::write_file("src/lib.rs", NEVER_BUILDS) {
        agent::note(&format!("write: {e}"));
    }
    match agent::run_tests() {
        Ok(report) => agent::note(&format!("tests: built {}: {}", report.built, report.output)),
        Err(e) => agent::note(&format!("tests: {e}")),
    }
    agent::done("slow build done");
}
