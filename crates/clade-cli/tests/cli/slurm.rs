//! Evaluation on Slurm, on a one-node cluster each test starts in a
//! temporary folder (munged, slurmctld and slurmd of Debian's slurm-wlm, on
//! free ports, as root): batches of a `kind = "slurm"` run record the same
//! archive as the local sandbox, a killed batch is resubmitted, a batch
//! that always dies makes a host error, and pilot workers started as a job
//! array evaluate a NATS run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use crate::distributed::{
    nats_server_binary, one_at_a_time, slow_program, start_nats, use_nats, variants_of, wait_until,
    workers,
};
use crate::env::{
    Killed, append_config, assert_ok, clade_command, free_port, hermetic, write_executable,
};
use crate::run::{finish, parse_events, project, scripted_llm, shape};

/// One cluster at a time: they would share the node's CPUs.
static CLUSTER: Mutex<()> = Mutex::new(());

/// A one-node Slurm cluster; its daemons die with it.
struct Cluster {
    dir: tempfile::TempDir,
    daemons: Vec<Killed>,
    _turn: std::sync::MutexGuard<'static, ()>,
}

/// Cancels every job of the cluster and lets the daemons see them end
/// before they stop (SIGTERM, then SIGKILL): a job's processes, and its
/// slurmstepd, would outlive them.
impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.command("scancel").args(["--user", "root"]).status();
        for _ in 0..200 {
            let queue = self.queue();
            if !["RUNNING", "COMPLETING", "PENDING"]
                .iter()
                .any(|state| queue.contains(state))
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        for daemon in self.daemons.iter().rev() {
            let _ = Command::new("kill")
                .args(["-TERM", &daemon.0.id().to_string()])
                .status();
        }
        for daemon in self.daemons.iter_mut().rev() {
            for _ in 0..50 {
                if daemon.0.try_wait().is_ok_and(|done| done.is_some()) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

impl Cluster {
    fn conf(&self) -> PathBuf {
        self.dir.path().join("slurm.conf")
    }

    /// A Slurm command pointed at this cluster.
    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("SLURM_CONF", self.conf());
        cmd
    }

    /// `squeue`'s `ID STATE` lines for this cluster's jobs.
    fn queue(&self) -> String {
        let out = self
            .command("squeue")
            .args(["--noheader", "--states=all", "--format=%i %T %j"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// Why this machine cannot start a cluster, if it cannot.
fn cannot_start() -> Option<String> {
    let missing: Vec<&str> = [
        "/usr/sbin/munged",
        "/usr/sbin/slurmctld",
        "/usr/sbin/slurmd",
    ]
    .into_iter()
    .filter(|p| !Path::new(p).is_file())
    .collect();
    if !missing.is_empty() {
        return Some(format!(
            "no {} (scripts/test.sh installs Debian's slurm-wlm and munge)",
            missing.join(", ")
        ));
    }
    let uid = Command::new("id").arg("-u").output().ok()?;
    (String::from_utf8_lossy(&uid.stdout).trim() != "0")
        .then(|| "slurmd runs jobs as root here and the tests are not root".to_string())
}

/// The cluster, or `None` with the reason printed (a failure when
/// `CLADE_REQUIRE_SLURM` says it must start, as scripts/test.sh does).
fn start_cluster() -> Option<Cluster> {
    if let Some(why) = cannot_start() {
        assert!(
            std::env::var_os("CLADE_REQUIRE_SLURM").is_none(),
            "CLADE_REQUIRE_SLURM is set but {why}"
        );
        eprintln!("skipped: {why}");
        return None;
    }
    let turn = CLUSTER.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for sub in ["state", "spool", "log"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    let key = root.join("munge.key");
    std::fs::copy("/etc/munge/munge.key", &key).unwrap();
    let socket = root.join("munge.sock");
    let munged = Command::new("/usr/sbin/munged")
        .args(["--foreground", "--force"])
        .arg(format!("--socket={}", socket.display()))
        .arg(format!("--key-file={}", key.display()))
        .arg(format!("--pid-file={}", root.join("munged.pid").display()))
        .arg(format!(
            "--log-file={}",
            root.join("log/munged.log").display()
        ))
        .arg(format!("--seed-file={}", root.join("munge.seed").display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut daemons = vec![Killed(munged)];
    wait_until(|| socket.exists(), || "munged did not start".into());
    let host = hostname();
    let conf = slurm_conf(root, &host, &socket);
    std::fs::write(root.join("slurm.conf"), conf).unwrap();
    for daemon in ["/usr/sbin/slurmctld", "/usr/sbin/slurmd"] {
        let child = Command::new(daemon)
            .arg("-D")
            .env("SLURM_CONF", root.join("slurm.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        daemons.push(Killed(child));
    }
    let cluster = Cluster {
        dir,
        daemons,
        _turn: turn,
    };
    wait_until(
        || {
            let out = cluster
                .command("sinfo")
                .args(["--noheader", "--format=%T"])
                .output();
            out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "idle")
        },
        || {
            let log = std::fs::read_to_string(cluster.dir.path().join("log/slurmctld.log"));
            format!("the node never became idle: {}", log.unwrap_or_default())
        },
    );
    Some(cluster)
}

fn hostname() -> String {
    let out = Command::new("hostname").arg("-s").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn slurm_conf(root: &Path, host: &str, socket: &Path) -> String {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let r = root.display();
    format!(
        "ClusterName=cladetest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={ctld}
SlurmdPort={slurmd}
AuthType=auth/munge
AuthInfo=socket={socket}
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool
SlurmctldPidFile={r}/slurmctld.pid
SlurmdPidFile={r}/slurmd.pid
SlurmctldLogFile={r}/log/slurmctld.log
SlurmdLogFile={r}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN
PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP
",
        ctld = free_port(),
        slurmd = free_port(),
        socket = socket.display(),
    )
}

/// The demo project with `[evaluate.backend] kind = "slurm"` over a shared
/// folder in the cluster's.
fn use_slurm(root: &Path, cluster: &Cluster, extra: &str) -> PathBuf {
    let shared = cluster.dir.path().join("shared");
    append_config(
        root,
        &format!(
            "\n[evaluate.backend]\nkind = \"slurm\"\ndir = \"{}\"\npoll_ms = 200\njob_timeout_s = 180\n{extra}",
            shared.display()
        ),
    );
    shared
}

fn run_log(root: &Path, run: &str) -> String {
    std::fs::read_to_string(root.join(format!(".git/clade/runs/{run}/clade.log")))
        .unwrap_or_default()
}

/// Every file under `dir`, with its text.
fn texts_under(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(texts_under(&path));
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            out.push((path, text));
        }
    }
    out
}

/// A scripted run evaluated in Slurm batches records the same archive (ids,
/// parents, statuses, scores) as the same run evaluated locally, and no
/// file the nodes see holds the run's API key.
#[test]
fn slurm_batches_record_the_same_archive_as_the_local_sandbox() {
    let Some(cluster) = start_cluster() else {
        return;
    };
    let llm = scripted_llm(Duration::ZERO);
    let dir = project(&llm.url(), 4, "name = \"local\"");
    let root = dir.path();
    let local = clade_command(root, &["run", "--json"])
        .env("CLADE_TEST_KEY", "sk-test")
        .output()
        .unwrap();
    assert_ok(&local);
    // Each batch job writes down the environment it got, then runs clade.
    let dumping = cluster.dir.path().join("env-dumping-clade");
    write_executable(
        &dumping,
        &format!(
            "#!/bin/sh\nenv > \"$(pwd)/env-$SLURM_JOB_ID.txt\"\nexec '{}' \"$@\"\n",
            env!("CARGO_BIN_EXE_clade")
        ),
    );
    let shared = use_slurm(
        root,
        &cluster,
        &format!("batch = 2\ncommand = \"{}\"\n", dumping.display()),
    );
    let out = clade_command(root, &["run", "--json", "--replay", "--name", "slurm"])
        .env("CLADE_TEST_KEY", "sk-test")
        .env("SLURM_CONF", cluster.conf())
        .output()
        .unwrap();
    assert_ok(&out);
    let events = parse_events(&out);
    assert_eq!(finish(&events)["reason"], "iterations");
    assert_eq!(shape(root, "slurm"), shape(root, "local"));
    let log = run_log(root, "slurm");
    assert!(log.contains("evaluating on Slurm"), "{log}");
    // The seed and four iterations, each evaluated in a batch job.
    let results = std::fs::read_dir(shared.join("results")).unwrap().count();
    assert!(results >= 5, "{results} results");
    assert!(log.matches("batch submitted").count() >= 3, "{log}");
    let queue = cluster.queue();
    assert!(queue.contains("COMPLETED clade-slurm"), "{queue}");
    assert!(!queue.contains("FAILED"), "{queue}");
    // The jobs got the toolchain's variables, and not the run's API key.
    let files = texts_under(&shared);
    let dumps: Vec<&String> = files
        .iter()
        .filter(|(p, _)| p.to_string_lossy().contains("/env-"))
        .map(|(_, t)| t)
        .collect();
    assert!(dumps.len() >= 3, "{} environments written", dumps.len());
    for dump in &dumps {
        assert!(dump.contains("CLADE_HOME="), "{dump}");
        assert!(!dump.contains("CLADE_TEST_KEY"), "{dump}");
    }
    for (path, text) in &files {
        assert!(
            !text.contains("sk-test"),
            "{} holds the key",
            path.display()
        );
    }
    drop(cluster);
}

/// A batch whose worker dies (SIGKILL) in the middle of a candidate ends
/// FAILED; the coordinator submits the candidate again, the run finishes,
/// and every variant is recorded once.
#[test]
fn a_killed_slurm_batch_is_resubmitted_and_the_run_finishes() {
    let Some(cluster) = start_cluster() else {
        return;
    };
    let llm = scripted_llm(Duration::ZERO);
    let dir = project(&llm.url(), 2, "name = \"killed\"");
    let root = dir.path();
    slow_program(root);
    one_at_a_time(root);
    let shared = use_slurm(root, &cluster, "batch = 1\n");
    let run = spawn_run_with(root, &cluster);
    let pattern = format!("--slurm-batch {}", shared.join("batches").display());
    let signal = |signal: &str| {
        Command::new("pkill")
            .args([signal, "-f", "--", &pattern])
            .status()
            .unwrap()
            .success()
    };
    // The first batch's worker (the seed's, spinning for seconds) is killed
    // while it works.
    wait_until(
        || signal("-0"),
        || format!("no batch worker ran: {}", cluster.queue()),
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(signal("-KILL"), "the batch worker ended before the kill");
    let variants = variants_of(&run.wait_with_output().unwrap());
    let ids: Vec<u64> = variants.iter().map(|v| v["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [1, 2]);
    assert_eq!(
        shape(root, "killed").len(),
        3,
        "the seed and two variants, once each"
    );
    let log = run_log(root, "killed");
    assert!(
        log.contains("ended (FAILED) without its result") && log.contains("submitting it again"),
        "{log}"
    );
    assert!(cluster.queue().contains("FAILED"), "{}", cluster.queue());
}

/// `clade run --json` on the cluster, in the background.
fn spawn_run_with(root: &Path, cluster: &Cluster) -> std::process::Child {
    clade_command(root, &["run", "--json"])
        .env("CLADE_TEST_KEY", "sk-test")
        .env("SLURM_CONF", cluster.conf())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// A candidate whose batches always die is a host error after
/// `max_deliver` submissions, with the reason its batch printed, and the run
/// goes on.
#[test]
fn a_candidate_whose_batches_always_die_is_a_host_error_and_the_run_goes_on() {
    let Some(cluster) = start_cluster() else {
        return;
    };
    let llm = scripted_llm(Duration::ZERO);
    let dir = project(&llm.url(), 3, "name = \"poison\"");
    let root = dir.path();
    one_at_a_time(root);
    // Batches holding the first iteration's job die before evaluating.
    let wrapper = cluster.dir.path().join("flaky-clade");
    write_executable(
        &wrapper,
        &format!(
            "#!/bin/sh\nlist=\"$3\"\nfor id in $(cat \"$list\"); do\n  if grep -q '\"key\":\"i1\"' \"$(dirname \"$(dirname \"$list\")\")/jobs/$id.json\"; then\n    echo 'this node is broken for i1' >&2\n    exit 3\n  fi\ndone\nexec '{}' \"$@\"\n",
            env!("CARGO_BIN_EXE_clade")
        ),
    );
    use_slurm(
        root,
        &cluster,
        &format!(
            "batch = 1\nmax_deliver = 2\ncommand = \"{}\"\n",
            wrapper.display()
        ),
    );
    let variants = variants_of(&spawn_run_with(root, &cluster).wait_with_output().unwrap());
    assert_eq!(variants.len(), 3);
    let host_errors: Vec<&str> = variants
        .iter()
        .filter_map(|v| v["reason"].as_str())
        .filter(|r| r.starts_with("host_error"))
        .collect();
    assert_eq!(host_errors.len(), 1, "{host_errors:?}");
    let reason = host_errors[0];
    assert!(
        reason.starts_with("host_error: job i1: Slurm job ")
            && reason.contains("ended (FAILED) without its result")
            && reason.ends_with(
                "this node is broken for i1 (submitted 2 times, the cap evaluate.backend.max_deliver)"
            ),
        "{reason}"
    );
}

/// Pilot workers: `scripts/slurm/pilot-workers.sbatch` as a two-task job
/// array gives two `clade worker`s on the node, which evaluate a NATS run.
#[test]
fn pilot_workers_in_a_job_array_evaluate_a_nats_run() {
    let Some(binary) = nats_server_binary() else {
        return;
    };
    let Some(cluster) = start_cluster() else {
        return;
    };
    let nats = start_nats(&binary);
    let llm = scripted_llm(Duration::ZERO);
    let dir = project(&llm.url(), 3, "name = \"pilots\"");
    let root = dir.path();
    let script = crate::env::repo_root().join("scripts/slurm/pilot-workers.sbatch");
    let mut sbatch = Command::new("sbatch");
    let out = hermetic(&mut sbatch)
        .env("SLURM_CONF", cluster.conf())
        .env("CLADE_NATS", &nats.url)
        .env("CLADE", env!("CARGO_BIN_EXE_clade"))
        .arg("--parsable")
        .arg("--array=0-1")
        .arg(format!(
            "--output={}/pilot-%A_%a.out",
            cluster.dir.path().display()
        ))
        .arg(&script)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_until(
        || workers(root, &nats.url).len() == 2,
        || format!("the pilots never came: {}", cluster.queue()),
    );
    use_nats(root, &nats.url, "");
    let variants = variants_of(&spawn_run_with(root, &cluster).wait_with_output().unwrap());
    assert_eq!(variants.len(), 3);
    let done: u64 = workers(root, &nats.url)
        .iter()
        .map(|w| w["jobs_done"].as_u64().unwrap())
        .sum();
    assert!(done >= 4, "{done} jobs done");
    let host = hostname();
    assert!(
        workers(root, &nats.url)
            .iter()
            .all(|w| w["host"].as_str().is_some_and(|h| h.starts_with(&host))),
        "the pilots run on the node"
    );
    let queue = cluster.queue();
    assert_eq!(queue.matches("RUNNING clade-workers").count(), 2, "{queue}");
}

/// Without `sbatch` on PATH a `kind = "slurm"` run stops at its start,
/// saying what it needs, before any candidate is made.
#[test]
fn a_slurm_run_without_sbatch_says_so_at_the_start() {
    let llm = scripted_llm(Duration::ZERO);
    let dir = project(&llm.url(), 1, "name = \"nosbatch\"");
    let root = dir.path();
    append_config(
        root,
        "\n[evaluate.backend]\nkind = \"slurm\"\ndir = \"/tmp/clade-no-slurm\"\n",
    );
    let empty = tempfile::tempdir().unwrap();
    let out = clade_command(root, &["run"])
        .env("CLADE_TEST_KEY", "sk-test")
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("evaluate.backend.kind = \"slurm\" needs sbatch on PATH"),
        "{stderr}"
    );
    assert!(!Path::new("/tmp/clade-no-slurm").exists());
}
