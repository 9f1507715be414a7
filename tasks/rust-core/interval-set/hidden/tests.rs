use interval_set::*;

#[test]
fn empty_set() {
    let s = IntervalSet::new();
    assert_eq!(s.intervals(), vec![]);
    assert_eq!(s.total_len(), 0);
    assert!(!s.contains(0));
    assert!(!s.overlaps(i64::MIN, i64::MAX));
}

#[test]
fn touching_intervals_merge() {
    let mut s = IntervalSet::new();
    s.insert(3, 5);
    s.insert(1, 3);
    s.insert(5, 6);
    assert_eq!(s.intervals(), vec![(1, 6)]);
}

#[test]
fn empty_intervals_ignored() {
    let mut s = IntervalSet::new();
    s.insert(5, 5);
    s.insert(9, 2);
    assert_eq!(s.intervals(), vec![]);
    s.insert(0, 4);
    s.remove(2, 2);
    s.remove(3, 1);
    assert_eq!(s.intervals(), vec![(0, 4)]);
    assert!(!s.overlaps(2, 2));
}

#[test]
fn half_open_membership() {
    let mut s = IntervalSet::new();
    s.insert(-3, 2);
    assert!(s.contains(-3));
    assert!(s.contains(1));
    assert!(!s.contains(2));
    assert!(!s.contains(-4));
}

#[test]
fn insert_bridging_many() {
    let mut s = IntervalSet::new();
    s.insert(20, 25);
    s.insert(0, 2);
    s.insert(10, 12);
    s.insert(5, 7);
    assert_eq!(s.intervals(), vec![(0, 2), (5, 7), (10, 12), (20, 25)]);
    s.insert(6, 21);
    assert_eq!(s.intervals(), vec![(0, 2), (5, 25)]);
    assert_eq!(s.total_len(), 22);
}

#[test]
fn remove_across_several() {
    let mut s = IntervalSet::new();
    s.insert(0, 5);
    s.insert(10, 15);
    s.insert(20, 25);
    s.remove(3, 22);
    assert_eq!(s.intervals(), vec![(0, 3), (22, 25)]);
    s.remove(-100, 100);
    assert_eq!(s.intervals(), vec![]);
}

#[test]
fn remove_exact_and_edges() {
    let mut s = IntervalSet::new();
    s.insert(0, 10);
    s.remove(0, 1);
    s.remove(9, 10);
    assert_eq!(s.intervals(), vec![(1, 9)]);
    s.remove(1, 9);
    assert_eq!(s.total_len(), 0);
    s.remove(50, 60);
    assert_eq!(s.intervals(), vec![]);
}

#[test]
fn overlaps_queries() {
    let mut s = IntervalSet::new();
    s.insert(10, 20);
    assert!(s.overlaps(19, 30));
    assert!(!s.overlaps(20, 30));
    assert!(!s.overlaps(0, 10));
    assert!(s.overlaps(0, 11));
    assert!(s.overlaps(12, 13));
}

#[test]
fn extreme_bounds() {
    let mut s = IntervalSet::new();
    s.insert(i64::MIN, i64::MAX);
    assert_eq!(s.total_len(), u64::MAX);
    assert!(s.contains(i64::MIN));
    assert!(!s.contains(i64::MAX));
    s.remove(0, i64::MAX);
    assert_eq!(s.intervals(), vec![(i64::MIN, 0)]);
    assert_eq!(s.total_len(), 1u64 << 63);
}

#[test]
fn reinsert_inside_existing() {
    let mut s = IntervalSet::new();
    s.insert(0, 100);
    s.insert(10, 20);
    s.insert(0, 100);
    assert_eq!(s.intervals(), vec![(0, 100)]);
    assert_eq!(s.total_len(), 100);
}
