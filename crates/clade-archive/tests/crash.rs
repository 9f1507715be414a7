//! Crash safety: a child process inserting variants (single and batched) is
//! killed with SIGKILL at random moments; after each kill the archive must
//! reopen consistent, holding every variant whose ref was written.
//!
//! A custom harness: the same binary is the child when called with
//! `--child-writer <repo>`.

mod common;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use clade_archive::{Archive, PopulationConfig, Rng, VariantStatus};
use common::*;

const ROUNDS: usize = 12;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--child-writer") {
        child_writer(std::path::Path::new(&args[at + 1]));
        return;
    }
    if args.iter().any(|a| a == "--list") {
        println!("kill_9_at_random_moments_leaves_a_consistent_archive: test");
        return;
    }
    kill_9_at_random_moments_leaves_a_consistent_archive();
    println!("test kill_9_at_random_moments_leaves_a_consistent_archive ... ok");
    println!("crash: 1 passed, 0 failed");
}

/// Inserts forever: single variants and batches, validated and rejected.
fn child_writer(repo: &std::path::Path) {
    let mut archive = Archive::open_or_create(repo).expect("child open");
    let mut rng = Rng::new(std::process::id() as u64);
    loop {
        let count = archive.variant_count("r").expect("run");
        let parents: Vec<u64> = archive
            .variants("r")
            .unwrap()
            .iter()
            .filter(|v| v.meta.status == Some(VariantStatus::Validated))
            .map(|v| v.meta.id)
            .collect();
        let parent = *rng.choose(&parents).unwrap();
        let n = count as u64 + 1000 * rng.below(1000) as u64;
        if rng.below(2) == 0 {
            let meta = if rng.below(4) == 0 {
                rejected("build_failed")
            } else {
                validated(rng.unit())
            };
            archive
                .insert("r", new(Some(parent), lib_rs(n), meta))
                .expect("insert");
        } else {
            let batch = (0..1 + rng.below(40) as u64)
                .map(|i| new(Some(parent), lib_rs(n * 100 + i), validated(rng.unit())))
                .collect();
            archive.insert_batch("r", batch).expect("insert batch");
        }
    }
}

fn kill_9_at_random_moments_leaves_a_consistent_archive() {
    let repo = user_repo();
    {
        let mut archive = Archive::open_or_create(repo.path()).unwrap();
        start_run(
            &mut archive,
            "r",
            PopulationConfig {
                migration_interval: 7,
                ..PopulationConfig::default()
            },
        );
        archive
            .insert("r", new(None, lib_rs(0), validated(0.0)))
            .unwrap();
    }
    let mut rng = Rng::new(42);
    let mut previous = 1;
    for round in 0..ROUNDS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .arg("--child-writer")
            .arg(repo.path())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(30 + rng.below(300) as u64));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "round {round}: the child must have been killed, not have exited"
        );

        let archive = Archive::open_or_create(repo.path()).expect("reopen after kill");
        let variants = archive.variants("r").unwrap();
        let ids: Vec<u64> = variants.iter().map(|v| v.meta.id).collect();
        assert_eq!(
            ids,
            (0..ids.len() as u64).collect::<Vec<_>>(),
            "round {round}: ids have gaps"
        );
        assert!(ids.len() >= previous, "round {round}: variants were lost");
        previous = ids.len();
        let validated: BTreeSet<u64> = variants
            .iter()
            .filter(|v| v.meta.is_validated())
            .map(|v| v.meta.id)
            .collect();
        for v in &variants {
            assert_ne!(
                v.meta.reason.as_deref(),
                Some("metadata note missing"),
                "round {round}: {v:?}"
            );
            if let Some(parent) = v.meta.parent {
                assert!(
                    validated.contains(&parent),
                    "round {round}: parent of {} is not a validated variant",
                    v.meta.id
                );
            }
        }
        assert_eq!(archive.population("r").unwrap().len(), validated.len());
        drop(archive);
    }
    assert!(
        previous > 20,
        "the children made too little progress to test anything: {previous}"
    );
    let fsck = Command::new("git")
        .args(["fsck", "--no-progress", "--no-dangling"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert!(
        fsck.status.success(),
        "git fsck: {}",
        String::from_utf8_lossy(&fsck.stderr)
    );
    eprintln!("crash test: {previous} variants after {ROUNDS} SIGKILLs");
}
