use rle_encode::*;

#[test]
fn encodes_simple_runs() {
    assert_eq!(rle_encode("aaab"), "a3b1");
}

#[test]
fn encodes_single_characters() {
    assert_eq!(rle_encode("abc"), "a1b1c1");
}
