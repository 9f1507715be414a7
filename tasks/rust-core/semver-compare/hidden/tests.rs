use semver_compare::*;
use std::cmp::Ordering;

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

#[test]
fn rejects_malformed() {
    for s in [
        "", "1", "1.2", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03", "v1.2.3", " 1.2.3", "1.2.3 ",
        "1.2.3-", "1.2.3-a..b", "1.2.3-01", "1.2.3-a_b", "1.2.3+build", "1.-2.3", "1.2.x",
        "18446744073709551616.0.0", "1.2.3-é",
    ] {
        assert_eq!(Version::parse(s), None, "{s:?}");
    }
}

#[test]
fn accepts_edge_forms() {
    assert_eq!(v("0.0.0"), Version::new(0, 0, 0));
    assert_eq!(v("18446744073709551615.0.1").major, u64::MAX);
    assert_eq!(v("1.0.0-0a").pre, vec!["0a".to_string()]);
    assert_eq!(v("1.0.0---").pre, vec!["--".to_string()]);
    assert_eq!(v("1.0.0-x-y.0").pre, vec!["x-y".to_string(), "0".to_string()]);
    assert_eq!(v("1.0.0-99999999999999999999999").pre.len(), 1);
}

#[test]
fn display_round_trips() {
    for s in ["0.1.2", "10.20.30-alpha.7.z", "1.0.0---", "3.3.3-0"] {
        assert_eq!(v(s).to_string(), s);
    }
    assert_eq!(Version::new(4, 5, 6).to_string(), "4.5.6");
}

#[test]
fn precedence_chain() {
    let chain = [
        "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
        "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1-0", "1.0.1", "1.1.0", "2.0.0",
    ];
    for w in chain.windows(2) {
        assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        assert!(v(w[1]) > v(w[0]), "{} > {}", w[1], w[0]);
    }
}

#[test]
fn sorting_shuffled() {
    let mut vs: Vec<Version> = ["1.0.0", "0.9.9", "1.0.0-rc.2", "1.0.0-rc.10", "0.10.0", "1.0.0-RC.1"]
        .iter()
        .map(|s| v(s))
        .collect();
    vs.sort();
    let shown: Vec<String> = vs.iter().map(|x| x.to_string()).collect();
    assert_eq!(shown, vec!["0.9.9", "0.10.0", "1.0.0-RC.1", "1.0.0-rc.2", "1.0.0-rc.10", "1.0.0"]);
}

#[test]
fn huge_numeric_identifiers() {
    assert!(v("1.0.0-99999999999999999999") < v("1.0.0-100000000000000000000"));
    assert!(v("1.0.0-99999999999999999999") > v("1.0.0-18446744073709551615"));
    assert!(v("1.0.0-99999999999999999999") < v("1.0.0-a"));
}

#[test]
fn equal_versions_compare_equal() {
    assert_eq!(v("1.2.3-a.1").cmp(&v("1.2.3-a.1")), Ordering::Equal);
    assert_eq!(v("1.2.3").partial_cmp(&Version::new(1, 2, 3)), Some(Ordering::Equal));
    assert_eq!(v("1.2.3-1").cmp(&v("1.2.3-a")), Ordering::Less);
}

#[test]
fn bumps() {
    let x = v("1.2.3-beta");
    assert_eq!(x.bump_major(), Some(Version::new(2, 0, 0)));
    assert_eq!(x.bump_minor(), Some(Version::new(1, 3, 0)));
    assert_eq!(x.bump_patch(), Some(Version::new(1, 2, 4)));
    let m = Version::new(u64::MAX, u64::MAX, u64::MAX);
    assert_eq!(m.bump_major(), None);
    assert_eq!(m.bump_minor(), None);
    assert_eq!(m.bump_patch(), None);
}

#[test]
fn caret_major() {
    let req = v("1.2.3");
    assert!(req.caret_matches(&v("1.2.3")));
    assert!(req.caret_matches(&v("1.9.0")));
    assert!(!req.caret_matches(&v("2.0.0")));
    assert!(!req.caret_matches(&v("1.2.2")));
    assert!(!req.caret_matches(&v("1.2.3-rc.1")));
    assert!(req.caret_matches(&v("1.2.4-rc.1")));
}

#[test]
fn caret_zero_major() {
    let req = v("0.3.1");
    assert!(req.caret_matches(&v("0.3.9")));
    assert!(!req.caret_matches(&v("0.4.0")));
    assert!(!req.caret_matches(&v("1.3.1")));
    let tiny = v("0.0.4");
    assert!(tiny.caret_matches(&v("0.0.4")));
    assert!(!tiny.caret_matches(&v("0.0.5")));
    assert!(!tiny.caret_matches(&v("0.1.0")));
}
