/// Seconds in a duration like "1d2h3m4s" (units in that order, each optional, at least
/// one); `None` when malformed or on u64 overflow.
pub fn parse_duration(s: &str) -> Option<u64> {
    const UNITS: [(u8, u64); 4] = [(b'd', 86_400), (b'h', 3_600), (b'm', 60), (b's', 1)];
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut next_unit = 0; // index into UNITS of the smallest unit still allowed
    let mut total: u64 = 0;
    if bytes.is_empty() {
        return None;
    }
    while i < bytes.len() {
        let start = i;
        let mut value: u64 = 0;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            value = value.checked_mul(10)?.checked_add((bytes[i] - b'0') as u64)?;
            i += 1;
        }
        if i == start || i == bytes.len() {
            return None;
        }
        let unit = bytes[i];
        i += 1;
        let pos = UNITS.iter().position(|&(u, _)| u == unit)?;
        if pos < next_unit {
            return None;
        }
        next_unit = pos + 1;
        total = total.checked_add(value.checked_mul(UNITS[pos].1)?)?;
    }
    Some(total)
}
