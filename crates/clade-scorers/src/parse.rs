//! Reading a candidate's output: exactly `count` lines of `width` finite
//! numbers, nothing else but trailing blank lines.

use crate::Rejection;

pub(crate) fn rows(
    output: &str,
    count: usize,
    width: usize,
    what: &str,
) -> Result<Vec<Vec<f64>>, Rejection> {
    let lines: Vec<&str> = output.trim_end().lines().collect();
    if lines.len() != count {
        return Err(Rejection(format!(
            "expected exactly {count} lines of {what}, got {} line(s)",
            lines.len()
        )));
    }
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() != width {
                return Err(Rejection(format!(
                    "line {}: expected {width} numbers ({what}), got {:?}",
                    i + 1,
                    line.trim()
                )));
            }
            fields
                .iter()
                .map(|f| match f.parse::<f64>() {
                    Ok(v) if v.is_finite() => Ok(v),
                    Ok(_) => Err(Rejection(format!(
                        "line {}: {f} is not a finite number",
                        i + 1
                    ))),
                    Err(_) => Err(Rejection(format!("line {}: {f:?} is not a number", i + 1))),
                })
                .collect()
        })
        .collect()
}
