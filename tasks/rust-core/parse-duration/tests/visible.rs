use parse_duration::*;

#[test]
fn hours_and_minutes() {
    assert_eq!(parse_duration("1h30m"), Some(5400));
}

#[test]
fn seconds_only() {
    assert_eq!(parse_duration("90s"), Some(90));
}
