//! The archive in real git repositories: layout, lineage, gc, duplicates,
//! review operations, and the user's working tree left alone.

mod common;

use clade_archive::{
    Archive, ArchiveError, Exchange, ExchangeKind, NewVariant, PopulationConfig, Role, Transcript,
    TranscriptMessage, TreeSource, VariantStatus,
};
use common::*;

#[test]
fn variants_are_commits_with_notes_and_lineage() {
    let repo = user_repo();
    let start = git(repo.path(), &["rev-parse", "HEAD"]).trim().to_string();
    let mut archive = Archive::open_or_create(repo.path()).unwrap();
    assert!(archive.has_working_tree());
    start_run(&mut archive, "r1", PopulationConfig::default());
    let seed = archive
        .insert("r1", new(None, lib_rs(1), validated(1.0)))
        .unwrap();
    let child = archive
        .insert("r1", new(Some(0), lib_rs(2), validated(2.0)))
        .unwrap();
    let bad = archive
        .insert(
            "r1",
            new(
                Some(1),
                lib_rs(99),
                rejected("build_failed: mismatched types"),
            ),
        )
        .unwrap();
    let grandchild = archive
        .insert("r1", new(Some(1), lib_rs(3), validated(3.0)))
        .unwrap();
    assert_eq!(
        (seed.meta.id, child.meta.id, bad.meta.id, grandchild.meta.id),
        (0, 1, 2, 3)
    );
    assert_eq!(grandchild.meta.generation, 2);

    // First parents follow the lineage down to the run's start commit.
    let parents = |commit: &str| {
        git(
            repo.path(),
            &["log", "--first-parent", "--format=%H", commit],
        )
    };
    let chain: Vec<String> = parents(&grandchild.commit)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(
        chain,
        [
            grandchild.commit.clone(),
            child.commit.clone(),
            seed.commit.clone(),
            start.clone()
        ]
    );

    // git diff <start> <variant> is the whole evolved change.
    let diff = git(repo.path(), &["diff", &start, &grandchild.commit]);
    assert!(diff.contains("-    1") && diff.contains("+    3"), "{diff}");
    assert!(!diff.contains("README"));

    // The note is the metadata, readable with plain git.
    let note = git(
        repo.path(),
        &["notes", "--ref=clade", "show", &grandchild.commit],
    );
    let meta: serde_json::Value = serde_json::from_str(&note).unwrap();
    assert_eq!(meta["run"], "r1");
    assert_eq!(meta["id"], 3);
    assert_eq!(meta["parent"], 1);
    assert_eq!(meta["status"], "validated");
    assert_eq!(meta["score"], 3.0);
    let note = git(repo.path(), &["notes", "--ref=clade", "show", &bad.commit]);
    assert!(note.contains("mismatched types"));

    // Refs keep everything reachable; rejected variants live apart.
    let refs = git(
        repo.path(),
        &["for-each-ref", "--format=%(refname)", "refs/clade/"],
    );
    for r in [
        "refs/clade/r1/run",
        "refs/clade/r1/v/0",
        "refs/clade/r1/v/1",
        "refs/clade/r1/r/2",
        "refs/clade/r1/v/3",
    ] {
        assert!(refs.lines().any(|l| l == r), "missing {r} in {refs}");
    }
    assert_eq!(archive.lineage("r1", 3).unwrap(), [3, 1, 0]);
    assert_eq!(archive.best("r1").unwrap(), Some(3));
    let log = git(
        repo.path(),
        &["log", "-1", "--format=%s", &grandchild.commit],
    );
    assert_eq!(log.trim(), "clade r1/3: score 3 [diff]");
}

#[test]
fn rejected_variants_are_recorded_but_never_selectable() {
    let repo = user_repo();
    let mut archive = Archive::open_or_create(repo.path()).unwrap();
    start_run(
        &mut archive,
        "r",
        PopulationConfig {
            islands: 1,
            ..PopulationConfig::default()
        },
    );
    archive
        .insert("r", new(None, lib_rs(1), validated(1.0)))
        .unwrap();
    for i in 0..5 {
        archive
            .insert(
                "r",
                new(Some(0), lib_rs(100 + i), rejected("trap: unreachable")),
            )
            .unwrap();
    }
    let err = archive
        .insert("r", new(Some(3), lib_rs(7), validated(5.0)))
        .unwrap_err();
    assert!(
        matches!(err, ArchiveError::NotSelectable { id: 3, .. }),
        "{err}"
    );
    let population = archive.population_mut("r").unwrap();
    assert_eq!(population.len(), 1);
    let mut rng = clade_archive::Rng::new(1);
    for _ in 0..100 {
        assert_eq!(population.select_parent(0, &mut rng), Some(0));
    }
    let statuses: Vec<_> = archive
        .variants("r")
        .unwrap()
        .iter()
        .map(|v| v.meta.status)
        .collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == Some(VariantStatus::Rejected))
            .count(),
        5
    );
}

#[test]
fn everything_survives_gc_and_reopening() {
    let repo = user_repo();
    let mut archive = Archive::open_or_create(repo.path()).unwrap();
    start_run(&mut archive, "r", PopulationConfig::default());
    archive
        .insert("r", new(None, lib_rs(1), validated(1.0)))
        .unwrap();
    let batch: Vec<_> = (0..50)
        .map(|i| new(Some(0), lib_rs(10 + i), validated(i as f64)))
        .collect();
    archive.insert_batch("r", batch).unwrap();
    archive
        .insert(
            "r",
            new(Some(0), lib_rs(999), rejected("parse: no SEARCH block")),
        )
        .unwrap();
    let before = archive.variants("r").unwrap();
    drop(archive);

    git(repo.path(), &["gc", "--prune=now", "--quiet"]);
    git(repo.path(), &["fsck", "--no-progress", "--strict"]);
    let reopened = Archive::open(repo.path()).unwrap();
    assert_eq!(reopened.variants("r").unwrap(), before);
    assert_eq!(reopened.best("r").unwrap(), Some(50));
    assert_eq!(
        reopened
            .read_file("r", Some(20), "src/lib.rs")
            .unwrap()
            .unwrap(),
        b"pub fn f() -> u32 {\n    29\n}\n"
    );
}

#[test]
fn duplicates_are_found_by_tree_before_evaluation() {
    let repo = user_repo();
    let mut archive = Archive::open_or_create(repo.path()).unwrap();
    start_run(&mut archive, "r", PopulationConfig::default());
    archive
        .insert("r", new(None, lib_rs(1), validated(1.0)))
        .unwrap();
    archive
        .insert("r", new(Some(0), lib_rs(2), validated(2.0)))
        .unwrap();
    let file = |n: u64| {
        vec![(
            "src/lib.rs".to_string(),
            Some(format!("pub fn f() -> u32 {{\n    {n}\n}}\n").into_bytes()),
        )]
    };
    // Same content reached from another parent is still a duplicate.
    let tree = archive.prepare_tree("r", Some(0), &file(2)).unwrap();
    assert_eq!(archive.find_duplicate("r", &tree).unwrap(), Some(1));
    let fresh = archive.prepare_tree("r", Some(1), &file(3)).unwrap();
    assert_eq!(archive.find_duplicate("r", &fresh).unwrap(), None);
    // The seed's own tree equals the base when nothing changed.
    let unchanged = archive.prepare_tree("r", Some(0), &[]).unwrap();
    assert_eq!(archive.find_duplicate("r", &unchanged).unwrap(), Some(0));
    let inserted = archive
        .insert(
            "r",
            new(Some(1), TreeSource::Prepared(fresh.clone()), validated(3.0)),
        )
        .unwrap();
    assert_eq!(inserted.tree, fresh);
}

#[test]
fn writing_leaves_the_users_tree_index_head_and_branches_alone() {
    let repo = user_repo();
    std::fs::write(
        repo.path().join("src/lib.rs"),
        "pub fn f() -> u32 { 42 } // uncommitted\n",
    )
    .unwrap();
    std::fs::write(repo.path().join("untracked.txt"), "mine").unwrap();
    git(repo.path(), &["add", "README.md"]);
    let state = |dir: &std::path::Path| {
        (
            git(dir, &["status", "--porcelain=v2", "--branch"]),
            git(dir, &["rev-parse", "HEAD"]),
            git(dir, &["branch", "--list"]),
            std::fs::read(dir.join(".git/index")).unwrap(),
            std::fs::read(dir.join("src/lib.rs")).unwrap(),
        )
    };
    let before = state(repo.path());
    let mut archive = Archive::open_or_create(repo.path()).unwrap();
    start_run(&mut archive, "r", PopulationConfig::default());
    archive
        .insert("r", new(None, lib_rs(5), validated(1.0)))
        .unwrap();
    archive
        .insert_batch(
            "r",
            (0..10)
                .map(|i| new(Some(0), lib_rs(i), validated(i as f64)))
                .collect(),
        )
        .unwrap();
    archive.pack_refs().unwrap();
    assert_eq!(state(repo.path()), before);
}

#[test]
fn a_bare_archive_is_made_when_the_target_is_not_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    assert!(Archive::open(dir.path()).is_err());
    let mut archive = Archive::open_or_create(dir.path()).unwrap();
    assert!(!archive.has_working_tree());
    assert!(dir.path().join(".clade/archive.git/HEAD").is_file());
    start_run(&mut archive, "r", PopulationConfig::default());
    archive
        .insert("r", new(None, lib_rs(1), validated(1.0)))
        .unwrap();
    let v = archive
        .insert("r", new(Some(0), lib_rs(2), validated(2.0)))
        .unwrap();
    drop(archive);
    let archive = Archive::open(dir.path()).unwrap();
    assert_eq!(archive.variant("r", 1).unwrap(), v);
    assert!(
        archive.promote("r", 1).is_err(),
        "a bare archive has no branch to promote onto"
    );
}

#[test]
fn runs_are_named_safely_and_once() {
    let repo = user_repo();
    let mut archive = Archive::open_or_create(repo.path()).unwrap();
    start_run(&mut archive, "ok-run_1.2", PopulationConfig::default());
    let record = |name: &str| clade_archive::RunRecord {
        name: name.into(),
        seed: 0,
        base_commit: None,
        direction: Default::default(),
        population: PopulationConfig::default(),
        created_ms: 0,
    };
    for bad in ["", "../x", "a/b", "-x", ".x", "a b", "x.lock", "a..b"] {
        assert!(
            matches!(
                archive.create_run(record(bad), "").unwrap_err(),
                ArchiveError::InvalidRunName(_)
            ),
            "{bad:?}"
        );
    }
    assert!(matches!(
        archive.create_run(record("ok-run_1.2"), "").unwrap_err(),
        ArchiveError::RunExists(_)
    ));
}

#[test]
fn variants_resolve_by_name_or_commit_prefix() {
    let repo = user_repo();
    let mut archive = Archive::open_or_create(repo.path()).unwrap();
    start_run(&mut archive, "r", PopulationConfig::default());
    let seed = archive
        .insert("r", new(None, lib_rs(1), validated(1.0)))
        .unwrap();
    assert_eq!(archive.resolve("r/0").unwrap(), ("r".to_string(), 0));
    assert_eq!(
        archive.resolve(&seed.commit[..10]).unwrap(),
        ("r".to_string(), 0)
    );
    assert!(matches!(
        archive.resolve("r/9"),
        Err(ArchiveError::UnknownVariant(_))
    ));
    assert!(matches!(
        archive.resolve("nope/0"),
        Err(ArchiveError::UnknownRun(_))
    ));
    assert!(matches!(
        archive.resolve("zz"),
        Err(ArchiveError::UnknownVariant(_))
    ));
}

#[test]
fn branch_and_promote_take_the_change_for_review() {
    let repo = user_repo();
    let mut archive = Archive::open_or_create(repo.path()).unwrap();
    start_run(&mut archive, "r", PopulationConfig::default());
    archive
        .insert("r", new(None, lib_rs(1), validated(1.0)))
        .unwrap();
    let best = archive
        .insert("r", new(Some(0), lib_rs(7), validated(7.0)))
        .unwrap();
    let name = archive.create_branch("r", 1, None).unwrap();
    assert_eq!(name, "clade/r/1");
    assert_eq!(
        git(repo.path(), &["rev-parse", "clade/r/1"]).trim(),
        best.commit
    );
    assert!(archive.create_branch("r", 1, None).is_err());

    // The user moved on meanwhile (another file): promotion merges.
    std::fs::write(repo.path().join("README.md"), "# changed since\n").unwrap();
    git(repo.path(), &["commit", "-qam", "docs"]);
    // Dirty tree: refused, nothing touched.
    std::fs::write(repo.path().join("README.md"), "# dirty\n").unwrap();
    assert!(matches!(
        archive.promote("r", 1),
        Err(ArchiveError::DirtyWorkingTree(_))
    ));
    git(repo.path(), &["checkout", "--", "README.md"]);

    let commit = archive.promote("r", 1).unwrap();
    assert_eq!(git(repo.path(), &["rev-parse", "HEAD"]).trim(), commit);
    assert_eq!(
        std::fs::read_to_string(repo.path().join("src/lib.rs")).unwrap(),
        "pub fn f() -> u32 {\n    7\n}\n"
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("README.md")).unwrap(),
        "# changed since\n"
    );
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), "");
    assert!(
        git(repo.path(), &["log", "-1", "--format=%s"]).starts_with("Promote clade variant r/1")
    );
    assert!(
        archive.promote("r", 1).is_err(),
        "promoting twice is refused"
    );
}

/// One malformed note, one malformed run record and one run record asking
/// for an absurd number of islands (before: `Archive::open` failed for
/// every command on the first two, and the third aborted at allocation).
/// Now each is skipped and reported by its commit; the rest reads as before.
#[test]
fn bad_records_are_skipped_and_reported_not_fatal() {
    let repo = user_repo();
    let mut archive = Archive::open_or_create(repo.path()).unwrap();
    start_run(&mut archive, "good", PopulationConfig::default());
    let seed = archive
        .insert("good", new(None, lib_rs(1), validated(1.0)))
        .unwrap();
    let child = archive
        .insert("good", new(Some(0), lib_rs(2), validated(2.0)))
        .unwrap();
    start_run(&mut archive, "broken", PopulationConfig::default());
    start_run(&mut archive, "huge", PopulationConfig::default());
    drop(archive);

    let path = repo.path();
    git(
        path,
        &[
            "notes",
            "--ref=clade",
            "add",
            "-f",
            "-m",
            "{not json",
            &child.commit,
        ],
    );
    let bad_run = |run: &str, json: &str| {
        let blob = git_stdin(path, &["hash-object", "-w", "--stdin"], json);
        let tree = git_stdin(
            path,
            &["mktree"],
            &format!("100644 blob {}\trun.json\n", blob.trim()),
        );
        let commit = git(path, &["commit-tree", tree.trim(), "-m", "bad run"]);
        git(
            path,
            &[
                "update-ref",
                &format!("refs/clade/{run}/run"),
                commit.trim(),
            ],
        );
        commit.trim().to_string()
    };
    let broken = bad_run("broken", "{\"name\": 3");
    let huge = bad_run(
        "huge",
        &format!(
            "{{\"name\":\"huge\",\"seed\":1,\"base_commit\":null,\"direction\":\"maximize\",\"population\":{},\"created_ms\":1}}",
            serde_json::to_string(&PopulationConfig {
                islands: usize::MAX / 2,
                ..PopulationConfig::default()
            })
            .unwrap()
        ),
    );

    let archive = Archive::open(path).unwrap();
    let names: Vec<&str> = archive.runs().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["good"]);
    let problems = archive.problems().join("\n");
    assert!(problems.contains(&broken), "{problems}");
    assert!(
        problems.contains(&huge) && problems.contains("islands"),
        "{problems}"
    );
    assert!(
        problems.contains(&format!("good/1 (commit {})", child.commit)),
        "{problems}"
    );
    let read = archive.variant("good", 1).unwrap();
    assert_eq!(read.meta.status, Some(VariantStatus::Rejected));
    assert!(
        read.meta
            .reason
            .unwrap()
            .starts_with("metadata note unreadable")
    );
    assert_eq!(archive.variant("good", 0).unwrap().commit, seed.commit);
    assert_eq!(archive.best("good").unwrap(), Some(0));
}

/// The version a reader polls moves with every recorded variant and with
/// nothing else.
#[test]
fn the_version_moves_with_each_recorded_variant() {
    let repo = user_repo();
    let mut archive = Archive::open_or_create(repo.path()).unwrap();
    start_run(&mut archive, "r", PopulationConfig::default());
    assert_eq!(Archive::version(repo.path()).unwrap(), None);
    archive
        .insert("r", new(None, lib_rs(1), validated(1.0)))
        .unwrap();
    let first = Archive::version(repo.path()).unwrap().unwrap();
    assert_eq!(
        Archive::version(repo.path()).unwrap().as_deref(),
        Some(first.as_str())
    );
    archive
        .insert("r", new(Some(0), lib_rs(2), validated(2.0)))
        .unwrap();
    let second = Archive::version(repo.path()).unwrap().unwrap();
    assert_ne!(first, second);
    let elsewhere = tempfile::tempdir().unwrap();
    assert!(Archive::version(elsewhere.path()).is_err());
}

fn transcript(reply: &str) -> Transcript {
    Transcript {
        exchanges: vec![Exchange {
            kind: ExchangeKind::Proposal,
            number: 0,
            model: "openai:m".into(),
            seed: Some(3),
            temperature: None,
            messages: vec![
                TranscriptMessage {
                    role: Role::System,
                    content: "You improve programs.".into(),
                },
                TranscriptMessage {
                    role: Role::User,
                    content: "Make f return more.".into(),
                },
            ],
            reply: reply.into(),
            cached: false,
            tokens_in: 12,
            tokens_out: 5,
        }],
    }
}

/// Transcripts are kept on their own notes ref, read back per variant,
/// through gc and a reopening, in batches too; a variant without one reads
/// as none.
#[test]
fn transcripts_are_notes_of_their_own_that_survive_gc() {
    let repo = user_repo();
    let mut archive = Archive::open_or_create(repo.path()).unwrap();
    start_run(&mut archive, "r", PopulationConfig::default());
    archive
        .insert("r", new(None, lib_rs(1), validated(1.0)))
        .unwrap();
    let with = NewVariant {
        transcript: Some(transcript("<<<<<<< SEARCH\n    1\n")),
        ..new(Some(0), lib_rs(2), validated(2.0))
    };
    let inserted = archive.insert("r", with).unwrap();
    let batch = (3..5)
        .map(|n| NewVariant {
            transcript: Some(transcript(&format!("reply {n}"))),
            ..new(Some(0), lib_rs(n), validated(n as f64))
        })
        .collect();
    archive.insert_batch("r", batch).unwrap();
    drop(archive);
    git(repo.path(), &["gc", "-q", "--prune=now"]);

    let archive = Archive::open(repo.path()).unwrap();
    assert_eq!(archive.transcript("r", 0).unwrap(), None);
    assert_eq!(
        archive.transcript("r", 1).unwrap(),
        Some(transcript("<<<<<<< SEARCH\n    1\n"))
    );
    assert_eq!(
        archive.transcript("r", 3).unwrap().unwrap().exchanges[0].reply,
        "reply 4"
    );
    let shown = git(
        repo.path(),
        &["notes", "--ref=clade-transcripts", "show", &inserted.commit],
    );
    assert!(shown.contains(r#"{"role":"system","content":"You improve programs."}"#));
    assert!(matches!(
        archive.transcript("r", 9),
        Err(ArchiveError::UnknownVariant(_))
    ));
}
