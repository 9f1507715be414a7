use collatz_steps::*;

#[test]
fn six_takes_eight_steps() {
    assert_eq!(collatz_steps(6), Some(8));
}

#[test]
fn one_takes_no_steps() {
    assert_eq!(collatz_steps(1), Some(0));
}
