use semver_compare::*;

#[test]
fn parses_release_and_prerelease() {
    assert_eq!(Version::parse("1.2.3"), Some(Version::new(1, 2, 3)));
    let v = Version::parse("2.0.0-rc.1").unwrap();
    assert_eq!(v.pre, vec!["rc".to_string(), "1".to_string()]);
    assert_eq!(v.to_string(), "2.0.0-rc.1");
}

#[test]
fn numeric_ordering() {
    let a = Version::parse("1.9.0").unwrap();
    let b = Version::parse("1.10.0").unwrap();
    assert!(a < b);
}
