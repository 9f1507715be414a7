use bank_ledger::*;

#[test]
fn deposit_and_withdraw() {
    let mut l = Ledger::new();
    l.open("alice").unwrap();
    assert_eq!(l.deposit("alice", 100), Ok(100));
    assert_eq!(l.withdraw("alice", 30), Ok(70));
    assert_eq!(l.balance("alice"), Ok(70));
}

#[test]
fn overdraw_is_rejected() {
    let mut l = Ledger::new();
    l.open("bob").unwrap();
    l.deposit("bob", 5).unwrap();
    assert_eq!(
        l.withdraw("bob", 6),
        Err(LedgerError::InsufficientFunds { account: "bob".to_string(), balance: 5, requested: 6 })
    );
}
