use inventory_stock::*;

#[test]
fn add_and_remove() {
    let mut inv = Inventory::new();
    inv.add("bolt", 10);
    inv.add("bolt", 5);
    assert_eq!(inv.remove("bolt", 4), Ok(11));
    assert_eq!(inv.quantity("bolt"), 11);
}

#[test]
fn fulfil_whole_order() {
    let mut inv = Inventory::new();
    inv.add("nut", 3);
    inv.add("washer", 8);
    assert_eq!(inv.fulfil(&[("nut", 2), ("washer", 8)]), Ok(()));
    assert_eq!(inv.items(), vec![("nut".to_string(), 1), ("washer".to_string(), 0)]);
}
