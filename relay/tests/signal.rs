//! End-to-end check of the built `amorph-relay` binary: startup line, app files, `/health`, and
//! the `/signal` protocol with real Ed25519 joins over real WebSockets, then a graceful SIGTERM.

mod support;

use std::process::Command;

use amorph_core::identity::Identity;
use amorph_core::signal::{join_proof_bytes, ClientMessage, ErrorCode, RelayMessage, SignalPayload};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

use support::{app_dir, Relay, TempDir, WAIT};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const MAX_FRAME_BYTES: usize = 2048;

/// Opens `/signal` and returns the socket with its challenge nonce.
async fn connect(relay: &Relay) -> (Socket, String) {
    let (mut socket, _) = connect_async(format!("ws://{}/signal", relay.addr)).await.expect("WebSocket upgrade");
    match recv(&mut socket).await {
        RelayMessage::Challenge { nonce } => (socket, nonce),
        other => panic!("expected a challenge, got {other:?}"),
    }
}

async fn send(socket: &mut Socket, message: &ClientMessage) {
    let text = serde_json::to_string(message).expect("encode");
    socket.send(Message::text(text)).await.expect("send frame");
}

/// The next signaling frame; binary frames (the archive's sync messages, see archive.rs) are skipped.
async fn recv(socket: &mut Socket) -> RelayMessage {
    loop {
        let frame = timeout(WAIT, socket.next()).await.expect("frame in time").expect("socket open").expect("frame");
        match frame {
            Message::Text(text) => return serde_json::from_str(text.as_str()).expect("relay frames parse"),
            Message::Binary(_) => continue,
            other => panic!("expected a text frame, got {other:?}"),
        }
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
    let (app, data) = (app_dir(), TempDir::new("data"));
    let mut relay = Relay::start(&app.0, &data.0, &["--max-frame-bytes", &MAX_FRAME_BYTES.to_string()]);

    let (status, body) = relay.get("/").await;
    assert_eq!((status, body.as_str()), (200, "<title>Amorph</title>"));
    let (status, body) = relay.get("/tasks/42").await;
    assert_eq!((status, body.as_str()), (200, "<title>Amorph</title>"), "client-side routes get index.html");
    assert_eq!(relay.health().await["status"], "ok");

    let (alice, bob) = (Identity::from_seed([1; 32]), Identity::from_seed([2; 32]));
    let (alice_did, bob_did) = (alice.peer_id().to_did(), bob.peer_id().to_did());
    let (mut alice_socket, nonce) = connect(&relay).await;
    send(&mut alice_socket, &join(&alice, &nonce)).await;
    assert_eq!(recv(&mut alice_socket).await, RelayMessage::Welcome { you: alice_did.clone(), peers: vec![] });
    let (mut bob_socket, nonce) = connect(&relay).await;
    send(&mut bob_socket, &join(&bob, &nonce)).await;
    assert_eq!(recv(&mut bob_socket).await, RelayMessage::Welcome { you: bob_did.clone(), peers: vec![alice_did] });

    let offer = SignalPayload::Offer { sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n".into() };
    send(&mut bob_socket, &ClientMessage::Signal { to: alice.peer_id().to_did(), payload: offer.clone() }).await;
    assert_eq!(recv(&mut alice_socket).await, RelayMessage::Signal { from: bob_did, payload: offer });

    let health = relay.health().await;
    assert_eq!((health["connections"].as_u64(), health["peers"].as_u64()), (Some(2), Some(2)));

    let (mut carol_socket, nonce) = connect(&relay).await;
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
    let exit = relay.exited().await;
    assert!(exit.success(), "relay exited with {exit}");
}
