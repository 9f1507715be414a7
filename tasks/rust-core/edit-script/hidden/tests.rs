use edit_script::*;

fn check(a: &str, b: &str, want: usize) {
    assert_eq!(edit_distance(a, b), want, "distance {a:?} -> {b:?}");
    let s = edit_script(a, b);
    assert_eq!(apply(a, &s).as_deref(), Some(b), "script {s:?}");
    assert_eq!(cost(&s), want, "cost of {s:?}");
    assert!(!s.iter().any(|e| matches!(e, Edit::Replace(x, y) if x == y)), "Replace(x, x) in {s:?}");
}

#[test]
fn empty_strings() {
    check("", "", 0);
    check("", "abc", 3);
    check("abc", "", 3);
    assert_eq!(edit_script("", ""), vec![]);
    assert_eq!(edit_script("", "ab"), vec![Edit::Insert('a'), Edit::Insert('b')]);
    assert_eq!(edit_script("ab", ""), vec![Edit::Delete('a'), Edit::Delete('b')]);
}

#[test]
fn identical_strings_keep_everything() {
    check("same", "same", 0);
    assert_eq!(edit_script("ab", "ab"), vec![Edit::Keep('a'), Edit::Keep('b')]);
}

#[test]
fn classic_pairs() {
    check("flaw", "lawn", 2);
    check("intention", "execution", 5);
    check("sunday", "saturday", 3);
    check("abc", "cab", 2);
    check("a", "b", 1);
}

#[test]
fn unicode_counts_chars() {
    check("café", "cafe", 1);
    check("日本語", "日本", 1);
    check("😀😀", "😀", 1);
}

#[test]
fn apply_rejects_mismatches() {
    assert_eq!(apply("abc", &[Edit::Keep('x')]), None);
    assert_eq!(apply("ab", &[Edit::Keep('a')]), None);
    assert_eq!(apply("a", &[Edit::Keep('a'), Edit::Delete('b')]), None);
    assert_eq!(apply("a", &[Edit::Replace('b', 'c')]), None);
    assert_eq!(apply("", &[Edit::Delete('a')]), None);
    assert_eq!(apply("", &[]).as_deref(), Some(""));
}

#[test]
fn apply_accepts_non_minimal_scripts() {
    let s = [Edit::Delete('a'), Edit::Insert('a'), Edit::Replace('b', 'b')];
    assert_eq!(apply("ab", &s).as_deref(), Some("ab"));
    assert_eq!(cost(&s), 3);
    assert_eq!(cost(&[Edit::Keep('z')]), 0);
    assert_eq!(cost(&[]), 0);
}

#[test]
fn repeated_letters() {
    check("aaaa", "aa", 2);
    check("abababab", "babababa", 2);
    check("aaabbb", "bbbaaa", 6);
}

#[test]
fn long_strings() {
    let a: String = (0..1000).map(|i| (b'a' + (i * 7 % 26) as u8) as char).collect();
    let mut b: String = a.chars().rev().collect();
    b.truncate(750);
    let d = edit_distance(&a, &b);
    assert!((250..=1000).contains(&d));
    let s = edit_script(&a, &b);
    assert_eq!(apply(&a, &s), Some(b.clone()));
    assert_eq!(cost(&s), d);
    let c = format!("x{}y", &a[1..999]);
    check(&a, &c, 2);
}
