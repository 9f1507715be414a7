//! Applying parsed edits to the evolvable files, with every rule enforced:
//! paths are normalized and confined to the evolvable list; a SEARCH text must
//! match exactly once (then once ignoring trailing whitespace), or the
//! candidate is rejected with the closest existing lines quoted; a rewrite is
//! placed as the region, the enclosing function or the whole file; and in a
//! file with markers nothing outside the regions may change.

use std::collections::BTreeMap;

use crate::called::{self, declared_name};
use crate::parse::{Edit, ParseError, parse_reply};
use crate::regions::{self, find_regions, has_markers, in_regions};

/// The files a candidate may change, with their current contents.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Evolvable path → content. Nothing else can ever be edited.
    pub files: BTreeMap<String, String>,
}

/// A candidate ready to build: every evolvable file's new content, the paths
/// that changed, and a unified diff for the archive and for review.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Candidate {
    pub files: BTreeMap<String, String>,
    pub changed: Vec<String>,
    pub diff: String,
}

/// Why a reply did not become a candidate. The message is shown to the model
/// in FIX prompts, so it says precisely what to do differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    Parse(ParseError),
    NotEvolvable {
        index: usize,
        file: String,
        evolvable: String,
    },
    InvalidPath {
        index: usize,
        file: String,
    },
    AmbiguousFile {
        index: usize,
        candidates: String,
    },
    NoMatch {
        index: usize,
        file: String,
        closest: String,
    },
    MultipleMatches {
        index: usize,
        file: String,
        count: usize,
        lines: String,
    },
    EmptySearch {
        index: usize,
    },
    OutsideRegion {
        file: String,
        detail: String,
    },
    Unplaceable {
        file: String,
        detail: String,
    },
    Unchanged,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::Parse(err) => write!(f, "{err}"),
            Rejection::NotEvolvable {
                index,
                file,
                evolvable,
            } => write!(
                f,
                "edit {index} targets {file:?}, which is not an evolvable file (evolvable: {evolvable})"
            ),
            Rejection::InvalidPath { index, file } => {
                write!(
                    f,
                    "edit {index} names the path {file:?}, which leaves the project"
                )
            }
            Rejection::AmbiguousFile { index, candidates } => write!(
                f,
                "edit {index} does not say which file it edits and could apply to several ({candidates}); name the file"
            ),
            Rejection::NoMatch {
                index,
                file,
                closest,
            } => write!(
                f,
                "SEARCH block {index} matches nothing in {file}; the closest lines are:\n{closest}"
            ),
            Rejection::MultipleMatches {
                index,
                file,
                count,
                lines,
            } => write!(
                f,
                "SEARCH block {index} matches {count} places in {file} (lines {lines}); include more context so it matches once"
            ),
            Rejection::EmptySearch { index } => write!(f, "SEARCH block {index} is empty"),
            Rejection::OutsideRegion { file, detail } | Rejection::Unplaceable { file, detail } => {
                write!(f, "{file}: {detail}")
            }
            Rejection::Unchanged => f.write_str("the edits change nothing"),
        }
    }
}

impl std::error::Error for Rejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Rejection::Parse(err) => Some(err),
            _ => None,
        }
    }
}

impl From<ParseError> for Rejection {
    fn from(err: ParseError) -> Self {
        Rejection::Parse(err)
    }
}

/// Parses `reply` and applies it.
pub fn apply_reply(reply: &str, workspace: &Workspace) -> Result<Candidate, Rejection> {
    let edits = parse_reply(reply)?;
    apply_edits(&edits, workspace)
}

pub fn apply_edits(edits: &[Edit], workspace: &Workspace) -> Result<Candidate, Rejection> {
    let mut files = workspace.files.clone();
    for (i, edit) in edits.iter().enumerate() {
        let index = i + 1;
        match edit {
            Edit::SearchReplace {
                file,
                search,
                replace,
            } => {
                if search.trim().is_empty() {
                    return Err(Rejection::EmptySearch { index });
                }
                let path = match file {
                    Some(file) => resolve_path(index, file, &files)?,
                    None => file_matching(index, search, &files)?,
                };
                let content = &files[&path];
                let range = match find_unique(index, &path, content, search) {
                    Ok(range) => range,
                    // Small models often get the SEARCH part wrong (or copy
                    // the format's placeholder) while the REPLACE part is a
                    // whole function of the file: it is placed as a rewrite
                    // of that function, as a fenced rewrite would be. The
                    // region rule is checked below like for any edit.
                    Err(no_match @ Rejection::NoMatch { .. }) => {
                        match splice_function(content, replace) {
                            Some(spliced) => {
                                files.insert(path, spliced);
                                continue;
                            }
                            None => return Err(no_match),
                        }
                    }
                    Err(other) => return Err(other),
                };
                let mut new = String::with_capacity(content.len() + replace.len());
                new.push_str(&content[..range.0]);
                new.push_str(replace);
                new.push_str(&content[range.1..]);
                files.insert(path, new);
            }
            Edit::Rewrite { file, code } => {
                let path = match file {
                    Some(file) => resolve_path(index, file, &files)?,
                    None => file_for_rewrite(index, &files)?,
                };
                let new = place_rewrite(&files[&path], code).map_err(|detail| {
                    Rejection::Unplaceable {
                        file: path.clone(),
                        detail,
                    }
                })?;
                files.insert(path, new);
            }
        }
    }
    candidate_between(&workspace.files, files)
}

/// The candidate that turns `base` into `files` (the same evolvable paths):
/// what changed, its unified diff, and the region rule checked; nothing
/// changed is [`Rejection::Unchanged`].
pub fn candidate_between(
    base: &BTreeMap<String, String>,
    files: BTreeMap<String, String>,
) -> Result<Candidate, Rejection> {
    let mut changed = Vec::new();
    let mut diff = String::new();
    for (path, new) in &files {
        let Some(old) = base.get(path) else {
            return Err(Rejection::NotEvolvable {
                index: 0,
                file: path.clone(),
                evolvable: base.keys().cloned().collect::<Vec<_>>().join(", "),
            });
        };
        if old == new {
            continue;
        }
        regions::check_unchanged_outside(old, new).map_err(|detail| Rejection::OutsideRegion {
            file: path.clone(),
            detail,
        })?;
        diff.push_str(&crate::diff::unified(path, old, new));
        changed.push(path.clone());
    }
    if changed.is_empty() {
        return Err(Rejection::Unchanged);
    }
    Ok(Candidate {
        files,
        changed,
        diff,
    })
}

/// Normalizes a path from a reply and confines it to the evolvable files. A
/// bare file name that matches exactly one evolvable file's name is that file.
fn resolve_path(
    index: usize,
    raw: &str,
    files: &BTreeMap<String, String>,
) -> Result<String, Rejection> {
    let mut path = raw.trim().replace("//", "/");
    for prefix in ["./", "a/", "b/"] {
        if let Some(rest) = path.strip_prefix(prefix)
            && !files.contains_key(&path)
        {
            path = rest.to_string();
        }
    }
    if path.starts_with('/')
        || path.contains('\\')
        || path
            .split('/')
            .any(|c| c == ".." || c == "." || c.is_empty())
    {
        return Err(Rejection::InvalidPath {
            index,
            file: raw.to_string(),
        });
    }
    if files.contains_key(&path) {
        return Ok(path);
    }
    let by_name: Vec<&String> = files
        .keys()
        .filter(|k| k.rsplit('/').next() == Some(path.as_str()))
        .collect();
    if let [only] = by_name.as_slice() {
        return Ok((*only).clone());
    }
    Err(Rejection::NotEvolvable {
        index,
        file: raw.to_string(),
        evolvable: files.keys().cloned().collect::<Vec<_>>().join(", "),
    })
}

fn file_matching(
    index: usize,
    search: &str,
    files: &BTreeMap<String, String>,
) -> Result<String, Rejection> {
    if files.len() == 1 {
        return Ok(files.keys().next().cloned().unwrap_or_default());
    }
    let hits: Vec<&String> = files
        .iter()
        .filter(|(path, content)| find_unique(index, path, content, search).is_ok())
        .map(|(path, _)| path)
        .collect();
    match hits.as_slice() {
        [only] => Ok((*only).clone()),
        [] => Err(Rejection::NoMatch {
            index,
            file: "any evolvable file".into(),
            closest: files
                .iter()
                .map(|(path, content)| format!("{path}:\n{}", closest_lines(content, search)))
                .collect::<Vec<_>>()
                .join("\n"),
        }),
        many => Err(Rejection::AmbiguousFile {
            index,
            candidates: many
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

fn file_for_rewrite(index: usize, files: &BTreeMap<String, String>) -> Result<String, Rejection> {
    if files.len() == 1 {
        return Ok(files.keys().next().cloned().unwrap_or_default());
    }
    let with_regions: Vec<&String> = files
        .iter()
        .filter(|(_, c)| has_markers(c))
        .map(|(p, _)| p)
        .collect();
    match with_regions.as_slice() {
        [only] => Ok((*only).clone()),
        _ => Err(Rejection::AmbiguousFile {
            index,
            candidates: files.keys().cloned().collect::<Vec<_>>().join(", "),
        }),
    }
}

/// Byte offsets of lines: (start, end including the newline).
fn line_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        spans.push((start, start + line.len()));
        start += line.len();
    }
    spans
}

/// The byte range `search` occupies in `content`: an exact unique match, else
/// a unique match line by line ignoring trailing whitespace (and blank lines
/// around the SEARCH text).
fn find_unique(
    index: usize,
    file: &str,
    content: &str,
    search: &str,
) -> Result<(usize, usize), Rejection> {
    let exact: Vec<usize> = content.match_indices(search).map(|(at, _)| at).collect();
    let line_of = |byte: usize| content[..byte].matches('\n').count() + 1;
    match exact.as_slice() {
        [at] => return Ok((*at, at + search.len())),
        [] => {}
        many => {
            return Err(Rejection::MultipleMatches {
                index,
                file: file.to_string(),
                count: many.len(),
                lines: many
                    .iter()
                    .map(|&b| line_of(b).to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    let wanted: Vec<&str> = search.lines().map(str::trim_end).collect();
    let first = wanted.iter().position(|l| !l.is_empty()).unwrap_or(0);
    let last = wanted
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(0, |i| i + 1);
    let wanted = &wanted[first..last];
    let spans = line_spans(content);
    let lines: Vec<&str> = spans
        .iter()
        .map(|&(s, e)| content[s..e].trim_end())
        .collect();
    if wanted.is_empty() || wanted.len() > lines.len() {
        return Err(no_match(index, file, content, search));
    }
    let hits: Vec<usize> = (0..=lines.len() - wanted.len())
        .filter(|&i| lines[i..i + wanted.len()] == *wanted)
        .collect();
    match hits.as_slice() {
        [i] => Ok((spans[*i].0, spans[i + wanted.len() - 1].1)),
        [] => Err(no_match(index, file, content, search)),
        many => Err(Rejection::MultipleMatches {
            index,
            file: file.to_string(),
            count: many.len(),
            lines: many
                .iter()
                .map(|i| (i + 1).to_string())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

fn no_match(index: usize, file: &str, content: &str, search: &str) -> Rejection {
    Rejection::NoMatch {
        index,
        file: file.to_string(),
        closest: closest_lines(content, search),
    }
}

/// The window of `content` most like `search` (by lines equal after
/// trimming), numbered, at most 12 lines.
fn closest_lines(content: &str, search: &str) -> String {
    let wanted: Vec<&str> = search
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let lines: Vec<&str> = content.lines().collect();
    if lines.is_empty() {
        return "  (the file is empty)".into();
    }
    let width = wanted.len().clamp(1, 12).min(lines.len());
    let mut best = (0usize, 0.0f64);
    for start in 0..=lines.len() - width {
        // Character similarity of each wanted line to the window's lines.
        let score: f64 = lines[start..start + width]
            .iter()
            .zip(&wanted)
            .map(|(line, want)| crate::diff::char_ratio(line.trim(), want) as f64)
            .sum();
        if score > best.1 {
            best = (start, score);
        }
    }
    lines[best.0..best.0 + width]
        .iter()
        .enumerate()
        .map(|(i, l)| format!("{:>5} | {l}", best.0 + i + 1))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Places a fenced rewrite: the whole file (when it carries the markers or
/// the file has none), the enclosing function (matched by name), or the only
/// region. The caller then checks nothing outside the regions changed.
fn place_rewrite(original: &str, code: &str) -> Result<String, String> {
    let regions =
        find_regions(original).map_err(|e| format!("the file's markers are broken: {e}"))?;
    // Unbalanced markers in the answer (small models keep the END marker
    // and drop the START): the marker lines say nothing usable, so the
    // answer is placed as if it had none.
    let unmarked;
    let code = if has_markers(code) && find_regions(code).is_err() {
        unmarked = code
            .lines()
            .filter(|l| !has_markers(l))
            .collect::<Vec<_>>()
            .join("\n");
        unmarked.as_str()
    } else {
        code
    };
    let restored;
    let code = match called::restore_renamed(&called::called_from_outside(original), code) {
        Some(renamed_back) => {
            restored = renamed_back;
            restored.as_str()
        }
        None => code,
    };
    let with_newline = |s: String| if s.ends_with('\n') { s } else { s + "\n" };
    if has_markers(code) {
        let whole = with_newline(code.to_string());
        match regions::check_unchanged_outside(original, &whole) {
            Ok(()) => return Ok(whole),
            Err(whole_err) => {
                return splice_function(original, code)
                    .filter(|spliced| regions::check_unchanged_outside(original, spliced).is_ok())
                    // Only when it changes something, or when the code is
                    // nothing but its regions (the region alone, markers
                    // included): otherwise the precise complaint about the
                    // lines outside is the better answer.
                    .or_else(|| {
                        transplant_regions(original, code, &regions)
                            .filter(|t| t != original || only_regions(code))
                    })
                    .ok_or(whole_err);
            }
        }
    }
    // The function around a region, rewritten whole: its own lines outside
    // the region are expected, so this comes before stripping echoes.
    if let Some(placed) = function_body_into_region(original, code, &regions) {
        return Ok(placed);
    }
    let stripped = strip_echoed_outside(original, code, &regions);
    let code = if stripped.trim().is_empty() {
        code
    } else {
        stripped.as_str()
    };
    if let Some(name) = redefined_outside(original, code, &regions) {
        return Err(format!(
            "the rewrite redefines `{name}`, which lies outside the EVOLVE-BLOCK regions and cannot change; \
             answer with the code of the region only"
        ));
    }
    if let Some(placed) = whole_region(original, code, &regions) {
        return Ok(placed);
    }
    if let Some(placed) = body_into_function(original, code, &regions) {
        return Ok(placed);
    }
    if let Some(spliced) = splice_function(original, code) {
        return match regions::check_unchanged_outside(original, &spliced) {
            Ok(()) => Ok(spliced),
            // A rewrite of an existing function that changes its lines
            // outside the region (the signature, say) must not be smuggled
            // into the region as a nested function.
            Err(detail) if !regions.is_empty() => Err(format!(
                "a rewrite of an existing function must keep its lines outside the EVOLVE-BLOCK region \
                 (signature, markers, closing lines) as they are; here {detail}"
            )),
            Err(_) => Ok(spliced),
        };
    }
    match regions.as_slice() {
        [] => Ok(with_newline(code.to_string())),
        [region] => {
            let lines: Vec<&str> = original.lines().collect();
            let mut out: Vec<&str> = lines[..region.start].to_vec();
            out.extend(code.lines());
            out.extend(&lines[region.end..]);
            Ok(with_newline(out.join("\n")))
        }
        many => Err(format!(
            "the file has {} EVOLVE-BLOCK regions and the rewrite does not say which it replaces; answer with SEARCH/REPLACE blocks",
            many.len()
        )),
    }
}

/// Whether `code` holds nothing but marked regions (blank lines aside).
fn only_regions(code: &str) -> bool {
    let Ok(found) = find_regions(code) else {
        return false;
    };
    code.lines()
        .enumerate()
        .all(|(i, line)| line.trim().is_empty() || has_markers(line) || in_regions(&found, i))
}

/// The functions of `lines` that lie wholly outside `regions`: name, first
/// line, one past the last.
fn functions_outside<'a>(
    lines: &[&'a str],
    regions: &[regions::Region],
) -> Vec<(&'a str, usize, usize)> {
    (0..lines.len())
        .filter(|&start| !in_regions(regions, start))
        .filter_map(|start| {
            let name = declared_name(lines[start])?;
            let end = function_end(lines, start)?;
            (start..end)
                .all(|i| !in_regions(regions, i))
                .then_some((name, start, end))
        })
        .collect()
}

/// A whole-file rewrite that also touched lines outside the regions (small
/// models rewrite the header comment, say): when it has as many regions as
/// the original, each region's new content replaces the original's and
/// everything outside stays as it was. Nothing outside can change this way.
fn transplant_regions(original: &str, code: &str, regions: &[regions::Region]) -> Option<String> {
    let new_regions = find_regions(code).ok()?;
    if new_regions.len() != regions.len() || regions.is_empty() {
        return None;
    }
    let old_lines: Vec<&str> = original.lines().collect();
    let new_lines: Vec<&str> = code.lines().collect();
    let mut out: Vec<&str> = Vec::with_capacity(old_lines.len());
    let mut from = 0;
    for (old, new) in regions.iter().zip(&new_regions) {
        out.extend(&old_lines[from..old.start]);
        out.extend(&new_lines[new.start..new.end]);
        from = old.end;
    }
    out.extend(&old_lines[from..]);
    let text = out.join("\n") + "\n";
    regions::check_unchanged_outside(original, &text).ok()?;
    Some(text)
}

/// A marker-less rewrite that echoes parts of the file outside the regions
/// (small models answer a region rewrite with the whole file, markers left
/// out): functions outside the regions repeated unchanged, and top-level
/// lines repeated verbatim, are dropped so they are not doubled inside the
/// region. What is left is the model's code for the region.
fn strip_echoed_outside(original: &str, code: &str, regions: &[regions::Region]) -> String {
    if regions.is_empty() {
        return code.to_string();
    }
    let lines: Vec<&str> = original.lines().collect();
    let top_level: Vec<&str> = (0..lines.len())
        .filter(|&i| !in_regions(regions, i))
        .map(|i| lines[i])
        .filter(|l| !l.starts_with(char::is_whitespace) && l.trim().len() >= 4)
        .collect();
    // Functions outside the regions: name → their lines, trimmed.
    let functions: Vec<(&str, Vec<&str>)> = functions_outside(&lines, regions)
        .into_iter()
        .map(|(name, start, end)| (name, lines[start..end].iter().map(|l| l.trim()).collect()))
        .collect();
    let code_lines: Vec<&str> = code.lines().collect();
    let mut keep = vec![true; code_lines.len()];
    let mut i = 0;
    while i < code_lines.len() {
        let line = code_lines[i];
        if let Some(name) = declared_name(line)
            && let Some((_, body)) = functions.iter().find(|(n, _)| *n == name)
            && let Some(end) = function_end(&code_lines, i)
            && code_lines[i..end]
                .iter()
                .map(|l| l.trim())
                .eq(body.iter().copied())
        {
            keep[i..end].iter_mut().for_each(|k| *k = false);
            i = end;
            continue;
        }
        if top_level.contains(&line.trim_end()) {
            keep[i] = false;
        }
        i += 1;
    }
    let kept: Vec<&str> = code_lines
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(l, _)| *l)
        .collect();
    kept.join("\n").trim_matches('\n').to_string() + "\n"
}

/// The first function `code` declares that the original has wholly outside
/// its regions (after [`strip_echoed_outside`], so a changed one).
fn redefined_outside<'a>(
    original: &str,
    code: &'a str,
    regions: &[regions::Region],
) -> Option<&'a str> {
    if regions.is_empty() {
        return None;
    }
    let lines: Vec<&str> = original.lines().collect();
    let outside = functions_outside(&lines, regions);
    code.lines()
        .filter_map(declared_name)
        .find(|name| outside.iter().any(|(n, _, _)| n == name))
}

/// A function's body alone, no declaration in it (small models answer
/// "the region's code" so when the region is one function): it becomes the
/// body of the region's only function, between its signature line and its
/// closing brace.
fn body_into_function(original: &str, code: &str, regions: &[regions::Region]) -> Option<String> {
    let [region] = regions else {
        return None;
    };
    if code.lines().any(|l| declared_name(l).is_some()) {
        return None;
    }
    let lines: Vec<&str> = original.lines().collect();
    let inside = &lines[region.start..region.end];
    let starts: Vec<usize> = (0..inside.len())
        .filter(|&i| declared_name(inside[i]).is_some())
        .collect();
    let [start] = starts[..] else {
        return None;
    };
    let end = function_end(inside, start)?;
    let opens = inside[start].trim_end().ends_with('{');
    let closes = end >= start + 2 && inside[end - 1].trim() == "}";
    // Only a plain `fn … {` … `}` function, with nothing else in the region
    // but comments and attributes above it.
    let rest_is_plain = inside[end..].iter().all(|l| l.trim().is_empty())
        && inside[..start].iter().all(|l| {
            let t = l.trim();
            t.is_empty() || t.starts_with("//") || t.starts_with("#[")
        });
    if !(opens && closes && rest_is_plain) {
        return None;
    }
    let mut out: Vec<&str> = lines[..region.start + start + 1].to_vec();
    out.extend(code.lines());
    out.extend(&lines[region.start + end - 1..]);
    Some(out.join("\n") + "\n")
}

/// A rewrite of a file's only region, without the markers (what the rewrite
/// prompt asks for when there is one region): the code declares every
/// function the region declares and none of those outside it, so it replaces
/// the region whole rather than being spliced over its first function.
fn whole_region(original: &str, code: &str, regions: &[regions::Region]) -> Option<String> {
    let [region] = regions else {
        return None;
    };
    let lines: Vec<&str> = original.lines().collect();
    let names = |lines: &[&str]| -> Vec<String> {
        lines
            .iter()
            .filter_map(|l| declared_name(l).map(str::to_string))
            .collect()
    };
    let inside = names(&lines[region.start..region.end]);
    let mut outside = names(&lines[..region.start]);
    outside.extend(names(&lines[region.end..]));
    let declared = names(&code.lines().collect::<Vec<_>>());
    let covers = !inside.is_empty() && inside.iter().all(|n| declared.contains(n));
    if !covers || declared.iter().any(|n| outside.contains(n)) {
        return None;
    }
    let mut out: Vec<&str> = lines[..region.start].to_vec();
    out.extend(code.lines());
    out.extend(&lines[region.end..]);
    Some(out.join("\n") + "\n")
}

/// A rewrite of the function around a region, without the markers (small
/// models drop them): when the rewrite keeps the function's lines before and
/// after the region, its middle becomes the region's new content.
fn function_body_into_region(
    original: &str,
    code: &str,
    regions: &[regions::Region],
) -> Option<String> {
    let code_lines: Vec<&str> = code.lines().collect();
    let lines: Vec<&str> = original.lines().collect();
    let (sig_at, start, end) = locate_function(&lines, &code_lines)?;
    let region = regions.iter().find(|r| r.start > start && r.end < end)?;
    // The function's own lines outside the region, marker lines excluded.
    let before: Vec<&str> = lines[start..region.start - 1]
        .iter()
        .map(|l| l.trim())
        .collect();
    let after: Vec<&str> = lines[region.end + 1..end]
        .iter()
        .map(|l| l.trim())
        .collect();
    let body = &code_lines[sig_at..];
    let body_end = body.iter().rposition(|l| !l.trim().is_empty())? + 1;
    let body = &body[..body_end];
    if body.len() < before.len() + after.len() {
        return None;
    }
    let head_ok = body[..before.len()]
        .iter()
        .map(|l| l.trim())
        .eq(before.iter().copied());
    let tail_ok = body[body.len() - after.len()..]
        .iter()
        .map(|l| l.trim())
        .eq(after.iter().copied());
    if !(head_ok && tail_ok) {
        return None;
    }
    let middle = &body[before.len()..body.len() - after.len()];
    let mut out: Vec<&str> = lines[..region.start].to_vec();
    out.extend(middle);
    out.extend(&lines[region.end..]);
    let mut text = out.join("\n");
    text.push('\n');
    Some(text)
}

/// The function `code` declares first, found in `original` by name: the
/// declaration's line in `code`, and the function's line span in `original`.
fn locate_function(original: &[&str], code: &[&str]) -> Option<(usize, usize, usize)> {
    let sig_at = code.iter().position(|l| declared_name(l).is_some())?;
    let name = declared_name(code[sig_at])?;
    let start = original
        .iter()
        .position(|l| declared_name(l) == Some(name))?;
    let end = function_end(original, start)?;
    Some((sig_at, start, end))
}

/// Replaces the function of `original` that `code` redefines (same name),
/// from its declaration line to its end (matching braces, or indentation for
/// `def`).
fn splice_function(original: &str, code: &str) -> Option<String> {
    let code_lines: Vec<&str> = code.lines().collect();
    let lines: Vec<&str> = original.lines().collect();
    let (sig_at, start, end) = locate_function(&lines, &code_lines)?;
    // Lines the rewrite repeats from just above the declaration (attributes,
    // doc comments) replace those lines instead of doubling them.
    let prefix = &code_lines[..sig_at];
    let mut from = start;
    if prefix.len() <= start
        && prefix
            .iter()
            .zip(&lines[start - prefix.len()..start])
            .all(|(a, b)| a.trim() == b.trim())
    {
        from = start - prefix.len();
    }
    let mut out: Vec<&str> = lines[..from].to_vec();
    out.extend(&code_lines);
    out.extend(&lines[end..]);
    let mut text = out.join("\n");
    text.push('\n');
    Some(text)
}

/// One past the last line of the function declared at `start`.
fn function_end(lines: &[&str], start: usize) -> Option<usize> {
    if lines[start].contains("def ") && lines[start].trim_end().ends_with(':') {
        let indent = lines[start].len() - lines[start].trim_start().len();
        let end = (start + 1..lines.len())
            .find(|&i| {
                !lines[i].trim().is_empty()
                    && lines[i].len() - lines[i].trim_start().len() <= indent
            })
            .unwrap_or(lines.len());
        return Some(end);
    }
    let mut depth = 0i64;
    let mut opened = false;
    for (i, line) in lines.iter().enumerate().skip(start) {
        let code = line.split("//").next().unwrap_or("");
        for c in code.chars() {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        if opened && depth <= 0 {
            return Some(i + 1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn main_rs(original: &str) -> Workspace {
        Workspace {
            files: BTreeMap::from([("src/main.rs".to_string(), original.to_string())]),
        }
    }

    #[test]
    fn a_replace_holding_a_whole_function_survives_a_wrong_search() {
        let original = "// EVOLVE-BLOCK-START\nfn sort(v: &mut [u32]) {\n    v.reverse();\n}\n// EVOLVE-BLOCK-END\nfn main() {}\n";
        let workspace = main_rs(original);
        let reply = "src/main.rs\n<<<<<<< SEARCH\nexact lines copied from the current program\n=======\nfn sort(v: &mut [u32]) {\n    v.sort_unstable();\n}\n>>>>>>> REPLACE\n";
        let candidate = apply_reply(reply, &workspace).unwrap();
        assert_eq!(
            candidate.files["src/main.rs"],
            original.replace("v.reverse()", "v.sort_unstable()")
        );
        // Without a function to place, a wrong SEARCH is still rejected.
        let reply =
            "src/main.rs\n<<<<<<< SEARCH\nnot there\n=======\n    v.sort();\n>>>>>>> REPLACE\n";
        assert!(matches!(
            apply_reply(reply, &workspace),
            Err(Rejection::NoMatch { .. })
        ));
    }

    #[test]
    fn a_whole_file_rewrite_keeps_only_its_new_regions() {
        let original = "//! Header.\n// EVOLVE-BLOCK-START\nfn f() -> u32 { 1 }\n// EVOLVE-BLOCK-END\nfn main() {}\n";
        let reply = "```rust\n//! A rewritten header.\n// EVOLVE-BLOCK-START\nfn f() -> u32 { 2 }\n// EVOLVE-BLOCK-END\nfn main() { panic!() }\n```\n";
        let workspace = main_rs(original);
        let candidate = apply_reply(reply, &workspace).unwrap();
        assert_eq!(
            candidate.files["src/main.rs"],
            original.replace("{ 1 }", "{ 2 }"),
            "only the region may change"
        );
    }

    #[test]
    fn a_rewrite_that_renames_the_called_function_gets_its_name_back() {
        let original = "sort_speed!(sort);\n// EVOLVE-BLOCK-START\nfn sort(values: &mut [u32]) {\n    values.reverse();\n}\n// EVOLVE-BLOCK-END\nfn main() {}\n";
        let workspace = main_rs(original);
        let reply = "```rust\nfn quick_sort(values: &mut [u32]) {\n    if values.len() > 1 {\n        quick_sort(&mut values[1..]);\n    }\n}\n```\n";
        let candidate = apply_reply(reply, &workspace).unwrap();
        assert_eq!(
            candidate.files["src/main.rs"],
            "sort_speed!(sort);\n// EVOLVE-BLOCK-START\nfn sort(values: &mut [u32]) {\n    if values.len() > 1 {\n        sort(&mut values[1..]);\n    }\n}\n// EVOLVE-BLOCK-END\nfn main() {}\n"
        );
        // The seed renamed and nothing else is no change at all.
        let reply =
            "```rust\nfn insertion_sort(values: &mut [u32]) {\n    values.reverse();\n}\n```\n";
        assert_eq!(apply_reply(reply, &workspace), Err(Rejection::Unchanged));
    }

    #[test]
    fn a_region_rewrite_replaces_the_whole_region() {
        let original = "fn keep() {}\n// EVOLVE-BLOCK-START\n/// Doc.\nfn sort(v: &mut [u32]) {\n    helper(v);\n}\nfn helper(v: &mut [u32]) {\n    v.reverse();\n}\n// EVOLVE-BLOCK-END\nfn main() {}\n";
        let workspace = main_rs(original);
        // Both functions anew, in another order: the region is replaced,
        // nothing is doubled.
        let reply = "```rust\nfn helper(v: &mut [u32]) {\n    v.sort_unstable();\n}\n\nfn sort(v: &mut [u32]) {\n    helper(v);\n}\n```\n";
        let candidate = apply_reply(reply, &workspace).unwrap();
        assert_eq!(
            candidate.files["src/main.rs"],
            "fn keep() {}\n// EVOLVE-BLOCK-START\nfn helper(v: &mut [u32]) {\n    v.sort_unstable();\n}\n\nfn sort(v: &mut [u32]) {\n    helper(v);\n}\n// EVOLVE-BLOCK-END\nfn main() {}\n"
        );
        // The whole file without markers: what it repeats from outside the
        // region is dropped, not doubled into it.
        let reply = "```rust\nfn keep() {}\n/// Doc.\nfn sort(v: &mut [u32]) {}\nfn helper(v: &mut [u32]) {}\n\nfn main() {}\n```\n";
        let candidate = apply_reply(reply, &workspace).unwrap();
        assert_eq!(
            candidate.files["src/main.rs"],
            "fn keep() {}\n// EVOLVE-BLOCK-START\n/// Doc.\nfn sort(v: &mut [u32]) {}\nfn helper(v: &mut [u32]) {}\n// EVOLVE-BLOCK-END\nfn main() {}\n"
        );
        // A changed function outside the region is not dropped, and cannot
        // be smuggled in.
        let reply = "```rust\nfn sort(v: &mut [u32]) {}\nfn helper(v: &mut [u32]) {}\nfn main() { panic!() }\n```\n";
        let placed = apply_reply(reply, &workspace);
        assert!(
            placed
                .as_ref()
                .map_or(true, |c| c.files["src/main.rs"].matches("fn main").count()
                    == 1),
            "{placed:?}"
        );
    }

    #[test]
    fn the_region_alone_with_its_markers_unchanged_changes_nothing() {
        let original = "//! Header.\n// EVOLVE-BLOCK-START\nfn f() -> u32 { 1 }\n// EVOLVE-BLOCK-END\nfn main() {}\n";
        let workspace = main_rs(original);
        let same =
            "```rust\n// EVOLVE-BLOCK-START\nfn f() -> u32 { 1 }\n// EVOLVE-BLOCK-END\n```\n";
        assert_eq!(apply_reply(same, &workspace), Err(Rejection::Unchanged));
        let new = "```rust\n// EVOLVE-BLOCK-START\nfn f() -> u32 { 2 }\n// EVOLVE-BLOCK-END\n```\n";
        assert_eq!(
            apply_reply(new, &workspace).unwrap().files["src/main.rs"],
            original.replace("{ 1 }", "{ 2 }")
        );
    }

    #[test]
    fn a_bare_body_becomes_the_body_of_the_regions_function() {
        let original = "// EVOLVE-BLOCK-START\n/// Doc.\nfn sort(v: &mut [u32]) {\n    v.reverse();\n}\n// EVOLVE-BLOCK-END\nfn main() {}\n";
        let workspace = main_rs(original);
        let reply = "```rust\nfor i in 0..v.len() {\n    v[i] += 1;\n}\n```\n";
        assert_eq!(
            apply_reply(reply, &workspace).unwrap().files["src/main.rs"],
            "// EVOLVE-BLOCK-START\n/// Doc.\nfn sort(v: &mut [u32]) {\nfor i in 0..v.len() {\n    v[i] += 1;\n}\n}\n// EVOLVE-BLOCK-END\nfn main() {}\n"
        );
    }

    #[test]
    fn a_stray_end_marker_in_the_answer_is_ignored() {
        let original = "// EVOLVE-BLOCK-START\nfn sort(v: &mut [u32]) {\n    v.reverse();\n}\n// EVOLVE-BLOCK-END\nfn main() {}\n";
        let reply = "```rust\nfn sort(v: &mut [u32]) {\n    v.sort_unstable();\n}\n// EVOLVE-BLOCK-END\n```\n";
        assert_eq!(
            apply_reply(reply, &main_rs(original)).unwrap().files["src/main.rs"],
            original.replace("v.reverse()", "v.sort_unstable()")
        );
    }

    #[test]
    fn declarations() {
        assert_eq!(
            declared_name("pub fn pack(n: usize) -> Vec<f64> {"),
            Some("pack")
        );
        assert_eq!(
            declared_name("    def priority(item, bins):"),
            Some("priority")
        );
        assert_eq!(declared_name("let f = fn_ptr;"), None);
        assert_eq!(declared_name("// the fn below"), None);
    }
}
