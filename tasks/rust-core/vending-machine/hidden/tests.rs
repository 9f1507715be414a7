use vending_machine::*;

fn sel(code: &str) -> Event {
    Event::Select(code.to_string())
}

fn machine(denoms: &[u32], float: &[u32], items: &[(&str, u32, u32)]) -> Machine {
    let mut m = Machine::new(denoms, float);
    assert_eq!(m.handle(Event::EnterService), Output::Ok);
    for &(code, price, qty) in items {
        assert_eq!(m.handle(Event::SetPrice { code: code.to_string(), price }), Output::Ok);
        assert_eq!(m.handle(Event::Restock { code: code.to_string(), qty }), Output::Ok);
    }
    assert_eq!(m.handle(Event::ExitService), Output::Ok);
    m
}

#[test]
fn initial_state() {
    let m = Machine::new(&[5, 0, 10, 10], &[10, 7, 5, 10, 0]);
    assert_eq!(m.bank(), vec![10, 10, 5]);
    assert_eq!(m.credit(), 0);
    assert!(!m.in_service());
    assert_eq!(m.stock("x"), None);
    assert_eq!(m.price("x"), None);
}

#[test]
fn rejects_unknown_coins() {
    let mut m = machine(&[10, 20], &[], &[]);
    assert_eq!(m.handle(Event::Insert(15)), Output::Rejected(15));
    assert_eq!(m.handle(Event::Insert(0)), Output::Rejected(0));
    assert_eq!(m.handle(Event::Insert(20)), Output::Credit(20));
    assert_eq!(m.handle(Event::Insert(10)), Output::Credit(30));
    assert_eq!(m.bank(), vec![20, 10]);
}

#[test]
fn select_check_order() {
    let mut m = machine(&[10, 50], &[], &[("B", 60, 0), ("C", 60, 1)]);
    assert_eq!(m.handle(sel("Z")), Output::UnknownItem("Z".to_string()));
    assert_eq!(m.handle(sel("b")), Output::UnknownItem("b".to_string()));
    assert_eq!(m.handle(sel("B")), Output::SoldOut("B".to_string()));
    m.handle(Event::Insert(50));
    assert_eq!(m.handle(sel("C")), Output::Insufficient { price: 60, credit: 50 });
    assert_eq!(m.credit(), 50);
    m.handle(Event::Insert(10));
    assert_eq!(m.handle(sel("C")), Output::Vended { code: "C".to_string(), change: vec![] });
    assert_eq!(m.handle(sel("C")), Output::SoldOut("C".to_string()));
    assert_eq!(m.bank(), vec![50, 10]);
}

#[test]
fn greedy_change_can_fail() {
    let mut m = machine(&[20, 50, 100], &[50, 20, 20, 20], &[("D", 40, 3)]);
    m.handle(Event::Insert(100));
    assert_eq!(m.handle(sel("D")), Output::NoChange);
    assert_eq!(m.credit(), 100);
    assert_eq!(m.stock("D"), Some(3));
    assert_eq!(m.bank(), vec![100, 50, 20, 20, 20]);
    assert_eq!(m.handle(Event::Cancel), Output::Refund(vec![100]));
    assert_eq!(m.bank(), vec![50, 20, 20, 20]);
}

#[test]
fn change_uses_inserted_coins() {
    let mut m = machine(&[10, 20, 50], &[], &[("E", 30, 1)]);
    m.handle(Event::Insert(20));
    m.handle(Event::Insert(20));
    m.handle(Event::Insert(10));
    m.handle(Event::Insert(10));
    assert_eq!(m.handle(sel("E")), Output::Vended { code: "E".to_string(), change: vec![20, 10] });
    assert_eq!(m.bank(), vec![20, 10]);
    assert_eq!(m.handle(Event::Cancel), Output::Refund(vec![]));
}

#[test]
fn service_mode_rules() {
    let mut m = machine(&[10], &[], &[("F", 10, 1)]);
    m.handle(Event::Insert(10));
    assert_eq!(m.handle(Event::EnterService), Output::Invalid);
    assert!(!m.in_service());
    assert_eq!(m.handle(Event::Cancel), Output::Refund(vec![10]));
    assert_eq!(m.handle(Event::EnterService), Output::Ok);
    assert!(m.in_service());
    assert_eq!(m.handle(Event::Insert(10)), Output::Rejected(10));
    assert_eq!(m.handle(sel("F")), Output::Invalid);
    assert_eq!(m.handle(Event::Cancel), Output::Invalid);
    assert_eq!(m.handle(Event::EnterService), Output::Invalid);
    assert_eq!(m.handle(Event::ExitService), Output::Ok);
    assert_eq!(m.handle(Event::ExitService), Output::Invalid);
}

#[test]
fn selling_mode_rejects_service_events() {
    let mut m = machine(&[10], &[], &[("G", 10, 1)]);
    assert_eq!(m.handle(Event::Restock { code: "G".to_string(), qty: 5 }), Output::Invalid);
    assert_eq!(m.handle(Event::SetPrice { code: "G".to_string(), price: 1 }), Output::Invalid);
    assert_eq!(m.stock("G"), Some(1));
    assert_eq!(m.price("G"), Some(10));
}

#[test]
fn restock_and_price_changes() {
    let mut m = machine(&[10], &[], &[("H", 30, 1)]);
    m.handle(Event::EnterService);
    assert_eq!(m.handle(Event::Restock { code: "new".to_string(), qty: 1 }), Output::UnknownItem("new".to_string()));
    assert_eq!(m.handle(Event::Restock { code: "H".to_string(), qty: u32::MAX }), Output::Ok);
    assert_eq!(m.stock("H"), Some(u32::MAX));
    assert_eq!(m.handle(Event::SetPrice { code: "H".to_string(), price: 0 }), Output::Ok);
    assert_eq!(m.handle(Event::SetPrice { code: "I".to_string(), price: 20 }), Output::Ok);
    assert_eq!(m.stock("I"), Some(0));
    assert_eq!(m.price("H"), Some(0));
    m.handle(Event::ExitService);
    assert_eq!(m.handle(sel("H")), Output::Vended { code: "H".to_string(), change: vec![] });
    assert_eq!(m.handle(sel("I")), Output::SoldOut("I".to_string()));
}

#[test]
fn session_ends_after_sale() {
    let mut m = machine(&[10, 50], &[10, 10, 10, 10], &[("J", 20, 5)]);
    m.handle(Event::Insert(50));
    assert_eq!(m.handle(sel("J")), Output::Vended { code: "J".to_string(), change: vec![10, 10, 10] });
    assert_eq!(m.handle(Event::Cancel), Output::Refund(vec![]));
    assert_eq!(m.bank(), vec![50, 10]);
    m.handle(Event::Insert(10));
    m.handle(Event::Insert(10));
    assert_eq!(m.handle(sel("J")), Output::Vended { code: "J".to_string(), change: vec![] });
    assert_eq!(m.bank(), vec![50, 10, 10, 10]);
    assert_eq!(m.stock("J"), Some(3));
}
