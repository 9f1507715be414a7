//! Edit regions: `EVOLVE-BLOCK-START` / `EVOLVE-BLOCK-END` markers, each on a
//! line of its own inside a comment of any syntax (`//`, `#`, `--`, `/* */`,
//! `<!-- -->`…). In a file with markers only the lines between them may
//! change; the marker lines and everything outside must stay as they were,
//! modulo trailing whitespace.

pub const START: &str = "EVOLVE-BLOCK-START";
pub const END: &str = "EVOLVE-BLOCK-END";

/// Lines `start..end` (0-based, exclusive) between a pair of markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub start: usize,
    pub end: usize,
}

/// Whether line `i` lies inside one of `regions`.
pub(crate) fn in_regions(regions: &[Region], i: usize) -> bool {
    regions.iter().any(|r| i >= r.start && i < r.end)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionError {
    Nested { line: usize },
    UnmatchedEnd { line: usize },
    Unclosed { line: usize },
}

impl std::fmt::Display for RegionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegionError::Nested { line } => {
                write!(
                    f,
                    "line {line}: {START} inside another region (regions cannot nest)"
                )
            }
            RegionError::UnmatchedEnd { line } => {
                write!(f, "line {line}: {END} without a matching {START}")
            }
            RegionError::Unclosed { line } => {
                write!(f, "line {line}: {START} is never closed by {END}")
            }
        }
    }
}

impl std::error::Error for RegionError {}

/// The lines of `text` an edit may change: those inside its regions, or
/// all of it when it has no markers (or broken ones).
pub fn editable_source(text: &str) -> String {
    match find_regions(text) {
        Ok(regions) if !regions.is_empty() => text
            .lines()
            .enumerate()
            .filter(|(i, _)| in_regions(&regions, *i))
            .map(|(_, l)| l)
            .collect::<Vec<_>>()
            .join("\n"),
        _ => text.to_string(),
    }
}

/// The regions of `text`, in order. No markers: no regions.
pub fn find_regions(text: &str) -> Result<Vec<Region>, RegionError> {
    let mut regions = Vec::new();
    let mut open: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        if line.contains(START) {
            if open.is_some() {
                return Err(RegionError::Nested { line: i + 1 });
            }
            open = Some(i);
        } else if line.contains(END) {
            let Some(start) = open.take() else {
                return Err(RegionError::UnmatchedEnd { line: i + 1 });
            };
            regions.push(Region {
                start: start + 1,
                end: i,
            });
        }
    }
    if let Some(start) = open {
        return Err(RegionError::Unclosed { line: start + 1 });
    }
    Ok(regions)
}

pub fn has_markers(text: &str) -> bool {
    text.contains(START) || text.contains(END)
}

/// The parts of a file outside its regions (marker lines included), one
/// `Vec` of lines per gap, trailing whitespace removed.
fn outside(text: &str, regions: &[Region]) -> Vec<Vec<String>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut parts = Vec::with_capacity(regions.len() + 1);
    let mut from = 0;
    for region in regions {
        parts.push(
            lines[from..region.start]
                .iter()
                .map(|l| l.trim_end().to_string())
                .collect(),
        );
        from = region.end;
    }
    let mut tail: Vec<String> = lines[from..]
        .iter()
        .map(|l| l.trim_end().to_string())
        .collect();
    // A missing or extra final newline is not a change outside.
    while tail.last().is_some_and(|l| l.is_empty()) {
        tail.pop();
    }
    parts.push(tail);
    parts
}

/// Checks that `new` differs from `old` only inside `old`'s regions. `Err`
/// says what changed outside, quoting the original line.
pub fn check_unchanged_outside(old: &str, new: &str) -> Result<(), String> {
    let old_regions =
        find_regions(old).map_err(|e| format!("the original file has broken markers: {e}"))?;
    if old_regions.is_empty() {
        return Ok(());
    }
    let new_regions =
        find_regions(new).map_err(|e| format!("the edit breaks the region markers: {e}"))?;
    if new_regions.len() != old_regions.len() {
        return Err(format!(
            "the edit changes the region markers: {} region(s) before, {} after",
            old_regions.len(),
            new_regions.len()
        ));
    }
    let (before, after) = (outside(old, &old_regions), outside(new, &new_regions));
    let old_lines: Vec<&str> = old.lines().collect();
    for (gap, (a, b)) in before.iter().zip(&after).enumerate() {
        if a == b {
            continue;
        }
        let first = if gap == 0 {
            0
        } else {
            old_regions[gap - 1].end
        };
        let at = a
            .iter()
            .zip(b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        let line_no = first + at;
        let was = old_lines
            .get(line_no)
            .map_or("(end of file)".to_string(), |l| {
                format!("{:?}", l.trim_end())
            });
        let now = b
            .get(at)
            .map_or("(nothing)".to_string(), |l| format!("{l:?}"));
        return Err(format!(
            "the edit changes line {} outside the EVOLVE-BLOCK regions (was {was}, now {now}); only code between the markers may change",
            line_no + 1
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_in_any_comment_syntax() {
        let text = "a\n# EVOLVE-BLOCK-START\nb\nc\n# EVOLVE-BLOCK-END\nd\n<!-- EVOLVE-BLOCK-START -->\ne\n<!-- EVOLVE-BLOCK-END -->\n";
        assert_eq!(
            find_regions(text).unwrap(),
            [Region { start: 2, end: 4 }, Region { start: 7, end: 8 }]
        );
    }

    #[test]
    fn broken_markers_are_errors() {
        assert_eq!(
            find_regions("// EVOLVE-BLOCK-END\n"),
            Err(RegionError::UnmatchedEnd { line: 1 })
        );
        assert_eq!(
            find_regions("// EVOLVE-BLOCK-START\nx\n"),
            Err(RegionError::Unclosed { line: 1 })
        );
        assert_eq!(
            find_regions("// EVOLVE-BLOCK-START\n// EVOLVE-BLOCK-START\n"),
            Err(RegionError::Nested { line: 2 })
        );
    }

    #[test]
    fn changes_inside_pass_and_outside_fail() {
        let old = "fn a() {}\n// EVOLVE-BLOCK-START\nlet x = 1;\n// EVOLVE-BLOCK-END\nfn b() {}\n";
        assert!(
            check_unchanged_outside(old, &old.replace("let x = 1;", "let x = 2;\nlet y = 3;"))
                .is_ok()
        );
        assert!(
            check_unchanged_outside(old, &old.replace("fn b() {}", "fn b() {}   ")).is_ok(),
            "trailing spaces"
        );
        assert!(
            check_unchanged_outside(old, old.trim_end()).is_ok(),
            "final newline"
        );
        let err = check_unchanged_outside(old, &old.replace("fn b", "fn c")).unwrap_err();
        assert!(err.contains("line 5") && err.contains("fn b() {}"), "{err}");
        let err =
            check_unchanged_outside(old, &old.replace("// EVOLVE-BLOCK-END\n", "")).unwrap_err();
        assert!(err.contains("markers"), "{err}");
    }
}
