use word_frequency::*;

fn owned(v: &[(&str, usize)]) -> Vec<(String, usize)> {
    v.iter().map(|(w, n)| (w.to_string(), *n)).collect()
}

#[test]
fn counts_repeated_word() {
    assert_eq!(word_counts("the cat and the hat"), owned(&[("the", 2), ("and", 1), ("cat", 1), ("hat", 1)]));
}

#[test]
fn single_word() {
    assert_eq!(word_counts("hello"), owned(&[("hello", 1)]));
}
