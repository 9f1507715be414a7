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

struct P<'a> {
    s: &'a str,
    pos: usize,
}

impl P<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn fail(&self) -> ParseError {
        match self.peek() {
            Some(found) => ParseError::UnexpectedChar { pos: self.pos, found },
            None => ParseError::UnexpectedEnd,
        }
    }

    fn ws(&mut self) {
        while let Some(c @ (' ' | '\t' | '\n' | '\r')) = self.peek() {
            self.pos += c.len_utf8();
        }
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        match self.peek() {
            Some('[') => self.list(),
            Some('"') => self.string(),
            Some('-' | '0'..='9') => self.int(),
            _ => Err(self.fail()),
        }
    }

    fn int(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        match self.peek() {
            Some('0') => self.pos += 1,
            Some('1'..='9') => {
                while let Some('0'..='9') = self.peek() {
                    self.pos += 1;
                }
            }
            _ => return Err(self.fail()),
        }
        self.s[start..self.pos]
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| ParseError::IntOutOfRange { pos: start })
    }

    fn string(&mut self) -> Result<Value, ParseError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else { return Err(ParseError::UnexpectedEnd) };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(Value::Str(out));
                }
                '\\' => {
                    self.pos += 1;
                    let e = match self.peek() {
                        Some('"') => '"',
                        Some('\\') => '\\',
                        Some('n') => '\n',
                        Some('t') => '\t',
                        _ => return Err(self.fail()),
                    };
                    self.pos += 1;
                    out.push(e);
                }
                _ => {
                    self.pos += c.len_utf8();
                    out.push(c);
                }
            }
        }
    }

    fn list(&mut self) -> Result<Value, ParseError> {
        self.pos += 1;
        self.ws();
        let mut items = Vec::new();
        if self.peek() == Some(']') {
            self.pos += 1;
            return Ok(Value::List(items));
        }
        loop {
            items.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(',') => {
                    self.pos += 1;
                    self.ws();
                }
                Some(']') => {
                    self.pos += 1;
                    return Ok(Value::List(items));
                }
                _ => return Err(self.fail()),
            }
        }
    }
}

/// Parse a whole document.
pub fn parse(s: &str) -> Result<Value, ParseError> {
    let mut p = P { s, pos: 0 };
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.pos < s.len() {
        return Err(p.fail());
    }
    Ok(v)
}

impl Value {
    /// No whitespace; strings escaped.
    pub fn to_compact(&self) -> String {
        match self {
            Value::Int(i) => i.to_string(),
            Value::Str(s) => {
                let mut out = String::from("\"");
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\t' => out.push_str("\\t"),
                        _ => out.push(c),
                    }
                }
                out.push('"');
                out
            }
            Value::List(items) => {
                format!("[{}]", items.iter().map(|v| v.to_compact()).collect::<Vec<_>>().join(","))
            }
        }
    }

    pub fn depth(&self) -> usize {
        match self {
            Value::List(items) => 1 + items.iter().map(|v| v.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }

    pub fn sum_ints(&self) -> i128 {
        match self {
            Value::Int(i) => *i as i128,
            Value::Str(_) => 0,
            Value::List(items) => items.iter().map(|v| v.sum_ints()).sum(),
        }
    }
}
