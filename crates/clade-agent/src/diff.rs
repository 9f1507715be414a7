//! Unified diffs of candidate files (made with `similar`).

/// A unified diff of one file with `a/` and `b/` names and 3 lines of context.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Histogram)
        .diff_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}
