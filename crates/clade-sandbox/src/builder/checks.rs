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

/// Reads and checks a project crate (its manifest is checked by the
/// caller against the trusted one): the forbidden root files, `src/**/*.rs`
/// and `tests/**/*.rs`, and the path checks on all of them.
pub(crate) fn collect_project(crate_dir: &Path) -> Result<Sources, String> {
    for (name, why) in FORBIDDEN_AT_ROOT {
        if crate_dir.join(name).symlink_metadata().is_ok() {
            return Err(format!("{name}: {why}"));
        }
    }
    let mut files = Vec::new();
    let mut total = 0usize;
    for dir in ["src", "tests"] {
        match crate_dir.join(dir).symlink_metadata() {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(format!("{dir}: symlinks are not allowed"));
            }
            Ok(m) if m.is_dir() => walk(&crate_dir.join(dir), dir, &mut files, &mut total)?,
            _ => {}
        }
    }
    files.sort();
    if !files
        .iter()
        .any(|(p, _)| p == "src/main.rs" || p == "src/lib.rs")
    {
        return Err("src/main.rs or src/lib.rs: missing; the crate has no root".into());
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
            return Err(format!(
                "{path}: only .rs files are allowed under src/ and tests/"
            ));
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

/// The include macros, by name.
const PATH_MACROS: &[&str] = &["include_str", "include_bytes", "include"];

/// A token of Rust source, as far as the path checks need one.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    /// A string literal's contents (plain, raw or byte).
    Str(String),
    Punct(char),
}

/// Rejects file paths in source that leave the crate: `#[path = ...]`
/// (however written: spread over lines, inside `cfg_attr`) and the include
/// macros (with any delimiter), whose argument must be a plain relative
/// string literal. Works on tokens, so comments, spacing and `//` inside a
/// string change nothing.
fn check_source(file: &str, text: &str) -> Result<(), String> {
    let tokens = tokenize(text);
    let refuse = |line: usize, what: &str| Err(format!("{file}:{line}: {what}"));
    let mut attribute_depth: Option<usize> = None;
    let mut depth = 0usize;
    for (k, (line, token)) in tokens.iter().enumerate() {
        let next = |n: usize| tokens.get(k + n).map(|(_, t)| t);
        match token {
            Token::Punct('#') => {
                let bang = usize::from(next(1) == Some(&Token::Punct('!')));
                if next(1 + bang) == Some(&Token::Punct('[')) && attribute_depth.is_none() {
                    attribute_depth = Some(depth);
                }
            }
            Token::Punct('[' | '(' | '{') => depth += 1,
            Token::Punct(']' | ')' | '}') => {
                depth = depth.saturating_sub(1);
                if attribute_depth == Some(depth) {
                    attribute_depth = None;
                }
            }
            Token::Ident(name)
                if PATH_MACROS.contains(&name.as_str()) && next(1) == Some(&Token::Punct('!')) =>
            {
                let argument = (next(2), next(3), next(4));
                match argument {
                    (
                        Some(Token::Punct('(' | '[' | '{')),
                        Some(Token::Str(path)),
                        Some(Token::Punct(')' | ']' | '}')),
                    ) if !escapes(path) => {}
                    (Some(Token::Punct(_)), Some(Token::Str(path)), _) if escapes(path) => {
                        return refuse(
                            *line,
                            &format!("`{name}!` names {path:?}, outside the crate"),
                        );
                    }
                    _ => {
                        return refuse(
                            *line,
                            &format!(
                                "`{name}!` takes one plain string literal naming a file inside the crate"
                            ),
                        );
                    }
                }
            }
            Token::Ident(name)
                if name == "path"
                    && attribute_depth.is_some()
                    && next(1) == Some(&Token::Punct('=')) =>
            {
                match next(2) {
                    Some(Token::Str(path)) if !escapes(path) => {}
                    Some(Token::Str(path)) => {
                        return refuse(
                            *line,
                            &format!("`#[path]` names {path:?}, outside the crate"),
                        );
                    }
                    _ => return refuse(*line, "`#[path]` takes one plain string literal"),
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The tokens of `text` with their 1-based lines: comments dropped, string
/// literals whole, lifetimes and chars skipped, numbers as identifiers.
fn tokenize(text: &str) -> Vec<(usize, Token)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let start_line = line;
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut nesting = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    nesting += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    nesting -= 1;
                    i += 2;
                    if nesting == 0 {
                        break;
                    }
                } else {
                    line += usize::from(chars[i] == '\n');
                    i += 1;
                }
            }
        } else if let Some((contents, end)) = string_at(&chars, i) {
            line += contents.matches('\n').count();
            out.push((start_line, Token::Str(contents)));
            i = end;
        } else if c == '\'' {
            // A char literal ('x', '\n') or a lifetime ('a): skipped.
            i += match (next, chars.get(i + 2)) {
                (Some('\\'), _) => chars[i + 2..]
                    .iter()
                    .position(|&c| c == '\'')
                    .map_or(chars.len(), |p| p + 3),
                (Some(_), Some('\'')) => 3,
                _ => 1,
            };
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((start_line, Token::Ident(chars[start..i].iter().collect())));
        } else {
            out.push((start_line, Token::Punct(c)));
            i += 1;
        }
    }
    out
}

/// A string literal starting at `i` (`"…"`, `r#"…"#`, `b"…"`, `br"…"`):
/// its contents and where it ends.
fn string_at(chars: &[char], i: usize) -> Option<(String, usize)> {
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) == Some(&'r') {
        j += 1;
        let mut hashes = 0;
        while chars.get(j) == Some(&'#') {
            hashes += 1;
            j += 1;
        }
        if chars.get(j) != Some(&'"')
            || (j == i + 1 && chars[i] == 'b') && hashes == 0 && chars[i + 1] != 'r'
        {
            return None;
        }
        if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
            return None;
        }
        let body = j + 1;
        let mut k = body;
        while k < chars.len() {
            if chars[k] == '"' && (0..hashes).all(|h| chars.get(k + 1 + h) == Some(&'#')) {
                return Some((chars[body..k].iter().collect(), k + 1 + hashes));
            }
            k += 1;
        }
        return Some((chars[body..].iter().collect(), chars.len()));
    }
    if chars.get(j) != Some(&'"')
        || (j > i && i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'))
    {
        return None;
    }
    let mut contents = String::new();
    let mut k = j + 1;
    while k < chars.len() {
        match chars[k] {
            '\\' => {
                if let Some(&escaped) = chars.get(k + 1) {
                    contents.push('\\');
                    contents.push(escaped);
                }
                k += 2;
            }
            '"' => return Some((contents, k + 1)),
            c => {
                contents.push(c);
                k += 1;
            }
        }
    }
    Some((contents, chars.len()))
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

    /// Ways around a line-based check: other delimiters, spacing and
    /// lines inside the macro call or the attribute, `cfg_attr`, a `//`
    /// inside a string that hid the rest of its line, a macro-built path.
    #[test]
    fn escapes_are_found_however_they_are_written() {
        for src in [
            r#"const X: &str = include_str! {"/etc/passwd"};"#,
            r#"const X: &str = include_str![ "/etc/passwd" ];"#,
            "const X: &str = include_str!\n(\n\"/etc/passwd\"\n);",
            "const X: &str = include_str /* c */ ! (\"/etc/passwd\");",
            r#"#[cfg_attr(all(), path = "/tmp/x.rs")] mod x;"#,
            "#[\n path\n =\n \"/tmp/x.rs\"\n] mod x;",
            r#"const S: &str = "//"; const X: &str = include_str!("/etc/hostname");"#,
            r#"const X: &str = include_str!(concat!("/etc", "/passwd"));"#,
            r#"const X: &[u8] = include_bytes!(br"/etc/passwd");"#,
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
            r#"const S: &str = "include_str!(\"/etc/passwd\")";"#,
            r#"/* #[path = "/tmp/x.rs"] */ fn f<'a>(x: &'a str) -> char { let _ = x; 'p' }"#,
            r#"#[derive(Debug)] struct P { path: String }"#,
            r#"fn f() { let path = "/etc"; let _ = path; }"#,
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
