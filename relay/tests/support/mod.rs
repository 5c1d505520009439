//! The built `amorph-relay` binary as a child process of a test: temporary app and data
//! directories, the startup line, plain HTTP GETs, and tabs that join `/signal` with a store of
//! their own. Shared by the relay's integration tests.

#![allow(dead_code)] // each test binary uses a different part

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amorph_core::events::SignedEvent;
use amorph_core::identity::{Identity, PeerId};
use amorph_core::signal::{join_proof_bytes, ClientMessage, ErrorCode, RelayMessage};
use amorph_core::store::EventStore;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

pub const WAIT: Duration = Duration::from_secs(5);

/// A directory under the system's temp dir, unique to this process and call, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(what: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("amorph-relay-test-{what}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An app directory holding only a tiny index.html.
pub fn app_dir() -> TempDir {
    let dir = TempDir::new("app");
    std::fs::write(dir.0.join("index.html"), "<title>Amorph</title>").expect("write index.html");
    dir
}

fn command(app_dir: &Path, data_dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_amorph-relay"));
    command.args(["--port", "0"]).arg("--app-dir").arg(app_dir).arg("--data-dir").arg(data_dir).args(args);
    command.env("RUST_LOG", "warn");
    command
}

/// Runs the relay expecting it to stop by itself (it refuses to start); returns how it ended.
pub fn run_to_exit(app_dir: &Path, data_dir: &Path) -> Output {
    command(app_dir, data_dir, &[]).stdin(Stdio::null()).output().expect("run amorph-relay")
}

/// A running relay, killed if a test fails half-way.
pub struct Relay {
    pub child: Child,
    pub addr: String,
}

impl Relay {
    pub fn start(app_dir: &Path, data_dir: &Path, args: &[&str]) -> Relay {
        let mut child = command(app_dir, data_dir, args).stdout(Stdio::piped()).spawn().expect("start amorph-relay");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout).read_line(&mut line).expect("read the startup line");
        let addr = line
            .trim_end()
            .strip_prefix("Amorph relay listening on http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("unexpected startup line {line:?}"))
            .to_string();
        Relay { child, addr }
    }

    /// Status, headers (lower-case names) and body of `GET path`.
    pub async fn get_bytes(&self, path: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
        self.get_with(path, "").await
    }

    /// `GET path` with extra request header lines (each ending in `\r\n`), as [`Self::get_bytes`].
    pub async fn get_with(&self, path: &str, extra_headers: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let mut stream = TcpStream::connect(&self.addr).await.expect("connect for HTTP");
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {}\r\n{extra_headers}Connection: close\r\n\r\n", self.addr);
        stream.write_all(request.as_bytes()).await.expect("send request");
        let mut response = Vec::new();
        timeout(WAIT, stream.read_to_end(&mut response)).await.expect("response in time").expect("read");
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").expect("end of headers");
        let head = String::from_utf8(response[..split].to_vec()).expect("headers are text");
        let mut lines = head.split("\r\n");
        let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).expect("status code");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
            .collect();
        (status, headers, response[split + 4..].to_vec())
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let (status, _, body) = self.get_bytes(path).await;
        (status, String::from_utf8(body).expect("a text body"))
    }

    /// Waits (up to `WAIT`) for the relay process to exit, e.g. after a SIGTERM.
    pub async fn exited(&mut self) -> std::process::ExitStatus {
        timeout(WAIT, async {
            loop {
                if let Some(status) = self.child.try_wait().expect("poll the relay process") {
                    return status;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("relay exits in time")
    }

    pub async fn health(&self) -> Value {
        let (status, body) = self.get("/health").await;
        assert_eq!(status, 200);
        serde_json::from_str(&body).expect("health is JSON")
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).expect("clock after 1970")
}

async fn next_frame(socket: &mut Socket) -> Message {
    timeout(WAIT, socket.next()).await.expect("frame in time").expect("socket open").expect("frame")
}

pub async fn recv_text(socket: &mut Socket) -> RelayMessage {
    match next_frame(socket).await {
        Message::Text(text) => serde_json::from_str(text.as_str()).expect("relay frames parse"),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

pub async fn recv_binary(socket: &mut Socket) -> Vec<u8> {
    match next_frame(socket).await {
        Message::Binary(bytes) => bytes.to_vec(),
        other => panic!("expected a binary frame, got {other:?}"),
    }
}

/// A tab with its own store: joins, and checks the relay opens with its sync step 1.
pub struct Tab {
    pub socket: Socket,
    pub store: EventStore,
    pub identity: Identity,
    pub relay_peer: PeerId,
}

impl Tab {
    pub async fn join(relay: &Relay, genesis: &SignedEvent, seed: u8) -> Tab {
        let (mut socket, _) = connect_async(format!("ws://{}/signal", relay.addr)).await.expect("WebSocket upgrade");
        let RelayMessage::Challenge { nonce } = recv_text(&mut socket).await else { panic!("expected a challenge") };
        socket.send(Message::binary(b"too early".to_vec())).await.expect("send");
        let refused = recv_text(&mut socket).await;
        assert!(matches!(refused, RelayMessage::Error { code: ErrorCode::NotJoined, .. }), "{refused:?}");
        let identity = Identity::from_seed([seed; 32]);
        let signature = hex::encode(identity.sign(&join_proof_bytes(&nonce)));
        let join = ClientMessage::Join { peer: identity.peer_id().to_did(), signature };
        socket.send(Message::text(serde_json::to_string(&join).expect("encode"))).await.expect("send join");
        assert!(matches!(recv_text(&mut socket).await, RelayMessage::Welcome { .. }));
        let mut store = EventStore::new(u64::from(seed) * 1_000 + 1, genesis).expect("a store of the swarm");
        let relay_peer = genesis.author();
        let step1 = recv_binary(&mut socket).await;
        let outcome = store.handle_message(relay_peer, &step1, now_ms());
        assert_eq!((outcome.rejected, outcome.replies.len()), (0, 1), "the relay opens with a step 1: {outcome:?}");
        Tab { socket, store, identity, relay_peer }
    }

    pub async fn send(&mut self, message: Vec<u8>) {
        self.socket.send(Message::binary(message)).await.expect("send a sync message");
    }

    /// Sends our step 1 and applies the relay's step 2.
    pub async fn pull(&mut self) {
        self.send(self.store.sync_step1()).await;
        self.apply_next().await;
    }

    /// Applies the next binary frame from the relay; returns how many events it added.
    pub async fn apply_next(&mut self) -> usize {
        let message = recv_binary(&mut self.socket).await;
        let outcome = self.store.handle_message(self.relay_peer, &message, now_ms());
        assert_eq!(outcome.rejected, 0, "{outcome:?}");
        outcome.added
    }

    /// Asserts that the relay sends nothing more for a while.
    pub async fn assert_quiet(&mut self) {
        if let Ok(frame) = timeout(Duration::from_millis(300), self.socket.next()).await {
            panic!("expected no more frames, got {frame:?}");
        }
    }
}

pub async fn served_genesis(relay: &Relay) -> SignedEvent {
    let (status, _, body) = relay.get_bytes("/genesis").await;
    assert_eq!(status, 200);
    SignedEvent::admit(&body, now_ms()).expect("the served genesis admits")
}

/// Stops the relay with SIGTERM and checks it exits cleanly (saving its archive).
pub async fn stop(relay: &mut Relay) {
    let pid = relay.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("run kill").success());
    let exit = relay.exited().await;
    assert!(exit.success(), "relay exited with {exit}");
}
