//! Test helpers: real git repositories made with the git CLI, and variants.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use clade_archive::{
    Archive, Direction, NewVariant, PopulationConfig, RunRecord, TreeSource, VariantMeta,
    VariantStatus,
};

pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A git repository with one commit holding `src/lib.rs` and a README.
pub fn user_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("src/lib.rs"),
        "pub fn f() -> u32 {\n    1\n}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("README.md"), "# user project\n").unwrap();
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "initial"]);
    dir
}

pub fn start_run(archive: &mut Archive, name: &str, population: PopulationConfig) {
    let base = archive.head_commit();
    archive
        .create_run(
            RunRecord {
                name: name.into(),
                seed: 7,
                base_commit: base,
                direction: Direction::Maximize,
                population,
                created_ms: 0,
            },
            "[run]\nname = \"test\"\n",
        )
        .unwrap();
}

pub fn validated(score: f64) -> VariantMeta {
    VariantMeta {
        status: Some(VariantStatus::Validated),
        score: Some(score),
        metrics: BTreeMap::from([("score".to_string(), score)]),
        operator: Some("diff".into()),
        ..VariantMeta::default()
    }
}

pub fn rejected(reason: &str) -> VariantMeta {
    VariantMeta {
        status: Some(VariantStatus::Rejected),
        reason: Some(reason.into()),
        ..VariantMeta::default()
    }
}

pub fn lib_rs(n: u64) -> TreeSource {
    TreeSource::Files(vec![(
        "src/lib.rs".into(),
        Some(format!("pub fn f() -> u32 {{\n    {n}\n}}\n").into_bytes()),
    )])
}

pub fn new(parent: Option<u64>, tree: TreeSource, meta: VariantMeta) -> NewVariant {
    NewVariant {
        parent,
        tree,
        meta,
        transcript: None,
    }
}

/// `git <args>` with `input` on its stdin.
pub fn git_stdin(dir: &Path, args: &[&str], input: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("git");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "git {args:?}");
    String::from_utf8(out.stdout).unwrap()
}
