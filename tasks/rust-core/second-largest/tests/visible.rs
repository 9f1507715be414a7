use second_largest::*;

#[test]
fn three_values() {
    assert_eq!(second_largest(&[3, 9, 4]), Some(4));
}

#[test]
fn two_values() {
    assert_eq!(second_largest(&[1, 2]), Some(1));
}
