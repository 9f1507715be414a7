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
        todo!()
    }

    pub fn bin_range(&self, k: usize) -> Option<(i64, i64)> {
        todo!()
    }

    pub fn bin_of(&self, v: i64) -> Option<usize> {
        todo!()
    }

    pub fn add(&mut self, v: i64) {
        todo!()
    }

    pub fn add_all(&mut self, values: &[i64]) {
        todo!()
    }

    pub fn count(&self, k: usize) -> Option<u64> {
        todo!()
    }

    pub fn counts(&self) -> Vec<u64> {
        todo!()
    }

    pub fn underflow(&self) -> u64 {
        todo!()
    }

    pub fn overflow(&self) -> u64 {
        todo!()
    }

    /// Every sample, including under/overflow.
    pub fn total(&self) -> u64 {
        todo!()
    }

    /// Highest count, lowest index on ties; `None` if all bins are empty.
    pub fn mode_bin(&self) -> Option<usize> {
        todo!()
    }

    /// Adds `other` into `self` if the layouts match.
    pub fn merge(&mut self, other: &Histogram) -> bool {
        todo!()
    }

    /// One "lo..hi |###" line per bin.
    pub fn render(&self, bar_width: usize) -> Vec<String> {
        todo!()
    }
}
