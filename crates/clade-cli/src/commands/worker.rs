//! `clade worker` and `clade workers`: arguments and printing; the work
//! itself is `clade_dist`.

use std::time::Duration;

use anyhow::Context;
use clade_dist::Connection;

#[derive(clap::Args)]
pub struct NatsArgs {
    /// The NATS server (JetStream enabled), e.g. nats://10.0.0.5:4222.
    #[arg(long, value_name = "URL")]
    pub nats: String,
    /// The environment variable holding the server's token, if it needs one
    /// (with --user: that user's password).
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// The NATS user to connect as, its password in --token-env.
    #[arg(long)]
    pub user: Option<String>,
    /// The job stream (as the coordinator's evaluate.backend.stream).
    #[arg(long, default_value = clade_dist::wire::DEFAULT_STREAM)]
    pub stream: String,
}

impl NatsArgs {
    fn connection(&self, ack_wait_s: u64, max_deliver: i64) -> Connection {
        Connection {
            url: self.nats.clone(),
            token_env: self.token_env.clone(),
            user: self.user.clone(),
            stream: self.stream.clone(),
            ack_wait: Duration::from_secs(ack_wait_s),
            max_deliver,
        }
    }
}

#[derive(clap::Args)]
pub struct WorkerArgs {
    /// The NATS server (JetStream enabled), e.g. nats://10.0.0.5:4222.
    #[arg(long, value_name = "URL", required_unless_present = "slurm_batch")]
    pub nats: Option<String>,
    /// The environment variable holding the server's token, if it needs one
    /// (with --user: that user's password).
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// The NATS user to connect as, its password in --token-env.
    #[arg(long, conflicts_with = "slurm_batch")]
    pub user: Option<String>,
    /// The job stream (as the coordinator's evaluate.backend.stream).
    #[arg(long, default_value = clade_dist::wire::DEFAULT_STREAM)]
    pub stream: String,
    /// Evaluate the candidates a Slurm batch lists, then exit: what the
    /// batch jobs of `[evaluate.backend] kind = "slurm"` run.
    #[arg(long, value_name = "LIST", conflicts_with = "nats")]
    pub slurm_batch: Option<std::path::PathBuf>,
    /// Jobs evaluated at once.
    #[arg(long, default_value_t = 1, conflicts_with = "slurm_batch")]
    pub jobs: u32,
    /// Seconds a job may go without a sign of life before another worker
    /// gets it (the first worker or coordinator to create the queue sets it).
    #[arg(long, default_value_t = 60)]
    pub ack_wait_s: u64,
    /// Deliveries of one job before it is given up as poison.
    #[arg(long, default_value_t = 3)]
    pub max_deliver: i64,
    /// Stop after this many jobs.
    #[arg(long, conflicts_with = "slurm_batch")]
    pub max_jobs: Option<u64>,
}

pub fn worker(args: WorkerArgs) -> anyhow::Result<()> {
    let home = clade_sandbox::default_home();
    let mut hidden_env = vec![
        "OPENAI_API_KEY".to_string(),
        "ANTHROPIC_API_KEY".to_string(),
    ];
    hidden_env.extend(args.token_env.clone());
    clade_dist::worker::log_to_stderr();
    if let Some(list) = &args.slurm_batch {
        let report = clade_dist::slurm::run_batch(list, home, hidden_env)
            .with_context(|| format!("the Slurm batch {}", list.display()))?;
        eprintln!(
            "batch done: {} evaluated, {} already published, {} failed",
            report.evaluated,
            report.skipped,
            report.failed.len()
        );
        // The last line of the batch's log: the coordinator quotes it.
        if let Some((id, why)) = report.failed.last() {
            anyhow::bail!(
                "{} of the batch's jobs failed; the last, {id}: {why}",
                report.failed.len()
            );
        }
        return Ok(());
    }
    let nats = NatsArgs {
        nats: args.nats.clone().unwrap_or_default(),
        token_env: args.token_env.clone(),
        user: args.user.clone(),
        stream: args.stream.clone(),
    };
    let options = clade_dist::worker::WorkerOptions {
        conn: nats.connection(args.ack_wait_s, args.max_deliver),
        jobs: args.jobs.max(1),
        home,
        hidden_env,
        max_jobs: args.max_jobs,
    };
    let url = nats.nats.clone();
    let done = clade_dist::worker::run(options, |id, fingerprint| {
        eprintln!("worker {id} taking jobs from {url} (fingerprint {fingerprint})");
    })
    .with_context(|| format!("the worker on {}", nats.nats))?;
    eprintln!("worker done: {done} jobs");
    Ok(())
}

#[derive(clap::Args)]
pub struct WorkersArgs {
    #[command(flatten)]
    pub nats: NatsArgs,
    #[arg(long)]
    pub json: bool,
}

pub fn workers(args: WorkersArgs) -> anyhow::Result<()> {
    let list = clade_dist::workers::list(&args.nats.connection(60, 3))
        .with_context(|| format!("listing the workers on {}", args.nats.nats))?;
    if args.json {
        println!("{}", serde_json::to_string(&list)?);
        return Ok(());
    }
    let (_, mine) = clade_dist::environment();
    if list.is_empty() {
        println!("no live workers on {}", args.nats.nats);
        return Ok(());
    }
    println!(
        "{:<32} {:<20} {:>9} {:>6}  fingerprint",
        "worker", "host", "jobs done", "busy"
    );
    for w in &list {
        let note = if w.fingerprint == mine {
            ""
        } else {
            "  (differs from this machine's)"
        };
        println!(
            "{:<32} {:<20} {:>9} {:>3}/{:<2}  {}{note}",
            w.id, w.host, w.jobs_done, w.busy, w.slots, w.fingerprint
        );
    }
    Ok(())
}
