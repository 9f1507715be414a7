use clock_time::*;

#[test]
fn displays_padded() {
    assert_eq!(Clock::new(8, 5).to_string(), "08:05");
}

#[test]
fn adds_past_midnight() {
    let c = Clock::new(23, 30).add_minutes(45);
    assert_eq!(c.to_string(), "00:15");
}
