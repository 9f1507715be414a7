use json_ish_parser::*;

fn uc(pos: usize, found: char) -> Result<Value, ParseError> {
    Err(ParseError::UnexpectedChar { pos, found })
}

#[test]
fn scalars_and_whitespace() {
    assert_eq!(parse("42"), Ok(Value::Int(42)));
    assert_eq!(parse(" \t\r\n-7\n"), Ok(Value::Int(-7)));
    assert_eq!(parse("-0"), Ok(Value::Int(0)));
    assert_eq!(parse("\"\""), Ok(Value::Str(String::new())));
    assert_eq!(parse("[ ]"), Ok(Value::List(vec![])));
}

#[test]
fn integer_limits() {
    assert_eq!(parse("9223372036854775807"), Ok(Value::Int(i64::MAX)));
    assert_eq!(parse("-9223372036854775808"), Ok(Value::Int(i64::MIN)));
    assert_eq!(parse("9223372036854775808"), Err(ParseError::IntOutOfRange { pos: 0 }));
    assert_eq!(parse("[1, -9223372036854775809]"), Err(ParseError::IntOutOfRange { pos: 4 }));
    assert_eq!(parse("[99999999999999999999 x"), Err(ParseError::IntOutOfRange { pos: 1 }));
}

#[test]
fn malformed_numbers() {
    assert_eq!(parse("01"), uc(1, '1'));
    assert_eq!(parse("[01]"), uc(2, '1'));
    assert_eq!(parse("-"), Err(ParseError::UnexpectedEnd));
    assert_eq!(parse("-x"), uc(1, 'x'));
    assert_eq!(parse("+1"), uc(0, '+'));
    assert_eq!(parse("--1"), uc(1, '-'));
    assert_eq!(parse("1.5"), uc(1, '.'));
}

#[test]
fn list_syntax_errors() {
    assert_eq!(parse("[,1]"), uc(1, ','));
    assert_eq!(parse("[1 2]"), uc(3, '2'));
    assert_eq!(parse("[1,,2]"), uc(3, ','));
    assert_eq!(parse("[1"), Err(ParseError::UnexpectedEnd));
    assert_eq!(parse("[1,"), Err(ParseError::UnexpectedEnd));
    assert_eq!(parse("]"), uc(0, ']'));
    assert_eq!(parse("[1]]"), uc(3, ']'));
    assert_eq!(parse("[] []"), uc(3, '['));
    assert_eq!(parse(""), Err(ParseError::UnexpectedEnd));
    assert_eq!(parse("   "), Err(ParseError::UnexpectedEnd));
}

#[test]
fn strings_and_escapes() {
    assert_eq!(parse(r#""a\"b\\c\nd\te""#), Ok(Value::Str("a\"b\\c\nd\te".to_string())));
    assert_eq!(parse("\"raw\nline\""), Ok(Value::Str("raw\nline".to_string())));
    assert_eq!(parse(r#""\q""#), uc(2, 'q'));
    assert_eq!(parse("\"abc"), Err(ParseError::UnexpectedEnd));
    assert_eq!(parse("\"abc\\"), Err(ParseError::UnexpectedEnd));
    assert_eq!(parse("\"[1, 2]\""), Ok(Value::Str("[1, 2]".to_string())));
}

#[test]
fn positions_are_byte_offsets() {
    assert_eq!(parse("[\"é\" 1]"), uc(6, '1'));
    assert_eq!(parse("[\"日本\", ü]"), uc(11, 'ü'));
    assert_eq!(parse("\"日本\""), Ok(Value::Str("日本".to_string())));
    assert_eq!(parse("é"), uc(0, 'é'));
}

#[test]
fn compact_output() {
    let v = parse(" [ 1 , [ -2 , \"x y\" ] , [ ] , \"q\\\"\\\\\\n\\t\" ] ").unwrap();
    assert_eq!(v.to_compact(), r#"[1,[-2,"x y"],[],"q\"\\\n\t"]"#);
    assert_eq!(parse(&v.to_compact()), Ok(v));
    assert_eq!(Value::Int(i64::MIN).to_compact(), "-9223372036854775808");
    assert_eq!(Value::List(vec![]).to_compact(), "[]");
}

#[test]
fn depth_and_sum() {
    assert_eq!(parse("5").unwrap().depth(), 0);
    assert_eq!(parse("\"s\"").unwrap().depth(), 0);
    assert_eq!(parse("[]").unwrap().depth(), 1);
    assert_eq!(parse("[1, [2, [3]], [[]]]").unwrap().depth(), 3);
    let v = parse("[9223372036854775807, [9223372036854775807, \"10\"], -1]").unwrap();
    assert_eq!(v.sum_ints(), 2 * i64::MAX as i128 - 1);
    assert_eq!(parse("[]").unwrap().sum_ints(), 0);
}

#[test]
fn deep_nesting() {
    let s = format!("{}7{}", "[".repeat(200), "]".repeat(200));
    let v = parse(&s).unwrap();
    assert_eq!(v.depth(), 200);
    assert_eq!(v.sum_ints(), 7);
    assert_eq!(v.to_compact(), s);
    let unclosed = format!("{}7{}", "[".repeat(200), "]".repeat(199));
    assert_eq!(parse(&unclosed), Err(ParseError::UnexpectedEnd));
}
