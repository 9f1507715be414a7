use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StockError {
    UnknownItem(String),
    NotEnough { item: String, available: u32, requested: u32 },
}

/// Quantities of named items. Private fields may change.
pub struct Inventory {
    stock: BTreeMap<String, u32>,
}

impl Inventory {
    pub fn new() -> Self {
        todo!()
    }

    /// Saturating add; creates the item if needed.
    pub fn add(&mut self, item: &str, qty: u32) {
        todo!()
    }

    /// Returns the remaining quantity.
    pub fn remove(&mut self, item: &str, qty: u32) -> Result<u32, StockError> {
        todo!()
    }

    pub fn quantity(&self, item: &str) -> u32 {
        todo!()
    }

    pub fn contains(&self, item: &str) -> bool {
        todo!()
    }

    /// All-or-nothing removal of several lines.
    pub fn fulfil(&mut self, order: &[(&str, u32)]) -> Result<(), StockError> {
        todo!()
    }

    /// Sorted by name.
    pub fn items(&self) -> Vec<(String, u32)> {
        todo!()
    }

    /// Items with quantity < threshold, sorted by name.
    pub fn low_stock(&self, threshold: u32) -> Vec<(String, u32)> {
        todo!()
    }
}
