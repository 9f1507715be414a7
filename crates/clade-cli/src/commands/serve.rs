//! `clade serve`: arguments, the warning for a non-loopback address, and
//! the first line (the URL, token included); the server is `clade_serve`.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// The repository (or folder with a .clade/archive.git) holding the archive.
    #[arg(long, default_value = ".")]
    pub repo: PathBuf,
    /// The port (0: any free port; the URL printed says which).
    #[arg(long, default_value_t = 8484)]
    pub port: u16,
    /// Listen on another address than 127.0.0.1. Anyone who can reach it
    /// and has the token may act on the repository: say it explicitly.
    #[arg(long)]
    pub bind: Option<IpAddr>,
    /// Show pages only: no branch or promote buttons, every POST refused.
    #[arg(long)]
    pub read_only: bool,
    /// Open the URL in the default browser (xdg-open).
    #[arg(long)]
    pub open: bool,
    /// Write the pages as static files under DIR instead of serving them
    /// (every run and variant; links relative; no buttons, no live updates).
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
}

/// The builtin registry's published results, for the run charts.
fn reference() -> clade_serve::Reference {
    std::sync::Arc::new(clade_evolve::builtins::reference_for_config)
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    if let Some(out) = &args.export {
        let pages = clade_serve::export(&args.repo, out, Some(&reference()))
            .with_context(|| format!("exporting the pages to {}", out.display()))?;
        println!(
            "wrote {pages} pages to {} (open {}/index.html)",
            out.display(),
            out.display()
        );
        return Ok(());
    }
    let ip = args.bind.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    if !ip.is_loopback() {
        eprintln!(
            "warning: listening on {ip}: anyone who reaches this address and has the token in the URL can read the archive{}",
            if args.read_only {
                ""
            } else {
                " and make branches or promote variants"
            }
        );
    }
    let mut options = clade_serve::Options::new(args.repo.clone());
    options.addr = SocketAddr::new(ip, args.port);
    options.read_only = args.read_only;
    options.reference = Some(reference());
    clade_serve::serve_blocking(options, |url| {
        println!("{url}");
        let _ = std::io::stdout().flush();
        if args.open {
            let _ = std::process::Command::new("xdg-open").arg(url).spawn();
        }
    })
    .with_context(|| format!("serving the archive at {}", args.repo.display()))
}
