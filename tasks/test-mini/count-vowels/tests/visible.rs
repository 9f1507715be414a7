use count_vowels::*;

#[test]
fn counts_lowercase() {
    assert_eq!(count_vowels("banana"), 3);
}

#[test]
fn counts_none() {
    assert_eq!(count_vowels("rhythm"), 0);
}
