#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternError {
    NothingToRepeat(usize),
    TrailingBackslash,
}

/// A compiled pattern. Private fields may change.
pub struct Regex {
    pattern: Vec<char>,
}

impl Regex {
    pub fn new(pattern: &str) -> Result<Regex, PatternError> {
        todo!()
    }

    /// Whole-text match.
    pub fn is_match(&self, text: &str) -> bool {
        todo!()
    }

    /// Leftmost-longest match as char indices `(start, end)`.
    pub fn find(&self, text: &str) -> Option<(usize, usize)> {
        todo!()
    }
}
