use rle_encode::*;

#[test]
fn empty_input_gives_empty_output() {
    assert_eq!(rle_encode(""), "");
}

#[test]
fn single_char() {
    assert_eq!(rle_encode("z"), "z1");
}

#[test]
fn multi_digit_counts() {
    assert_eq!(rle_encode("xxxxxxxxxxxxy"), "x12y1");
}

#[test]
fn repeated_runs_are_separate() {
    assert_eq!(rle_encode("aabaa"), "a2b1a2");
}

#[test]
fn case_sensitive() {
    assert_eq!(rle_encode("aAAa"), "a1A2a1");
}

#[test]
fn unicode_characters() {
    assert_eq!(rle_encode("ééé€"), "é3€1");
}

#[test]
fn spaces_and_digits() {
    assert_eq!(rle_encode("  1112"), " 21321");
}

#[test]
fn long_run() {
    let s = "q".repeat(1000);
    assert_eq!(rle_encode(&s), "q1000");
}
