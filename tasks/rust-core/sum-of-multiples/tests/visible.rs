use sum_of_multiples::*;

#[test]
fn below_ten() {
    assert_eq!(sum_of_multiples(10), 23);
}

#[test]
fn below_six() {
    assert_eq!(sum_of_multiples(6), 8);
}
