use inventory_stock::*;

fn list(v: &[(&str, u32)]) -> Vec<(String, u32)> {
    v.iter().map(|(n, q)| (n.to_string(), *q)).collect()
}

fn stocked() -> Inventory {
    let mut inv = Inventory::new();
    inv.add("gear", 4);
    inv.add("axle", 2);
    inv.add("spring", 10);
    inv
}

#[test]
fn unknown_items() {
    let mut inv = stocked();
    assert_eq!(inv.quantity("cog"), 0);
    assert!(!inv.contains("cog"));
    assert_eq!(inv.remove("cog", 0), Err(StockError::UnknownItem("cog".to_string())));
    assert_eq!(inv.remove("Gear", 1), Err(StockError::UnknownItem("Gear".to_string())));
}

#[test]
fn remove_too_many_changes_nothing() {
    let mut inv = stocked();
    assert_eq!(
        inv.remove("axle", 3),
        Err(StockError::NotEnough { item: "axle".to_string(), available: 2, requested: 3 })
    );
    assert_eq!(inv.quantity("axle"), 2);
    assert_eq!(inv.remove("axle", 2), Ok(0));
    assert!(inv.contains("axle"));
    assert_eq!(inv.remove("axle", 0), Ok(0));
}

#[test]
fn add_zero_creates_and_saturates() {
    let mut inv = Inventory::new();
    inv.add("ghost", 0);
    assert!(inv.contains("ghost"));
    inv.add("big", u32::MAX - 1);
    inv.add("big", 5);
    assert_eq!(inv.quantity("big"), u32::MAX);
    assert_eq!(inv.items(), list(&[("big", u32::MAX), ("ghost", 0)]));
}

#[test]
fn fulfil_is_atomic() {
    let mut inv = stocked();
    assert_eq!(
        inv.fulfil(&[("gear", 1), ("spring", 11), ("axle", 1)]),
        Err(StockError::NotEnough { item: "spring".to_string(), available: 10, requested: 11 })
    );
    assert_eq!(inv.items(), list(&[("axle", 2), ("gear", 4), ("spring", 10)]));
}

#[test]
fn fulfil_combines_duplicate_lines() {
    let mut inv = stocked();
    assert_eq!(
        inv.fulfil(&[("gear", 3), ("axle", 1), ("gear", 2)]),
        Err(StockError::NotEnough { item: "gear".to_string(), available: 4, requested: 5 })
    );
    assert_eq!(inv.fulfil(&[("gear", 2), ("axle", 1), ("gear", 2)]), Ok(()));
    assert_eq!(inv.quantity("gear"), 0);
    assert_eq!(inv.quantity("axle"), 1);
}

#[test]
fn fulfil_error_order_by_first_line() {
    let mut inv = stocked();
    assert_eq!(
        inv.fulfil(&[("axle", 9), ("nope", 1)]),
        Err(StockError::NotEnough { item: "axle".to_string(), available: 2, requested: 9 })
    );
    assert_eq!(inv.fulfil(&[("nope", 1), ("axle", 9)]), Err(StockError::UnknownItem("nope".to_string())));
    assert_eq!(inv.fulfil(&[("nope", 0)]), Err(StockError::UnknownItem("nope".to_string())));
}

#[test]
fn fulfil_requested_saturates() {
    let mut inv = stocked();
    assert_eq!(
        inv.fulfil(&[("spring", u32::MAX), ("spring", u32::MAX)]),
        Err(StockError::NotEnough { item: "spring".to_string(), available: 10, requested: u32::MAX })
    );
    assert_eq!(inv.quantity("spring"), 10);
}

#[test]
fn empty_order() {
    let mut inv = Inventory::new();
    assert_eq!(inv.fulfil(&[]), Ok(()));
    assert_eq!(inv.items(), vec![]);
}

#[test]
fn low_stock_strictly_below() {
    let mut inv = stocked();
    inv.add("belt", 0);
    assert_eq!(inv.low_stock(4), list(&[("axle", 2), ("belt", 0)]));
    assert_eq!(inv.low_stock(0), vec![]);
    assert_eq!(inv.low_stock(11), list(&[("axle", 2), ("belt", 0), ("gear", 4), ("spring", 10)]));
}

#[test]
fn items_sorted_by_string_order() {
    let mut inv = Inventory::new();
    inv.add("b", 1);
    inv.add("B", 2);
    inv.add("a", 3);
    inv.add("ab", 4);
    assert_eq!(inv.items(), list(&[("B", 2), ("a", 3), ("ab", 4), ("b", 1)]));
}
