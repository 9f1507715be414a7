#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Int(i64),
    Str(String),
    List(Vec<Value>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    UnexpectedChar { pos: usize, found: char },
    UnexpectedEnd,
    IntOutOfRange { pos: usize },
}

/// Parse a whole document.
pub fn parse(s: &str) -> Result<Value, ParseError> {
    todo!()
}

impl Value {
    /// No whitespace; strings escaped.
    pub fn to_compact(&self) -> String {
        todo!()
    }

    pub fn depth(&self) -> usize {
        todo!()
    }

    pub fn sum_ints(&self) -> i128 {
        todo!()
    }
}
