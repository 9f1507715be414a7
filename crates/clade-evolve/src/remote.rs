//! The seam for evaluation elsewhere than this process (`[evaluate.backend]
//! kind = "nats" | "slurm"`): what a run hands a remote backend ([`RemoteSpec`], with
//! the [`Bundle`] workers rebuild the evaluator from) and what a worker
//! calls to build that evaluator ([`worker_backend`]). The transport lives
//! in another crate, behind [`RemoteBackends`]; this module knows none.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use clade_archive::Archive;
use sha2::{Digest, Sha256};

use crate::backend::{EvalBackend, EvalJob};
use crate::config::{BackendConfig, Config};
use crate::error::EvolveError;
use crate::evaluate::Evaluation;
use crate::project::Project;

/// The largest bundle a run ships to workers.
pub const BUNDLE_LIMIT: usize = 256 << 20;

/// What a worker needs to evaluate a run's candidates exactly as this
/// machine would: the folder of `clade.toml` as committed at the run's base
/// commit (repository-relative paths) and the run's config text.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    /// Where the config goes, repository-relative.
    pub config_path: String,
    pub config_text: String,
    pub files: BTreeMap<String, Vec<u8>>,
}

const MAGIC: &[u8; 8] = b"CLADEBN1";

impl Bundle {
    /// SHA-256 of the serialized bundle, hex.
    pub fn digest(&self) -> String {
        format!("{:x}", Sha256::digest(self.to_bytes()))
    }

    /// A self-delimiting byte form: magic, then length-prefixed fields.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        let mut put = |bytes: &[u8]| {
            out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            out.extend_from_slice(bytes);
        };
        put(self.config_path.as_bytes());
        put(self.config_text.as_bytes());
        put(&(self.files.len() as u64).to_le_bytes());
        for (path, bytes) in &self.files {
            put(path.as_bytes());
            put(bytes);
        }
        out
    }

    /// Reads [`Bundle::to_bytes`]; anything else is refused with the reason.
    pub fn from_bytes(bytes: &[u8]) -> Result<Bundle, EvolveError> {
        let bad = |why: &str| EvolveError::Setup(format!("not an evaluation bundle: {why}"));
        let mut rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or_else(|| bad("no magic"))?;
        let mut take = || -> Result<&[u8], EvolveError> {
            let (len, tail) = rest.split_at_checked(8).ok_or_else(|| bad("truncated"))?;
            let len = u64::from_le_bytes(len.try_into().map_err(|_| bad("truncated"))?);
            let len = usize::try_from(len).map_err(|_| bad("a length overflows"))?;
            let (field, tail) = tail.split_at_checked(len).ok_or_else(|| bad("truncated"))?;
            rest = tail;
            Ok(field)
        };
        let text = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| bad("a name is not UTF-8"));
        let config_path = text(take()?)?;
        let config_text = text(take()?)?;
        let count = take()?;
        let count = u64::from_le_bytes(count.try_into().map_err(|_| bad("no file count"))?);
        let mut files = BTreeMap::new();
        for _ in 0..count {
            let path = text(take()?)?;
            files.insert(path, take()?.to_vec());
        }
        for path in files.keys().chain([&config_path]) {
            if crate::project::clean_relative(path).is_none() {
                return Err(bad(&format!("unsafe path {path:?}")));
            }
        }
        Ok(Bundle {
            config_path,
            config_text,
            files,
        })
    }

    /// Writes the bundle as a git repository at `dir` (its files committed,
    /// the config on disk beside them), unless a complete one is there.
    /// Written aside and renamed into place, so workers sharing a cache
    /// folder never see half a bundle.
    pub fn materialize(&self, dir: &Path) -> Result<(), EvolveError> {
        let complete = |dir: &Path| dir.join(COMPLETE).is_file();
        if complete(dir) {
            return Ok(());
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let aside = dir.with_extension(format!("tmp-{}-{nanos}", std::process::id()));
        self.write_into(&aside)?;
        if dir.exists() && !complete(dir) {
            // Left by a writer that died before its marker.
            std::fs::remove_dir_all(dir).map_err(EvolveError::io("remove", dir))?;
        }
        match std::fs::rename(&aside, dir) {
            Ok(()) => Ok(()),
            // Another worker got there first.
            Err(_) if complete(dir) => {
                let _ = std::fs::remove_dir_all(&aside);
                Ok(())
            }
            Err(e) => Err(EvolveError::io("rename", dir)(e)),
        }
    }

    fn write_into(&self, dir: &Path) -> Result<(), EvolveError> {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(EvolveError::io("remove", dir))?;
        }
        clade_archive::write_snapshot(dir, &self.files)?;
        let config = dir.join(&self.config_path);
        if let Some(parent) = config.parent() {
            std::fs::create_dir_all(parent).map_err(EvolveError::io("create", parent))?;
        }
        std::fs::write(&config, &self.config_text).map_err(EvolveError::io("write", &config))?;
        let marker = dir.join(COMPLETE);
        std::fs::write(&marker, b"").map_err(EvolveError::io("write", &marker))
    }
}

/// Written last into a materialized bundle.
const COMPLETE: &str = ".clade-bundle-complete";

/// What a remote backend is given for one run.
#[derive(Debug, Clone)]
pub struct RemoteSpec {
    pub run: String,
    pub backend: BackendConfig,
    pub bundle: Bundle,
}

/// Makes remote backends; the CLI passes one in [`crate::RunOptions`].
pub trait RemoteBackends: Send + Sync {
    fn connect(&self, spec: RemoteSpec) -> Result<Arc<dyn EvalBackend>, EvolveError>;
}

/// The bundle of a run: the files under the config's folder at
/// `base_commit`, and `config_text` at `config_path`. Paths the evaluation
/// reads from outside that folder are refused by name: a worker would not
/// have them.
pub(crate) fn bundle_of(
    config: &Config,
    config_text: &str,
    config_path: &str,
    archive: &Archive,
    base_commit: &str,
    workdir: &Path,
) -> Result<Bundle, EvolveError> {
    let folder = Path::new(config_path)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let root = workdir.join(&folder);
    let eval = &config.evaluate;
    let mut used: Vec<std::path::PathBuf> = eval.stdin.iter().cloned().collect();
    used.extend(
        eval.dirs
            .iter()
            .filter_map(|d| d.split(':').next())
            .map(Into::into),
    );
    if let crate::config::ScorerConfig::Builtin {
        data: Some(data), ..
    } = &eval.scorer
    {
        used.push(data.clone());
    }
    for path in used {
        let full = config.resolve(&path);
        if !full.starts_with(&root) {
            return Err(EvolveError::Setup(format!(
                "{} is outside {} (the folder of clade.toml), so remote workers would not have it: move it inside",
                full.display(),
                root.display()
            )));
        }
    }
    let mut files = BTreeMap::new();
    let mut size = 0;
    for (path, bytes) in archive.files_in_commit(base_commit, &folder)? {
        size += bytes.len();
        if size > BUNDLE_LIMIT {
            return Err(EvolveError::Setup(format!(
                "the committed folder {} is over {} MiB: too big to ship to workers",
                if folder.is_empty() { "." } else { &folder },
                BUNDLE_LIMIT >> 20
            )));
        }
        files.insert(path, bytes);
    }
    Ok(Bundle {
        config_path: config_path.to_string(),
        config_text: config_text.to_string(),
        files,
    })
}

/// A worker's evaluator for a bundle materialized at `dir`: the same one
/// `clade run` builds, over the bundle's commit. `scratch` is the worker's
/// own folder for candidate builds.
pub fn worker_backend(
    dir: &Path,
    config_path: &str,
    home: &Path,
    hidden_env: Vec<String>,
    scratch: std::path::PathBuf,
) -> Result<Arc<dyn EvalBackend>, EvolveError> {
    let config = Config::load(&dir.join(config_path))?;
    let archive = Archive::open(dir)?;
    let workdir = archive
        .workdir()
        .map(Path::to_path_buf)
        .ok_or_else(|| EvolveError::Setup(format!("{} has no working tree", dir.display())))?;
    let project = Project::resolve(&config, &workdir)?;
    let base = archive
        .head_commit()
        .ok_or_else(|| EvolveError::Setup(format!("{} has no commit", dir.display())))?;
    let evolvable = project.evolvable.iter().cloned().collect();
    let inner = crate::local::local_backend(
        &config, &project, &archive, &base, home, hidden_env, scratch,
    )?;
    Ok(Arc::new(Checked { inner, evolvable }))
}

/// A worker's evaluator takes its jobs from the network: a job may name
/// only the project's evolvable files (by their exact names) and a key that
/// is one plain name, so nothing it says is written outside its scratch
/// folder. `clade run`'s own jobs always are.
struct Checked {
    inner: Arc<dyn EvalBackend>,
    evolvable: BTreeSet<String>,
}

impl EvalBackend for Checked {
    fn evaluate(&self, job: &EvalJob) -> Result<Evaluation, EvolveError> {
        if let Some(name) = job.files.keys().find(|n| !self.evolvable.contains(*n)) {
            return Err(EvolveError::Setup(format!(
                "the job names {name:?}, which is not an evolvable file of this project: refused"
            )));
        }
        let plain = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        if job.key.is_empty() || job.key.len() > 80 || !job.key.bytes().all(plain) {
            return Err(EvolveError::Setup(format!(
                "the job key {:?} is not a plain name: refused",
                job.key
            )));
        }
        self.inner.evaluate(job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle() -> Bundle {
        Bundle {
            config_path: "bench/clade.toml".into(),
            config_text: "[run]\n".into(),
            files: BTreeMap::from([
                ("bench/src/main.rs".to_string(), b"fn main() {}\n".to_vec()),
                ("bench/data.bin".to_string(), vec![0, 255, 7]),
            ]),
        }
    }

    #[test]
    fn a_bundle_reads_back_and_its_digest_follows_its_content() {
        let b = bundle();
        assert_eq!(Bundle::from_bytes(&b.to_bytes()).unwrap(), b);
        let mut other = bundle();
        other.config_text.push('x');
        assert_ne!(b.digest(), other.digest());
        assert_eq!(b.digest().len(), 64);
    }

    struct Echo;

    impl EvalBackend for Echo {
        fn evaluate(&self, _: &EvalJob) -> Result<Evaluation, EvolveError> {
            Ok(Evaluation::host_error("evaluated".into()))
        }
    }

    #[test]
    fn a_worker_evaluates_only_jobs_naming_evolvable_files_and_a_plain_key() {
        let checked = Checked {
            inner: Arc::new(Echo),
            evolvable: BTreeSet::from(["src/main.rs".to_string()]),
        };
        let job = |path: &str, key: &str| EvalJob {
            files: BTreeMap::from([(path.to_string(), "fn main() {}".to_string())]),
            key: key.into(),
            seed: 1,
        };
        assert!(checked.evaluate(&job("src/main.rs", "j0af3")).is_ok());
        let refused =
            |path: &str, key: &str| checked.evaluate(&job(path, key)).unwrap_err().to_string();
        assert_eq!(
            refused("../../etc/passwd", "j1"),
            "the job names \"../../etc/passwd\", which is not an evolvable file of this project: refused"
        );
        assert!(refused("Cargo.toml", "j1").contains("\"Cargo.toml\""));
        assert_eq!(
            refused("src/main.rs", "../x"),
            "the job key \"../x\" is not a plain name: refused"
        );
        assert!(refused("src/main.rs", "").contains("not a plain name"));
    }

    #[test]
    fn broken_or_hostile_bundles_are_refused() {
        let bytes = bundle().to_bytes();
        for cut in [0, 4, 12, bytes.len() - 1] {
            assert!(Bundle::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut hostile = bundle();
        hostile.files.insert("../escape".into(), b"x".to_vec());
        let err = Bundle::from_bytes(&hostile.to_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("unsafe path \"../escape\""), "{err}");
        let mut absolute = bundle();
        absolute.config_path = "/etc/clade.toml".into();
        assert!(Bundle::from_bytes(&absolute.to_bytes()).is_err());
    }
}
