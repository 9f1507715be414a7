use knapsack_items::*;

fn item(name: &str, weight: u32, value: u64) -> Item {
    Item { name: name.to_string(), weight, value }
}

#[test]
fn picks_best_pair() {
    let items = [item("map", 3, 4), item("tent", 4, 5), item("stove", 2, 3)];
    let s = best_selection(&items, 5);
    assert_eq!(s, Selection { total_value: 7, total_weight: 5, indices: vec![0, 2] });
}

#[test]
fn value_only() {
    let items = [item("a", 1, 1), item("b", 3, 4), item("c", 4, 5), item("d", 5, 7)];
    assert_eq!(best_value(&items, 7), 9);
}
