//! `clade init`: a commented `clade.toml` for the crate in a folder. It finds
//! the cargo package, suggests evolvable files (those with EVOLVE-BLOCK
//! markers, else the binary's main file) and writes every section with its
//! defaults spelled out. It never overwrites an existing file unless asked.

use std::path::{Path, PathBuf};

use crate::error::EvolveError;

/// What `clade init` found and wrote.
#[derive(Debug, Clone)]
pub struct Scaffold {
    pub path: PathBuf,
    pub package: Option<String>,
    pub files: Vec<String>,
    pub text: String,
}

/// Writes `dir/clade.toml`; refuses to replace one unless `force`.
pub fn init(dir: &Path, force: bool) -> Result<Scaffold, EvolveError> {
    let path = dir.join("clade.toml");
    if path.exists() && !force {
        return Err(EvolveError::Setup(format!(
            "{} already exists; edit it, or pass --force to replace it",
            path.display()
        )));
    }
    let scaffold = scaffold(dir)?;
    std::fs::write(&path, &scaffold.text).map_err(EvolveError::io("write", &path))?;
    Ok(Scaffold { path, ..scaffold })
}

/// The config `init` would write for `dir`.
pub fn scaffold(dir: &Path) -> Result<Scaffold, EvolveError> {
    let (crate_dir, package) = match crate::project::find_crate(dir, None) {
        Ok(crate_dir) => (crate_dir.clone(), package_name(&dir.join(&crate_dir))),
        Err(_) => {
            // No package at the root: take the first one below, if any.
            let mut found = None;
            for entry in walk_manifests(dir) {
                if let Some(name) = package_name(&dir.join(&entry)) {
                    found = Some((entry, Some(name)));
                    break;
                }
            }
            found.ok_or_else(|| {
                EvolveError::Setup(format!(
                    "no cargo package in {}: Clade evolves a Rust crate (a binary that it builds to wasm32-wasip1); \
                     create one with `cargo new`",
                    dir.display()
                ))
            })?
        }
    };
    let prefix = if crate_dir.is_empty() {
        String::new()
    } else {
        format!("{crate_dir}/")
    };
    let src = dir.join(&prefix).join("src");
    let mut marked = Vec::new();
    collect_marked(&src, &format!("{prefix}src"), &mut marked);
    marked.sort();
    let own = OwnCrate::inspect(&dir.join(&prefix));
    let files = if !marked.is_empty() {
        marked
    } else if own.main || own.bins.is_empty() && !src.join("lib.rs").is_file() {
        vec![format!("{prefix}src/main.rs")]
    } else {
        vec![format!("{prefix}src/lib.rs")]
    };
    let files_toml = files
        .iter()
        .map(|f| format!("{f:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let package_line = match &package {
        Some(name) => format!("package = {name:?}"),
        None => "# package = \"<cargo package>\"".into(),
    };
    let text = TEMPLATE
        .replace("{{own_crate}}", &own.header())
        .replace("{{files}}", &files_toml)
        .replace("{{package}}", &package_line)
        .replace("{{bin}}", &own.bin_line())
        .replace("{{stage}}", own.stage());
    Ok(Scaffold {
        path: dir.join("clade.toml"),
        package,
        files,
        text,
    })
}

const TEMPLATE: &str = r#"# Clade run configuration. Every key is optional unless marked; the values
# shown commented out are the defaults. Reference: README, "clade.toml".
{{own_crate}}
[run]
# name = "run-<unix seconds>"     # the run's name in the archive (refs/clade/<name>/...)
# seed = 0                        # one seed drives every random choice
iterations = 50                   # candidates to propose (default 100)
# max_cost_usd = 1.0              # stop when the LLM cost reaches this
# max_tokens = 2000000            # stop when the tokens used reach this
# max_llm_calls = 200             # stop when this many LLM replies came back
# max_wall_minutes = 60           # stop after this much wall time
# target_score = 1.0              # stop when the best score reaches this
# parallel_proposals = 2          # LLM calls in flight
# parallel_evaluations = 1        # builds and runs in flight
# repairs = 0                     # failed candidates sent back with their error, per
                                  # iteration (default 1 with only local models, else 0)

[target]
# root = "."                      # the folder (inside a git repository) paths are relative to
files = [{{files}}]  # evolvable files (required); EVOLVE-BLOCK-START/END markers confine edits
# build = "cargo-wasm"            # or "wasm" with module = "<path to a prebuilt module>"
{{package}}
{{bin}}
# task = "What the program does and what to improve."

[evaluate]
# The program runs in the wasm sandbox (no network, no environment, no files
# but the read-only dirs below) and its output is scored on the host.
# How each candidate is scored. Required, and there is no default: choose one
# and uncomment it. `clade run` says so until you do.
# scorer = { command = ["python3", "score.py"] }
#                                 # yours, trusted: runs natively, outside the sandbox,
#                                 # gets the candidate's stdout on its stdin and prints a
#                                 # JSON object of metrics. The candidate prints a solution,
#                                 # your code scores it: nothing the candidate writes can
#                                 # forge the score. The safe choice.
# scorer = { builtin = "<name>" } # a scorer compiled into Clade (see `clade bench list`)
# scorer = "stdout-json"          # the program's last stdout line is a JSON object of
#                                 # its own metrics. It trusts the program's report: Clade
#                                 # refuses edits whose editable code adds printing,
#                                 # exiting, macros or unsafe code, but code that computes
#                                 # the metrics can still be changed to report what it likes.
# metric = "score"                # the primary metric
# direction = "maximize"          # or "minimize"
# args = []                       # program arguments
# stdin = "input.txt"             # a file fed to stdin
# dirs = ["data:/data"]           # HOST:GUEST folders mounted read-only
# fuel = 10000000000              # wasm instructions (roughly) per run
# memory_mb = 256
# timeout_ms = 10000

{{stage}}
[search]
# islands = 2
# selection = { strategy = "weighted" }   # uniform | best | power_law | weighted | beam
# operators = { diff = 0.6, rewrite = 0.3, crossover = 0.1, fix = 0.2 }
#                                 # (only local models: { rewrite = 1.0 })
# inspirations = 2

# [[llm.models]]                  # none: the built-in local model
# provider = "openai"             # "openai" (any compatible server), "anthropic" or "local"
# model = "gpt-4o-mini"
# api_key_env = "OPENAI_API_KEY"  # the key is read from this variable, never stored
# base_url = "https://api.openai.com/v1"
# price_in_per_mtok = 0.15
# price_out_per_mtok = 0.6
"#;

/// The cascade example, when the crate has no tests to gate on.
const CASCADE: &str = "# [[evaluate.stage]]              # optional cascade: a quick run first
# args = [\"--quick\"]
# threshold = 0.5                 # continue only when the primary metric reaches this
";

const TESTS_GATE: &str =
    "[[evaluate.stage]]                # the crate's own tests gate every candidate: each one
kind = \"cargo-test\"               # runs in the sandbox, any failure rejects the candidate
# [[evaluate.stage]]              # optional cascade: a quick run first
# args = [\"--quick\"]
# threshold = 0.5                 # continue only when the primary metric reaches this
";

/// What `init` sees of a crate built with its own manifest.
struct OwnCrate {
    dependencies: bool,
    lock: bool,
    tests: bool,
    main: bool,
    /// `src/bin/*.rs`, by name.
    bins: Vec<String>,
}

impl OwnCrate {
    fn inspect(crate_dir: &Path) -> Self {
        let manifest = std::fs::read(crate_dir.join("Cargo.toml")).unwrap_or_default();
        let mut bins: Vec<String> = std::fs::read_dir(crate_dir.join("src/bin"))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| {
                        e.file_name()
                            .to_str()?
                            .strip_suffix(".rs")
                            .map(str::to_string)
                    })
                    .collect()
            })
            .unwrap_or_default();
        bins.sort();
        OwnCrate {
            dependencies: crate::own_crate::has_own_dependencies(&manifest),
            lock: crate_dir.join("Cargo.lock").is_file(),
            tests: has_tests(&crate_dir.join("tests")) || has_tests(&crate_dir.join("src")),
            main: crate_dir.join("src/main.rs").is_file(),
            bins,
        }
    }

    fn header(&self) -> String {
        if !self.dependencies {
            return String::new();
        }
        let lock = if self.lock {
            "its committed Cargo.lock"
        } else {
            "its Cargo.lock — none yet: run `cargo generate-lockfile` and commit it"
        };
        format!(
            "#\n# This crate has dependencies of its own: Clade builds it with its Cargo.toml and\n# {lock}, the dependencies vendored once and every build offline in the sandbox.\n"
        )
    }

    fn bin_line(&self) -> String {
        match (self.main, self.bins.first()) {
            (false, Some(bin)) => format!("bin = {bin:?}                     # the binary to run and score (src/bin/{bin}.rs)"),
            _ => "# bin = \"bench\"                 # with dependencies of its own: the binary to run (default: src/main.rs)".into(),
        }
    }

    fn stage(&self) -> &'static str {
        if self.tests { TESTS_GATE } else { CASCADE }
    }
}

/// Whether any `.rs` file under `dir` holds a test.
fn has_tests(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.filter_map(Result::ok).any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            return has_tests(&path);
        }
        path.extension().is_some_and(|e| e == "rs")
            && std::fs::read_to_string(&path).is_ok_and(|t| t.contains("#[test]"))
    })
}

fn package_name(crate_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(crate_dir.join("Cargo.toml")).ok()?;
    let table = text.parse::<toml::Table>().ok()?;
    table
        .get("package")?
        .get("name")?
        .as_str()
        .map(str::to_string)
}

fn walk_manifests(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| !n.starts_with('.') && n != "target")
        .collect();
    names.sort();
    for name in names {
        if dir.join(&name).join("Cargo.toml").is_file() {
            out.push(name.clone());
        }
        for sub in walk_manifests(&dir.join(&name)) {
            out.push(format!("{name}/{sub}"));
        }
    }
    out
}

fn collect_marked(dir: &Path, rel: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        let path = entry.path();
        let child = format!("{rel}/{name}");
        if path.is_dir() {
            collect_marked(&path, &child, out);
        } else if name.ends_with(".rs")
            && std::fs::read_to_string(&path).is_ok_and(|t| t.contains("EVOLVE-BLOCK-START"))
        {
            out.push(child);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crate_with_dependencies_and_tests_gets_the_tests_gate() {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in [
            (
                "Cargo.toml",
                "[package]\nname = \"lib-demo\"\nversion = \"0.1.0\"\n\n[dependencies]\nitoa = \"1\"\n",
            ),
            ("src/lib.rs", "pub fn f() -> u32 { 1 }\n"),
            ("src/bin/bench.rs", "fn main() {}\n"),
            ("tests/it.rs", "#[test]\nfn works() {}\n"),
        ] {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let made = init(dir.path(), false).unwrap();
        assert!(
            made.text
                .contains("none yet: run `cargo generate-lockfile`"),
            "{}",
            made.text
        );
        assert_eq!(made.files, vec!["src/lib.rs".to_string()]);
        let chosen = made.text.replace(
            "# scorer = { command = [\"python3\", \"score.py\"] }",
            "scorer = { command = [\"python3\", \"score.py\"] }",
        );
        std::fs::write(&made.path, chosen).unwrap();
        let config = crate::Config::load(&made.path).unwrap();
        assert_eq!(config.target.bin.as_deref(), Some("bench"));
        assert_eq!(config.evaluate.stage.len(), 1);
        assert_eq!(
            config.evaluate.stage[0].kind,
            crate::config::StageKind::CargoTest
        );
    }

    #[test]
    fn the_scaffold_finds_the_crate_and_marked_files_and_parses() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("src/main.rs"), "fn main() {}\n").unwrap();
        std::fs::write(
            dir.path().join("src/solver.rs"),
            "// EVOLVE-BLOCK-START\nfn f() {}\n// EVOLVE-BLOCK-END\n",
        )
        .unwrap();
        let made = init(dir.path(), false).unwrap();
        assert_eq!(made.package.as_deref(), Some("demo"));
        assert_eq!(made.files, vec!["src/solver.rs".to_string()]);
        // No scorer is chosen for the user: one that trusts the program's
        // own report must be picked on purpose.
        let unchosen = crate::Config::load(&made.path).unwrap_err().to_string();
        assert!(
            unchosen.contains("evaluate.scorer is not set") && unchosen.contains("command"),
            "{unchosen}"
        );
        let chosen = made.text.replace(
            "# scorer = { command = [\"python3\", \"score.py\"] }",
            "scorer = { command = [\"python3\", \"score.py\"] }",
        );
        std::fs::write(&made.path, chosen).unwrap();
        let config = crate::Config::load(&made.path).unwrap();
        assert!(matches!(
            config.evaluate.scorer,
            crate::ScorerConfig::Command { .. }
        ));
        assert_eq!(config.target.files, vec!["src/solver.rs".to_string()]);
        assert_eq!(config.target.package.as_deref(), Some("demo"));
        assert_eq!(config.run.iterations, 50);
        let again = init(dir.path(), false).unwrap_err().to_string();
        assert!(again.contains("already exists"), "{again}");
        assert!(init(dir.path(), true).is_ok());
    }
}
