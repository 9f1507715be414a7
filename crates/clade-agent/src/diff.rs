//! Line diffs and character similarity, written here so the crate needs no
//! dependency (it builds inside the sandbox, offline). Both rest on the
//! longest common subsequence: a shortest edit script (Myers) for lines, a
//! two-row table for the characters of one line.

/// A unified diff of one file with `a/` and `b/` names and 3 lines of
/// context; empty when the texts are equal.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = line_ops(&a, &b);
    let hunks = hunks(&ops, 3);
    if hunks.is_empty() {
        return String::new();
    }
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    for hunk in hunks {
        render_hunk(&mut out, hunk, &a, &b);
    }
    out
}

/// `2 · matches / (len(a) + len(b))` over characters, where matches is the
/// length of their longest common subsequence: the ratio `similar` reports
/// for a character diff (its Myers diff is exact), 1 for two empty strings.
pub fn char_ratio(a: &str, b: &str) -> f32 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let len = a.len() + b.len();
    if len == 0 {
        return 1.0;
    }
    let mut previous = vec![0usize; b.len() + 1];
    let mut current = vec![0usize; b.len() + 1];
    for x in &a {
        for (j, y) in b.iter().enumerate() {
            current[j + 1] = if x == y {
                previous[j] + 1
            } else {
                previous[j + 1].max(current[j])
            };
        }
        std::mem::swap(&mut previous, &mut current);
    }
    2.0 * previous[b.len()] as f32 / len as f32
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Equal(usize, usize),
    Delete(usize),
    Insert(usize),
}

/// Edit distance beyond which the middle is shown as replaced wholesale:
/// Myers keeps one frontier per step, and such diffs are unreadable anyway.
const MAX_EDITS: usize = 4000;

/// A shortest edit script from `a` to `b`.
fn line_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (mid_a, mid_b) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut ops: Vec<Op> = (0..prefix).map(|i| Op::Equal(i, i)).collect();
    match myers(mid_a, mid_b) {
        Some(middle) => ops.extend(middle.into_iter().map(|op| match op {
            Op::Equal(i, j) => Op::Equal(i + prefix, j + prefix),
            Op::Delete(i) => Op::Delete(i + prefix),
            Op::Insert(j) => Op::Insert(j + prefix),
        })),
        None => {
            ops.extend((0..mid_a.len()).map(|i| Op::Delete(i + prefix)));
            ops.extend((0..mid_b.len()).map(|j| Op::Insert(j + prefix)));
        }
    }
    let (tail_a, tail_b) = (a.len() - suffix, b.len() - suffix);
    ops.extend((0..suffix).map(|k| Op::Equal(tail_a + k, tail_b + k)));
    ops
}

/// Myers' greedy algorithm with the frontier of every step kept for the
/// walk back; `None` past [`MAX_EDITS`].
fn myers(a: &[&str], b: &[&str]) -> Option<Vec<Op>> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max = (n + m) as usize;
    let offset = max as isize + 1;
    let mut v = vec![0isize; 2 * max + 3];
    let mut trace: Vec<Vec<isize>> = Vec::new();
    for d in 0..=max.min(MAX_EDITS) as isize {
        trace.push(v.clone());
        let mut k = -d;
        while k <= d {
            let at = (k + offset) as usize;
            let mut x = if k == -d || (k != d && v[at - 1] < v[at + 1]) {
                v[at + 1]
            } else {
                v[at - 1] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[at] = x;
            if x >= n && y >= m {
                return Some(walk_back(&trace, n, m, offset));
            }
            k += 2;
        }
    }
    None
}

fn walk_back(trace: &[Vec<isize>], n: isize, m: isize, offset: isize) -> Vec<Op> {
    let (mut x, mut y) = (n, m);
    let mut ops = Vec::new();
    for (d, v) in trace.iter().enumerate().rev() {
        let d = d as isize;
        let k = x - y;
        let at = |k: isize| v[(k + offset) as usize];
        let previous_k = if k == -d || (k != d && at(k - 1) < at(k + 1)) {
            k + 1
        } else {
            k - 1
        };
        let previous_x = at(previous_k);
        let previous_y = previous_x - previous_k;
        while x > previous_x && y > previous_y {
            x -= 1;
            y -= 1;
            ops.push(Op::Equal(x as usize, y as usize));
        }
        if d > 0 {
            if x == previous_x {
                ops.push(Op::Insert(previous_y as usize));
            } else {
                ops.push(Op::Delete(previous_x as usize));
            }
        }
        (x, y) = (previous_x, previous_y);
    }
    ops.reverse();
    ops
}

/// Runs of ops around the changes, with `context` equal lines on each side.
fn hunks(ops: &[Op], context: usize) -> Vec<&[Op]> {
    let changed: Vec<usize> = (0..ops.len())
        .filter(|&i| !matches!(ops[i], Op::Equal(..)))
        .collect();
    let mut hunks = Vec::new();
    let mut index = 0;
    while index < changed.len() {
        let start = changed[index].saturating_sub(context);
        let mut end = changed[index];
        while index + 1 < changed.len() && changed[index + 1] - end <= 2 * context + 1 {
            index += 1;
            end = changed[index];
        }
        hunks.push(&ops[start..(end + context + 1).min(ops.len())]);
        index += 1;
    }
    hunks
}

fn render_hunk(out: &mut String, hunk: &[Op], a: &[&str], b: &[&str]) {
    let old_count = hunk
        .iter()
        .filter(|op| !matches!(op, Op::Insert(_)))
        .count();
    let new_count = hunk
        .iter()
        .filter(|op| !matches!(op, Op::Delete(_)))
        .count();
    let (old_start, new_start) = hunk_starts(hunk);
    out.push_str(&format!(
        "@@ -{} +{} @@\n",
        range(old_start, old_count),
        range(new_start, new_count)
    ));
    for op in hunk {
        let (sign, line) = match *op {
            Op::Equal(i, _) => (' ', a[i]),
            Op::Delete(i) => ('-', a[i]),
            Op::Insert(j) => ('+', b[j]),
        };
        out.push(sign);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

/// The 0-based first line of each side a hunk covers.
fn hunk_starts(hunk: &[Op]) -> (usize, usize) {
    let mut old = None;
    let mut new = None;
    for op in hunk {
        match *op {
            Op::Equal(i, j) => {
                old.get_or_insert(i);
                new.get_or_insert(j);
            }
            Op::Delete(i) => {
                old.get_or_insert(i);
            }
            Op::Insert(j) => {
                new.get_or_insert(j);
            }
        }
    }
    // A side with no line in the hunk starts where the other side's first
    // line sits relative to the equal lines before it.
    let first = hunk.first().copied();
    let old = old.unwrap_or(match first {
        Some(Op::Insert(j)) => j,
        _ => 0,
    });
    let new = new.unwrap_or(match first {
        Some(Op::Delete(i)) => i,
        _ => 0,
    });
    (old, new)
}

/// `start,count` in unified-diff numbering (1-based; an empty side names
/// the line before it).
fn range(start: usize, count: usize) -> String {
    match count {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{count}", start + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("a.rs", "x\ny\n", "x\ny\n"), "");
    }

    #[test]
    fn one_changed_line_has_context_around_it() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assert_eq!(
            unified("f", old, new),
            "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn far_apart_changes_are_separate_hunks_and_pure_insertions_count_from_the_line_before() {
        let old: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let new = old.replacen("2\n", "2\nnew\n", 1).replacen("19\n", "", 1);
        let diff = unified("f", &old, &new);
        assert_eq!(diff.matches("@@ -").count(), 2, "{diff}");
        assert!(
            diff.contains("@@ -1,5 +1,6 @@\n 1\n 2\n+new\n 3\n"),
            "{diff}"
        );
        assert!(diff.contains("-19\n 20\n"), "{diff}");
        let from_empty = unified("f", "", "a\n");
        assert_eq!(from_empty, "--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+a\n");
    }

    #[test]
    fn a_missing_final_newline_is_marked() {
        let diff = unified("f", "a\nb", "a\nc");
        assert!(
            diff.ends_with("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"),
            "{diff}"
        );
    }

    #[test]
    fn the_edit_script_is_shortest() {
        let a = ["a", "b", "c", "a", "b", "b", "a"];
        let b = ["c", "b", "a", "b", "a", "c"];
        let ops = myers(&a, &b).unwrap();
        let edits = ops.iter().filter(|op| !matches!(op, Op::Equal(..))).count();
        assert_eq!(edits, 5, "Myers' own example has distance 5: {ops:?}");
    }

    #[test]
    fn char_ratio_is_the_common_subsequence_share() {
        assert_eq!(char_ratio("", ""), 1.0);
        assert_eq!(char_ratio("abc", "abc"), 1.0);
        assert_eq!(char_ratio("abc", "xyz"), 0.0);
        // LCS("let x = 1;", "let y = 1;") = 9 of 10 + 10 characters.
        assert_eq!(char_ratio("let x = 1;", "let y = 1;"), 0.9);
        assert_eq!(char_ratio("ab", "ba"), 0.5);
    }
}
