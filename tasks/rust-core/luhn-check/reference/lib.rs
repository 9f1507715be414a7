/// True when `s` (spaces ignored) is at least two ASCII digits passing the Luhn check.
pub fn luhn_valid(s: &str) -> bool {
    let mut digits = Vec::new();
    for c in s.chars() {
        if c == ' ' {
            continue;
        }
        match c.to_digit(10) {
            Some(d) if c.is_ascii_digit() => digits.push(d),
            _ => return false,
        }
    }
    if digits.len() < 2 {
        return false;
    }
    let mut sum = 0;
    for (i, &d) in digits.iter().rev().enumerate() {
        if i % 2 == 1 {
            let x = d * 2;
            sum += if x > 9 { x - 9 } else { x };
        } else {
            sum += d;
        }
    }
    sum % 10 == 0
}
