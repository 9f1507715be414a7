//! GBNF grammars (llama.cpp's grammar format) that hold a small model's
//! reply to the SEARCH/REPLACE shape. It owns the grammar text only; which
//! provider enforces it, and how, is clade-llm's business.
//!
//! The grammar for a block goes further than the shape: every SEARCH line
//! must be a line of the file as it is (trailing whitespace aside), since a
//! SEARCH that matches nothing is a small model's most common failure. The
//! REPLACE part is free text whose lines may not start like a marker (`==`,
//! `<<`, `>>`), so the block can only end at `>>>>>>> REPLACE`.

use std::collections::{BTreeMap, BTreeSet};

use crate::regions::find_regions;

/// Above this many distinct lines a grammar is not made: the grammar's
/// alternatives grow with them, and so does the cost of each check.
pub const MAX_GRAMMAR_LINES: usize = 600;

/// A grammar for one SEARCH/REPLACE block against `files`, optionally named
/// on the line before it, ending at the `>>>>>>> REPLACE` marker. SEARCH
/// lines are drawn from the files' regions (the whole file when it has
/// none). `None` when there is nothing to search or too much.
pub fn search_replace(files: &BTreeMap<String, String>) -> Option<String> {
    let mut lines = BTreeSet::new();
    for text in files.values() {
        let all: Vec<&str> = text.lines().collect();
        let regions = find_regions(text).unwrap_or_default();
        let spans: Vec<&[&str]> = if regions.is_empty() {
            vec![&all[..]]
        } else {
            regions.iter().map(|r| &all[r.start..r.end]).collect()
        };
        for span in spans {
            lines.extend(span.iter().map(|l| l.trim_end()).filter(|l| !l.is_empty()));
        }
    }
    if lines.is_empty() || lines.len() > MAX_GRAMMAR_LINES || files.is_empty() {
        return None;
    }
    let paths: Vec<String> = files.keys().map(|p| literal(p)).collect();
    let known: Vec<String> = lines.iter().map(|l| literal(&format!("{l}\n"))).collect();
    Some(format!(
        "root ::= (path \"\\n\")? \"<<<<<<< SEARCH\\n\" search \"=======\\n\" replace \">>>>>>> REPLACE\"\n\
         path ::= {}\n\
         search ::= \"\\n\"* known (known | \"\\n\")*\n\
         known ::= {}\n\
         replace ::= line*\n\
         line ::= \"\\n\" | [^\\n=<>] [^\\n]* \"\\n\" | [=<>] ([^\\n=<>] [^\\n]*)? \"\\n\"\n",
        paths.join(" | "),
        known.join(" | "),
    ))
}

/// `text` as a GBNF string literal.
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02X}", c as u32 & 0xff)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_lines_come_from_the_regions_escaped() {
        let files = BTreeMap::from([(
            "src/main.rs".to_string(),
            "fn main() {}\n// EVOLVE-BLOCK-START\nfn f() -> &'static str {\n\t\"a\\\\b\"   \n}\n\n// EVOLVE-BLOCK-END\n"
                .to_string(),
        )]);
        insta::assert_snapshot!(search_replace(&files).unwrap(), @r#"
        root ::= (path "\n")? "<<<<<<< SEARCH\n" search "=======\n" replace ">>>>>>> REPLACE"
        path ::= "src/main.rs"
        search ::= "\n"* known (known | "\n")*
        known ::= "\t\"a\\\\b\"\n" | "fn f() -> &'static str {\n" | "}\n"
        replace ::= line*
        line ::= "\n" | [^\n=<>] [^\n]* "\n" | [=<>] ([^\n=<>] [^\n]*)? "\n"
        "#);
    }

    #[test]
    fn no_grammar_for_nothing_or_too_much() {
        assert_eq!(search_replace(&BTreeMap::new()), None);
        let big: String = (0..=MAX_GRAMMAR_LINES)
            .map(|i| format!("let x{i} = {i};\n"))
            .collect();
        assert_eq!(
            search_replace(&BTreeMap::from([("a.rs".to_string(), big)])),
            None
        );
    }
}
