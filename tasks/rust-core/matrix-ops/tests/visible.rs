use matrix_ops::*;

#[test]
fn multiplies_two_by_two() {
    let a = Matrix::from_rows(&[vec![1, 2], vec![3, 4]]).unwrap();
    let b = Matrix::from_rows(&[vec![5, 6], vec![7, 8]]).unwrap();
    assert_eq!(a.mul(&b).unwrap().to_rows(), vec![vec![19, 22], vec![43, 50]]);
}

#[test]
fn transposes_rectangle() {
    let a = Matrix::from_rows(&[vec![1, 2, 3], vec![4, 5, 6]]).unwrap();
    assert_eq!(a.transpose().to_rows(), vec![vec![1, 4], vec![2, 5], vec![3, 6]]);
}
