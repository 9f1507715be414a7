//! The security model of distributed evaluation on a real nats-server
//! running `scripts/nats/permissions.conf`: the coordinator and a worker
//! connect as their own users, a run goes through, and the worker's
//! credentials can take jobs and write results and heartbeats but cannot
//! publish a job, write a bundle or delete a stream.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::distributed::{
    nats_server_binary, start_nats_with, start_worker_with, use_nats, variants_of, wait_until,
};
use crate::env::{clade_command, repo_root};
use crate::run::{project, scripted_llm};

const COORDINATOR: &str = "coordinator-secret-1";
const WORKER: &str = "worker-secret-2";

/// What the server answers `lines` sent after a `CONNECT` as `user`, in
/// NATS's text protocol (verbose: one `+OK` or `-ERR` per line sent).
fn answers(port: &str, user: &str, password: &str, lines: &[&str]) -> Vec<String> {
    let stream = TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap())).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("INFO "), "{line}");
    let connect = format!(
        "CONNECT {{\"verbose\":true,\"pedantic\":false,\"user\":\"{user}\",\"pass\":\"{password}\"}}\r\n"
    );
    let mut out = Vec::new();
    for sent in std::iter::once(connect.as_str()).chain(lines.iter().copied()) {
        writer.write_all(sent.as_bytes()).unwrap();
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            out.push("(closed)".to_string());
            break;
        }
        out.push(line.trim().to_string());
    }
    out
}

#[test]
fn a_workers_credentials_take_jobs_and_write_results_and_nothing_else() {
    let Some(binary) = nats_server_binary() else {
        return;
    };
    let config = repo_root().join("scripts/nats/permissions.conf");
    let vars = vec![
        (
            "CLADE_COORDINATOR_PASSWORD".to_string(),
            COORDINATOR.to_string(),
        ),
        ("CLADE_WORKER_PASSWORD".to_string(), WORKER.to_string()),
    ];
    let nats = start_nats_with(&binary, Some((config, vars)));
    let port = nats.url.rsplit(':').next().unwrap().to_string();
    let llm = scripted_llm(Duration::ZERO);
    let dir = project(&llm.url(), 3, "name = \"auth\"");
    let root = dir.path();
    use_nats(
        root,
        &nats.url,
        "user = \"coordinator\"\ntoken_env = \"CLADE_NATS_PASSWORD\"\n",
    );
    // The coordinator first: a worker may not create the stream or buckets.
    let run = clade_command(root, &["run", "--json"])
        .env("CLADE_TEST_KEY", "sk-test")
        .env("CLADE_NATS_PASSWORD", COORDINATOR)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let run_log = root.join(".git/clade/runs/auth/clade.log");
    wait_until(
        || {
            std::fs::read_to_string(&run_log)
                .is_ok_and(|l| l.contains("evaluating on NATS workers"))
        },
        || "the coordinator never connected".into(),
    );
    let worker = start_worker_with(root, &nats.url, |cmd| {
        cmd.args(["--user", "worker", "--token-env", "CLADE_NATS_PASSWORD"])
            .env("CLADE_NATS_PASSWORD", WORKER);
    });
    let variants = variants_of(&run.wait_with_output().unwrap());
    assert_eq!(variants.len(), 3);
    assert!(
        variants
            .iter()
            .all(|v| !v["reason"].as_str().unwrap_or("").starts_with("host_error")),
        "{variants:?}"
    );
    assert!(worker.log().contains(" evaluated "), "{}", worker.log());
    assert!(!worker.log().contains("WARN"), "{}", worker.log());
    // Its heartbeats landed: the coordinator's credentials list it.
    let listed = clade_command(
        root,
        &[
            "workers",
            "--nats",
            &nats.url,
            "--user",
            "coordinator",
            "--token-env",
            "P",
            "--json",
        ],
    )
    .env("P", COORDINATOR)
    .output()
    .unwrap();
    crate::env::assert_ok(&listed);
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert!(listed[0]["jobs_done"].as_u64().unwrap() >= 3, "{listed}");

    let as_worker = answers(
        &port,
        "worker",
        WORKER,
        &[
            "PUB $KV.clade-workers.probe 2\r\nhi\r\n",
            "PUB clade.jobs.clade_jobs.0123456789abcdef 2\r\nhi\r\n",
            "PUB $O.clade-bundles.C.forged 2\r\nhi\r\n",
            "PUB $JS.API.STREAM.DELETE.CLADE_JOBS 0\r\n\r\n",
            "PUB $JS.API.STREAM.PURGE.KV_clade-results 0\r\n\r\n",
        ],
    );
    assert_eq!(as_worker[0], "+OK", "{as_worker:?}");
    assert_eq!(as_worker[1], "+OK", "a heartbeat is allowed: {as_worker:?}");
    for (answer, subject) in as_worker[2..].iter().zip([
        "clade.jobs.clade_jobs.0123456789abcdef",
        "$O.clade-bundles.C.forged",
        "$JS.API.STREAM.DELETE.CLADE_JOBS",
        "$JS.API.STREAM.PURGE.KV_clade-results",
    ]) {
        assert_eq!(
            answer,
            &format!("-ERR 'Permissions Violation for Publish to \"{subject}\"'"),
            "{as_worker:?}"
        );
    }
    // The coordinator may; a wrong password may not connect at all.
    let as_coordinator = answers(
        &port,
        "coordinator",
        COORDINATOR,
        &["PUB clade.probe 0\r\n\r\n"],
    );
    assert_eq!(as_coordinator, ["+OK", "+OK"]);
    let wrong = answers(&port, "worker", "guess", &[]);
    assert_eq!(wrong, ["-ERR 'Authorization Violation'"]);
    drop(nats);
}
