use largest_value::*;

#[test]
fn three_values() {
    assert_eq!(largest(&[3, 9, 4]), Some(9));
}

#[test]
fn two_values() {
    assert_eq!(largest(&[1, 2]), Some(2));
}
