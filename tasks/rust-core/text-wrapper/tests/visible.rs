use text_wrapper::*;

#[test]
fn wraps_greedily() {
    let w = TextWrapper::new(10, "").unwrap();
    assert_eq!(w.wrap("the quick brown fox jumps"), vec!["the quick", "brown fox", "jumps"]);
}

#[test]
fn prefix_counts_toward_width() {
    let w = TextWrapper::new(8, "> ").unwrap();
    assert_eq!(w.fill("aa bb cc dd"), "> aa bb\n> cc dd");
}
