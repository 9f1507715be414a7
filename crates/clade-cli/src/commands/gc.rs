//! `clade gc`: arguments and the report; the sweep is `clade_evolve::gc`.

use std::path::PathBuf;
use std::time::Duration;

use clade_evolve::gc::{GcScope, collect};

#[derive(clap::Args)]
pub struct GcArgs {
    /// Remove files not modified for this many days.
    #[arg(long, default_value_t = 14)]
    pub older_than_days: u64,
    /// Say what would go; remove nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also the repository's response cache (replays of older runs then miss).
    #[arg(long)]
    pub llm_cache: bool,
    /// The repository whose run scratch (and response cache) is swept.
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: GcArgs) -> anyhow::Result<()> {
    let home = clade_sandbox::default_home();
    let git_dir = clade_archive::Archive::open(&args.repo)
        .ok()
        .map(|a| a.git_dir().to_path_buf());
    let days = args.older_than_days.min(36_500);
    let report = collect(
        &GcScope {
            home: &home,
            git_dir: git_dir.as_deref(),
            llm_cache: args.llm_cache,
        },
        Duration::from_secs(days * 86_400),
        args.dry_run,
    )?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
        return Ok(());
    }
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    for folder in report.folders.iter().filter(|f| f.files > 0) {
        println!(
            "{verb} {} files ({:.1} MiB) from {}",
            folder.files,
            folder.bytes as f64 / (1 << 20) as f64,
            folder.path.display()
        );
    }
    println!(
        "{verb} {} files, {:.1} MiB, not modified for {days} days",
        report.files,
        report.bytes as f64 / (1 << 20) as f64
    );
    Ok(())
}
