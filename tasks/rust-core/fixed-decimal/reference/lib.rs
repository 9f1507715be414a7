use std::fmt;

/// Exact decimal with two fractional digits, stored as hundredths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decimal {
    hundredths: i64,
}

/// n / d rounded half away from zero (d != 0).
fn div_round(n: i128, d: i128) -> i128 {
    let q = n / d;
    let r = n % d;
    if 2 * r.abs() >= d.abs() {
        if (n < 0) != (d < 0) { q - 1 } else { q + 1 }
    } else {
        q
    }
}

fn fit(v: i128) -> Option<Decimal> {
    i64::try_from(v).ok().map(Decimal::from_hundredths)
}

impl Decimal {
    pub fn from_hundredths(n: i64) -> Decimal {
        Decimal { hundredths: n }
    }

    pub fn hundredths(&self) -> i64 {
        self.hundredths
    }

    /// `-?digits(.d{1,2})?`; `None` otherwise or when out of range.
    pub fn parse(s: &str) -> Option<Decimal> {
        let (neg, rest) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s),
        };
        let (int, frac) = match rest.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (rest, None),
        };
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut value: i128 = 0;
        for b in int.bytes() {
            value = value * 10 + (b - b'0') as i128;
            if value > (i64::MAX as i128) * 2 {
                return None;
            }
        }
        value *= 100;
        if let Some(f) = frac {
            if f.is_empty() || f.len() > 2 || !f.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let mut fv = 0i128;
            for b in f.bytes() {
                fv = fv * 10 + (b - b'0') as i128;
            }
            if f.len() == 1 {
                fv *= 10;
            }
            value += fv;
        }
        if neg {
            value = -value;
        }
        fit(value)
    }

    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        self.hundredths.checked_add(other.hundredths).map(Decimal::from_hundredths)
    }

    pub fn checked_sub(self, other: Decimal) -> Option<Decimal> {
        self.hundredths.checked_sub(other.hundredths).map(Decimal::from_hundredths)
    }

    /// Exact product rounded half away from zero to hundredths.
    pub fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        fit(div_round(self.hundredths as i128 * other.hundredths as i128, 100))
    }

    /// Quotient rounded half away from zero; `None` for a zero divisor.
    pub fn checked_div(self, other: Decimal) -> Option<Decimal> {
        if other.hundredths == 0 {
            return None;
        }
        fit(div_round(self.hundredths as i128 * 100, other.hundredths as i128))
    }

    /// Nearest whole number, half away from zero.
    pub fn round_whole(self) -> i64 {
        div_round(self.hundredths as i128, 100) as i64
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let abs = self.hundredths.unsigned_abs();
        let sign = if self.hundredths < 0 { "-" } else { "" };
        write!(f, "{}{}.{:02}", sign, abs / 100, abs % 100)
    }
}
