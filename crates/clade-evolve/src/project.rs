//! Where a run's code lives: the target root inside its git repository, the
//! cargo crate to build, and the evolvable files. It maps the paths users
//! write (relative to `target.root`) to repository paths (what the archive
//! stores) and to crate paths (what the builder sees). It reads nothing but
//! the working tree's evolvable files and manifests; the committed base is
//! read through the archive.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::config::{BuildKind, Config};
use crate::error::EvolveError;

#[derive(Debug, Clone)]
pub struct Project {
    /// The target root, canonical.
    pub root: PathBuf,
    /// The repository's working directory, canonical.
    pub workdir: PathBuf,
    /// `root` relative to `workdir`, with a trailing `/` unless empty.
    pub prefix: String,
    /// The crate to build, relative to `root` (`""` for the root itself);
    /// for `build = "python"` the program's folder, always `""`; `None` for
    /// `build = "wasm"`.
    pub crate_dir: Option<String>,
    /// Evolvable paths relative to `root`, as written in the config.
    pub evolvable: Vec<String>,
}

impl Project {
    /// Resolves the config's target against the repository's working
    /// directory `workdir`.
    pub fn resolve(config: &Config, workdir: &Path) -> Result<Self, EvolveError> {
        let root_path = config.resolve(&config.target.root);
        let root = root_path
            .canonicalize()
            .map_err(|e| EvolveError::Setup(format!("target.root {}: {e}", root_path.display())))?;
        let workdir = workdir
            .canonicalize()
            .map_err(|e| EvolveError::Setup(format!("{}: {e}", workdir.display())))?;
        let rel = root.strip_prefix(&workdir).map_err(|_| {
            EvolveError::Setup(format!(
                "target.root {} is outside the git repository at {}",
                root.display(),
                workdir.display()
            ))
        })?;
        let prefix = slash_path(rel).map(|p| if p.is_empty() { p } else { p + "/" })?;
        let mut evolvable = Vec::new();
        for file in &config.target.files {
            let clean = clean_relative(file).ok_or_else(|| {
                EvolveError::Setup(format!(
                    "target.files: {file:?} must be a relative path inside target.root"
                ))
            })?;
            if evolvable.contains(&clean) {
                return Err(EvolveError::Setup(format!(
                    "target.files names {clean:?} twice"
                )));
            }
            evolvable.push(clean);
        }
        let crate_dir = match config.target.build {
            BuildKind::CargoWasm => Some(find_crate(&root, config.target.package.as_deref())?),
            BuildKind::Wasm => None,
            // The program's folder is the target root itself.
            BuildKind::Python => Some(String::new()),
        };
        Ok(Project {
            root,
            workdir,
            prefix,
            crate_dir,
            evolvable,
        })
    }

    /// A root-relative path as a repository path.
    pub fn repo_path(&self, rel: &str) -> String {
        format!("{}{rel}", self.prefix)
    }

    /// The crate directory as a repository path (no trailing slash).
    pub fn crate_repo_dir(&self) -> Option<String> {
        self.crate_dir
            .as_ref()
            .map(|d| self.repo_path(d).trim_end_matches('/').to_string())
    }

    /// A root-relative path as a path inside the crate, when it is there.
    pub fn in_crate<'a>(&self, rel: &'a str) -> Option<&'a str> {
        let dir = self.crate_dir.as_deref()?;
        if dir.is_empty() {
            Some(rel)
        } else {
            rel.strip_prefix(dir)?.strip_prefix('/')
        }
    }

    /// The evolvable files as they are in the working tree now.
    pub fn read_evolvable(&self) -> Result<BTreeMap<String, String>, EvolveError> {
        let mut files = BTreeMap::new();
        for rel in &self.evolvable {
            let path = self.root.join(rel);
            let bytes = std::fs::read(&path).map_err(|e| {
                EvolveError::Setup(format!("evolvable file {rel} ({}): {e}", path.display()))
            })?;
            let text = String::from_utf8(bytes).map_err(|_| {
                EvolveError::Setup(format!("evolvable file {rel} is not UTF-8 text"))
            })?;
            files.insert(rel.clone(), text);
        }
        Ok(files)
    }
}

/// Whether a crate-relative path is one a candidate build uses: the
/// manifest and lock (checked by the builder), a build script (so the
/// builder can refuse it with its reason), the sources and the tests.
pub(crate) fn is_crate_file(rel: &str) -> bool {
    matches!(rel, "Cargo.toml" | "Cargo.lock" | "build.rs")
        || rel.starts_with("src/")
        || rel.starts_with("tests/")
}

/// The script a Python target runs, root-relative: `target.entry`, else
/// the first evolvable `.py` file.
pub(crate) fn python_entry(config: &Config) -> Option<String> {
    match &config.target.entry {
        Some(entry) => clean_relative(entry),
        None => config
            .target
            .files
            .iter()
            .find(|f| f.ends_with(".py"))
            .and_then(|f| clean_relative(f)),
    }
}

/// Whether a root-relative path belongs to a Python program's folder: its
/// `.py` files (other inputs come through `evaluate.dirs`).
pub(crate) fn is_python_file(rel: &str) -> bool {
    rel.ends_with(".py")
}

/// Whether a path relative to the program's folder is one of the program's
/// committed files for `build`: a crate's files, or a Python program's.
pub(crate) fn is_program_file(build: BuildKind, rel: &str) -> bool {
    match build {
        BuildKind::Python => is_python_file(rel),
        BuildKind::CargoWasm | BuildKind::Wasm => is_crate_file(rel),
    }
}

/// A user-written relative path, normalized (`./a//b` → `a/b`); `None` when
/// it is absolute or climbs out with `..`.
pub fn clean_relative(path: &str) -> Option<String> {
    let mut parts = Vec::new();
    for component in Path::new(path).components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?.to_string()),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn slash_path(path: &Path) -> Result<String, EvolveError> {
    let parts: Option<Vec<&str>> = path.components().map(|c| c.as_os_str().to_str()).collect();
    parts
        .map(|p| p.join("/"))
        .ok_or_else(|| EvolveError::Setup(format!("{} is not UTF-8", path.display())))
}

/// The folder (relative to `root`) of the cargo package to build: `root`
/// itself when its manifest has a `[package]` (and the name matches), else
/// the package of that name found up to three levels below.
pub fn find_crate(root: &Path, package: Option<&str>) -> Result<String, EvolveError> {
    let mut found: Vec<(String, String)> = Vec::new();
    collect_packages(root, "", 0, &mut found);
    let pick = match package {
        Some(name) => found.iter().find(|(_, n)| n == name),
        None => found.iter().find(|(dir, _)| dir.is_empty()),
    };
    if let Some((dir, _)) = pick {
        return Ok(dir.clone());
    }
    let known: Vec<String> = found
        .iter()
        .map(|(dir, name)| {
            format!(
                "{name} ({})",
                if dir.is_empty() { "." } else { dir.as_str() }
            )
        })
        .collect();
    Err(EvolveError::Setup(match (package, known.is_empty()) {
        (_, true) => format!(
            "no cargo package under {}: target.build = \"cargo-wasm\" needs a crate (a Cargo.toml with [package])",
            root.display()
        ),
        (Some(name), false) => format!(
            "target.package = {name:?} is not a package under {} (found: {})",
            root.display(),
            known.join(", ")
        ),
        (None, false) => format!(
            "{} has no [package] of its own; set target.package to one of: {}",
            root.display(),
            known.join(", ")
        ),
    }))
}

fn collect_packages(root: &Path, rel: &str, depth: usize, found: &mut Vec<(String, String)>) {
    let dir = if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    if let Ok(text) = std::fs::read_to_string(dir.join("Cargo.toml"))
        && let Ok(manifest) = text.parse::<toml::Table>()
        && let Some(name) = manifest
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
    {
        found.push((rel.to_string(), name.to_string()));
    }
    if depth >= 3 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut subdirs: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| !n.starts_with('.') && n != "target" && n != "node_modules")
        .collect();
    subdirs.sort();
    for sub in subdirs {
        let next = if rel.is_empty() {
            sub
        } else {
            format!("{rel}/{sub}")
        };
        collect_packages(root, &next, depth + 1, found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_cleaned_and_escapes_refused() {
        assert_eq!(
            clean_relative("./src//lib.rs").as_deref(),
            Some("src/lib.rs")
        );
        assert_eq!(clean_relative("../x"), None);
        assert_eq!(clean_relative("/etc/passwd"), None);
        assert_eq!(clean_relative("."), None);
    }

    #[test]
    fn crates_are_found_at_the_root_or_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("Cargo.toml", "[workspace]\nmembers = [\"crates/a\"]\n");
        write("crates/a/Cargo.toml", "[package]\nname = \"alpha\"\n");
        assert_eq!(find_crate(dir.path(), Some("alpha")).unwrap(), "crates/a");
        let err = find_crate(dir.path(), None).unwrap_err().to_string();
        assert!(err.contains("alpha (crates/a)"), "{err}");
        let err = find_crate(dir.path(), Some("beta"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"beta\" is not a package"), "{err}");
        write("Cargo.toml", "[package]\nname = \"root\"\n");
        assert_eq!(find_crate(dir.path(), None).unwrap(), "");
    }
}
