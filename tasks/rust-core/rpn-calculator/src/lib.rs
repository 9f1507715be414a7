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

impl Calculator {
    pub fn new() -> Self {
        todo!()
    }

    pub fn push(&mut self, v: i64) {
        todo!()
    }

    /// Process one token; on error the stack is unchanged.
    pub fn apply(&mut self, token: &str) -> Result<(), CalcError> {
        todo!()
    }

    /// Apply whitespace-separated tokens; returns the top of the stack.
    pub fn eval(&mut self, line: &str) -> Result<Option<i64>, CalcError> {
        todo!()
    }

    /// Bottom first.
    pub fn stack(&self) -> &[i64] {
        todo!()
    }

    pub fn clear(&mut self) {
        todo!()
    }
}
