use bank_ledger::*;

fn two() -> Ledger {
    let mut l = Ledger::new();
    l.open("a").unwrap();
    l.open("b").unwrap();
    l.deposit("a", 50).unwrap();
    l
}

#[test]
fn duplicate_open() {
    let mut l = Ledger::new();
    assert_eq!(l.open("x"), Ok(()));
    assert_eq!(l.open("x"), Err(LedgerError::DuplicateAccount("x".to_string())));
    assert_eq!(l.open("X"), Ok(()));
    assert_eq!(l.balance("x"), Ok(0));
}

#[test]
fn unknown_account_everywhere() {
    let mut l = two();
    let unk = Err(LedgerError::UnknownAccount("zed".to_string()));
    assert_eq!(l.deposit("zed", 1), unk.clone());
    assert_eq!(l.withdraw("zed", 1), unk.clone());
    assert_eq!(l.balance("zed"), unk.clone());
    assert_eq!(l.history("zed"), Err(LedgerError::UnknownAccount("zed".to_string())));
    assert_eq!(l.transfer("zed", "a", 1), Err(LedgerError::UnknownAccount("zed".to_string())));
    assert_eq!(l.transfer("a", "zed", 1), Err(LedgerError::UnknownAccount("zed".to_string())));
}

#[test]
fn zero_amount_checked_first() {
    let mut l = two();
    assert_eq!(l.deposit("nobody", 0), Err(LedgerError::ZeroAmount));
    assert_eq!(l.withdraw("a", 0), Err(LedgerError::ZeroAmount));
    assert_eq!(l.transfer("a", "a", 0), Err(LedgerError::ZeroAmount));
}

#[test]
fn transfer_moves_money() {
    let mut l = two();
    assert_eq!(l.transfer("a", "b", 20), Ok(()));
    assert_eq!(l.balance("a"), Ok(30));
    assert_eq!(l.balance("b"), Ok(20));
    assert_eq!(l.total(), 50);
}

#[test]
fn transfer_error_order() {
    let mut l = two();
    assert_eq!(l.transfer("q", "r", 5), Err(LedgerError::UnknownAccount("q".to_string())));
    assert_eq!(l.transfer("a", "a", 500), Err(LedgerError::SameAccount));
    assert_eq!(
        l.transfer("b", "a", 1),
        Err(LedgerError::InsufficientFunds { account: "b".to_string(), balance: 0, requested: 1 })
    );
}

#[test]
fn failed_operations_change_nothing() {
    let mut l = two();
    let _ = l.transfer("a", "b", 51);
    let _ = l.withdraw("a", 51);
    let _ = l.transfer("a", "a", 10);
    assert_eq!(l.balance("a"), Ok(50));
    assert_eq!(l.balance("b"), Ok(0));
    assert_eq!(l.history("a"), Ok(vec![50]));
    assert_eq!(l.history("b"), Ok(vec![]));
}

#[test]
fn history_records_signed_changes() {
    let mut l = two();
    l.withdraw("a", 10).unwrap();
    l.transfer("a", "b", 15).unwrap();
    l.deposit("b", 7).unwrap();
    l.transfer("b", "a", 2).unwrap();
    assert_eq!(l.history("a"), Ok(vec![50, -10, -15, 2]));
    assert_eq!(l.history("b"), Ok(vec![15, 7, -2]));
    assert_eq!(l.total(), 47);
}

#[test]
fn withdraw_exact_balance() {
    let mut l = two();
    assert_eq!(l.withdraw("a", 50), Ok(0));
    assert_eq!(l.total(), 0);
    assert_eq!(
        l.withdraw("a", 1),
        Err(LedgerError::InsufficientFunds { account: "a".to_string(), balance: 0, requested: 1 })
    );
}

#[test]
fn empty_ledger_and_odd_names() {
    let mut l = Ledger::new();
    assert_eq!(l.total(), 0);
    assert_eq!(l.open(""), Ok(()));
    assert_eq!(l.open("with space"), Ok(()));
    assert_eq!(l.deposit("", 3), Ok(3));
    assert_eq!(l.transfer("", "with space", 3), Ok(()));
    assert_eq!(l.balance("with space"), Ok(3));
}
