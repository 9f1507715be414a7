//! The hermetic test environment every CLI test runs `clade` and `git` in:
//! a cleared environment holding only `PATH`, the Rust toolchain's homes
//! (the sandbox builder runs cargo), a `HOME` of the tests' own (no user
//! git config, no user caches), the tests' shared `CLADE_HOME` (guest builds
//! compile once), a fixed git identity and `NO_COLOR`. Nothing of the
//! caller's environment — API keys included — reaches the binary unless a
//! test adds it by name.
#![allow(dead_code)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// A child process (a server, a worker) killed when the test lets go of it.
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port of 127.0.0.1 free at the time of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// The Clade checkout.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `CLADE_HOME` for the tests: shared, so the guest SDK builds once.
pub fn test_home() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("clade-cli-home")
}

/// `HOME` for the tests: empty, created once per test process.
pub fn user_home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let home = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("clade-cli-user-home");
        std::fs::create_dir_all(&home).unwrap();
        home
    })
}

/// The caller's value of `name`, or `default` under the caller's HOME: the
/// toolchain must stay reachable when HOME changes.
fn toolchain_home(name: &str, default: &str) -> OsString {
    std::env::var_os(name).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
        PathBuf::from(home).join(default).into_os_string()
    })
}

/// Clears `cmd`'s environment down to the hermetic one.
pub fn hermetic(cmd: &mut Command) -> &mut Command {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUSTUP_HOME", toolchain_home("RUSTUP_HOME", ".rustup"))
        .env("CARGO_HOME", toolchain_home("CARGO_HOME", ".cargo"))
        .env("HOME", user_home())
        .env("CLADE_HOME", test_home())
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid");
    if let Some(toolchain) = std::env::var_os("RUSTUP_TOOLCHAIN") {
        cmd.env("RUSTUP_TOOLCHAIN", toolchain);
    }
    cmd
}

/// `clade <args>` in `dir`, hermetic; add variables with `.env()`.
#[must_use = "a command does nothing until it runs"]
pub fn clade_command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clade"));
    hermetic(&mut cmd).args(args).current_dir(dir);
    cmd
}

/// Appends `text` (TOML tables) to `dir/clade.toml`.
pub fn append_config(dir: &Path, text: &str) {
    let config = dir.join("clade.toml");
    let mut toml = std::fs::read_to_string(&config).unwrap();
    toml.push_str(text);
    std::fs::write(&config, toml).unwrap();
}

/// Writes an executable script at `path`.
pub fn write_executable(path: &Path, body: &str) {
    std::fs::write(path, body).unwrap();
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
}

/// Runs `clade <args>` in `dir` to the end.
#[must_use = "check the exit status and the output"]
pub fn clade(dir: &Path, args: &[&str]) -> Output {
    clade_command(dir, args).output().expect("run clade")
}

/// Panics with the command's stderr unless it exited successfully.
pub fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Makes `dir` a git repository whose one commit holds everything in it.
pub fn commit_all(dir: &Path, message: &str) {
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

/// Runs git in `dir`, hermetic; panics with its stderr on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new("git");
    let out = hermetic(&mut cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Copies the folder `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A committed git repository holding the crate `demo` with `main_rs` as
/// `src/main.rs` and `clade_toml` beside it.
pub fn demo_crate(main_rs: &str, clade_toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    )
    .unwrap();
    std::fs::write(root.join("src/main.rs"), main_rs).unwrap();
    std::fs::write(root.join("clade.toml"), clade_toml).unwrap();
    commit_all(root, "demo crate");
    dir
}

#[test]
fn the_binary_sees_none_of_the_callers_environment() {
    // A variable a test adds by name is the only one beyond the kit's.
    let mut probe = Command::new("sh");
    hermetic(&mut probe).args(["-c", "env"]);
    let out = probe.env("CLADE_PROBE_ONLY", "1").output().expect("run sh");
    let env = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = env
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .filter(|k| !["PWD", "SHLVL", "_", "OLDPWD"].contains(k))
        .collect();
    let mut expected = vec![
        "CARGO_HOME",
        "CLADE_HOME",
        "CLADE_PROBE_ONLY",
        "GIT_AUTHOR_EMAIL",
        "GIT_AUTHOR_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_CONFIG_NOSYSTEM",
        "HOME",
        "NO_COLOR",
        "PATH",
        "RUSTUP_HOME",
    ];
    if std::env::var_os("RUSTUP_TOOLCHAIN").is_some() {
        expected.push("RUSTUP_TOOLCHAIN");
    }
    let mut names = names;
    names.sort_unstable();
    expected.sort_unstable();
    assert_eq!(names, expected);
    assert!(env.contains(&format!("HOME={}\n", user_home().display())));
}
