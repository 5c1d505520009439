//! `amorph-relay`: founds its swarm (or loads it), serves the built app and the swarm's genesis,
//! runs the `/signal` WebSocket that introduces peers, and keeps the swarm's event log (its archive).
//!
//! Owns process concerns only: flags, logging, the data directory, binding, the startup line,
//! graceful shutdown. The protocol lives in `amorph_core::signal::Directory` and the sync rules in
//! `amorph_core::store`; the relay signs the genesis once, with `--grant-newcomers` a welcome
//! grant for each new identity (`grants`), and every `--compact-every` a `Compacted` event naming
//! the checkpoint of its archive's settled history (`compaction`); it authors no other event.

mod archive;
mod cli;
mod compaction;
mod data_dir;
mod grants;
mod outbox;
mod server;
mod signal;

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Parser;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{error, info, warn};
use tracing_subscriber::EnvFilter;

use crate::archive::{Archive, ArchiveError};
use crate::cli::Cli;
use crate::data_dir::DataDirError;
use crate::grants::Faucet;
use crate::signal::Hub;

/// How long open sockets get to close after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
enum RelayError {
    #[error("no data directory: neither XDG_DATA_HOME nor HOME is an absolute path; pass --data-dir")]
    NoDataDir,
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(
        "--grant-newcomers: this relay is not an issuer of its swarm's genesis, so its grants would \
         create no credits; run without --grant-newcomers"
    )]
    NotIssuer,
    #[error("cannot listen on {host}:{port}: {source} (is another relay running? try --port 0)")]
    Bind { host: String, port: u16, source: std::io::Error },
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Logs go to stderr: stdout carries only the startup line that scripts read.
    let color = std::io::stderr().is_terminal();
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(color).init();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            error!("{err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), RelayError> {
    let data_dir = cli.data_dir().ok_or(RelayError::NoDataDir)?;
    let founder = data_dir::open_or_found(&data_dir, &cli.swarm_name, now_ms())?;
    info!(
        swarm = founder.swarm_name(),
        genesis = %founder.genesis.id,
        data_dir = %data_dir.display(),
        "{}",
        if founder.founded_now { "founded a new swarm" } else { "loaded the swarm" }
    );

    let archive = Archive::open(&data_dir, &founder.genesis, now_ms())?;
    info!(events = archive.len(), "archive loaded");
    let faucet = match cli.grants() {
        Some(_) if !founder.is_issuer() => return Err(RelayError::NotIssuer),
        Some(policy) => {
            let faucet = Faucet::new(policy, founder.identity.clone(), archive.events());
            info!(
                amount = policy.amount,
                per_ip_per_day = policy.per_ip_per_day,
                granted_before = faucet.granted_count(),
                "welcome grants on"
            );
            Some(faucet)
        }
        None => None,
    };
    let archive = archive.shared();

    let host = cli.bind_host().to_string();
    let listener = TcpListener::bind((host.as_str(), cli.port)).await.map_err(|source| RelayError::Bind {
        host: host.clone(),
        port: cli.port,
        source,
    })?;
    let bound = listener.local_addr().map_err(|source| RelayError::Bind { host, port: cli.port, source })?;

    let (stop, stopped) = watch::channel(false);
    let hub = Arc::new(Hub::new(cli.limits(), archive.clone(), faucet, stopped.clone()));
    let saver = tokio::spawn(archive::keep_saved(archive.clone(), stopped.clone()));
    let compactor = match cli.compact_every() {
        Some(_) if !founder.is_issuer() => {
            warn!("this relay is not an issuer of its swarm's genesis: it cannot compact its archive");
            None
        }
        Some(every) => {
            info!(every_s = every.as_secs(), "compaction on");
            Some(tokio::spawn(compaction::keep_compacted(hub.clone(), founder.identity.clone(), every, stopped)))
        }
        None => None,
    };
    let app = server::router(hub.clone(), &cli.app_dir, &founder);

    announce(bound);
    server::log_lan_hint(bound);
    info!(limits = ?cli.limits(), app_dir = %cli.app_dir.display(), "relay started");

    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            server::shutdown_signal().await;
            // WebSockets run outside the HTTP server's own shutdown: tell them to close.
            let _ = stop.send(true);
        })
        .await
        .map_err(RelayError::Serve)?;

    let deadline = tokio::time::Instant::now() + DRAIN_TIMEOUT;
    while hub.counters().connections > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The sockets are closed: nothing changes the archive any more. Save what the saver has not.
    if let Some(compactor) = compactor {
        let _ = compactor.await;
    }
    let _ = saver.await;
    archive::save_now(&archive).await;
    info!(open = hub.counters().connections, "relay stopped");
    Ok(())
}

fn now_ms() -> u64 {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX)
}

/// The one line on stdout; e2e tests and scripts parse the port from it.
fn announce(bound: SocketAddr) {
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = writeln!(stdout, "Amorph relay listening on http://{bound}/").and_then(|()| stdout.flush()) {
        warn!(%error, "could not write the startup line to stdout");
    }
}
