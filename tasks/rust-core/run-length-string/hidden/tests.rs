use run_length_string::*;

#[test]
fn empty_string() {
    let mut r = RleString::new();
    assert!(r.is_empty());
    assert_eq!(r.len(), 0);
    assert_eq!(r.run_count(), 0);
    assert_eq!(r.pop(), None);
    assert_eq!(r.char_at(0), None);
    assert_eq!(r.to_string(), "");
    assert!(RleString::from_text("").is_empty());
}

#[test]
fn from_runs_normalizes() {
    let r = RleString::from_runs(&[('a', 2), ('b', 0), ('a', 3), ('c', 1), ('c', 1), ('d', 0)]);
    assert_eq!(r.runs(), vec![('a', 5), ('c', 2)]);
    assert_eq!(r.run_count(), 2);
    assert!(RleString::from_runs(&[('z', 0)]).is_empty());
}

#[test]
fn push_and_pop() {
    let mut r = RleString::new();
    for c in "aab".chars() {
        r.push(c);
    }
    r.push('b');
    assert_eq!(r.runs(), vec![('a', 2), ('b', 2)]);
    assert_eq!(r.pop(), Some('b'));
    assert_eq!(r.pop(), Some('b'));
    assert_eq!(r.runs(), vec![('a', 2)]);
    r.push('a');
    assert_eq!(r.runs(), vec![('a', 3)]);
}

#[test]
fn append_merges_boundary() {
    let mut a = RleString::from_text("xxy");
    let b = RleString::from_text("yyz");
    a.append(&b);
    assert_eq!(a.runs(), vec![('x', 2), ('y', 3), ('z', 1)]);
    a.append(&RleString::new());
    assert_eq!(a.to_string(), "xxyyyz");
    assert_eq!(b.to_string(), "yyz");
}

#[test]
fn unicode_chars() {
    let r = RleString::from_text("ééé日日a");
    assert_eq!(r.len(), 6);
    assert_eq!(r.runs(), vec![('é', 3), ('日', 2), ('a', 1)]);
    assert_eq!(r.char_at(3), Some('日'));
    assert_eq!(r.slice(2, 4).unwrap().to_string(), "é日");
}

#[test]
fn slices() {
    let r = RleString::from_text("aaabbbccc");
    assert_eq!(r.slice(2, 7).unwrap().runs(), vec![('a', 1), ('b', 3), ('c', 1)]);
    assert_eq!(r.slice(3, 6).unwrap().runs(), vec![('b', 3)]);
    assert!(r.slice(4, 4).unwrap().is_empty());
    assert_eq!(r.slice(0, 9).unwrap().to_string(), "aaabbbccc");
    assert!(r.slice(9, 9).unwrap().is_empty());
    assert!(r.slice(5, 4).is_none());
    assert!(r.slice(0, 10).is_none());
}

#[test]
fn huge_runs_never_expanded() {
    let t = 1_000_000_000_000u64;
    let mut r = RleString::from_runs(&[('a', t), ('b', t)]);
    assert_eq!(r.len(), 2 * t);
    assert_eq!(r.char_at(t - 1), Some('a'));
    assert_eq!(r.char_at(t), Some('b'));
    assert_eq!(r.char_at(2 * t), None);
    let s = r.slice(t - 2, t + 3).unwrap();
    assert_eq!(s.to_string(), "aabbb");
    r.push('b');
    assert_eq!(r.runs(), vec![('a', t), ('b', t + 1)]);
    assert_eq!(r.pop(), Some('b'));
    assert_eq!(r.len(), 2 * t);
}

#[test]
fn round_trip_text() {
    for s in ["a", "abc", "aaaa", "abba", "  x  ", "\n\n\t"] {
        let r = RleString::from_text(s);
        assert_eq!(r.to_string(), s);
        assert_eq!(r.len(), s.chars().count() as u64);
    }
}

#[test]
fn pop_until_empty() {
    let mut r = RleString::from_text("abb");
    assert_eq!(r.pop(), Some('b'));
    assert_eq!(r.pop(), Some('b'));
    assert_eq!(r.pop(), Some('a'));
    assert_eq!(r.pop(), None);
    assert!(r.is_empty());
    assert_eq!(r.run_count(), 0);
}
