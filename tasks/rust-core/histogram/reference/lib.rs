/// Equal-width integer bins over `[min, max)`. Private fields may change.
pub struct Histogram {
    min: i64,
    max: i64,
    counts: Vec<u64>,
    under: u64,
    over: u64,
}

impl Histogram {
    /// `None` unless `bins > 0`, `max > min` and `bins` divides `max - min`.
    pub fn new(min: i64, max: i64, bins: usize) -> Option<Histogram> {
        if bins == 0 || max <= min || (max as i128 - min as i128) % bins as i128 != 0 {
            return None;
        }
        Some(Histogram { min, max, counts: vec![0; bins], under: 0, over: 0 })
    }

    fn width(&self) -> i128 {
        (self.max as i128 - self.min as i128) / self.counts.len() as i128
    }

    pub fn bin_range(&self, k: usize) -> Option<(i64, i64)> {
        if k >= self.counts.len() {
            return None;
        }
        let lo = self.min as i128 + k as i128 * self.width();
        Some((lo as i64, (lo + self.width()) as i64))
    }

    pub fn bin_of(&self, v: i64) -> Option<usize> {
        if v < self.min || v >= self.max {
            return None;
        }
        Some(((v as i128 - self.min as i128) / self.width()) as usize)
    }

    pub fn add(&mut self, v: i64) {
        match self.bin_of(v) {
            Some(k) => self.counts[k] += 1,
            None if v < self.min => self.under += 1,
            None => self.over += 1,
        }
    }

    pub fn add_all(&mut self, values: &[i64]) {
        for &v in values {
            self.add(v);
        }
    }

    pub fn count(&self, k: usize) -> Option<u64> {
        self.counts.get(k).copied()
    }

    pub fn counts(&self) -> Vec<u64> {
        self.counts.clone()
    }

    pub fn underflow(&self) -> u64 {
        self.under
    }

    pub fn overflow(&self) -> u64 {
        self.over
    }

    /// Every sample, including under/overflow.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.under + self.over
    }

    /// Highest count, lowest index on ties; `None` if all bins are empty.
    pub fn mode_bin(&self) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (i, &c) in self.counts.iter().enumerate() {
            if c > 0 && best.is_none_or(|b| c > self.counts[b]) {
                best = Some(i);
            }
        }
        best
    }

    /// Adds `other` into `self` if the layouts match.
    pub fn merge(&mut self, other: &Histogram) -> bool {
        if self.min != other.min || self.max != other.max || self.counts.len() != other.counts.len() {
            return false;
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.under += other.under;
        self.over += other.over;
        true
    }

    /// One "lo..hi |###" line per bin.
    pub fn render(&self, bar_width: usize) -> Vec<String> {
        let max_count = self.counts.iter().copied().max().unwrap_or(0);
        (0..self.counts.len())
            .map(|k| {
                let (lo, hi) = self.bin_range(k).unwrap();
                let n = if max_count == 0 {
                    0
                } else {
                    (self.counts[k] as u128 * bar_width as u128 / max_count as u128) as usize
                };
                format!("{}..{} |{}", lo, hi, "#".repeat(n))
            })
            .collect()
    }
}
