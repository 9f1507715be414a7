use std::fmt;

/// Time of day with minute precision; always normalized to 00:00..=23:59.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Clock {
    minutes: u32,
}

const DAY: i128 = 24 * 60;

fn from_total(total: i128) -> Clock {
    Clock { minutes: total.rem_euclid(DAY) as u32 }
}

impl Clock {
    /// Normalizes any hour/minute values.
    pub fn new(hour: i64, minute: i64) -> Clock {
        from_total(hour as i128 * 60 + minute as i128)
    }

    /// Exactly `HH:MM`.
    pub fn parse(s: &str) -> Option<Clock> {
        let b = s.as_bytes();
        if b.len() != 5 || b[2] != b':' {
            return None;
        }
        let digits = [b[0], b[1], b[3], b[4]];
        if !digits.iter().all(|d| d.is_ascii_digit()) {
            return None;
        }
        let h = ((b[0] - b'0') * 10 + (b[1] - b'0')) as u32;
        let m = ((b[3] - b'0') * 10 + (b[4] - b'0')) as u32;
        if h > 23 || m > 59 {
            return None;
        }
        Some(Clock { minutes: h * 60 + m })
    }

    pub fn hour(&self) -> u32 {
        self.minutes / 60
    }

    pub fn minute(&self) -> u32 {
        self.minutes % 60
    }

    pub fn add_minutes(&self, m: i64) -> Clock {
        from_total(self.minutes as i128 + m as i128)
    }

    /// Forward distance in minutes, 0..=1439.
    pub fn minutes_until(&self, other: Clock) -> u32 {
        (other.minutes as i128 - self.minutes as i128).rem_euclid(DAY) as u32
    }

    /// e.g. "12:05 AM", "1:30 PM".
    pub fn to_12h(&self) -> String {
        let h = self.hour();
        let shown = if h % 12 == 0 { 12 } else { h % 12 };
        let suffix = if h < 12 { "AM" } else { "PM" };
        format!("{}:{:02} {}", shown, self.minute(), suffix)
    }
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour(), self.minute())
    }
}
