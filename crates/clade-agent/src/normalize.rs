//! Code as it behaves, not as it is spelled: comments dropped, white space
//! outside literals kept only where it separates two words or two marks
//! that would fuse into another token (`a+b` and `a + b` are one program;
//! `let mut x` and `a & &b` keep their spaces), a trailing comma
//! before `]` or `}` dropped (rustfmt adds them; `(x,)` keeps its comma:
//! it makes a tuple), and `use` items that import a name the file never
//! mentions dropped. Two programs with the same normalized text are the
//! same program for duplicate detection: a candidate that only reformats
//! its parent, or adds a comment or an unused import, is its parent again,
//! not a new variant (whose score would be noise).
//!
//! This is a lexer of Rust's comments and literals, not a parser: what it
//! cannot tell apart it keeps, so it never makes two different programs
//! look alike beyond comments, spacing and unused imports.

/// `text` normalized for comparison; `rust` selects Rust's comment and
/// literal rules, otherwise only trailing white space and blank lines go.
pub fn normalize(text: &str, rust: bool) -> String {
    if !rust {
        return text
            .lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
    }
    compact(&drop_unused_imports(&strip(text)))
}

/// Whether marks `a` and `b` written together begin another token (`&&`,
/// `->`, `..`, `//`…): the space between them is the program's.
fn fuses(a: char, b: char) -> bool {
    const PAIRS: [&str; 25] = [
        "&&", "||", "<<", ">>", "+=", "-=", "*=", "/=", "%=", "^=", "&=", "|=", "==", "!=", "<=",
        ">=", "->", "=>", "::", "..", ".=", "<-", "//", "/*", "*/",
    ];
    PAIRS.iter().any(|p| p.starts_with(a) && p.ends_with(b))
}

/// `text` (comments stripped, white space already single spaces) without
/// the spaces no word needs and without trailing commas before `]` and `}`;
/// literals untouched.
fn compact(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next_token = chars[i + 1..].iter().copied().find(|c| *c != ' ');
        if c == '"' || (c == 'r' && raw_string_start(&chars, i).is_some()) {
            let end = literal_end(&chars, i);
            out.extend(&chars[i..end]);
            i = end;
            continue;
        }
        if c == '\'' {
            let end = char_literal_end(&chars, i).max(i + 1);
            out.extend(&chars[i..end]);
            i = end;
            continue;
        }
        let keep = match c {
            ' ' => match (out.chars().next_back(), next_token) {
                (Some(a), Some(b)) => (word(a) && word(b)) || fuses(a, b),
                _ => false,
            },
            ',' => !matches!(next_token, Some(']' | '}')),
            _ => true,
        };
        if keep {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// The identifiers (and keywords) of Rust code outside its comments and
/// literals: what the code names, not what it says.
pub fn identifiers(text: &str) -> std::collections::BTreeSet<String> {
    let chars: Vec<char> = strip(text).chars().collect();
    let mut out = std::collections::BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || (c == 'r' && raw_string_start(&chars, i).is_some()) {
            i = literal_end(&chars, i);
        } else if c == '\'' {
            i = char_literal_end(&chars, i).max(i + 1);
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.insert(chars[start..i].iter().collect());
        } else {
            i += 1;
        }
    }
    out
}

/// Comments removed and white space collapsed, literals kept verbatim.
fn strip(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut pending_space = false;
    let push_space = |out: &mut String, pending: &mut bool| {
        if *pending && !out.is_empty() {
            out.push(' ');
        }
        *pending = false;
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            pending_space = true;
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            pending_space = true;
        } else if c.is_whitespace() {
            pending_space = true;
            i += 1;
        } else if c == '"' || (c == 'r' && raw_string_start(&chars, i).is_some()) {
            push_space(&mut out, &mut pending_space);
            let end = literal_end(&chars, i);
            out.extend(&chars[i..end]);
            i = end;
        } else if c == '\'' {
            push_space(&mut out, &mut pending_space);
            let end = char_literal_end(&chars, i);
            out.extend(&chars[i..end]);
            i = end;
        } else {
            push_space(&mut out, &mut pending_space);
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The number of `#` of a raw string starting at `i` (`r"`, `r#"`, …).
fn raw_string_start(chars: &[char], i: usize) -> Option<usize> {
    // `br"..."` and identifiers ending in r (`for"`) are not raw strings
    // unless the `r` begins a token.
    if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') && chars[i - 1] != 'b' {
        return None;
    }
    let mut j = i + 1;
    let mut hashes = 0;
    while chars.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (chars.get(j) == Some(&'"')).then_some(hashes)
}

/// Where the string literal starting at `i` ends (one past it).
fn literal_end(chars: &[char], i: usize) -> usize {
    if let Some(hashes) = raw_string_start(chars, i).filter(|_| chars[i] == 'r') {
        let mut j = i + 2 + hashes;
        while j < chars.len() {
            if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
                return j + 1 + hashes;
            }
            j += 1;
        }
        return chars.len();
    }
    let mut j = i + 1;
    while j < chars.len() {
        match chars[j] {
            '\\' => j += 2,
            '"' => return j + 1,
            _ => j += 1,
        }
    }
    chars.len()
}

/// Where a char literal starting at `i` ends, or just past the quote of a
/// lifetime.
fn char_literal_end(chars: &[char], i: usize) -> usize {
    match (chars.get(i + 1), chars.get(i + 2)) {
        (Some('\\'), _) => {
            let mut j = i + 2;
            while j < chars.len() && chars[j] != '\'' {
                j += 1;
            }
            (j + 1).min(chars.len())
        }
        (Some(_), Some('\'')) => i + 3,
        _ => i + 1,
    }
}

/// Drops `use` items none of whose imported names (or aliases) appear
/// anywhere else in the text. Glob imports are kept.
fn drop_unused_imports(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_use(rest) {
        let Some(end) = rest[at..].find(';') else {
            break;
        };
        let item = &rest[at..at + end + 1];
        if !is_use_item(item) {
            // `use ` inside a string or a macro: not an import; keep it.
            out.push_str(&rest[..at + 4]);
            rest = &rest[at + 4..];
            continue;
        }
        out.push_str(&rest[..at]);
        let names = imported_names(item);
        let others = text.replacen(item, "", 1);
        let used = names.is_empty() || names.iter().any(|n| mentions(&others, n));
        rest = &rest[at + end + 1..];
        if used {
            out.push_str(item);
        } else {
            // The single space that followed the dropped item goes too.
            rest = rest.strip_prefix(' ').unwrap_or(rest);
        }
    }
    out.push_str(rest);
    out.trim().to_string()
}

/// The start of the next `use` item (the keyword as a whole word).
fn find_use(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = text[from..].find("use ") {
        let at = from + found;
        let before = at.checked_sub(1).map(|b| bytes[b]);
        if before.is_none_or(|b| !(b.is_ascii_alphanumeric() || b == b'_')) {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

/// Whether `item` (from `use ` to `;`) reads as an import: only path
/// characters, braces, commas, globs and `as`.
fn is_use_item(item: &str) -> bool {
    item["use ".len()..item.len() - 1]
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '{' | '}' | ',' | '*' | ' '))
}

/// The names a `use` item brings into scope; empty for a glob (kept).
fn imported_names(item: &str) -> Vec<String> {
    if item.contains('*') {
        return Vec::new();
    }
    let body = item
        .trim_start_matches("use ")
        .trim_end_matches(';')
        .replace(['{', '}'], ",");
    body.split(',')
        .filter_map(|part| {
            let part = part.trim();
            let name = match part.split(" as ").nth(1) {
                Some(alias) => alias.trim(),
                None => part.rsplit("::").next().unwrap_or("").trim(),
            };
            (!name.is_empty() && name != "self" && name != "_").then(|| name.to_string())
        })
        .collect()
}

/// Whether `name` appears in `text` as a whole word.
fn mentions(text: &str, name: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROGRAM: &str = "use std::collections::HashMap;\n\n/// Sorts.\nfn sort(v: &mut Vec<u32>) {\n    // insertion sort\n    for i in 1..v.len() {\n        let mut j = i;\n        while j > 0 && v[j - 1] > v[j] { v.swap(j - 1, j); j -= 1; }\n    }\n    let _m: HashMap<u32, u32> = HashMap::new();\n}\n";

    #[test]
    fn comments_spacing_and_unused_imports_do_not_count() {
        let base = normalize(PROGRAM, true);
        let commented = PROGRAM.replace("// insertion sort", "// a better comment /* nested */");
        let spaced = PROGRAM.replace("let mut j = i;", "let  mut j =\n        i;");
        let imported = format!(
            "use std::cmp::Ordering;\nuse std::fmt::{{Display, Debug as Shown}};\n{PROGRAM}"
        );
        let block = PROGRAM.replace("/// Sorts.", "/* Sorts,\n   in place. */");
        for other in [commented, spaced, imported, block] {
            assert_eq!(normalize(&other, true), base, "{other}");
        }
    }

    /// What rustfmt changes (spacing, line breaks, trailing commas) does
    /// not make another program.
    #[test]
    fn a_reformatted_program_is_the_same_program() {
        let tight = "fn f(v:&mut Vec<u32>,k:u32)->u32{let s=[1,2,3];match k{0=>v[0]+s[1],_=>k*2}}";
        let formatted = "fn f(v: &mut Vec<u32>, k: u32) -> u32 {\n    let s = [\n        1,\n        2,\n        3,\n    ];\n    match k {\n        0 => v[0] + s[1],\n        _ => k * 2,\n    }\n}\n";
        assert_eq!(normalize(formatted, true), normalize(tight, true));
        assert_eq!(
            normalize(tight, true),
            "fn f(v:&mut Vec<u32>,k:u32)->u32{let s=[1,2,3];match k{0=>v[0]+s[1],_=>k*2}}"
        );
    }

    /// Spaces between words, literals, char literals and lifetimes, and a
    /// tuple's comma, are the program's.
    #[test]
    fn compacting_keeps_what_the_program_needs() {
        for (a, b) in [
            ("let t = (x,);", "let t = (x);"),
            ("let mut x = 1;", "let mutx = 1;"),
            ("let b = a & &c;", "let b = a && c;"),
            ("let r = a .. =b;", "let r = a ..= b;"),
            ("let q = x / *p;", "let q = x /*p*/;"),
            ("f(\"a , b\")", "f(\"a,b\")"),
            ("let c = ' ';", "let c = '';"),
            ("fn f<'a>(s: &'a str) {}", "fn f<'a>(s: &'astr) {}"),
        ] {
            assert_ne!(normalize(a, true), normalize(b, true), "{a} vs {b}");
        }
        assert_eq!(normalize("let s = \"a  b\" ;", true), "let s=\"a  b\";");
    }

    #[test]
    fn code_and_literals_still_count() {
        let base = normalize(PROGRAM, true);
        for other in [
            PROGRAM.replace("v[j - 1] > v[j]", "v[j - 1] >= v[j]"),
            PROGRAM.replace("fn sort", "fn sort2"),
            format!("{PROGRAM}\nconst S: &str = \"a  // b\";\n"),
        ] {
            assert_ne!(normalize(&other, true), base, "{other}");
        }
        // Spaces inside a string literal are the program's.
        assert_ne!(
            normalize("fn f() -> &'static str { \"a  b\" }", true),
            normalize("fn f() -> &'static str { \"a b\" }", true)
        );
        assert_eq!(
            normalize("let s = r#\"x // not a comment\"#; // comment", true),
            "let s=r#\"x // not a comment\"#;"
        );
        assert_eq!(
            normalize("let c = '\"'; let d = '/';", true),
            "let c='\"';let d='/';"
        );
        // `use` inside a string is not an import.
        assert_ne!(
            normalize("let s = \"use a\"; f();", true),
            normalize("let s = \"use b\"; f();", true)
        );
    }

    #[test]
    fn a_used_import_is_kept_and_a_glob_is_never_dropped() {
        assert_eq!(
            normalize(
                "use std::cmp::Ordering; fn f() -> Ordering { Ordering::Less }",
                true
            ),
            "use std::cmp::Ordering;fn f()->Ordering{Ordering::Less}"
        );
        assert_eq!(
            normalize("use std::cmp::*; fn f() {}", true),
            "use std::cmp::*;fn f(){}"
        );
        assert_eq!(
            normalize("use a::B as C; fn f(_: C) {}", true),
            "use a::B as C;fn f(_:C){}"
        );
        assert_eq!(
            normalize("use a::B as C; fn f(_: B) {}", true),
            "fn f(_:B){}"
        );
    }

    #[test]
    fn identifiers_skip_comments_and_literals() {
        let ids =
            identifiers("fn f() { // println here\n let s = \"exit\"; std::process::abort() }");
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        assert_eq!(ids, ["abort", "f", "fn", "let", "process", "s", "std"]);
    }

    #[test]
    fn other_files_lose_only_trailing_space_and_blank_lines() {
        assert_eq!(
            normalize("x = 1  \n\n# c\ny = 2\n", false),
            "x = 1\n# c\ny = 2"
        );
    }
}
