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
        Inventory { stock: BTreeMap::new() }
    }

    /// Saturating add; creates the item if needed.
    pub fn add(&mut self, item: &str, qty: u32) {
        let q = self.stock.entry(item.to_string()).or_insert(0);
        *q = q.saturating_add(qty);
    }

    /// Returns the remaining quantity.
    pub fn remove(&mut self, item: &str, qty: u32) -> Result<u32, StockError> {
        let q = self
            .stock
            .get_mut(item)
            .ok_or_else(|| StockError::UnknownItem(item.to_string()))?;
        if *q < qty {
            return Err(StockError::NotEnough { item: item.to_string(), available: *q, requested: qty });
        }
        *q -= qty;
        Ok(*q)
    }

    pub fn quantity(&self, item: &str) -> u32 {
        self.stock.get(item).copied().unwrap_or(0)
    }

    pub fn contains(&self, item: &str) -> bool {
        self.stock.contains_key(item)
    }

    /// All-or-nothing removal of several lines.
    pub fn fulfil(&mut self, order: &[(&str, u32)]) -> Result<(), StockError> {
        let mut combined: Vec<(&str, u64)> = Vec::new();
        for &(item, qty) in order {
            match combined.iter_mut().find(|(n, _)| *n == item) {
                Some(e) => e.1 += qty as u64,
                None => combined.push((item, qty as u64)),
            }
        }
        for &(item, want) in &combined {
            let have = *self
                .stock
                .get(item)
                .ok_or_else(|| StockError::UnknownItem(item.to_string()))?;
            if (have as u64) < want {
                return Err(StockError::NotEnough {
                    item: item.to_string(),
                    available: have,
                    requested: want.min(u32::MAX as u64) as u32,
                });
            }
        }
        for &(item, want) in &combined {
            let q = self.stock.get_mut(item).expect("checked");
            *q -= want as u32;
        }
        Ok(())
    }

    /// Sorted by name.
    pub fn items(&self) -> Vec<(String, u32)> {
        self.stock.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    /// Items with quantity < threshold, sorted by name.
    pub fn low_stock(&self, threshold: u32) -> Vec<(String, u32)> {
        self.stock.iter().filter(|(_, v)| **v < threshold).map(|(k, v)| (k.clone(), *v)).collect()
    }
}
