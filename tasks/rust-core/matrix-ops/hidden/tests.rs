use matrix_ops::*;

fn m(rows: &[Vec<i64>]) -> Matrix {
    Matrix::from_rows(rows).unwrap()
}

#[test]
fn invalid_constructions() {
    assert_eq!(Matrix::new(0, 3), None);
    assert_eq!(Matrix::new(2, 0), None);
    assert_eq!(Matrix::identity(0), None);
    assert_eq!(Matrix::from_rows(&[]), None);
    assert_eq!(Matrix::from_rows(&[vec![]]), None);
    assert_eq!(Matrix::from_rows(&[vec![1, 2], vec![3]]), None);
}

#[test]
fn zeros_and_shape() {
    let z = Matrix::new(2, 3).unwrap();
    assert_eq!((z.rows(), z.cols()), (2, 3));
    assert_eq!(z.to_rows(), vec![vec![0, 0, 0], vec![0, 0, 0]]);
}

#[test]
fn identity_is_neutral() {
    let a = m(&[vec![2, -1, 0], vec![4, 3, 7]]);
    let i3 = Matrix::identity(3).unwrap();
    let i2 = Matrix::identity(2).unwrap();
    assert_eq!(a.mul(&i3), Some(a.clone()));
    assert_eq!(i2.mul(&a), Some(a.clone()));
    assert_eq!(i2.to_rows(), vec![vec![1, 0], vec![0, 1]]);
}

#[test]
fn get_and_set_bounds() {
    let mut a = Matrix::new(2, 2).unwrap();
    assert!(a.set(1, 0, 9));
    assert!(!a.set(2, 0, 5));
    assert!(!a.set(0, 2, 5));
    assert_eq!(a.get(1, 0), Some(9));
    assert_eq!(a.get(0, 0), Some(0));
    assert_eq!(a.get(0, 2), None);
    assert_eq!(a.get(2, 0), None);
    assert_eq!(a.to_rows(), vec![vec![0, 0], vec![9, 0]]);
}

#[test]
fn rectangular_product_shape() {
    let a = m(&[vec![1, 2, 3]]);
    let b = m(&[vec![4], vec![5], vec![6]]);
    assert_eq!(a.mul(&b).unwrap().to_rows(), vec![vec![32]]);
    let outer = b.mul(&a).unwrap();
    assert_eq!((outer.rows(), outer.cols()), (3, 3));
    assert_eq!(outer.to_rows(), vec![vec![4, 8, 12], vec![5, 10, 15], vec![6, 12, 18]]);
}

#[test]
fn product_shape_mismatch() {
    let a = m(&[vec![1, 2], vec![3, 4]]);
    let b = m(&[vec![1, 2, 3]]);
    assert_eq!(a.mul(&b), None);
    assert!(b.mul(&a).is_none());
}

#[test]
fn addition_and_mismatch() {
    let a = m(&[vec![1, -2], vec![3, 0]]);
    let b = m(&[vec![10, 20], vec![-3, 5]]);
    assert_eq!(a.add(&b).unwrap().to_rows(), vec![vec![11, 18], vec![0, 5]]);
    assert_eq!(a.add(&a.transpose().mul(&m(&[vec![1], vec![1]])).unwrap()), None);
}

#[test]
fn transpose_twice_and_equality() {
    let a = m(&[vec![1, 2, 3], vec![4, 5, 6]]);
    assert_eq!(a.transpose().transpose(), a);
    assert_ne!(a.transpose(), a);
    let row = m(&[vec![1, 2, 3, 4, 5, 6]]);
    assert_ne!(row, a.clone());
    assert_eq!(m(&[vec![7]]).transpose().to_rows(), vec![vec![7]]);
}

#[test]
fn scale_and_negative_entries() {
    let a = m(&[vec![1, -2], vec![0, 3]]);
    assert_eq!(a.scale(-3).to_rows(), vec![vec![-3, 6], vec![0, -9]]);
    assert_eq!(a.scale(0), Matrix::new(2, 2).unwrap());
}

#[test]
fn product_is_not_commutative() {
    let a = m(&[vec![0, 1], vec![0, 0]]);
    let b = m(&[vec![0, 0], vec![1, 0]]);
    assert_eq!(a.mul(&b).unwrap().to_rows(), vec![vec![1, 0], vec![0, 0]]);
    assert_eq!(b.mul(&a).unwrap().to_rows(), vec![vec![0, 0], vec![0, 1]]);
}
