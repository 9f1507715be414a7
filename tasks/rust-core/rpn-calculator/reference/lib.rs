#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalcError {
    StackUnderflow,
    DivisionByZero,
    Overflow,
    UnknownToken(String),
}

/// Reverse Polish notation stack machine. Private fields may change.
pub struct Calculator {
    stack: Vec<i64>,
}

fn parse_number(token: &str) -> Option<Result<i64, CalcError>> {
    let digits = token.strip_prefix('-').unwrap_or(token);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(token.parse::<i64>().map_err(|_| CalcError::Overflow))
}

impl Calculator {
    pub fn new() -> Self {
        Calculator { stack: Vec::new() }
    }

    pub fn push(&mut self, v: i64) {
        self.stack.push(v);
    }

    fn need(&self, n: usize) -> Result<(), CalcError> {
        if self.stack.len() < n { Err(CalcError::StackUnderflow) } else { Ok(()) }
    }

    /// Process one token; on error the stack is unchanged.
    pub fn apply(&mut self, token: &str) -> Result<(), CalcError> {
        if let Some(n) = parse_number(token) {
            self.stack.push(n?);
            return Ok(());
        }
        match token {
            "+" | "-" | "*" | "/" | "%" => {
                self.need(2)?;
                let b = self.stack[self.stack.len() - 1];
                let a = self.stack[self.stack.len() - 2];
                if (token == "/" || token == "%") && b == 0 {
                    return Err(CalcError::DivisionByZero);
                }
                let r = match token {
                    "+" => a.checked_add(b),
                    "-" => a.checked_sub(b),
                    "*" => a.checked_mul(b),
                    "/" => a.checked_div(b),
                    _ => a.checked_rem(b),
                }
                .ok_or(CalcError::Overflow)?;
                self.stack.truncate(self.stack.len() - 2);
                self.stack.push(r);
            }
            "dup" => {
                self.need(1)?;
                let t = *self.stack.last().unwrap();
                self.stack.push(t);
            }
            "swap" => {
                self.need(2)?;
                let n = self.stack.len();
                self.stack.swap(n - 1, n - 2);
            }
            "drop" => {
                self.need(1)?;
                self.stack.pop();
            }
            _ => return Err(CalcError::UnknownToken(token.to_string())),
        }
        Ok(())
    }

    /// Apply whitespace-separated tokens; returns the top of the stack.
    pub fn eval(&mut self, line: &str) -> Result<Option<i64>, CalcError> {
        for t in line.split_whitespace() {
            self.apply(t)?;
        }
        Ok(self.stack.last().copied())
    }

    /// Bottom first.
    pub fn stack(&self) -> &[i64] {
        &self.stack
    }

    pub fn clear(&mut self) {
        self.stack.clear();
    }
}
