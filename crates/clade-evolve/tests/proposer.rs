//! The proposer seam through a real run: a `build = "wasm"` target (a fixed
//! module scoring its stdin, the candidate is that input file) and
//! proposers written here, so nothing but the controller is under test.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use clade_evolve::{CacheMode, Evaluation, Proposal, ProposalRequest, Proposer, RunOptions};
use clade_sandbox::{BuildStatus, Builder, BuilderConfig};

/// A repository whose target is `params.txt` fed to a module that prints
/// `{"score": x}` for `x = <n>`.
fn project(iterations: u64) -> tempfile::TempDir {
    let home = clade_sandbox::default_home();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let guest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sandbox/guests/stdin-score");
    let builder = Builder::new(BuilderConfig {
        work_dir: home.join("build"),
        ..BuilderConfig::default()
    })
    .unwrap();
    let built = builder.build(&guest).unwrap();
    assert_eq!(built.status, BuildStatus::Ok, "{:?}", built.diagnostics);
    std::fs::copy(built.wasm.unwrap(), root.join("score.wasm")).unwrap();
    std::fs::write(root.join("params.txt"), "x = 0\n").unwrap();
    std::fs::write(
        root.join("clade.toml"),
        format!(
            "[run]\nname = \"seam\"\niterations = {iterations}\nparallel_proposals = 1\n\n\
             [target]\nfiles = [\"params.txt\"]\nbuild = \"wasm\"\nmodule = \"score.wasm\"\n\n\
             [evaluate]\nstdin = \"params.txt\"\nscorer = \"stdout-json\"\nfuel = 10000000\n\n\
             [[llm.models]]\nprovider = \"openai\"\nmodel = \"unused\"\nbase_url = \"http://127.0.0.1:9/v1\"\n"
        ),
    )
    .unwrap();
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "commit",
            "-q",
            "-m",
            "seam",
        ],
    ] {
        let status = Command::new("git")
            .args(args)
            .current_dir(root)
            .status()
            .unwrap();
        assert!(status.success());
    }
    dir
}

/// Adds one to `x`, evaluating first; panics on iteration 1.
struct Counting;

impl Proposer for Counting {
    fn propose(&self, request: ProposalRequest) -> Result<Proposal, String> {
        assert!(request.iteration != 1, "a bug in the proposer");
        let x: u64 = request.files["params.txt"]
            .trim()
            .trim_start_matches("x = ")
            .parse()
            .map_err(|e| format!("{e}"))?;
        let files = BTreeMap::from([("params.txt".to_string(), format!("x = {}\n", x + 1))]);
        let scored = matches!((request.evaluate)(&files), Evaluation::Scored { .. });
        assert!(scored, "the run's own evaluation is offered");
        Ok(Proposal {
            files,
            tokens_in: 10,
            tokens_out: 5,
            cost_usd: 0.0,
            transcript: None,
        })
    }
}

#[test]
fn a_panicking_proposer_is_its_iterations_rejection_and_the_run_goes_on() {
    let dir = project(3);
    let mut events = Vec::new();
    let summary = clade_evolve::run(
        &RunOptions {
            config: dir.path().to_path_buf(),
            cache: CacheMode::Off,
            proposer: Some(std::sync::Arc::new(Counting)),
            ..RunOptions::default()
        },
        &mut |e| events.push(serde_json::to_value(e).unwrap()),
    )
    .unwrap();
    assert_eq!(summary.totals.done, 3, "every iteration is recorded");
    let variants: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["event"] == "variant").collect();
    assert_eq!(variants.len(), 3);
    let reason = variants[1]["reason"].as_str().unwrap_or("");
    assert!(
        reason.starts_with("agent_failed: the agent's thread failed")
            && reason.contains("a bug in the proposer"),
        "{reason}"
    );
    assert_eq!(variants[0]["status"], "validated");
    assert_eq!(variants[2]["status"], "validated");
}
