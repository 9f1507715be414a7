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
    /// Always sorted descending.
    bank: Vec<u32>,
    session: Vec<u32>,
    /// code -> (price, stock)
    items: HashMap<String, (u32, u32)>,
    service: bool,
}

impl Machine {
    pub fn new(denominations: &[u32], float: &[u32]) -> Machine {
        let denominations: Vec<u32> = denominations.iter().copied().filter(|&d| d > 0).collect();
        let mut bank: Vec<u32> = float.iter().copied().filter(|c| denominations.contains(c)).collect();
        bank.sort_unstable_by(|a, b| b.cmp(a));
        Machine { denominations, bank, session: Vec::new(), items: HashMap::new(), service: false }
    }

    fn remove_coins(&mut self, coins: &[u32]) {
        for c in coins {
            let i = self.bank.iter().position(|b| b == c).expect("coin in bank");
            self.bank.remove(i);
        }
    }

    /// Greedy change from the (descending) bank.
    fn change_for(&self, amount: u32) -> Option<Vec<u32>> {
        let mut left = amount;
        let mut coins = Vec::new();
        for &c in &self.bank {
            if c <= left {
                coins.push(c);
                left -= c;
            }
        }
        if left == 0 { Some(coins) } else { None }
    }

    fn select(&mut self, code: String) -> Output {
        let Some(&(price, stock)) = self.items.get(&code) else { return Output::UnknownItem(code) };
        if stock == 0 {
            return Output::SoldOut(code);
        }
        let credit = self.credit();
        if credit < price {
            return Output::Insufficient { price, credit };
        }
        let Some(change) = self.change_for(credit - price) else { return Output::NoChange };
        self.remove_coins(&change);
        self.items.get_mut(&code).unwrap().1 -= 1;
        self.session.clear();
        Output::Vended { code, change }
    }

    /// Process one event.
    pub fn handle(&mut self, event: Event) -> Output {
        if self.service {
            return match event {
                Event::Insert(c) => Output::Rejected(c),
                Event::SetPrice { code, price } => {
                    self.items.entry(code).or_insert((0, 0)).0 = price;
                    Output::Ok
                }
                Event::Restock { code, qty } => match self.items.get_mut(&code) {
                    Some(item) => {
                        item.1 = item.1.saturating_add(qty);
                        Output::Ok
                    }
                    None => Output::UnknownItem(code),
                },
                Event::ExitService => {
                    self.service = false;
                    Output::Ok
                }
                _ => Output::Invalid,
            };
        }
        match event {
            Event::Insert(c) => {
                if c == 0 || !self.denominations.contains(&c) {
                    return Output::Rejected(c);
                }
                let pos = self.bank.partition_point(|&b| b > c);
                self.bank.insert(pos, c);
                self.session.push(c);
                Output::Credit(self.credit())
            }
            Event::Select(code) => self.select(code),
            Event::Cancel => {
                let mut coins = std::mem::take(&mut self.session);
                coins.sort_unstable_by(|a, b| b.cmp(a));
                self.remove_coins(&coins);
                Output::Refund(coins)
            }
            Event::EnterService => {
                if self.credit() > 0 {
                    Output::Invalid
                } else {
                    self.service = true;
                    Output::Ok
                }
            }
            _ => Output::Invalid,
        }
    }

    pub fn credit(&self) -> u32 {
        self.session.iter().sum()
    }

    pub fn in_service(&self) -> bool {
        self.service
    }

    pub fn stock(&self, code: &str) -> Option<u32> {
        self.items.get(code).map(|i| i.1)
    }

    pub fn price(&self, code: &str) -> Option<u32> {
        self.items.get(code).map(|i| i.0)
    }

    /// All coins held, descending.
    pub fn bank(&self) -> Vec<u32> {
        self.bank.clone()
    }
}
