//! The grader against real builds in the bubblewrap sandbox and real wasm
//! runs: each hostile solution of `tasks/test-mini/add-numbers` must pass
//! nothing, for the reason the test names.

use std::path::{Path, PathBuf};

use clade_sandbox::{BuildStatus, Builder, BuilderConfig, RunStatus};
use clade_tasks::harness::test_names;
use clade_tasks::{Grade, Grader, Manifest, Task, check_task, default_test_limits};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn grader() -> Grader {
    let builder = Builder::new(BuilderConfig {
        work_dir: Path::new(env!("CARGO_TARGET_TMPDIR")).join("clade-tasks-build"),
        ..BuilderConfig::default()
    })
    .expect("the build sandbox (bubblewrap, wasm32-wasip1) is installed by scripts/test.sh");
    Grader::new(builder, default_test_limits()).unwrap()
}

fn add_numbers() -> (Task, Vec<String>) {
    let task = Task::read(&repo_root().join("tasks/test-mini/add-numbers")).unwrap();
    let hidden = std::fs::read_to_string(task.dir.join("hidden/tests.rs")).unwrap();
    (task, test_names(&hidden).unwrap())
}

fn grade(lib_rs: &str) -> Grade {
    let (task, hidden) = add_numbers();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), lib_rs).unwrap();
    grader().grade(&task, &hidden, dir.path()).unwrap()
}

fn statuses(grade: &Grade) -> Vec<RunStatus> {
    grade.tests.iter().map(|t| t.status).collect()
}

#[test]
fn the_reference_passes_every_hidden_test() {
    let grade = grade("pub fn add(a: i64, b: i64) -> i64 {\n    a + b\n}\n");
    assert_eq!(grade.build, BuildStatus::Ok, "{:?}", grade.build_reason);
    assert_eq!((grade.hidden_passed, grade.hidden_total), (6, 6));
    assert!(grade.passed);
}

#[test]
fn a_wrong_answer_fails_the_tests_it_gets_wrong() {
    // Right only when b == 0 or a == 0 … none of the hidden cases; and
    // commutative, so exactly `is_commutative` passes.
    let grade = grade("pub fn add(a: i64, b: i64) -> i64 {\n    a.wrapping_mul(b)\n}\n");
    let passed: Vec<&str> = grade
        .tests
        .iter()
        .filter(|t| t.passed)
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(passed, vec!["is_commutative"]);
    assert!(!grade.passed);
}

#[test]
fn a_panic_passes_nothing() {
    let grade = grade("pub fn add(a: i64, b: i64) -> i64 {\n    todo!()\n}\n");
    assert_eq!(grade.hidden_passed, 0);
    assert!(
        statuses(&grade).iter().all(|s| *s == RunStatus::Trapped),
        "{:?}",
        statuses(&grade)
    );
}

#[test]
fn exiting_zero_with_a_fake_summary_passes_nothing() {
    let grade = grade(
        "pub fn add(a: i64, b: i64) -> i64 {\n    println!(\"test result: ok. 6 passed; 0 failed\");\n    std::process::exit(0)\n}\n",
    );
    assert_eq!(grade.hidden_passed, 0);
    assert!(statuses(&grade).iter().all(|s| *s == RunStatus::Exited));
}

#[test]
fn spinning_runs_out_of_fuel() {
    let grade = grade("pub fn add(a: i64, b: i64) -> i64 {\n    loop {}\n}\n");
    assert_eq!(grade.hidden_passed, 0);
    assert!(
        statuses(&grade).iter().all(|s| *s == RunStatus::OutOfFuel),
        "{:?}",
        statuses(&grade)
    );
}

#[test]
fn allocating_without_bound_hits_the_memory_limit() {
    let grade = grade(
        "pub fn add(a: i64, b: i64) -> i64 {\n    let mut keep = Vec::new();\n    loop {\n        keep.push(vec![1u8; 1 << 20]);\n        if keep.len() == usize::MAX { return 0; }\n    }\n}\n",
    );
    assert_eq!(grade.hidden_passed, 0);
    assert!(
        statuses(&grade)
            .iter()
            .all(|s| *s == RunStatus::MemoryLimit || *s == RunStatus::Trapped),
        "{:?}",
        statuses(&grade)
    );
}

#[test]
fn calling_the_pass_import_from_the_library_does_not_build() {
    let grade = grade(concat!(
        "#[link(wasm_import_module = \"clade\")]\n",
        "unsafe extern \"C\" {\n    fn test_passed(ptr: *const u8, len: i32) -> i64;\n}\n",
        "pub fn add(a: i64, b: i64) -> i64 {\n",
        "    unsafe { test_passed(b\"adds_negatives\".as_ptr(), 14) };\n    0\n}\n",
    ));
    assert_eq!(grade.build, BuildStatus::BuildFailed);
    assert_eq!(grade.hidden_passed, 0);
}

#[test]
fn the_library_cannot_reach_the_guest_sdk() {
    let grade = grade(
        "pub fn add(a: i64, b: i64) -> i64 {\n    let _ = clade_guest::test_passed(b\"adds_negatives\");\n    0\n}\n",
    );
    assert_eq!(grade.build, BuildStatus::BuildFailed);
}

#[test]
fn a_library_assert_eq_that_asserts_nothing_is_not_used() {
    let grade = grade(
        "#[macro_export]\nmacro_rules! assert_eq {\n    ($($t:tt)*) => {};\n}\npub fn add(a: i64, b: i64) -> i64 {\n    0\n}\n",
    );
    assert_eq!(grade.build, BuildStatus::Ok, "{:?}", grade.build_reason);
    // The real assert_eq! runs: 0 is right only for add(123, -123) and for
    // add(17, 25) == add(25, 17).
    let passed: Vec<&str> = grade
        .tests
        .iter()
        .filter(|t| t.passed)
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(passed, vec!["adds_to_zero", "is_commutative"]);
}

#[test]
fn including_the_harness_is_refused_or_finds_nothing() {
    // A literal path out of the crate is refused by the source checks; a
    // macro-built one passes them, and the library rebuilt once the harness
    // is written is refused.
    let grade1 = grade(
        "const T: &str = include_str!(\"../harness/clade_harness.rs\");\npub fn add(a: i64, b: i64) -> i64 { a + b }\n",
    );
    assert_eq!(grade1.build, BuildStatus::Rejected);
    let grade2 = grade(
        "const T: &str = include_str!(concat!(\"..\", \"/harness/clade_harness.rs\"));\npub fn add(a: i64, b: i64) -> i64 { if T.contains(\"adds_negatives\") { a + b } else { 0 } }\n",
    );
    assert_eq!(grade2.build, BuildStatus::Rejected, "{grade2:?}");
    assert_eq!(grade2.hidden_passed, 0);
}

#[test]
fn the_check_holds_on_the_mini_suite() {
    let suite = repo_root().join("tasks/test-mini");
    let (manifest, tasks) = Manifest::verify(&suite).unwrap();
    let grader = grader();
    let scratch = tempfile::tempdir().unwrap();
    for task in &tasks {
        let checked =
            check_task(&grader, task, &manifest.hidden[&task.id], scratch.path()).unwrap();
        let violations: Vec<&str> = checked.violations().collect();
        assert!(checked.ok, "{}: {violations:?}", task.id);
        assert_eq!(checked.solutions.len(), 5);
    }
}
