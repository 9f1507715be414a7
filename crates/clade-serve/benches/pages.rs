//! How long the review UI takes to answer for a large run: an archive of
//! `CLADE_BENCH_VARIANTS` variants (default 10,000: random parents, a
//! quarter rejected, 4 islands) in a real git repository, served on
//! 127.0.0.1; prints the median time to the whole answer of the dashboard,
//! the run page (tree and chart) and a variant page, their sizes, and the
//! archive's open time, which every request pays; then, where Debian's
//! chromedriver is installed, the run page's first contentful paint and
//! load end in headless Chromium (median of 5 loads).
//!
//! `cargo bench -p clade-serve --bench pages`

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Instant;

use clade_archive::{
    Archive, Direction, NewVariant, PopulationConfig, RunRecord, TreeSource, VariantMeta,
    VariantStatus,
};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A small deterministic generator (xorshift), so every run draws the same.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn fill(repo: &std::path::Path, total: u64) {
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(repo)
            .env("GIT_AUTHOR_NAME", "b")
            .env("GIT_AUTHOR_EMAIL", "b@example.invalid")
            .env("GIT_COMMITTER_NAME", "b")
            .env("GIT_COMMITTER_EMAIL", "b@example.invalid")
            .status()
            .expect("git")
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("lib.rs"), "pub fn f() -> u64 { 0 }\n").expect("write");
    git(&["add", "."]);
    git(&["commit", "-qm", "base"]);
    let mut archive = Archive::open_or_create(repo).expect("archive");
    let record = RunRecord {
        name: "big".into(),
        seed: 1,
        base_commit: archive.head_commit(),
        direction: Direction::Maximize,
        population: PopulationConfig::default(),
        created_ms: 0,
    };
    archive.create_run(record, "").expect("run");
    let mut draw = Draw(0x9e37_79b9_7f4a_7c15);
    // Parents are validated variants of earlier batches (a rejected one
    // cannot be a parent).
    let mut parents: Vec<u64> = Vec::new();
    let mut id = 0u64;
    while id < total {
        let end = if id == 0 { 1 } else { (id + 1000).min(total) };
        let batch: Vec<NewVariant> = (id..end)
            .map(|i| {
                let rejected = i > 0 && draw.next().is_multiple_of(4);
                let score = (draw.next() % 10_000) as f64 / 100.0;
                let parent =
                    (i > 0).then(|| parents[(draw.next() % parents.len() as u64) as usize]);
                NewVariant {
                    parent,
                    tree: TreeSource::Files(vec![(
                        "lib.rs".into(),
                        Some(format!("pub fn f() -> u64 {{ {i} }}\n").into_bytes()),
                    )]),
                    meta: VariantMeta {
                        status: Some(if rejected {
                            VariantStatus::Rejected
                        } else {
                            VariantStatus::Validated
                        }),
                        score: (!rejected).then_some(score),
                        reason: rejected.then(|| "build_failed: error[E0308]".to_string()),
                        metrics: BTreeMap::from([("score".into(), score)]),
                        operator: Some(["diff", "rewrite"][i as usize % 2].into()),
                        island: (i % 4) as usize,
                        ..VariantMeta::default()
                    },
                    transcript: None,
                }
            })
            .collect();
        id += batch.len() as u64;
        for variant in archive.insert_batch("big", batch).expect("insert") {
            if variant.meta.is_validated() {
                parents.push(variant.meta.id);
            }
        }
    }
    archive.pack_refs().expect("pack refs");
}

fn get(addr: SocketAddr, path: &str) -> (f64, usize) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: clade_token_{}=t\r\nConnection: close\r\n\r\n",
        addr.port()
    )
    .expect("send");
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).expect("read");
    assert!(
        reply.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&reply[..200.min(reply.len())])
    );
    (started.elapsed().as_secs_f64() * 1e3, reply.len())
}

fn main() {
    let total: u64 = std::env::var("CLADE_BENCH_VARIANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let t = Instant::now();
    fill(dir.path(), total);
    println!(
        "{total} variants archived in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let opens: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            Archive::open(dir.path()).expect("open");
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    println!(
        "archive open (every request): {:.0} ms median of 5",
        median(opens)
    );

    let mut options = clade_serve::Options::new(dir.path().to_path_buf());
    options.token = Some("t".into());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let server = clade_serve::Server::bind(options).await.expect("bind");
            tx.send(server.local_addr().expect("addr")).expect("send");
            server.run().await.expect("serve");
        });
    });
    let addr = rx.recv().expect("the server");
    println!("\n{:<22} {:>14} {:>10}", "page", "median ms", "KiB");
    let middle = format!("/runs/big/{}", total / 2);
    for (label, path) in [
        ("dashboard", "/"),
        ("run (tree, chart)", "/runs/big"),
        ("variant", middle.as_str()),
    ] {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..5 {
            let (ms, bytes) = get(addr, path);
            times.push(ms);
            size = bytes;
        }
        println!("{label:<22} {:>14.0} {:>10}", median(times), size / 1024);
    }
    browser(addr);
}

/// First contentful paint and load end of the run page in headless
/// Chromium, from the page's own performance entries.
fn browser(addr: SocketAddr) {
    let driver = std::path::Path::new("/usr/bin/chromedriver");
    if !driver.is_file() {
        println!("\nbrowser: skipped (no /usr/bin/chromedriver; scripts/test.sh installs it)");
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let mut child = std::process::Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromedriver");
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let profile = tempfile::tempdir().expect("a profile folder");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (paints, loads) = runtime.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({"binary": "/usr/bin/chromium", "args": ["--headless=new", "--no-sandbox",
                "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000",
                format!("--user-data-dir={}", profile.path().display())]}),
        );
        let client = fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a browser session");
        client.goto(&format!("http://{addr}/?token=t")).await.expect("the dashboard");
        let (mut paints, mut loads) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            client.goto(&format!("http://{addr}/runs/big")).await.expect("the run page");
            let times = client
                .execute(
                    "const p = performance.getEntriesByName('first-contentful-paint')[0]; \
                     const n = performance.getEntriesByType('navigation')[0]; \
                     return [p ? p.startTime : -1, n.loadEventEnd];",
                    vec![],
                )
                .await
                .expect("performance entries");
            paints.push(times[0].as_f64().unwrap_or(f64::NAN));
            loads.push(times[1].as_f64().unwrap_or(f64::NAN));
        }
        let _ = client.close().await;
        (paints, loads)
    });
    let _ = child.kill();
    let _ = child.wait();
    println!(
        "\nrun page in headless Chromium: first contentful paint {:.0} ms, load end {:.0} ms (median of 5 loads)",
        median(paints),
        median(loads)
    );
}
