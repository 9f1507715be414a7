use std::fmt;

/// A string stored as normalized runs of repeated chars. Private fields may change.
pub struct RleString {
    runs: Vec<(char, u64)>,
}

impl RleString {
    pub fn new() -> Self {
        RleString { runs: Vec::new() }
    }

    fn push_run(&mut self, c: char, n: u64) {
        if n == 0 {
            return;
        }
        match self.runs.last_mut() {
            Some((lc, ln)) if *lc == c => *ln += n,
            _ => self.runs.push((c, n)),
        }
    }

    pub fn from_text(s: &str) -> Self {
        let mut r = RleString::new();
        for c in s.chars() {
            r.push(c);
        }
        r
    }

    /// Skips zero counts, merges equal neighbours.
    pub fn from_runs(runs: &[(char, u64)]) -> Self {
        let mut r = RleString::new();
        for &(c, n) in runs {
            r.push_run(c, n);
        }
        r
    }

    /// Length in chars.
    pub fn len(&self) -> u64 {
        self.runs.iter().map(|r| r.1).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    pub fn run_count(&self) -> usize {
        self.runs.len()
    }

    pub fn runs(&self) -> Vec<(char, u64)> {
        self.runs.clone()
    }

    pub fn push(&mut self, c: char) {
        self.push_run(c, 1);
    }

    pub fn append(&mut self, other: &RleString) {
        for &(c, n) in &other.runs {
            self.push_run(c, n);
        }
    }

    pub fn pop(&mut self) -> Option<char> {
        let (c, n) = self.runs.last_mut()?;
        let c = *c;
        *n -= 1;
        if *n == 0 {
            self.runs.pop();
        }
        Some(c)
    }

    pub fn char_at(&self, i: u64) -> Option<char> {
        let mut pos = 0u64;
        for &(c, n) in &self.runs {
            if i < pos + n {
                return Some(c);
            }
            pos += n;
        }
        None
    }

    /// Chars `start..end`; `None` if `start > end` or `end > len()`.
    pub fn slice(&self, start: u64, end: u64) -> Option<RleString> {
        if start > end || end > self.len() {
            return None;
        }
        let mut out = RleString::new();
        let mut pos = 0u64;
        for &(c, n) in &self.runs {
            let (a, b) = (pos.max(start), (pos + n).min(end));
            if a < b {
                out.push_run(c, b - a);
            }
            pos += n;
        }
        Some(out)
    }
}

impl fmt::Display for RleString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &(c, n) in &self.runs {
            for _ in 0..n {
                write!(f, "{}", c)?;
            }
        }
        Ok(())
    }
}
