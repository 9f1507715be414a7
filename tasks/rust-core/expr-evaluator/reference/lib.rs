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
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() {
            let mut v: i64 = 0;
            while i < chars.len() && chars[i].is_ascii_digit() {
                let d = chars[i] as i64 - '0' as i64;
                v = v.checked_mul(10).and_then(|v| v.checked_add(d)).ok_or(EvalError::NumberTooLarge)?;
                i += 1;
            }
            out.push(Token::Num(v));
            continue;
        }
        out.push(match c {
            '+' => Token::Plus,
            '-' => Token::Minus,
            '*' => Token::Star,
            '/' => Token::Slash,
            '%' => Token::Percent,
            '^' => Token::Caret,
            '(' => Token::LParen,
            ')' => Token::RParen,
            _ => return Err(EvalError::BadChar(c)),
        });
        i += 1;
    }
    Ok(out)
}

enum Ast {
    Num(i64),
    Neg(Box<Ast>),
    Bin(Token, Box<Ast>, Box<Ast>),
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<Token> {
        self.toks.get(self.pos).copied()
    }

    fn fail(&self) -> EvalError {
        if self.pos < self.toks.len() { EvalError::Unexpected(self.pos) } else { EvalError::UnexpectedEnd }
    }

    fn expr(&mut self) -> Result<Ast, EvalError> {
        let mut left = self.term()?;
        while let Some(op @ (Token::Plus | Token::Minus)) = self.peek() {
            self.pos += 1;
            let right = self.term()?;
            left = Ast::Bin(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Ast, EvalError> {
        let mut left = self.unary()?;
        while let Some(op @ (Token::Star | Token::Slash | Token::Percent)) = self.peek() {
            self.pos += 1;
            let right = self.unary()?;
            left = Ast::Bin(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Ast, EvalError> {
        if self.peek() == Some(Token::Minus) {
            self.pos += 1;
            return Ok(Ast::Neg(Box::new(self.unary()?)));
        }
        self.power()
    }

    fn power(&mut self) -> Result<Ast, EvalError> {
        let base = self.atom()?;
        if self.peek() == Some(Token::Caret) {
            self.pos += 1;
            let exp = self.unary()?;
            return Ok(Ast::Bin(Token::Caret, Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }

    fn atom(&mut self) -> Result<Ast, EvalError> {
        match self.peek() {
            Some(Token::Num(v)) => {
                self.pos += 1;
                Ok(Ast::Num(v))
            }
            Some(Token::LParen) => {
                self.pos += 1;
                let e = self.expr()?;
                if self.peek() != Some(Token::RParen) {
                    return Err(self.fail());
                }
                self.pos += 1;
                Ok(e)
            }
            _ => Err(self.fail()),
        }
    }
}

fn pow(a: i64, b: i64) -> Result<i64, EvalError> {
    if b < 0 {
        return Err(EvalError::NegativeExponent);
    }
    match a {
        0 => return Ok(if b == 0 { 1 } else { 0 }),
        1 => return Ok(1),
        -1 => return Ok(if b % 2 == 0 { 1 } else { -1 }),
        _ => {}
    }
    if b > 64 {
        return Err(EvalError::Overflow);
    }
    a.checked_pow(b as u32).ok_or(EvalError::Overflow)
}

fn eval(ast: &Ast) -> Result<i64, EvalError> {
    match ast {
        Ast::Num(v) => Ok(*v),
        Ast::Neg(e) => eval(e)?.checked_neg().ok_or(EvalError::Overflow),
        Ast::Bin(op, l, r) => {
            let a = eval(l)?;
            let b = eval(r)?;
            match op {
                Token::Plus => a.checked_add(b).ok_or(EvalError::Overflow),
                Token::Minus => a.checked_sub(b).ok_or(EvalError::Overflow),
                Token::Star => a.checked_mul(b).ok_or(EvalError::Overflow),
                Token::Slash | Token::Percent => {
                    if b == 0 {
                        return Err(EvalError::DivisionByZero);
                    }
                    let r = if *op == Token::Slash { a.checked_div(b) } else { a.checked_rem(b) };
                    r.ok_or(EvalError::Overflow)
                }
                _ => pow(a, b),
            }
        }
    }
}

/// Tokenize, parse the whole input, then evaluate.
pub fn evaluate(s: &str) -> Result<i64, EvalError> {
    let toks = tokenize(s)?;
    let mut p = Parser { toks, pos: 0 };
    let ast = p.expr()?;
    if p.pos < p.toks.len() {
        return Err(EvalError::Unexpected(p.pos));
    }
    eval(&ast)
}
