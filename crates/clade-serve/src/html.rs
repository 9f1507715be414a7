//! HTML text: escaping and the page frame. Every string that came from a
//! candidate, a model, a note or a path goes through [`esc`]; the pages
//! build markup only from escaped text and their own literals.

use std::fmt::Write;

/// `text` safe inside an element or a quoted attribute.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` as one path segment or query value of a URL.
pub(crate) fn url_part(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// What a live page follows: its event stream and the variant count it
/// shows (`/assets/live.js` swaps in the fresh page when it changes).
pub(crate) struct Live {
    pub events: String,
    pub count: usize,
}

/// A whole page: `title` (plain text), the navigation trail, `body`
/// (markup).
pub(crate) fn page(title: &str, trail: &[(String, String)], body: &str) -> String {
    live_page(title, trail, body, None)
}

/// [`page`], following `live` when given.
pub(crate) fn live_page(
    title: &str,
    trail: &[(String, String)],
    body: &str,
    live: Option<&Live>,
) -> String {
    let mut nav = String::from(r#"<a href="/">runs</a>"#);
    for (href, label) in trail {
        let _ = write!(nav, r#" / <a href="{}">{}</a>"#, esc(href), esc(label));
    }
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{} · clade</title>
<link rel="stylesheet" href="/assets/style.css">
</head><body>
<nav>{nav}</nav>
<main{main_attrs}>
{body}
</main>
{script}</body></html>
"#,
        esc(title),
        main_attrs = live.map_or(String::new(), |l| format!(
            r#" data-events="{}" data-count="{}""#,
            esc(&l.events),
            l.count
        )),
        script = if live.is_some() {
            "<script src=\"/assets/live.js\"></script>\n"
        } else {
            ""
        },
    )
}

/// A score as people read it: up to 6 significant digits.
pub(crate) fn score(value: Option<f64>) -> String {
    match value {
        None => "–".into(),
        Some(v) if v.is_nan() => "NaN".into(),
        Some(v) if v != 0.0 && (v.abs() >= 1e7 || v.abs() < 1e-3) => format!("{v:.4e}"),
        Some(v) => {
            let text = format!("{v:.6}");
            let text = text.trim_end_matches('0').trim_end_matches('.');
            text.to_string()
        }
    }
}

/// The stylesheet, served at `/assets/style.css`.
pub(crate) const STYLE: &str = include_str!("style.css");

/// The one script, served at `/assets/live.js`.
pub(crate) const LIVE_JS: &str = include_str!("live.js");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_stays_text() {
        assert_eq!(
            esc(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(url_part("a b/é"), "a%20b%2F%C3%A9");
    }

    #[test]
    fn scores_read_as_people_write_them() {
        assert_eq!(score(Some(2.5)), "2.5");
        assert_eq!(score(Some(72903928.0)), "7.2904e7");
        assert_eq!(score(Some(0.0)), "0");
        assert_eq!(score(None), "–");
    }
}
