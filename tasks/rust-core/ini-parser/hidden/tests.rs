use ini_parser::*;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn empty_and_comment_only() {
    let ini = Ini::parse("").unwrap();
    assert_eq!(ini.sections(), Vec::<String>::new());
    assert_eq!(ini.keys(""), Some(vec![]));
    let ini = Ini::parse("; hello\n   # world\n\n\t\n").unwrap();
    assert_eq!(ini.sections(), Vec::<String>::new());
    assert_eq!(ini.get("", "hello"), None);
}

#[test]
fn section_errors() {
    assert_eq!(Ini::parse("[abc").err(), Some(IniError::MissingBracket(1)));
    assert_eq!(Ini::parse("\n\n[a] ; c").err(), Some(IniError::MissingBracket(3)));
    assert_eq!(Ini::parse("[]").err(), Some(IniError::EmptySectionName(1)));
    assert_eq!(Ini::parse("x=1\n[  ]").err(), Some(IniError::EmptySectionName(2)));
    assert_eq!(
        Ini::parse("[a]\n[b]\n[ a ]").err(),
        Some(IniError::DuplicateSection(3, "a".to_string()))
    );
    assert!(Ini::parse("[a]\n[A]").is_ok());
}

#[test]
fn key_errors() {
    assert_eq!(Ini::parse("= 5").err(), Some(IniError::EmptyKey(1)));
    assert_eq!(Ini::parse("]").err(), Some(IniError::MissingEquals(1)));
    assert_eq!(
        Ini::parse("a=1\n[s]\na=2\nb=3\n a = 4").err(),
        Some(IniError::DuplicateKey(5, "a".to_string()))
    );
    assert_eq!(Ini::parse("k=1\nbad\n[]").err(), Some(IniError::MissingEquals(2)));
}

#[test]
fn values_split_at_first_equals() {
    let ini = Ini::parse("url = a=b=c\nempty =\nsemi = 1 ; not a comment\n").unwrap();
    assert_eq!(ini.get("", "url"), Some("a=b=c"));
    assert_eq!(ini.get("", "empty"), Some(""));
    assert_eq!(ini.get("", "semi"), Some("1 ; not a comment"));
}

#[test]
fn quoted_values() {
    let text = "a = \"  padded  \"\nb = \"\"\nc = \"\nd = \"x\" y\ne=\"in \"side\"\n";
    let ini = Ini::parse(text).unwrap();
    assert_eq!(ini.get("", "a"), Some("  padded  "));
    assert_eq!(ini.get("", "b"), Some(""));
    assert_eq!(ini.get("", "c"), Some("\""));
    assert_eq!(ini.get("", "d"), Some("\"x\" y"));
    assert_eq!(ini.get("", "e"), Some("in \"side"));
}

#[test]
fn crlf_and_whitespace() {
    let ini = Ini::parse("[ main ]\r\n  key one  =  two words  \r\n\r\n").unwrap();
    assert_eq!(ini.sections(), s(&["main"]));
    assert_eq!(ini.get("main", "key one"), Some("two words"));
    assert_eq!(ini.keys("main"), Some(s(&["key one"])));
}

#[test]
fn sections_and_keys_order() {
    let ini = Ini::parse("[z]\nb=1\na=2\n[empty]\n[m]\nq=0").unwrap();
    assert_eq!(ini.sections(), s(&["z", "empty", "m"]));
    assert_eq!(ini.keys("z"), Some(s(&["b", "a"])));
    assert_eq!(ini.keys("empty"), Some(vec![]));
    assert_eq!(ini.keys("nope"), None);
    assert_eq!(ini.keys(""), Some(vec![]));
    assert_eq!(ini.get("z", "q"), None);
}

#[test]
fn same_key_in_different_sections() {
    let ini = Ini::parse("k=g\n[a]\nk=1\n[b]\nk=2\nK=3").unwrap();
    assert_eq!(ini.get("", "k"), Some("g"));
    assert_eq!(ini.get("a", "k"), Some("1"));
    assert_eq!(ini.get("b", "k"), Some("2"));
    assert_eq!(ini.get("b", "K"), Some("3"));
    assert_eq!(ini.get("B", "k"), None);
    assert_eq!(ini.sections(), s(&["", "a", "b"]));
}

#[test]
fn typed_getters() {
    let text = "[t]\nn=-42\nbig=99999999999999999999\nf=1.5\nsp= 7\ny=YES\nn2=Off\none=1\nzero=0\nmaybe=maybe\nq=\"true\"";
    let ini = Ini::parse(text).unwrap();
    assert_eq!(ini.get_int("t", "n"), Some(-42));
    assert_eq!(ini.get_int("t", "big"), None);
    assert_eq!(ini.get_int("t", "f"), None);
    assert_eq!(ini.get_int("t", "sp"), Some(7));
    assert_eq!(ini.get_int("t", "missing"), None);
    assert_eq!(ini.get_bool("t", "y"), Some(true));
    assert_eq!(ini.get_bool("t", "n2"), Some(false));
    assert_eq!(ini.get_bool("t", "one"), Some(true));
    assert_eq!(ini.get_bool("t", "zero"), Some(false));
    assert_eq!(ini.get_bool("t", "maybe"), None);
    assert_eq!(ini.get_bool("t", "q"), Some(true));
    assert_eq!(ini.get_bool("x", "y"), None);
}
