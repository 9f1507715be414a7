use rpn_calculator::*;

#[test]
fn evaluates_simple_expression() {
    let mut c = Calculator::new();
    assert_eq!(c.eval("3 4 + 2 *"), Ok(Some(14)));
    assert_eq!(c.stack(), &[14]);
}

#[test]
fn underflow_is_reported() {
    let mut c = Calculator::new();
    assert_eq!(c.eval("1 +"), Err(CalcError::StackUnderflow));
    assert_eq!(c.stack(), &[1]);
}
