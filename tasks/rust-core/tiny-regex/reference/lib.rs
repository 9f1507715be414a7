#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternError {
    NothingToRepeat(usize),
    TrailingBackslash,
}

#[derive(Clone, Copy)]
enum Quant {
    One,
    Star,
    Opt,
}

/// A compiled pattern. Private fields may change.
pub struct Regex {
    /// (`None` = any char, quantifier)
    atoms: Vec<(Option<char>, Quant)>,
}

impl Regex {
    pub fn new(pattern: &str) -> Result<Regex, PatternError> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut atoms: Vec<(Option<char>, Quant)> = Vec::new();
        let mut can_repeat = false;
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '*' | '?' => {
                    if !can_repeat {
                        return Err(PatternError::NothingToRepeat(i));
                    }
                    atoms.last_mut().unwrap().1 = if chars[i] == '*' { Quant::Star } else { Quant::Opt };
                    can_repeat = false;
                }
                '\\' => {
                    i += 1;
                    if i == chars.len() {
                        return Err(PatternError::TrailingBackslash);
                    }
                    atoms.push((Some(chars[i]), Quant::One));
                    can_repeat = true;
                }
                '.' => {
                    atoms.push((None, Quant::One));
                    can_repeat = true;
                }
                c => {
                    atoms.push((Some(c), Quant::One));
                    can_repeat = true;
                }
            }
            i += 1;
        }
        Ok(Regex { atoms })
    }

    /// Adds `s` and everything reachable through skippable atoms.
    fn close(&self, set: &mut Vec<bool>, s: usize) {
        let mut s = s;
        loop {
            if set[s] {
                return;
            }
            set[s] = true;
            if s < self.atoms.len() && !matches!(self.atoms[s].1, Quant::One) {
                s += 1;
            } else {
                return;
            }
        }
    }

    fn step(&self, set: &[bool], c: char) -> Vec<bool> {
        let m = self.atoms.len();
        let mut next = vec![false; m + 1];
        for s in 0..m {
            if !set[s] {
                continue;
            }
            let (atom, q) = self.atoms[s];
            if atom.is_none_or(|a| a == c) {
                match q {
                    Quant::Star => self.close(&mut next, s),
                    _ => self.close(&mut next, s + 1),
                }
            }
        }
        next
    }

    /// Whole-text match.
    pub fn is_match(&self, text: &str) -> bool {
        let m = self.atoms.len();
        let mut set = vec![false; m + 1];
        self.close(&mut set, 0);
        for c in text.chars() {
            set = self.step(&set, c);
            if !set.iter().any(|&b| b) {
                return false;
            }
        }
        set[m]
    }

    /// Leftmost-longest match as char indices `(start, end)`.
    pub fn find(&self, text: &str) -> Option<(usize, usize)> {
        let chars: Vec<char> = text.chars().collect();
        let m = self.atoms.len();
        for start in 0..=chars.len() {
            let mut set = vec![false; m + 1];
            self.close(&mut set, 0);
            let mut best = if set[m] { Some(start) } else { None };
            for (k, &c) in chars[start..].iter().enumerate() {
                set = self.step(&set, c);
                if !set.iter().any(|&b| b) {
                    break;
                }
                if set[m] {
                    best = Some(start + k + 1);
                }
            }
            if let Some(e) = best {
                return Some((start, e));
            }
        }
        None
    }
}
