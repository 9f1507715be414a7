/// Whether `year` is a leap year under the Gregorian rule.
pub fn is_leap_year(year: u32) -> bool {
    todo!()
}
