//! Compiled modules, cached by content hash: in memory as pre-linked
//! [`InstancePre`]s, and on disk as serialized artifacts keyed by the wasm's
//! SHA-256 and the engine's compatibility hash, so a second process running
//! the same module deserializes it (≈0.5 ms) instead of compiling it again.
//!
//! The cache directory must be private to the host: deserializing an artifact
//! is trusted, so candidates must never be able to write there.

use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use wasmtime::{Engine, InstancePre, Linker, Module};

use super::{GuestState, TrustedModule};

/// How many linked modules stay in memory; older ones are reloaded from disk.
const MEMORY_ENTRIES: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct CacheCounters {
    pub compiled: AtomicU64,
    pub disk_hits: AtomicU64,
    pub memory_hits: AtomicU64,
    pub disk_write_errors: AtomicU64,
}

/// Linked modules by wasm hash, plus their insertion order for eviction.
type Linked = (HashMap<String, InstancePre<GuestState>>, VecDeque<String>);

pub(crate) struct ModuleCache {
    dir: Option<PathBuf>,
    memory: Mutex<Linked>,
    pub counters: CacheCounters,
}

impl ModuleCache {
    pub fn new(engine: &Engine, root: Option<PathBuf>) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let dir = root.map(|r| r.join(format!("{:016x}", hasher.finish())));
        ModuleCache {
            dir,
            memory: Mutex::new((HashMap::new(), VecDeque::new())),
            counters: CacheCounters::default(),
        }
    }

    /// The linked module for `wasm`, or why the candidate's module is unusable.
    pub fn get(
        &self,
        engine: &Engine,
        linker: &Linker<GuestState>,
        wasm: &[u8],
    ) -> Result<InstancePre<GuestState>, String> {
        let key = crate::sha256_hex(&[wasm]);
        if let Some(pre) = self.lock().0.get(&key) {
            self.counters.memory_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(pre.clone());
        }
        let module = self.load_or_compile_with(engine, &key, || Ok(wasm.to_vec()))?;
        self.insert(key, linker, &module)
    }

    /// The linked module for a module the host vouches for, keyed by its
    /// pinned digest: the file is read (and its digest checked) only when
    /// neither cache holds it, which for the 105 MB Python runtime saves a
    /// read and a hash per process.
    pub fn get_trusted(
        &self,
        engine: &Engine,
        linker: &Linker<GuestState>,
        trusted: &TrustedModule,
    ) -> Result<InstancePre<GuestState>, String> {
        let key = format!("trusted-{}", trusted.sha256);
        if let Some(pre) = self.lock().0.get(&key) {
            self.counters.memory_hits.fetch_add(1, Ordering::Relaxed);
            return Ok(pre.clone());
        }
        let module = self.load_or_compile_with(engine, &key, || {
            let bytes = std::fs::read(&trusted.path).map_err(|e| format!("cannot read it: {e}"))?;
            let got = crate::sha256_plain_hex(&bytes);
            if got != trusted.sha256 {
                return Err(format!(
                    "its SHA-256 is {got}, expected {}; fetch it again",
                    trusted.sha256
                ));
            }
            Ok(bytes)
        })?;
        self.insert(key, linker, &module)
    }

    fn insert(
        &self,
        key: String,
        linker: &Linker<GuestState>,
        module: &Module,
    ) -> Result<InstancePre<GuestState>, String> {
        let pre = linker
            .instantiate_pre(module)
            .map_err(|e| format!("module cannot be linked: {e:#}"))?;
        let mut guard = self.lock();
        let (map, order) = &mut *guard;
        if map.insert(key.clone(), pre.clone()).is_none() {
            order.push_back(key);
            while order.len() > MEMORY_ENTRIES {
                if let Some(old) = order.pop_front() {
                    map.remove(&old);
                }
            }
        }
        Ok(pre)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Linked> {
        // A poisoned lock only means another run panicked mid-insert; the map
        // is still a valid cache.
        self.memory.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// From the disk cache, else compiled from what `wasm` yields (and
    /// written to the disk cache).
    fn load_or_compile_with(
        &self,
        engine: &Engine,
        key: &str,
        wasm: impl FnOnce() -> Result<Vec<u8>, String>,
    ) -> Result<Module, String> {
        let path = self.dir.as_ref().map(|d| d.join(format!("{key}.cwasm")));
        if let Some(path) = path.as_ref().filter(|p| p.is_file()) {
            // SAFETY: the artifact was written by `Module::serialize` of an
            // engine with the same compatibility hash, into the host-private
            // cache directory; a corrupt file fails to load and is recompiled.
            if let Ok(module) = unsafe { Module::deserialize_file(engine, path) } {
                self.counters.disk_hits.fetch_add(1, Ordering::Relaxed);
                return Ok(module);
            }
        }
        let wasm = wasm()?;
        let module =
            Module::new(engine, &wasm).map_err(|e| format!("invalid wasm module: {e:#}"))?;
        self.counters.compiled.fetch_add(1, Ordering::Relaxed);
        if let Some(path) = path
            && self.store(&module, &path).is_err()
        {
            self.counters
                .disk_write_errors
                .fetch_add(1, Ordering::Relaxed);
        }
        Ok(module)
    }

    fn store(&self, module: &Module, path: &std::path::Path) -> std::io::Result<()> {
        let bytes = module.serialize().map_err(std::io::Error::other)?;
        let dir = path.parent().unwrap_or(path);
        std::fs::create_dir_all(dir)?;
        // Write then rename so a concurrent reader never sees half a file.
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{}-{n}.tmp", std::process::id()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, path)
    }
}
