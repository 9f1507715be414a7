use knapsack_items::*;

fn item(name: &str, weight: u32, value: u64) -> Item {
    Item { name: name.to_string(), weight, value }
}

fn weights(ws: &[(u32, u64)]) -> Vec<Item> {
    ws.iter().enumerate().map(|(i, &(w, v))| item(&format!("i{i}"), w, v)).collect()
}

/// Checks internal consistency and the expected optimum (value, lightest weight).
fn check(items: &[Item], cap: u32, value: u64, weight: u64) -> Selection {
    let s = best_selection(items, cap);
    assert!(s.indices.windows(2).all(|w| w[0] < w[1]), "indices {:?}", s.indices);
    assert!(s.indices.iter().all(|&i| i < items.len()));
    let v: u64 = s.indices.iter().map(|&i| items[i].value).sum();
    let w: u64 = s.indices.iter().map(|&i| items[i].weight as u64).sum();
    assert_eq!((s.total_value, s.total_weight), (v, w), "totals do not match indices");
    assert!(w <= cap as u64);
    assert_eq!((v, w), (value, weight));
    assert_eq!(best_value(items, cap), value);
    s
}

#[test]
fn empty_inputs() {
    assert_eq!(best_selection(&[], 10), Selection { total_value: 0, total_weight: 0, indices: vec![] });
    let items = weights(&[(3, 5), (1, 2)]);
    assert_eq!(best_selection(&items, 0), Selection { total_value: 0, total_weight: 0, indices: vec![] });
    assert_eq!(best_value(&[], u32::MAX), 0);
}

#[test]
fn everything_fits() {
    let items = weights(&[(3, 5), (1, 2), (7, 1)]);
    let s = check(&items, 11, 8, 11);
    assert_eq!(s.indices, vec![0, 1, 2]);
}

#[test]
fn greedy_by_ratio_fails() {
    let items = weights(&[(6, 30), (5, 20), (5, 20)]);
    let s = check(&items, 10, 40, 10);
    assert_eq!(s.indices, vec![1, 2]);
}

#[test]
fn too_heavy_items_skipped() {
    let items = weights(&[(100, 1000), (2, 1), (3, 2)]);
    check(&items, 5, 3, 5);
    check(&items, 4, 2, 3);
}

#[test]
fn weightless_items_always_taken() {
    let items = weights(&[(0, 5), (4, 10), (0, 1), (5, 11)]);
    let s = check(&items, 4, 16, 4);
    assert_eq!(s.indices, vec![0, 1, 2]);
    let s0 = check(&items, 0, 6, 0);
    assert_eq!(s0.indices, vec![0, 2]);
}

#[test]
fn lightest_among_optimal() {
    let items = weights(&[(5, 10), (3, 10), (4, 10), (2, 3), (1, 3)]);
    check(&items, 5, 13, 4);
    let same = weights(&[(4, 7), (2, 7), (9, 0)]);
    let s = check(&same, 9, 14, 6);
    assert_eq!(s.indices, vec![0, 1]);
    let zero_value = weights(&[(1, 0), (2, 0)]);
    check(&zero_value, 3, 0, 0);
}

#[test]
fn huge_capacity_few_items() {
    let items = weights(&[(400_000, 9), (200_000, 1), (3, 2)]);
    let s = check(&items, u32::MAX, 12, 600_003);
    assert_eq!(s.indices, vec![0, 1, 2]);
    let t = check(&items, 599_999, 11, 400_003);
    assert_eq!(t.indices, vec![0, 2]);
}

#[test]
fn medium_random_instance() {
    let mut seed = 99u64;
    let mut rnd = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        seed >> 33
    };
    let mut raw = Vec::new();
    for _ in 0..200 {
        let w = (rnd() % 97 + 1) as u32;
        let v = rnd() % 1000;
        raw.push((w, v));
    }
    let items = weights(&raw);
    check(&items, 5000, 80638, 4998);
}

#[test]
fn subset_sum_style() {
    let ws = [31u32, 29, 23, 19, 17, 13, 11, 7, 5, 3, 2, 37, 41, 43, 47, 53, 59, 61, 67, 71];
    let items: Vec<Item> = ws.iter().map(|&w| item("p", w, w as u64)).collect();
    check(&items, 100, 100, 100);
    check(&items, 1, 0, 0);
    let total: u64 = ws.iter().map(|&w| w as u64).sum();
    check(&items, total as u32 - 1, total - 2, total - 2);
}
