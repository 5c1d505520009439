//! The relay keeps its swarm's history: a tab's event reaches the relay over `/signal` as a binary
//! sync message, is forwarded to the other joined tabs, answers later tabs' sync step 1, survives
//! a restart on the same data directory, and a damaged `events.bin` stops the relay untouched.

mod support;

use std::time::Duration;

use amorph_core::events::{Event, Heartbeat};
use tokio::time::timeout;

use support::{app_dir, now_ms, recv_binary, run_to_exit, served_genesis, stop, Relay, Tab, TempDir, WAIT};

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
