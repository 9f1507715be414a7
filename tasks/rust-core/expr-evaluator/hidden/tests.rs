use expr_evaluator::*;

#[test]
fn tokenizer_errors() {
    assert_eq!(tokenize("1 + x"), Err(EvalError::BadChar('x')));
    assert_eq!(tokenize("2.5"), Err(EvalError::BadChar('.')));
    assert_eq!(tokenize("9223372036854775808 + é"), Err(EvalError::NumberTooLarge));
    assert_eq!(tokenize("é 9223372036854775808"), Err(EvalError::BadChar('é')));
    assert_eq!(tokenize(" \t\n"), Ok(vec![]));
    assert_eq!(tokenize("9223372036854775807"), Ok(vec![Token::Num(i64::MAX)]));
    assert_eq!(tokenize("-007^%"), Ok(vec![Token::Minus, Token::Num(7), Token::Caret, Token::Percent]));
}

#[test]
fn associativity() {
    assert_eq!(evaluate("10 - 4 - 3"), Ok(3));
    assert_eq!(evaluate("100 / 10 / 5"), Ok(2));
    assert_eq!(evaluate("2 ^ 3 ^ 2"), Ok(512));
    assert_eq!(evaluate("7 % 4 * 3"), Ok(9));
}

#[test]
fn unary_minus() {
    assert_eq!(evaluate("-2 ^ 2"), Ok(-4));
    assert_eq!(evaluate("(-2) ^ 2"), Ok(4));
    assert_eq!(evaluate("2 - -3"), Ok(5));
    assert_eq!(evaluate("--4"), Ok(4));
    assert_eq!(evaluate("-3 * -3"), Ok(9));
    assert_eq!(evaluate("2 ^ -(-3)"), Ok(8));
}

#[test]
fn division_semantics() {
    assert_eq!(evaluate("-7 / 2"), Ok(-3));
    assert_eq!(evaluate("-7 % 2"), Ok(-1));
    assert_eq!(evaluate("7 % -2"), Ok(1));
    assert_eq!(evaluate("1 / 0"), Err(EvalError::DivisionByZero));
    assert_eq!(evaluate("5 % (3 - 3)"), Err(EvalError::DivisionByZero));
}

#[test]
fn syntax_error_positions() {
    assert_eq!(evaluate("1 2"), Err(EvalError::Unexpected(1)));
    assert_eq!(evaluate("(1"), Err(EvalError::UnexpectedEnd));
    assert_eq!(evaluate(")"), Err(EvalError::Unexpected(0)));
    assert_eq!(evaluate("1 + * 2"), Err(EvalError::Unexpected(2)));
    assert_eq!(evaluate("()"), Err(EvalError::Unexpected(1)));
    assert_eq!(evaluate(""), Err(EvalError::UnexpectedEnd));
    assert_eq!(evaluate("+3"), Err(EvalError::Unexpected(0)));
    assert_eq!(evaluate("2 * (3 + 4))"), Err(EvalError::Unexpected(7)));
    assert_eq!(evaluate("1 +"), Err(EvalError::UnexpectedEnd));
    assert_eq!(evaluate("(1 (2))"), Err(EvalError::Unexpected(2)));
    assert_eq!(evaluate("2 ^ ^ 3"), Err(EvalError::Unexpected(2)));
}

#[test]
fn syntax_before_evaluation() {
    assert_eq!(evaluate("1 / 0 +"), Err(EvalError::UnexpectedEnd));
    assert_eq!(evaluate("2 ^ -1 )"), Err(EvalError::Unexpected(4)));
    assert_eq!(evaluate("1 / 0 $"), Err(EvalError::BadChar('$')));
}

#[test]
fn evaluation_error_order() {
    assert_eq!(evaluate("(1/0) + (2^-1)"), Err(EvalError::DivisionByZero));
    assert_eq!(evaluate("(2^-1) + (1/0)"), Err(EvalError::NegativeExponent));
    assert_eq!(evaluate("0 * (9223372036854775807 + 1)"), Err(EvalError::Overflow));
}

#[test]
fn powers() {
    assert_eq!(evaluate("0 ^ 0"), Ok(1));
    assert_eq!(evaluate("5 ^ 0"), Ok(1));
    assert_eq!(evaluate("0 ^ 5"), Ok(0));
    assert_eq!(evaluate("1 ^ 1000000000000"), Ok(1));
    assert_eq!(evaluate("(-1) ^ 1000000000001"), Ok(-1));
    assert_eq!(evaluate("0 ^ 1000000000000"), Ok(0));
    assert_eq!(evaluate("2 ^ 62"), Ok(1 << 62));
    assert_eq!(evaluate("2 ^ 63"), Err(EvalError::Overflow));
    assert_eq!(evaluate("(-2) ^ 63"), Ok(i64::MIN));
    assert_eq!(evaluate("3 ^ 1000000000000"), Err(EvalError::Overflow));
    assert_eq!(evaluate("0 ^ -1"), Err(EvalError::NegativeExponent));
}

#[test]
fn overflow_edges() {
    assert_eq!(evaluate("-9223372036854775807 - 1"), Ok(i64::MIN));
    assert_eq!(evaluate("-(-9223372036854775807 - 1)"), Err(EvalError::Overflow));
    assert_eq!(evaluate("(-9223372036854775807 - 1) / -1"), Err(EvalError::Overflow));
    assert_eq!(evaluate("(-9223372036854775807 - 1) % -1"), Err(EvalError::Overflow));
    assert_eq!(evaluate("4611686018427387904 * 2"), Err(EvalError::Overflow));
    assert_eq!(evaluate("9223372036854775808"), Err(EvalError::NumberTooLarge));
}

#[test]
fn deep_nesting_and_whitespace() {
    let s = format!("{}1{}", "(".repeat(100), ")".repeat(100));
    assert_eq!(evaluate(&s), Ok(1));
    assert_eq!(evaluate("\t( 1+2 )\n*\r\n3 "), Ok(9));
    assert_eq!(evaluate("((((2)))) ^ ((3))"), Ok(8));
}
