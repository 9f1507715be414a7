//! Running wasm modules under hard limits.
//!
//! One [`Runner`] owns one wasmtime `Engine` (fuel metering and epoch
//! interruption on), a ticker thread that advances the epoch, a linker with
//! WASI preview 1 and the host imports, and the module cache. Each
//! [`Runner::run`] gets a fresh `Store` with its own fuel, memory limit,
//! deadline and WASI context that inherits nothing from the host.

pub(crate) mod host_imports;
mod limiter;
mod module_cache;
pub(crate) mod outcome;
mod pipe;
mod poll;
mod session;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use wasmtime::{Config, Engine, InstancePre, Linker, Store, Trap};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryInputPipe;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

use crate::SandboxError;
use host_imports::{HostImports, RunHost};
use limiter::{MemoryLimitExceeded, MemoryLimiter};
use module_cache::ModuleCache;
use outcome::{RunOutcome, RunStatus};
use pipe::CapturePipe;
use poll::DeadlineExceeded;
pub use session::{CallError, Session, Value};

/// Engine-wide settings, fixed for the runner's lifetime.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Where compiled modules are cached; `None` keeps them in memory only.
    pub cache_dir: Option<PathBuf>,
    /// The most native stack wasm code may use, in bytes.
    pub max_wasm_stack: usize,
    /// Meter fuel. Only benchmarks measuring fuel's own overhead turn it off.
    pub consume_fuel: bool,
    /// How often the epoch advances: the granularity of wall-clock deadlines.
    pub epoch_tick: Duration,
    /// Functions offered to guests in the `clade` import module.
    pub host_imports: HostImports,
    /// Link what the wasm CPython needs (see [`crate::python`]): the
    /// exception-handling proposal and its `host.call` import, answered
    /// "no host". Candidate modules of other kinds never see either.
    pub python_abi: bool,
}

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            cache_dir: Some(crate::default_home().join("modules")),
            max_wasm_stack: 512 << 10,
            consume_fuel: true,
            epoch_tick: Duration::from_millis(2),
            host_imports: HostImports::new(),
            python_abi: false,
        }
    }
}

/// A module the host itself vouches for (the Python runtime): read from
/// `path` only when no compiled copy is cached, and compiled only if its
/// SHA-256 is `sha256`. It has no size limit, and compiling it is not
/// charged to a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedModule {
    pub path: PathBuf,
    /// Lowercase hex SHA-256 of the file, as pinned by the host.
    pub sha256: String,
}

/// Which module a run instantiates.
#[derive(Clone, Copy)]
pub(crate) enum Wasm<'a> {
    /// Bytes a candidate produced: size-limited, compiling counts as run time.
    Candidate(&'a [u8]),
    Trusted(&'a TrustedModule),
}

/// How a run enters the module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Entry {
    /// A WASI command: `_start`.
    Command,
    /// A reactor with `run: () -> i32` (the Python runtime): `_initialize`
    /// when it exports one, then `run`, whose result is the exit code.
    Reactor,
}

/// Per-run limits.
#[derive(Debug, Clone, PartialEq)]
pub struct RunLimits {
    pub fuel: u64,
    pub memory_bytes: u64,
    pub timeout: Duration,
    pub stdout_bytes: usize,
    pub stderr_bytes: usize,
}

impl Default for RunLimits {
    fn default() -> Self {
        RunLimits {
            fuel: 10_000_000_000,
            memory_bytes: 256 << 20,
            timeout: Duration::from_secs(10),
            stdout_bytes: 1 << 20,
            stderr_bytes: 64 << 10,
        }
    }
}

/// A host directory exposed to the guest at `guest`: read-only, unless
/// `writable` (a trusted caller's scratch folder, which it must check
/// afterwards: the guest can leave anything there, symlinks included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirMount {
    pub host: PathBuf,
    pub guest: String,
    pub writable: bool,
}

impl std::str::FromStr for DirMount {
    type Err = String;

    /// Parses `HOST_DIR:GUEST_DIR`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.rsplit_once(':') {
            Some((host, guest)) if !host.is_empty() && !guest.is_empty() => Ok(DirMount {
                host: host.into(),
                guest: guest.to_string(),
                writable: false,
            }),
            _ => Err(format!("expected HOST_DIR:GUEST_DIR, got {s:?}")),
        }
    }
}

/// What to run: arguments after argv[0], stdin, mounts and limits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunRequest {
    pub args: Vec<String>,
    pub stdin: Vec<u8>,
    pub dirs: Vec<DirMount>,
    pub limits: RunLimits,
    /// Seed of the guest's `random_get`, so runs are reproducible.
    pub random_seed: u64,
}

/// Counters of the module cache, for tests and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunnerStats {
    pub compiled: u64,
    pub disk_hits: u64,
    pub memory_hits: u64,
    pub disk_write_errors: u64,
}

/// Store data of one run.
pub(crate) struct GuestState {
    wasi: WasiP1Ctx,
    limiter: MemoryLimiter,
    host_reply: Option<Vec<u8>>,
    /// Answers the per-run imports of this run, if it has any.
    pub(crate) run_host: Option<Arc<dyn RunHost>>,
    pub(crate) deadline: Instant,
    monotonic_origin: Instant,
}

/// A store with its limits set and its output pipes, clock running.
pub(crate) struct Armed {
    store: Store<GuestState>,
    stdout: CapturePipe,
    stderr: CapturePipe,
    started: Instant,
    /// The highest memory of the stores this run had before this one (a
    /// session that restarts its instance gets a fresh store each time).
    prior_peak: usize,
}

/// The guest's argv[0]: fixed, so no host path leaks and runs are repeatable.
const PROGRAM_NAME: &str = "candidate";

pub struct Runner {
    engine: Engine,
    linker: Linker<GuestState>,
    cache: ModuleCache,
    consume_fuel: bool,
    epoch_tick: Duration,
    ticker_stop: Arc<AtomicBool>,
    python_abi: bool,
}

impl Drop for Runner {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

impl Runner {
    pub fn new(config: RunnerConfig) -> Result<Self, SandboxError> {
        let mut wasm_config = Config::new();
        wasm_config
            .consume_fuel(config.consume_fuel)
            .epoch_interruption(true)
            .max_wasm_stack(config.max_wasm_stack)
            // wasmtime refuses a wasm stack larger than the async one (2 MiB
            // by default), even for the synchronous calls the runner makes.
            .async_stack_size(config.max_wasm_stack.max(1 << 20) + (1 << 20))
            // The `gc` feature turns these proposals on by default; guests
            // get only what they need.
            .wasm_gc(false)
            .wasm_function_references(false)
            .wasm_exceptions(config.python_abi);
        let engine =
            Engine::new(&wasm_config).map_err(|e| SandboxError::Engine(format!("{e:#}")))?;

        let mut linker: Linker<GuestState> = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s| &mut s.wasi)
            .map_err(|e| SandboxError::Engine(format!("{e:#}")))?;
        linker.allow_shadowing(true);
        linker
            .func_wrap("wasi_snapshot_preview1", "poll_oneoff", poll::poll_oneoff)
            .map_err(|e| SandboxError::Engine(format!("{e:#}")))?;
        linker.allow_shadowing(false);
        config
            .host_imports
            .add_to_linker(&mut linker)
            .map_err(|e| SandboxError::Engine(format!("{e:#}")))?;
        if config.python_abi {
            crate::python::add_door_to_linker(&mut linker)
                .map_err(|e| SandboxError::Engine(format!("{e:#}")))?;
        }

        let ticker_stop = Arc::new(AtomicBool::new(false));
        spawn_ticker(&engine, config.epoch_tick, ticker_stop.clone()).map_err(|e| {
            SandboxError::Engine(format!("cannot start the epoch ticker thread: {e}"))
        })?;
        Ok(Runner {
            cache: ModuleCache::new(&engine, config.cache_dir),
            engine,
            linker,
            consume_fuel: config.consume_fuel,
            epoch_tick: config.epoch_tick,
            ticker_stop,
            python_abi: config.python_abi,
        })
    }

    pub fn stats(&self) -> RunnerStats {
        let c = &self.cache.counters;
        RunnerStats {
            compiled: c.compiled.load(Ordering::Relaxed),
            disk_hits: c.disk_hits.load(Ordering::Relaxed),
            memory_hits: c.memory_hits.load(Ordering::Relaxed),
            disk_write_errors: c.disk_write_errors.load(Ordering::Relaxed),
        }
    }

    /// Runs the WASI command `wasm` (its `_start`). Whatever the module does,
    /// including being invalid, the answer is a [`RunOutcome`]; only a host
    /// fault such as a missing input directory is an error.
    /// Compiles `wasm` into the module cache without running it, for a
    /// caller that wants a run's time to be the run's alone; `Err` says why
    /// the module cannot be used (the run would report it too).
    pub fn precompile(&self, wasm: &[u8]) -> Result<(), String> {
        if wasm.len() > MAX_MODULE_BYTES {
            return Err(format!("the module is {} bytes", wasm.len()));
        }
        self.cache.get(&self.engine, &self.linker, wasm).map(|_| ())
    }

    /// Compiles (or loads from the disk cache) a trusted module, so later
    /// runs of it only instantiate. `Err` says why it cannot be used.
    pub fn precompile_trusted(&self, module: &TrustedModule) -> Result<(), String> {
        self.cache
            .get_trusted(&self.engine, &self.linker, module)
            .map(|_| ())
    }

    pub fn run(&self, wasm: &[u8], request: &RunRequest) -> Result<RunOutcome, SandboxError> {
        self.run_inner(Wasm::Candidate(wasm), Entry::Command, request, None)
    }

    /// Runs a trusted reactor module (see [`Entry::Reactor`]) under the
    /// request's limits. The calling thread's stack must hold the runner's
    /// `max_wasm_stack` with room to spare.
    pub(crate) fn run_trusted_reactor(
        &self,
        module: &TrustedModule,
        request: &RunRequest,
    ) -> Result<RunOutcome, SandboxError> {
        self.run_inner(Wasm::Trusted(module), Entry::Reactor, request, None)
    }

    /// Runs `wasm` as [`Runner::run`] does, with `host` answering the
    /// imports declared by [`HostImports::per_run`] for this run only. The
    /// caller keeps its own handle on `host` to read what the run left there.
    pub fn run_with_host(
        &self,
        wasm: &[u8],
        request: &RunRequest,
        host: Arc<dyn RunHost>,
    ) -> Result<RunOutcome, SandboxError> {
        self.run_inner(Wasm::Candidate(wasm), Entry::Command, request, Some(host))
    }

    fn run_inner(
        &self,
        wasm: Wasm<'_>,
        entry: Entry,
        request: &RunRequest,
        host: Option<Arc<dyn RunHost>>,
    ) -> Result<RunOutcome, SandboxError> {
        let (mut armed, pre) = match self.arm(wasm, request, host)? {
            Ok(ready) => ready,
            Err(outcome) => return Ok(outcome),
        };
        let store = &mut armed.store;
        let result = pre
            .instantiate(&mut *store)
            .and_then(|instance| match entry {
                Entry::Command => {
                    let start = instance.get_typed_func::<(), ()>(&mut *store, "_start")?;
                    start.call(&mut *store, ()).map(|()| 0)
                }
                Entry::Reactor => {
                    if let Ok(init) = instance.get_typed_func::<(), ()>(&mut *store, "_initialize")
                    {
                        init.call(&mut *store, ())?;
                    }
                    let run = instance.get_typed_func::<(), i32>(&mut *store, "run")?;
                    run.call(&mut *store, ())
                }
            });
        let (status, exit_code, trap) = match result {
            Ok(code) => (RunStatus::Exited, Some(code), None),
            Err(err) => classify(&err),
        };
        Ok(self.conclude(armed, &request.limits, status, exit_code, trap))
    }

    /// Instantiates `wasm` for repeated calls of its exports under one budget
    /// of fuel, memory and time for the whole session (call mode). `_start`
    /// is not run. A module that cannot be used is an `Err` outcome.
    pub fn session(
        &self,
        wasm: &[u8],
        request: &RunRequest,
    ) -> Result<Result<Session<'_>, RunOutcome>, SandboxError> {
        self.session_of(Wasm::Candidate(wasm), request, None)
    }

    /// A session of a trusted module whose per-run imports (and the Python
    /// runtime's door) `host` answers; nothing is called yet.
    pub(crate) fn trusted_session(
        &self,
        module: &TrustedModule,
        request: &RunRequest,
        host: Arc<dyn RunHost>,
    ) -> Result<Result<Session<'_>, RunOutcome>, SandboxError> {
        self.session_of(Wasm::Trusted(module), request, Some(host))
    }

    fn session_of(
        &self,
        wasm: Wasm<'_>,
        request: &RunRequest,
        host: Option<Arc<dyn RunHost>>,
    ) -> Result<Result<Session<'_>, RunOutcome>, SandboxError> {
        let (mut armed, pre) = match self.arm(wasm, request, host)? {
            Ok(ready) => ready,
            Err(outcome) => return Ok(Err(outcome)),
        };
        match pre.instantiate(&mut armed.store) {
            Ok(instance) => Ok(Ok(Session::new(
                self,
                armed,
                pre,
                instance,
                request.clone(),
            ))),
            Err(err) => {
                let (status, exit_code, trap) = classify(&err);
                Ok(Err(self.conclude(
                    armed,
                    &request.limits,
                    status,
                    exit_code,
                    trap,
                )))
            }
        }
    }

    /// Compiles (or fetches) the module and makes a store with every limit
    /// set; compiling (host work, but on a module the guest chose) counts
    /// against the run's time limit.
    fn arm(
        &self,
        wasm: Wasm<'_>,
        request: &RunRequest,
        run_host: Option<Arc<dyn RunHost>>,
    ) -> Result<Result<(Armed, InstancePre<GuestState>), RunOutcome>, SandboxError> {
        let limits = &request.limits;
        let stdout = CapturePipe::new(limits.stdout_bytes);
        let stderr = CapturePipe::new(limits.stderr_bytes);
        let wasi = self.wasi_context(request, &stdout, &stderr)?;
        let mut compile_started = Instant::now();
        let cached = match wasm {
            Wasm::Candidate(bytes) if bytes.len() > MAX_MODULE_BYTES => Err(format!(
                "the module is {} bytes; a module may be at most {MAX_MODULE_BYTES}",
                bytes.len()
            )),
            Wasm::Candidate(bytes) => self.cache.get(&self.engine, &self.linker, bytes),
            Wasm::Trusted(module) => {
                // The host's own module: failing to load it is the host's
                // fault, and its compile is not the guest's time.
                let pre = self
                    .cache
                    .get_trusted(&self.engine, &self.linker, module)
                    .map_err(|reason| SandboxError::TrustedModule {
                        path: module.path.clone(),
                        reason,
                    })?;
                compile_started = Instant::now();
                Ok(pre)
            }
        };
        let pre = match cached {
            Ok(pre) => pre,
            Err(message) => {
                return Ok(Err(finish(
                    RunStatus::Trapped,
                    None,
                    Some(message),
                    Some(0),
                    compile_started,
                    0,
                    (&stdout, limits.stdout_bytes),
                    (&stderr, limits.stderr_bytes),
                )));
            }
        };
        // Compiling counts against the run's time: a module built to compile
        // slowly gets no more time than one that runs slowly.
        let compiling = compile_started.elapsed();
        let Some(left) = limits
            .timeout
            .checked_sub(compiling)
            .filter(|l| !l.is_zero())
        else {
            return Ok(Err(finish(
                RunStatus::Timeout,
                None,
                Some(format!(
                    "compiling the module took {:.0} ms, the run's whole time limit",
                    compiling.as_secs_f64() * 1e3
                )),
                None,
                compile_started,
                0,
                (&stdout, limits.stdout_bytes),
                (&stderr, limits.stderr_bytes),
            )));
        };
        let started = Instant::now();
        let store = self.store(wasi, limits, run_host, started + left, started, limits.fuel)?;
        Ok(Ok((
            Armed {
                store,
                stdout,
                stderr,
                started,
                prior_peak: 0,
            },
            pre,
        )))
    }

    /// A store with every limit set: `fuel` to spend, the memory limit, and
    /// an epoch deadline at `deadline`.
    fn store(
        &self,
        wasi: WasiP1Ctx,
        limits: &RunLimits,
        run_host: Option<Arc<dyn RunHost>>,
        deadline: Instant,
        monotonic_origin: Instant,
        fuel: u64,
    ) -> Result<Store<GuestState>, SandboxError> {
        let mut store = Store::new(
            &self.engine,
            GuestState {
                wasi,
                limiter: MemoryLimiter::new(
                    usize::try_from(limits.memory_bytes).unwrap_or(usize::MAX),
                ),
                host_reply: None,
                run_host,
                deadline,
                monotonic_origin,
            },
        );
        store.limiter(|s| &mut s.limiter);
        if self.consume_fuel {
            store
                .set_fuel(fuel)
                .map_err(|e| SandboxError::Engine(format!("{e:#}")))?;
        }
        let tick = self.epoch_tick.as_nanos().max(1);
        let left = deadline.saturating_duration_since(Instant::now());
        store.set_epoch_deadline((left.as_nanos().div_ceil(tick) as u64).max(1));
        store.epoch_deadline_trap();
        Ok(store)
    }

    /// Replaces `armed`'s store with a fresh one that carries on the run's
    /// budget: the fuel left, the same deadline and output pipes, the peak
    /// memory so far. Nothing of the old store's guest state survives.
    /// `Err` says why the run cannot go on (its time is up).
    fn fresh_store(&self, armed: &mut Armed, request: &RunRequest) -> Result<(), String> {
        let deadline = armed.store.data().deadline;
        if deadline <= Instant::now() {
            return Err("the run's time limit was reached".into());
        }
        let fuel = if self.consume_fuel {
            armed.store.get_fuel().unwrap_or(0)
        } else {
            0
        };
        let origin = armed.store.data().monotonic_origin;
        let wasi = self
            .wasi_context(request, &armed.stdout, &armed.stderr)
            .map_err(|e| e.to_string())?;
        // The run's host stays: it belongs to the run, not to an instance.
        let host = armed.store.data().run_host.clone();
        let store = self
            .store(wasi, &request.limits, host, deadline, origin, fuel)
            .map_err(|e| e.to_string())?;
        armed.prior_peak = armed.prior_peak.max(armed.store.data().limiter.peak());
        armed.store = store;
        Ok(())
    }

    /// The outcome of an armed store that has finished, however it ended.
    fn conclude(
        &self,
        armed: Armed,
        limits: &RunLimits,
        status: RunStatus,
        exit_code: Option<i32>,
        trap: Option<String>,
    ) -> RunOutcome {
        let fuel_used = match (self.consume_fuel, status) {
            (false, _) | (_, RunStatus::Timeout) => None,
            _ => armed
                .store
                .get_fuel()
                .ok()
                .map(|left| limits.fuel.saturating_sub(left)),
        };
        let peak = armed.store.data().limiter.peak().max(armed.prior_peak) as u64;
        finish(
            status,
            exit_code,
            trap,
            fuel_used,
            armed.started,
            peak,
            (&armed.stdout, limits.stdout_bytes),
            (&armed.stderr, limits.stderr_bytes),
        )
    }

    fn wasi_context(
        &self,
        request: &RunRequest,
        stdout: &CapturePipe,
        stderr: &CapturePipe,
    ) -> Result<WasiP1Ctx, SandboxError> {
        use chacha20::rand_core::SeedableRng;
        let mut builder = WasiCtxBuilder::new();
        builder
            .arg(PROGRAM_NAME)
            .args(&request.args)
            .stdin(MemoryInputPipe::new(request.stdin.clone()))
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            // ChaCha12 by name: a seed's stream, and so a guest's fuel, stays
            // the same across library upgrades.
            .secure_random(chacha20::ChaCha12Rng::seed_from_u64(request.random_seed))
            .insecure_random(chacha20::ChaCha12Rng::seed_from_u64(
                request.random_seed ^ 0x5eed,
            ))
            .insecure_random_seed(u128::from(request.random_seed))
            .monotonic_clock(poll::MonotonicFrom(Instant::now()));
        if self.python_abi {
            builder.envs(crate::python::GUEST_ENV);
        }
        for dir in &request.dirs {
            if !dir.host.is_dir() {
                return Err(SandboxError::Mount {
                    path: dir.host.clone(),
                    reason: "not a directory".into(),
                });
            }
            only_plain_files(&dir.host)?;
            builder
                .preopened_dir(
                    &dir.host,
                    &dir.guest,
                    if dir.writable {
                        FsPerms::ReadWrite
                    } else {
                        FsPerms::ReadOnly
                    },
                )
                .map_err(|e| SandboxError::Mount {
                    path: dir.host.clone(),
                    reason: format!("{e:#}"),
                })?;
        }
        Ok(builder.build_p1())
    }
}

/// Maps a failed guest call to a status, an exit code and a message.
fn classify(err: &wasmtime::Error) -> (RunStatus, Option<i32>, Option<String>) {
    if let Some(exit) = err.downcast_ref::<I32Exit>() {
        return (RunStatus::Exited, Some(exit.0), None);
    }
    // The root cause (e.g. "wasm trap: all fuel consumed") first, then the
    // chain with the wasm backtrace.
    let root = err.root_cause().to_string();
    let full = format!("{err:#}");
    let message = Some(if full.starts_with(&root) {
        full
    } else {
        format!("{root}\n{full}")
    });
    if err.downcast_ref::<MemoryLimitExceeded>().is_some() {
        return (RunStatus::MemoryLimit, None, message);
    }
    if err.downcast_ref::<DeadlineExceeded>().is_some() {
        return (RunStatus::Timeout, None, message);
    }
    let status = match err.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => RunStatus::OutOfFuel,
        Some(Trap::Interrupt) => RunStatus::Timeout,
        Some(Trap::StackOverflow) => RunStatus::StackOverflow,
        _ => RunStatus::Trapped,
    };
    (status, None, message)
}

/// The largest module a run takes: compiling is host work, bounded by size
/// here and by the run's time limit after.
const MAX_MODULE_BYTES: usize = 32 << 20;

/// The most entries a mounted folder may hold: each is checked per run.
const MAX_MOUNT_ENTRIES: usize = 10_000;

/// Refuses a mount holding anything but files, folders and symlinks: opening
/// a FIFO, a socket or a device blocks (or worse) inside WASI, where no
/// deadline reaches, so a guest could hang its run past every limit.
fn only_plain_files(root: &std::path::Path) -> Result<(), SandboxError> {
    use std::os::unix::fs::FileTypeExt;
    let refuse = |path: &std::path::Path, reason: String| SandboxError::Mount {
        path: path.to_path_buf(),
        reason,
    };
    let mut stack = vec![root.to_path_buf()];
    let mut seen = 0usize;
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| refuse(&dir, e.to_string()))?;
        for entry in entries {
            let entry = entry.map_err(|e| refuse(&dir, e.to_string()))?;
            seen += 1;
            if seen > MAX_MOUNT_ENTRIES {
                return Err(refuse(
                    root,
                    format!("it holds more than {MAX_MOUNT_ENTRIES} entries"),
                ));
            }
            let kind = entry
                .file_type()
                .map_err(|e| refuse(&entry.path(), e.to_string()))?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_fifo()
                || kind.is_socket()
                || kind.is_block_device()
                || kind.is_char_device()
            {
                return Err(refuse(
                    root,
                    format!(
                        "{} is a FIFO, socket or device; a mount may hold only files and folders",
                        entry.path().display()
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn finish(
    status: RunStatus,
    exit_code: Option<i32>,
    trap: Option<String>,
    fuel_used: Option<u64>,
    started: Instant,
    peak_memory_bytes: u64,
    stdout: (&CapturePipe, usize),
    stderr: (&CapturePipe, usize),
) -> RunOutcome {
    let (stdout, stdout_truncated) = captured(stdout.0, stdout.1);
    let (stderr, stderr_truncated) = captured(stderr.0, stderr.1);
    RunOutcome {
        status,
        exit_code,
        trap,
        fuel_used,
        wall_ms: started.elapsed().as_secs_f64() * 1e3,
        peak_memory_bytes,
        stdout,
        stderr,
        stdout_truncated,
        stderr_truncated,
    }
}

/// The pipe holds one byte more than the cap, so a full cap plus one byte
/// means the guest wrote past the cap.
fn captured(pipe: &CapturePipe, cap: usize) -> (Vec<u8>, bool) {
    let mut bytes = pipe.contents();
    let truncated = bytes.len() > cap;
    bytes.truncate(cap);
    (bytes, truncated)
}

/// Advances the engine's epoch every `tick` until the runner is dropped. It
/// holds only a weak engine handle so it never keeps the engine alive.
fn spawn_ticker(engine: &Engine, tick: Duration, stop: Arc<AtomicBool>) -> std::io::Result<()> {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("clade-epoch".into())
        .spawn(move || {
            // Sleeps overshoot; counting ticks from elapsed time keeps the
            // epoch in step with the wall clock however late each wake-up is.
            let origin = std::time::Instant::now();
            let tick_ns = tick.as_nanos().max(1);
            let mut done: u128 = 0;
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(tick);
                let Some(engine) = weak.upgrade() else { break };
                let due = origin.elapsed().as_nanos() / tick_ns;
                while done < due {
                    engine.increment_epoch();
                    done += 1;
                }
            }
        })
        .map(drop)
}
