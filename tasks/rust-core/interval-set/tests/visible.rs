use interval_set::*;

#[test]
fn merges_overlapping_inserts() {
    let mut s = IntervalSet::new();
    s.insert(1, 5);
    s.insert(3, 8);
    s.insert(10, 12);
    assert_eq!(s.intervals(), vec![(1, 8), (10, 12)]);
    assert_eq!(s.total_len(), 9);
}

#[test]
fn remove_splits() {
    let mut s = IntervalSet::new();
    s.insert(0, 10);
    s.remove(3, 5);
    assert_eq!(s.intervals(), vec![(0, 3), (5, 10)]);
    assert!(!s.contains(4));
    assert!(s.contains(5));
}
