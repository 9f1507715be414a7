use second_largest::*;

#[test]
fn empty_is_none() {
    assert_eq!(second_largest(&[]), None);
}

#[test]
fn single_is_none() {
    assert_eq!(second_largest(&[5]), None);
}

#[test]
fn all_equal_is_none() {
    assert_eq!(second_largest(&[7, 7, 7, 7]), None);
}

#[test]
fn duplicate_maximum() {
    assert_eq!(second_largest(&[9, 9, 4]), Some(4));
    assert_eq!(second_largest(&[4, 9, 9]), Some(4));
}

#[test]
fn negatives() {
    assert_eq!(second_largest(&[-5, -1, -3]), Some(-3));
}

#[test]
fn min_value_is_a_real_answer() {
    assert_eq!(second_largest(&[i32::MIN, 0]), Some(i32::MIN));
    assert_eq!(second_largest(&[0, i32::MIN, i32::MIN]), Some(i32::MIN));
}

#[test]
fn max_value_present() {
    assert_eq!(second_largest(&[i32::MAX, i32::MAX - 1, i32::MAX]), Some(i32::MAX - 1));
}

#[test]
fn maximum_first() {
    assert_eq!(second_largest(&[10, 1, 2, 3]), Some(3));
}

#[test]
fn long_input() {
    let v: Vec<i32> = (0..2000).map(|i| (i * 7919) % 2000).collect();
    assert_eq!(second_largest(&v), Some(1998));
}
