use roman_numerals::*;

#[test]
fn converts_small_numbers() {
    assert_eq!(to_roman(3).as_deref(), Some("III"));
    assert_eq!(to_roman(8).as_deref(), Some("VIII"));
}

#[test]
fn converts_a_year() {
    assert_eq!(to_roman(1666).as_deref(), Some("MDCLXVI"));
}
