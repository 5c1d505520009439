//! The relay compacts its archive: a data directory holding a settled task (days old) starts with
//! `--compact-every 1`; once a tab's fresh event moves the swarm's clock past the dispute window,
//! the relay checkpoints the settled history, sends the checkpoint to the joined tab (which checks
//! it against the history it holds), and a tab joining later gets the checkpoint and the events
//! after it. Every tab's views are byte-identical to folding the whole history, also after a
//! restart on the same data directory (checkpoint.bin beside events.bin).

mod support;

use std::path::Path;
use std::time::Duration;

use amorph_core::economy::Economy;
use amorph_core::events::{
    Decision, Event, Genesis, Grant, Heartbeat, ResultSubmitted, Settle, SignedEvent, TaskClaimed, TaskPosted,
};
use amorph_core::identity::Identity;
use amorph_core::store::EventStore;
use amorph_core::wire::EventId;
use futures_util::StreamExt;
use serde_json::Value;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;

use support::{app_dir, now_ms, served_genesis, stop, Relay, Tab, TempDir, WAIT};

const DAY_MS: u64 = 86_400_000;
const COMPACT: &[&str] = &["--compact-every", "1"];

/// Founds a swarm in `dir` as the relay would (its seed and genesis files), three days ago, and
/// writes an events.bin holding a task settled right after: the relay's grants, a post, a claim
/// staking 10% of the payment, a submission, an acceptance, the settlement. Returns the genesis
/// and the events.
fn prepare(dir: &Path) -> (SignedEvent, Vec<SignedEvent>) {
    let issuer = Identity::from_seed([7; 32]);
    let mut at = now_ms() - 3 * DAY_MS;
    let body = Event::Genesis(Genesis::with_defaults("Compacting", issuer.peer_id()));
    let genesis = SignedEvent::create(&issuer, EventId::NONE, 4_242, at, body).expect("a genesis");
    std::fs::write(dir.join("identity.seed"), issuer.seed()).expect("write the seed");
    std::fs::write(dir.join("genesis.bin"), genesis.encode()).expect("write the genesis");

    let (requester, worker) = (Identity::from_seed([2; 32]), Identity::from_seed([3; 32]));
    let mut authors: Vec<EventStore> = (11..14).map(|r| EventStore::new(r, &genesis).expect("a store")).collect();
    let mut archive = EventStore::new(99, &genesis).expect("a store");
    let mut events = Vec::new();
    let mut sign = |author: usize, who: &Identity, event: Event| {
        at += 1_000;
        let (signed, update) = authors[author].publish(who, at, event).expect("publish");
        assert_eq!(archive.handle_message(who.peer_id(), &update, now_ms()).added, 1);
        events.push(signed.clone());
        signed.id
    };
    sign(0, &issuer, Event::Grant(Grant { to: requester.peer_id(), amount: 100, memo: String::new() }));
    sign(0, &issuer, Event::Grant(Grant { to: worker.peer_id(), amount: 20, memo: String::new() }));
    let terms = TaskPosted::simple("Task", "Do it", "translation", 50, now_ms() + 30 * DAY_MS);
    let task = sign(1, &requester, Event::TaskPosted(terms));
    sign(2, &worker, Event::TaskClaimed(TaskClaimed { task, stake: 5 }));
    let submission = sign(2, &worker, Event::ResultSubmitted(ResultSubmitted::new(task, "done")));
    let acceptance = sign(1, &requester, Event::ResultAccepted(Decision { task, submission }));
    sign(2, &worker, Event::Settle(Settle { task, acceptance, routing: None }));
    std::fs::write(dir.join("events.bin"), archive.snapshot()).expect("write events.bin");
    (genesis, events)
}

/// Applies every binary frame the relay sends until it is quiet for a while; none is refused.
async fn apply_all(tab: &mut Tab) -> usize {
    let mut frames = 0;
    while let Ok(frame) = timeout(Duration::from_millis(500), tab.socket.next()).await {
        let Some(Ok(Message::Binary(bytes))) = frame else { panic!("expected a binary frame, got {frame:?}") };
        let outcome = tab.store.handle_message(tab.relay_peer, &bytes, now_ms());
        assert_eq!(outcome.rejected, 0, "{outcome:?}");
        frames += 1;
    }
    frames
}

/// Sends the tab's step 1 and applies what comes back (checkpoint parts first, then the step 2).
async fn pull_all(tab: &mut Tab) -> usize {
    tab.send(tab.store.sync_step1()).await;
    apply_all(tab).await
}

fn views(tab: &Tab) -> Vec<u8> {
    tab.store.economy().expect("the tab's economy folds").views().encode()
}

async fn health_when(relay: &Relay, done: impl Fn(&Value) -> bool) -> Value {
    let waited = async {
        loop {
            let health = relay.health().await;
            if done(&health) {
                return health;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    timeout(WAIT, waited).await.expect("the relay gets there in time")
}

#[tokio::test]
async fn the_relay_compacts_settled_history_and_tabs_keep_identical_views() {
    let (app, data) = (app_dir(), TempDir::new("compaction"));
    let (genesis, mut history) = prepare(&data.0);
    let mut relay = Relay::start(&app.0, &data.0, COMPACT);
    assert_eq!(served_genesis(&relay).await.id, genesis.id, "the relay loads the prepared swarm");
    assert_eq!(relay.health().await["events"], 8, "the genesis and the settled task");

    // The swarm's clock is the settled task's: nothing is past the dispute window yet.
    let mut alice = Tab::join(&relay, &genesis, 1).await;
    pull_all(&mut alice).await;
    assert_eq!(alice.store.len(), 8);
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(relay.health().await["compacted_through_ms"], Value::Null, "nothing settled long enough");

    // A fresh event moves the clock: the next compaction covers the settled task.
    let (heartbeat, update) =
        alice.store.publish(&alice.identity, now_ms(), Event::Heartbeat(Heartbeat { seq: 1 })).expect("publish");
    alice.send(update).await;
    history.push(heartbeat);
    let health = health_when(&relay, |h| h["compacted_through_ms"].is_u64()).await;
    assert_eq!(health["events"], 3, "the genesis, the heartbeat and the Compacted event: {health}");
    assert_eq!(health["checkpoints_refused"], 0);

    // Alice holds the history: she gets the Compacted event and the checkpoint, checks and adopts it.
    assert!(apply_all(&mut alice).await >= 2, "the Compacted event and at least one checkpoint part");
    let epoch = alice.store.epoch().expect("alice adopted the checkpoint").clone();
    assert_eq!(Some(epoch.checkpoint.horizon_ms), health["compacted_through_ms"].as_u64());
    assert_eq!(alice.store.checkpoints_refused(), 0);
    history.push(epoch.compacted.clone());
    let expected = Economy::derive(&genesis, &history).expect("the whole history folds").encode();
    assert_eq!(views(&alice), expected);

    // Bob joins after the compaction: the checkpoint and the events after it give the same views.
    let mut bob = Tab::join(&relay, &genesis, 2).await;
    assert!(pull_all(&mut bob).await >= 2, "checkpoint parts, then the step 2");
    assert_eq!(bob.store.epoch().map(|e| e.id), Some(epoch.id));
    assert_eq!(bob.store.len(), 3, "bob holds only what the checkpoint does not cover");
    assert_eq!(views(&bob), expected);

    // A restart loads checkpoint.bin and events.bin: still compacted, same views for a new tab.
    drop((alice, bob));
    stop(&mut relay).await;
    assert!(data.0.join("checkpoint.bin").is_file());
    let relay = Relay::start(&app.0, &data.0, COMPACT);
    let health = relay.health().await;
    assert_eq!(health["compacted_through_ms"].as_u64(), Some(epoch.checkpoint.horizon_ms));
    assert_eq!(health["events"], 3);
    let mut carol = Tab::join(&relay, &genesis, 3).await;
    pull_all(&mut carol).await;
    assert_eq!(carol.store.epoch().map(|e| e.id), Some(epoch.id));
    assert_eq!(views(&carol), expected);
}
