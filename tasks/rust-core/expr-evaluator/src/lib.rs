#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    Num(i64),
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Caret,
    LParen,
    RParen,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    BadChar(char),
    NumberTooLarge,
    Unexpected(usize),
    UnexpectedEnd,
    DivisionByZero,
    NegativeExponent,
    Overflow,
}

pub fn tokenize(s: &str) -> Result<Vec<Token>, EvalError> {
    todo!()
}

/// Tokenize, parse the whole input, then evaluate.
pub fn evaluate(s: &str) -> Result<i64, EvalError> {
    todo!()
}
