//! Distributed evaluation through a real `nats-server` (JetStream on, on
//! 127.0.0.1, data in a temporary folder) and real `clade worker`
//! processes: the archive does not depend on the backend, a killed worker's
//! job goes to another, a worker of another environment takes nothing.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::env::{Killed, append_config, assert_ok, clade_command, free_port, git};
use crate::run::{finish, parse_events, project, scripted_llm, shape};

/// Debian's nats-server, or `None` with the reason printed (and a failure
/// when `CLADE_REQUIRE_NATS` says it must be there, as scripts/test.sh does).
pub(crate) fn nats_server_binary() -> Option<PathBuf> {
    let found = ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    if found.is_none() {
        let why = "no nats-server (scripts/test.sh installs Debian's nats-server)";
        assert!(
            std::env::var_os("CLADE_REQUIRE_NATS").is_none(),
            "CLADE_REQUIRE_NATS is set but there is {why}"
        );
        eprintln!("skipped: {why}");
    }
    found
}

/// A JetStream server on a free port of 127.0.0.1.
pub(crate) struct Nats {
    process: Killed,
    binary: PathBuf,
    port: u16,
    data: tempfile::TempDir,
    /// `-c FILE` and the variables it reads, if any.
    config: Option<(PathBuf, Vec<(String, String)>)>,
    pub(crate) url: String,
}

impl Nats {
    /// Stops the server (SIGKILL) and starts it again on the same port and
    /// data folder.
    fn restart(&mut self) {
        self.process.0.kill().unwrap();
        self.process.0.wait().unwrap();
        self.process = spawn_nats(&self.binary, self.port, self.data.path(), &self.config);
    }
}

pub(crate) fn start_nats(binary: &Path) -> Nats {
    start_nats_with(binary, None)
}

/// A server reading `config` (`-c FILE` and its variables) besides the
/// command line.
pub(crate) fn start_nats_with(
    binary: &Path,
    config: Option<(PathBuf, Vec<(String, String)>)>,
) -> Nats {
    let port = free_port();
    let data = tempfile::tempdir().unwrap();
    Nats {
        process: spawn_nats(binary, port, data.path(), &config),
        binary: binary.to_path_buf(),
        port,
        data,
        config,
        url: format!("nats://127.0.0.1:{port}"),
    }
}

fn spawn_nats(
    binary: &Path,
    port: u16,
    data: &Path,
    config: &Option<(PathBuf, Vec<(String, String)>)>,
) -> Killed {
    let mut cmd = Command::new(binary);
    if let Some((file, vars)) = config {
        cmd.arg("-c").arg(file).envs(vars.iter().cloned());
    }
    let process = cmd
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let process = Killed(process);
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nats-server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    process
}

/// `clade worker` on `url`; its stderr lines go to a file the test reads.
pub(crate) struct Worker {
    process: Killed,
    log: PathBuf,
}

impl Worker {
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn start_worker(dir: &Path, url: &str, path_prefix: Option<&Path>) -> Worker {
    start_worker_with(dir, url, |cmd| {
        if let Some(prefix) = path_prefix {
            let path = std::env::var("PATH").unwrap_or_default();
            cmd.env("PATH", format!("{}:{path}", prefix.display()));
        }
    })
}

/// `clade worker --nats url`, with what `configure` adds.
pub(crate) fn start_worker_with(
    dir: &Path,
    url: &str,
    configure: impl FnOnce(&mut Command),
) -> Worker {
    let log = dir.join(format!(
        "worker-{}.log",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let mut cmd = clade_command(dir, &["worker", "--nats", url, "--ack-wait-s", "3"]);
    configure(&mut cmd);
    let child = cmd
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let worker = Worker {
        process: Killed(child),
        log,
    };
    wait_until(
        || worker.log().contains("taking jobs from"),
        || format!("the worker never started: {}", worker.log()),
    );
    worker
}

/// Makes the project's jobs slow enough to interrupt: a program no
/// earlier build has seen (a real build, not a cache hit) that spins for
/// about a second before it prints its score.
pub(crate) fn slow_program(root: &Path) {
    let main_rs = root.join("src/main.rs");
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let text = std::fs::read_to_string(&main_rs).unwrap().replace(
        "fn main() {",
        "fn main() {\n    let mut spin = 0u64;\n    for i in 0..300_000_000u64 {\n        spin = std::hint::black_box(spin.wrapping_mul(31).wrapping_add(i));\n    }\n    if spin == 42 {\n        return;\n    }",
    );
    assert!(text.contains("let mut spin"));
    std::fs::write(&main_rs, format!("// build {nonce}\n{text}")).unwrap();
    let config = root.join("clade.toml");
    let toml = std::fs::read_to_string(&config).unwrap();
    let toml = toml
        .replace("fuel = 100000000\n", "fuel = 20000000000\n")
        .replace("timeout_ms = 5000\n", "timeout_ms = 60000\n");
    assert!(toml.contains("fuel = 20000000000"));
    std::fs::write(&config, toml).unwrap();
    git(root, &["commit", "-qam", "a slow program"]);
}

/// The demo project with `[evaluate.backend]` pointing at `url`.
pub(crate) fn use_nats(dir: &Path, url: &str, extra: &str) {
    // A bound on every wait, so a lost job fails the test instead of
    // hanging it.
    let extra = if extra.contains("job_timeout_s") {
        extra.to_string()
    } else {
        format!("job_timeout_s = 120\n{extra}")
    };
    append_config(
        dir,
        &format!("\n[evaluate.backend]\nkind = \"nats\"\nurl = \"{url}\"\nack_wait_s = 3\n{extra}"),
    );
}

/// What every test here starts from: a nats-server, the scripted LLM and
/// the demo project, whose run is named `name`.
struct Fixture {
    nats: Nats,
    _llm: clade_llm::ScriptedServer,
    dir: tempfile::TempDir,
}

impl Fixture {
    fn root(&self) -> &Path {
        self.dir.path()
    }
}

/// The fixture, or `None` (the reason printed) without a nats-server.
fn fixture(name: &str, iterations: u64) -> Option<Fixture> {
    let nats = start_nats(&nats_server_binary()?);
    let llm = scripted_llm(Duration::ZERO);
    let dir = project(&llm.url(), iterations, &format!("name = \"{name}\""));
    Some(Fixture {
        nats,
        _llm: llm,
        dir,
    })
}

/// `clade run --json <args>` in the background, its events piped.
pub(crate) fn spawn_run(root: &Path, args: &[&str]) -> Child {
    let mut all = vec!["run", "--json"];
    all.extend_from_slice(args);
    clade_command(root, &all)
        .env("CLADE_TEST_KEY", "sk-test")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Polls `ready` for up to four minutes; `failure` says what never came.
pub(crate) fn wait_until(mut ready: impl FnMut() -> bool, failure: impl Fn() -> String) {
    let deadline = Instant::now() + Duration::from_secs(240);
    while !ready() {
        assert!(Instant::now() < deadline, "{}", failure());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The `variant` events of a finished run (which must have ended by its
/// iteration budget).
pub(crate) fn variants_of(out: &std::process::Output) -> Vec<Value> {
    assert_ok(out);
    let events = parse_events(out);
    assert_eq!(finish(&events)["reason"], "iterations");
    events
        .into_iter()
        .filter(|e| e["event"] == "variant")
        .collect()
}

pub(crate) fn workers(dir: &Path, url: &str) -> Vec<Value> {
    let out = clade_command(dir, &["workers", "--nats", url, "--json"])
        .output()
        .unwrap();
    assert_ok(&out);
    serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
}

/// A scripted run evaluated by three workers records the same archive (ids,
/// parents, statuses, scores) as the same run evaluated locally.
#[test]
fn three_workers_record_the_same_archive_as_the_local_sandbox() {
    let Some(fx) = fixture("local", 6) else {
        return;
    };
    let root = fx.root();
    let local = clade_command(root, &["run", "--json"])
        .env("CLADE_TEST_KEY", "sk-test")
        .output()
        .unwrap();
    assert_ok(&local);

    let pool: Vec<Worker> = (0..3)
        .map(|_| start_worker(root, &fx.nats.url, None))
        .collect();
    assert_eq!(workers(root, &fx.nats.url).len(), 3);
    use_nats(root, &fx.nats.url, "");
    // The same replies, from the cache: what differs is where candidates ran.
    let out = clade_command(root, &["run", "--json", "--replay", "--name", "dist"])
        .env("CLADE_TEST_KEY", "sk-test")
        .output()
        .unwrap();
    assert_ok(&out);
    let events = parse_events(&out);
    assert_eq!(finish(&events)["reason"], "iterations");
    assert_eq!(shape(root, "dist"), shape(root, "local"));
    // Progress counts the run's workers; a local run has none to count.
    let first = events.iter().find(|e| e["event"] == "variant").unwrap();
    assert_eq!(first["totals"]["workers"]["live"], 3, "{first}");
    let local_first = parse_events(&local)
        .into_iter()
        .find(|e| e["event"] == "variant")
        .unwrap();
    assert!(
        local_first["totals"].get("workers").is_none(),
        "{local_first}"
    );

    // The workers did the evaluations: the seed and one per iteration at
    // least (repairs are off), spread over the pool.
    let done: u64 = workers(root, &fx.nats.url)
        .iter()
        .map(|w| w["jobs_done"].as_u64().unwrap())
        .sum();
    assert!(done >= 7, "{done} jobs done");
    let log = std::fs::read_to_string(root.join(".git/clade/runs/dist/clade.log")).unwrap();
    assert!(log.contains("evaluating on NATS workers"), "{log}");
    drop(pool);
}

/// A worker killed in the middle of a job: the job goes to another worker
/// after `ack_wait`, the run finishes, and every variant is recorded once.
#[test]
fn a_killed_workers_job_goes_to_another_and_nothing_is_lost_or_doubled() {
    let Some(fx) = fixture("killed", 3) else {
        return;
    };
    let root = fx.root();
    // The seed's job takes seconds: long enough to kill the worker in the
    // middle of it.
    slow_program(root);
    use_nats(root, &fx.nats.url, "");
    let mut first = start_worker(root, &fx.nats.url, None);
    let run = spawn_run(root, &[]);
    // The first job (the seed) is taken; kill the worker while it runs.
    wait_until(
        || first.log().contains("evaluating"),
        || format!("no job was taken: {}", first.log()),
    );
    first.process.0.kill().unwrap();
    first.process.0.wait().unwrap();
    assert!(
        !first.log().contains("evaluated"),
        "the job finished before the kill"
    );
    let second = start_worker(root, &fx.nats.url, None);
    let ids: Vec<u64> = variants_of(&run.wait_with_output().unwrap())
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2, 3]);
    assert_eq!(
        shape(root, "killed").len(),
        4,
        "the seed and three variants, once each"
    );
    // The second worker took the killed worker's job again.
    assert!(second.log().contains("delivered=2"), "{}", second.log());
}

/// A worker whose toolchain differs has another fingerprint: it takes no
/// job, and the run says which workers it saw.
#[test]
fn a_worker_of_another_environment_takes_nothing_and_the_run_says_so() {
    let Some(fx) = fixture("mismatch", 1) else {
        return;
    };
    let root = fx.root();
    use_nats(root, &fx.nats.url, "job_timeout_s = 20\n");
    let fake = tempfile::tempdir().unwrap();
    let rustc = fake.path().join("rustc");
    std::fs::write(
        &rustc,
        "#!/bin/sh\necho 'rustc 0.0.0-other (test toolchain)'\n",
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&rustc).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&rustc, permissions).unwrap();
    let other = start_worker(root, &fx.nats.url, Some(fake.path()));
    let out = clade_command(root, &["run", "--json"])
        .env("CLADE_TEST_KEY", "sk-test")
        .output()
        .unwrap();
    // The seed's job waits for a worker that never comes: the run stops,
    // saying why.
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: job seed: no result within 20 s (evaluate.backend.job_timeout_s)"),
        "{stderr}"
    );
    let log = std::fs::read_to_string(root.join(".git/clade/runs/mismatch/clade.log")).unwrap();
    assert!(
        log.contains("no live worker has this run's evaluator fingerprint"),
        "{log}"
    );
    let listed = workers(root, &fx.nats.url);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["jobs_done"], 0);
    assert!(log.contains(listed[0]["id"].as_str().unwrap()), "{log}");
    assert!(!other.log().contains("evaluating"), "{}", other.log());
}

/// The server stopped (SIGKILL) in the middle of a run and started again on
/// its data: workers and the coordinator reconnect and the run finishes
/// with every variant evaluated, none lost to the outage.
#[test]
fn a_run_outlives_a_restart_of_the_server() {
    let Some(mut fx) = fixture("restart", 3) else {
        return;
    };
    let root = &fx.root().to_path_buf();
    slow_program(root);
    use_nats(root, &fx.nats.url, "");
    let worker = start_worker(root, &fx.nats.url, None);
    let run = spawn_run(root, &[]);
    wait_until(
        || worker.log().contains("evaluated"),
        || format!("the seed was never evaluated: {}", worker.log()),
    );
    fx.nats.restart();
    let variants = variants_of(&run.wait_with_output().unwrap());
    let reasons: Vec<&Value> = variants.iter().map(|e| &e["reason"]).collect();
    assert_eq!(reasons.len(), 3);
    assert!(
        reasons
            .iter()
            .all(|r| !r.as_str().unwrap_or("").starts_with("host_error")),
        "{reasons:?}"
    );
    assert_eq!(shape(root, "restart").len(), 4);
}

/// A job every worker dies on (each is killed as soon as it takes it) is
/// given up by the server after `max_deliver` deliveries; the run records
/// it as a host error and goes on with the next iterations.
#[test]
fn a_job_workers_keep_dying_on_is_a_host_error_and_the_run_goes_on() {
    let Some(fx) = fixture("poison", 3) else {
        return;
    };
    let root = fx.root();
    slow_program(root);
    one_at_a_time(root);
    use_nats(root, &fx.nats.url, "max_deliver = 2\n");
    let run = spawn_run(root, &[]);
    // The run makes the queue (with its delivery cap) before any worker.
    let run_log = root.join(".git/clade/runs/poison/clade.log");
    wait_until(
        || {
            std::fs::read_to_string(&run_log)
                .unwrap_or_default()
                .contains("evaluating on NATS workers")
        },
        || "the run never connected".to_string(),
    );
    // Two workers in turn take the first iteration's job and are killed
    // with it.
    let mut killed = 0;
    let mut worker = start_worker(root, &fx.nats.url, None);
    let mut poisoned: Option<String> = None;
    wait_until(
        || {
            let log = worker.log();
            if poisoned.is_none() {
                poisoned = first_iteration_key(&log);
            }
            if let Some(key) = &poisoned
                && log.contains(&format!("key={key} "))
            {
                worker.process.0.kill().unwrap();
                worker.process.0.wait().unwrap();
                killed += 1;
                worker = start_worker(root, &fx.nats.url, None);
            }
            killed == 2
        },
        || "the first iteration's job did not come twice".to_string(),
    );
    let poisoned = poisoned.unwrap();
    let variants = variants_of(&run.wait_with_output().unwrap());
    assert_eq!(variants.len(), 3);
    let host_errors: Vec<&str> = variants
        .iter()
        .filter_map(|v| v["reason"].as_str())
        .filter(|r| r.starts_with("host_error"))
        .collect();
    assert_eq!(
        host_errors,
        [format!(
            "host_error: job {poisoned} was delivered 2 times without a result (workers died on it or could not evaluate it)"
        )]
    );
    // The run went on: the last worker evaluated later jobs.
    assert!(worker.log().contains(" evaluated "), "{}", worker.log());
    drop(worker);
}

/// The coordinator SIGKILLed while a worker evaluates its job; the worker
/// stores the result; `--resume` asks the same question (from the LLM
/// cache), finds the job's result and records it without a new evaluation.
#[test]
fn a_resumed_coordinator_reuses_what_workers_published() {
    let Some(fx) = fixture("resumed", 3) else {
        return;
    };
    let root = fx.root();
    slow_program(root);
    one_at_a_time(root);
    use_nats(root, &fx.nats.url, "");
    let worker = start_worker(root, &fx.nats.url, None);
    let mut run = spawn_run(root, &[]);
    let mut key = None;
    wait_until(
        || {
            key = first_iteration_key(&worker.log());
            key.is_some()
        },
        || format!("no iteration came: {}", worker.log()),
    );
    let key = key.unwrap();
    run.kill().unwrap();
    run.wait().unwrap();
    // The worker finishes the orphaned job and stores its result.
    let evaluated = |log: &str| log.matches(" evaluated ").count();
    let before = evaluated(&worker.log());
    wait_until(
        || evaluated(&worker.log()) > before,
        || format!("{key} was never evaluated: {}", worker.log()),
    );
    let jobs_before = evaluated(&worker.log());
    variants_of(&spawn_run(root, &["--resume"]).wait_with_output().unwrap());
    let log = std::fs::read_to_string(root.join(".git/clade/runs/resumed/clade.log")).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains("result already published: reused")
                && l.contains(&format!("key={key}"))),
        "{log}"
    );
    // The worker evaluated that job once, before the kill, not again.
    let evaluations = worker.log().matches(&format!("key={key} ")).count();
    assert_eq!(evaluations, 1, "{}", worker.log());
    assert!(
        evaluated(&worker.log()) > jobs_before,
        "the resumed run evaluated nothing new"
    );
    assert_eq!(shape(root, "resumed").len(), 4);
}

/// One proposal at a time, so iteration `i` is planned after `i - 1`.
pub(crate) fn one_at_a_time(root: &Path) {
    let config = root.join("clade.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("parallel_proposals = 2"));
    std::fs::write(
        &config,
        text.replace("parallel_proposals = 2", "parallel_proposals = 1"),
    )
    .unwrap();
}

/// The key of the first iteration job (not the seed's) a worker's log shows.
fn first_iteration_key(log: &str) -> Option<String> {
    log.split(" key=")
        .skip(1)
        .map(|rest| rest.split_whitespace().next().unwrap_or(""))
        .find(|key| key.starts_with('i') && key[1..].bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}
