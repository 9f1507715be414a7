use sum_of_multiples::*;

#[test]
fn limit_zero() {
    assert_eq!(sum_of_multiples(0), 0);
}

#[test]
fn small_limits_give_zero() {
    assert_eq!(sum_of_multiples(1), 0);
    assert_eq!(sum_of_multiples(3), 0);
}

#[test]
fn limit_itself_is_excluded() {
    assert_eq!(sum_of_multiples(4), 3);
    assert_eq!(sum_of_multiples(5), 3);
}

#[test]
fn fifteen_is_excluded_below_fifteen() {
    assert_eq!(sum_of_multiples(15), 45);
}

#[test]
fn fifteen_counted_once() {
    assert_eq!(sum_of_multiples(16), 60);
}

#[test]
fn below_one_hundred() {
    assert_eq!(sum_of_multiples(100), 2318);
}

#[test]
fn below_one_thousand() {
    assert_eq!(sum_of_multiples(1000), 233_168);
}
