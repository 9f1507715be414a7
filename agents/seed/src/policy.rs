//! How the seed agent spends its budget: how many rounds of ask → apply →
//! test it makes, and when it stops. Self-improvement edits this first.

/// Rounds of ask → apply → test, at most (the host's budget may end it
/// sooner).
pub const MAX_ROUNDS: u64 = 4;

/// Feedback (test output, diagnostics) shown in a FIX prompt, in characters.
pub const FEEDBACK_LIMIT: usize = 2_000;

/// Programs beside the parent are shown only below this many characters.
pub const CONTEXT_CODE_LIMIT: usize = 6_000;

/// Whether the visible tests say the work is done.
pub fn finished(built: bool, passed: u64, total: u64) -> bool {
    built && total > 0 && passed == total
}

/// The reply length asked for when the model writes a whole file, in
/// tokens (the host clamps it to what the budget has left).
pub const WHOLE_FILE_TOKENS: u64 = 2_048;

/// `score` beats `best` in `direction` (`minimize` or `maximize`); anything
/// beats no score.
pub fn better(direction: &str, score: f64, best: Option<f64>) -> bool {
    match best {
        None => true,
        Some(best) if direction == "minimize" => score < best,
        Some(best) => score > best,
    }
}

/// Whether to drop the broken file and ask the first prompt again, after
/// `failed_fixes` repairs in a row that did not build.
pub fn start_afresh(failed_fixes: usize) -> bool {
    failed_fixes >= 1
}

/// How far a tested version got: it built, then visible tests passed.
pub fn rank(built: bool, passed: u64) -> (bool, u64) {
    (built, passed)
}
