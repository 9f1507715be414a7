//! The shape the restructure promised, checked on the sources: no module
//! cycle inside clade-agent, clade-archive or clade-evolve (a module's
//! `crate::x` references point one way), and no function in clade-evolve's
//! `src/` longer than 120 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const LONGEST_FUNCTION: usize = 120;

fn crate_src(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("src")
}

/// Every `.rs` file under `dir`, with the top-level module it belongs to
/// (`population/rng.rs` belongs to `population`).
fn sources(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(dir).unwrap();
                let first = rel.components().next().unwrap().as_os_str();
                let module = Path::new(first)
                    .file_stem()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                found.push((module, path));
            }
        }
    }
    found.sort();
    found
}

/// The code before the unit tests: a test may reach anywhere.
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests")
        .map_or(text, |at| &text[..at])
}

/// The top-level modules `code` names through `crate::`.
fn referenced(code: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Only the group's top-level items name modules of the crate:
            // in `regions::{self, y}`, `y` is an item of `regions`.
            let mut depth = 0usize;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        insert_first_segment(&item, &mut names);
                        item.clear();
                    }
                    c if depth == 0 => item.push(c),
                    _ => {}
                }
            }
            insert_first_segment(&item, &mut names);
        } else {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            names.insert(rest[..end].to_string());
        }
    }
    names
}

fn insert_first_segment(item: &str, names: &mut BTreeSet<String>) {
    let name = item.trim().split("::").next().unwrap_or("").trim();
    if !name.is_empty() {
        names.insert(name.to_string());
    }
}

fn module_graph(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let files = sources(dir);
    let modules: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, path) in &files {
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let edges = graph.entry(module.clone()).or_default();
        // Doc links (`[`crate::x`]`) are not dependencies.
        let code: String = without_tests(&text)
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for target in referenced(&code) {
            if target != *module && modules.contains(&target) {
                edges.insert(target);
            }
        }
    }
    graph
}

/// A cycle in `graph` as a path `a -> b -> … -> a`, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_cycle_in_agent_archive_or_evolve() {
    for name in ["clade-agent", "clade-archive", "clade-evolve"] {
        let graph = module_graph(&crate_src(name));
        assert!(graph.len() > 3, "{name}: too few modules found: {graph:?}");
        if let Some(cycle) = find_cycle(&graph) {
            panic!("{name} has a module cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph = BTreeMap::from([
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["c".to_string()])),
        ("c".to_string(), BTreeSet::from(["a".to_string()])),
    ]);
    assert_eq!(find_cycle(&graph).unwrap().join(" -> "), "a -> b -> c -> a");
    assert_eq!(
        referenced("use crate::{apply::x, regions::{self, y}};\nlet _ = crate::called::z;"),
        BTreeSet::from(["apply".into(), "called".into(), "regions".into()])
    );
}

/// Functions of `text` longer than the limit: (name, first line, length).
fn long_functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut long = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let declares = [
            "fn ",
            "pub fn ",
            "pub(crate) fn ",
            "async fn ",
            "pub async fn ",
        ]
        .iter()
        .any(|p| trimmed.starts_with(p));
        if !declares || trimmed.ends_with(';') {
            continue;
        }
        let closing = " ".repeat(indent) + "}";
        let Some(len) = lines[start..].iter().position(|l| *l == closing) else {
            continue;
        };
        if len + 1 > LONGEST_FUNCTION {
            let name = trimmed.split('(').next().unwrap_or(trimmed).to_string();
            long.push((name, start + 1, len + 1));
        }
    }
    long
}

#[test]
fn no_function_in_clade_evolve_is_longer_than_the_limit() {
    let mut long = Vec::new();
    for (_, path) in sources(&crate_src("clade-evolve")) {
        let text = std::fs::read_to_string(&path).unwrap();
        for (name, line, len) in long_functions(&text) {
            long.push(format!("{}:{line} {name}: {len} lines", path.display()));
        }
    }
    assert!(
        long.is_empty(),
        "functions over {LONGEST_FUNCTION} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_length_check_measures_from_signature_to_closing_brace() {
    let body = "    let x = 1;\n".repeat(LONGEST_FUNCTION);
    let text = format!("fn short() {{\n}}\n\npub fn long() {{\n{body}}}\n");
    assert_eq!(
        long_functions(&text),
        [("pub fn long".to_string(), 4, LONGEST_FUNCTION + 2)]
    );
}
