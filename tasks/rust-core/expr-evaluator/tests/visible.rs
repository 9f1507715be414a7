use expr_evaluator::*;

#[test]
fn precedence_and_parentheses() {
    assert_eq!(evaluate("2 + 3 * (4 - 1) ^ 2"), Ok(29));
    assert_eq!(evaluate("(2 + 3) * 4"), Ok(20));
}

#[test]
fn tokenizes() {
    assert_eq!(
        tokenize("12*(3-4)"),
        Ok(vec![Token::Num(12), Token::Star, Token::LParen, Token::Num(3), Token::Minus, Token::Num(4), Token::RParen])
    );
}
