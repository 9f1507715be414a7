use parse_duration::*;

#[test]
fn all_units() {
    assert_eq!(parse_duration("1d2h3m4s"), Some(86400 + 7200 + 180 + 4));
}

#[test]
fn days_and_seconds() {
    assert_eq!(parse_duration("2d5s"), Some(172_805));
}

#[test]
fn zero_and_leading_zeros() {
    assert_eq!(parse_duration("0s"), Some(0));
    assert_eq!(parse_duration("007m"), Some(420));
}

#[test]
fn empty_is_invalid() {
    assert_eq!(parse_duration(""), None);
}

#[test]
fn number_without_unit() {
    assert_eq!(parse_duration("10"), None);
    assert_eq!(parse_duration("1h30"), None);
}

#[test]
fn unit_without_number() {
    assert_eq!(parse_duration("h"), None);
    assert_eq!(parse_duration("1hm"), None);
}

#[test]
fn wrong_order_or_repeated() {
    assert_eq!(parse_duration("5m1h"), None);
    assert_eq!(parse_duration("1m1m"), None);
    assert_eq!(parse_duration("1s1d"), None);
}

#[test]
fn bad_characters() {
    assert_eq!(parse_duration("1h 30m"), None);
    assert_eq!(parse_duration(" 1h"), None);
    assert_eq!(parse_duration("1H"), None);
    assert_eq!(parse_duration("-1s"), None);
    assert_eq!(parse_duration("1w"), None);
    assert_eq!(parse_duration("٣s"), None);
}

#[test]
fn overflow_is_none() {
    assert_eq!(parse_duration("99999999999999999999s"), None);
    assert_eq!(parse_duration("300000000000000d"), None);
    assert_eq!(parse_duration("18446744073709551615s"), Some(u64::MAX));
    assert_eq!(parse_duration("1m18446744073709551615s"), None);
}
