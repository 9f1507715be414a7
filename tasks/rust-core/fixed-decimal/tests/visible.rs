use fixed_decimal::*;

#[test]
fn parse_and_display() {
    let d = Decimal::parse("12.5").unwrap();
    assert_eq!(d.hundredths(), 1250);
    assert_eq!(d.to_string(), "12.50");
}

#[test]
fn add_two_amounts() {
    let a = Decimal::parse("0.10").unwrap();
    let b = Decimal::parse("0.20").unwrap();
    assert_eq!(a.checked_add(b).unwrap().to_string(), "0.30");
}
