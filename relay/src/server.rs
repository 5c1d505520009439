//! The HTTP side of the relay: routes (`/signal`, `/health`, `/genesis`, the built app), the
//! shutdown signal and the hint for reaching the relay from other devices on the network.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::path::Path;
use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::Compression;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;
use tracing::{info, warn};

use crate::data_dir::Founder;
use crate::signal::{self, Hub};

/// Every route of the relay. Unknown paths get the app's index.html, so client-side routes load.
pub fn router(hub: Arc<Hub>, app_dir: &Path, founder: &Founder) -> Router {
    let index = app_dir.join("index.html");
    if !index.is_file() {
        warn!(
            app_dir = %app_dir.display(),
            "no index.html in the app directory: build the app (trunk build --release) or pass --app-dir; \
             signaling works without it"
        );
    }
    // gzip cuts the app's wasm to about 40% on the wire; the WebSocket route is not wrapped. Files
    // without a known type (the model's weights) are sent as they are: gzip saves 5% of the int8
    // weights and cost 0.75 s of CPU per download, which made the model load 0.8 s slower.
    let app = Compression::new(ServeDir::new(app_dir).fallback(ServeFile::new(index)))
        .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("application/octet-stream")));
    // Not cached: a tab must notice when the relay at this address serves another swarm. Readable
    // from any origin: a tab served elsewhere checks this relay's swarm before joining it through
    // an invite, and the genesis is public and signed.
    let headers = [
        (header::CONTENT_TYPE, "application/octet-stream"),
        (header::CACHE_CONTROL, "no-cache"),
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
    ];
    let genesis = (headers, founder.genesis_bytes.clone());
    let swarm: Arc<str> = founder.genesis.id.to_hex().into();
    Router::new()
        .route("/signal", get(signal::upgrade))
        .route("/health", get(move |hub| health(hub, swarm)))
        .route("/genesis", get(move || async move { genesis }))
        .fallback_service(app)
        .layer(TraceLayer::new_for_http())
        .with_state(hub)
}

/// `GET /health`: liveness, the swarm (its genesis id), the directory's counters and the archive's
/// (`compacted_through_ms` is the horizon of its checkpoint, `null` before the first compaction).
async fn health(State(hub): State<Arc<Hub>>, swarm: Arc<str>) -> Json<Value> {
    let counters = hub.counters();
    let archive = hub.archive_counts();
    Json(json!({
        "status": "ok",
        "swarm": &*swarm,
        "uptime_s": hub.uptime_s(),
        "connections": counters.connections,
        "peers": counters.peers,
        "refused": counters.refused,
        "events": archive.events,
        "sync_refused": archive.sync_refused,
        "checkpoints_refused": archive.checkpoints_refused,
        "compacted_through_ms": archive.compacted_through_ms,
    }))
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            warn!(%error, "cannot listen for Ctrl-C; stop the relay with SIGTERM");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(error) => {
                warn!(%error, "cannot listen for SIGTERM; stop the relay with Ctrl-C");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => info!("Ctrl-C received; shutting down"),
        () = terminate => info!("SIGTERM received; shutting down"),
    }
}

/// Logs the address other devices should open when the relay listens on every interface.
pub fn log_lan_hint(bound: SocketAddr) {
    if !bound.ip().is_unspecified() {
        return;
    }
    match lan_address() {
        Some(ip) => info!("on other devices on this network, open http://{}/", SocketAddr::new(ip, bound.port())),
        None => info!(
            "listening on every interface; on other devices open http://<this machine's LAN address>:{}/",
            bound.port()
        ),
    }
}

/// The address this machine uses for outbound traffic. Connecting a UDP socket sends nothing.
fn lan_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}
