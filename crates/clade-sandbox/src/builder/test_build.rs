//! Building a library candidate together with a host-owned test harness:
//! `cargo test --no-run` for `wasm32-wasip1` in the same OS sandbox as
//! candidate builds.
//!
//! The candidate contributes `src/**/*.rs` (checked as any candidate's); the
//! host contributes the harness, a test target with `harness = false` that
//! may call the `clade` imports through the guest SDK. The manifest is the
//! host's: the library forbids `unsafe_code` (so candidate code cannot declare
//! or call an import and forge what the harness reports), the SDK is a
//! dev-dependency (visible to the harness, not to the library), and
//! `autotests = false` (tests a candidate brings are never built).
//!
//! The library is built first, before the harness exists on disk, so no
//! macro in the candidate (`include_str!` with a path the textual checks
//! cannot see) can read the hidden tests; the second step builds only the
//! harness, reusing the library cargo just built.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{BuildOutcome, BuildStatus, Builder, checks, isolation, write_file};
use crate::SandboxError;

/// One test build.
#[derive(Debug, Clone, Copy)]
pub struct TestBuild<'a> {
    /// The candidate crate; only its `src/**/*.rs` is read (`src/lib.rs` required).
    pub candidate: &'a Path,
    /// The library's crate name, as the harness `use`s it.
    pub lib_name: &'a str,
    /// The source of the harness (`fn main`, no libtest).
    pub harness: &'a str,
    /// The build is killed at this instant if it comes before the builder's
    /// own timeout (a caller's deadline: an agent's wall budget).
    pub deadline: Option<Instant>,
}

const TARGET: &str = "clade_harness";

const LIB_ARGS: &[&str] = &[
    "build",
    "--lib",
    "--offline",
    "--target",
    "wasm32-wasip1",
    "--message-format",
    "json-render-diagnostics",
    "--color",
    "never",
];

const ARGS: &[&str] = &[
    "test",
    "--no-run",
    "--offline",
    "--target",
    "wasm32-wasip1",
    "--test",
    TARGET,
    "--message-format",
    "json-render-diagnostics",
    "--color",
    "never",
];

impl Builder {
    /// Builds `job`'s harness against its candidate library. Like
    /// [`Builder::build`], a refused or failing candidate is an `Ok` outcome,
    /// and identical inputs come from the cache.
    pub fn build_tests(&self, job: &TestBuild) -> Result<BuildOutcome, SandboxError> {
        let started = Instant::now();
        if !job.candidate.is_dir() {
            return Err(SandboxError::NotACrate(job.candidate.to_path_buf()));
        }
        if !is_identifier(job.lib_name) {
            return Err(SandboxError::Toolchain(format!(
                "test build: {:?} is not a crate name",
                job.lib_name
            )));
        }
        let sources = match checks::collect(job.candidate, checks::CrateRoot::Lib) {
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
        let hash = test_hash(&sources, job);
        self.cached_or_built(hash, started, |wasm_out| {
            self.compile_tests(&sources, job, &super::hash_of(wasm_out), wasm_out, started)
        })
    }

    fn compile_tests(
        &self,
        sources: &checks::Sources,
        job: &TestBuild,
        hash: &str,
        wasm_out: &Path,
        started: Instant,
    ) -> Result<BuildOutcome, SandboxError> {
        let work = &self.config.work_dir;
        let libs = super::template::materialize(&work.join("libs"))?;
        let sdk = libs.sdk();
        let package = format!("tests-{}", &hash[..16]);
        let build_dir = work.join("src").join(&package);
        let target_dir = work.join("target");
        let lock_path = work.join("build.lock");
        let lock_file =
            std::fs::File::create(&lock_path).map_err(SandboxError::io("create", &lock_path))?;
        lock_file
            .lock()
            .map_err(SandboxError::io("lock", &lock_path))?;
        if build_dir.exists() {
            std::fs::remove_dir_all(&build_dir).map_err(SandboxError::io("remove", &build_dir))?;
        }
        write_file(
            &build_dir.join("Cargo.toml"),
            manifest(&package, job.lib_name, &sdk).as_bytes(),
        )?;
        for (rel, content) in &sources.files {
            write_file(&build_dir.join(rel), content)?;
        }
        let read_only = [libs.root.clone()];
        let paths = isolation::BuildPaths {
            sysroot: &self.sysroot,
            read_only: &read_only,
            build_dir: &build_dir,
            target_dir: &target_dir,
        };
        // The manifest names the harness; until the library is built it is
        // an empty program.
        let harness_path = build_dir.join(format!("harness/{TARGET}.rs"));
        write_file(&harness_path, b"fn main() {}\n")?;
        let timeout = self.timeout_for(job.deadline, started);
        let mut finished = self.cargo(&paths, LIB_ARGS, started + timeout)?;
        if finished.status.is_some_and(|s| s.success()) {
            write_file(&harness_path, job.harness.as_bytes())?;
            let lib_stdout = std::mem::take(&mut finished.stdout);
            finished = self.cargo(&paths, ARGS, started + timeout)?;
            // A library rebuilt for the harness depends on a file that
            // changed in between: the harness, read by a macro.
            if Artifacts::parse(&finished.stdout, &package).lib_rebuilt {
                let _ = std::fs::remove_dir_all(&build_dir);
                return Ok(BuildOutcome::failed(
                    BuildStatus::Rejected,
                    "the library reads the test harness (it was rebuilt when the harness was written)".into(),
                    None,
                    started,
                ));
            }
            finished.stdout.splice(0..0, lib_stdout);
        }
        let mut diagnostics = String::from_utf8_lossy(&finished.stderr)
            .replace(&format!("{}/", build_dir.display()), "")
            // cargo names the package folder too: no host path reaches a prompt.
            .replace(&build_dir.display().to_string(), ".");
        if finished.stderr_truncated {
            diagnostics.push_str("\n[diagnostics truncated]");
        }
        let artifacts = Artifacts::parse(&finished.stdout, &package);
        let outcome = match (finished.status, &artifacts.harness) {
            (None, _) => BuildOutcome::failed(
                BuildStatus::BuildFailed,
                format!(
                    "build timed out after {:.1} s and was killed",
                    timeout.as_secs_f64()
                ),
                Some(diagnostics),
                started,
            ),
            (Some(status), _) if !status.success() => BuildOutcome::failed(
                BuildStatus::BuildFailed,
                format!("cargo test --no-run failed ({status})"),
                Some(diagnostics),
                started,
            ),
            (Some(_), None) => BuildOutcome::failed(
                BuildStatus::BuildFailed,
                "cargo reported success but produced no test module".into(),
                Some(diagnostics),
                started,
            ),
            (Some(_), Some(built)) => super::keep_module(built, wasm_out, diagnostics)?,
        };
        let _ = std::fs::remove_dir_all(&build_dir);
        for file in artifacts.files {
            let _ = std::fs::remove_file(file);
        }
        super::remove_artifacts(&target_dir, "debug", &package);
        Ok(outcome)
    }

    /// The builder's timeout, or less when `deadline` comes sooner.
    fn timeout_for(&self, deadline: Option<Instant>, started: Instant) -> Duration {
        match deadline {
            Some(deadline) => deadline
                .saturating_duration_since(started)
                .min(self.config.timeout),
            None => self.config.timeout,
        }
    }

    /// Runs cargo, killed with its process tree at `until`.
    fn cargo(
        &self,
        paths: &isolation::BuildPaths,
        args: &[&str],
        until: Instant,
    ) -> Result<crate::process::Finished, SandboxError> {
        let (command, _pids) = isolation::cargo_command(
            self.config.limits,
            self.config.isolation,
            self.bwrap.as_deref(),
            paths,
            args,
        );
        let limit = self.config.diagnostics_limit;
        let left = until.saturating_duration_since(Instant::now());
        crate::process::run_with_deadline(command, &[], left, 4 << 20, limit)
            .map_err(SandboxError::io("run cargo in", paths.build_dir))
    }
}

/// What cargo's JSON messages say this package's build wrote.
#[derive(Debug, Default)]
struct Artifacts {
    harness: Option<PathBuf>,
    /// Every file of this package's units, removed once the module is kept.
    files: Vec<PathBuf>,
    /// The library was compiled, not reused.
    lib_rebuilt: bool,
}

impl Artifacts {
    fn parse(stdout: &[u8], package: &str) -> Artifacts {
        let mut found = Artifacts::default();
        for line in String::from_utf8_lossy(stdout).lines() {
            let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let ours = message["package_id"]
                .as_str()
                .is_some_and(|id| id.contains(package));
            if message["reason"] != "compiler-artifact" || !ours {
                continue;
            }
            if let Some(files) = message["filenames"].as_array() {
                found
                    .files
                    .extend(files.iter().filter_map(|f| f.as_str()).map(PathBuf::from));
            }
            let is_lib = message["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "lib"));
            if is_lib && message["fresh"] == false {
                found.lib_rebuilt = true;
            }
            if message["target"]["name"] == TARGET
                && let Some(exe) = message["executable"].as_str()
            {
                found.harness = Some(PathBuf::from(exe));
            }
        }
        found
    }
}

fn manifest(package: &str, lib_name: &str, sdk: &Path) -> String {
    format!(
        r#"[package]
name = "{package}"
version = "0.1.0"
edition = "2024"
publish = false
autotests = false
autobins = false
autoexamples = false
autobenches = false

[lib]
name = "{lib_name}"
path = "src/lib.rs"

[[test]]
name = "{TARGET}"
path = "harness/{TARGET}.rs"
harness = false

[dev-dependencies]
clade-guest = {{ path = {sdk:?} }}

[lints.rust]
unsafe_code = "forbid"

[profile.dev]
opt-level = 1
debug = false
incremental = false

[workspace]
"#,
        sdk = sdk.display().to_string()
    )
}

fn test_hash(sources: &checks::Sources, job: &TestBuild) -> String {
    let fingerprint = super::template::fingerprint(super::template::Template::Candidate);
    let mut parts: Vec<&[u8]> = vec![
        b"test-build-2",
        fingerprint.as_bytes(),
        job.lib_name.as_bytes(),
        job.harness.as_bytes(),
    ];
    for (path, content) in &sources.files {
        parts.push(path.as_bytes());
        parts.push(content);
    }
    crate::sha256_hex(&parts)
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_packages_harness_is_taken() {
        let stdout = concat!(
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/src/tests-ab#0.1.0","target":{"name":"x"},"filenames":["/t/libx.rlib"],"executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","package_id":"path+file:///w/src/tests-ab#0.1.0","target":{"name":"clade_harness"},"filenames":["/t/h.wasm"],"executable":"/t/h.wasm"}"#,
            "\n",
            r#"{"reason":"compiler-artifact","package_id":"path+file:///sdk#clade-guest@0.1.0","target":{"name":"clade_harness"},"filenames":["/t/g.rlib"],"executable":"/t/g.wasm"}"#,
            "\nnot json\n"
        );
        let found = Artifacts::parse(stdout.as_bytes(), "tests-ab");
        assert_eq!(found.harness, Some(PathBuf::from("/t/h.wasm")));
        assert_eq!(
            found.files,
            vec![PathBuf::from("/t/libx.rlib"), PathBuf::from("/t/h.wasm")]
        );
    }

    #[test]
    fn crate_names_are_identifiers() {
        assert!(is_identifier("balanced_brackets"));
        assert!(!is_identifier("balanced-brackets"));
        assert!(!is_identifier("1x"));
        assert!(!is_identifier(""));
    }

    #[test]
    fn the_library_forbids_unsafe_and_builds_no_tests_of_its_own() {
        let text = manifest("tests-ab", "demo", Path::new("/sdk"));
        let table: toml::Table = text.parse().unwrap();
        assert_eq!(
            table["lints"]["rust"]["unsafe_code"].as_str(),
            Some("forbid")
        );
        assert_eq!(table["package"]["autotests"].as_bool(), Some(false));
        assert!(
            table.get("dependencies").is_none(),
            "the library gets no dependency"
        );
        assert_eq!(
            table["dev-dependencies"]["clade-guest"]["path"].as_str(),
            Some("/sdk")
        );
    }
}
