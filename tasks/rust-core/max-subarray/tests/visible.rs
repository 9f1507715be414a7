use max_subarray::*;

#[test]
fn mixed_values() {
    assert_eq!(max_subarray_sum(&[-2, 1, -3, 4, -1, 2, 1, -5, 4]), Some(6));
}

#[test]
fn all_positive() {
    assert_eq!(max_subarray_sum(&[1, 2, 3]), Some(6));
}
