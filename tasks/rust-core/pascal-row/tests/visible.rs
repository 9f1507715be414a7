use pascal_row::*;

#[test]
fn row_three() {
    assert_eq!(pascal_row(3), vec![1, 3, 3, 1]);
}

#[test]
fn row_four() {
    assert_eq!(pascal_row(4), vec![1, 4, 6, 4, 1]);
}
