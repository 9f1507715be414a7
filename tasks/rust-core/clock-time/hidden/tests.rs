use clock_time::*;

#[test]
fn normalizes_constructor() {
    assert_eq!(Clock::new(25, -30).to_string(), "00:30");
    assert_eq!(Clock::new(-1, 0).to_string(), "23:00");
    assert_eq!(Clock::new(0, 1440).to_string(), "00:00");
    assert_eq!(Clock::new(0, -1).to_string(), "23:59");
    assert_eq!(Clock::new(48, 61).to_string(), "01:01");
    assert_eq!(Clock::new(-25, -160).to_string(), "20:20");
}

#[test]
fn huge_inputs_do_not_overflow() {
    let c = Clock::new(i64::MAX, i64::MAX);
    assert!(c.hour() < 24 && c.minute() < 60);
    assert_eq!(Clock::new(i64::MAX, 0), Clock::new(i64::MAX % 24, 0));
    assert_eq!(Clock::new(0, i64::MIN).to_string(), "05:52");
    assert_eq!(Clock::new(0, 0).add_minutes(i64::MAX).to_string(), "18:07");
}

#[test]
fn equality_after_normalization() {
    assert_eq!(Clock::new(10, 0), Clock::new(34, 0));
    assert_eq!(Clock::new(10, 0), Clock::new(9, 60));
    assert_ne!(Clock::new(10, 0), Clock::new(10, 1));
    assert!(Clock::new(0, 0) < Clock::new(23, 59));
}

#[test]
fn parse_valid() {
    assert_eq!(Clock::parse("00:00"), Some(Clock::new(0, 0)));
    assert_eq!(Clock::parse("23:59"), Some(Clock::new(23, 59)));
    assert_eq!(Clock::parse("07:08").map(|c| (c.hour(), c.minute())), Some((7, 8)));
}

#[test]
fn parse_invalid() {
    for s in ["", "7:08", "07:8", "24:00", "12:60", "12-30", " 12:30", "12:30 ", "1a:00", "12:3٣", "+1:00", "123:45"] {
        assert_eq!(Clock::parse(s), None, "{s:?}");
    }
}

#[test]
fn add_negative_and_large() {
    let c = Clock::new(0, 10);
    assert_eq!(c.add_minutes(-20).to_string(), "23:50");
    assert_eq!(c.add_minutes(1440 * 3 + 5).to_string(), "00:15");
    assert_eq!(c.add_minutes(-1440 * 7).to_string(), "00:10");
    assert_eq!(c.add_minutes(0), c);
}

#[test]
fn minutes_until_forward() {
    let a = Clock::new(22, 0);
    let b = Clock::new(1, 30);
    assert_eq!(a.minutes_until(b), 210);
    assert_eq!(b.minutes_until(a), 1230);
    assert_eq!(a.minutes_until(a), 0);
    assert_eq!(Clock::new(0, 1).minutes_until(Clock::new(0, 0)), 1439);
}

#[test]
fn twelve_hour_format() {
    assert_eq!(Clock::new(0, 5).to_12h(), "12:05 AM");
    assert_eq!(Clock::new(13, 30).to_12h(), "1:30 PM");
    assert_eq!(Clock::new(12, 0).to_12h(), "12:00 PM");
    assert_eq!(Clock::new(11, 59).to_12h(), "11:59 AM");
    assert_eq!(Clock::new(23, 9).to_12h(), "11:09 PM");
    assert_eq!(Clock::new(9, 0).to_12h(), "9:00 AM");
}

#[test]
fn accessors_and_sorting() {
    let mut v = vec![Clock::new(12, 0), Clock::new(0, 30), Clock::new(23, 0), Clock::new(0, 5)];
    v.sort();
    let shown: Vec<String> = v.iter().map(|c| c.to_string()).collect();
    assert_eq!(shown, vec!["00:05", "00:30", "12:00", "23:00"]);
    assert_eq!((v[3].hour(), v[3].minute()), (23, 0));
}
