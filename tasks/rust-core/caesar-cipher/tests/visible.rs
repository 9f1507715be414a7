use caesar_cipher::*;

#[test]
fn shifts_by_three() {
    assert_eq!(caesar("abc", 3), "def");
}

#[test]
fn keeps_punctuation() {
    assert_eq!(caesar("Hi, you!", 1), "Ij, zpv!");
}
