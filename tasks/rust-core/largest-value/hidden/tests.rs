use largest_value::*;

#[test]
fn empty_is_none() {
    assert_eq!(largest(&[]), None);
}

#[test]
fn single_element() {
    assert_eq!(largest(&[42]), Some(42));
}

#[test]
fn all_negative() {
    assert_eq!(largest(&[-8, -3, -20]), Some(-3));
}

#[test]
fn mixed_signs() {
    assert_eq!(largest(&[-1, 0, -7]), Some(0));
}

#[test]
fn repeated_maximum() {
    assert_eq!(largest(&[5, 5, 2, 5]), Some(5));
}

#[test]
fn maximum_first_or_last() {
    assert_eq!(largest(&[100, 1, 2, 3]), Some(100));
    assert_eq!(largest(&[1, 2, 3, 100]), Some(100));
}

#[test]
fn long_input() {
    let v: Vec<i64> = (0..1000).map(|i| (i * 37) % 1000).collect();
    assert_eq!(largest(&v), Some(999));
}
