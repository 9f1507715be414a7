use bitset::*;

#[test]
fn empty_set() {
    let s = BitSet::new();
    assert!(s.is_empty());
    assert_eq!(s.len(), 0);
    assert_eq!(s.min(), None);
    assert_eq!(s.max(), None);
    assert_eq!(s.to_vec(), Vec::<usize>::new());
    assert!(!s.contains(0));
    assert!(!s.contains(usize::MAX));
}

#[test]
fn word_boundaries() {
    let s = BitSet::from_slice(&[0, 63, 64, 127, 128]);
    assert_eq!(s.to_vec(), vec![0, 63, 64, 127, 128]);
    assert_eq!(s.min(), Some(0));
    assert_eq!(s.max(), Some(128));
    assert!(!s.contains(65));
}

#[test]
fn remove_and_toggle() {
    let mut s = BitSet::from_slice(&[5, 6]);
    assert!(s.remove(5));
    assert!(!s.remove(5));
    assert!(!s.remove(1_000_000));
    s.toggle(6);
    s.toggle(7);
    assert_eq!(s.to_vec(), vec![7]);
    s.toggle(7);
    assert!(s.is_empty());
}

#[test]
fn equality_ignores_history() {
    let mut a = BitSet::new();
    a.insert(5000);
    a.remove(5000);
    assert_eq!(a, BitSet::new());
    a.insert(1);
    let mut b = BitSet::from_slice(&[1, 9000]);
    assert_ne!(a, b);
    b.remove(9000);
    assert_eq!(a, b);
    assert_eq!(b, a);
}

#[test]
fn intersection_and_difference() {
    let a = BitSet::from_slice(&[1, 2, 3, 200, 300]);
    let b = BitSet::from_slice(&[2, 3, 4, 300]);
    assert_eq!(a.intersection(&b).to_vec(), vec![2, 3, 300]);
    assert_eq!(a.difference(&b).to_vec(), vec![1, 200]);
    assert_eq!(b.difference(&a).to_vec(), vec![4]);
    assert_eq!(a.symmetric_difference(&b).to_vec(), vec![1, 4, 200]);
}

#[test]
fn results_compare_by_contents() {
    let a = BitSet::from_slice(&[1, 1000]);
    let b = BitSet::from_slice(&[1000]);
    assert_eq!(a.intersection(&b), b);
    assert_eq!(a.difference(&a), BitSet::new());
    assert!(a.difference(&a).is_empty());
    assert_eq!(a.symmetric_difference(&b), BitSet::from_slice(&[1]));
    assert_eq!(a.symmetric_difference(&b).max(), Some(1));
}

#[test]
fn subsets() {
    let a = BitSet::from_slice(&[3, 70]);
    let b = BitSet::from_slice(&[1, 3, 70, 500]);
    assert!(a.is_subset(&b));
    assert!(!b.is_subset(&a));
    assert!(BitSet::new().is_subset(&a));
    assert!(a.is_subset(&a));
    let mut c = BitSet::from_slice(&[3, 70, 9999]);
    assert!(!c.is_subset(&b));
    c.remove(9999);
    assert!(c.is_subset(&b));
}

#[test]
fn large_values() {
    let mut s = BitSet::new();
    for i in (0..200_000).step_by(3) {
        s.insert(i);
    }
    assert_eq!(s.len(), 66_667);
    assert_eq!(s.max(), Some(199_998));
    assert!(s.contains(1_002));
    assert!(!s.contains(1_003));
    s.insert(1_000_000);
    assert_eq!(s.max(), Some(1_000_000));
}

#[test]
fn from_slice_with_duplicates() {
    let s = BitSet::from_slice(&[9, 9, 2, 9, 2]);
    assert_eq!(s.len(), 2);
    assert_eq!(s.to_vec(), vec![2, 9]);
}
