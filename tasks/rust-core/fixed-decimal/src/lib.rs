use std::fmt;

/// Exact decimal with two fractional digits, stored as hundredths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decimal {
    hundredths: i64,
}

impl Decimal {
    pub fn from_hundredths(n: i64) -> Decimal {
        todo!()
    }

    pub fn hundredths(&self) -> i64 {
        todo!()
    }

    /// `-?digits(.d{1,2})?`; `None` otherwise or when out of range.
    pub fn parse(s: &str) -> Option<Decimal> {
        todo!()
    }

    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        todo!()
    }

    pub fn checked_sub(self, other: Decimal) -> Option<Decimal> {
        todo!()
    }

    /// Exact product rounded half away from zero to hundredths.
    pub fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        todo!()
    }

    /// Quotient rounded half away from zero; `None` for a zero divisor.
    pub fn checked_div(self, other: Decimal) -> Option<Decimal> {
        todo!()
    }

    /// Nearest whole number, half away from zero.
    pub fn round_whole(self) -> i64 {
        todo!()
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!()
    }
}
