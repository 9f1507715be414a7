use leap_year::*;

#[test]
fn ordinary_leap_year() {
    assert!(is_leap_year(2024));
}

#[test]
fn ordinary_common_year() {
    assert!(!is_leap_year(2023));
}
