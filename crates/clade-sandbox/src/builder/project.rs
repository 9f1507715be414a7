//! Building a user's crate with its own manifest, lock and dependencies.
//!
//! The manifest and lock are the caller's trusted copies (the base commit's,
//! never the candidate's); the dependencies come from a folder `cargo
//! vendor` filled once, outside the sandbox and with the user's network and
//! registry settings ([`Builder::vendor`]), and mounted read-only into the
//! same bubblewrap sandbox, where every build stays `--offline --locked`.
//! Dependencies' build scripts and proc macros run there, contained like
//! the rest of the build. The candidate still contributes only sources
//! (`src/**/*.rs`, and `tests/**/*.rs` for its tests): a manifest that is
//! not the trusted one, a build script, `.cargo/` or a toolchain file
//! rejects it.
//!
//! The package is renamed after its sources' hash (see the module doc of
//! `builder`), with its library and binary keeping their names so the
//! crate's own code (`use mycrate::...` in tests) still builds; the lock's
//! entry for it is renamed and moved to where cargo sorts it, so
//! `--locked` holds.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::checks::{self, Sources};
use super::{BuildOutcome, BuildStatus, Builder, CompileJob};
use crate::SandboxError;

/// A crate built with its own manifest and lock.
#[derive(Debug, Clone)]
pub struct ProjectCrate {
    /// The trusted `Cargo.toml` and `Cargo.lock`.
    pub manifest: Vec<u8>,
    pub lock: Vec<u8>,
    pub vendor: Vendored,
    /// The binary whose module is the output; `None`: the package's main
    /// binary (`src/main.rs`, named after the package).
    pub bin: Option<String>,
    /// A workspace member's place in its workspace; `None` for a crate of
    /// its own.
    pub workspace: Option<Workspace>,
}

/// A workspace around the crate: the member's folder (relative to the
/// workspace root) and the workspace's trusted files — its root manifest
/// and the other members' manifests and sources, never the member's own.
/// The lock is [`ProjectCrate::lock`], at the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub member: String,
    pub files: Vec<(String, Vec<u8>)>,
}

/// Dependencies vendored for one lock: the folder and the cargo config
/// that points crates.io (and git sources) at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vendored {
    pub dir: PathBuf,
    pub config: PathBuf,
}

/// The test binaries of one candidate, built for wasm32-wasip1.
#[derive(Debug, Clone, PartialEq)]
pub struct TestBinaries {
    pub status: BuildStatus,
    /// (test target name, module), in cargo's order.
    pub binaries: Vec<(String, PathBuf)>,
    pub reason: Option<String>,
    pub diagnostics: Option<String>,
    pub build_ms: f64,
}

/// Marks a vendor folder as complete (a fetch cut short leaves none).
const COMPLETE: &str = ".clade-vendored";

impl Builder {
    /// Vendors the dependencies of the crate at `crate_dir` (its manifest
    /// and lock as given) once per lock, natively: this is the one step
    /// that uses the network and the user's cargo settings. Nothing of the
    /// crate is built or run.
    pub fn vendor(&self, crate_dir: &Path) -> Result<Vendored, SandboxError> {
        let lock_path = crate_dir.join("Cargo.lock");
        let lock = std::fs::read(&lock_path).map_err(|_| {
            SandboxError::Vendor(format!(
                "{} has no Cargo.lock: commit one (`cargo generate-lockfile`) so every candidate builds against the same dependencies",
                crate_dir.display()
            ))
        })?;
        let key = crate::sha256_hex(&[&lock]);
        let root = self.config.work_dir.join("vendor");
        let dir = root.join(&key[..16]);
        let config = root.join(format!("{}.toml", &key[..16]));
        let configured =
            std::fs::read_to_string(&config).is_ok_and(|text| text.contains("[source.crates-io]"));
        if dir.join(COMPLETE).is_file() && configured {
            return Ok(Vendored { dir, config });
        }
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(SandboxError::io("remove", &dir))?;
        }
        std::fs::create_dir_all(&root).map_err(SandboxError::io("create", &root))?;
        let mut cmd = std::process::Command::new(self.sysroot.join("bin/cargo"));
        cmd.args(["vendor", "--locked", "--versioned-dirs"])
            .arg(&dir)
            .current_dir(crate_dir);
        let finished = crate::process::run_with_deadline(
            cmd,
            &[],
            std::time::Duration::from_secs(900),
            1 << 20,
            64 << 10,
        )
        .map_err(|e| SandboxError::Vendor(format!("cannot run cargo vendor: {e}")))?;
        match finished.status {
            Some(status) if status.success() => {}
            Some(status) => {
                return Err(SandboxError::Vendor(format!(
                    "cargo vendor failed ({status}): {}",
                    String::from_utf8_lossy(&finished.stderr).trim()
                )));
            }
            None => return Err(SandboxError::Vendor("cargo vendor timed out".into())),
        }
        // cargo vendor prints the configuration that uses the folder (with
        // any git sources); crates.io's alone when it printed none.
        let mut text = String::from_utf8_lossy(&finished.stdout).into_owned();
        if !text.contains("[source.crates-io]") {
            text = format!(
                "[source.crates-io]\nreplace-with = \"vendored-sources\"\n\n[source.vendored-sources]\ndirectory = {:?}\n",
                dir.display().to_string()
            );
        }
        std::fs::write(&config, text).map_err(SandboxError::io("write", &config))?;
        // A crate without dependencies gets no folder from cargo vendor.
        std::fs::create_dir_all(&dir).map_err(SandboxError::io("create", &dir))?;
        std::fs::write(dir.join(COMPLETE), b"").map_err(SandboxError::io("write", &dir))?;
        Ok(Vendored { dir, config })
    }

    /// Builds the candidate crate at `crate_dir` with `project`'s manifest,
    /// lock and vendored dependencies. A refused or failing candidate is an
    /// `Ok` outcome; `Err` means the host failed.
    pub fn build_project(
        &self,
        crate_dir: &Path,
        project: &ProjectCrate,
    ) -> Result<BuildOutcome, SandboxError> {
        let started = Instant::now();
        let (sources, hash, job) = match self.prepared(crate_dir, project, false)? {
            Ok(prepared) => prepared,
            Err(reason) => {
                return Ok(BuildOutcome::failed(
                    BuildStatus::Rejected,
                    reason,
                    None,
                    started,
                ));
            }
        };
        self.cached_or_built(hash.clone(), started, |wasm_out| {
            self.compile(job, &sources, &hash, wasm_out, started)
        })
    }

    /// Builds the candidate's tests (`cargo test --no-run`) for
    /// wasm32-wasip1: every test binary of the crate, kept under the
    /// builder's `wasm/` folder.
    pub fn build_project_tests(
        &self,
        crate_dir: &Path,
        project: &ProjectCrate,
    ) -> Result<TestBinaries, SandboxError> {
        let started = Instant::now();
        let failed = |status, reason: String, diagnostics| TestBinaries {
            status,
            binaries: Vec::new(),
            reason: Some(reason),
            diagnostics,
            build_ms: super::ms(started),
        };
        let (sources, hash, job) = match self.prepared(crate_dir, project, true)? {
            Ok(prepared) => prepared,
            Err(reason) => return Ok(failed(BuildStatus::Rejected, reason, None)),
        };
        let ran = self.run_cargo(&job, &sources, &hash)?;
        let found = test_executables(&ran.stdout, &ran.member_dir(&job.member));
        let diagnostics = rendered(&ran.stdout, &ran.diagnostics);
        let outcome = match ran.status {
            None => failed(
                BuildStatus::BuildFailed,
                format!(
                    "the test build timed out after {:.1} s and was killed",
                    self.config.timeout.as_secs_f64()
                ),
                Some(diagnostics),
            ),
            Some(status) if !status.success() => failed(
                BuildStatus::BuildFailed,
                format!("cargo test --no-run failed ({status})"),
                Some(diagnostics),
            ),
            Some(_) => {
                let mut binaries = Vec::new();
                for (index, (name, built)) in found.into_iter().enumerate() {
                    let kept = self
                        .config
                        .work_dir
                        .join("wasm")
                        .join(format!("{hash}-test-{index}.wasm"));
                    std::fs::copy(&built, &kept).map_err(SandboxError::io("copy", &built))?;
                    binaries.push((name, kept));
                }
                TestBinaries {
                    status: BuildStatus::Ok,
                    binaries,
                    reason: None,
                    diagnostics: None,
                    build_ms: super::ms(started),
                }
            }
        };
        ran.clean("debug");
        Ok(outcome)
    }

    /// The candidate's checked sources, their hash and the build of them
    /// (of its tests when `tests`), or why the candidate is refused.
    #[allow(clippy::type_complexity)]
    fn prepared(
        &self,
        crate_dir: &Path,
        project: &ProjectCrate,
        tests: bool,
    ) -> Result<Result<(Sources, String, CompileJob), String>, SandboxError> {
        let sources = match self.project_sources(crate_dir, project)? {
            Ok(sources) => sources,
            Err(reason) => return Ok(Err(reason)),
        };
        let hash = project_hash(project, &sources);
        let args = cargo_args(&project.vendor.config, tests);
        Ok(project_job(project, &sources, &hash, args)?.map(|job| (sources, hash, job)))
    }

    /// The candidate's sources, or why it is refused: the checks every
    /// candidate passes, its manifest the trusted one.
    fn project_sources(
        &self,
        crate_dir: &Path,
        project: &ProjectCrate,
    ) -> Result<Result<Sources, String>, SandboxError> {
        if !crate_dir.is_dir() {
            return Err(SandboxError::NotACrate(crate_dir.to_path_buf()));
        }
        let manifest = std::fs::read(crate_dir.join("Cargo.toml")).unwrap_or_default();
        if manifest != project.manifest {
            return Ok(Err(
                "Cargo.toml: the manifest is the base commit's; a candidate may not change it (dependencies, build scripts, features)".into(),
            ));
        }
        Ok(checks::collect_project(crate_dir))
    }
}

fn project_hash(project: &ProjectCrate, sources: &Sources) -> String {
    let config = std::fs::read(&project.vendor.config).unwrap_or_default();
    // The output binary is part of what is built.
    let bin = project.bin.clone().unwrap_or_default();
    let mut parts: Vec<&[u8]> = vec![
        b"project-v1",
        &project.manifest,
        &project.lock,
        &config,
        bin.as_bytes(),
    ];
    if let Some(workspace) = &project.workspace {
        parts.push(workspace.member.as_bytes());
        for (path, content) in &workspace.files {
            parts.push(path.as_bytes());
            parts.push(content);
        }
    }
    for (path, content) in &sources.files {
        parts.push(path.as_bytes());
        parts.push(content);
    }
    crate::sha256_hex(&parts)
}

/// The build of `sources` as package `candidate-<hash>`, cargo given `args`.
fn project_job(
    project: &ProjectCrate,
    sources: &Sources,
    hash: &str,
    args: Vec<String>,
) -> Result<Result<CompileJob, String>, SandboxError> {
    if let Some(workspace) = &project.workspace {
        return Ok(member_job(project, workspace, args));
    }
    let package = format!("candidate-{}", &hash[..16]);
    let manifest = String::from_utf8_lossy(&project.manifest);
    let has = |path: &str| sources.files.iter().any(|(p, _)| p == path);
    let (manifest, original) =
        match renamed_manifest(&manifest, &package, has("src/lib.rs"), has("src/main.rs")) {
            Ok(renamed) => renamed,
            Err(reason) => return Ok(Err(reason)),
        };
    let lock = match renamed_lock(&String::from_utf8_lossy(&project.lock), &original, &package) {
        Ok(lock) => lock,
        Err(reason) => return Ok(Err(reason)),
    };
    Ok(Ok(CompileJob {
        files: vec![
            ("Cargo.toml".into(), manifest.into_bytes()),
            ("Cargo.lock".into(), lock.into_bytes()),
        ],
        member: String::new(),
        package,
        output: project.bin.clone().unwrap_or(original),
        read_only: vec![project.vendor.dir.clone(), project.vendor.config.clone()],
        args,
    }))
}

/// A workspace member's build: the workspace as committed, the member's
/// manifest the trusted one, `-p <member>`. The member keeps its name
/// (other members name it); the builder clears its artifacts instead.
fn member_job(
    project: &ProjectCrate,
    workspace: &Workspace,
    mut args: Vec<String>,
) -> Result<CompileJob, String> {
    let manifest: toml::Table = String::from_utf8_lossy(&project.manifest)
        .parse()
        .map_err(|e: toml::de::Error| format!("Cargo.toml: invalid TOML: {e}"))?;
    let package = manifest
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(toml::Value::as_str)
        .ok_or("Cargo.toml: package.name is missing")?
        .to_string();
    let mut files = workspace.files.clone();
    files.push((
        format!("{}/Cargo.toml", workspace.member),
        project.manifest.clone(),
    ));
    files.push(("Cargo.lock".into(), project.lock.clone()));
    args.extend(["-p".to_string(), package.clone()]);
    Ok(CompileJob {
        files,
        member: workspace.member.clone(),
        output: project.bin.clone().unwrap_or_else(|| package.clone()),
        package,
        read_only: vec![project.vendor.dir.clone(), project.vendor.config.clone()],
        args,
    })
}

/// cargo's arguments for a release build of the binaries, or (`tests`) a
/// build of the tests with their JSON messages; offline against `config`'s
/// vendored sources.
fn cargo_args(config: &Path, tests: bool) -> Vec<String> {
    let mut args = vec!["--config".to_string(), config.display().to_string()];
    if !tests {
        args.extend(super::isolation::BUILD_ARGS.iter().map(|a| a.to_string()));
        return args;
    }
    args.extend(
        [
            "test",
            "--no-run",
            "--offline",
            "--locked",
            "--target",
            "wasm32-wasip1",
            "--message-format",
            "json-render-diagnostics",
            "--color",
            "never",
        ]
        .map(String::from),
    );
    args
}

/// The manifest with the package renamed to `package`, its library and
/// main binary keeping their names, and a workspace of its own; with the
/// original package name.
pub(crate) fn renamed_manifest(
    manifest: &str,
    package: &str,
    has_lib: bool,
    has_main: bool,
) -> Result<(String, String), String> {
    let mut doc: toml::Table = manifest
        .parse()
        .map_err(|e: toml::de::Error| format!("Cargo.toml: invalid TOML: {e}"))?;
    let table = doc
        .get_mut("package")
        .and_then(toml::Value::as_table_mut)
        .ok_or("Cargo.toml: no [package] (a workspace root is not a crate)")?;
    let original = table
        .get("name")
        .and_then(toml::Value::as_str)
        .ok_or("Cargo.toml: package.name is missing")?
        .to_string();
    table.insert("name".into(), package.into());
    if has_lib || doc.contains_key("lib") {
        let lib = doc
            .entry("lib")
            .or_insert_with(|| toml::Table::new().into());
        if let Some(lib) = lib.as_table_mut() {
            lib.entry("name")
                .or_insert_with(|| original.replace('-', "_").into());
        }
    }
    if has_main && !doc.contains_key("bin") {
        let mut bin = toml::Table::new();
        bin.insert("name".into(), original.clone().into());
        bin.insert("path".into(), "src/main.rs".into());
        doc.insert("bin".into(), vec![toml::Value::from(bin)].into());
    }
    doc.entry("workspace")
        .or_insert_with(|| toml::Table::new().into());
    Ok((toml::to_string(&doc).map_err(|e| e.to_string())?, original))
}

/// The lock with the root package's entry (`name = original`, no source)
/// renamed and moved to where cargo sorts it.
pub(crate) fn renamed_lock(lock: &str, original: &str, package: &str) -> Result<String, String> {
    let mut blocks: Vec<String> = lock
        .trim_end_matches('\n')
        .split("\n\n")
        .map(str::to_string)
        .collect();
    let name_line = format!("name = \"{original}\"");
    let is_root = |block: &str| {
        block.starts_with("[[package]]")
            && block.lines().any(|l| l == name_line)
            && !block.lines().any(|l| l.starts_with("source = "))
    };
    let at = blocks.iter().position(|b| is_root(b)).ok_or_else(|| {
        format!(
            "Cargo.lock has no entry for the crate {original:?}: regenerate it with `cargo generate-lockfile`"
        )
    })?;
    let block = blocks
        .remove(at)
        .replace(&name_line, &format!("name = \"{package}\""));
    let name_of = |block: &str| {
        block
            .lines()
            .find_map(|l| l.strip_prefix("name = \""))
            .map(|n| n.trim_end_matches('"').to_string())
    };
    let insert_at = blocks
        .iter()
        .position(|b| {
            b.starts_with("[[package]]") && name_of(b).is_some_and(|n| n.as_str() > package)
        })
        .unwrap_or(blocks.len());
    blocks.insert(insert_at, block);
    Ok(format!("{}\n", blocks.join("\n\n")))
}

/// Test executables of the package whose sources lie in `member_dir`, in
/// cargo's JSON messages (a workspace's other members and the dependencies
/// are not tested).
fn test_executables(stdout: &[u8], member_dir: &Path) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    for line in String::from_utf8_lossy(stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let ours = message["target"]["src_path"]
            .as_str()
            .is_some_and(|src| Path::new(src).starts_with(member_dir));
        let is_test =
            message["reason"] == "compiler-artifact" && message["profile"]["test"] == true;
        if let (true, true, Some(exe), Some(name)) = (
            ours,
            is_test,
            message["executable"].as_str(),
            message["target"]["name"].as_str(),
        ) {
            // A library's and a binary's unit tests share the crate's name.
            let name = match message["target"]["kind"][0].as_str() {
                Some("test") | None => name.to_string(),
                Some(kind) => format!("{name} ({kind})"),
            };
            found.push((name, PathBuf::from(exe)));
        }
    }
    found
}

/// The compiler's rendered messages from cargo's JSON, then cargo's own
/// stderr.
fn rendered(stdout: &[u8], stderr: &str) -> String {
    let mut text = String::new();
    for line in String::from_utf8_lossy(stdout).lines() {
        if let Ok(message) = serde_json::from_str::<serde_json::Value>(line)
            && message["reason"] == "compiler-message"
            && let Some(r) = message["message"]["rendered"].as_str()
        {
            text.push_str(r);
        }
    }
    text.push_str(stderr);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 4\n\n[[package]]\nname = \"itoa\"\nversion = \"1.0.15\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"abc\"\n\n[[package]]\nname = \"zeta\"\nversion = \"0.1.0\"\ndependencies = [\n \"itoa\",\n]\n";

    #[test]
    fn the_root_entry_is_renamed_and_sorted() {
        let lock = renamed_lock(LOCK, "zeta", "candidate-0123").unwrap();
        let candidate = lock.find("name = \"candidate-0123\"").unwrap();
        let itoa = lock.find("name = \"itoa\"").unwrap();
        assert!(candidate < itoa, "{lock}");
        assert!(!lock.contains("\"zeta\""), "{lock}");
        assert!(lock.ends_with("checksum = \"abc\"\n"), "{lock:?}");
        assert_eq!(lock.matches("[[package]]").count(), 2);
        let err = renamed_lock(LOCK, "other", "candidate-0123").unwrap_err();
        assert!(err.contains("no entry for the crate"), "{err}");
    }

    #[test]
    fn the_manifest_keeps_the_crate_names() {
        let (text, original) = renamed_manifest(
            "[package]\nname = \"my-crate\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nitoa = \"1\"\n",
            "candidate-0123",
            true,
            true,
        )
        .unwrap();
        assert_eq!(original, "my-crate");
        let doc: toml::Table = text.parse().unwrap();
        assert_eq!(doc["package"]["name"].as_str(), Some("candidate-0123"));
        assert_eq!(doc["lib"]["name"].as_str(), Some("my_crate"));
        assert_eq!(doc["bin"][0]["name"].as_str(), Some("my-crate"));
        assert!(doc["workspace"].is_table());
        assert_eq!(doc["dependencies"]["itoa"].as_str(), Some("1"));
    }
}
