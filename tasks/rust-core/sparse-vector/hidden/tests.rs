use sparse_vector::*;

#[test]
fn new_is_all_zero() {
    let v = SparseVec::new(4);
    assert_eq!(v.dim(), 4);
    assert_eq!(v.nnz(), 0);
    assert_eq!(v.get(3), Some(0));
    assert_eq!(v.get(4), None);
    assert_eq!(v.to_dense(), vec![0, 0, 0, 0]);
}

#[test]
fn zero_dimension() {
    let mut v = SparseVec::new(0);
    assert_eq!(v.get(0), None);
    assert!(!v.set(0, 1));
    assert_eq!(v.to_dense(), Vec::<i64>::new());
    assert_eq!(v.dot(&SparseVec::from_dense(&[])), Some(0));
}

#[test]
fn set_and_unset() {
    let mut v = SparseVec::new(10);
    assert!(v.set(7, 5));
    assert!(v.set(2, -1));
    assert_eq!(v.nnz(), 2);
    assert!(v.set(7, 0));
    assert_eq!(v.nnz(), 1);
    assert_eq!(v.get(7), Some(0));
    assert!(!v.set(10, 3));
    assert_eq!(v.nonzeros(), vec![(2, -1)]);
}

#[test]
fn huge_dimension_stays_sparse() {
    let mut a = SparseVec::new(1_000_000_000);
    let mut b = SparseVec::new(1_000_000_000);
    assert!(a.set(999_999_999, 4));
    assert!(a.set(12, 3));
    assert!(b.set(999_999_999, -2));
    assert!(b.set(500, 8));
    assert_eq!(a.dot(&b), Some(-8));
    let s = a.add(&b).unwrap();
    assert_eq!(s.nonzeros(), vec![(12, 3), (500, 8), (999_999_999, 2)]);
    assert_eq!(a.scale(10).get(999_999_999), Some(40));
}

#[test]
fn mismatched_dimensions() {
    let a = SparseVec::new(3);
    let b = SparseVec::new(4);
    assert_eq!(a.dot(&b), None);
    assert!(a.add(&b).is_none());
}

#[test]
fn add_cancels_entries() {
    let a = SparseVec::from_dense(&[1, 2, 3]);
    let b = SparseVec::from_dense(&[-1, 0, 4]);
    let s = a.add(&b).unwrap();
    assert_eq!(s.nnz(), 2);
    assert_eq!(s.nonzeros(), vec![(1, 2), (2, 7)]);
    assert_eq!(s.dim(), 3);
}

#[test]
fn scale_by_zero_and_negative() {
    let a = SparseVec::from_dense(&[0, 5, -6]);
    assert_eq!(a.scale(0).nnz(), 0);
    assert_eq!(a.scale(0).dim(), 3);
    assert_eq!(a.scale(-2).to_dense(), vec![0, -10, 12]);
    assert_eq!(a.nonzeros(), vec![(1, 5), (2, -6)]);
}

#[test]
fn from_dense_skips_zeros() {
    let v = SparseVec::from_dense(&[0, 0, 0]);
    assert_eq!(v.nnz(), 0);
    assert_eq!(v.dim(), 3);
    assert_eq!(v.nonzeros(), vec![]);
}

#[test]
fn dot_with_self_and_disjoint() {
    let a = SparseVec::from_dense(&[3, 0, 4, 0]);
    let b = SparseVec::from_dense(&[0, 9, 0, 9]);
    assert_eq!(a.dot(&a), Some(25));
    assert_eq!(a.dot(&b), Some(0));
}
