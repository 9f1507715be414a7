use bitset::*;

#[test]
fn insert_and_contains() {
    let mut s = BitSet::new();
    assert!(s.insert(3));
    assert!(s.insert(64));
    assert!(!s.insert(3));
    assert!(s.contains(64));
    assert!(!s.contains(4));
    assert_eq!(s.len(), 2);
}

#[test]
fn union_of_two_sets() {
    let a = BitSet::from_slice(&[1, 2, 100]);
    let b = BitSet::from_slice(&[2, 3]);
    assert_eq!(a.union(&b).to_vec(), vec![1, 2, 3, 100]);
}
