//! `clade serve`: the review UI. Pages for the runs of one repository's
//! archive (a dashboard, a run's lineage tree and score chart, a variant
//! with its diffs, two variants compared), and the two actions a reviewer
//! takes (make a branch, promote onto the current branch), which call the
//! same `clade-archive` functions as the CLI and show their refusals word
//! for word.
//!
//! It must be safe on a shared machine: it binds the loopback unless told
//! otherwise, checks the `Host` header of every request (DNS rebinding),
//! needs the random token printed in its URL (kept in a `SameSite=Strict`
//! cookie), takes state changes only as POSTs with the token and a
//! same-origin `Origin`, and escapes every text that came from a
//! candidate, a model or a note. Every asset is its own: no CDN.
//!
//! It owns nothing in the archive: each request opens the archive, reads,
//! and lets go (a running `clade run` keeps writing).
//!
//! ```no_run
//! # async fn example() -> Result<(), clade_serve::ServeError> {
//! let server = clade_serve::Server::bind(clade_serve::Options::new(".".into())).await?;
//! println!("{}", server.url()); // http://127.0.0.1:<port>/?token=...
//! server.run().await
//! # }
//! ```

mod actions;
mod agents;
mod app;
mod export;
mod html;
mod pages;
mod runs;
mod security;
mod svg;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

pub use export::export;
pub use security::new_token;

/// What went wrong starting or running the server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot open the archive at {repo}: {message}")]
    Archive { repo: PathBuf, message: String },
    #[error("the server stopped: {0}")]
    Io(#[from] std::io::Error),
    #[error("no randomness for the access token: {0}")]
    Token(std::io::Error),
}

/// A benchmark's published result for a run, looked up from the config
/// text the run was started with: `(value, source)`, drawn as a dashed line
/// on the run's chart. The server knows no benchmarks; Clade's CLI passes
/// its builtin registry's lookup.
pub type Reference = Arc<dyn Fn(&str) -> Option<(f64, String)> + Send + Sync>;

/// How to serve.
#[derive(Clone)]
pub struct Options {
    /// The repository (or a folder in it) whose archive is shown.
    pub repo: PathBuf,
    /// Where to listen: 127.0.0.1 by default; port 0 picks a free one.
    pub addr: SocketAddr,
    /// No POST is taken: the buttons are gone and actions are refused.
    pub read_only: bool,
    /// The access token; a random one when `None`.
    pub token: Option<String>,
    /// Where a run's published reference comes from (none when `None`).
    pub reference: Option<Reference>,
}

impl Options {
    /// The defaults: 127.0.0.1, any free port, buttons on, a new token.
    pub fn new(repo: PathBuf) -> Options {
        Options {
            repo,
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            read_only: false,
            token: None,
            reference: None,
        }
    }
}

/// A bound server, not yet answering.
pub struct Server {
    listener: tokio::net::TcpListener,
    state: Arc<app::State>,
    url: String,
}

impl Server {
    /// Opens the archive once (to fail early on a folder without one) and
    /// binds the address.
    pub async fn bind(options: Options) -> Result<Server, ServeError> {
        clade_archive::Archive::open(&options.repo).map_err(|e| ServeError::Archive {
            repo: options.repo.clone(),
            message: e.to_string(),
        })?;
        let listener = tokio::net::TcpListener::bind(options.addr)
            .await
            .map_err(|source| ServeError::Bind {
                addr: options.addr,
                source,
            })?;
        let bound = listener.local_addr()?;
        let token = match options.token {
            Some(token) => token,
            None => new_token().map_err(ServeError::Token)?,
        };
        let state = Arc::new(app::State::new(
            options.repo,
            bound,
            token.clone(),
            options.read_only,
            options.reference,
        ));
        let url = format!("http://{}/?token={token}", state.authority());
        Ok(Server {
            listener,
            state,
            url,
        })
    }

    /// The URL to open, token included.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address listened on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Answers requests until the process ends.
    pub async fn run(self) -> Result<(), ServeError> {
        axum::serve(self.listener, app::router(self.state)).await?;
        Ok(())
    }
}

/// Binds, hands the URL to `ready` (to print it), and serves until the
/// process ends, on a runtime of its own: for callers without one.
pub fn serve_blocking(options: Options, ready: impl FnOnce(&str)) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let server = Server::bind(options).await?;
        ready(server.url());
        server.run().await
    })
}
