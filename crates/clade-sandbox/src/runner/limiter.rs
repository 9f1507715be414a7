//! Memory accounting for one store: caps linear-memory and table growth and
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
    peak: usize,
}

impl MemoryLimiter {
    pub fn new(limit: usize) -> Self {
        MemoryLimiter { limit, peak: 0 }
    }

    pub fn peak(&self) -> usize {
        self.peak
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limit {
            return Err(wasmtime::Error::new(MemoryLimitExceeded {
                desired,
                limit: self.limit,
            }));
        }
        self.peak = self.peak.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > MAX_TABLE_ELEMENTS {
            return Err(wasmtime::Error::new(MemoryLimitExceeded {
                desired: desired.saturating_mul(size_of::<usize>()),
                limit: self.limit,
            }));
        }
        Ok(true)
    }
}
