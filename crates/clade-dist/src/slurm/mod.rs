//! Slurm for sites where no server may run (`[evaluate.backend] kind =
//! "slurm"`): the coordinator writes each candidate as a job file in a
//! folder every node sees, submits batches of them with `sbatch` (one
//! Slurm job runs `clade worker --slurm-batch LIST` over a few candidates),
//! and polls for the results workers publish by atomic link. A batch that
//! ends — completed, failed, cancelled, killed, its node lost — leaving
//! candidates without a result has them resubmitted, up to
//! `max_deliver` submissions each; then the candidate is a host error and
//! the run goes on. Slurm itself never retries a killed job.
//!
//! Job ids are the same digests as on NATS, so a resumed run reuses every
//! result already published. Batch jobs get only the environment variables
//! that find `clade` and its toolchain (never the coordinator's API keys).
//!
//! Pilot workers — `clade worker --nats URL` started as a Slurm job array —
//! need nothing from here: they are NATS workers (see
//! `scripts/slurm/pilot-workers.sbatch`).

mod batch;
mod commands;
mod layout;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use clade_evolve::remote::RemoteSpec;
use clade_evolve::{EvalBackend, EvalJob, Evaluation, EvolveError, WorkerCounts};

pub use batch::{BatchReport, run_batch};
use commands::JobState;
use layout::{Layout, read_if_there, write_whole};

use crate::wire::{JobMessage, ResultMessage};
use crate::{DistError, environment};

/// What a run's Slurm backend was configured with.
struct Settings {
    layout: Layout,
    run: String,
    bundle: String,
    fingerprint: String,
    batch: usize,
    poll: Duration,
    max_submits: u32,
    job_timeout: Duration,
    /// How long after its batch ended a result may still appear (a shared
    /// filesystem's caches): 10 polls.
    grace: Duration,
    command: PathBuf,
    sbatch_args: Vec<String>,
}

/// Where each candidate of the run is, shared by the evaluating threads
/// and the scheduler.
#[derive(Default)]
struct State {
    /// Job ids to submit, oldest first, and since when the oldest waits.
    pending: Vec<String>,
    pending_since: Option<Instant>,
    /// Submissions so far, by job id.
    submits: HashMap<String, u32>,
    /// Submitted batches by Slurm job id: their job ids still without a result.
    batches: HashMap<String, Vec<String>>,
    /// Batches Slurm has been seen running.
    running: HashSet<String>,
    outcomes: HashMap<String, Result<Evaluation, String>>,
    counts: WorkerCounts,
    /// Batches Slurm says ended, since when: their results get
    /// `Settings::grace` to show on the shared filesystem.
    ended: HashMap<String, Instant>,
    /// `sbatch` failures in a row, and no submission before this.
    sbatch_failures: u32,
    hold_until: Option<Instant>,
    stop: bool,
}

struct Shared {
    settings: Settings,
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A run's Slurm backend: [`EvalBackend::evaluate`] blocks until the
/// candidate's result is published or it is given up.
pub struct SlurmBackend {
    shared: Arc<Shared>,
    scheduler: Option<JoinHandle<()>>,
}

impl SlurmBackend {
    pub(crate) fn start(spec: RemoteSpec) -> Result<SlurmBackend, DistError> {
        let backend = &spec.backend;
        let dir = backend
            .dir
            .clone()
            .ok_or_else(|| DistError::Setup("evaluate.backend.dir is missing".into()))?;
        commands::check_installed()?;
        let layout = Layout::new(&dir);
        layout.create()?;
        let bundle = spec.bundle.digest();
        let bundle_path = layout.bundle(&bundle);
        if !bundle_path.exists() {
            write_whole(&bundle_path, &spec.bundle.to_bytes())?;
        }
        let command = match &backend.command {
            Some(command) => command.clone(),
            None => std::env::current_exe()
                .map_err(|e| DistError::Setup(format!("where is this clade binary? {e}")))?,
        };
        let settings = Settings {
            layout,
            run: spec.run,
            bundle,
            fingerprint: environment().1,
            batch: backend.batch.max(1),
            poll: Duration::from_millis(backend.poll_ms.max(1)),
            max_submits: u32::try_from(backend.max_deliver.max(1)).unwrap_or(u32::MAX),
            job_timeout: Duration::from_secs(backend.job_timeout_s),
            grace: Duration::from_millis(backend.poll_ms.max(1).saturating_mul(10)),
            command,
            sbatch_args: backend.sbatch_args.clone(),
        };
        tracing::info!(
            dir = %dir.display(),
            batch = settings.batch,
            bundle = %settings.bundle,
            "evaluating on Slurm"
        );
        let shared = Arc::new(Shared {
            settings,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        });
        let scheduler = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("clade-slurm".into())
                .spawn(move || schedule(&shared))?
        };
        Ok(SlurmBackend {
            shared,
            scheduler: Some(scheduler),
        })
    }

    fn evaluate_job(&self, job: &EvalJob) -> Result<Evaluation, DistError> {
        let settings = &self.shared.settings;
        let message = JobMessage::new(&settings.run, &settings.bundle, &settings.fingerprint, job);
        let id = message.id.clone();
        if let Some(found) = read_result(&settings.layout, &id)? {
            tracing::info!(job = %id, key = %job.key, "result already published: reused");
            return Ok(found);
        }
        write_whole(&settings.layout.job(&id), &serde_json::to_vec(&message)?)?;
        let started = Instant::now();
        let mut state = self.shared.lock();
        state.pending.push(id.clone());
        state.pending_since.get_or_insert(started);
        self.shared.changed.notify_all();
        loop {
            if let Some(outcome) = state.outcomes.remove(&id) {
                return outcome.map_err(|why| DistError::Setup(format!("job {}: {why}", job.key)));
            }
            let waited = started.elapsed();
            if waited > settings.job_timeout {
                state.pending.retain(|p| p != &id);
                return Err(DistError::Timeout {
                    key: job.key.clone(),
                    seconds: settings.job_timeout.as_secs(),
                });
            }
            let pause = (settings.job_timeout - waited).min(Duration::from_secs(1));
            state = self
                .shared
                .changed
                .wait_timeout(state, pause)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|poisoned| poisoned.into_inner().0);
        }
    }
}

impl EvalBackend for SlurmBackend {
    fn evaluate(&self, job: &EvalJob) -> Result<Evaluation, EvolveError> {
        self.evaluate_job(job)
            .map_err(|e| EvolveError::Setup(e.to_string()))
    }

    fn workers(&self) -> Option<WorkerCounts> {
        Some(self.shared.lock().counts)
    }
}

impl Drop for SlurmBackend {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.changed.notify_all();
        if let Some(scheduler) = self.scheduler.take() {
            let _ = scheduler.join();
        }
    }
}

/// The published result of job `id`, if any.
fn read_result(layout: &Layout, id: &str) -> Result<Option<Evaluation>, DistError> {
    let path = layout.result(id);
    let Some(bytes) = read_if_there(&path)? else {
        return Ok(None);
    };
    let result: ResultMessage = serde_json::from_slice(&bytes)
        .map_err(|e| DistError::Setup(format!("{} is not a result: {e}", path.display())))?;
    Ok(Some(result.evaluation))
}

/// The scheduler thread: every `poll`, submit what waits, look at Slurm,
/// collect results, resubmit what was lost.
fn schedule(shared: &Shared) {
    let poll = shared.settings.poll;
    loop {
        {
            let state = shared.lock();
            if state.stop {
                return;
            }
            let (state, _) = shared
                .changed
                .wait_timeout(state, poll)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if state.stop {
                return;
            }
        }
        tick(shared);
    }
}

/// One look: Slurm's states first, then the results (a result published
/// just before its batch ended is found), then what to submit.
fn tick(shared: &Shared) {
    let settings = &shared.settings;
    let (batches, to_submit) = {
        let mut state = shared.lock();
        let held = state.hold_until.is_some_and(|until| Instant::now() < until);
        let ready = !held
            && (state.pending.len() >= settings.batch
                || state
                    .pending_since
                    .is_some_and(|since| since.elapsed() >= settings.poll));
        let to_submit = if ready {
            state.pending_since = None;
            std::mem::take(&mut state.pending)
        } else {
            Vec::new()
        };
        (state.batches.clone(), to_submit)
    };
    let slurm_ids: Vec<String> = batches.keys().cloned().collect();
    let states = if slurm_ids.is_empty() {
        HashMap::new()
    } else {
        commands::states(&slurm_ids).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "asking Slurm for the batches failed; asking again next time");
            HashMap::new()
        })
    };
    let mut found = Vec::new();
    for id in batches.values().flatten() {
        match read_result(&settings.layout, id) {
            Ok(Some(evaluation)) => found.push((id.clone(), Ok(evaluation))),
            Ok(None) => {}
            Err(e) => found.push((id.clone(), Err(e.to_string()))),
        }
    }
    let submitted: Vec<(Vec<String>, Result<String, DistError>)> = to_submit
        .chunks(settings.batch)
        .map(|ids| (ids.to_vec(), submit(settings, ids)))
        .collect();
    let mut state = shared.lock();
    apply(settings, &mut state, found, &states, submitted);
    shared.changed.notify_all();
}

/// Records what one look found, under the lock.
fn apply(
    settings: &Settings,
    state: &mut State,
    found: Vec<(String, Result<Evaluation, String>)>,
    states: &HashMap<String, JobState>,
    submitted: Vec<(Vec<String>, Result<String, DistError>)>,
) {
    for (id, outcome) in found {
        for ids in state.batches.values_mut() {
            ids.retain(|i| i != &id);
        }
        state.outcomes.insert(id, outcome);
    }
    for (slurm_id, job_state) in states {
        match job_state {
            JobState::Running => {
                state.running.insert(slurm_id.clone());
            }
            JobState::Waiting => {}
            JobState::Ended(how) => {
                state.running.remove(slurm_id);
                let since = *state
                    .ended
                    .entry(slurm_id.clone())
                    .or_insert_with(Instant::now);
                if since.elapsed() < settings.grace {
                    continue;
                }
                state.ended.remove(slurm_id);
                let lost = state.batches.remove(slurm_id).unwrap_or_default();
                for id in lost {
                    lost_job(settings, state, slurm_id, how, id);
                }
            }
        }
    }
    state.batches.retain(|_, ids| !ids.is_empty());
    let ended = &mut state.ended;
    ended.retain(|slurm_id, _| state.batches.contains_key(slurm_id));
    for (ids, result) in submitted {
        match result {
            Ok(slurm_id) => {
                for id in &ids {
                    *state.submits.entry(id.clone()).or_default() += 1;
                }
                state.sbatch_failures = 0;
                tracing::info!(slurm_job = %slurm_id, candidates = ids.len(), "batch submitted");
                state.batches.insert(slurm_id, ids);
            }
            Err(e) => sbatch_failed(state, ids, &e),
        }
    }
    state.counts = counts(state);
}

/// `sbatch` refused or could not be reached: the candidates wait and are
/// submitted again after a pause (2, 4, 8, 16 s), without counting against
/// `max_deliver`; after five failures in a row they are given up.
fn sbatch_failed(state: &mut State, ids: Vec<String>, error: &DistError) {
    state.sbatch_failures += 1;
    let failures = state.sbatch_failures;
    if failures >= SBATCH_TRIES {
        for id in ids {
            let why = format!("{error} ({failures} submissions in a row failed)");
            state.outcomes.insert(id, Err(why));
        }
        return;
    }
    let pause = Duration::from_secs(1 << failures);
    tracing::warn!(error = %error, "sbatch failed; trying again in {} s", pause.as_secs());
    state.hold_until = Some(Instant::now() + pause);
    state.pending_since.get_or_insert_with(Instant::now);
    state.pending.extend(ids);
}

/// `sbatch` failures in a row before the candidates waiting are given up.
const SBATCH_TRIES: u32 = 5;

/// A candidate whose batch ended without its result.
fn lost_job(settings: &Settings, state: &mut State, slurm_id: &str, how: &str, id: String) {
    let log = settings.layout.log(slurm_id);
    let why = format!(
        "Slurm job {slurm_id} ended ({how}) without its result; its log {}: {}",
        log.display(),
        log_tail(&log)
    );
    give_up_or_retry(settings, state, id, &why);
}

fn give_up_or_retry(settings: &Settings, state: &mut State, id: String, why: &str) {
    let submits = state.submits.get(&id).copied().unwrap_or(0);
    if submits < settings.max_submits {
        tracing::warn!(job = %id, submits, "{why}; submitting it again");
        state.pending_since.get_or_insert_with(Instant::now);
        state.pending.push(id);
    } else {
        let why =
            format!("{why} (submitted {submits} times, the cap evaluate.backend.max_deliver)");
        state.outcomes.insert(id, Err(why));
    }
}

/// The last line a batch printed, shortened: the reason it died, usually.
fn log_tail(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("(empty)");
    last.chars().take(300).collect()
}

fn counts(state: &State) -> WorkerCounts {
    let mut counts = WorkerCounts {
        queued: state.pending.len() as u64,
        ..WorkerCounts::default()
    };
    for (slurm_id, ids) in &state.batches {
        if state.ended.contains_key(slurm_id) {
            continue;
        }
        if state.running.contains(slurm_id) {
            counts.live += 1;
            counts.busy += ids.len() as u32;
        } else {
            counts.queued += ids.len() as u64;
        }
    }
    counts
}

/// Writes a batch's list and script and submits it.
fn submit(settings: &Settings, ids: &[String]) -> Result<String, DistError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let name = format!("{}-{nanos:x}", plain(&settings.run));
    let (list, script) = settings.layout.batch(&name);
    write_whole(&list, format!("{}\n", ids.join("\n")).as_bytes())?;
    let body = format!(
        "#!/bin/sh\n# clade run {}: evaluates the candidates listed in {}\nexec {} worker --slurm-batch {}\n",
        plain(&settings.run),
        list.display(),
        shell_quote(&settings.command.to_string_lossy()),
        shell_quote(&list.to_string_lossy()),
    );
    write_whole(&script, body.as_bytes())?;
    commands::sbatch(&commands::Submission {
        script: &script,
        job_name: &format!("clade-{}", plain(&settings.run)),
        output: &settings.layout.log_pattern(),
        chdir: &settings.layout.root,
        extra: &settings.sbatch_args,
    })
}

/// `text` with anything but letters, digits, '-' and '_' as '_'.
fn plain(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `text` in single quotes for sh.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(max_submits: u32) -> Settings {
        Settings {
            layout: Layout::new(std::path::Path::new("/shared")),
            run: "r".into(),
            bundle: "b".into(),
            fingerprint: "f".into(),
            batch: 2,
            poll: Duration::from_millis(10),
            max_submits,
            job_timeout: Duration::from_secs(60),
            grace: Duration::ZERO,
            command: "clade".into(),
            sbatch_args: Vec::new(),
        }
    }

    /// One look at Slurm: `states` of the batches, nothing found, nothing
    /// submitted.
    fn look(settings: &Settings, state: &mut State, states: &[(&str, JobState)]) {
        let states = states
            .iter()
            .map(|(id, s)| (id.to_string(), s.clone()))
            .collect();
        apply(settings, state, Vec::new(), &states, Vec::new());
    }

    #[test]
    fn a_batch_that_ends_without_results_is_submitted_again_up_to_the_cap() {
        let settings = settings(2);
        let mut state = State::default();
        let ids = vec!["a".to_string(), "b".to_string()];
        apply(
            &settings,
            &mut state,
            Vec::new(),
            &HashMap::new(),
            vec![(ids.clone(), Ok("7".into()))],
        );
        assert_eq!(state.counts.queued, 2);
        look(&settings, &mut state, &[("7", JobState::Running)]);
        assert_eq!((state.counts.live, state.counts.busy), (1, 2));
        // `a`'s result came before the batch died.
        apply(
            &settings,
            &mut state,
            vec![("a".into(), Ok(Evaluation::host_error("stand-in".into())))],
            &HashMap::from([("7".to_string(), JobState::Ended("FAILED".into()))]),
            Vec::new(),
        );
        assert_eq!(state.pending, ["b"], "only the lost one goes back");
        assert!(state.outcomes["a"].is_ok());
        assert!(state.batches.is_empty());
        // Its second batch is lost too: that was the last submission.
        apply(
            &settings,
            &mut state,
            Vec::new(),
            &HashMap::new(),
            vec![(vec!["b".into()], Ok("8".into()))],
        );
        state.pending.clear();
        look(
            &settings,
            &mut state,
            &[("8", JobState::Ended("gone".into()))],
        );
        assert!(state.pending.is_empty());
        let why = state.outcomes["b"].as_ref().unwrap_err();
        assert!(
            why.starts_with("Slurm job 8 ended (gone) without its result; its log /shared/logs/slurm-8.out: (empty)")
                && why.ends_with("(submitted 2 times, the cap evaluate.backend.max_deliver)"),
            "{why}"
        );
    }

    #[test]
    fn a_failing_sbatch_is_retried_after_a_pause_then_given_up() {
        let settings = settings(1);
        let mut state = State::default();
        let refused = || {
            Err(DistError::Setup(
                "sbatch failed (exit status: 1): no partition".into(),
            ))
        };
        for round in 1..SBATCH_TRIES {
            apply(
                &settings,
                &mut state,
                Vec::new(),
                &HashMap::new(),
                vec![(vec!["c".into()], refused())],
            );
            assert_eq!(state.pending, ["c"], "round {round}");
            assert!(state.hold_until.is_some_and(|t| t > Instant::now()));
            assert!(state.outcomes.is_empty());
            state.pending.clear();
        }
        assert_eq!(
            state.submits.get("c"),
            None,
            "a refusal is not a submission"
        );
        apply(
            &settings,
            &mut state,
            Vec::new(),
            &HashMap::new(),
            vec![(vec!["c".into()], refused())],
        );
        let why = state.outcomes["c"].as_ref().unwrap_err();
        assert_eq!(
            why,
            "sbatch failed (exit status: 1): no partition (5 submissions in a row failed)"
        );
    }

    #[test]
    fn an_ended_batch_gets_a_grace_period_for_its_results() {
        let mut settings = settings(1);
        settings.grace = Duration::from_secs(3600);
        let mut state = State::default();
        apply(
            &settings,
            &mut state,
            Vec::new(),
            &HashMap::new(),
            vec![(vec!["d".into()], Ok("9".into()))],
        );
        let ended = [("9", JobState::Ended("COMPLETED".into()))];
        look(&settings, &mut state, &ended);
        assert!(state.outcomes.is_empty() && state.pending.is_empty());
        assert_eq!(state.batches["9"], ["d"], "still waited for");
        // The result shows up late: it is taken, nothing is resubmitted.
        apply(
            &settings,
            &mut state,
            vec![("d".into(), Ok(Evaluation::host_error("stand-in".into())))],
            &HashMap::from([("9".to_string(), JobState::Ended("COMPLETED".into()))]),
            Vec::new(),
        );
        assert!(state.outcomes["d"].is_ok());
        assert!(state.batches.is_empty() && state.ended.is_empty());
    }

    #[test]
    fn shell_quoting_survives_quotes_and_spaces() {
        assert_eq!(shell_quote("/a b/c"), "'/a b/c'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(plain("run 1/../x"), "run_1____x");
    }
}
