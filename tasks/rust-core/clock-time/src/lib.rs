use std::fmt;

/// Time of day with minute precision; always normalized to 00:00..=23:59.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Clock {
    minutes: u32,
}

impl Clock {
    /// Normalizes any hour/minute values.
    pub fn new(hour: i64, minute: i64) -> Clock {
        todo!()
    }

    /// Exactly `HH:MM`.
    pub fn parse(s: &str) -> Option<Clock> {
        todo!()
    }

    pub fn hour(&self) -> u32 {
        todo!()
    }

    pub fn minute(&self) -> u32 {
        todo!()
    }

    pub fn add_minutes(&self, m: i64) -> Clock {
        todo!()
    }

    /// Forward distance in minutes, 0..=1439.
    pub fn minutes_until(&self, other: Clock) -> u32 {
        todo!()
    }

    /// e.g. "12:05 AM", "1:30 PM".
    pub fn to_12h(&self) -> String {
        todo!()
    }
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!()
    }
}
