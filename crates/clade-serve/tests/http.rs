//! The review UI over plain HTTP on 127.0.0.1, against a real git
//! repository whose archive holds a small run: who may ask, what the
//! pages show (escaped), and what the buttons do to the repository.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;

use clade_archive::{
    Archive, Direction, Exchange, ExchangeKind, NewVariant, PopulationConfig, Role, RunRecord,
    Transcript, TranscriptMessage, TreeSource, VariantMeta, VariantStatus,
};

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn lib_rs(body: &str) -> TreeSource {
    TreeSource::Files(vec![(
        "src/lib.rs".into(),
        Some(format!("pub fn f() -> u32 {{\n    {body}\n}}\n").into_bytes()),
    )])
}

fn meta(status: VariantStatus, score: Option<f64>, reason: Option<&str>) -> VariantMeta {
    VariantMeta {
        status: Some(status),
        score,
        reason: reason.map(str::to_string),
        metrics: score
            .map(|s| BTreeMap::from([("score".to_string(), s)]))
            .unwrap_or_default(),
        operator: Some("diff".into()),
        model: Some("scripted".into()),
        ..VariantMeta::default()
    }
}

/// A repository with a run `r`: the seed (1), a better child (7), and a
/// rejected child whose code and reason carry markup.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("src/lib.rs"),
        "pub fn f() -> u32 {\n    1\n}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("README.md"), "# project\n").unwrap();
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "initial"]);
    let mut archive = Archive::open_or_create(dir.path()).unwrap();
    let base = archive.head_commit();
    archive
        .create_run(
            RunRecord {
                name: "r".into(),
                seed: 7,
                base_commit: base,
                direction: Direction::Maximize,
                population: PopulationConfig::default(),
                created_ms: 0,
            },
            "",
        )
        .unwrap();
    let insert = |archive: &mut Archive, parent, tree, meta| {
        archive
            .insert(
                "r",
                NewVariant {
                    parent,
                    tree,
                    meta,
                    transcript: None,
                },
            )
            .unwrap();
    };
    insert(
        &mut archive,
        None,
        lib_rs("1"),
        meta(VariantStatus::Validated, Some(1.0), None),
    );
    insert(
        &mut archive,
        Some(0),
        lib_rs("7"),
        meta(VariantStatus::Validated, Some(7.0), None),
    );
    archive
        .insert(
            "r",
            NewVariant {
                parent: Some(0),
                tree: lib_rs("\"<script>alert('code')</script>\".len() as u32"),
                meta: meta(
                    VariantStatus::Rejected,
                    None,
                    Some("build_failed: <script>alert('reason')</script>"),
                ),
                transcript: Some(hostile_transcript()),
            },
        )
        .unwrap();
    dir
}

/// A prompt and a reply that try to close the page's markup.
fn hostile_transcript() -> Transcript {
    let message = |role, content: &str| TranscriptMessage {
        role,
        content: content.into(),
    };
    Transcript {
        exchanges: vec![Exchange {
            kind: ExchangeKind::Proposal,
            number: 0,
            model: "openai:m".into(),
            seed: Some(1),
            temperature: None,
            messages: vec![
                message(Role::System, "You improve programs."),
                message(Role::User, "</pre><script>alert('prompt')</script>"),
            ],
            reply: "</details><script>alert('reply')</script>".into(),
            cached: false,
            tokens_in: 10,
            tokens_out: 4,
        }],
    }
}

/// A server on a free port of 127.0.0.1 for `repo`, running on a thread.
fn serve(repo: &Path, read_only: bool) -> SocketAddr {
    let mut options = clade_serve::Options::new(repo.to_path_buf());
    options.read_only = read_only;
    serve_with(options)
}

fn serve_with(mut options: clade_serve::Options) -> SocketAddr {
    options.token = Some(TOKEN.into());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let server = clade_serve::Server::bind(options).await.unwrap();
            tx.send(server.local_addr().unwrap()).unwrap();
            server.run().await.unwrap();
        });
    });
    rx.recv().unwrap()
}

struct Reply {
    status: u16,
    head: String,
    body: String,
}

fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut text = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    let host = format!("127.0.0.1:{}", addr.port());
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        text.push_str(&format!("Host: {host}\r\n"));
    }
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    stream.write_all(text.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
    Reply {
        status: head.split_whitespace().nth(1).unwrap().parse().unwrap(),
        head: head.to_string(),
        body: body.to_string(),
    }
}

fn cookie(addr: SocketAddr) -> String {
    format!("clade_token_{}={TOKEN}", addr.port())
}

fn get(addr: SocketAddr, path: &str) -> Reply {
    request(addr, "GET", path, &[("Cookie", &cookie(addr))], "")
}

fn post(addr: SocketAddr, path: &str, origin: Option<&str>, form: &str) -> Reply {
    let cookie = cookie(addr);
    let mut headers = vec![
        ("Cookie", cookie.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    if let Some(origin) = origin {
        headers.push(("Origin", origin));
    }
    request(addr, "POST", path, &headers, form)
}

fn own_origin(addr: SocketAddr) -> String {
    format!("http://127.0.0.1:{}", addr.port())
}

#[test]
fn the_url_token_becomes_a_strict_cookie_and_nothing_is_served_without_it() {
    let repo = repository();
    let addr = serve(repo.path(), false);
    let first = request(addr, "GET", &format!("/runs/r?token={TOKEN}"), &[], "");
    assert_eq!(first.status, 303, "{}", first.head);
    assert!(
        first.head.contains("location: /runs/r\r\n"),
        "{}",
        first.head
    );
    let set = first
        .head
        .lines()
        .find(|l| l.starts_with("set-cookie:"))
        .unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    assert_eq!(get(addr, "/runs/r").status, 200);

    let bare = request(addr, "GET", "/", &[], "");
    assert_eq!(bare.status, 401);
    assert!(
        bare.body.contains("open the URL `clade serve` printed"),
        "{}",
        bare.body
    );
    assert_eq!(request(addr, "GET", "/?token=guess", &[], "").status, 401);
}

#[test]
fn a_foreign_host_is_refused_even_with_the_token() {
    let repo = repository();
    let addr = serve(repo.path(), false);
    let cookie = cookie(addr);
    let rebound = request(
        addr,
        "GET",
        "/",
        &[("Host", "attacker.example"), ("Cookie", &cookie)],
        "",
    );
    assert_eq!(rebound.status, 421);
    let localhost = format!("localhost:{}", addr.port());
    assert_eq!(
        request(
            addr,
            "GET",
            "/",
            &[("Host", &localhost), ("Cookie", &cookie)],
            ""
        )
        .status,
        200
    );
}

#[test]
fn the_pages_show_the_run_and_escape_what_candidates_wrote() {
    let repo = repository();
    let addr = serve(repo.path(), false);
    let dashboard = get(addr, "/");
    assert!(
        dashboard.body.contains(r#"<tr data-run="r">"#),
        "{}",
        dashboard.body
    );
    assert!(
        dashboard
            .head
            .contains("content-security-policy: default-src 'none'"),
        "{}",
        dashboard.head
    );

    let run = get(addr, "/runs/r");
    assert_eq!(
        run.body.matches(r#"<circle class="node"#).count(),
        3,
        "{}",
        run.body
    );
    assert!(
        run.body
            .contains(r#"<a href="/runs/r?reason=build_failed">build_failed</a>"#)
    );
    let rejected_only = get(addr, "/runs/r?status=rejected");
    assert_eq!(rejected_only.body.matches("faded").count(), 2);

    let variant = get(addr, "/runs/r/2");
    assert_eq!(variant.status, 200);
    assert!(!variant.body.contains("<script"), "{}", variant.body);
    assert!(
        variant
            .body
            .contains("&lt;script&gt;alert(&#39;reason&#39;)")
    );
    assert!(
        variant
            .body
            .contains(r#"<span class="add">+    &quot;&lt;script&gt;alert(&#39;code&#39;)"#),
        "{}",
        variant.body
    );

    // Its prompt and reply, escaped; a variant without them says so.
    assert!(variant.body.contains(
        r#"<h3>user</h3><pre class="prompt">&lt;/pre&gt;&lt;script&gt;alert(&#39;prompt&#39;)"#
    ));
    assert!(variant.body.contains(
        r#"<h3>reply</h3><pre class="reply">&lt;/details&gt;&lt;script&gt;alert(&#39;reply&#39;)"#
    ));
    assert!(
        get(addr, "/runs/r/1")
            .body
            .contains("<h2>Prompt and reply</h2><p class=\"dim\">Not kept")
    );

    let compare = get(addr, "/compare?a=r/1&b=r/2");
    assert!(
        compare.body.contains("common ancestor #0"),
        "{}",
        compare.body
    );
    assert_eq!(get(addr, "/runs/r/9").status, 404);
    assert_eq!(get(addr, "/runs/nope").status, 404);
}

#[test]
fn a_change_needs_a_post_with_the_token_from_this_origin() {
    let repo = repository();
    let addr = serve(repo.path(), false);
    let form = format!("token={TOKEN}&name=");
    let foreign = post(
        addr,
        "/runs/r/1/branch",
        Some("http://attacker.example"),
        &form,
    );
    assert_eq!(foreign.status, 403);
    assert_eq!(post(addr, "/runs/r/1/branch", None, &form).status, 403);
    let no_token = post(
        addr,
        "/runs/r/1/branch",
        Some(&own_origin(addr)),
        "token=&name=",
    );
    assert_eq!(no_token.status, 403);
    let without_cookie = request(
        addr,
        "POST",
        "/runs/r/1/branch",
        &[
            ("Origin", &own_origin(addr)),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &form,
    );
    assert_eq!(without_cookie.status, 401);
    assert!(
        Command::new("git")
            .args(["rev-parse", "--verify", "-q", "clade/r/1"])
            .current_dir(repo.path())
            .output()
            .unwrap()
            .stdout
            .is_empty()
    );

    let made = post(addr, "/runs/r/1/branch", Some(&own_origin(addr)), &form);
    assert_eq!(made.status, 200);
    let commit = git(repo.path(), &["rev-parse", "clade/r/1"]);
    assert!(
        made.body
            .contains(&format!("created branch clade/r/1 at {}", commit.trim())),
        "{}",
        made.body
    );
    let again = post(addr, "/runs/r/1/branch", Some(&own_origin(addr)), &form);
    assert!(
        again
            .body
            .contains(r#"<div class="message refused">branch clade/r/1 already exists"#),
        "{}",
        again.body
    );
}

#[test]
fn promote_on_a_dirty_tree_shows_the_archives_refusal() {
    let repo = repository();
    let addr = serve(repo.path(), false);
    std::fs::write(repo.path().join("README.md"), "# edited, not committed\n").unwrap();
    let refused = post(
        addr,
        "/runs/r/1/promote",
        Some(&own_origin(addr)),
        &format!("token={TOKEN}"),
    );
    let archive = Archive::open(repo.path()).unwrap();
    let words = archive.promote("r", 1).unwrap_err().to_string();
    assert!(
        refused
            .body
            .contains(&format!(r#"<div class="message refused">{words}</div>"#)),
        "{words}\n{}",
        refused.body
    );
    assert_eq!(git(repo.path(), &["log", "--format=%s"]).trim(), "initial");

    git(repo.path(), &["checkout", "--", "README.md"]);
    let done = post(
        addr,
        "/runs/r/1/promote",
        Some(&own_origin(addr)),
        &format!("token={TOKEN}"),
    );
    assert!(
        done.body.contains("promoted r/1 onto the current branch"),
        "{}",
        done.body
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join("src/lib.rs")).unwrap(),
        "pub fn f() -> u32 {\n    7\n}\n"
    );
}

#[test]
fn a_read_only_server_has_no_buttons_and_refuses_every_post() {
    let repo = repository();
    let addr = serve(repo.path(), true);
    let page = get(addr, "/runs/r/1");
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("make branch"), "{}", page.body);
    let refused = post(
        addr,
        "/runs/r/1/branch",
        Some(&own_origin(addr)),
        &format!("token={TOKEN}&name="),
    );
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("read-only"));
    assert!(git(repo.path(), &["branch", "--list"]).trim() == "* main");
}

/// Reads from `stream` until `needle` has arrived (or 20 s pass).
fn read_until(stream: &mut TcpStream, seen: &mut String, needle: &str) -> bool {
    stream
        .set_read_timeout(Some(std::time::Duration::from_millis(200)))
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut buf = [0u8; 4096];
    while !seen.contains(needle) {
        if std::time::Instant::now() > deadline {
            return false;
        }
        match stream.read(&mut buf) {
            Ok(0) => return false,
            Ok(n) => seen.push_str(&String::from_utf8_lossy(&buf[..n])),
            Err(_) => {}
        }
    }
    true
}

fn open_events(addr: SocketAddr, last_event_id: Option<&str>) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    let last = last_event_id
        .map(|id| format!("Last-Event-ID: {id}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET /runs/r/events HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nCookie: {}\r\nAccept: text/event-stream\r\n{last}\r\n",
        addr.port(),
        cookie(addr)
    )
    .unwrap();
    stream
}

#[test]
fn a_run_page_follows_new_variants_as_server_sent_events() {
    let repo = repository();
    let addr = serve(repo.path(), false);
    let page = get(addr, "/runs/r");
    assert!(
        page.body
            .contains(r#"<main data-events="/runs/r/events" data-count="3">"#),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(r#"<script src="/assets/live.js"></script>"#)
    );
    assert_eq!(get(addr, "/assets/live.js").status, 200);

    let mut fresh = open_events(addr, None);
    let mut resumed = open_events(addr, Some("3"));
    let (mut seen_fresh, mut seen_resumed) = (String::new(), String::new());
    assert!(
        read_until(&mut fresh, &mut seen_fresh, "data: 3\n"),
        "{seen_fresh}"
    );
    assert!(
        seen_fresh.contains("content-type: text/event-stream"),
        "{seen_fresh}"
    );

    let mut archive = Archive::open(repo.path()).unwrap();
    archive
        .insert(
            "r",
            NewVariant {
                parent: Some(1),
                tree: lib_rs("8"),
                meta: meta(VariantStatus::Validated, Some(8.0), None),
                transcript: None,
            },
        )
        .unwrap();
    drop(archive);
    assert!(
        read_until(
            &mut fresh,
            &mut seen_fresh,
            "id: 4\nevent: variants\ndata: 4\n"
        ),
        "{seen_fresh}"
    );
    // A reconnecting browser that saw 3 hears of 4, and never of 3 again.
    assert!(
        read_until(&mut resumed, &mut seen_resumed, "data: 4\n"),
        "{seen_resumed}"
    );
    assert!(!seen_resumed.contains("data: 3\n"), "{seen_resumed}");
}

#[test]
fn the_export_writes_every_page_with_relative_links_and_escaped_text() {
    let repo = repository();
    let out = tempfile::tempdir().unwrap();
    let pages = clade_serve::export(repo.path(), out.path(), None).unwrap();
    assert_eq!(pages, 1 + 1 + 3);
    let run = std::fs::read_to_string(out.path().join("runs/r/index.html")).unwrap();
    assert_eq!(run.matches(r#"<circle class="node"#).count(), 3);
    assert!(
        run.contains(r#"<a href="../../runs/r/1/index.html">"#),
        "{run}"
    );
    assert!(run.contains(r#"href="../../assets/style.css""#));
    assert!(!run.contains("<script"), "{run}");
    let variant = std::fs::read_to_string(out.path().join("runs/r/2/index.html")).unwrap();
    assert!(variant.contains("&lt;script&gt;alert(&#39;reason&#39;)"));
    assert!(!variant.contains("<script") && !variant.contains("make branch"));
    for page in [&run, &variant] {
        assert!(
            !page.contains("href=\"/") && !page.contains("src=\"/"),
            "{page}"
        );
    }
    assert!(out.path().join("assets/style.css").is_file());
    assert!(out.path().join("index.html").is_file());
}

/// The run's chart draws the published reference the lookup finds for the
/// run's config, escaped; without a lookup there is no line.
#[test]
fn the_chart_draws_the_reference_the_lookup_gives_for_the_runs_config() {
    let repo = repository();
    let mut options = clade_serve::Options::new(repo.path().to_path_buf());
    // The fixture's run was created with an empty config.
    options.reference = Some(std::sync::Arc::new(|config: &str| {
        config.is_empty().then(|| (9.5, "paper <9.5>".to_string()))
    }));
    let with = get(serve_with(options), "/runs/r");
    assert_eq!(with.body.matches(r#"class="reference""#).count(), 1);
    assert!(
        with.body.contains(">paper &lt;9.5&gt;</text>"),
        "{}",
        with.body
    );
    let without = get(serve(repo.path(), true), "/runs/r");
    assert!(!without.body.contains(r#"class="reference""#));
}
