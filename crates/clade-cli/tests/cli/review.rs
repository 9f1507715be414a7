//! `clade runs | tree | show | diff | branch | promote` through the real
//! binary, on a real git repository whose archive the library filled.

use std::collections::BTreeMap;
use std::process::Output;

use crate::env::{clade, git};
use clade_archive::{
    Archive, Direction, NewVariant, PopulationConfig, RunRecord, TreeSource, VariantMeta,
    VariantStatus,
};

fn stdout(output: Output) -> String {
    assert!(
        output.status.success(),
        "clade failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn meta(score: Option<f64>, reason: Option<&str>) -> VariantMeta {
    VariantMeta {
        status: Some(if score.is_some() {
            VariantStatus::Validated
        } else {
            VariantStatus::Rejected
        }),
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

fn file(body: &str) -> TreeSource {
    TreeSource::Files(vec![(
        "src/lib.rs".into(),
        Some(format!("pub fn f() -> u32 {{\n    {body}\n}}\n").into_bytes()),
    )])
}

/// A repository with a run: seed 0 → 1 → 3 (best), 0 → 2 (rejected), 1 → 4.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("src/lib.rs"),
        "pub fn f() -> u32 {\n    1\n}\n",
    )
    .unwrap();
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "initial"]);
    let mut archive = Archive::open_or_create(dir.path()).unwrap();
    archive
        .create_run(
            RunRecord {
                name: "demo".into(),
                seed: 1,
                base_commit: archive.head_commit(),
                direction: Direction::Maximize,
                population: PopulationConfig::default(),
                created_ms: 0,
            },
            "",
        )
        .unwrap();
    let add = |archive: &mut Archive, parent, tree, meta| {
        archive
            .insert(
                "demo",
                NewVariant {
                    parent,
                    tree,
                    meta,
                    transcript: None,
                },
            )
            .unwrap();
    };
    add(&mut archive, None, file("1"), meta(Some(1.0), None));
    add(&mut archive, Some(0), file("2"), meta(Some(2.0), None));
    add(
        &mut archive,
        Some(0),
        file("oops"),
        meta(None, Some("build_failed: cannot find value `oops`")),
    );
    add(&mut archive, Some(1), file("3"), meta(Some(3.0), None));
    add(&mut archive, Some(1), file("2 + 0"), meta(Some(1.5), None));
    dir
}

#[test]
fn tree_marks_the_best_path() {
    let repo = fixture();
    insta::assert_snapshot!(stdout(clade(repo.path(), &["tree"])), @r"
    run demo: 5 variants (4 validated, 1 rejected), maximize; best: demo/3
    * demo/0 score 1 [diff] (+1 rejected)
    * └─ demo/1 score 2 [diff]
    *    ├─ demo/3 score 3 [diff]  ← best
         └─ demo/4 score 1.5 [diff]
    ");
    insta::assert_snapshot!(stdout(clade(repo.path(), &["tree", "demo", "--all"])), @r"
    run demo: 5 variants (4 validated, 1 rejected), maximize; best: demo/3
    * demo/0 score 1 [diff]
    * ├─ demo/1 score 2 [diff]
    * │  ├─ demo/3 score 3 [diff]  ← best
      │  └─ demo/4 score 1.5 [diff]
      └─ demo/2 rejected: build_failed: cannot find value `oops` [diff]
    ");
    let json: serde_json::Value =
        serde_json::from_str(&stdout(clade(repo.path(), &["tree", "--json"]))).unwrap();
    assert_eq!(json["best"], 3);
    assert_eq!(json["best_path"], serde_json::json!([0, 1, 3]));
    assert_eq!(json["variants"][0]["children"], serde_json::json!([1, 2]));
    assert_eq!(json["variants"][2]["status"], "rejected");
}

#[test]
fn show_prints_metadata_and_the_diff_against_the_parent() {
    let repo = fixture();
    let out = stdout(clade(repo.path(), &["show", "demo/3"]));
    insta::with_settings!({filters => vec![(r"[0-9a-f]{40}", "[commit]")]}, {
        insta::assert_snapshot!(out, @r"
        variant demo/3 commit [commit]
        status     validated, score 3
        lineage    parent demo/1, generation 2, island 0
        proposal   operator diff, model scripted
        metrics    score=3

        --- a/src/lib.rs
        +++ b/src/lib.rs
        @@ -1,3 +1,3 @@
         pub fn f() -> u32 {
        -    2
        +    3
         }
        ");
    });
    let json: serde_json::Value =
        serde_json::from_str(&stdout(clade(repo.path(), &["show", "demo/3", "--json"]))).unwrap();
    assert_eq!(json["meta"]["score"], 3.0);
    assert_eq!(json["diff"][0]["path"], "src/lib.rs");
    // A commit prefix names the same variant.
    let commit = json["commit"].as_str().unwrap();
    let by_prefix: serde_json::Value = serde_json::from_str(&stdout(clade(
        repo.path(),
        &["show", &commit[..12], "--json"],
    )))
    .unwrap();
    assert_eq!(by_prefix["id"], 3);
}

#[test]
fn diff_runs_and_errors() {
    let repo = fixture();
    let diff = stdout(clade(repo.path(), &["diff", "demo/4", "demo/3"]));
    assert!(diff.contains("-    2 + 0\n+    3"), "{diff}");
    let runs = stdout(clade(repo.path(), &["runs"]));
    assert!(runs.lines().nth(1).unwrap().starts_with("demo"), "{runs}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout(clade(repo.path(), &["runs", "--json"]))).unwrap();
    assert_eq!(json[0]["validated"], 4);
    assert_eq!(json[0]["rejected"], 1);
    assert_eq!(json[0]["best"]["id"], 3);

    let missing = clade(repo.path(), &["show", "demo/99"]);
    assert!(!missing.status.success());
    let err = String::from_utf8(missing.stderr).unwrap();
    assert_eq!(err.lines().count(), 1);
    assert!(err.contains("no variant \"demo/99\""), "{err}");
    let outside = tempfile::tempdir().unwrap();
    let none = clade(outside.path(), &["tree"]);
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("no Clade archive"));
}

#[test]
fn branch_and_promote_through_the_cli() {
    let repo = fixture();
    let out = stdout(clade(repo.path(), &["branch", "demo/3"]));
    assert!(out.starts_with("created branch clade/demo/3 at "), "{out}");
    let out = stdout(clade(repo.path(), &["branch", "demo/4", "review-me"]));
    assert!(out.starts_with("created branch review-me"), "{out}");
    assert!(git(repo.path(), &["branch", "--list"]).contains("review-me"));
    let again = clade(repo.path(), &["branch", "demo/3"]);
    assert!(!again.status.success());

    std::fs::write(repo.path().join("src/lib.rs"), "dirty\n").unwrap();
    let dirty = clade(repo.path(), &["promote", "demo/3"]);
    assert!(!dirty.status.success());
    assert!(String::from_utf8_lossy(&dirty.stderr).contains("uncommitted changes"));
    git(repo.path(), &["checkout", "--", "src/lib.rs"]);

    let out = stdout(clade(repo.path(), &["promote", "demo/3"]));
    assert!(out.starts_with("promoted demo/3"), "{out}");
    assert_eq!(
        std::fs::read_to_string(repo.path().join("src/lib.rs")).unwrap(),
        "pub fn f() -> u32 {\n    3\n}\n"
    );
    assert_eq!(git(repo.path(), &["status", "--porcelain"]), "");
}

#[test]
fn gc_removes_old_cache_files_and_says_how_much() {
    let home = tempfile::tempdir().unwrap();
    let old = home.path().join("modules/engine/old.cwasm");
    let new = home.path().join("modules/engine/new.cwasm");
    std::fs::create_dir_all(old.parent().unwrap()).unwrap();
    std::fs::write(&old, vec![0u8; 2048]).unwrap();
    std::fs::write(&new, b"fresh").unwrap();
    let month_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(30 * 86_400);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(month_ago)
        .unwrap();
    let gc = |extra: &[&str]| {
        let mut cmd = crate::env::clade_command(home.path(), &["gc", "--json"]);
        let out = cmd
            .args(extra)
            .env("CLADE_HOME", home.path())
            .output()
            .unwrap();
        crate::env::assert_ok(&out);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let dry = gc(&["--dry-run"]);
    assert_eq!(
        (dry["files"].as_u64(), dry["bytes"].as_u64()),
        (Some(1), Some(2048)),
        "{dry}"
    );
    assert!(old.exists());
    let done = gc(&[]);
    assert_eq!(done["files"], 1, "{done}");
    assert!(!old.exists() && new.exists());
}

/// Kills `clade serve` however the test ends.
struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `clade serve` with `args`; the first line it prints.
fn serve(dir: &std::path::Path, args: &[&str]) -> (Served, String) {
    use std::io::BufRead;
    let mut child = crate::env::clade_command(dir, args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let served = Served(child);
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    (served, line.trim().to_string())
}

fn http_get(url: &str, cookie: Option<&str>) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = std::net::TcpStream::connect(authority).unwrap();
    let cookie = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n{cookie}\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

#[test]
fn serve_prints_its_url_with_a_token_first_and_serves_the_run() {
    let dir = fixture();
    let (_served, url) = serve(dir.path(), &["serve", "--port", "0"]);
    let (base, token) = url
        .split_once("/?token=")
        .unwrap_or_else(|| panic!("{url}"));
    assert!(base.starts_with("http://127.0.0.1:"), "{url}");
    assert!(
        token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "{url}"
    );

    let first = http_get(&url, None);
    assert!(first.starts_with("HTTP/1.1 303"), "{first}");
    let cookie = first
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    let run = http_get(&format!("{base}/runs/demo"), Some(&cookie));
    assert!(run.starts_with("HTTP/1.1 200"), "{run}");
    assert_eq!(run.matches(r#"<circle class="node"#).count(), 5, "{run}");
    assert!(http_get(&format!("{base}/runs/demo"), None).starts_with("HTTP/1.1 401"));
}

#[test]
fn serve_warns_before_listening_beyond_the_loopback() {
    let dir = fixture();
    let (mut served, url) = serve(
        dir.path(),
        &["serve", "--port", "0", "--bind", "0.0.0.0", "--read-only"],
    );
    assert!(
        url.starts_with("http://") && url.contains("/?token="),
        "{url}"
    );
    let _ = served.0.kill();
    let _ = served.0.wait();
    let mut stderr = String::new();
    use std::io::Read;
    served
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("warning: listening on 0.0.0.0: anyone who reaches this address"),
        "{stderr}"
    );
    assert!(!stderr.contains("make branches"), "{stderr}");
}

#[test]
fn serve_outside_a_repository_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = clade(dir.path(), &["serve", "--port", "0"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot open the archive at"), "{stderr}");
}

#[test]
fn serve_export_writes_the_pages_as_files() {
    let dir = fixture();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("site");
    let printed = stdout(clade(
        dir.path(),
        &["serve", "--export", target.to_str().unwrap()],
    ));
    assert!(printed.starts_with("wrote 7 pages to "), "{printed}");
    let run = std::fs::read_to_string(target.join("runs/demo/index.html")).unwrap();
    assert_eq!(run.matches(r#"<circle class="node"#).count(), 5, "{run}");
}
