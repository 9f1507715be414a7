//! The host-owned parts of every build, compiled into Clade so the binary
//! needs nothing from the source tree at run time: the manifest and lock file
//! templates (`sandbox/template/` for candidates, `sandbox/agent-template/`
//! for agents), the guest SDK (`sandbox/guest-sdk/`) and, for agents, a copy
//! of `clade-agent`'s sources. The libraries are written once into Clade's
//! cache; a build can read them but never change them.

use std::path::{Path, PathBuf};

use crate::SandboxError;

/// Which host-owned manifest a build uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Template {
    /// A candidate program: depends on the guest SDK only.
    Candidate,
    /// An agent: depends on the guest SDK and on `clade-agent`.
    Agent,
}

const CANDIDATE_MANIFEST: &str = include_str!("../../../../sandbox/template/Cargo.toml");
const CANDIDATE_LOCK: &str = include_str!("../../../../sandbox/template/Cargo.lock");
const AGENT_MANIFEST: &str = include_str!("../../../../sandbox/agent-template/Cargo.toml");
const AGENT_LOCK: &str = include_str!("../../../../sandbox/agent-template/Cargo.lock");

/// The guest SDK, file by file.
const SDK_FILES: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        include_str!("../../../../sandbox/guest-sdk/Cargo.toml"),
    ),
    (
        "src/lib.rs",
        include_str!("../../../../sandbox/guest-sdk/src/lib.rs"),
    ),
    (
        "src/json.rs",
        include_str!("../../../../sandbox/guest-sdk/src/json.rs"),
    ),
    (
        "src/agent.rs",
        include_str!("../../../../sandbox/guest-sdk/src/agent.rs"),
    ),
];

/// `clade-agent` as the agent template builds it: without default features,
/// under a manifest of its own (the workspace's inherits from the workspace).
const AGENT_LIB_FILES: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        "[package]\nname = \"clade-agent\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\
         publish = false\n\n[features]\ndefault = []\nserde = []\nseed-templates = []\n",
    ),
    (
        "src/lib.rs",
        include_str!("../../../clade-agent/src/lib.rs"),
    ),
    (
        "src/apply.rs",
        include_str!("../../../clade-agent/src/apply.rs"),
    ),
    (
        "src/called.rs",
        include_str!("../../../clade-agent/src/called.rs"),
    ),
    (
        "src/diff.rs",
        include_str!("../../../clade-agent/src/diff.rs"),
    ),
    (
        "src/grammar.rs",
        include_str!("../../../clade-agent/src/grammar.rs"),
    ),
    (
        "src/instruct.rs",
        include_str!("../../../clade-agent/src/instruct.rs"),
    ),
    (
        "src/normalize.rs",
        include_str!("../../../clade-agent/src/normalize.rs"),
    ),
    (
        "src/operators.rs",
        include_str!("../../../clade-agent/src/operators.rs"),
    ),
    (
        "src/parse.rs",
        include_str!("../../../clade-agent/src/parse.rs"),
    ),
    (
        "src/prompt.rs",
        include_str!("../../../clade-agent/src/prompt.rs"),
    ),
    (
        "src/prose.rs",
        include_str!("../../../clade-agent/src/prose.rs"),
    ),
    (
        "src/reflect.rs",
        include_str!("../../../clade-agent/src/reflect.rs"),
    ),
    (
        "src/regions.rs",
        include_str!("../../../clade-agent/src/regions.rs"),
    ),
];

const TEMPLATE_NAME: &str = "name = \"candidate\"";
const TEMPLATE_SDK_PATH: &str = "path = \"../guest-sdk\"";
const TEMPLATE_AGENT_LIB_PATH: &str = "path = \"../../crates/clade-agent\"";

/// The directory names of the libraries inside the materialized root.
const SDK_DIR: &str = "clade-guest";
const AGENT_LIB_DIR: &str = "clade-agent";

/// Every host-owned file, by where it goes under the libraries root.
fn library_files() -> impl Iterator<Item = (String, &'static str)> {
    let sdk = SDK_FILES
        .iter()
        .map(|(rel, text)| (format!("{SDK_DIR}/{rel}"), *text));
    let agent = AGENT_LIB_FILES
        .iter()
        .map(|(rel, text)| (format!("{AGENT_LIB_DIR}/{rel}"), *text));
    sdk.chain(agent)
}

/// A hash of everything host-owned that goes into a build of `template`.
pub(crate) fn fingerprint(template: Template) -> String {
    let (manifest, lock) = texts(template);
    let mut parts: Vec<&[u8]> = vec![manifest.as_bytes(), lock.as_bytes()];
    let libraries: Vec<(String, &str)> = match template {
        // The candidate fingerprint covers the SDK only, so a change to
        // clade-agent does not invalidate every cached candidate module.
        Template::Candidate => SDK_FILES
            .iter()
            .map(|(rel, text)| (rel.to_string(), *text))
            .collect(),
        Template::Agent => library_files().collect(),
    };
    for (rel, text) in &libraries {
        parts.push(rel.as_bytes());
        parts.push(text.as_bytes());
    }
    crate::sha256_hex(&parts)
}

fn texts(template: Template) -> (&'static str, &'static str) {
    match template {
        Template::Candidate => (CANDIDATE_MANIFEST, CANDIDATE_LOCK),
        Template::Agent => (AGENT_MANIFEST, AGENT_LOCK),
    }
}

/// The host libraries written under `root` (once per version of them).
pub(crate) struct Libraries {
    /// The directory holding them all (what a build mounts read-only).
    pub root: PathBuf,
}

impl Libraries {
    pub fn sdk(&self) -> PathBuf {
        self.root.join(SDK_DIR)
    }

    pub fn agent_lib(&self) -> PathBuf {
        self.root.join(AGENT_LIB_DIR)
    }
}

/// Writes the host libraries under `root` (once per version) and returns
/// where they are.
pub(crate) fn materialize(root: &Path) -> Result<Libraries, SandboxError> {
    let files: Vec<(String, &str)> = library_files().collect();
    let mut parts: Vec<&[u8]> = Vec::new();
    for (rel, text) in &files {
        parts.push(rel.as_bytes());
        parts.push(text.as_bytes());
    }
    let digest = crate::sha256_hex(&parts);
    let dir = root.join(&digest[..16]);
    let complete = dir.join(".complete");
    if complete.is_file() {
        return Ok(Libraries { root: dir });
    }
    // Unique per call: builders in several threads may race to write it.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = root.join(format!(".{}-{}-{n}.tmp", &digest[..16], std::process::id()));
    for (rel, text) in &files {
        let path = tmp.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(SandboxError::io("create", parent))?;
        }
        std::fs::write(&path, text).map_err(SandboxError::io("write", &path))?;
    }
    std::fs::write(tmp.join(".complete"), b"").map_err(SandboxError::io("write", &tmp))?;
    match std::fs::rename(&tmp, &dir) {
        Ok(()) => Ok(Libraries { root: dir }),
        // Another builder won the race; its copy is identical.
        Err(_) if complete.is_file() => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(Libraries { root: dir })
        }
        Err(e) => Err(SandboxError::io("rename", &dir)(e)),
    }
}

/// The manifest and lock file of `template` for package `name`, using the
/// libraries in `libs`.
pub(crate) fn manifest_and_lock(
    template: Template,
    name: &str,
    libs: &Libraries,
) -> (String, String) {
    let (manifest, lock) = texts(template);
    let new_name = format!("name = \"{name}\"");
    let path_of = |p: PathBuf| format!("path = {:?}", p.display().to_string());
    let mut manifest = manifest.replacen(TEMPLATE_NAME, &new_name, 1).replacen(
        TEMPLATE_SDK_PATH,
        &path_of(libs.sdk()),
        1,
    );
    if template == Template::Agent {
        manifest = manifest.replacen(TEMPLATE_AGENT_LIB_PATH, &path_of(libs.agent_lib()), 1);
    }
    let lock = lock.replacen(TEMPLATE_NAME, &new_name, 1);
    (manifest, lock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agent_manifest_points_at_both_library_copies() {
        let libs = Libraries {
            root: PathBuf::from("/cache/libs/abc"),
        };
        let (manifest, lock) = manifest_and_lock(Template::Agent, "candidate-1234", &libs);
        assert!(manifest.contains("name = \"candidate-1234\""), "{manifest}");
        assert!(
            manifest.contains("clade-guest = { path = \"/cache/libs/abc/clade-guest\" }"),
            "{manifest}"
        );
        assert!(
            manifest.contains(
                "clade-agent = { path = \"/cache/libs/abc/clade-agent\", default-features = false }"
            ),
            "{manifest}"
        );
        assert!(lock.contains("name = \"candidate-1234\""), "{lock}");
    }

    #[test]
    fn the_agent_library_copy_is_every_source_file_of_clade_agent() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../clade-agent/src");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| format!("src/{}", e.unwrap().file_name().to_string_lossy()))
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = AGENT_LIB_FILES
            .iter()
            .map(|(rel, _)| rel.to_string())
            .filter(|rel| rel != "Cargo.toml")
            .collect();
        embedded.sort();
        assert_eq!(
            embedded, on_disk,
            "add new clade-agent modules to AGENT_LIB_FILES"
        );
    }

    #[test]
    fn libraries_are_written_once_and_completely() {
        let root = tempfile::tempdir().unwrap();
        let libs = materialize(root.path()).unwrap();
        for (rel, text) in library_files() {
            assert_eq!(
                std::fs::read_to_string(libs.root.join(&rel)).unwrap(),
                text,
                "{rel}"
            );
        }
        let again = materialize(root.path()).unwrap();
        assert_eq!(again.root, libs.root);
    }
}
