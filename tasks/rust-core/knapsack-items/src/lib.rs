#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub name: String,
    pub weight: u32,
    pub value: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub total_value: u64,
    pub total_weight: u64,
    pub indices: Vec<usize>,
}

/// Largest total value within `capacity`.
pub fn best_value(items: &[Item], capacity: u32) -> u64 {
    todo!()
}

/// Optimal subset (lightest among optimal ones), indices increasing.
pub fn best_selection(items: &[Item], capacity: u32) -> Selection {
    todo!()
}
