#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Keep(char),
    Insert(char),
    Delete(char),
    Replace(char, char),
}

/// Levenshtein distance over chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    todo!()
}

/// A minimal script turning `a` into `b`.
pub fn edit_script(a: &str, b: &str) -> Vec<Edit> {
    todo!()
}

/// Run `script` on `a`; `None` if it does not fit `a`.
pub fn apply(a: &str, script: &[Edit]) -> Option<String> {
    todo!()
}

/// Number of non-`Keep` edits.
pub fn cost(script: &[Edit]) -> usize {
    todo!()
}
