//! Memory accounting for one store: caps the growth of all its linear
//! memories together (a module may declare many) and of its tables, and
//! records the peak. Refusing growth with an error (rather than `Ok(false)`)
//! makes the guest trap with [`MemoryLimitExceeded`], which the runner can tell
//! apart from a Rust guest's allocation-failure abort.

use wasmtime::ResourceLimiter;

/// Raised inside the guest when it asks for more memory than allowed.
#[derive(Debug, thiserror::Error)]
#[error("memory limit exceeded: the guest asked for {desired} bytes, the limit is {limit} bytes")]
pub(crate) struct MemoryLimitExceeded {
    pub desired: usize,
    pub limit: usize,
}

/// Each table element costs the host a pointer; this caps that cost.
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

pub(crate) struct MemoryLimiter {
    limit: usize,
    /// Bytes of every linear memory of the store, together.
    used: usize,
    peak: usize,
    /// Elements of every table, together.
    table_elements: usize,
}

impl MemoryLimiter {
    pub fn new(limit: usize) -> Self {
        MemoryLimiter {
            limit,
            used: 0,
            peak: 0,
            table_elements: 0,
        }
    }

    pub fn peak(&self) -> usize {
        self.peak
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.used.saturating_sub(current).saturating_add(desired);
        if total > self.limit {
            return Err(wasmtime::Error::new(MemoryLimitExceeded {
                desired: total,
                limit: self.limit,
            }));
        }
        self.used = total;
        self.peak = self.peak.max(total);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self
            .table_elements
            .saturating_sub(current)
            .saturating_add(desired);
        if total > MAX_TABLE_ELEMENTS {
            return Err(wasmtime::Error::new(MemoryLimitExceeded {
                desired: total.saturating_mul(size_of::<usize>()),
                limit: self.limit,
            }));
        }
        self.table_elements = total;
        Ok(true)
    }
}
