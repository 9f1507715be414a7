use lcm_of_list::*;

#[test]
fn two_numbers() {
    assert_eq!(lcm_all(&[4, 6]), Some(12));
}

#[test]
fn single_number() {
    assert_eq!(lcm_all(&[7]), Some(7));
}
