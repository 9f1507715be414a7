//! The functions of a file's regions that code outside the regions calls
//! (a benchmark's harness calls `sort`): their names and signatures must
//! survive any rewrite. The prompt quotes them; the applier gives back its
//! name to such a function that a rewrite renamed. Text only: no parsing of
//! Rust beyond declaration lines and whole words.

use crate::regions::{find_regions, in_regions};

/// A function declared in some code: its name and signature.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Function {
    pub name: String,
    /// From the declaration to its body's `{`, whitespace collapsed, e.g.
    /// `fn sort(values: &mut [u32])`.
    pub signature: String,
}

impl Function {
    /// The signature after the name (`(values: &mut [u32])`, generics and
    /// return type included), to recognise the same function renamed.
    pub fn shape(&self) -> &str {
        let declared = format!("fn {}", self.name);
        self.signature
            .find(&declared)
            .map_or(&self.signature, |at| &self.signature[at + declared.len()..])
    }
}

/// The region functions of `text` named on a non-comment line outside the
/// regions, in order; none when the markers are broken.
pub(crate) fn called_from_outside(text: &str) -> Vec<Function> {
    let Ok(regions) = find_regions(text) else {
        return Vec::new();
    };
    let lines: Vec<&str> = text.lines().collect();
    let outside: Vec<&str> = lines
        .iter()
        .enumerate()
        .filter(|(i, line)| !in_regions(&regions, *i) && !is_comment(line))
        .map(|(_, line)| *line)
        .collect();
    (0..lines.len())
        .filter(|&i| in_regions(&regions, i))
        .filter_map(|i| {
            let name = declared_name(lines[i])?;
            outside
                .iter()
                .any(|line| names(line, name))
                .then(|| Function {
                    name: name.to_string(),
                    signature: signature(&lines[i..]),
                })
        })
        .collect()
}

/// The functions `code` declares: name and signature.
pub(crate) fn declared(code: &str) -> Vec<Function> {
    let lines: Vec<&str> = code.lines().collect();
    (0..lines.len())
        .filter_map(|i| {
            Some(Function {
                name: declared_name(lines[i])?.to_string(),
                signature: signature(&lines[i..]),
            })
        })
        .collect()
}

/// A function's signature from its first line on: up to its body's `{`
/// (over a few lines at most), else the first line without a trailing `:`.
fn signature(lines: &[&str]) -> String {
    let mut parts = Vec::new();
    for line in lines.iter().take(6) {
        match line.find('{') {
            Some(at) => {
                parts.push(line[..at].trim());
                return collapse(&parts.join(" "));
            }
            None => parts.push(line.trim()),
        }
    }
    lines
        .first()
        .map(|l| collapse(l.trim().trim_end_matches(':')))
        .unwrap_or_default()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_comment(line: &str) -> bool {
    let line = line.trim_start();
    ["//", "#", "/*", "*"].iter().any(|c| line.starts_with(c))
}

/// Whether `line` names `name` as a whole word.
fn names(line: &str, name: &str) -> bool {
    line.match_indices(name)
        .any(|(at, _)| whole_word_at(line, at, name.len()))
}

/// `text` with every whole-word `from` replaced by `to`.
fn rename(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in text.match_indices(from) {
        if whole_word_at(text, at, from.len()) {
            out.push_str(&text[last..at]);
            out.push_str(to);
            last = at + from.len();
        }
    }
    out.push_str(&text[last..]);
    out
}

/// Whether `text[at..at + len]` is a whole word: no identifier character
/// right before or after it.
fn whole_word_at(text: &str, at: usize, len: usize) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    !text[..at].chars().next_back().is_some_and(word)
        && !text[at + len..].chars().next().is_some_and(word)
}

/// A rewrite (of a region, or of the whole file) that declares none of
/// `called` under its name but exactly one function of the same shape under
/// another name (the 1.5B renamed `sort` to `insertion_sort` or `quick_sort`): that function
/// and its uses are renamed back. `None` when there is nothing to restore or
/// the match is ambiguous.
pub(crate) fn restore_renamed(called: &[Function], code: &str) -> Option<String> {
    let declared = declared(code);
    let mut restored = code.to_string();
    let mut changed = false;
    for kept in called {
        // Declared, not merely named: a whole-file answer names `sort` in
        // the harness line outside the region.
        if declared.iter().any(|d| d.name == kept.name) {
            continue;
        }
        let same_shape: Vec<&Function> = declared
            .iter()
            .filter(|d| d.shape() == kept.shape())
            .collect();
        let [renamed] = same_shape[..] else {
            continue;
        };
        restored = rename(&restored, &renamed.name, &kept.name);
        changed = true;
    }
    changed.then_some(restored)
}

/// The name of the function `line` declares, for `fn`, `def` and `function`.
pub(crate) fn declared_name(line: &str) -> Option<&str> {
    for keyword in ["fn ", "def ", "function "] {
        if let Some(at) = line.find(keyword) {
            if !line[..at].split_whitespace().all(is_modifier) {
                continue;
            }
            let rest = &line[at + keyword.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if end > 0 {
                return Some(&rest[..end]);
            }
        }
    }
    None
}

fn is_modifier(word: &str) -> bool {
    matches!(
        word,
        "pub"
            | "pub(crate)"
            | "pub(super)"
            | "async"
            | "const"
            | "unsafe"
            | "extern"
            | "export"
            | "static"
    ) || word.starts_with('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "//! sort arrays; helper is only mentioned here\n\
        clade_guest::sort_speed!(sort);\n\
        // EVOLVE-BLOCK-START\n\
        /// Sorts.\n\
        pub fn sort(values: &mut [u32]) {\n    helper(values);\n}\n\
        fn helper(values: &mut [u32]) {}\n\
        fn split<T>(\n    values: &mut [T],\n) -> usize where T: Ord {\n    0\n}\n\
        // EVOLVE-BLOCK-END\n\
        fn main() { split(&mut [1u32]); }\n";

    #[test]
    fn functions_named_outside_the_regions_are_found() {
        let called = called_from_outside(FILE);
        let signatures: Vec<&str> = called.iter().map(|c| c.signature.as_str()).collect();
        assert_eq!(
            signatures,
            [
                "pub fn sort(values: &mut [u32])",
                "fn split<T>( values: &mut [T], ) -> usize where T: Ord"
            ]
        );
        assert_eq!(called[0].shape(), "(values: &mut [u32])");
    }

    #[test]
    fn a_renamed_function_gets_its_name_back_with_its_uses() {
        let called = called_from_outside(FILE);
        let code = "fn quick_sort(values: &mut [u32]) {\n    if values.len() > 1 { quick_sort(&mut values[1..]); }\n}\nfn quick_sort_helper(values: &mut [u32], lo: usize) {}\n";
        assert_eq!(
            restore_renamed(&called[..1], code).as_deref(),
            Some(
                "fn sort(values: &mut [u32]) {\n    if values.len() > 1 { sort(&mut values[1..]); }\n}\nfn quick_sort_helper(values: &mut [u32], lo: usize) {}\n"
            )
        );
    }

    #[test]
    fn nothing_is_renamed_when_the_name_is_there_or_the_match_is_ambiguous() {
        let called = called_from_outside(FILE);
        let kept = "fn sort(values: &mut [u32]) {}\nfn other(values: &mut [u32]) {}\n";
        assert_eq!(restore_renamed(&called[..1], kept), None);
        let two = "fn a(values: &mut [u32]) {}\nfn b(values: &mut [u32]) {}\n";
        assert_eq!(restore_renamed(&called[..1], two), None);
        let other_shape = "fn a(values: &mut [u32], lo: usize) {}\n";
        assert_eq!(restore_renamed(&called[..1], other_shape), None);
    }

    #[test]
    fn renaming_replaces_whole_words_only() {
        assert_eq!(rename("a(ab) a_b a.a", "a", "z"), "z(ab) a_b z.z");
    }
}
