//! [`Archive`]: one owner of the repository, with the in-memory index of every
//! run rebuilt from git on open.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use git2::{Oid, Repository};

use crate::error::{ArchiveError, GitContext};
use crate::meta::{RunRecord, VariantMeta, VariantStatus, now_ms};
use crate::population::Population;
use crate::store::{self, CladeRef};
use crate::transcript::Transcript;

/// One variant as the archive knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub meta: VariantMeta,
    /// Commit id (hex).
    pub commit: String,
    /// Tree id (hex): equal trees are exact duplicates.
    pub tree: String,
}

impl Variant {
    fn new(meta: VariantMeta, commit: Oid, tree: Oid) -> Self {
        Variant {
            meta,
            commit: commit.to_string(),
            tree: tree.to_string(),
        }
    }
}

/// A candidate to record. The archive assigns `id`, `run`, `parent`,
/// `generation` (and `features` and `created_ms` when left empty).
#[derive(Debug, Clone)]
pub struct NewVariant {
    pub parent: Option<u64>,
    pub tree: TreeSource,
    pub meta: VariantMeta,
    /// The LLM exchanges that produced it, stored beside its note.
    pub transcript: Option<Transcript>,
}

/// The candidate's full tree: prepared earlier (for the duplicate check), or
/// the files that differ from the parent's tree (`None` removes a file).
#[derive(Debug, Clone)]
pub enum TreeSource {
    Prepared(String),
    Files(Vec<(String, Option<Vec<u8>>)>),
}

pub(crate) struct RunState {
    pub record: RunRecord,
    pub base_tree: Oid,
    pub variants: BTreeMap<u64, (VariantMeta, Oid, Oid)>,
    pub trees: HashMap<Oid, u64>,
    pub population: Population,
}

impl RunState {
    fn next_id(&self) -> u64 {
        self.variants.keys().next_back().map_or(0, |id| id + 1)
    }
}

/// The archive of one repository. Holds a `git2::Repository`, which is Send
/// but not Sync: give it one owner (see [`crate::ArchiveHandle`]).
pub struct Archive {
    pub(crate) repo: Repository,
    git_dir: PathBuf,
    pub(crate) runs: BTreeMap<String, RunState>,
    inserts_since_pack_refs: usize,
    /// Held by writers: an exclusive lock on `<git dir>/clade.lock`, released
    /// by the OS when the process dies, however it dies.
    _writer_lock: Option<std::fs::File>,
    /// Records that could not be read (a run or a note), each naming its
    /// commit: skipped, so one bad record never bricks the archive.
    problems: Vec<String>,
}

/// The largest note or run record read from git; a larger one is a corrupt
/// record, not an allocation.
const MAX_RECORD_BYTES: usize = 1 << 20;

/// Batches at least this large put their refs straight into `packed-refs`.
const PACKED_REFS_FROM: usize = 64;
/// Loose refs are packed after this many inserts, keeping `refs/` small.
const PACK_REFS_EVERY: usize = 4096;
const BARE_ARCHIVE: &str = ".clade/archive.git";

impl Archive {
    /// Opens the archive of the git repository containing `path`, or the bare
    /// archive at `path/.clade/archive.git`; fails when there is neither.
    pub fn open(path: &Path) -> Result<Self, ArchiveError> {
        Self::load(find_repository(path, false)?)
    }

    /// The archive's version: the commit its notes ref points at, which
    /// moves with every recorded variant (`None` before the first). Cheap
    /// (one ref read), so a reader can poll it and open the archive only
    /// when something was recorded.
    pub fn version(path: &Path) -> Result<Option<String>, ArchiveError> {
        let repo = find_repository(path, false)?;
        let target = repo
            .find_reference(crate::store::NOTES_REF)
            .ok()
            .and_then(|r| r.target());
        Ok(target.map(|oid| oid.to_string()))
    }

    /// Opens the archive for writing: like [`Archive::open`], but creates the
    /// bare archive when `path` is not inside a git repository, takes the
    /// single-writer lock, and clears lock files a killed writer left behind.
    pub fn open_or_create(path: &Path) -> Result<Self, ArchiveError> {
        let repo = find_repository(path, true)?;
        let lock = take_writer_lock(repo.commondir())?;
        clear_stale_ref_locks(repo.commondir());
        let mut archive = Self::load(repo)?;
        archive._writer_lock = Some(lock);
        Ok(archive)
    }

    /// The repository's common git dir: where its refs, objects and
    /// Clade's own files live (in a linked worktree, not the worktree's
    /// private `.git/worktrees/<name>/`).
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// Whether the archive lives in the user's own repository (with a
    /// working tree) rather than in a bare archive.
    pub fn has_working_tree(&self) -> bool {
        !self.repo.is_bare()
    }

    /// The commit HEAD points to, if any (the default base of a new run).
    pub fn head_commit(&self) -> Option<String> {
        self.repo
            .head()
            .ok()?
            .peel_to_commit()
            .ok()
            .map(|c| c.id().to_string())
    }

    fn load(repo: Repository) -> Result<Self, ArchiveError> {
        // Refs are shared by every worktree and live in the common dir; a
        // linked worktree's own git dir holds only its HEAD and index.
        let git_dir = repo.commondir().to_path_buf();
        let mut archive = Archive {
            repo,
            git_dir,
            runs: BTreeMap::new(),
            inserts_since_pack_refs: 0,
            _writer_lock: None,
            problems: Vec::new(),
        };
        archive.rebuild()?;
        Ok(archive)
    }

    /// Rebuilds the index from refs and notes (the only source of truth).
    fn rebuild(&mut self) -> Result<(), ArchiveError> {
        let notes = store::read_notes(&self.repo)?;
        let mut run_refs = Vec::new();
        let mut variant_refs: BTreeMap<String, Vec<(u64, bool, Oid)>> = BTreeMap::new();
        let refs = self
            .repo
            .references_glob(&format!("{}*", store::REF_ROOT))
            .ctx(|| "listing refs".into())?;
        for reference in refs {
            let reference = reference.ctx(|| "reading a ref".into())?;
            let (Ok(name), Some(target)) = (reference.name(), reference.target()) else {
                continue;
            };
            match store::parse_ref(name) {
                Some(CladeRef::Run(run)) => run_refs.push((run, target)),
                Some(CladeRef::Variant { run, id, validated }) => variant_refs
                    .entry(run)
                    .or_default()
                    .push((id, validated, target)),
                None => {}
            }
        }
        self.runs.clear();
        self.problems.clear();
        for (run, commit) in run_refs {
            match self.load_run(&run, commit) {
                Ok(state) => {
                    self.runs.insert(run, state);
                }
                Err(e) => self
                    .problems
                    .push(format!("run {run} (commit {commit}) is skipped: {e}")),
            }
        }
        for (run, mut variants) in variant_refs {
            if !self.runs.contains_key(&run) {
                continue;
            }
            variants.sort_unstable_by_key(|v| v.0);
            // Reading blobs needs the (unshared) repository; parsing the JSON,
            // the larger cost, runs on every core.
            let mut raw: Vec<RawNote> = Vec::with_capacity(variants.len());
            for (_, _, commit) in &variants {
                raw.push(match notes.get(commit) {
                    Some(blob) => Some(match self.repo.find_blob(*blob) {
                        Ok(blob) if blob.size() <= MAX_RECORD_BYTES => Ok(blob.content().to_vec()),
                        Ok(blob) => Err(format!(
                            "the note is {} bytes, over the {MAX_RECORD_BYTES} a note may be",
                            blob.size()
                        )),
                        Err(e) => Err(format!("the note cannot be read: {e}")),
                    }),
                    None => None,
                });
            }
            let metas = parse_notes(&run, &variants, &raw);
            for (meta, (id, _, commit)) in metas.iter().zip(&variants) {
                if let Some(why) = meta.reason.as_deref().filter(|_| meta.status.is_none()) {
                    self.problems
                        .push(format!("{run}/{id} (commit {commit}): {why}"));
                }
            }
            let metas: Vec<VariantMeta> = metas
                .into_iter()
                .map(|mut m| {
                    // An unreadable note: kept, never selectable.
                    if m.status.is_none() {
                        m.status = Some(VariantStatus::Rejected);
                    }
                    m
                })
                .collect();
            let state = self
                .runs
                .get_mut(&run)
                .ok_or_else(|| ArchiveError::UnknownRun(run.clone()))?;
            for ((id, validated, commit), meta) in variants.into_iter().zip(metas) {
                let noted_tree = meta.tree.as_deref().and_then(|t| Oid::from_str(t).ok());
                let tree = match noted_tree {
                    Some(tree) => tree,
                    None => self
                        .repo
                        .find_commit(commit)
                        .map(|c| c.tree_id())
                        .ctx(|| format!("commit of {run}/{id}"))?,
                };
                let validated = validated && meta.is_validated();
                Self::index(state, id, meta, commit, tree, validated);
            }
        }
        Ok(())
    }

    fn load_run(&self, run: &str, commit: Oid) -> Result<RunState, ArchiveError> {
        let commit = self
            .repo
            .find_commit(commit)
            .ctx(|| format!("run record of {run}"))?;
        let tree = commit.tree().ctx(|| format!("run record of {run}"))?;
        let entry = tree
            .get_name("run.json")
            .ok_or_else(|| ArchiveError::CorruptMetadata {
                what: format!("run {run}"),
                reason: "no run.json".into(),
            })?;
        let blob = self
            .repo
            .find_blob(entry.id())
            .ctx(|| format!("run.json of {run}"))?;
        if blob.size() > MAX_RECORD_BYTES {
            return Err(ArchiveError::CorruptMetadata {
                what: format!("run {run}"),
                reason: format!("run.json is {} bytes", blob.size()),
            });
        }
        let record: RunRecord =
            serde_json::from_slice(blob.content()).map_err(|e| ArchiveError::CorruptMetadata {
                what: format!("run {run}"),
                reason: e.to_string(),
            })?;
        record
            .population
            .check()
            .map_err(|reason| ArchiveError::CorruptMetadata {
                what: format!("run {run}"),
                reason,
            })?;
        let base_tree = match record.base_commit.as_deref() {
            Some(hex) => {
                let oid = Oid::from_str(hex).ctx(|| format!("base commit of {run}"))?;
                self.repo
                    .find_commit(oid)
                    .map(|c| c.tree_id())
                    .ctx(|| format!("base commit of {run}"))?
            }
            None => store::empty_tree(&self.repo)?,
        };
        Ok(RunState {
            population: Population::new(record.population.clone(), record.direction),
            record,
            base_tree,
            variants: BTreeMap::new(),
            trees: HashMap::new(),
        })
    }

    fn index(
        state: &mut RunState,
        id: u64,
        meta: VariantMeta,
        commit: Oid,
        tree: Oid,
        validated: bool,
    ) {
        state.trees.entry(tree).or_insert(id);
        if !validated && let (Some(parent), Some(of)) = (meta.parent, meta.duplicate_of) {
            state.population.record_duplicate(parent, meta.island, of);
        }
        if validated && let Some(score) = meta.score.filter(|s| s.is_finite()) {
            let parent = meta.parent.filter(|p| state.population.contains(*p));
            state.population.add(
                id,
                parent,
                meta.island,
                score,
                meta.features.clone(),
                &meta.metrics,
            );
        }
        state.variants.insert(id, (meta, commit, tree));
    }

    /// Records a new run: its record and config under `refs/clade/<run>/run`,
    /// as a commit whose parent is the base commit.
    pub fn create_run(
        &mut self,
        mut record: RunRecord,
        config_text: &str,
    ) -> Result<(), ArchiveError> {
        validate_run_name(&record.name)?;
        let name = record.name.clone();
        if self.runs.contains_key(&name) || self.repo.find_reference(&store::run_ref(&name)).is_ok()
        {
            return Err(ArchiveError::RunExists(name));
        }
        if record.created_ms == 0 {
            record.created_ms = now_ms();
        }
        let base = match record.base_commit.as_deref() {
            Some(hex) => {
                let oid = Oid::from_str(hex).ctx(|| format!("base commit {hex}"))?;
                Some(
                    self.repo
                        .find_commit(oid)
                        .ctx(|| format!("base commit {hex}"))?,
                )
            }
            None => None,
        };
        let json =
            serde_json::to_vec_pretty(&record).map_err(|e| ArchiveError::Refused(e.to_string()))?;
        let empty = store::empty_tree(&self.repo)?;
        let tree = store::build_tree(
            &self.repo,
            empty,
            &[
                ("run.json".into(), Some(json)),
                ("config.toml".into(), Some(config_text.as_bytes().to_vec())),
            ],
        )?;
        let tree = self.repo.find_tree(tree).ctx(|| "run tree".into())?;
        let sig = store::signature(record.created_ms)?;
        let parents: Vec<&git2::Commit> = base.iter().collect();
        let commit = self
            .repo
            .commit(
                None,
                &sig,
                &sig,
                &format!("clade run {name}: config and seed {}", record.seed),
                &tree,
                &parents,
            )
            .ctx(|| "run commit".into())?;
        self.repo
            .reference(&store::run_ref(&name), commit, false, "clade: new run")
            .ctx(|| format!("creating {}", store::run_ref(&name)))?;
        let state = self.load_run(&name, commit)?;
        self.runs.insert(name, state);
        Ok(())
    }

    /// Records skipped when the archive was read (a run whose record does
    /// not parse, a note that does not), each naming its commit.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    pub fn runs(&self) -> impl Iterator<Item = &RunRecord> {
        self.runs.values().map(|s| &s.record)
    }

    pub fn run(&self, run: &str) -> Result<&RunRecord, ArchiveError> {
        self.state(run).map(|s| &s.record)
    }

    /// The config text a run was started with (`config.toml` in its run
    /// commit), so a resumed run continues exactly as it began.
    pub fn run_config(&self, run: &str) -> Result<String, ArchiveError> {
        self.state(run)?;
        let name = store::run_ref(run);
        let tree = self
            .repo
            .find_reference(&name)
            .and_then(|r| r.peel_to_tree())
            .ctx(|| name.clone())?;
        let entry = tree
            .get_name("config.toml")
            .ok_or_else(|| ArchiveError::Refused(format!("{name} holds no config.toml")))?;
        let blob = self
            .repo
            .find_blob(entry.id())
            .ctx(|| format!("{name}:config.toml"))?;
        String::from_utf8(blob.content().to_vec())
            .map_err(|_| ArchiveError::Refused(format!("{name}:config.toml is not UTF-8")))
    }

    pub(crate) fn state(&self, run: &str) -> Result<&RunState, ArchiveError> {
        self.runs
            .get(run)
            .ok_or_else(|| ArchiveError::UnknownRun(run.to_string()))
    }

    fn state_mut(&mut self, run: &str) -> Result<&mut RunState, ArchiveError> {
        self.runs
            .get_mut(run)
            .ok_or_else(|| ArchiveError::UnknownRun(run.to_string()))
    }

    pub fn population(&self, run: &str) -> Result<&Population, ArchiveError> {
        self.state(run).map(|s| &s.population)
    }

    pub fn population_mut(&mut self, run: &str) -> Result<&mut Population, ArchiveError> {
        self.state_mut(run).map(|s| &mut s.population)
    }

    pub fn variant(&self, run: &str, id: u64) -> Result<Variant, ArchiveError> {
        let state = self.state(run)?;
        let (meta, commit, tree) = state
            .variants
            .get(&id)
            .ok_or_else(|| ArchiveError::UnknownVariant(format!("{run}/{id}")))?;
        Ok(Variant::new(meta.clone(), *commit, *tree))
    }

    /// All variants of a run in id order, validated and rejected.
    pub fn variants(&self, run: &str) -> Result<Vec<Variant>, ArchiveError> {
        let state = self.state(run)?;
        Ok(state
            .variants
            .values()
            .map(|(meta, commit, tree)| Variant::new(meta.clone(), *commit, *tree))
            .collect())
    }

    pub fn variant_count(&self, run: &str) -> Result<usize, ArchiveError> {
        self.state(run).map(|s| s.variants.len())
    }

    pub fn best(&self, run: &str) -> Result<Option<u64>, ArchiveError> {
        self.state(run).map(|s| s.population.best())
    }

    /// Ids from `id` up to the seed, `id` first.
    pub fn lineage(&self, run: &str, id: u64) -> Result<Vec<u64>, ArchiveError> {
        let state = self.state(run)?;
        let mut path = Vec::new();
        let mut next = Some(id);
        while let Some(current) = next {
            let (meta, _, _) = state
                .variants
                .get(&current)
                .ok_or_else(|| ArchiveError::UnknownVariant(format!("{run}/{current}")))?;
            path.push(current);
            next = meta.parent.filter(|p| !path.contains(p));
        }
        Ok(path)
    }

    /// Every regular file under `dir` (`""` for the whole tree) in the tree
    /// of `commit`, with paths relative to the repository root. A run reads
    /// the parts of its crate that are not evolvable from here, so builds use
    /// the committed base, never the working tree.
    pub fn files_in_commit(
        &self,
        commit: &str,
        dir: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, ArchiveError> {
        let oid = Oid::from_str(commit).ctx(|| format!("commit id {commit}"))?;
        let tree = self
            .repo
            .find_commit(oid)
            .and_then(|c| c.tree())
            .ctx(|| format!("tree of {commit}"))?;
        let dir = dir.trim_matches('/');
        let subtree = if dir.is_empty() {
            tree
        } else {
            match tree.get_path(Path::new(dir)) {
                Ok(entry) if entry.kind() == Some(git2::ObjectType::Tree) => self
                    .repo
                    .find_tree(entry.id())
                    .ctx(|| format!("tree {dir}"))?,
                _ => return Ok(Vec::new()),
            }
        };
        let mut entries = Vec::new();
        subtree
            .walk(git2::TreeWalkMode::PreOrder, |parent, entry| {
                // Blobs only: mode 0o120000 (symlinks) and submodules are skipped.
                if entry.kind() == Some(git2::ObjectType::Blob)
                    && entry.filemode() != 0o120000
                    && let Ok(name) = entry.name()
                {
                    entries.push((format!("{parent}{name}"), entry.id()));
                }
                git2::TreeWalkResult::Ok
            })
            .ctx(|| format!("walking {dir}"))?;
        entries
            .into_iter()
            .map(|(rel, id)| {
                let blob = self.repo.find_blob(id).ctx(|| format!("blob of {rel}"))?;
                let path = if dir.is_empty() {
                    rel
                } else {
                    format!("{dir}/{rel}")
                };
                Ok((path, blob.content().to_vec()))
            })
            .collect()
    }

    /// The file contents of a variant (or of the run's base when `id` is None).
    pub fn read_file(
        &self,
        run: &str,
        id: Option<u64>,
        path: &str,
    ) -> Result<Option<Vec<u8>>, ArchiveError> {
        let tree = self.tree_of(run, id)?;
        let tree = self.repo.find_tree(tree).ctx(|| "tree".into())?;
        match tree.get_path(Path::new(path)) {
            Ok(entry) => {
                let blob = self
                    .repo
                    .find_blob(entry.id())
                    .ctx(|| format!("blob of {path}"))?;
                Ok(Some(blob.content().to_vec()))
            }
            Err(_) => Ok(None),
        }
    }

    pub(crate) fn tree_of(&self, run: &str, id: Option<u64>) -> Result<Oid, ArchiveError> {
        let state = self.state(run)?;
        match id {
            None => Ok(state.base_tree),
            Some(id) => state
                .variants
                .get(&id)
                .map(|v| v.2)
                .ok_or_else(|| ArchiveError::UnknownVariant(format!("{run}/{id}"))),
        }
    }

    /// Writes the candidate tree `parent` + `files` and returns its id, for the
    /// duplicate check before evaluation.
    pub fn prepare_tree(
        &self,
        run: &str,
        parent: Option<u64>,
        files: &[(String, Option<Vec<u8>>)],
    ) -> Result<String, ArchiveError> {
        let base = self.tree_of(run, parent)?;
        store::build_tree(&self.repo, base, files).map(|t| t.to_string())
    }

    /// The existing variant with exactly this tree, if any.
    pub fn find_duplicate(&self, run: &str, tree: &str) -> Result<Option<u64>, ArchiveError> {
        let oid = Oid::from_str(tree).ctx(|| format!("tree id {tree}"))?;
        Ok(self.state(run)?.trees.get(&oid).copied())
    }

    /// The host-written results of this archive's repository.
    pub fn results(&self) -> Result<crate::ResultStore, ArchiveError> {
        crate::ResultStore::open_existing(&self.git_dir)
    }

    /// The prompts and replies that produced `run`/`id`; `None` for a
    /// variant made without an LLM, or recorded before Clade kept them.
    pub fn transcript(&self, run: &str, id: u64) -> Result<Option<Transcript>, ArchiveError> {
        let state = self.state(run)?;
        let commit = state
            .variants
            .get(&id)
            .map(|v| v.1)
            .ok_or_else(|| ArchiveError::UnknownVariant(format!("{run}/{id}")))?;
        let Some(json) = store::read_note(&self.repo, store::TRANSCRIPTS_REF, commit)? else {
            return Ok(None);
        };
        serde_json::from_slice(&json)
            .map(Some)
            .map_err(|e| ArchiveError::CorruptMetadata {
                what: format!("the transcript of {run}/{id} on {}", store::TRANSCRIPTS_REF),
                reason: e.to_string(),
            })
    }

    /// Records one variant with loose objects.
    pub fn insert(&mut self, run: &str, variant: NewVariant) -> Result<Variant, ArchiveError> {
        let (mut written, notes) = self.insert_in(&self.repo, run, vec![variant])?;
        notes.set(&self.repo)?;
        self.publish(run, &written, false)?;
        Ok(written.remove(0).into_variant())
    }

    /// Records several variants at once through one pack file: much faster
    /// per variant than [`Archive::insert`], equally crash-safe.
    pub fn insert_batch(
        &mut self,
        run: &str,
        variants: Vec<NewVariant>,
    ) -> Result<Vec<Variant>, ArchiveError> {
        if variants.is_empty() {
            return Ok(Vec::new());
        }
        let git_dir = self.git_dir.clone();
        // Objects reach the disk as one pack before any ref names them.
        let (written, notes) =
            store::with_mempack(&git_dir, |repo| self.insert_in(repo, run, variants))?;
        notes.set(&self.repo)?;
        // Rewriting packed-refs costs O(refs): worth it only for big batches.
        let packed = written.len() >= PACKED_REFS_FROM;
        self.publish(run, &written, packed)?;
        Ok(written.into_iter().map(Written::into_variant).collect())
    }

    /// Writes the objects of `variants` and their notes commit through `repo`;
    /// no ref moves here.
    fn insert_in(
        &self,
        repo: &Repository,
        run: &str,
        variants: Vec<NewVariant>,
    ) -> Result<(Vec<Written>, NotesUpdates), ArchiveError> {
        let state = self.state(run)?;
        let mut pending: Vec<Written> = Vec::with_capacity(variants.len());
        let mut transcripts: Vec<(Oid, Oid)> = Vec::new();
        let ms = now_ms();
        for (id, new) in (state.next_id()..).zip(variants) {
            let lookup = |pid: u64| -> Option<(VariantMeta, Oid, Oid)> {
                state.variants.get(&pid).cloned().or_else(|| {
                    pending
                        .iter()
                        .find(|w| w.meta.id == pid)
                        .map(|w| (w.meta.clone(), w.commit, w.tree))
                })
            };
            let parent = match new.parent {
                Some(pid) => Some(
                    lookup(pid)
                        .ok_or_else(|| ArchiveError::UnknownVariant(format!("{run}/{pid}")))?,
                ),
                None => None,
            };
            let mut meta = new.meta;
            let validated = meta.status == Some(VariantStatus::Validated);
            if validated {
                if let Some((pmeta, _, _)) = &parent
                    && !pmeta.is_validated()
                {
                    return Err(ArchiveError::NotSelectable {
                        run: run.to_string(),
                        id: pmeta.id,
                    });
                }
                if !meta.score.is_some_and(f64::is_finite) {
                    return Err(ArchiveError::Refused(format!(
                        "{run}/{id}: a validated variant needs a finite score"
                    )));
                }
            } else if meta.status.is_none() {
                meta.status = Some(VariantStatus::Rejected);
            }
            meta.run = run.to_string();
            meta.id = id;
            meta.parent = new.parent;
            meta.generation = parent.as_ref().map_or(0, |(p, _, _)| p.generation + 1);
            if meta.created_ms == 0 {
                meta.created_ms = ms;
            }
            if validated
                && meta.features.len() != state.population.config().feature_dimensions.len()
            {
                meta.features = state.population.features_for(&meta.metrics);
            }
            let base = parent
                .as_ref()
                .map_or(state.base_tree, |(_, _, tree)| *tree);
            let tree = match &new.tree {
                TreeSource::Prepared(hex) => Oid::from_str(hex).ctx(|| format!("tree id {hex}"))?,
                TreeSource::Files(files) => store::build_tree(repo, base, files)?,
            };
            let tree_obj = repo.find_tree(tree).ctx(|| format!("tree {tree}"))?;
            meta.tree = Some(tree.to_string());
            let parent_commit = match &parent {
                Some((_, commit, _)) => Some(*commit),
                None => state
                    .record
                    .base_commit
                    .as_deref()
                    .map(Oid::from_str)
                    .transpose()
                    .ctx(|| "base commit".into())?,
            };
            let parent_commit = parent_commit
                .map(|oid| repo.find_commit(oid))
                .transpose()
                .ctx(|| "parent commit".into())?;
            let sig = store::signature(meta.created_ms)?;
            let parents: Vec<&git2::Commit> = parent_commit.iter().collect();
            let commit = repo
                .commit(
                    None,
                    &sig,
                    &sig,
                    &commit_message(&meta),
                    &tree_obj,
                    &parents,
                )
                .ctx(|| format!("commit of {run}/{id}"))?;
            let json = serde_json::to_vec_pretty(&meta)
                .map_err(|e| ArchiveError::Refused(e.to_string()))?;
            let note = repo.blob(&json).ctx(|| format!("note of {run}/{id}"))?;
            if let Some(transcript) = new.transcript.filter(|t| !t.is_empty()) {
                let json = serde_json::to_vec(&transcript)
                    .map_err(|e| ArchiveError::Refused(e.to_string()))?;
                let blob = repo
                    .blob(&json)
                    .ctx(|| format!("transcript of {run}/{id}"))?;
                transcripts.push((commit, blob));
            }
            pending.push(Written {
                meta,
                commit,
                tree,
                note,
                validated,
            });
        }
        let notes: Vec<(Oid, Oid)> = pending.iter().map(|w| (w.commit, w.note)).collect();
        let updates = NotesUpdates {
            transcripts: (!transcripts.is_empty())
                .then(|| store::notes_commit(repo, store::TRANSCRIPTS_REF, &transcripts, ms))
                .transpose()?,
            meta: store::notes_commit(repo, store::NOTES_REF, &notes, ms)?,
        };
        Ok((pending, updates))
    }

    /// Writes the variant refs (the commit point) and updates the index. A
    /// batch goes into `packed-refs` in one atomic rename.
    fn publish(
        &mut self,
        run: &str,
        written: &[Written],
        packed: bool,
    ) -> Result<(), ArchiveError> {
        let refs: Vec<(String, Oid)> = written
            .iter()
            .map(|w| (store::variant_ref(run, w.meta.id, w.validated), w.commit))
            .collect();
        let mut loose = 0;
        if !(packed && store::add_packed_refs(&self.git_dir, &refs)?) {
            for (name, commit) in &refs {
                store::create_loose_ref(&self.git_dir, name, *commit)?;
            }
            loose = refs.len();
        }
        let state = self.state_mut(run)?;
        for w in written {
            Self::index(
                state,
                w.meta.id,
                w.meta.clone(),
                w.commit,
                w.tree,
                w.validated,
            );
        }
        // Only loose refs make packing worth its O(refs) rewrite.
        self.inserts_since_pack_refs += loose;
        if self.inserts_since_pack_refs >= PACK_REFS_EVERY {
            // Packing is an optimisation; a user's concurrent `git gc` may
            // hold packed-refs.lock, and the loose refs are already durable.
            let _ = self.pack_refs();
        }
        Ok(())
    }

    /// Moves loose refs into `packed-refs`.
    pub fn pack_refs(&mut self) -> Result<(), ArchiveError> {
        self.inserts_since_pack_refs = 0;
        self.repo
            .refdb()
            .and_then(|db| db.compress())
            .ctx(|| "packing refs".into())
    }

    /// Resolves `RUN/ID` or a commit-id prefix (at least 4 hex digits).
    pub fn resolve(&self, spec: &str) -> Result<(String, u64), ArchiveError> {
        if let Some((run, id)) = spec.rsplit_once('/')
            && let Ok(id) = id.parse::<u64>()
        {
            let state = self.state(run)?;
            return if state.variants.contains_key(&id) {
                Ok((run.to_string(), id))
            } else {
                Err(ArchiveError::UnknownVariant(spec.to_string()))
            };
        }
        let prefix = spec.to_ascii_lowercase();
        if prefix.len() < 4 || !prefix.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(ArchiveError::UnknownVariant(spec.to_string()));
        }
        let mut found = None;
        for (run, state) in &self.runs {
            for (id, (_, commit, _)) in &state.variants {
                if commit.to_string().starts_with(&prefix) {
                    if found.is_some() {
                        return Err(ArchiveError::AmbiguousVariant(spec.to_string()));
                    }
                    found = Some((run.clone(), *id));
                }
            }
        }
        found.ok_or_else(|| ArchiveError::UnknownVariant(spec.to_string()))
    }
}

/// The notes commits of one write, applied in an order that keeps the
/// archive consistent at every step: the transcripts first (a transcript
/// of a variant whose ref was never written is never looked up), then the
/// metadata.
struct NotesUpdates {
    transcripts: Option<store::NotesUpdate>,
    meta: store::NotesUpdate,
}

impl NotesUpdates {
    fn set(&self, repo: &Repository) -> Result<(), ArchiveError> {
        if let Some(transcripts) = &self.transcripts {
            store::set_notes_ref(repo, transcripts)?;
        }
        store::set_notes_ref(repo, &self.meta)
    }
}

struct Written {
    meta: VariantMeta,
    commit: Oid,
    tree: Oid,
    note: Oid,
    validated: bool,
}

impl Written {
    fn into_variant(self) -> Variant {
        Variant::new(self.meta, self.commit, self.tree)
    }
}

fn commit_message(meta: &VariantMeta) -> String {
    let what = match (meta.is_validated(), meta.score) {
        (true, Some(score)) => format!("score {score}"),
        _ => format!(
            "rejected: {}",
            meta.reason
                .as_deref()
                .and_then(|r| r.lines().next())
                .unwrap_or("unknown reason")
        ),
    };
    let operator = meta
        .operator
        .as_deref()
        .map(|o| format!(" [{o}]"))
        .unwrap_or_default();
    let parent = meta
        .parent
        .map_or("none (seed)".to_string(), |p| format!("{}/{p}", meta.run));
    let message = format!(
        "clade {}/{}: {what}{operator}\n\nClade-Run: {}\nClade-Variant: {}\nClade-Parent: {parent}\n",
        meta.run, meta.id, meta.run, meta.id
    );
    // The reason can quote a candidate's output: `git log` prints this.
    crate::text::printable(&message).into_owned()
}

/// Parses the notes of `variants` (`raw[i]` is variant i's note, if any) on
/// all cores, in order.
/// A variant's note as read: none, its bytes, or why it could not be read.
type RawNote = Option<Result<Vec<u8>, String>>;

fn parse_notes(run: &str, variants: &[(u64, bool, Oid)], raw: &[RawNote]) -> Vec<VariantMeta> {
    // A note that does not parse is not a reason to refuse the archive:
    // the variant is kept with `status: None` and the reason, which the
    // caller reports and marks rejected.
    let unreadable = |id: u64, why: String| VariantMeta {
        run: run.to_string(),
        id,
        status: None,
        reason: Some(format!("metadata note unreadable: {why}")),
        ..VariantMeta::default()
    };
    let parse = |(&(id, _, _), bytes): (&(u64, bool, Oid), &RawNote)| {
        match bytes {
            Some(Ok(bytes)) => serde_json::from_slice::<VariantMeta>(bytes)
                .unwrap_or_else(|e| unreadable(id, e.to_string())),
            Some(Err(why)) => unreadable(id, why.clone()),
            // Notes are written before refs, so this means someone removed
            // it; keep the variant but never select it.
            None => VariantMeta {
                run: run.to_string(),
                id,
                status: Some(VariantStatus::Rejected),
                reason: Some("metadata note missing".into()),
                ..VariantMeta::default()
            },
        }
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = variants.len().div_ceil(threads).max(1024);
    std::thread::scope(|scope| {
        let workers: Vec<_> = variants
            .chunks(chunk)
            .zip(raw.chunks(chunk))
            .map(|(vs, rs)| scope.spawn(move || vs.iter().zip(rs).map(parse).collect::<Vec<_>>()))
            .collect();
        let mut metas = Vec::with_capacity(variants.len());
        for (worker, vs) in workers.into_iter().zip(variants.chunks(chunk)) {
            match worker.join() {
                Ok(part) => metas.extend(part),
                Err(_) => metas.extend(
                    vs.iter()
                        .map(|(id, _, _)| unreadable(*id, "its parser panicked".into())),
                ),
            }
        }
        metas
    })
}

/// The git repository containing `path`, else the bare archive at
/// `path/.clade/archive.git` (created when `create` is set).
pub(crate) fn find_repository(path: &Path, create: bool) -> Result<Repository, ArchiveError> {
    if let Ok(repo) = Repository::discover(path) {
        return Ok(repo);
    }
    let bare = path.join(BARE_ARCHIVE);
    match Repository::open_bare(&bare) {
        Ok(repo) => Ok(repo),
        Err(_) if create => {
            Repository::init_bare(&bare).ctx(|| format!("creating {}", bare.display()))
        }
        Err(_) => Err(ArchiveError::Refused(format!(
            "no Clade archive at {}: it is not inside a git repository and has no {BARE_ARCHIVE}",
            path.display()
        ))),
    }
}

fn take_writer_lock(git_dir: &Path) -> Result<std::fs::File, ArchiveError> {
    let path = git_dir.join("clade.lock");
    let file = std::fs::File::create(&path)
        .map_err(|e| ArchiveError::Refused(format!("cannot create {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(ArchiveError::Refused(format!(
            "another clade process is writing to this archive ({} is locked); wait for it or stop it",
            path.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(ArchiveError::Refused(format!(
            "cannot lock {}: {e}",
            path.display()
        ))),
    }
}

/// Only a clade writer holding the writer lock creates `.lock` files under
/// `refs/clade/` and for `refs/notes/clade`, so once we hold it any such file
/// was left by a writer that was killed mid-update.
fn clear_stale_ref_locks(git_dir: &Path) {
    let _ = std::fs::remove_file(git_dir.join("refs/notes/clade.lock"));
    // packed-refs.lock is shared with the user's git: only one older than
    // any real update takes is treated as left behind by a killed writer.
    let packed_lock = git_dir.join("packed-refs.lock");
    if let Ok(age) = std::fs::metadata(&packed_lock)
        .and_then(|m| m.modified())
        .map(|t| t.elapsed().unwrap_or_default())
        && age > std::time::Duration::from_secs(10)
    {
        let _ = std::fs::remove_file(&packed_lock);
    }
    let mut stack = vec![git_dir.join("refs/clade")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "lock") {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

pub fn validate_run_name(name: &str) -> Result<(), ArchiveError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with(['.', '-'])
        && !name.ends_with(".lock")
        && !name.contains("..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(ArchiveError::InvalidRunName(name.to_string()))
    }
}
