//! Text from outside (a candidate's output, quoted in a reason) made safe
//! to show: what the review commands print and commit messages carry.

/// `text` safe to print on a terminal or put in a commit message: every
/// control character but newline and tab (terminal escape sequences,
/// carriage returns, NULs) shown as `\u{..}`. Candidate code and output
/// reach the review commands; they must not drive the user's terminal.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod printable_tests {
    use super::printable;

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(printable("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(
            printable("\u{1b}[2J\u{1b}]0;pwned\u{7}x\ry\0"),
            "\\u{1b}[2J\\u{1b}]0;pwned\\u{7}x\\u{d}y\\u{0}"
        );
    }
}
