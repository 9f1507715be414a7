use rpn_calculator::*;

#[test]
fn operand_order() {
    let mut c = Calculator::new();
    assert_eq!(c.eval("10 3 -"), Ok(Some(7)));
    c.clear();
    assert_eq!(c.eval("20 4 /"), Ok(Some(5)));
    c.clear();
    assert_eq!(c.eval("20 6 %"), Ok(Some(2)));
}

#[test]
fn truncating_division_and_remainder_sign() {
    let mut c = Calculator::new();
    assert_eq!(c.eval("-7 2 /"), Ok(Some(-3)));
    c.clear();
    assert_eq!(c.eval("-7 2 %"), Ok(Some(-1)));
    c.clear();
    assert_eq!(c.eval("7 -2 %"), Ok(Some(1)));
}

#[test]
fn negative_literals_versus_minus() {
    let mut c = Calculator::new();
    assert_eq!(c.eval("5 -3 -"), Ok(Some(8)));
    assert_eq!(c.eval("007 -"), Ok(Some(1)));
    assert_eq!(c.stack(), &[1]);
}

#[test]
fn stack_words() {
    let mut c = Calculator::new();
    assert_eq!(c.eval("1 2 swap"), Ok(Some(1)));
    assert_eq!(c.stack(), &[2, 1]);
    assert_eq!(c.eval("dup *"), Ok(Some(1)));
    assert_eq!(c.eval("drop"), Ok(Some(2)));
    assert_eq!(c.eval("drop"), Ok(None));
    assert_eq!(c.apply("drop"), Err(CalcError::StackUnderflow));
    assert_eq!(c.apply("dup"), Err(CalcError::StackUnderflow));
    c.push(4);
    assert_eq!(c.apply("swap"), Err(CalcError::StackUnderflow));
    assert_eq!(c.stack(), &[4]);
}

#[test]
fn division_by_zero_keeps_stack() {
    let mut c = Calculator::new();
    assert_eq!(c.eval("8 0 /"), Err(CalcError::DivisionByZero));
    assert_eq!(c.stack(), &[8, 0]);
    assert_eq!(c.apply("%"), Err(CalcError::DivisionByZero));
    assert_eq!(c.stack(), &[8, 0]);
}

#[test]
fn overflow_cases() {
    let mut c = Calculator::new();
    c.push(i64::MAX);
    assert_eq!(c.eval("1 +"), Err(CalcError::Overflow));
    assert_eq!(c.stack(), &[i64::MAX, 1]);
    c.clear();
    c.push(i64::MIN);
    assert_eq!(c.eval("-1 /"), Err(CalcError::Overflow));
    c.clear();
    assert_eq!(c.eval("9223372036854775808"), Err(CalcError::Overflow));
    assert_eq!(c.eval("-9223372036854775808"), Ok(Some(i64::MIN)));
    assert_eq!(c.eval("2 *"), Err(CalcError::Overflow));
}

#[test]
fn unknown_tokens() {
    let mut c = Calculator::new();
    for t in ["+5", "x", "DUP", "1.5", "--1", "-", "*"] {
        let r = c.apply(t);
        if t == "-" || t == "*" {
            assert_eq!(r, Err(CalcError::StackUnderflow));
        } else {
            assert_eq!(r, Err(CalcError::UnknownToken(t.to_string())));
        }
    }
    assert_eq!(c.stack(), &[] as &[i64]);
}

#[test]
fn eval_stops_at_first_error() {
    let mut c = Calculator::new();
    assert_eq!(c.eval("1 2 bogus 3"), Err(CalcError::UnknownToken("bogus".to_string())));
    assert_eq!(c.stack(), &[1, 2]);
}

#[test]
fn whitespace_and_empty_lines() {
    let mut c = Calculator::new();
    assert_eq!(c.eval(""), Ok(None));
    assert_eq!(c.eval("  \t 2\n\n3   + "), Ok(Some(5)));
    assert_eq!(c.eval("   "), Ok(Some(5)));
}

#[test]
fn persists_across_calls() {
    let mut c = Calculator::new();
    c.eval("6").unwrap();
    c.eval("7").unwrap();
    assert_eq!(c.eval("*"), Ok(Some(42)));
    c.clear();
    assert_eq!(c.stack(), &[] as &[i64]);
}
