use json_ish_parser::*;

#[test]
fn parses_nested_list() {
    let v = parse("[1, [2, \"hi\"], []]").unwrap();
    assert_eq!(
        v,
        Value::List(vec![
            Value::Int(1),
            Value::List(vec![Value::Int(2), Value::Str("hi".to_string())]),
            Value::List(vec![]),
        ])
    );
}

#[test]
fn trailing_comma_is_an_error() {
    assert_eq!(parse("[1,]"), Err(ParseError::UnexpectedChar { pos: 3, found: ']' }));
}
