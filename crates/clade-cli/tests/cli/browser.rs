//! The review UI in a real browser: headless Chromium driven through
//! chromedriver (WebDriver, the `fantoccini` client), on a run that
//! `clade run` made with a scripted LLM, served by `clade serve`. Screenshots
//! of each page are saved under the test's target folder
//! (`$CARGO_TARGET_TMPDIR/screenshots/`). Without chromedriver the test says
//! why it skipped, unless CLADE_REQUIRE_BROWSER is set (scripts/test.sh).

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clade_llm::{Reply, ScriptedServer};
use fantoccini::{Client, ClientBuilder, Locator};

use crate::env::{Killed, assert_ok, clade_command, free_port, git};

fn chromedriver() -> Option<PathBuf> {
    let found = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    if found.is_none() {
        let why =
            "no chromedriver (scripts/test.sh installs Debian's chromium and chromium-driver)";
        assert!(
            std::env::var_os("CLADE_REQUIRE_BROWSER").is_none(),
            "CLADE_REQUIRE_BROWSER is set but there is {why}"
        );
        eprintln!("skipped: {why}");
    }
    found
}

/// chromedriver on a free port, once it accepts connections.
fn start_driver(path: &Path) -> (Killed, String) {
    let port = free_port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (Killed(child), format!("http://{addr}"))
}

/// A run of 5 iterations: each proposal adds to `steps`; the third puts
/// `<script>` into the candidate's code and output.
fn make_run() -> (tempfile::TempDir, ScriptedServer) {
    let server = ScriptedServer::start_with(|n, request| {
        let body: serde_json::Value = serde_json::from_str(&request.body).unwrap_or_default();
        let user = body["messages"][1]["content"].as_str().unwrap_or("");
        let steps: u64 = user
            .split("let steps: u64 = ")
            .nth(1)
            .and_then(|rest| rest.split(';').next())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(1);
        let replacement = if n == 3 {
            format!("    let steps: u64 = {}; // <script>alert('x')</script>", steps + 100)
        } else {
            format!("    let steps: u64 = {};", steps + 1)
        };
        Reply::openai(
            &format!(
                "src/main.rs\n```rust\n<<<<<<< SEARCH\n    let steps: u64 = {steps};\n=======\n{replacement}\n>>>>>>> REPLACE\n```\n"
            ),
            100,
            30,
        )
    })
    .unwrap();
    let dir = crate::run::project(&server.url(), 5, "name = \"ui\"");
    let run = clade_command(dir.path(), &["run", "--json"])
        .env("CLADE_TEST_KEY", "sk-browser-test")
        .output()
        .unwrap();
    assert_ok(&run);
    (dir, server)
}

fn serve(dir: &Path) -> (Killed, String) {
    let mut child = clade_command(dir, &["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    (Killed(child), line.trim().to_string())
}

async fn shot(client: &Client, name: &str) {
    let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&folder).unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(folder.join(format!("{name}.png")), png).unwrap();
}

async fn nodes(client: &Client) -> usize {
    client
        .find_all(Locator::Css("svg.tree circle.node"))
        .await
        .unwrap()
        .len()
}

async fn text(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[test]
fn the_review_ui_works_in_a_real_browser() {
    let Some(driver) = chromedriver() else {
        return;
    };
    let (dir, _llm) = make_run();
    let archive = clade_archive::Archive::open(dir.path()).unwrap();
    let variants = archive.variant_count("ui").unwrap();
    drop(archive);
    let (_driver, webdriver) = start_driver(&driver);
    let (_served, url) = serve(dir.path());
    let base = url.split("/?token=").next().unwrap().to_string();
    let profile = tempfile::tempdir().unwrap();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--window-size=1400,1000", format!("--user-data-dir={}", profile.path().display())],
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&webdriver)
            .await
            .unwrap();

        // The printed URL: the token becomes a cookie and leaves the address.
        client.goto(&url).await.unwrap();
        assert_eq!(client.current_url().await.unwrap().as_str(), format!("{base}/"));
        shot(&client, "runs").await;

        // The run: one node per variant.
        client.find(Locator::Css("tr[data-run='ui'] a")).await.unwrap().click().await.unwrap();
        arrive(&client, "svg.tree").await;
        assert_eq!(nodes(&client).await, variants);
        shot(&client, "run").await;

        // A node leads to its variant: its diff and its prompt section.
        client.find(Locator::Css("circle[data-id='1']")).await.unwrap().click().await.unwrap();
        arrive(&client, "pre.diff").await;
        assert!(client.current_url().await.unwrap().as_str().ends_with("/runs/ui/1"));
        assert!(text(&client, "pre.diff").await.contains("let steps: u64 = "));
        // The prompt (system, then user with the parent's code) and the reply.
        let prompts = client.find_all(Locator::Css("pre.prompt")).await.unwrap();
        assert_eq!(prompts.len(), 2);
        let user = prompts[1].text().await.unwrap();
        assert!(user.contains("fn score() -> u64"), "{user}");
        assert!(text(&client, "pre.reply").await.starts_with("src/main.rs\n```rust\n<<<<<<< SEARCH"));
        shot(&client, "variant").await;
        client
            .execute("document.querySelector('details.exchange').scrollIntoView();", vec![])
            .await
            .unwrap();
        shot(&client, "variant-prompt").await;

        // "make branch" makes the branch; promote on a dirty tree is refused.
        client.find(Locator::Id("make-branch")).await.unwrap().click().await.unwrap();
        let done = arrive(&client, ".message.done").await.text().await.unwrap();
        assert!(done.starts_with("created branch clade/ui/1 at "), "{done}");
        let commit = git(dir.path(), &["rev-parse", "clade/ui/1"]);
        assert!(done.contains(commit.trim()), "{done}");
        std::fs::write(dir.path().join("notes.txt"), "uncommitted\n").unwrap();
        git(dir.path(), &["add", "notes.txt"]);
        client.find(Locator::Id("promote")).await.unwrap().click().await.unwrap();
        let refused = arrive(&client, ".message.refused").await.text().await.unwrap();
        assert!(refused.contains("notes.txt"), "{refused}");
        shot(&client, "refused").await;

        // The variant with <script> in its code shows it as text.
        let scripted = (0..variants as u64).find(|id| {
            let archive = clade_archive::Archive::open(dir.path()).unwrap();
            let files = archive.diff("ui", None, Some(*id)).unwrap();
            files.iter().any(|f| f.new.as_deref().unwrap_or("").contains("<script>"))
        });
        let scripted = scripted.expect("a variant with <script> in its code");
        client.goto(&format!("{base}/runs/ui/{scripted}")).await.unwrap();
        assert!(text(&client, "pre.diff").await.contains("<script>alert('x')</script>"));
        assert!(text(&client, "pre.reply").await.contains("<script>alert('x')</script>"));
        assert!(client.find_all(Locator::Css("script")).await.unwrap().is_empty());

        // A variant added while the run page is open appears without a
        // reload (the marker set on the page survives).
        client.goto(&format!("{base}/runs/ui")).await.unwrap();
        client.execute("window.cladeMarker = 42;", vec![]).await.unwrap();
        add_variant(dir.path());
        let deadline = Instant::now() + Duration::from_secs(30);
        while nodes(&client).await != variants + 1 {
            assert!(Instant::now() < deadline, "the new variant never appeared");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let marker = client.execute("return window.cladeMarker;", vec![]).await.unwrap();
        assert_eq!(marker, serde_json::json!(42), "the page was reloaded");
        shot(&client, "run-live").await;
        client.close().await.unwrap();
    });
}

/// One more variant in the run, as a writer would record it.
fn add_variant(dir: &Path) {
    let mut archive = clade_archive::Archive::open(dir).unwrap();
    let meta = clade_archive::VariantMeta {
        status: Some(clade_archive::VariantStatus::Validated),
        score: Some(99.0),
        ..Default::default()
    };
    let tree = clade_archive::TreeSource::Files(vec![(
        "src/main.rs".into(),
        Some(b"fn main() { println!(\"{\\\"score\\\": 99}\"); }\n".to_vec()),
    )]);
    archive
        .insert(
            "ui",
            clade_archive::NewVariant {
                parent: Some(0),
                tree,
                meta,
                transcript: None,
            },
        )
        .unwrap();
}

/// Waits (up to 30 s, on a loaded machine) for an element a click's
/// navigation leads to: a click returns before the next page is there.
async fn arrive(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css} after the click: {e}"))
}
