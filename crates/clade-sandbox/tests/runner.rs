//! The runner against hostile guests: each misbehaviour ends in an exact
//! status, nothing leaks, nothing is written.

mod common;

use std::time::{Duration, Instant};

use clade_sandbox::{
    DirMount, HostImports, RunLimits, RunRequest, RunStatus, Runner, RunnerConfig,
};
use common::{guest, limits, runner};

fn request(args: &[&str]) -> RunRequest {
    RunRequest {
        args: args.iter().map(|s| s.to_string()).collect(),
        limits: limits(),
        ..RunRequest::default()
    }
}

/// Runs the `escape` guest trying `mode`, with `mounts`.
fn escape(mode: &str, mounts: &[DirMount]) -> clade_sandbox::RunOutcome {
    let req = RunRequest {
        dirs: mounts.to_vec(),
        ..request(&[mode])
    };
    runner().run(&guest("escape"), &req).unwrap()
}

#[test]
fn hello_gets_exactly_its_args_and_stdin_and_no_environment() {
    // A secret in the host's environment must not reach the guest.
    unsafe { std::env::set_var("CLADE_FAKE_API_KEY", "sk-test-must-not-leak") };
    let outcome = runner()
        .run(
            &guest("hello"),
            &RunRequest {
                stdin: b"some input".to_vec(),
                ..request(&["a", "b c"])
            },
        )
        .unwrap();
    assert_eq!(outcome.status, RunStatus::Exited, "{outcome:?}");
    assert_eq!(outcome.exit_code, Some(0));
    assert_eq!(
        outcome.stdout_text(),
        "args=[\"candidate\", \"a\", \"b c\"]\nstdin=some input\nenv_vars=0\n"
    );
    assert_eq!(outcome.stderr_text(), "hello on stderr\n");
    assert!(!outcome.stdout_truncated && !outcome.stderr_truncated);
    assert!(outcome.fuel_used.unwrap() > 0);
    assert!(outcome.peak_memory_bytes >= 65536);
    assert!(!outcome.stdout_text().contains("sk-test"));
}

#[test]
fn infinite_loop_times_out_near_the_deadline() {
    let req = RunRequest {
        limits: RunLimits {
            timeout: Duration::from_millis(300),
            fuel: u64::MAX / 2,
            ..limits()
        },
        ..request(&[])
    };
    // Compiling counts against the deadline and is not in `wall_ms`: on a
    // machine whose module cache is cold the loop itself got ~180 ms of
    // the 300. Compiled first, the loop gets all of it.
    let spin = guest("spin");
    runner().precompile(&spin).unwrap();
    let outcome = runner().run(&spin, &req).unwrap();
    assert_eq!(outcome.status, RunStatus::Timeout, "{outcome:?}");
    assert_eq!(outcome.fuel_used, None, "fuel is stale after a timeout");
    assert!(
        outcome.wall_ms >= 290.0 && outcome.wall_ms < 450.0,
        "wall {}",
        outcome.wall_ms
    );
}

#[test]
fn infinite_loop_runs_out_of_fuel_with_a_small_limit() {
    let req = RunRequest {
        limits: RunLimits {
            fuel: 1_000_000,
            ..limits()
        },
        ..request(&[])
    };
    let outcome = runner().run(&guest("spin"), &req).unwrap();
    assert_eq!(outcome.status, RunStatus::OutOfFuel, "{outcome:?}");
    assert_eq!(outcome.fuel_used, Some(1_000_000));
}

#[test]
fn memory_bomb_hits_the_memory_limit_not_a_panic() {
    let req = RunRequest {
        limits: RunLimits {
            memory_bytes: 32 << 20,
            ..limits()
        },
        ..request(&[])
    };
    let outcome = runner().run(&guest("membomb"), &req).unwrap();
    assert_eq!(outcome.status, RunStatus::MemoryLimit, "{outcome:?}");
    assert!(
        outcome
            .trap
            .as_deref()
            .unwrap()
            .contains("memory limit exceeded")
    );
    assert!(outcome.peak_memory_bytes <= 32 << 20);
    assert!(
        outcome.peak_memory_bytes > 16 << 20,
        "peak {}",
        outcome.peak_memory_bytes
    );
}

#[test]
fn deep_recursion_is_a_stack_overflow() {
    let outcome = runner().run(&guest("recurse"), &request(&[])).unwrap();
    assert_eq!(outcome.status, RunStatus::StackOverflow, "{outcome:?}");
}

#[test]
fn sleeping_past_the_deadline_is_cut_at_the_deadline() {
    let req = RunRequest {
        limits: RunLimits {
            timeout: Duration::from_millis(250),
            ..limits()
        },
        ..request(&[])
    };
    let started = Instant::now();
    let outcome = runner().run(&guest("sleeper"), &req).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(outcome.status, RunStatus::Timeout, "{outcome:?}");
    assert!(
        elapsed < Duration::from_millis(1500),
        "sleep outlived the deadline: {elapsed:?}"
    );
    assert!(!outcome.stdout_text().contains("woke up"));
}

#[test]
fn panic_is_a_trap_with_the_message_on_stderr() {
    let outcome = runner().run(&guest("panic"), &request(&[])).unwrap();
    assert_eq!(outcome.status, RunStatus::Trapped, "{outcome:?}");
    assert!(
        outcome
            .stderr_text()
            .contains("candidate panicked on purpose"),
        "{}",
        outcome.stderr_text()
    );
    assert!(
        outcome.trap.as_deref().unwrap().contains("unreachable"),
        "{:?}",
        outcome.trap
    );
}

#[test]
fn exit_code_is_reported() {
    let outcome = runner().run(&guest("exit3"), &request(&[])).unwrap();
    assert_eq!(outcome.status, RunStatus::Exited);
    assert_eq!(outcome.exit_code, Some(3));
    assert_eq!(outcome.stdout_text(), "about to exit\n");
}

/// `eprintln!` past the stderr cap: before, the failed write panicked,
/// the panic could not be printed either, and the guest trapped.
#[test]
fn writing_past_the_stderr_cap_ends_normally_and_is_cut() {
    let req = RunRequest {
        limits: RunLimits {
            stderr_bytes: 10_000,
            ..limits()
        },
        ..request(&[])
    };
    let outcome = runner().run(&guest("chatty"), &req).unwrap();
    assert_eq!(outcome.status, RunStatus::Exited, "{outcome:?}");
    assert_eq!(outcome.exit_code, Some(0));
    assert_eq!(outcome.stdout_text(), "done\n");
    assert_eq!(outcome.stderr.len(), 10_000);
    assert!(outcome.stderr_truncated && !outcome.stdout_truncated);
}

#[test]
fn gigabytes_of_stdout_are_cut_at_the_cap() {
    let req = RunRequest {
        limits: RunLimits {
            stdout_bytes: 100_000,
            ..limits()
        },
        ..request(&[])
    };
    let outcome = runner().run(&guest("flood"), &req).unwrap();
    assert_eq!(outcome.status, RunStatus::Exited, "{outcome:?}");
    assert_eq!(outcome.stdout.len(), 100_000);
    assert!(outcome.stdout_truncated);
    assert!(!outcome.stderr_truncated);
    assert!(
        outcome.stderr_text().starts_with("failed writes: "),
        "{}",
        outcome.stderr_text()
    );
}

#[test]
fn reading_outside_the_inputs_is_denied() {
    let input = tempfile::tempdir().unwrap();
    std::fs::write(input.path().join("data.txt"), "input data").unwrap();
    // A secret beside the mounted directory must stay out of reach.
    let outer = input
        .path()
        .parent()
        .unwrap()
        .join(format!("secret-{}.txt", std::process::id()));
    std::fs::write(&outer, "top secret").unwrap();
    let mount = vec![DirMount {
        host: input.path().into(),
        guest: "/input".into(),
        writable: false,
    }];
    for mode in ["passwd", "parent", "env"] {
        let outcome = escape(mode, &mount);
        assert_eq!(outcome.status, RunStatus::Exited, "{mode}: {outcome:?}");
        let out = outcome.stdout_text();
        assert!(
            out.contains("DENIED") && !out.contains("LEAK"),
            "{mode}: {out}"
        );
        assert!(
            !out.contains("root:") && !out.contains("top secret"),
            "{mode}: {out}"
        );
    }
    let outcome = escape("read-input", &mount);
    assert!(
        outcome
            .stdout_text()
            .contains("LEAK read /input/data.txt: \"input data\""),
        "{}",
        outcome.stdout_text()
    );
    std::fs::remove_file(outer).unwrap();
}

#[test]
fn writing_is_denied_everywhere_and_nothing_changes() {
    let input = tempfile::tempdir().unwrap();
    std::fs::write(input.path().join("data.txt"), "input data").unwrap();
    let before = common::snapshot(input.path());
    let cwd_before = common::snapshot(&std::env::current_dir().unwrap());
    let mount = vec![DirMount {
        host: input.path().into(),
        guest: "/input".into(),
        writable: false,
    }];
    for mode in ["write-ro", "write-anywhere"] {
        let outcome = escape(mode, &mount);
        assert_eq!(outcome.status, RunStatus::Exited, "{mode}: {outcome:?}");
        let out = outcome.stdout_text();
        assert!(!out.contains("LEAK"), "{mode}: {out}");
        assert!(out.matches("DENIED").count() >= 3, "{mode}: {out}");
    }
    assert_eq!(common::snapshot(input.path()), before);
    assert_eq!(
        common::snapshot(&std::env::current_dir().unwrap()),
        cwd_before
    );
    assert!(!std::path::Path::new("/tmp/pwned").exists());
    assert!(!std::path::Path::new("/pwned").exists());
}

#[test]
fn sockets_are_unavailable() {
    let outcome = escape("socket", &[]);
    assert_eq!(outcome.status, RunStatus::Exited, "{outcome:?}");
    let out = outcome.stdout_text();
    assert_eq!(out.matches("DENIED").count(), 3, "{out}");
    assert!(!out.contains("LEAK"), "{out}");
}

#[test]
fn fuel_is_deterministic() {
    let wasm = guest("work");
    let first = runner().run(&wasm, &request(&[])).unwrap();
    let second = runner().run(&wasm, &request(&[])).unwrap();
    assert_eq!(first.status, RunStatus::Exited, "{first:?}");
    assert_eq!(first.stdout, second.stdout);
    assert!(first.fuel_used.unwrap() > 1_000_000);
    assert_eq!(first.fuel_used, second.fuel_used);
}

#[test]
fn host_imports_pass_bytes_both_ways() {
    let imports = HostImports::new()
        .with("echo", |input| Ok(input.to_vec()))
        .with("fail", |_| Err("the host says no".to_string()));
    let outcome = common::runner_with(imports)
        .run(&guest("host-echo"), &request(&["ping ✓"]))
        .unwrap();
    assert_eq!(outcome.status, RunStatus::Exited, "{outcome:?}");
    assert_eq!(
        outcome.stdout_text(),
        "echo: ping ✓\nfail error: the host says no\n"
    );
}

#[test]
fn a_module_importing_an_unknown_host_function_is_a_trap_not_an_error() {
    // Without the `fail` import registered, host-echo cannot link.
    let outcome = common::runner_with(HostImports::new().with("echo", |i| Ok(i.to_vec())))
        .run(&guest("host-echo"), &request(&[]))
        .unwrap();
    assert_eq!(outcome.status, RunStatus::Trapped);
    assert!(
        outcome.trap.as_deref().unwrap().contains("fail"),
        "{:?}",
        outcome.trap
    );
}

#[test]
fn invalid_wasm_is_a_trap_not_an_error() {
    let outcome = runner().run(b"\0asm garbage", &request(&[])).unwrap();
    assert_eq!(outcome.status, RunStatus::Trapped);
    assert!(
        outcome
            .trap
            .as_deref()
            .unwrap()
            .starts_with("invalid wasm module"),
        "{:?}",
        outcome.trap
    );
}

#[test]
fn a_second_runner_loads_the_module_from_disk_instead_of_compiling() {
    let cache = tempfile::tempdir().unwrap();
    let config = || RunnerConfig {
        cache_dir: Some(cache.path().into()),
        ..RunnerConfig::default()
    };
    let wasm = guest("noop");
    let first = Runner::new(config()).unwrap();
    first.run(&wasm, &request(&[])).unwrap();
    first.run(&wasm, &request(&[])).unwrap();
    assert_eq!((first.stats().compiled, first.stats().memory_hits), (1, 1));
    let second = Runner::new(config()).unwrap();
    let outcome = second.run(&wasm, &request(&[])).unwrap();
    assert!(outcome.succeeded());
    assert_eq!(second.stats().compiled, 0, "{:?}", second.stats());
    assert_eq!(second.stats().disk_hits, 1);
}

#[test]
fn a_missing_input_directory_is_a_host_error() {
    let req = RunRequest {
        dirs: vec![DirMount {
            host: "/definitely/not/here".into(),
            guest: "/input".into(),
            writable: false,
        }],
        ..request(&[])
    };
    let err = runner().run(&guest("noop"), &req).unwrap_err();
    assert!(err.to_string().contains("/definitely/not/here"), "{err}");
}

/// A module that asks WASI for 4 random bytes and spins `low 16 bits` times:
/// its fuel is a function of the seed's random stream and nothing else
/// (assembled here, so no compiler version moves it).
fn random_spinner() -> Vec<u8> {
    use wasm_encoder::{
        BlockType, CodeSection, EntityType, ExportKind, ExportSection, Function, FunctionSection,
        ImportSection, Instruction as I, MemArg, MemorySection, MemoryType, Module, TypeSection,
        ValType,
    };
    let mut types = TypeSection::new();
    types
        .ty()
        .function([ValType::I32, ValType::I32], [ValType::I32]);
    types.ty().function([], []);
    let mut imports = ImportSection::new();
    imports.import(
        "wasi_snapshot_preview1",
        "random_get",
        EntityType::Function(0),
    );
    let mut functions = FunctionSection::new();
    functions.function(1);
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: 1,
        maximum: Some(1),
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut exports = ExportSection::new();
    exports.export("memory", ExportKind::Memory, 0);
    exports.export("_start", ExportKind::Func, 1);
    let load = MemArg {
        offset: 0,
        align: 2,
        memory_index: 0,
    };
    let mut start = Function::new([(1, ValType::I32)]);
    for op in [
        I::I32Const(0),
        I::I32Const(4),
        I::Call(0),
        I::Drop,
        I::I32Const(0),
        I::I32Load(load),
        I::I32Const(0xFFFF),
        I::I32And,
        I::LocalSet(0),
        I::Block(BlockType::Empty),
        I::Loop(BlockType::Empty),
        I::LocalGet(0),
        I::I32Eqz,
        I::BrIf(1),
        I::LocalGet(0),
        I::I32Const(1),
        I::I32Sub,
        I::LocalSet(0),
        I::Br(0),
        I::End,
        I::End,
        I::End,
    ] {
        start.instruction(&op);
    }
    let mut code = CodeSection::new();
    code.function(&start);
    let mut module = Module::new();
    module
        .section(&types)
        .section(&imports)
        .section(&functions)
        .section(&memories)
        .section(&exports)
        .section(&code);
    module.finish()
}

fn spin_fuel(seed: u64) -> u64 {
    let request = RunRequest {
        random_seed: seed,
        ..request(&[])
    };
    let outcome = runner().run(&random_spinner(), &request).unwrap();
    assert_eq!(outcome.status, RunStatus::Exited, "{outcome:?}");
    outcome.fuel_used.unwrap()
}

#[test]
fn a_seeded_guests_fuel_is_pinned_by_the_named_random_stream() {
    // These numbers move only if WASI randomness stops being ChaCha12 seeded
    // from the request's seed, or wasmtime's fuel accounting changes: both
    // would make archived fuel scores irreproducible.
    assert_eq!(spin_fuel(1), 205_588);
    assert_eq!(spin_fuel(2), 362_756);
    assert_eq!(spin_fuel(1), spin_fuel(1));
}

/// A module that hands "hi" to `clade.note` and exits 7 when the host
/// answered with an error, 0 otherwise.
fn noter() -> Vec<u8> {
    use wasm_encoder::{
        BlockType, CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection,
        Function, FunctionSection, ImportSection, Instruction as I, MemorySection, MemoryType,
        Module, TypeSection, ValType,
    };
    let mut types = TypeSection::new();
    types
        .ty()
        .function([ValType::I32, ValType::I32], [ValType::I64]);
    types.ty().function([ValType::I32], []);
    types.ty().function([], []);
    let mut imports = ImportSection::new();
    imports.import("clade", "note", EntityType::Function(0));
    imports.import(
        "wasi_snapshot_preview1",
        "proc_exit",
        EntityType::Function(1),
    );
    let mut functions = FunctionSection::new();
    functions.function(2);
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: 1,
        maximum: Some(1),
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut exports = ExportSection::new();
    exports.export("memory", ExportKind::Memory, 0);
    exports.export("_start", ExportKind::Func, 2);
    let mut start = Function::new([]);
    for op in [
        I::I32Const(0),
        I::I32Const(2),
        I::Call(0),
        I::I64Const(0),
        I::I64LtS,
        I::If(BlockType::Empty),
        I::I32Const(7),
        I::Call(1),
        I::End,
        I::I32Const(0),
        I::Call(1),
        I::End,
    ] {
        start.instruction(&op);
    }
    let mut code = CodeSection::new();
    code.function(&start);
    let mut data = DataSection::new();
    data.active(0, &ConstExpr::i32_const(0), b"hi".iter().copied());
    let mut module = Module::new();
    module
        .section(&types)
        .section(&imports)
        .section(&functions)
        .section(&memories)
        .section(&exports)
        .section(&code)
        .section(&data);
    module.finish()
}

#[derive(Default)]
struct Notes(std::sync::Mutex<Vec<(String, Vec<u8>)>>);

impl clade_sandbox::RunHost for Notes {
    fn call(
        &self,
        name: &str,
        input: &[u8],
        _deadline: std::time::Instant,
    ) -> Result<Vec<u8>, String> {
        self.0
            .lock()
            .unwrap()
            .push((name.to_string(), input.to_vec()));
        Ok(b"noted".to_vec())
    }
}

fn noting_runner() -> Runner {
    Runner::new(RunnerConfig {
        cache_dir: None,
        host_imports: HostImports::new().per_run("note"),
        ..RunnerConfig::default()
    })
    .unwrap()
}

#[test]
fn a_per_run_import_reaches_that_runs_host_only() {
    let runner = noting_runner();
    let first = std::sync::Arc::new(Notes::default());
    let second = std::sync::Arc::new(Notes::default());
    let outcome = runner
        .run_with_host(&noter(), &request(&[]), first.clone())
        .unwrap();
    assert_eq!(
        (outcome.status, outcome.exit_code),
        (RunStatus::Exited, Some(0))
    );
    runner
        .run_with_host(&noter(), &request(&[]), second.clone())
        .unwrap();
    runner
        .run_with_host(&noter(), &request(&[]), second.clone())
        .unwrap();
    assert_eq!(
        *first.0.lock().unwrap(),
        vec![("note".to_string(), b"hi".to_vec())]
    );
    assert_eq!(second.0.lock().unwrap().len(), 2);
}

#[test]
fn a_per_run_import_without_a_host_is_an_error_reply_not_a_trap() {
    let outcome = noting_runner().run(&noter(), &request(&[])).unwrap();
    assert_eq!(
        (outcome.status, outcome.exit_code),
        (RunStatus::Exited, Some(7))
    );
}

/// A module with `count` linear memories of `pages` 64 KiB pages each and an
/// empty `_start`.
fn many_memories(count: u32, pages: u64) -> Vec<u8> {
    use wasm_encoder::{
        CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction as I,
        MemorySection, MemoryType, Module, TypeSection,
    };
    let mut types = TypeSection::new();
    types.ty().function([], []);
    let mut functions = FunctionSection::new();
    functions.function(0);
    let mut memories = MemorySection::new();
    for _ in 0..count {
        memories.memory(MemoryType {
            minimum: pages,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
    }
    let mut exports = ExportSection::new();
    exports.export("_start", ExportKind::Func, 0);
    let mut start = Function::new([]);
    start.instruction(&I::End);
    let mut code = CodeSection::new();
    code.function(&start);
    let mut module = Module::new();
    module
        .section(&types)
        .section(&functions)
        .section(&memories)
        .section(&exports)
        .section(&code);
    module.finish()
}

/// The memory limit is per run, not per linear memory: four memories of
/// 3 MiB under an 8 MiB limit are refused (before, each memory was checked
/// alone and the module got 12 MiB).
#[test]
fn the_memory_limit_counts_every_linear_memory_together() {
    let req = |memory_bytes| RunRequest {
        limits: RunLimits {
            memory_bytes,
            ..limits()
        },
        ..request(&[])
    };
    let outcome = runner().run(&many_memories(4, 48), &req(8 << 20)).unwrap();
    assert_eq!(outcome.status, RunStatus::MemoryLimit, "{outcome:?}");
    let outcome = runner().run(&many_memories(4, 48), &req(16 << 20)).unwrap();
    assert_eq!(outcome.status, RunStatus::Exited, "{outcome:?}");
    assert_eq!(outcome.peak_memory_bytes, 4 * 48 * 65_536);
}

/// A FIFO in a mounted folder: opening it would block inside WASI, where no
/// deadline reaches. The mount is refused, naming the FIFO (before, the run
/// went ahead).
#[test]
fn a_mount_holding_a_fifo_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("data.txt"), "1 2 3\n").unwrap();
    let fifo = dir.path().join("sub/pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let req = RunRequest {
        dirs: vec![DirMount {
            host: dir.path().to_path_buf(),
            guest: "/input".into(),
            writable: false,
        }],
        ..request(&[])
    };
    let err = runner().run(&guest("noop"), &req).unwrap_err().to_string();
    assert!(err.contains("sub/pipe") && err.contains("FIFO"), "{err}");
    std::fs::remove_file(&fifo).unwrap();
    let outcome = runner().run(&guest("noop"), &req).unwrap();
    assert_eq!(outcome.status, RunStatus::Exited, "{outcome:?}");
}

/// A module of `count` small functions (each distinct by `salt`, so no
/// cache already holds it) and an empty `_start`: slow to compile, instant
/// to run.
fn many_functions(count: u32, salt: i64) -> Vec<u8> {
    use wasm_encoder::{
        CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction as I,
        Module, TypeSection, ValType,
    };
    let mut types = TypeSection::new();
    types.ty().function([], []);
    types.ty().function([ValType::I64], [ValType::I64]);
    let mut functions = FunctionSection::new();
    functions.function(0);
    let mut code = CodeSection::new();
    let mut start = Function::new([]);
    start.instruction(&I::End);
    code.function(&start);
    for n in 0..count {
        functions.function(1);
        let mut f = Function::new([]);
        for op in [
            I::LocalGet(0),
            I::I64Const(salt ^ i64::from(n)),
            I::I64Mul,
            I::I64Const(7),
            I::I64Add,
            I::End,
        ] {
            f.instruction(&op);
        }
        code.function(&f);
    }
    let mut exports = ExportSection::new();
    exports.export("_start", ExportKind::Func, 0);
    let mut module = Module::new();
    module
        .section(&types)
        .section(&functions)
        .section(&exports)
        .section(&code);
    module.finish()
}

/// Compiling counts against the run's time limit (before, the clock
/// started after compiling, so a module built to compile slowly ran
/// "within" any limit), and a module over 32 MiB is refused unread.
#[test]
fn compiling_counts_against_the_time_limit_and_huge_modules_are_refused() {
    let salt = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64;
    let req = RunRequest {
        limits: RunLimits {
            timeout: Duration::from_millis(2),
            ..limits()
        },
        ..request(&[])
    };
    let outcome = runner().run(&many_functions(3_000, salt), &req).unwrap();
    assert_eq!(outcome.status, RunStatus::Timeout, "{outcome:?}");
    assert!(outcome.trap.unwrap_or_default().contains("compiling"));

    let mut huge = many_memories(1, 1);
    huge.extend(std::iter::repeat_n(0u8, 33 << 20));
    let outcome = runner().run(&huge, &request(&[])).unwrap();
    assert_eq!(outcome.status, RunStatus::Trapped, "{outcome:?}");
    assert!(outcome.trap.unwrap_or_default().contains("at most"));
}

/// A module whose `_start` runs one bulk operation on `len` bytes of its
/// 32-page memory: `memory.fill(0, 7, len)` or `memory.copy(len, 0, len)`.
fn bulk(copy: bool, len: i32) -> Vec<u8> {
    use wasm_encoder::{
        CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction as I,
        MemorySection, MemoryType, Module, TypeSection,
    };
    let mut types = TypeSection::new();
    types.ty().function([], []);
    let mut functions = FunctionSection::new();
    functions.function(0);
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: 32,
        maximum: Some(32),
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut exports = ExportSection::new();
    exports.export("memory", ExportKind::Memory, 0);
    exports.export("_start", ExportKind::Func, 0);
    let mut start = Function::new([]);
    let ops = if copy {
        vec![
            I::I32Const(len),
            I::I32Const(0),
            I::I32Const(len),
            I::MemoryCopy {
                src_mem: 0,
                dst_mem: 0,
            },
            I::End,
        ]
    } else {
        vec![
            I::I32Const(0),
            I::I32Const(7),
            I::I32Const(len),
            I::MemoryFill(0),
            I::End,
        ]
    };
    for op in &ops {
        start.instruction(op);
    }
    let mut code = CodeSection::new();
    code.function(&start);
    let mut module = Module::new();
    module
        .section(&types)
        .section(&functions)
        .section(&memories)
        .section(&exports)
        .section(&code);
    module.finish()
}

fn bulk_fuel(copy: bool, len: i32) -> u64 {
    let outcome = runner().run(&bulk(copy, len), &request(&[])).unwrap();
    assert_eq!(outcome.status, RunStatus::Exited, "{outcome:?}");
    outcome.fuel_used.unwrap()
}

#[test]
fn a_bulk_fill_costs_fuel_by_its_length() {
    // Wasmtime 48 charges bulk operations one unit per byte on top of the
    // operator's own unit, so work cannot hide in one `memory.fill`. This
    // pins it: a wasmtime upgrade that went back to a flat charge would let
    // a fuel-scored candidate look a million times cheaper than it is.
    assert_eq!(bulk_fuel(false, 1 << 20) - bulk_fuel(false, 0), 1 << 20);
    assert_eq!(bulk_fuel(false, 64) - bulk_fuel(false, 0), 64);
}

#[test]
fn a_bulk_copy_costs_fuel_by_its_length() {
    assert_eq!(bulk_fuel(true, 1 << 19) - bulk_fuel(true, 0), 1 << 19);
}

#[test]
fn a_bulk_operation_out_of_bounds_traps() {
    let outcome = runner().run(&bulk(false, 33 << 16), &request(&[])).unwrap();
    assert_eq!(outcome.status, RunStatus::Trapped, "{outcome:?}");
}
