//! The OS sandbox around `cargo build`: bubblewrap with every namespace
//! unshared (no network), the system and the toolchain read-only, a private
//! /tmp, and only the candidate's build directory and the shared target
//! directory writable. The environment is cleared and rebuilt from nothing,
//! so no API key reaches cargo, rustc or the candidate's code.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::BuildLimits;
use super::pids::PidsGroup;

/// How builds are isolated from the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Isolation {
    /// bubblewrap; building fails with a clear error when it is missing.
    #[default]
    Bubblewrap,
    /// No OS sandbox: only the cleared environment and the source checks.
    /// For machines without user namespaces; never the default.
    None,
}

/// Paths the build needs.
pub(crate) struct BuildPaths<'a> {
    pub sysroot: &'a Path,
    /// Host paths the build reads (the guest SDK and clade-agent, or a
    /// project's vendored dependencies), mounted read-only.
    pub read_only: &'a [PathBuf],
    pub build_dir: &'a Path,
    pub target_dir: &'a Path,
}

/// Inside the sandbox CARGO_HOME is an empty private directory, so the
/// user's cargo configuration and credentials are never read.
const SANDBOX_CARGO_HOME: &str = "/tmp/cargo-home";

pub(crate) fn find_bwrap() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/bin")])
        .map(|dir| dir.join("bwrap"))
        .find(|p| p.is_file())
}

/// The arguments of a candidate build.
pub(crate) const BUILD_ARGS: &[&str] = &[
    "build",
    "--quiet",
    "--release",
    "--offline",
    "--locked",
    "--target",
    "wasm32-wasip1",
    // rustc's full format: its `help:` lines (the import to add, the
    // `&mut` to write) are what lets a model repair a failed build.
    "--message-format",
    "human",
    "--color",
    "never",
];

/// The `cargo <cargo_args>` command for the crate in `paths.build_dir`,
/// its process tree bounded by `limits`, and the pids group that bounds its
/// process count (where the machine offers one): keep it until the command
/// has finished.
pub(crate) fn cargo_command(
    limits: BuildLimits,
    isolation: Isolation,
    bwrap: Option<&Path>,
    paths: &BuildPaths,
    cargo_args: &[&str],
) -> (Command, Option<PidsGroup>) {
    let mut cmd = unbounded_command(isolation, bwrap, paths, cargo_args);
    let group = PidsGroup::create(limits.processes);
    bound(&mut cmd, limits, group.as_ref().map(PidsGroup::procs));
    (cmd, group)
}

/// Sets `limits` in the child between fork and exec and moves it into its
/// pids group; children inherit both.
fn bound(cmd: &mut Command, limits: BuildLimits, pids_procs: Option<std::ffi::CString>) {
    use std::os::unix::process::CommandExt;
    let set = |resource, value: u64| {
        let limit = libc::rlimit {
            rlim_cur: value as libc::rlim_t,
            rlim_max: value as libc::rlim_t,
        };
        // SAFETY: setrlimit is async-signal-safe and reads only `limit`.
        if unsafe { libc::setrlimit(resource, &limit) } == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    };
    // SAFETY: the closure calls only setrlimit and `pids::enter` (getpid,
    // open, write, close), which are async-signal-safe, and allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if let Some(procs) = &pids_procs {
                // A group that cannot be entered (a container that lets
                // Clade make groups but not move processes) leaves the
                // count unbounded, as on machines without the controller,
                // rather than failing every build.
                let _ = super::pids::enter(procs);
            }
            set(libc::RLIMIT_AS, limits.address_space_bytes)?;
            set(libc::RLIMIT_FSIZE, limits.file_bytes)?;
            set(libc::RLIMIT_CORE, 0)
        });
    }
}

fn unbounded_command(
    isolation: Isolation,
    bwrap: Option<&Path>,
    paths: &BuildPaths,
    cargo_args: &[&str],
) -> Command {
    let cargo = paths.sysroot.join("bin").join("cargo");
    let env_path = format!("{}:/usr/bin:/bin", paths.sysroot.join("bin").display());
    let rustc = paths.sysroot.join("bin").join("rustc");

    match (isolation, bwrap) {
        (Isolation::Bubblewrap, Some(bwrap)) => {
            let mut cmd = Command::new(bwrap);
            cmd.env_clear();
            cmd.args(["--unshare-all", "--die-with-parent", "--new-session"]);
            cmd.args(["--ro-bind", "/usr", "/usr"]);
            for dir in ["/lib", "/lib64", "/bin", "/sbin"] {
                match std::fs::read_link(dir) {
                    Ok(target) => {
                        cmd.arg("--symlink").arg(target).arg(dir);
                    }
                    Err(_) => {
                        cmd.args(["--ro-bind-try", dir, dir]);
                    }
                }
            }
            // Debian's `cc` is a link through /etc/alternatives: host code
            // of dependencies (build scripts, proc macros) links with it.
            cmd.args(["--ro-bind-try", "/etc/alternatives", "/etc/alternatives"]);
            cmd.args(["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]);
            cmd.arg("--ro-bind").arg(paths.sysroot).arg(paths.sysroot);
            for path in paths.read_only {
                cmd.arg("--ro-bind").arg(path).arg(path);
            }
            cmd.arg("--bind").arg(paths.build_dir).arg(paths.build_dir);
            cmd.arg("--bind")
                .arg(paths.target_dir)
                .arg(paths.target_dir);
            cmd.arg("--clearenv");
            for (key, value) in [
                ("PATH", env_path.as_str()),
                ("HOME", "/tmp"),
                ("CARGO_HOME", SANDBOX_CARGO_HOME),
                ("CARGO_NET_OFFLINE", "true"),
                ("CARGO_TERM_COLOR", "never"),
            ] {
                cmd.args(["--setenv", key, value]);
            }
            cmd.arg("--setenv").arg("RUSTC").arg(&rustc);
            cmd.arg("--setenv")
                .arg("CARGO_TARGET_DIR")
                .arg(paths.target_dir);
            cmd.arg("--chdir").arg(paths.build_dir);
            cmd.arg("--").arg(&cargo).args(cargo_args);
            cmd
        }
        _ => {
            let mut cmd = Command::new(&cargo);
            cmd.env_clear()
                .env("PATH", env_path)
                .env("HOME", paths.build_dir)
                .env("CARGO_HOME", paths.build_dir.join(".cargo-home"))
                .env("CARGO_NET_OFFLINE", "true")
                .env("CARGO_TERM_COLOR", "never")
                .env("RUSTC", &rustc)
                .env("CARGO_TARGET_DIR", paths.target_dir)
                .current_dir(paths.build_dir)
                .args(cargo_args);
            cmd
        }
    }
}
