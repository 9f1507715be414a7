use sparse_vector::*;

#[test]
fn dense_round_trip() {
    let v = SparseVec::from_dense(&[0, 3, 0, 0, -2]);
    assert_eq!(v.dim(), 5);
    assert_eq!(v.nnz(), 2);
    assert_eq!(v.nonzeros(), vec![(1, 3), (4, -2)]);
    assert_eq!(v.to_dense(), vec![0, 3, 0, 0, -2]);
}

#[test]
fn dot_product() {
    let a = SparseVec::from_dense(&[1, 0, 2, 0]);
    let b = SparseVec::from_dense(&[5, 7, 3, 9]);
    assert_eq!(a.dot(&b), Some(11));
}
