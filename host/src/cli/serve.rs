//! `wandguard serve`: runs the W&B-compatible artifact server until SIGINT / SIGTERM.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use clap::Args;
use wandguard::serve::{ServeOptions, check_api_key_format, start};

use super::{EXIT_OK, EXIT_USAGE};

/// Length of a generated API key (the `wandb` SDK needs at least 40 characters).
const GENERATED_KEY_LEN: usize = 40;

/// Options of `wandguard serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// Data directory (blobs and catalogue); created if missing [default: the user data dir's wandguard/serve].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Address to listen on; only loopback addresses are allowed.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0: any free port; the first stdout line names it).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The API key clients must send [default: $WANDGUARD_SERVE_API_KEY, else a key generated once and kept in
    /// DIR/api-key]. At least 40 letters, digits or '_' (what the wandb SDK accepts).
    #[arg(long, env = "WANDGUARD_SERVE_API_KEY", hide_env_values = true, value_name = "KEY")]
    api_key: Option<String>,
    /// Entity (user name) of the key's owner: the default entity of runs and artifacts.
    #[arg(long, default_value = "wandguard", value_name = "NAME")]
    entity: String,
}

/// Runs the server in the foreground; the first stdout line is `listening on http://HOST:PORT`.
pub fn run(args: &ServeArgs) -> u8 {
    match serve(args) {
        Ok(()) => EXIT_OK,
        Err(message) => {
            eprintln!("wandguard serve: {message}");
            EXIT_USAGE
        }
    }
}

fn serve(args: &ServeArgs) -> Result<(), String> {
    let ip: IpAddr = match args.host.as_str() {
        "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        host => host.parse().map_err(|_| format!("--host {host:?} is not an IP address"))?,
    };
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => dirs::data_dir().ok_or("no user data directory; pass --dir")?.join("wandguard").join("serve"),
    };
    let api_key = match &args.api_key {
        Some(key) => key.clone(),
        None => stored_api_key(&dir)?,
    };
    check_api_key_format(&api_key).map_err(|reason| format!("invalid API key: {reason}"))?;
    let options = ServeOptions { dir, addr: SocketAddr::new(ip, args.port), api_key, entity: args.entity.clone() };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start the async runtime: {err}"))?;
    runtime.block_on(async {
        let server = start(options.clone()).await.map_err(|err| err.to_string())?;
        let mut stdout = std::io::stdout();
        // A closed stdout must not stop the server; the line is for whoever started us.
        let _ = writeln!(stdout, "listening on {}", server.base_url()).and_then(|()| stdout.flush());
        eprintln!("wandguard serve: data in {}, entity {:?}; stop with Ctrl-C", options.dir.display(), options.entity);
        wait_for_stop_signal().await?;
        eprintln!("wandguard serve: stopping");
        server.shutdown().await;
        Ok(())
    })
}

/// The key kept in `DIR/api-key`, generated (owner-only) on first use. Its value is never printed.
fn stored_api_key(dir: &Path) -> Result<String, String> {
    let path = dir.join("api-key");
    match std::fs::read_to_string(&path) {
        Ok(key) => {
            eprintln!("wandguard serve: using the API key in {}", path.display());
            return Ok(key.trim().to_owned());
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(format!("cannot read {}: {err}", path.display())),
    }
    std::fs::create_dir_all(dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    let key = random_key()?;
    let tmp =
        tempfile::NamedTempFile::new_in(dir).map_err(|err| format!("cannot write in {}: {err}", dir.display()))?;
    std::fs::write(tmp.path(), &key)
        .and_then(|()| tmp.persist(&path).map(drop).map_err(|err| err.error))
        .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    eprintln!("wandguard serve: generated an API key, stored in {} (owner-only)", path.display());
    Ok(key)
}

fn random_key() -> Result<String, String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; GENERATED_KEY_LEN];
    getrandom::fill(&mut bytes).map_err(|err| format!("no OS randomness: {err}"))?;
    // 256 % 62 != 0 makes the first 8 characters slightly likelier; irrelevant for 40 characters (> 230 bits).
    Ok(bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect())
}

async fn wait_for_stop_signal() -> Result<(), String> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|err| format!("cannot watch SIGTERM: {err}"))?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.map_err(|err| format!("cannot watch SIGINT: {err}")),
        _ = terminate.recv() => Ok(()),
    }
}
