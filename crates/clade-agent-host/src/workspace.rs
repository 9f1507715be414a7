//! The workspace an agent edits: a copy of the task's files held in host
//! memory. The agent lists, reads and writes it through imports; a write
//! outside the editable files, or too large, is refused with a reason. The
//! host takes only the editable files from it when it builds or grades.

use std::collections::BTreeMap;

use serde::Serialize;

/// The largest file an agent may write, in bytes.
pub const MAX_FILE_BYTES: usize = 256 << 10;
/// The most editable files a workspace may hold.
pub const MAX_FILES: usize = 64;
/// The longest file or folder name (file systems take 255 bytes).
const MAX_NAME_BYTES: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
struct File {
    text: String,
    writable: bool,
}

/// One entry of [`Workspace::list`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub path: String,
    pub bytes: u64,
    pub writable: bool,
}

/// Which new files an agent may create: `src/**/*.rs` for a coding task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewFiles {
    /// `src/**/*.rs` (a crate's sources).
    RustSources,
    /// `src/**/*.rs` and `prompts/*.md` (an agent's own folder, in a
    /// self-improvement task).
    AgentFiles,
    /// None: only the files the workspace started with.
    None,
}

#[derive(Debug, Clone)]
pub struct Workspace {
    files: BTreeMap<String, File>,
    base: BTreeMap<String, String>,
    new_files: NewFiles,
    /// Writes must keep every line outside the EVOLVE-BLOCK regions of the
    /// file as it started (an optimization task's evolvable files).
    regions: bool,
}

impl Workspace {
    /// A workspace of `writable` and `read_only` files (path → text).
    pub fn new(
        writable: BTreeMap<String, String>,
        read_only: BTreeMap<String, String>,
        new_files: NewFiles,
    ) -> Self {
        let mut files = BTreeMap::new();
        for (path, text) in read_only {
            files.insert(
                path,
                File {
                    text,
                    writable: false,
                },
            );
        }
        for (path, text) in &writable {
            files.insert(
                path.clone(),
                File {
                    text: text.clone(),
                    writable: true,
                },
            );
        }
        Workspace {
            files,
            base: writable,
            new_files,
            regions: false,
        }
    }

    /// The same workspace, where writes may change only the code between
    /// EVOLVE-BLOCK markers of the files as they started.
    pub fn with_regions(mut self) -> Self {
        self.regions = true;
        self
    }

    pub fn list(&self) -> Vec<Entry> {
        self.files
            .iter()
            .map(|(path, f)| Entry {
                path: path.clone(),
                bytes: f.text.len() as u64,
                writable: f.writable,
            })
            .collect()
    }

    pub fn read(&self, path: &str) -> Result<&str, String> {
        let path = clean(path)?;
        self.files
            .get(&path)
            .map(|f| f.text.as_str())
            .ok_or_else(|| format!("no such file: {path}"))
    }

    /// Writes `text` to `path`, or says why not.
    pub fn write(&mut self, path: &str, text: &str) -> Result<(), String> {
        let path = clean(path)?;
        if text.len() > MAX_FILE_BYTES {
            return Err(format!(
                "refused: {path} would be {} bytes; files are at most {MAX_FILE_BYTES}",
                text.len()
            ));
        }
        match self.files.get_mut(&path) {
            Some(file) if file.writable => {
                if self.regions
                    && let Some(base) = self.base.get(&path)
                {
                    clade_agent::regions::check_unchanged_outside(base, text).map_err(|detail| {
                        format!("refused: {path} must change only its EVOLVE-BLOCK regions: {detail}")
                    })?;
                }
                file.text = text.to_string();
                Ok(())
            }
            Some(_) => Err(format!("refused: {path} is read-only")),
            None => {
                if let Some(why) = self.clash(&path) {
                    return Err(why);
                }
                if !self.may_create(&path) {
                    return Err(format!(
                        "refused: {path} is not an editable file ({})",
                        self.editable_rule()
                    ));
                }
                if self.editable().count() >= MAX_FILES {
                    return Err(format!(
                        "refused: {path} would be more than {MAX_FILES} editable files"
                    ));
                }
                self.files.insert(
                    path,
                    File {
                        text: text.to_string(),
                        writable: true,
                    },
                );
                Ok(())
            }
        }
    }

    /// Why a new file at `path` could not exist beside the workspace's
    /// files on a disk: a file where a folder of it would be (or the
    /// reverse), or a name longer than file systems take.
    fn clash(&self, path: &str) -> Option<String> {
        if path.split('/').any(|part| part.len() > MAX_NAME_BYTES) {
            return Some(format!(
                "refused: {path} has a name longer than {MAX_NAME_BYTES} bytes"
            ));
        }
        self.files.keys().find_map(|existing| {
            let nested = |inner: &str, outer: &str| {
                inner.len() > outer.len()
                    && inner.starts_with(outer)
                    && inner.as_bytes()[outer.len()] == b'/'
            };
            (nested(path, existing) || nested(existing, path))
                .then(|| format!("refused: {path} and {existing} cannot both be files"))
        })
    }

    fn may_create(&self, path: &str) -> bool {
        match self.new_files {
            NewFiles::RustSources => path.starts_with("src/") && path.ends_with(".rs"),
            NewFiles::AgentFiles => {
                (path.starts_with("src/") && path.ends_with(".rs"))
                    || (path.starts_with("prompts/")
                        && path.ends_with(".md")
                        && path.matches('/').count() == 1)
            }
            NewFiles::None => false,
        }
    }

    fn editable_rule(&self) -> &'static str {
        match self.new_files {
            NewFiles::RustSources => "editable: src/**/*.rs",
            NewFiles::AgentFiles => "editable: src/**/*.rs and prompts/*.md",
            NewFiles::None => "only the task's editable files can be written",
        }
    }

    /// The editable files now (what the host builds and grades).
    pub fn editable(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files
            .iter()
            .filter(|(_, f)| f.writable)
            .map(|(p, f)| (p.as_str(), f.text.as_str()))
    }

    /// The unified diff of the editable files against where they started.
    pub fn diff(&self) -> String {
        let mut out = String::new();
        for (path, text) in self.editable() {
            let before = self.base.get(path).map(String::as_str).unwrap_or("");
            if before != text {
                out.push_str(&clade_agent::unified_diff(path, before, text));
            }
        }
        out
    }
}

/// A workspace-relative path in normal form, or why it is not one.
fn clean(path: &str) -> Result<String, String> {
    if path.starts_with('/') || path.contains('\\') || path.contains('\0') {
        return Err(format!(
            "refused: {path:?} is not a relative path inside the workspace"
        ));
    }
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                return Err(format!("refused: {path:?} leaves the workspace"));
            }
            part => parts.push(part),
        }
    }
    if parts.is_empty() {
        return Err(format!("refused: {path:?} names no file"));
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> Workspace {
        Workspace::new(
            BTreeMap::from([("src/lib.rs".to_string(), "pub fn a() {}\n".to_string())]),
            BTreeMap::from([
                (
                    "tests/visible.rs".to_string(),
                    "#[test] fn t() {}\n".to_string(),
                ),
                ("Cargo.toml".to_string(), "[package]\n".to_string()),
            ]),
            NewFiles::RustSources,
        )
    }

    #[test]
    fn writes_outside_the_editable_files_are_refused_with_reasons() {
        let mut ws = workspace();
        let refusals = [
            ("tests/visible.rs", "refused: tests/visible.rs is read-only"),
            ("Cargo.toml", "refused: Cargo.toml is read-only"),
            ("../x", "refused: \"../x\" leaves the workspace"),
            (
                "/etc/x",
                "refused: \"/etc/x\" is not a relative path inside the workspace",
            ),
            (
                "hidden/tests.rs",
                "refused: hidden/tests.rs is not an editable file (editable: src/**/*.rs)",
            ),
            (
                "src/../../x",
                "refused: \"src/../../x\" leaves the workspace",
            ),
        ];
        for (path, reason) in refusals {
            assert_eq!(ws.write(path, "x"), Err(reason.to_string()), "{path}");
        }
        assert_eq!(ws.read("tests/visible.rs"), Ok("#[test] fn t() {}\n"));
    }

    #[test]
    fn a_huge_write_is_refused_and_changes_nothing() {
        let mut ws = workspace();
        let huge = "x".repeat(100 << 20);
        let err = ws.write("src/lib.rs", &huge).unwrap_err();
        assert_eq!(
            err,
            "refused: src/lib.rs would be 104857600 bytes; files are at most 262144"
        );
        assert_eq!(ws.read("src/lib.rs"), Ok("pub fn a() {}\n"));
    }

    #[test]
    fn new_sources_count_and_show_in_the_diff() {
        let mut ws = workspace();
        ws.write("./src//util.rs", "pub fn u() {}\n").unwrap();
        ws.write("src/lib.rs", "pub fn a() { }\n").unwrap();
        let editable: Vec<&str> = ws.editable().map(|(p, _)| p).collect();
        assert_eq!(editable, ["src/lib.rs", "src/util.rs"]);
        let diff = ws.diff();
        assert!(diff.contains("+pub fn u() {}"), "{diff}");
        assert!(diff.contains("-pub fn a() {}"), "{diff}");
    }

    /// A file where a folder would be, or a name too long for a disk:
    /// refused at the write, not found out when the host writes the
    /// workspace out (where it was a host error).
    #[test]
    fn paths_that_could_not_exist_on_a_disk_are_refused() {
        let mut ws = workspace();
        let err = ws.write("src/lib.rs/inner.rs", "x").unwrap_err();
        assert!(err.contains("cannot both be files"), "{err}");
        ws.write("src/a/b.rs", "x").unwrap();
        let err = ws
            .write("src/a.rs", "x")
            .map(|_| ())
            .and_then(|_| ws.write("src/a", "x"));
        assert!(err.unwrap_err().contains("cannot both be files"));
        let long = format!("src/{}.rs", "n".repeat(300));
        assert!(ws.write(&long, "x").unwrap_err().contains("longer than"));
    }

    #[test]
    fn the_number_of_editable_files_is_capped() {
        let mut ws = workspace();
        for i in 1..MAX_FILES {
            ws.write(&format!("src/m{i}.rs"), "").unwrap();
        }
        assert_eq!(
            ws.write("src/one_more.rs", ""),
            Err("refused: src/one_more.rs would be more than 64 editable files".into())
        );
    }

    #[test]
    fn a_regions_workspace_refuses_a_write_outside_the_markers() {
        let seed = "fn keep() {}\n// EVOLVE-BLOCK-START\nfn f() {}\n// EVOLVE-BLOCK-END\n";
        let mut ws = Workspace::new(
            BTreeMap::from([("src/main.rs".to_string(), seed.to_string())]),
            BTreeMap::new(),
            NewFiles::None,
        )
        .with_regions();
        let inside = seed.replace("fn f() {}", "fn f() { g() }\nfn g() {}");
        assert_eq!(ws.write("src/main.rs", &inside), Ok(()));
        let outside = inside.replace("fn keep() {}", "fn kept() {}");
        let err = ws.write("src/main.rs", &outside).unwrap_err();
        assert!(
            err.starts_with("refused: src/main.rs must change only its EVOLVE-BLOCK regions: "),
            "{err}"
        );
        assert_eq!(ws.read("src/main.rs"), Ok(inside.as_str()));
        assert!(
            ws.write("src/new.rs", "x")
                .unwrap_err()
                .contains("only the task's editable files")
        );
    }
}
