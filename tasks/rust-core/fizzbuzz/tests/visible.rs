use fizzbuzz::*;

#[test]
fn three_is_fizz() {
    assert_eq!(fizzbuzz(3), "Fizz");
}

#[test]
fn one_is_number() {
    assert_eq!(fizzbuzz(1), "1");
}
