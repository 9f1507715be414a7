use vending_machine::*;

fn stocked() -> Machine {
    let mut m = Machine::new(&[10, 20, 50, 100], &[10, 20, 50]);
    assert_eq!(m.handle(Event::EnterService), Output::Ok);
    m.handle(Event::SetPrice { code: "A1".to_string(), price: 70 });
    m.handle(Event::Restock { code: "A1".to_string(), qty: 2 });
    assert_eq!(m.handle(Event::ExitService), Output::Ok);
    m
}

#[test]
fn buys_with_change() {
    let mut m = stocked();
    assert_eq!(m.handle(Event::Insert(100)), Output::Credit(100));
    assert_eq!(
        m.handle(Event::Select("A1".to_string())),
        Output::Vended { code: "A1".to_string(), change: vec![20, 10] }
    );
    assert_eq!(m.stock("A1"), Some(1));
    assert_eq!(m.credit(), 0);
}

#[test]
fn cancel_refunds_inserted_coins() {
    let mut m = stocked();
    m.handle(Event::Insert(10));
    m.handle(Event::Insert(50));
    assert_eq!(m.handle(Event::Cancel), Output::Refund(vec![50, 10]));
    assert_eq!(m.bank(), vec![50, 20, 10]);
}
