/// Growable set of usize stored as bits. Private fields may change.
#[derive(Debug, Clone)]
pub struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    pub fn new() -> Self {
        todo!()
    }

    pub fn from_slice(values: &[usize]) -> Self {
        todo!()
    }

    /// `true` if newly inserted.
    pub fn insert(&mut self, i: usize) -> bool {
        todo!()
    }

    /// `true` if it was present.
    pub fn remove(&mut self, i: usize) -> bool {
        todo!()
    }

    pub fn toggle(&mut self, i: usize) {
        todo!()
    }

    pub fn contains(&self, i: usize) -> bool {
        todo!()
    }

    pub fn len(&self) -> usize {
        todo!()
    }

    pub fn is_empty(&self) -> bool {
        todo!()
    }

    pub fn min(&self) -> Option<usize> {
        todo!()
    }

    pub fn max(&self) -> Option<usize> {
        todo!()
    }

    pub fn union(&self, other: &BitSet) -> BitSet {
        todo!()
    }

    pub fn intersection(&self, other: &BitSet) -> BitSet {
        todo!()
    }

    /// Elements of `self` not in `other`.
    pub fn difference(&self, other: &BitSet) -> BitSet {
        todo!()
    }

    pub fn symmetric_difference(&self, other: &BitSet) -> BitSet {
        todo!()
    }

    pub fn is_subset(&self, other: &BitSet) -> bool {
        todo!()
    }

    /// Increasing order.
    pub fn to_vec(&self) -> Vec<usize> {
        todo!()
    }
}

/// Equal exactly when the contents are equal.
impl PartialEq for BitSet {
    fn eq(&self, other: &Self) -> bool {
        todo!()
    }
}

impl Eq for BitSet {}
