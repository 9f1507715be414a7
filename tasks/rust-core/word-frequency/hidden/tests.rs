use word_frequency::*;

fn pairs(v: &[(&str, usize)]) -> Vec<(String, usize)> {
    v.iter().map(|(w, n)| (w.to_string(), *n)).collect()
}

#[test]
fn empty_text() {
    assert_eq!(word_counts(""), Vec::<(String, usize)>::new());
}

#[test]
fn punctuation_only() {
    assert_eq!(word_counts(" ,.!? -- "), Vec::<(String, usize)>::new());
}

#[test]
fn case_insensitive() {
    assert_eq!(word_counts("Go go GO gO"), pairs(&[("go", 4)]));
}

#[test]
fn ties_sorted_alphabetically() {
    assert_eq!(word_counts("b a c b a c"), pairs(&[("a", 2), ("b", 2), ("c", 2)]));
}

#[test]
fn punctuation_separates() {
    assert_eq!(word_counts("one,two;;two...three!three three"), pairs(&[("three", 3), ("two", 2), ("one", 1)]));
}

#[test]
fn apostrophe_splits() {
    assert_eq!(word_counts("don't stop"), pairs(&[("don", 1), ("stop", 1), ("t", 1)]));
}

#[test]
fn digits_are_words() {
    assert_eq!(word_counts("route 66, route 9"), pairs(&[("route", 2), ("66", 1), ("9", 1)]));
}

#[test]
fn unicode_words() {
    assert_eq!(word_counts("Café café ÉTÉ été"), pairs(&[("café", 2), ("été", 2)]));
}

#[test]
fn newlines_and_tabs() {
    assert_eq!(word_counts("x\ny\tx\r\nz"), pairs(&[("x", 2), ("y", 1), ("z", 1)]));
}
