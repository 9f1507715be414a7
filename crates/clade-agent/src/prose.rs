//! A model's short prose answer (a hint, an instruction) made fit for a
//! prompt: no code, no edit markers, one line, bounded. Pure text work; it
//! must not know what the prose is for.

/// Prose only (code blocks and edit markers dropped), on one line, without
/// a leading label of `labels` (ASCII, matched in any case), at most
/// `limit` characters cut at a word; `None` when nothing is left.
pub fn clean_prose(reply: &str, labels: &[&str], limit: usize) -> Option<String> {
    let mut prose = Vec::new();
    let mut in_code = false;
    for line in reply.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        let marker = ["<<<<<<<", "=======", ">>>>>>>"]
            .iter()
            .any(|m| trimmed.starts_with(m));
        if !in_code && !marker {
            prose.push(trimmed);
        }
    }
    let joined: String = prose
        .join(" ")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let words: Vec<&str> = joined.split_whitespace().collect();
    let mut text = words.join(" ");
    for label in labels {
        if text
            .get(..label.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(label))
        {
            text = text[label.len()..].trim_start().to_string();
        }
    }
    if text.is_empty() {
        return None;
    }
    Some(cut_at_word(&text, limit))
}

/// At most `limit` characters, cut before a word that would not fit.
fn cut_at_word(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split(' ') {
        if out.chars().count() + word.chars().count() + 2 > limit {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = text.chars().take(limit - 1).collect();
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_dropped_in_any_case_and_only_at_the_start() {
        assert_eq!(
            clean_prose("HINT: use a heap. hint: again", &["hint:"], 100).as_deref(),
            Some("use a heap. hint: again")
        );
        // A start that is not a character boundary at the label's length is
        // no label.
        assert_eq!(clean_prose("éé", &["hi:"], 100).as_deref(), Some("éé"));
    }
}
