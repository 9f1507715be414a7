use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerError {
    DuplicateAccount(String),
    UnknownAccount(String),
    ZeroAmount,
    SameAccount,
    InsufficientFunds { account: String, balance: u64, requested: u64 },
}

/// Named accounts with balances and per-account history. Private fields may change.
pub struct Ledger {
    accounts: HashMap<String, (u64, Vec<i64>)>,
}

impl Ledger {
    pub fn new() -> Self {
        todo!()
    }

    pub fn open(&mut self, name: &str) -> Result<(), LedgerError> {
        todo!()
    }

    /// Returns the new balance.
    pub fn deposit(&mut self, name: &str, amount: u64) -> Result<u64, LedgerError> {
        todo!()
    }

    /// Returns the new balance.
    pub fn withdraw(&mut self, name: &str, amount: u64) -> Result<u64, LedgerError> {
        todo!()
    }

    pub fn transfer(&mut self, from: &str, to: &str, amount: u64) -> Result<(), LedgerError> {
        todo!()
    }

    pub fn balance(&self, name: &str) -> Result<u64, LedgerError> {
        todo!()
    }

    /// Signed changes, oldest first.
    pub fn history(&self, name: &str) -> Result<Vec<i64>, LedgerError> {
        todo!()
    }

    pub fn total(&self) -> u64 {
        todo!()
    }
}
