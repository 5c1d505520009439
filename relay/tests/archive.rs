//! The relay keeps its swarm's history: a tab's event reaches the relay over `/signal` as a binary
//! sync message, is forwarded to the other joined tabs, answers later tabs' sync step 1, survives
//! a restart on the same data directory, and a damaged `events.bin` stops the relay untouched.

mod support;

use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amorph_core::events::{Event, Heartbeat, SignedEvent};
use amorph_core::identity::Identity;
use amorph_core::signal::{join_proof_bytes, ClientMessage, ErrorCode, RelayMessage};
use amorph_core::store::EventStore;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

use support::{app_dir, run_to_exit, Relay, TempDir, WAIT};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).expect("clock after 1970")
}

async fn next_frame(socket: &mut Socket) -> Message {
    timeout(WAIT, socket.next()).await.expect("frame in time").expect("socket open").expect("frame")
}

async fn recv_text(socket: &mut Socket) -> RelayMessage {
    match next_frame(socket).await {
        Message::Text(text) => serde_json::from_str(text.as_str()).expect("relay frames parse"),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

async fn recv_binary(socket: &mut Socket) -> Vec<u8> {
    match next_frame(socket).await {
        Message::Binary(bytes) => bytes.to_vec(),
        other => panic!("expected a binary frame, got {other:?}"),
    }
}

/// A tab with its own store: joins, and checks the relay opens with its sync step 1.
struct Tab {
    socket: Socket,
    store: EventStore,
    identity: Identity,
    relay_peer: amorph_core::identity::PeerId,
}

impl Tab {
    async fn join(relay: &Relay, genesis: &SignedEvent, seed: u8) -> Tab {
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

    async fn send(&mut self, message: Vec<u8>) {
        self.socket.send(Message::binary(message)).await.expect("send a sync message");
    }

    /// Sends our step 1 and applies the relay's step 2.
    async fn pull(&mut self) {
        self.send(self.store.sync_step1()).await;
        let step2 = recv_binary(&mut self.socket).await;
        let outcome = self.store.handle_message(self.relay_peer, &step2, now_ms());
        assert_eq!(outcome.rejected, 0, "{outcome:?}");
    }
}

async fn served_genesis(relay: &Relay) -> SignedEvent {
    let (status, _, body) = relay.get_bytes("/genesis").await;
    assert_eq!(status, 200);
    SignedEvent::admit(&body, now_ms()).expect("the served genesis admits")
}

async fn stop(relay: &mut Relay) {
    let pid = relay.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("run kill").success());
    let exit = relay.exited().await;
    assert!(exit.success(), "relay exited with {exit}");
}

#[tokio::test]
async fn the_relay_keeps_the_swarms_history_across_restarts() {
    let (app, data) = (app_dir(), TempDir::new("archive"));
    let mut relay = Relay::start(&app.0, &data.0, &[]);
    let genesis = served_genesis(&relay).await;
    assert_eq!(relay.health().await["events"], 1, "the archive starts with the genesis");

    let mut alice = Tab::join(&relay, &genesis, 1).await;
    let mut bob = Tab::join(&relay, &genesis, 2).await;
    let (event, update) =
        alice.store.publish(&alice.identity, now_ms(), Event::Heartbeat(Heartbeat { seq: 1 })).expect("publish");
    alice.send(update).await;
    let forwarded = recv_binary(&mut bob.socket).await;
    assert_eq!(bob.store.handle_message(bob.relay_peer, &forwarded, now_ms()).added, 1, "forwarded to bob");
    assert!(bob.store.get(&event.id).is_some());
    let health = relay.health().await;
    assert_eq!((health["events"].as_u64(), health["sync_refused"].as_u64()), (Some(2), Some(0)));

    let mut carol = Tab::join(&relay, &genesis, 3).await;
    carol.pull().await;
    assert!(carol.store.get(&event.id).is_some(), "a later tab gets the event in its step 2");

    stop(&mut relay).await;
    let relay = Relay::start(&app.0, &data.0, &[]);
    assert_eq!(relay.health().await["events"], 2, "the archive is restored from events.bin");
    let mut dave = Tab::join(&relay, &genesis, 4).await;
    dave.pull().await;
    assert!(dave.store.get(&event.id).is_some(), "the event outlives the relay process");

    // Garbage from a joined tab is refused and counted, the connection stays.
    dave.send(vec![0xff; 16]).await;
    let counted = async {
        while relay.health().await["sync_refused"] != 1 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    timeout(WAIT, counted).await.expect("the refusal is counted");
    assert_eq!(served_genesis(&relay).await.id, genesis.id);
}

#[tokio::test]
async fn a_damaged_events_file_stops_the_relay_and_stays_as_it_is() {
    let (app, data) = (app_dir(), TempDir::new("damaged-archive"));
    drop(Relay::start(&app.0, &data.0, &[]));
    let events = data.0.join("events.bin");
    std::fs::write(&events, b"not an event log").expect("write events.bin");
    let output = run_to_exit(&app.0, &data.0);
    assert!(!output.status.success(), "the relay must refuse to start");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("events.bin"), "the error names the file: {stderr}");
    assert_eq!(std::fs::read(&events).expect("still there"), b"not an event log");
}
