//! What a candidate crate may contain, checked before anything is built.
//!
//! Building Rust runs code on the host (build scripts, proc macros) and lets
//! source read host files (`include_str!`, `#[path]`). The candidate therefore
//! contributes only `src/**/*.rs`; everything that would widen that is
//! rejected here with a reason. The OS sandbox around the build is the second
//! line of defence for what a textual check cannot see (macro-built paths).

use std::path::{Component, Path};

/// A candidate's sources: relative paths (`src/...`) and contents, sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sources {
    pub files: Vec<(String, Vec<u8>)>,
}

const MAX_FILES: usize = 512;
const MAX_TOTAL_BYTES: usize = 8 << 20;
/// Dependencies the host's manifest provides; a candidate manifest may name
/// these and nothing else.
const ALLOWED_DEPENDENCIES: &[&str] = &["clade-guest"];
const FORBIDDEN_AT_ROOT: &[(&str, &str)] = &[
    (
        "build.rs",
        "build scripts run on the host and are not allowed",
    ),
    (".cargo", "cargo configuration (.cargo/) is not allowed"),
    ("rust-toolchain", "toolchain files are not allowed"),
    ("rust-toolchain.toml", "toolchain files are not allowed"),
];

/// The file a candidate crate must have: a binary's or a library's root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CrateRoot {
    Main,
    Lib,
}

impl CrateRoot {
    fn path(self) -> &'static str {
        match self {
            CrateRoot::Main => "src/main.rs",
            CrateRoot::Lib => "src/lib.rs",
        }
    }

    fn kind(self) -> &'static str {
        match self {
            CrateRoot::Main => "a binary",
            CrateRoot::Lib => "a library",
        }
    }
}

/// Reads and checks a candidate crate; `Err` is the rejection reason.
pub(crate) fn collect(crate_dir: &Path, root: CrateRoot) -> Result<Sources, String> {
    for (name, why) in FORBIDDEN_AT_ROOT {
        if crate_dir.join(name).symlink_metadata().is_ok() {
            return Err(format!("{name}: {why}"));
        }
    }
    let manifest = crate_dir.join("Cargo.toml");
    if manifest.symlink_metadata().is_ok() {
        let text = std::fs::read_to_string(&manifest)
            .map_err(|e| format!("Cargo.toml: cannot read: {e}"))?;
        check_manifest(&text)?;
    }
    let src = crate_dir.join("src");
    match src.symlink_metadata() {
        Ok(m) if m.file_type().is_symlink() => return Err("src: symlinks are not allowed".into()),
        Ok(m) if m.is_dir() => {}
        _ => {
            return Err(format!(
                "src/: missing; a candidate crate needs {}",
                root.path()
            ));
        }
    }
    let mut files = Vec::new();
    let mut total = 0usize;
    walk(&src, "src", &mut files, &mut total)?;
    files.sort();
    if !files.iter().any(|(p, _)| p == root.path()) {
        return Err(format!(
            "{}: missing; a candidate crate is {}",
            root.path(),
            root.kind()
        ));
    }
    for (path, content) in &files {
        let text = std::str::from_utf8(content).map_err(|_| format!("{path}: not UTF-8"))?;
        check_source(path, text)?;
    }
    Ok(Sources { files })
}

fn walk(
    dir: &Path,
    rel: &str,
    files: &mut Vec<(String, Vec<u8>)>,
    total: &mut usize,
) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{rel}: cannot list: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{rel}: cannot list: {e}"))?;
        let name = entry.file_name();
        let name = name
            .to_str()
            .ok_or_else(|| format!("{rel}/{}: file names must be UTF-8", name.to_string_lossy()))?;
        let path = format!("{rel}/{name}");
        let kind = entry.file_type().map_err(|e| format!("{path}: {e}"))?;
        if kind.is_symlink() {
            return Err(format!("{path}: symlinks are not allowed"));
        } else if kind.is_dir() {
            walk(&entry.path(), &path, files, total)?;
        } else if !kind.is_file() {
            return Err(format!("{path}: only regular files are allowed"));
        } else if !name.ends_with(".rs") {
            return Err(format!("{path}: only .rs files are allowed under src/"));
        } else {
            let content =
                std::fs::read(entry.path()).map_err(|e| format!("{path}: cannot read: {e}"))?;
            *total += content.len();
            files.push((path, content));
            if files.len() > MAX_FILES {
                return Err(format!("more than {MAX_FILES} source files"));
            }
            if *total > MAX_TOTAL_BYTES {
                return Err(format!("sources exceed {MAX_TOTAL_BYTES} bytes"));
            }
        }
    }
    Ok(())
}

/// A candidate's own manifest is ignored, but one that asks for host code at
/// build time says the candidate expects something it will not get.
fn check_manifest(text: &str) -> Result<(), String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        format!("Cargo.toml: invalid TOML: {}", first_line(&e.to_string()))
    })?;
    if let Some(build) = table.get("package").and_then(|p| p.get("build"))
        && build.as_bool() != Some(false)
    {
        return Err("Cargo.toml: build scripts (package.build) are not allowed".into());
    }
    if table
        .get("lib")
        .and_then(|l| l.get("proc-macro").or_else(|| l.get("proc_macro")))
        .and_then(toml::Value::as_bool)
        == Some(true)
    {
        return Err("Cargo.toml: proc-macro crates are not allowed".into());
    }
    for key in [
        "build-dependencies",
        "build_dependencies",
        "patch",
        "replace",
    ] {
        if table.contains_key(key) {
            return Err(format!("Cargo.toml: [{key}] is not allowed"));
        }
    }
    if table.contains_key("target") {
        return Err("Cargo.toml: [target] sections are not allowed".into());
    }
    if let Some(deps) = table.get("dependencies").and_then(toml::Value::as_table) {
        for name in deps.keys() {
            if !ALLOWED_DEPENDENCIES.contains(&name.as_str()) {
                return Err(format!(
                    "Cargo.toml: dependency `{name}` is not provided by the host (allowed: {})",
                    ALLOWED_DEPENDENCIES.join(", ")
                ));
            }
        }
    }
    Ok(())
}

const PATH_MACROS: &[&str] = &["include_str!", "include_bytes!", "include!"];

/// Rejects file paths in source that leave the crate: `#[path = ...]` and the
/// include macros with an absolute or `..` path.
fn check_source(file: &str, text: &str) -> Result<(), String> {
    for (line_no, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for needle in PATH_MACROS.iter().copied().chain(["#[path", "#![path"]) {
            let mut rest = code;
            while let Some(at) = rest.find(needle) {
                rest = &rest[at + needle.len()..];
                let after =
                    rest.trim_start_matches(|c: char| c.is_whitespace() || c == '(' || c == '=');
                if let Some(literal) = string_literal(after)
                    && escapes(literal)
                {
                    return Err(format!(
                        "{file}:{}: `{needle}` names {literal:?}, outside the crate",
                        line_no + 1
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The contents of a plain or raw string literal at the start of `s`.
fn string_literal(s: &str) -> Option<&str> {
    let s = s
        .strip_prefix('r')
        .map(|r| r.trim_start_matches('#'))
        .unwrap_or(s);
    let body = s.strip_prefix('"')?;
    body.find('"').map(|end| &body[..end])
}

fn escapes(literal: &str) -> bool {
    let path = Path::new(literal);
    literal.starts_with('\\')
        || path.components().any(|c| {
            matches!(
                c,
                Component::RootDir | Component::Prefix(_) | Component::ParentDir
            )
        })
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_of_absolute_or_parent_path_is_rejected() {
        for src in [
            r#"const X: &str = include_str!("/etc/hostname");"#,
            r#"const X: &[u8] = include_bytes!( "../../secret" );"#,
            r##"const X: &str = include_str!(r#"/etc/passwd"#);"##,
            r#"#[path = "/tmp/evil.rs"] mod evil;"#,
            r#"#[path="../x.rs"] mod x;"#,
        ] {
            assert!(check_source("src/main.rs", src).is_err(), "accepted: {src}");
        }
    }

    #[test]
    fn include_inside_the_crate_and_comments_are_fine() {
        for src in [
            r#"const X: &str = include_str!("data.rs");"#,
            r#"#[path = "sub/x.rs"] mod x;"#,
            r#"// include_str!("/etc/hostname")"#,
        ] {
            assert!(check_source("src/main.rs", src).is_ok(), "rejected: {src}");
        }
    }

    #[test]
    fn manifests_asking_for_host_code_are_rejected() {
        let cases = [
            ("[package]\nname='x'\nbuild='build.rs'", "build scripts"),
            ("[lib]\nproc-macro = true", "proc-macro"),
            ("[build-dependencies]\ncc='1'", "build-dependencies"),
            ("[dependencies]\nserde_derive='1'", "serde_derive"),
            ("[patch.crates-io]\nfoo={path='/x'}", "patch"),
            ("not = [valid", "invalid TOML"),
        ];
        for (manifest, expect) in cases {
            let err = check_manifest(manifest).unwrap_err();
            assert!(err.contains(expect), "{manifest:?} gave {err:?}");
        }
        assert!(
            check_manifest("[package]\nname='x'\n[dependencies]\nclade-guest={path='x'}").is_ok()
        );
    }
}
