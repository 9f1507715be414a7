use tiny_regex::*;

fn m(p: &str, t: &str) -> bool {
    Regex::new(p).unwrap().is_match(t)
}

fn f(p: &str, t: &str) -> Option<(usize, usize)> {
    Regex::new(p).unwrap().find(t)
}

#[test]
fn pattern_errors() {
    assert_eq!(Regex::new("*a").err(), Some(PatternError::NothingToRepeat(0)));
    assert_eq!(Regex::new("a**").err(), Some(PatternError::NothingToRepeat(2)));
    assert_eq!(Regex::new("ab*?").err(), Some(PatternError::NothingToRepeat(3)));
    assert_eq!(Regex::new("?").err(), Some(PatternError::NothingToRepeat(0)));
    assert_eq!(Regex::new("ab\\").err(), Some(PatternError::TrailingBackslash));
    assert_eq!(Regex::new("é?*").err(), Some(PatternError::NothingToRepeat(2)));
    assert_eq!(Regex::new("**\\").err(), Some(PatternError::NothingToRepeat(0)));
    assert!(Regex::new("\\*\\?").is_ok());
    assert!(Regex::new("").is_ok());
}

#[test]
fn empty_pattern_and_text() {
    assert!(m("", ""));
    assert!(!m("", "a"));
    assert!(m("a*", ""));
    assert!(m("a?b?", ""));
    assert!(!m(".", ""));
    assert_eq!(f("", "abc"), Some((0, 0)));
    assert_eq!(f("", ""), Some((0, 0)));
}

#[test]
fn dot_matches_any_char() {
    assert!(m("a.c", "abc"));
    assert!(m("a.c", "a.c"));
    assert!(m("...", "日本語"));
    assert!(!m("a.c", "ac"));
    assert!(m(".*", "anything at all\n"));
}

#[test]
fn escapes_are_literal() {
    assert!(m("a\\.c", "a.c"));
    assert!(!m("a\\.c", "abc"));
    assert!(m("\\*+", "*+"));
    assert!(m("x\\?", "x?"));
    assert!(!m("x\\?", "x"));
    assert!(m("\\\\*", "\\\\\\"));
    assert!(m("\\a\\b", "ab"));
}

#[test]
fn quantified_escapes_and_dots() {
    assert!(m("\\.*", "...."));
    assert!(m("a.?b", "ab"));
    assert!(m("a.?b", "axb"));
    assert!(!m("a.?b", "axxb"));
}

#[test]
fn requires_whole_text() {
    assert!(!m("abc", "abcd"));
    assert!(!m("bcd", "abcd"));
    assert!(m("a*a*a", "aaaa"));
    assert!(!m("a*b", "aaa"));
}

#[test]
fn find_cases() {
    assert_eq!(f("a*", "bbb"), Some((0, 0)));
    assert_eq!(f("a+", "xxa+a+"), Some((2, 4)));
    assert_eq!(f("ab?", "xxabab"), Some((2, 4)));
    assert_eq!(f("z", "abc"), None);
    assert_eq!(f("c.*", "abcabc"), Some((2, 6)));
    assert_eq!(f("b*c", "abbbcbc"), Some((1, 5)));
    assert_eq!(f("日本?", "の日本語"), Some((1, 3)));
}

#[test]
fn find_prefers_leftmost_over_longer() {
    assert_eq!(f("ab*", "xabzabbbbb"), Some((1, 3)));
    assert_eq!(f("a?b", "bab"), Some((0, 1)));
}

#[test]
fn exponential_backtracking_is_avoided() {
    let n = 30;
    let p = format!("{}{}", "a?".repeat(n), "a".repeat(n));
    assert!(m(&p, &"a".repeat(n)));
    assert!(m(&p, &"a".repeat(2 * n)));
    assert!(!m(&p, &"a".repeat(2 * n + 1)));
    assert!(!m(&p, &"a".repeat(n - 1)));
}

#[test]
fn many_stars() {
    let p = ".*a.*b.*c.*d.*e.*f.*g.*z";
    let text = "abcdefg".repeat(300);
    assert!(!m(p, &text));
    assert!(m(p, &format!("{text}z")));
    let short = "abcdefg".repeat(30);
    assert_eq!(f(p, &short), None);
    assert_eq!(f("a.*a.*a.*a.*x", &"a".repeat(300)), None);
}
