/// Growable set of usize stored as bits. Private fields may change.
#[derive(Debug, Clone)]
pub struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    pub fn new() -> Self {
        BitSet { words: Vec::new() }
    }

    pub fn from_slice(values: &[usize]) -> Self {
        let mut s = BitSet::new();
        for &v in values {
            s.insert(v);
        }
        s
    }

    fn word(&self, w: usize) -> u64 {
        self.words.get(w).copied().unwrap_or(0)
    }

    fn zip_with(&self, other: &BitSet, f: impl Fn(u64, u64) -> u64) -> BitSet {
        let n = self.words.len().max(other.words.len());
        let mut s = BitSet { words: (0..n).map(|i| f(self.word(i), other.word(i))).collect() };
        s.trim();
        s
    }

    fn trim(&mut self) {
        while self.words.last() == Some(&0) {
            self.words.pop();
        }
    }

    /// `true` if newly inserted.
    pub fn insert(&mut self, i: usize) -> bool {
        let (w, b) = (i / 64, i % 64);
        if self.words.len() <= w {
            self.words.resize(w + 1, 0);
        }
        let was = self.words[w] >> b & 1 == 1;
        self.words[w] |= 1 << b;
        !was
    }

    /// `true` if it was present.
    pub fn remove(&mut self, i: usize) -> bool {
        if !self.contains(i) {
            return false;
        }
        self.words[i / 64] &= !(1u64 << (i % 64));
        self.trim();
        true
    }

    pub fn toggle(&mut self, i: usize) {
        if !self.remove(i) {
            self.insert(i);
        }
    }

    pub fn contains(&self, i: usize) -> bool {
        self.word(i / 64) >> (i % 64) & 1 == 1
    }

    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    pub fn min(&self) -> Option<usize> {
        self.words.iter().enumerate().find(|(_, w)| **w != 0).map(|(i, w)| i * 64 + w.trailing_zeros() as usize)
    }

    pub fn max(&self) -> Option<usize> {
        self.words
            .iter()
            .enumerate()
            .rev()
            .find(|(_, w)| **w != 0)
            .map(|(i, w)| i * 64 + 63 - w.leading_zeros() as usize)
    }

    pub fn union(&self, other: &BitSet) -> BitSet {
        self.zip_with(other, |a, b| a | b)
    }

    pub fn intersection(&self, other: &BitSet) -> BitSet {
        self.zip_with(other, |a, b| a & b)
    }

    /// Elements of `self` not in `other`.
    pub fn difference(&self, other: &BitSet) -> BitSet {
        self.zip_with(other, |a, b| a & !b)
    }

    pub fn symmetric_difference(&self, other: &BitSet) -> BitSet {
        self.zip_with(other, |a, b| a ^ b)
    }

    pub fn is_subset(&self, other: &BitSet) -> bool {
        (0..self.words.len()).all(|i| self.word(i) & !other.word(i) == 0)
    }

    /// Increasing order.
    pub fn to_vec(&self) -> Vec<usize> {
        let mut out = Vec::new();
        for (i, &w) in self.words.iter().enumerate() {
            let mut w = w;
            while w != 0 {
                let b = w.trailing_zeros() as usize;
                out.push(i * 64 + b);
                w &= w - 1;
            }
        }
        out
    }
}

/// Equal exactly when the contents are equal.
impl PartialEq for BitSet {
    fn eq(&self, other: &Self) -> bool {
        let n = self.words.len().max(other.words.len());
        (0..n).all(|i| self.word(i) == other.word(i))
    }
}

impl Eq for BitSet {}
