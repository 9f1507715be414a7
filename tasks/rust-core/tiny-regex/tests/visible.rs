use tiny_regex::*;

#[test]
fn whole_match_with_quantifiers() {
    let r = Regex::new("ab*c?d").unwrap();
    assert!(r.is_match("abbbd"));
    assert!(r.is_match("acd"));
    assert!(!r.is_match("abcc"));
}

#[test]
fn finds_leftmost_longest() {
    let r = Regex::new("b.*d").unwrap();
    assert_eq!(r.find("abcdxd!"), Some((1, 6)));
}
