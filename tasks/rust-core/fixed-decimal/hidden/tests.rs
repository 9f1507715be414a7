use fixed_decimal::*;

fn d(s: &str) -> Decimal {
    Decimal::parse(s).unwrap()
}

#[test]
fn parse_valid_forms() {
    assert_eq!(d("7").hundredths(), 700);
    assert_eq!(d("-0.5").hundredths(), -50);
    assert_eq!(d("007.10").hundredths(), 710);
    assert_eq!(d("-0").hundredths(), 0);
    assert_eq!(d("0.07").hundredths(), 7);
}

#[test]
fn parse_rejects_malformed() {
    for s in ["", "-", "+1", " 1", "1 ", "1.", ".5", "1.234", "1.2.3", "1,5", "--1", "1e3", "-.5", "١"] {
        assert_eq!(Decimal::parse(s), None, "{s:?}");
    }
}

#[test]
fn parse_range_limits() {
    assert_eq!(d("92233720368547758.07").hundredths(), i64::MAX);
    assert_eq!(d("-92233720368547758.08").hundredths(), i64::MIN);
    assert_eq!(Decimal::parse("92233720368547758.08"), None);
    assert_eq!(Decimal::parse("99999999999999999999999999"), None);
}

#[test]
fn display_forms() {
    assert_eq!(Decimal::from_hundredths(-5).to_string(), "-0.05");
    assert_eq!(Decimal::from_hundredths(300).to_string(), "3.00");
    assert_eq!(Decimal::from_hundredths(0).to_string(), "0.00");
    assert_eq!(Decimal::from_hundredths(-123450).to_string(), "-1234.50");
    assert_eq!(Decimal::from_hundredths(i64::MIN).to_string(), "-92233720368547758.08");
}

#[test]
fn sub_and_overflow() {
    assert_eq!(d("1.00").checked_sub(d("2.50")).unwrap().to_string(), "-1.50");
    assert_eq!(Decimal::from_hundredths(i64::MAX).checked_add(d("0.01")), None);
    assert_eq!(Decimal::from_hundredths(i64::MIN).checked_sub(d("0.01")), None);
}

#[test]
fn multiplication_rounding() {
    assert_eq!(d("0.05").checked_mul(d("0.10")).unwrap().to_string(), "0.01");
    assert_eq!(d("-0.05").checked_mul(d("0.10")).unwrap().to_string(), "-0.01");
    assert_eq!(d("0.04").checked_mul(d("0.10")).unwrap().to_string(), "0.00");
    assert_eq!(d("2.50").checked_mul(d("4")).unwrap().to_string(), "10.00");
    assert_eq!(d("-1.5").checked_mul(d("-1.5")).unwrap().to_string(), "2.25");
}

#[test]
fn multiplication_overflow() {
    assert_eq!(d("100000000000").checked_mul(d("100000000000")), None);
    assert_eq!(Decimal::from_hundredths(i64::MAX).checked_mul(d("1")).unwrap().hundredths(), i64::MAX);
}

#[test]
fn division() {
    assert_eq!(d("1").checked_div(d("3")).unwrap().to_string(), "0.33");
    assert_eq!(d("2").checked_div(d("3")).unwrap().to_string(), "0.67");
    assert_eq!(d("-2").checked_div(d("3")).unwrap().to_string(), "-0.67");
    assert_eq!(d("10").checked_div(d("-4")).unwrap().to_string(), "-2.50");
    assert_eq!(d("0.01").checked_div(d("2")).unwrap().to_string(), "0.01");
    assert_eq!(d("5").checked_div(d("0")), None);
    assert_eq!(Decimal::from_hundredths(i64::MAX).checked_div(d("0.01")), None);
}

#[test]
fn round_to_whole() {
    assert_eq!(d("2.50").round_whole(), 3);
    assert_eq!(d("-2.50").round_whole(), -3);
    assert_eq!(d("2.49").round_whole(), 2);
    assert_eq!(d("-0.49").round_whole(), 0);
    assert_eq!(d("7").round_whole(), 7);
}

#[test]
fn ordering_follows_value() {
    let mut v = vec![d("1.5"), d("-3"), d("0.05"), d("1.45")];
    v.sort();
    let shown: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    assert_eq!(shown, vec!["-3.00", "0.05", "1.45", "1.50"]);
}
