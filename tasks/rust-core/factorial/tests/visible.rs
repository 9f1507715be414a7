use factorial::*;

#[test]
fn five() {
    assert_eq!(factorial(5), 120);
}

#[test]
fn three() {
    assert_eq!(factorial(3), 6);
}
