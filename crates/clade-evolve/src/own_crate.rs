//! A user's crate with dependencies of its own, and its tests as a gate.
//!
//! A `cargo-wasm` target whose manifest names dependencies other than the
//! guest SDK (or that has a `cargo-test` stage) is built with its own
//! committed `Cargo.toml` and `Cargo.lock`: their dependencies are vendored
//! once per lock before the first build (with the network, outside the
//! sandbox) and every build is offline in the sandbox ([`ProjectCrate`]).
//! With `[[evaluate.stage]] kind = "cargo-test"`, every candidate's tests
//! are built for wasm32-wasip1 and each test runs alone in the sandbox
//! (under `panic = abort` a failing test ends its binary); a test passes
//! when its run exits 0 and libtest reports it passed. Any failure rejects
//! the candidate with the failing tests' names and output.

use std::collections::BTreeMap;
use std::path::Path;

use clade_archive::Archive;
use clade_sandbox::{Builder, ProjectCrate, RunLimits, RunOutcome, RunRequest, Runner, Workspace};

use crate::config::{BuildKind, Config, StageKind};
use crate::error::EvolveError;
use crate::project::Project;

/// Dependencies the template build provides (a crate naming only these
/// builds the usual way).
const TEMPLATE_DEPENDENCIES: &[&str] = &["clade-guest"];

/// The project build for `config`'s crate, vendoring its dependencies, or
/// `None` when the crate builds with the host's template.
pub(crate) fn resolve_project(
    config: &Config,
    builder: Option<&Builder>,
    crate_files: &BTreeMap<String, Vec<u8>>,
    workspace: Option<Workspace>,
    scratch: &Path,
) -> Result<Option<ProjectCrate>, EvolveError> {
    let (BuildKind::CargoWasm, Some(builder), Some(manifest)) =
        (config.target.build, builder, crate_files.get("Cargo.toml"))
    else {
        return Ok(None);
    };
    if let Some(workspace) = workspace {
        return member_project(config, builder, crate_files, workspace, scratch).map(Some);
    }
    let cargo_test = config
        .evaluate
        .stage
        .iter()
        .any(|s| s.kind == StageKind::CargoTest);
    if !cargo_test && config.target.bin.is_none() && !has_own_dependencies(manifest) {
        return Ok(None);
    }
    let Some(lock) = crate_files.get("Cargo.lock") else {
        return Err(EvolveError::Setup(
            "the crate has dependencies of its own (or a cargo-test stage) but no committed Cargo.lock: \
             run `cargo generate-lockfile` and commit it, so every candidate builds against the same versions \
             (a library's .gitignore often lists Cargo.lock: `git add -f Cargo.lock`)"
                .into(),
        ));
    };
    let dir = scratch.join("vendor-base");
    write_tree(
        &dir,
        crate_files
            .iter()
            .map(|(rel, bytes)| (rel.clone(), bytes.clone())),
    )?;
    let vendor = builder.vendor(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Some(ProjectCrate {
        manifest: manifest.clone(),
        lock: lock.clone(),
        vendor: vendor?,
        bin: config.target.bin.clone(),
        workspace: None,
    }))
}

/// The workspace `project`'s crate is a member of, from the base commit:
/// when the target root's manifest has a `[workspace]` and the crate lies
/// below it. Its files are the root manifest and lock and every other
/// member's manifest, build script, sources and tests.
pub(crate) fn workspace_of(
    config: &Config,
    project: &Project,
    archive: &Archive,
    base_commit: &str,
) -> Result<Option<Workspace>, EvolveError> {
    let (BuildKind::CargoWasm, Some(member)) = (config.target.build, project.crate_dir.as_deref())
    else {
        return Ok(None);
    };
    if member.is_empty() {
        return Ok(None);
    }
    let root = project.prefix.trim_end_matches('/');
    let files = archive.files_in_commit(base_commit, root)?;
    let relative = |path: &str| {
        if root.is_empty() {
            path.to_string()
        } else {
            path.strip_prefix(&format!("{root}/"))
                .unwrap_or(path)
                .to_string()
        }
    };
    let is_workspace = files.iter().any(|(path, bytes)| {
        relative(path) == "Cargo.toml"
            && String::from_utf8_lossy(bytes)
                .parse::<toml::Table>()
                .is_ok_and(|t| t.contains_key("workspace"))
    });
    if !is_workspace {
        return Ok(None);
    }
    let own = format!("{member}/");
    let kept = files
        .into_iter()
        .map(|(path, bytes)| (relative(&path), bytes))
        .filter(|(rel, _)| !rel.starts_with(&own) && is_workspace_file(rel))
        .collect();
    Ok(Some(Workspace {
        member: member.to_string(),
        files: kept,
    }))
}

/// A file a workspace build reads: manifests, the lock, build scripts,
/// sources and tests (not `target/`, nor anything under a hidden folder).
fn is_workspace_file(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    if parts.iter().any(|p| p.starts_with('.') || *p == "target") {
        return false;
    }
    let name = parts.last().copied().unwrap_or("");
    matches!(name, "Cargo.toml" | "Cargo.lock" | "build.rs")
        || (name.ends_with(".rs") && parts.iter().any(|p| matches!(*p, "src" | "tests")))
}

/// A workspace member's project build: the lock is the workspace's, and
/// the dependencies are vendored from the whole workspace.
fn member_project(
    config: &Config,
    builder: &Builder,
    crate_files: &BTreeMap<String, Vec<u8>>,
    workspace: Workspace,
    scratch: &Path,
) -> Result<ProjectCrate, EvolveError> {
    let manifest = crate_files.get("Cargo.toml").cloned().unwrap_or_default();
    let lock = workspace
        .files
        .iter()
        .find(|(rel, _)| rel == "Cargo.lock")
        .map(|(_, bytes)| bytes.clone())
        .ok_or_else(|| {
            EvolveError::Setup(
                "the workspace has no committed Cargo.lock at its root: run `cargo generate-lockfile` and commit it"
                    .into(),
            )
        })?;
    let dir = scratch.join("vendor-base");
    let member_dir = format!("{}/", workspace.member);
    let all = workspace.files.iter().cloned().chain(
        crate_files
            .iter()
            .map(|(rel, bytes)| (format!("{member_dir}{rel}"), bytes.clone())),
    );
    let vendor = write_tree(&dir, all).and_then(|()| Ok(builder.vendor(&dir)?));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(ProjectCrate {
        manifest,
        lock,
        vendor: vendor?,
        bin: config.target.bin.clone(),
        workspace: Some(workspace),
    })
}

fn write_tree(
    dir: &Path,
    files: impl Iterator<Item = (String, Vec<u8>)>,
) -> Result<(), EvolveError> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(EvolveError::io("remove", dir))?;
    }
    for (rel, bytes) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(EvolveError::io("create", parent))?;
        }
        std::fs::write(&path, bytes).map_err(EvolveError::io("write", &path))?;
    }
    Ok(())
}

/// Whether the manifest names a dependency the template does not provide.
pub(crate) fn has_own_dependencies(manifest: &[u8]) -> bool {
    let Ok(table) = String::from_utf8_lossy(manifest).parse::<toml::Table>() else {
        // The builder says what is wrong with it.
        return false;
    };
    ["dependencies", "dev-dependencies", "build-dependencies"]
        .iter()
        .filter_map(|key| table.get(*key).and_then(toml::Value::as_table))
        .flat_map(|deps| deps.keys())
        .any(|name| !TEMPLATE_DEPENDENCIES.contains(&name.as_str()))
}

/// Failed tests: a one-line summary naming them, and each one's output.
pub(crate) struct Failed {
    pub summary: String,
    pub feedback: String,
}

/// Runs every test of the test binaries alone (removing each module once
/// read); `None` when all passed.
pub(crate) fn run_tests(
    runner: &Runner,
    binaries: &[(String, std::path::PathBuf)],
    limits: &RunLimits,
) -> Result<Option<Failed>, EvolveError> {
    let mut failed = Vec::new();
    let mut total = 0;
    for (target, wasm) in binaries {
        let bytes = std::fs::read(wasm).map_err(EvolveError::io("read", wasm));
        let _ = std::fs::remove_file(wasm);
        let bytes = bytes?;
        let run = |args: &[&str]| -> Result<RunOutcome, EvolveError> {
            let request = RunRequest {
                args: args.iter().map(|a| a.to_string()).collect(),
                limits: limits.clone(),
                ..RunRequest::default()
            };
            Ok(runner.run(&bytes, &request)?)
        };
        let listed = run(&["--list", "--format", "terse"])?;
        if !listed.succeeded() {
            total += 1;
            failed.push((format!("{target} (listing its tests)"), report(&listed)));
            continue;
        }
        for name in test_names(&listed.stdout_text()) {
            total += 1;
            let out = run(&[name, "--exact", "--test-threads", "1"])?;
            let reported = out.stdout_text();
            let passed = out.succeeded()
                && reported.contains(&format!("test {name} ... ok"))
                && reported.contains("test result: ok. 1 passed");
            if !passed {
                failed.push((format!("{target}::{name}"), report(&out)));
            }
        }
    }
    if failed.is_empty() {
        return Ok(None);
    }
    let names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
    Ok(Some(Failed {
        summary: format!(
            "{} of {total} tests failed: {}",
            failed.len(),
            names.join(", ")
        ),
        feedback: failed
            .iter()
            .map(|(name, output)| format!("---- {name} ----\n{output}"))
            .collect::<Vec<_>>()
            .join("\n"),
    }))
}

/// For a build that failed in a dependency rather than the crate: which
/// one, with the first error (a crate needing C code, threads, networking
/// or another target fails this way at the seed).
pub(crate) fn dependency_failure(diagnostics: &str, first_error: &str) -> Option<String> {
    let dependency = diagnostics.lines().find_map(|line| {
        let rest = line.split("could not compile `").nth(1)?;
        let name = rest.split('`').next()?;
        (name != "candidate").then(|| name.to_string())
    })?;
    Some(format!(
        "the dependency `{dependency}` does not build for wasm32-wasip1: {first_error}"
    ))
}

/// The tests a libtest binary lists with `--list --format terse`.
fn test_names(listing: &str) -> Vec<&str> {
    listing
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .collect()
}

/// A failed test's status and output, cut for a prompt.
fn report(out: &RunOutcome) -> String {
    let text = format!(
        "status: {}{}\n{}{}",
        out.status,
        out.exit_code
            .map(|c| format!(" (exit {c})"))
            .unwrap_or_default(),
        out.stdout_text(),
        out.stderr_text()
    );
    let cut: String = text.chars().take(4000).collect();
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tests_are_listed_and_own_dependencies_are_seen() {
        assert_eq!(
            test_names("a::b: test\nbench_x: benchmark\nc: test\n"),
            ["a::b", "c"]
        );
        let template =
            b"[package]\nname = \"x\"\n[dependencies]\nclade-guest = { path = \"../sdk\" }\n";
        assert!(!has_own_dependencies(template));
        assert!(has_own_dependencies(b"[dependencies]\nserde = \"1\"\n"));
        assert!(has_own_dependencies(
            b"[dev-dependencies]\nproptest = \"1\"\n"
        ));
        assert!(!has_own_dependencies(b"not toml ["));
    }

    #[test]
    fn a_failing_dependency_is_named() {
        let diagnostics = "error[E0425]: cannot find function `socket` in module `sys`\n\
                           error: could not compile `netdep` (lib) due to 1 previous error\n";
        assert_eq!(
            dependency_failure(diagnostics, "first").as_deref(),
            Some("the dependency `netdep` does not build for wasm32-wasip1: first")
        );
        let ours = "error: could not compile `candidate` (bin \"x\") due to 1 previous error";
        assert_eq!(dependency_failure(ours, "first"), None);
    }
}
