use is_anagram::*;

#[test]
fn ignores_spaces_and_case() {
    assert!(is_anagram("Dormitory", "dirty room"));
    assert!(is_anagram("The eyes", "they see"));
}

#[test]
fn letter_counts_matter() {
    assert!(!is_anagram("aab", "abb"));
}

#[test]
fn different_lengths() {
    assert!(!is_anagram("abc", "abcc"));
    assert!(!is_anagram("a", ""));
}

#[test]
fn same_word_is_not_anagram() {
    assert!(!is_anagram("listen", "listen"));
    assert!(!is_anagram("Listen", "lisTen"));
}

#[test]
fn same_after_removing_spaces_is_not_anagram() {
    assert!(!is_anagram("ab", "a b"));
}

#[test]
fn empty_strings() {
    assert!(!is_anagram("", ""));
    assert!(!is_anagram("  ", " "));
}

#[test]
fn unicode_letters() {
    assert!(is_anagram("été", "téé"));
    assert!(is_anagram("Ñandú", "dúñan"));
    assert!(!is_anagram("ete", "été"));
}

#[test]
fn punctuation_counts() {
    assert!(is_anagram("a!b", "b!a"));
    assert!(!is_anagram("a!b", "bab"));
}
