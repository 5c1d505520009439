//! End-to-end check of the built `amorph-relay` binary: startup line, app files, `/health`, and
//! the `/signal` protocol with real Ed25519 joins over real WebSockets, then a graceful SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use amorph_core::identity::Identity;
use amorph_core::signal::{join_proof_bytes, ClientMessage, ErrorCode, RelayMessage, SignalPayload};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const WAIT: Duration = Duration::from_secs(5);
const MAX_FRAME_BYTES: usize = 2048;

/// The relay process, killed if a test fails half-way; its temporary app directory is removed.
struct Relay {
    child: Child,
    addr: String,
    app_dir: PathBuf,
}

impl Relay {
    fn start() -> Relay {
        let app_dir = std::env::temp_dir().join(format!("amorph-relay-test-{}", std::process::id()));
        std::fs::create_dir_all(&app_dir).expect("create app dir");
        std::fs::write(app_dir.join("index.html"), "<title>Amorph</title>").expect("write index.html");
        let mut child = Command::new(env!("CARGO_BIN_EXE_amorph-relay"))
            .args(["--port", "0", "--max-frame-bytes", &MAX_FRAME_BYTES.to_string()])
            .arg("--app-dir")
            .arg(&app_dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start amorph-relay");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout).read_line(&mut line).expect("read the startup line");
        let addr = line
            .trim_end()
            .strip_prefix("Amorph relay listening on http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("unexpected startup line {line:?}"))
            .to_string();
        Relay { child, addr, app_dir }
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.addr).await.expect("connect for HTTP");
        let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", self.addr);
        stream.write_all(request.as_bytes()).await.expect("send request");
        let mut response = String::new();
        timeout(WAIT, stream.read_to_string(&mut response)).await.expect("response in time").expect("read");
        let status = response.split(' ').nth(1).and_then(|code| code.parse().ok()).expect("status code");
        let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default();
        (status, body)
    }

    async fn health(&self) -> Value {
        let (status, body) = self.get("/health").await;
        assert_eq!(status, 200);
        serde_json::from_str(&body).expect("health is JSON")
    }

    /// Opens `/signal` and returns the socket with its challenge nonce.
    async fn connect(&self) -> (Socket, String) {
        let (mut socket, _) = connect_async(format!("ws://{}/signal", self.addr)).await.expect("WebSocket upgrade");
        match recv(&mut socket).await {
            RelayMessage::Challenge { nonce } => (socket, nonce),
            other => panic!("expected a challenge, got {other:?}"),
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.app_dir);
    }
}

async fn send(socket: &mut Socket, message: &ClientMessage) {
    let text = serde_json::to_string(message).expect("encode");
    socket.send(Message::text(text)).await.expect("send frame");
}

async fn recv(socket: &mut Socket) -> RelayMessage {
    let frame = timeout(WAIT, socket.next()).await.expect("frame in time").expect("socket open").expect("frame");
    match frame {
        Message::Text(text) => serde_json::from_str(text.as_str()).expect("relay frames parse"),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

fn join(identity: &Identity, nonce: &str) -> ClientMessage {
    let signature = hex::encode(identity.sign(&join_proof_bytes(nonce)));
    ClientMessage::Join { peer: identity.peer_id().to_did(), signature }
}

fn expect_error(message: RelayMessage, code: ErrorCode) {
    assert!(matches!(message, RelayMessage::Error { code: c, .. } if c == code), "expected {code:?}, got {message:?}");
}

#[tokio::test]
async fn relay_introduces_peers_and_enforces_its_rules() {
    let mut relay = Relay::start();

    let (status, body) = relay.get("/").await;
    assert_eq!((status, body.as_str()), (200, "<title>Amorph</title>"));
    let (status, body) = relay.get("/tasks/42").await;
    assert_eq!((status, body.as_str()), (200, "<title>Amorph</title>"), "client-side routes get index.html");
    assert_eq!(relay.health().await["status"], "ok");

    let (alice, bob) = (Identity::from_seed([1; 32]), Identity::from_seed([2; 32]));
    let (alice_did, bob_did) = (alice.peer_id().to_did(), bob.peer_id().to_did());
    let (mut alice_socket, nonce) = relay.connect().await;
    send(&mut alice_socket, &join(&alice, &nonce)).await;
    assert_eq!(recv(&mut alice_socket).await, RelayMessage::Welcome { you: alice_did.clone(), peers: vec![] });
    let (mut bob_socket, nonce) = relay.connect().await;
    send(&mut bob_socket, &join(&bob, &nonce)).await;
    assert_eq!(recv(&mut bob_socket).await, RelayMessage::Welcome { you: bob_did.clone(), peers: vec![alice_did] });

    let offer = SignalPayload::Offer { sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n".into() };
    send(&mut bob_socket, &ClientMessage::Signal { to: alice.peer_id().to_did(), payload: offer.clone() }).await;
    assert_eq!(recv(&mut alice_socket).await, RelayMessage::Signal { from: bob_did, payload: offer });

    let health = relay.health().await;
    assert_eq!((health["connections"].as_u64(), health["peers"].as_u64()), (Some(2), Some(2)));

    let (mut carol_socket, nonce) = relay.connect().await;
    let forged = join(&Identity::from_seed([3; 32]), &"00".repeat(16));
    send(&mut carol_socket, &forged).await;
    expect_error(recv(&mut carol_socket).await, ErrorCode::BadJoin);
    send(&mut carol_socket, &join(&Identity::from_seed([3; 32]), &nonce)).await;
    assert!(matches!(recv(&mut carol_socket).await, RelayMessage::Welcome { .. }), "a bad join may be retried");

    let oversized =
        format!(r#"{{"type":"signal","to":"x","payload":{{"kind":"offer","sdp":"{}"}}}}"#, "a".repeat(MAX_FRAME_BYTES));
    carol_socket.send(Message::text(oversized)).await.expect("send oversized frame");
    expect_error(recv(&mut carol_socket).await, ErrorCode::TooLarge);
    match timeout(WAIT, carol_socket.next()).await.expect("close in time") {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!((u16::from(frame.code), frame.reason.as_str()), (1009, "too_large"))
        }
        other => panic!("expected a close frame, got {other:?}"),
    }

    let health = relay.health().await;
    assert_eq!(health["refused"]["bad_join"], 1);
    assert_eq!(health["refused"]["too_large"], 1);
    assert_eq!((health["connections"].as_u64(), health["peers"].as_u64()), (Some(2), Some(2)));

    // SIGTERM: open sockets are told the relay is going away, and the process exits cleanly.
    let pid = relay.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("run kill").success());
    match timeout(WAIT, alice_socket.next()).await.expect("close in time") {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 1001),
        other => panic!("expected a going-away close, got {other:?}"),
    }
    let exit = timeout(WAIT, async {
        loop {
            if let Some(status) = relay.child.try_wait().expect("poll the relay process") {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("relay exits in time");
    assert!(exit.success(), "relay exited with {exit}");
}
