use std::fmt;

/// A string stored as normalized runs of repeated chars. Private fields may change.
pub struct RleString {
    runs: Vec<(char, u64)>,
}

impl RleString {
    pub fn new() -> Self {
        todo!()
    }

    pub fn from_text(s: &str) -> Self {
        todo!()
    }

    /// Skips zero counts, merges equal neighbours.
    pub fn from_runs(runs: &[(char, u64)]) -> Self {
        todo!()
    }

    /// Length in chars.
    pub fn len(&self) -> u64 {
        todo!()
    }

    pub fn is_empty(&self) -> bool {
        todo!()
    }

    pub fn run_count(&self) -> usize {
        todo!()
    }

    pub fn runs(&self) -> Vec<(char, u64)> {
        todo!()
    }

    pub fn push(&mut self, c: char) {
        todo!()
    }

    pub fn append(&mut self, other: &RleString) {
        todo!()
    }

    pub fn pop(&mut self) -> Option<char> {
        todo!()
    }

    pub fn char_at(&self, i: u64) -> Option<char> {
        todo!()
    }

    /// Chars `start..end`; `None` if `start > end` or `end > len()`.
    pub fn slice(&self, start: u64, end: u64) -> Option<RleString> {
        todo!()
    }
}

impl fmt::Display for RleString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!()
    }
}
