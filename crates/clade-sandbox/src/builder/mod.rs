//! Building candidate crates to `wasm32-wasip1`.
//!
//! A build takes the candidate's `src/**/*.rs` (after [`checks`]), puts them
//! beside the host's manifest and lock file in a fresh directory, and runs
//! `cargo build --release --offline --locked` under [`isolation`] into one
//! target directory shared by all candidates, so dependencies compile once.
//!
//! Cargo decides freshness by mtimes, and two candidates with the same package
//! name share a fingerprint: a fast second build could be declared fresh and
//! return the first candidate's wasm. Here the package is named after the hash
//! of its sources (`candidate-<hash>`), so every distinct source gets its own
//! fingerprint and output file, and the finished wasm is stored under that hash.

mod checks;
mod isolation;
mod pids;
mod project;
mod template;
mod test_build;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::SandboxError;
pub use isolation::Isolation;
pub use project::{ProjectCrate, TestBinaries, Vendored, Workspace};
pub use test_build::TestBuild;

#[derive(Debug, Clone)]
pub struct BuilderConfig {
    /// Holds `target/` (shared), `src/` (build dirs), `wasm/` (outputs),
    /// `libs/` (the host libraries builds read).
    pub work_dir: PathBuf,
    pub isolation: Isolation,
    /// A build still running after this is killed with its process tree.
    pub timeout: Duration,
    /// Compiler diagnostics kept for feedback, in bytes.
    pub diagnostics_limit: usize,
    /// Resource bounds of the build's process tree.
    pub limits: BuildLimits,
}

impl Default for BuilderConfig {
    fn default() -> Self {
        BuilderConfig {
            work_dir: crate::default_home().join("build"),
            isolation: Isolation::Bubblewrap,
            timeout: Duration::from_secs(120),
            diagnostics_limit: 16 << 10,
            limits: BuildLimits::default(),
        }
    }
}

/// Bounds on a build's process tree, set as rlimits on the build process
/// and inherited by cargo, rustc and the linker: a candidate's code
/// (an exponential macro, a huge constant) cannot take the host's memory
/// or disk, whatever it asks the compiler to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildLimits {
    /// Virtual memory of each process (`RLIMIT_AS`).
    pub address_space_bytes: u64,
    /// The largest file a process may write (`RLIMIT_FSIZE`).
    pub file_bytes: u64,
    /// Processes and threads of the whole build together, through a `pids`
    /// cgroup where the machine lets Clade make one (rlimits cannot bound
    /// root's process count); unbounded elsewhere.
    pub processes: u64,
}

impl Default for BuildLimits {
    fn default() -> Self {
        BuildLimits {
            address_space_bytes: 8 << 30,
            file_bytes: 1 << 30,
            processes: 4096,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuildStatus {
    Ok,
    /// Refused before building (forbidden files, paths leaving the crate…).
    Rejected,
    /// cargo failed, timed out, or produced no module.
    BuildFailed,
}

impl BuildStatus {
    /// The name `--json` output uses.
    pub fn as_str(self) -> &'static str {
        match self {
            BuildStatus::Ok => "ok",
            BuildStatus::Rejected => "rejected",
            BuildStatus::BuildFailed => "build_failed",
        }
    }
}

/// The result of one build. Field names are part of the
/// `clade sandbox build --json` contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildOutcome {
    pub status: BuildStatus,
    pub wasm: Option<PathBuf>,
    pub reason: Option<String>,
    pub diagnostics: Option<String>,
    pub build_ms: f64,
    /// The hash the output is keyed by (sources plus host template).
    #[serde(default)]
    pub source_hash: Option<String>,
    /// Whether the wasm came from an earlier build of identical sources.
    #[serde(default)]
    pub cached: bool,
}

impl BuildOutcome {
    fn failed(
        status: BuildStatus,
        reason: String,
        diagnostics: Option<String>,
        started: Instant,
    ) -> Self {
        BuildOutcome {
            status,
            wasm: None,
            reason: Some(reason),
            diagnostics,
            build_ms: ms(started),
            source_hash: None,
            cached: false,
        }
    }
}

pub struct Builder {
    config: BuilderConfig,
    sysroot: PathBuf,
    bwrap: Option<PathBuf>,
}

impl Builder {
    /// Checks that the toolchain (and bubblewrap, when asked for) is usable.
    pub fn new(config: BuilderConfig) -> Result<Self, SandboxError> {
        let bwrap = isolation::find_bwrap();
        if config.isolation == Isolation::Bubblewrap && bwrap.is_none() {
            return Err(SandboxError::BubblewrapMissing);
        }
        let sysroot = find_sysroot()?;
        if !sysroot.join("lib/rustlib/wasm32-wasip1").is_dir() {
            return Err(SandboxError::Toolchain(format!(
                "the wasm32-wasip1 target is not installed in {}; run `rustup target add wasm32-wasip1`",
                sysroot.display()
            )));
        }
        for dir in ["target", "src", "wasm", "libs"] {
            let path = config.work_dir.join(dir);
            std::fs::create_dir_all(&path).map_err(SandboxError::io("create", &path))?;
        }
        Ok(Builder {
            config,
            sysroot,
            bwrap,
        })
    }

    pub fn config(&self) -> &BuilderConfig {
        &self.config
    }

    /// Builds the candidate crate at `crate_dir`. A candidate that is refused
    /// or fails to compile is an `Ok` outcome; `Err` means the host failed.
    pub fn build(&self, crate_dir: &Path) -> Result<BuildOutcome, SandboxError> {
        self.build_with(template::Template::Candidate, crate_dir)
    }

    /// Builds the agent crate at `agent_dir` (its `src/main.rs` and the
    /// rest of `src/**/*.rs`) with the host-owned agent template, whose
    /// dependencies are the guest SDK and `clade-agent`. Everything else in
    /// the folder (its prompts) is not part of the build.
    pub fn build_agent(&self, agent_dir: &Path) -> Result<BuildOutcome, SandboxError> {
        self.build_with(template::Template::Agent, agent_dir)
    }

    fn build_with(
        &self,
        template: template::Template,
        crate_dir: &Path,
    ) -> Result<BuildOutcome, SandboxError> {
        let started = Instant::now();
        if !crate_dir.is_dir() {
            return Err(SandboxError::NotACrate(crate_dir.to_path_buf()));
        }
        let sources = match checks::collect(crate_dir, checks::CrateRoot::Main) {
            Ok(sources) => sources,
            Err(reason) => {
                return Ok(BuildOutcome::failed(
                    BuildStatus::Rejected,
                    reason,
                    None,
                    started,
                ));
            }
        };
        let hash = source_hash(template, &sources);
        self.cached_or_built(hash, started, |wasm_out| {
            let hash = hash_of(wasm_out);
            let package = format!("candidate-{}", &hash[..16]);
            let libs = template::materialize(&self.config.work_dir.join("libs"))?;
            let (manifest, lock) = template::manifest_and_lock(template, &package, &libs);
            let job = CompileJob {
                files: vec![
                    ("Cargo.toml".into(), manifest.into_bytes()),
                    ("Cargo.lock".into(), lock.into_bytes()),
                ],
                member: String::new(),
                output: package.clone(),
                package,
                read_only: vec![libs.root.clone()],
                args: isolation::BUILD_ARGS
                    .iter()
                    .map(|a| a.to_string())
                    .collect(),
            };
            self.compile(job, &sources, &hash, wasm_out, started)
        })
    }

    /// The module stored under `hash`, or the outcome of `compile` (which
    /// stores it there); timed from `started` and keyed by `hash` either way.
    fn cached_or_built(
        &self,
        hash: String,
        started: Instant,
        compile: impl FnOnce(&Path) -> Result<BuildOutcome, SandboxError>,
    ) -> Result<BuildOutcome, SandboxError> {
        let wasm_out = self
            .config
            .work_dir
            .join("wasm")
            .join(format!("{hash}.wasm"));
        let mut outcome = if wasm_out.is_file() {
            BuildOutcome {
                status: BuildStatus::Ok,
                wasm: Some(wasm_out),
                reason: None,
                diagnostics: None,
                build_ms: 0.0,
                source_hash: None,
                cached: true,
            }
        } else {
            compile(&wasm_out)?
        };
        outcome.build_ms = ms(started);
        outcome.source_hash = Some(hash);
        Ok(outcome)
    }

    /// Builds `job` (release) and keeps the module of its binary `output`.
    fn compile(
        &self,
        job: CompileJob,
        sources: &checks::Sources,
        hash: &str,
        wasm_out: &Path,
        started: Instant,
    ) -> Result<BuildOutcome, SandboxError> {
        let ran = self.run_cargo(&job, sources, hash)?;
        let limit = self.config.diagnostics_limit;
        // stdout then stderr, cut to the limit.
        let mut output = ran.stdout.clone();
        output.extend_from_slice(ran.diagnostics.as_bytes());
        let truncated = ran.truncated || output.len() > limit;
        output.truncate(limit);
        let mut diagnostics = ran.scrub(&String::from_utf8_lossy(&output));
        if truncated {
            diagnostics.push_str("\n[diagnostics truncated]");
        }
        let built = ran
            .target_dir
            .join("wasm32-wasip1/release")
            .join(format!("{}.wasm", job.output));
        let outcome = match ran.status {
            None => BuildOutcome::failed(
                BuildStatus::BuildFailed,
                format!(
                    "build timed out after {:.1} s and was killed",
                    self.config.timeout.as_secs_f64()
                ),
                Some(diagnostics),
                started,
            ),
            Some(status) if !status.success() => BuildOutcome::failed(
                BuildStatus::BuildFailed,
                format!("cargo build failed ({status})"),
                Some(diagnostics),
                started,
            ),
            Some(_) if !built.is_file() => BuildOutcome::failed(
                BuildStatus::BuildFailed,
                format!(
                    "cargo built no binary `{}` to run (a library needs a binary to score: name one with target.bin, e.g. `bench` for src/bin/bench.rs)",
                    job.output
                ),
                Some(diagnostics),
                started,
            ),
            Some(_) => keep_module(&built, wasm_out, diagnostics)?,
        };
        ran.clean("release");
        Ok(outcome)
    }

    /// Writes `job`'s crate (its manifest and lock, the candidate's
    /// sources) into a build folder of its own and runs cargo there under
    /// the build lock and the isolation.
    fn run_cargo(
        &self,
        job: &CompileJob,
        sources: &checks::Sources,
        hash: &str,
    ) -> Result<Ran, SandboxError> {
        let work = &self.config.work_dir;
        let build_dir = work.join("src").join(&hash[..16]);
        let target_dir = work.join("target");
        let lock_path = work.join("build.lock");

        // cargo serialises builds in one target dir anyway; this lock also
        // covers writing the build dir and collecting the output.
        let lock_file =
            std::fs::File::create(&lock_path).map_err(SandboxError::io("create", &lock_path))?;
        lock_file
            .lock()
            .map_err(SandboxError::io("lock", &lock_path))?;

        if build_dir.exists() {
            std::fs::remove_dir_all(&build_dir).map_err(SandboxError::io("remove", &build_dir))?;
        }
        for (rel, content) in &job.files {
            write_file(&build_dir.join(rel), content)?;
        }
        let sources_dir = build_dir.join(&job.member);
        for (rel, content) in &sources.files {
            write_file(&sources_dir.join(rel), content)?;
        }
        // A package that keeps its name (a workspace member) could match an
        // earlier candidate's fingerprint: its artifacts go first.
        if !job.package.starts_with("candidate-") {
            for profile in ["release", "debug"] {
                remove_artifacts(&target_dir, profile, &job.package);
            }
        }
        let paths = isolation::BuildPaths {
            sysroot: &self.sysroot,
            read_only: &job.read_only,
            build_dir: &build_dir,
            target_dir: &target_dir,
        };
        let args: Vec<&str> = job.args.iter().map(String::as_str).collect();
        let (command, _pids) = isolation::cargo_command(
            self.config.limits,
            self.config.isolation,
            self.bwrap.as_deref(),
            &paths,
            &args,
        );
        // cargo's JSON messages (a test build's) can be long; the human
        // diagnostics are cut to the limit by the caller.
        let finished = crate::process::run_with_deadline(
            command,
            &[],
            self.config.timeout,
            16 << 20,
            self.config.diagnostics_limit,
        )
        .map_err(SandboxError::io("run cargo in", &build_dir))?;
        let mut ran = Ran {
            status: finished.status,
            stdout: finished.stdout,
            diagnostics: String::new(),
            truncated: finished.stdout_truncated || finished.stderr_truncated,
            build_dir,
            target_dir,
            package: job.package.clone(),
            output: job.output.clone(),
            _lock: lock_file,
        };
        ran.diagnostics = ran.scrub(&String::from_utf8_lossy(&finished.stderr));
        Ok(ran)
    }
}

/// One crate's build: what cargo gets and which binary is the output.
pub(crate) struct CompileJob {
    /// Written into the build folder before the sources: manifests, the
    /// lock, a workspace's other members.
    pub files: Vec<(String, Vec<u8>)>,
    /// The folder the candidate's sources go into (`""`, or a workspace
    /// member's folder).
    pub member: String,
    /// The package name cargo sees (`candidate-<hash>`, or a workspace
    /// member's own name).
    pub package: String,
    /// The binary whose module is kept.
    pub output: String,
    /// Host folders (and files) mounted read-only at their own paths.
    pub read_only: Vec<PathBuf>,
    pub args: Vec<String>,
}

/// What one cargo run left.
pub(crate) struct Ran {
    pub status: Option<std::process::ExitStatus>,
    pub stdout: Vec<u8>,
    /// cargo's stderr, host paths scrubbed.
    pub diagnostics: String,
    pub truncated: bool,
    build_dir: PathBuf,
    target_dir: PathBuf,
    package: String,
    output: String,
    /// The build lock, held until the outputs are collected and cleaned:
    /// every candidate's binary lands at the same path in the target dir.
    _lock: std::fs::File,
}

impl Ran {
    /// Diagnostics without host paths, and with `candidate` for the
    /// package's name, which carries the source hash: prompts quoting them
    /// stay the same across versions.
    fn scrub(&self, text: &str) -> String {
        let text = text
            .replace(&format!("{}/", self.build_dir.display()), "")
            // cargo names the package folder too: no host path reaches a prompt.
            .replace(&self.build_dir.display().to_string(), ".");
        if !self.package.starts_with("candidate-") {
            return text;
        }
        text.replace(&self.package, "candidate")
            .replace(&self.package.replace('-', "_"), "candidate")
    }

    /// The folder the candidate's sources were written to.
    pub(crate) fn member_dir(&self, member: &str) -> PathBuf {
        self.build_dir.join(member)
    }

    /// The sources live on in the outputs' hash; the build folder and the
    /// package's own artifacts in the shared target dir are not needed again.
    fn clean(&self, profile: &str) {
        let _ = std::fs::remove_dir_all(&self.build_dir);
        remove_artifacts(&self.target_dir, profile, &self.package);
        if self.output != self.package {
            let dir = self.target_dir.join("wasm32-wasip1").join(profile);
            for name in [
                format!("{}.wasm", self.output),
                format!("{}.d", self.output),
            ] {
                let _ = std::fs::remove_file(dir.join(name));
            }
        }
    }
}

/// The hash a module file under `wasm/` is named by.
fn hash_of(wasm_out: &Path) -> String {
    wasm_out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Stores the module cargo built at `built` as `wasm_out` (atomically).
fn keep_module(
    built: &Path,
    wasm_out: &Path,
    diagnostics: String,
) -> Result<BuildOutcome, SandboxError> {
    let tmp = wasm_out.with_extension("wasm.tmp");
    std::fs::copy(built, &tmp).map_err(SandboxError::io("copy", built))?;
    std::fs::rename(&tmp, wasm_out).map_err(SandboxError::io("rename", wasm_out))?;
    Ok(BuildOutcome {
        status: BuildStatus::Ok,
        wasm: Some(wasm_out.to_path_buf()),
        reason: None,
        diagnostics: (!diagnostics.trim().is_empty()).then_some(diagnostics),
        build_ms: 0.0,
        source_hash: None,
        cached: false,
    })
}

fn source_hash(template: template::Template, sources: &checks::Sources) -> String {
    let fingerprint = template::fingerprint(template);
    let mut parts: Vec<&[u8]> = vec![fingerprint.as_bytes()];
    for (path, content) in &sources.files {
        parts.push(path.as_bytes());
        parts.push(content);
    }
    crate::sha256_hex(&parts)
}

/// Removes the one-off files of package `package` from the shared target dir,
/// so it grows with dependencies only.
fn remove_artifacts(target_dir: &Path, profile: &str, package: &str) {
    let release = target_dir.join("wasm32-wasip1").join(profile);
    let crate_name = package.replace('-', "_");
    for dir in [
        release.clone(),
        release.join("deps"),
        release.join(".fingerprint"),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(package) || name.starts_with(&crate_name) {
                let path = entry.path();
                let _ = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
            }
        }
    }
}

fn write_file(path: &Path, content: &[u8]) -> Result<(), SandboxError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(SandboxError::io("create", parent))?;
    }
    std::fs::write(path, content).map_err(SandboxError::io("write", path))
}

fn find_sysroot() -> Result<PathBuf, SandboxError> {
    let output = std::process::Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| SandboxError::Toolchain(format!("cannot run rustc: {e}")))?;
    if !output.status.success() {
        return Err(SandboxError::Toolchain(format!(
            "rustc --print sysroot failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if !sysroot.join("bin/cargo").is_file() {
        return Err(SandboxError::Toolchain(format!(
            "no cargo in {}",
            sysroot.join("bin").display()
        )));
    }
    Ok(sysroot)
}

fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1e3
}

/// The fingerprint of the candidate template (manifest, lock, guest SDK).
pub(crate) fn candidate_fingerprint() -> String {
    template::fingerprint(template::Template::Candidate)
}
