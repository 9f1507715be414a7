//! The host-owned parts of every candidate build, compiled into Clade so the
//! binary needs nothing from the source tree at run time: the manifest and
//! lock file template (`sandbox/template/`) and the guest SDK
//! (`sandbox/guest-sdk/`), which is written once into Clade's cache.

use std::path::{Path, PathBuf};

use crate::SandboxError;

const MANIFEST: &str = include_str!("../../../../sandbox/template/Cargo.toml");
const LOCKFILE: &str = include_str!("../../../../sandbox/template/Cargo.lock");
const SDK_MANIFEST: &str = include_str!("../../../../sandbox/guest-sdk/Cargo.toml");
const SDK_LIB: &str = include_str!("../../../../sandbox/guest-sdk/src/lib.rs");

const TEMPLATE_NAME: &str = "name = \"candidate\"";
const TEMPLATE_SDK_PATH: &str = "path = \"../guest-sdk\"";

/// A hash of everything host-owned that goes into a build.
pub(crate) fn fingerprint() -> String {
    crate::sha256_hex(&[
        MANIFEST.as_bytes(),
        LOCKFILE.as_bytes(),
        SDK_MANIFEST.as_bytes(),
        SDK_LIB.as_bytes(),
    ])
}

/// Writes the guest SDK under `root` (once per SDK version) and returns its
/// directory.
pub(crate) fn materialize_sdk(root: &Path) -> Result<PathBuf, SandboxError> {
    let digest = crate::sha256_hex(&[SDK_MANIFEST.as_bytes(), SDK_LIB.as_bytes()]);
    let dir = root.join(&digest[..16]);
    if dir.join("src/lib.rs").is_file() {
        return Ok(dir);
    }
    // Unique per call: builders in several threads may race to write it.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = root.join(format!(".{}-{}-{n}.tmp", &digest[..16], std::process::id()));
    std::fs::create_dir_all(tmp.join("src")).map_err(SandboxError::io("create", &tmp))?;
    std::fs::write(tmp.join("Cargo.toml"), SDK_MANIFEST)
        .map_err(SandboxError::io("write", &tmp))?;
    std::fs::write(tmp.join("src/lib.rs"), SDK_LIB).map_err(SandboxError::io("write", &tmp))?;
    match std::fs::rename(&tmp, &dir) {
        Ok(()) => Ok(dir),
        // Another builder won the race; its copy is identical.
        Err(_) if dir.join("src/lib.rs").is_file() => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(dir)
        }
        Err(e) => Err(SandboxError::io("rename", &dir)(e)),
    }
}

/// The manifest and lock file for package `name` using the SDK at `sdk`.
pub(crate) fn manifest_and_lock(name: &str, sdk: &Path) -> (String, String) {
    let new_name = format!("name = \"{name}\"");
    let manifest = MANIFEST.replacen(TEMPLATE_NAME, &new_name, 1).replacen(
        TEMPLATE_SDK_PATH,
        &format!("path = {:?}", sdk.display().to_string()),
        1,
    );
    let lock = LOCKFILE.replacen(TEMPLATE_NAME, &new_name, 1);
    (manifest, lock)
}
