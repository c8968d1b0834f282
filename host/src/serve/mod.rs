//! `wandguard serve`: a Weights & Biases-compatible artifact server on loopback — the embedded default the
//! demo and the tests run the real `wandb` SDK and the host client against.
//!
//! It implements the GraphQL operations and HTTP routes the SDK needs for runs and artifacts (see
//! `wandb-wire-protocol.md` §7.2): content-addressed blobs, collections with ordered versions and aliases,
//! `latest` moving on commit, digest deduplication, links. Everything persists in one directory: blobs under
//! `blobs/`, the catalogue in `state.json` (both written to a temp file and renamed), so a restarted server
//! loses nothing. GraphQL, file_stream and `/artifactsV2/…` need the API key (HTTP Basic, as the SDK sends
//! it); upload and download URLs are signed instead, as a real server's presigned URLs are.

mod auth;
mod blobs;
mod catalogue;
mod download;
mod graphql;
mod ids;
mod manifest;
mod ops_fetch;
mod ops_log;
mod ops_runs;
mod render;
mod routes;
mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use auth::check_api_key_format;

/// How to run a server.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Directory holding every blob and the catalogue; created if missing.
    pub dir: PathBuf,
    /// Address to bind; must be a loopback address (port 0 picks a free port).
    pub addr: SocketAddr,
    /// The one API key clients must present (HTTP Basic `api:<key>`); in the format the `wandb` SDK accepts.
    pub api_key: String,
    /// The entity (user) the key belongs to: the default entity of runs and projects.
    pub entity: String,
}

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address is not a loopback address: this server is for local use only.
    #[error("refusing to serve on {0}: only loopback addresses (127.0.0.1, ::1) are allowed")]
    NotLoopback(SocketAddr),
    /// The API key has a form the `wandb` SDK would refuse.
    #[error("invalid API key: {0}")]
    InvalidApiKey(&'static str),
    /// The entity name is empty or has characters W&B does not allow.
    #[error("invalid entity name {0:?}: use letters, digits, '-', '_' and '.'")]
    InvalidEntity(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The data directory could not be created or read.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, naming the path.
        context: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The catalogue in the data directory is not one this server wrote.
    #[error("corrupt catalogue {path}: {message}")]
    CorruptState {
        /// The catalogue file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

/// A server running on a background task of the current tokio runtime.
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// The address the server listens on (with the real port when port 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The base URL clients use (`WANDB_BASE_URL`), e.g. `http://127.0.0.1:8080`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// Stops accepting connections, lets requests in flight finish, and waits for the server task.
    pub async fn shutdown(self) {
        // The receiver is gone only if the server task already ended; either way we wait for it below.
        let _ = self.stop.send(());
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => eprintln!("wandguard serve: server ended with an error: {err}"),
            Err(err) => eprintln!("wandguard serve: server task failed: {err}"),
        }
    }
}

/// Opens (or creates) the data directory, binds the address, and serves on a spawned task.
pub async fn start(options: ServeOptions) -> Result<RunningServer, ServeError> {
    if !options.addr.ip().is_loopback() {
        return Err(ServeError::NotLoopback(options.addr));
    }
    check_api_key_format(&options.api_key).map_err(ServeError::InvalidApiKey)?;
    if !catalogue::is_valid_entity_name(&options.entity) {
        return Err(ServeError::InvalidEntity(options.entity));
    }
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|source| ServeError::Bind { addr: options.addr, source })?;
    let local_addr = listener.local_addr().map_err(|source| ServeError::Bind { addr: options.addr, source })?;
    let app = Arc::new(routes::App::open(&options, format!("http://{local_addr}"))?);
    let (stop, stopped) = oneshot::channel::<()>();
    let router = routes::router(app);
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                // A dropped sender (the RunningServer was dropped) also stops the server.
                let _ = stopped.await;
            })
            .await
    });
    Ok(RunningServer { local_addr, stop, task })
}
