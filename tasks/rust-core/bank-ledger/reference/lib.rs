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
        Ledger { accounts: HashMap::new() }
    }

    pub fn open(&mut self, name: &str) -> Result<(), LedgerError> {
        if self.accounts.contains_key(name) {
            return Err(LedgerError::DuplicateAccount(name.to_string()));
        }
        self.accounts.insert(name.to_string(), (0, Vec::new()));
        Ok(())
    }

    fn known(&self, name: &str) -> Result<u64, LedgerError> {
        self.accounts
            .get(name)
            .map(|a| a.0)
            .ok_or_else(|| LedgerError::UnknownAccount(name.to_string()))
    }

    fn apply(&mut self, name: &str, delta: i64) -> u64 {
        let acc = self.accounts.get_mut(name).expect("checked");
        if delta >= 0 {
            acc.0 += delta as u64;
        } else {
            acc.0 -= delta.unsigned_abs();
        }
        acc.1.push(delta);
        acc.0
    }

    /// Returns the new balance.
    pub fn deposit(&mut self, name: &str, amount: u64) -> Result<u64, LedgerError> {
        if amount == 0 {
            return Err(LedgerError::ZeroAmount);
        }
        self.known(name)?;
        Ok(self.apply(name, amount as i64))
    }

    /// Returns the new balance.
    pub fn withdraw(&mut self, name: &str, amount: u64) -> Result<u64, LedgerError> {
        if amount == 0 {
            return Err(LedgerError::ZeroAmount);
        }
        let balance = self.known(name)?;
        if balance < amount {
            return Err(LedgerError::InsufficientFunds { account: name.to_string(), balance, requested: amount });
        }
        Ok(self.apply(name, -(amount as i64)))
    }

    pub fn transfer(&mut self, from: &str, to: &str, amount: u64) -> Result<(), LedgerError> {
        if amount == 0 {
            return Err(LedgerError::ZeroAmount);
        }
        let balance = self.known(from)?;
        self.known(to)?;
        if from == to {
            return Err(LedgerError::SameAccount);
        }
        if balance < amount {
            return Err(LedgerError::InsufficientFunds { account: from.to_string(), balance, requested: amount });
        }
        self.apply(from, -(amount as i64));
        self.apply(to, amount as i64);
        Ok(())
    }

    pub fn balance(&self, name: &str) -> Result<u64, LedgerError> {
        self.known(name)
    }

    /// Signed changes, oldest first.
    pub fn history(&self, name: &str) -> Result<Vec<i64>, LedgerError> {
        self.accounts
            .get(name)
            .map(|a| a.1.clone())
            .ok_or_else(|| LedgerError::UnknownAccount(name.to_string()))
    }

    pub fn total(&self) -> u64 {
        self.accounts.values().map(|a| a.0).sum()
    }
}
