use roman_numerals::*;

fn r(n: u32) -> Option<String> {
    to_roman(n)
}

#[test]
fn zero_is_none() {
    assert_eq!(r(0), None);
}

#[test]
fn above_range_is_none() {
    assert_eq!(r(4000), None);
    assert_eq!(r(u32::MAX), None);
}

#[test]
fn one() {
    assert_eq!(r(1).as_deref(), Some("I"));
}

#[test]
fn subtractive_units() {
    assert_eq!(r(4).as_deref(), Some("IV"));
    assert_eq!(r(9).as_deref(), Some("IX"));
    assert_eq!(r(14).as_deref(), Some("XIV"));
}

#[test]
fn subtractive_tens_and_hundreds() {
    assert_eq!(r(40).as_deref(), Some("XL"));
    assert_eq!(r(90).as_deref(), Some("XC"));
    assert_eq!(r(400).as_deref(), Some("CD"));
    assert_eq!(r(900).as_deref(), Some("CM"));
}

#[test]
fn mixed_subtractive() {
    assert_eq!(r(1994).as_deref(), Some("MCMXCIV"));
    assert_eq!(r(444).as_deref(), Some("CDXLIV"));
}

#[test]
fn largest() {
    assert_eq!(r(3999).as_deref(), Some("MMMCMXCIX"));
}

#[test]
fn recent_year() {
    assert_eq!(r(2024).as_deref(), Some("MMXXIV"));
}
