//! Parsing an LLM reply into edits, tolerant of what real models produce:
//! several SEARCH/REPLACE blocks; a file named before a block (plain, in
//! backticks, bold, as a heading, or in the fence's info string); CRLF;
//! trailing spaces; missing or extra code fences; and, when there are no
//! blocks at all, a fenced rewrite (of a region, a function or the file).
//!
//! Parsing never guesses silently: a block that starts but does not finish is
//! an error naming what is missing.

/// One edit proposed by a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Edit {
    /// Replace the text `search` (which must occur once) with `replace`.
    SearchReplace {
        file: Option<String>,
        search: String,
        replace: String,
    },
    /// New code for a region, a function or the whole file.
    Rewrite { file: Option<String>, code: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    NoEdits,
    Incomplete { index: usize, missing: &'static str },
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::NoEdits => {
                f.write_str("the reply contains no SEARCH/REPLACE block and no code block")
            }
            ParseError::Incomplete { index, missing } => write!(
                f,
                "SEARCH/REPLACE block {index} is incomplete: {missing} is missing"
            ),
        }
    }
}

impl std::error::Error for ParseError {}

fn is_search(line: &str) -> bool {
    let t = line.trim();
    t.starts_with("<<<<<")
        && t.trim_start_matches('<')
            .trim()
            .eq_ignore_ascii_case("search")
}

fn is_divider(line: &str) -> bool {
    let t = line.trim();
    t.len() >= 5 && t.chars().all(|c| c == '=')
}

fn is_replace(line: &str) -> bool {
    let t = line.trim();
    t.starts_with(">>>>>")
        && t.trim_start_matches('>')
            .trim()
            .eq_ignore_ascii_case("replace")
}

fn is_fence(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("```") || t.starts_with("~~~")
}

/// A file path if `token` looks like one (`src/lib.rs`, `main.py`).
fn path_token(token: &str) -> Option<String> {
    let t = token.trim_matches(|c: char| matches!(c, '`' | '*' | '"' | '\'' | ':' | ','));
    let path_chars = |t: &str| {
        t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-' | '~'))
    };
    // Paths that leave the project are kept, so applying can reject them by name.
    if (t.starts_with('/') || t.starts_with("../") || t.starts_with('~'))
        && t.len() > 1
        && path_chars(t)
    {
        return Some(t.to_string());
    }
    let t = t.strip_prefix("./").unwrap_or(t);
    let (stem, ext) = t.rsplit_once('.')?;
    let ok = !stem.is_empty()
        && (1..=6).contains(&ext.len())
        && ext.chars().all(|c| c.is_ascii_alphanumeric())
        && t.len() < 200
        && !t.starts_with("http")
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-'))
        && !stem.ends_with('/');
    ok.then(|| t.to_string())
}

/// The file a line names, if the whole line is a file name (with headings,
/// bold, backticks or a `File:` label around it), or it names one in
/// backticks, e.g. "Changes to `src/lib.rs`:".
fn file_hint(line: &str) -> Option<String> {
    let t = line
        .trim()
        .trim_start_matches(['#', '*', '-', '>', ' '])
        .trim();
    let lower = t.to_ascii_lowercase();
    let t = ["file:", "path:", "filename:", "file name:"]
        .iter()
        .find_map(|label| lower.starts_with(label).then(|| t[label.len()..].trim()))
        .unwrap_or(t);
    if !t.contains(' ') {
        return path_token(t);
    }
    let mut parts = line.split('`');
    parts.next();
    parts.step_by(2).find_map(path_token)
}

/// The file named in a fence's info string: `rust src/lib.rs`, `src/lib.rs`
/// or `rust:src/lib.rs` after the backticks.
fn fence_file(line: &str) -> Option<String> {
    let info = line.trim_start().trim_start_matches(['`', '~']);
    info.split(|c: char| c.is_whitespace() || c == ':')
        .find_map(path_token)
}

fn join(lines: &[&str]) -> String {
    // Models sometimes fence the inside of a block; those lines are not code.
    let mut lines = lines;
    while lines.first().is_some_and(|l| is_fence(l)) {
        lines = &lines[1..];
    }
    while lines.last().is_some_and(|l| is_fence(l)) {
        lines = &lines[..lines.len() - 1];
    }
    let mut text = lines.join("\n");
    if !lines.is_empty() {
        text.push('\n');
    }
    text
}

/// Parses a reply into edits.
pub fn parse_reply(reply: &str) -> Result<Vec<Edit>, ParseError> {
    let text = reply.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = text.lines().collect();
    let blocks = parse_blocks(&lines)?;
    if !blocks.is_empty() {
        return Ok(blocks);
    }
    parse_rewrites(&lines, &text)
}

fn parse_blocks(lines: &[&str]) -> Result<Vec<Edit>, ParseError> {
    let mut edits = Vec::new();
    let mut current_file: Option<String> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if !is_search(line) {
            if is_fence(line) {
                if let Some(file) = fence_file(line) {
                    current_file = Some(file);
                }
            } else if let Some(file) = file_hint(line) {
                current_file = Some(file);
            }
            i += 1;
            continue;
        }
        let index = edits.len() + 1;
        let divider = (i + 1..lines.len())
            .take_while(|&j| !is_search(lines[j]) && !is_replace(lines[j]))
            .find(|&j| is_divider(lines[j]))
            .ok_or(ParseError::Incomplete {
                index,
                missing: "the ======= divider",
            })?;
        let end = (divider + 1..lines.len())
            .take_while(|&k| !is_search(lines[k]))
            .find(|&k| is_replace(lines[k]))
            .ok_or(ParseError::Incomplete {
                index,
                missing: "the >>>>>>> REPLACE line",
            })?;
        edits.push(Edit::SearchReplace {
            file: current_file.clone(),
            search: join(&lines[i + 1..divider]),
            replace: join(&lines[divider + 1..end]),
        });
        i = end + 1;
    }
    Ok(edits)
}

fn parse_rewrites(lines: &[&str], text: &str) -> Result<Vec<Edit>, ParseError> {
    let mut fenced: Vec<(Option<String>, String)> = Vec::new();
    let mut current_file: Option<String> = None;
    let mut open: Option<(Option<String>, usize)> = None;
    for (i, line) in lines.iter().enumerate() {
        if is_fence(line) {
            match open.take() {
                None => open = Some((fence_file(line).or_else(|| current_file.clone()), i + 1)),
                Some((file, start)) => fenced.push((file, join(&lines[start..i]))),
            }
        } else if open.is_none()
            && let Some(file) = file_hint(line)
        {
            current_file = Some(file);
        }
    }
    if let Some((file, start)) = open {
        // An unclosed fence runs to the end of the reply.
        fenced.push((file, join(&lines[start..])));
    }
    fenced.retain(|(_, code)| !code.trim().is_empty());
    if fenced.is_empty() {
        // No fences at all: accept the reply as code only if it carries the
        // region markers, i.e. it is plainly a whole file.
        if crate::regions::has_markers(text) {
            return Ok(vec![Edit::Rewrite {
                file: None,
                code: text.to_string(),
            }]);
        }
        return Err(ParseError::NoEdits);
    }
    // Named blocks are edits; of unnamed ones keep the largest (models often
    // add small usage snippets beside the real answer).
    let mut edits: Vec<Edit> = fenced
        .iter()
        .filter(|(file, _)| file.is_some())
        .map(|(file, code)| Edit::Rewrite {
            file: file.clone(),
            code: code.clone(),
        })
        .collect();
    if edits.is_empty()
        && let Some((_, code)) = fenced.iter().max_by_key(|(_, code)| code.len())
    {
        edits.push(Edit::Rewrite {
            file: None,
            code: code.clone(),
        });
    }
    Ok(edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_tokens() {
        assert_eq!(path_token("src/lib.rs").as_deref(), Some("src/lib.rs"));
        assert_eq!(path_token("`./main.py`:").as_deref(), Some("main.py"));
        for no in [
            "x.len()",
            "std::io",
            "hello",
            "v1.",
            ".rs",
            "https://x.io/a.rs",
            "a b.rs",
        ] {
            assert_eq!(path_token(no), None, "{no}");
        }
    }

    #[test]
    fn file_hints() {
        for line in [
            "src/lib.rs",
            "### src/lib.rs",
            "**src/lib.rs**",
            "File: src/lib.rs",
            "`src/lib.rs`",
            "Changes to `src/lib.rs`:",
        ] {
            assert_eq!(file_hint(line).as_deref(), Some("src/lib.rs"), "{line}");
        }
        assert_eq!(file_hint("Here is the improved code."), None);
    }
}
