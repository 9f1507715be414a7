use leap_year::*;

#[test]
fn divisible_by_four() {
    assert!(is_leap_year(1996));
    assert!(is_leap_year(2012));
}

#[test]
fn not_divisible_by_four() {
    assert!(!is_leap_year(2019));
    assert!(!is_leap_year(2001));
}

#[test]
fn century_is_not_leap() {
    assert!(!is_leap_year(1900));
    assert!(!is_leap_year(2100));
}

#[test]
fn divisible_by_four_hundred_is_leap() {
    assert!(is_leap_year(2000));
    assert!(is_leap_year(2400));
}

#[test]
fn odd_year() {
    assert!(!is_leap_year(1997));
}

#[test]
fn even_but_not_multiple_of_four() {
    assert!(!is_leap_year(1970));
}
