//! Token and cost totals of a run, summed across concurrent calls.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::types::Completion;

#[derive(Debug, Default)]
pub struct Ledger {
    calls: AtomicU64,
    cached: AtomicU64,
    tokens_in: AtomicU64,
    tokens_out: AtomicU64,
    /// Cost in nano-dollars, so it sums exactly.
    cost_nano_usd: AtomicU64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Usage {
    pub calls: u64,
    pub cached: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost_usd: f64,
}

impl Usage {
    pub fn tokens(&self) -> u64 {
        self.tokens_in + self.tokens_out
    }
}

impl Ledger {
    /// Counts a completion. Cached replies cost nothing again.
    pub fn record(&self, completion: &Completion) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if completion.cached {
            self.cached.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.tokens_in
            .fetch_add(completion.tokens_in, Ordering::Relaxed);
        self.tokens_out
            .fetch_add(completion.tokens_out, Ordering::Relaxed);
        self.cost_nano_usd.fetch_add(
            (completion.cost_usd * 1e9).round() as u64,
            Ordering::Relaxed,
        );
    }

    /// Starts from earlier totals (a resumed run).
    pub fn add(&self, usage: &Usage) {
        self.calls.fetch_add(usage.calls, Ordering::Relaxed);
        self.cached.fetch_add(usage.cached, Ordering::Relaxed);
        self.tokens_in.fetch_add(usage.tokens_in, Ordering::Relaxed);
        self.tokens_out
            .fetch_add(usage.tokens_out, Ordering::Relaxed);
        self.cost_nano_usd
            .fetch_add((usage.cost_usd * 1e9).round() as u64, Ordering::Relaxed);
    }

    pub fn usage(&self) -> Usage {
        Usage {
            calls: self.calls.load(Ordering::Relaxed),
            cached: self.cached.load(Ordering::Relaxed),
            tokens_in: self.tokens_in.load(Ordering::Relaxed),
            tokens_out: self.tokens_out.load(Ordering::Relaxed),
            cost_usd: self.cost_nano_usd.load(Ordering::Relaxed) as f64 / 1e9,
        }
    }
}
