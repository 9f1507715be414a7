use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Insert(u32),
    Select(String),
    Cancel,
    EnterService,
    ExitService,
    Restock { code: String, qty: u32 },
    SetPrice { code: String, price: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    Credit(u32),
    Rejected(u32),
    Vended { code: String, change: Vec<u32> },
    Insufficient { price: u32, credit: u32 },
    SoldOut(String),
    UnknownItem(String),
    NoChange,
    Refund(Vec<u32>),
    Ok,
    Invalid,
}

/// Event-driven vending machine. Private fields may change.
pub struct Machine {
    denominations: Vec<u32>,
    bank: Vec<u32>,
    session: Vec<u32>,
    items: HashMap<String, (u32, u32)>,
    service: bool,
}

impl Machine {
    pub fn new(denominations: &[u32], float: &[u32]) -> Machine {
        todo!()
    }

    /// Process one event.
    pub fn handle(&mut self, event: Event) -> Output {
        todo!()
    }

    pub fn credit(&self) -> u32 {
        todo!()
    }

    pub fn in_service(&self) -> bool {
        todo!()
    }

    pub fn stock(&self, code: &str) -> Option<u32> {
        todo!()
    }

    pub fn price(&self, code: &str) -> Option<u32> {
        todo!()
    }

    /// All coins held, descending.
    pub fn bank(&self) -> Vec<u32> {
        todo!()
    }
}
