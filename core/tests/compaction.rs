//! Compaction, shown: a swarm's settled history is replaced by an issuer's checkpoint on one peer;
//! a peer that kept everything checks the checkpoint against its history and adopts it; a new peer
//! that syncs only from the compacted one receives the checkpoint and the events after it, and all
//! three derive byte-identical views, equal to folding the whole history. Hostile checkpoints (a
//! wrong hash, one named by a non-issuer, oversized ones) are refused and counted and change no view.
//! Seeded by construction: every event is built in a fixed order, time is simulated.

mod support;

use std::collections::BTreeMap;

use amorph_core::economy::{Economy, EconomyViews};
use amorph_core::events::{Compacted, Event, SignedEvent};
use amorph_core::identity::PeerId;
use amorph_core::store::compaction::{forged_part, MAX_PARTS, PART_BYTES};
use amorph_core::store::entry_update::{self, Entry};
use amorph_core::store::EventStore;
use support::*;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::encoder::Encode;

/// Replicas: the issuer's compacting store, the full-history peer, the newcomer.
const COMPACTING: u64 = 500;
const FULL: u64 = 600;
const NEWCOMER: u64 = 700;

/// Hands pre-signed events to stores as the yrs entries their authors would have sent, each on its
/// author's replica at the next clock.
struct Feed {
    clocks: BTreeMap<u64, u32>,
}

impl Feed {
    fn new(genesis: &SignedEvent) -> Self {
        Feed { clocks: BTreeMap::from([(genesis.envelope.replica, 1)]) }
    }

    fn message(&mut self, events: &[SignedEvent]) -> Vec<u8> {
        let mut entries: Vec<Entry> = events
            .iter()
            .map(|e| {
                let clock = self.clocks.entry(e.envelope.replica).or_insert(0);
                *clock += 1;
                Entry { client: e.envelope.replica, clock: *clock - 1, key: e.id.to_hex(), value: e.encode() }
            })
            .collect();
        entries.sort_by_key(|e| (e.client, e.clock));
        Message::Sync(SyncMessage::Update(entry_update::encode(&entries))).encode_v1()
    }
}

fn deliver(store: &mut EventStore, message: &[u8], now: u64) {
    let outcome = store.handle_message(identity(ISSUER).peer_id(), message, now);
    assert_eq!(outcome.rejected, 0, "{:?}", outcome.error);
}

/// Both directions of a y-protocols sync between `a` and `b` until neither has anything to say.
fn sync(a: &mut EventStore, a_id: PeerId, b: &mut EventStore, b_id: PeerId, now: u64) {
    let (mut to_b, mut to_a) = (vec![a.sync_step1()], vec![b.sync_step1()]);
    for _ in 0..64 {
        if to_a.is_empty() && to_b.is_empty() {
            return;
        }
        for message in std::mem::take(&mut to_b) {
            let outcome = b.handle_message(a_id, &message, now);
            assert_eq!(outcome.rejected, 0, "{:?}", outcome.error);
            to_a.extend(outcome.replies);
        }
        for message in std::mem::take(&mut to_a) {
            let outcome = a.handle_message(b_id, &message, now);
            assert_eq!(outcome.rejected, 0, "{:?}", outcome.error);
            to_b.extend(outcome.replies);
        }
    }
    panic!("sync did not settle");
}

fn views(store: &EventStore) -> EconomyViews {
    store.economy().expect("the store's economy folds").views()
}

/// Day 0: grants, twenty settled tasks, heartbeats, transfers, a cancelled task. Two days later: a
/// task is posted and still open.
fn settled_then_live(c: &mut Chronicle) -> amorph_core::wire::EventId {
    let (alice, bob, carol) = (identity(2), identity(3), identity(4));
    c.fund(&alice, 1_000);
    c.fund(&bob, 500);
    c.fund(&carol, 300);
    for i in 0..20 {
        c.complete(&alice, &bob, terms("translation", 10 + i));
        c.next(&carol, heartbeat(i));
        c.next(&alice, transfer(carol.peer_id(), 1));
    }
    let cancelled = c.next(&carol, posted(terms("math", 5)));
    c.next(&carol, cancel(cancelled));
    c.now += 2 * DAY_MS;
    let open = c.next(&alice, posted(terms("summarize", 20)));
    c.next(&bob, heartbeat(100));
    open
}

/// A chronicle of `settled_then_live`, the open task, the feed that carried it, all of it as one
/// update, and the time just after it.
fn settled() -> (Chronicle, amorph_core::wire::EventId, Feed, Vec<u8>, u64) {
    let mut c = Chronicle::default();
    let open = settled_then_live(&mut c);
    let mut feed = Feed::new(&c.genesis);
    let history = feed.message(&c.events);
    let now = c.now + SECOND_MS;
    (c, open, feed, history, now)
}

/// A store on `replica` holding `history`.
fn holding(replica: u64, genesis: &SignedEvent, history: &[u8], now: u64) -> EventStore {
    let mut store = EventStore::new(replica, genesis).unwrap();
    deliver(&mut store, history, now);
    store
}

#[test]
fn a_new_peer_syncing_from_a_compacted_peer_ends_with_identical_views() {
    let issuer = identity(ISSUER);
    let (mut c, open, mut feed, history, now) = settled();
    let mut compacting = holding(COMPACTING, &c.genesis, &history, now);
    let mut full = holding(FULL, &c.genesis, &history, now);
    let before = compacting.snapshot().len();

    // The issuer compacts: everything up to two days ago is settled; the open task is not.
    let compaction = compacting.compact(&issuer, now).unwrap().expect("settled history to compact");
    let epoch = compacting.epoch().unwrap().clone();
    assert!(epoch.checkpoint.horizon_ms < c.now - DAY_MS, "the open task and the last day stay live");
    assert!(compacting.len() < 10 && full.len() > 100, "{} events kept of {}", compacting.len(), full.len());
    let after = compacting.snapshot().len() + compacting.stored_checkpoint().unwrap().len();
    assert!(after < before, "compaction shrinks the store: {before} -> {after} bytes");
    // Nothing it covers is held: every kept event is after the horizon (the genesis aside).
    assert!(compacting.events().all(|e| e.id == c.genesis.id || !epoch.checkpoint.covers(e.timestamp_ms(), &e.id)));

    // The full-history peer gets the Compacted event and the checkpoint, checks it against its own
    // history, adopts it and keeps every event.
    for message in &compaction.messages {
        deliver(&mut full, message, now);
    }
    assert_eq!(full.epoch().map(|e| e.id), Some(epoch.id));
    assert!(full.len() > 100);

    // Work goes on after the compaction: the open task is claimed, done and accepted.
    let (alice, bob) = (identity(2), identity(3));
    let claim = c.next(&bob, staked(open, 2));
    let submission = c.next(&bob, submit(open, "summary"));
    c.next(&alice, accept(open, submission));
    let _ = claim;
    let tail = feed.message(&c.events[c.events.len() - 3..]);
    let now = c.now + SECOND_MS;
    deliver(&mut compacting, &tail, now);
    deliver(&mut full, &tail, now);

    // A newcomer syncs from the compacted peer only.
    let mut newcomer = EventStore::new(NEWCOMER, &c.genesis).unwrap();
    sync(&mut newcomer, identity(9).peer_id(), &mut compacting, issuer.peer_id(), now);
    assert_eq!(newcomer.epoch().map(|e| e.id), Some(epoch.id));
    assert_eq!(newcomer.len(), compacting.len());

    // Everyone shows the same bytes, and they are those of folding the whole history.
    let mut everything = c.events.clone();
    everything.push(compaction.event.clone());
    let reference = Economy::derive_checked(&c.genesis, &everything).unwrap().encode();
    assert_eq!(views(&full).encode(), reference, "full-history peer");
    assert_eq!(views(&compacting).encode(), reference, "compacted peer");
    assert_eq!(views(&newcomer).encode(), reference, "newcomer");
    assert_eq!(views(&newcomer).task(&open).map(|t| t.state.as_str()), Some("accepted"));

    // The compacted store survives a reload.
    let stored = compacting.stored_checkpoint().unwrap();
    let reloaded = EventStore::restore_compacted(COMPACTING, &c.genesis, &stored, &compacting.snapshot(), now).unwrap();
    assert_eq!(reloaded.len(), compacting.len());
    assert_eq!(views(&reloaded).encode(), reference, "reloaded compacted peer");

    // A newcomer can also sync from the full-history peer that adopted the checkpoint (it sends
    // everything; no checkpoint is needed), and from the newcomer (it passes the checkpoint on).
    let mut second = EventStore::new(NEWCOMER + 1, &c.genesis).unwrap();
    sync(&mut second, identity(10).peer_id(), &mut newcomer, identity(9).peer_id(), now);
    assert_eq!(views(&second).encode(), reference, "newcomer of the newcomer");

    // An event stamped before the horizon arrives late: every peer that adopted the checkpoint
    // skips it, uncounted, so they still agree.
    let late = c.sign_at(&alice, epoch.checkpoint.horizon_ms - 1, transfer(bob.peer_id(), 7));
    let late = feed.message(&[late]);
    for store in [&mut compacting, &mut full, &mut newcomer] {
        deliver(store, &late, now);
        assert_eq!(views(store).encode(), reference, "a covered late event changes nothing");
    }
}

#[test]
fn hostile_checkpoints_are_refused_counted_and_change_nothing() {
    let issuer = identity(ISSUER);
    let (c, _, _, history, now) = settled();
    let mut compacting = holding(COMPACTING, &c.genesis, &history, now);
    let compaction = compacting.compact(&issuer, now).unwrap().expect("settled history to compact");
    let epoch = compacting.epoch().unwrap().clone();
    let blob = epoch.checkpoint.encode();
    let mallory = identity(66);

    let mut newcomer = EventStore::new(NEWCOMER, &c.genesis).unwrap();
    let empty = views(&newcomer).encode();
    let mut refused = 0;
    let mut refuse = |store: &mut EventStore, message: Vec<u8>, why: &str| {
        let outcome = store.handle_message(mallory.peer_id(), &message, now);
        refused += 1;
        assert_eq!(outcome.rejected, 1, "{why}");
        assert!(outcome.forward.is_empty(), "{why}");
        assert_eq!(store.checkpoints_refused(), refused, "{why}: {:?}", outcome.error);
        assert_eq!(store.rejected_by_sender().get(&mallory.peer_id()).copied(), Some(refused), "{why}");
        assert!(store.epoch().is_none(), "{why}");
        assert_eq!(views(store).encode(), empty, "{why}");
    };

    // Bytes that do not hash to what the issuer's event names.
    let mut tampered = blob.clone();
    tampered[blob.len() / 2] ^= 1;
    refuse(&mut newcomer, forged_part(&compaction.event, 0, 1, tampered), "wrong hash");

    // The right bytes, named by a Compacted event that a non-issuer signed.
    let body = Compacted { horizon_ms: epoch.checkpoint.horizon_ms, checkpoint: epoch.id };
    let by_mallory = c.sign_at(&mallory, now, Event::Compacted(body));
    refuse(&mut newcomer, forged_part(&by_mallory, 0, 1, blob.clone()), "not an issuer");

    // Oversized: more parts than a checkpoint may have, and a part larger than a part may be.
    refuse(&mut newcomer, forged_part(&compaction.event, 0, MAX_PARTS + 1, vec![0; 16]), "too many parts");
    refuse(&mut newcomer, forged_part(&compaction.event, 0, 1, vec![0; PART_BYTES + 1]), "oversized part");

    // A real issuer's event but bytes that are not a checkpoint at all (and the hash to match is absent).
    refuse(&mut newcomer, forged_part(&compaction.event, 0, 1, b"not a checkpoint".to_vec()), "garbage");

    // The genuine checkpoint is still adopted afterwards.
    for message in compaction.messages.iter().skip(1) {
        let outcome = newcomer.handle_message(issuer.peer_id(), message, now);
        assert_eq!(outcome.rejected, 0, "{:?}", outcome.error);
    }
    assert_eq!(newcomer.epoch().map(|e| e.id), Some(epoch.id));
}

#[test]
fn a_peer_whose_history_disagrees_refuses_the_checkpoint() {
    let issuer = identity(ISSUER);
    let (c, _, mut feed, history, now) = settled();
    let mut compacting = holding(COMPACTING, &c.genesis, &history, now);
    // The other peer also holds an early transfer the issuer never saw.
    let mut other = holding(FULL, &c.genesis, &history, now);
    let extra = c.sign_at(&identity(2), T0 + 60 * SECOND_MS, transfer(identity(4).peer_id(), 3));
    deliver(&mut other, &feed.message(&[extra]), now);

    let compaction = compacting.compact(&issuer, now).unwrap().expect("settled history to compact");
    let mut results = compaction.messages.iter().map(|m| other.handle_message(issuer.peer_id(), m, now));
    assert_eq!(results.next().map(|o| o.rejected), Some(0), "the Compacted event itself is a valid event");
    assert_eq!(results.map(|o| o.rejected).sum::<usize>(), 1, "the checkpoint is refused");
    assert!(other.epoch().is_none());
    assert_eq!(other.checkpoints_refused(), 1);
    // It keeps folding its own whole history.
    assert_eq!(views(&other).encode(), Economy::derive(&c.genesis, other.events()).unwrap().encode());
}

/// Repeated compactions: every round settles work, then two days later the issuer compacts; the
/// full-history peer adopts every checkpoint and keeps everything. Each `Compacted` event archives
/// the tasks final by its horizon in the fold, so after a few rounds the compacting peer, the
/// full-history peer and a newcomer syncing from the compacting one show byte-identical views (the
/// full fold's), none with an archived task on its board, and the latest checkpoint no longer
/// carries them. A late event naming an archived task waits, uncounted, on all three alike, until a
/// later compaction's horizon passes it.
#[test]
fn repeated_compactions_archive_the_same_tasks_on_every_peer() {
    let mut c = Chronicle::default();
    let issuer = identity(ISSUER);
    let (alice, bob, carol, mallory) = (identity(2), identity(3), identity(4), identity(66));
    let mut feed = Feed::new(&c.genesis);
    let mut compacting = EventStore::new(COMPACTING, &c.genesis).unwrap();
    let mut full = EventStore::new(FULL, &c.genesis).unwrap();
    let mut compactions: Vec<SignedEvent> = Vec::new();
    let mut checkpoint_sizes = Vec::new();
    let mut round_tasks: Vec<Vec<amorph_core::wire::EventId>> = Vec::new();
    let mut sent = 0;
    let mut round = |c: &mut Chronicle, work: &mut dyn FnMut(&mut Chronicle)| {
        work(c);
        c.now += 2 * DAY_MS;
        c.next(&bob, heartbeat(c.now));
        let now = c.now + SECOND_MS;
        let message = feed.message(&c.events[sent..]);
        sent = c.events.len();
        deliver(&mut compacting, &message, now);
        deliver(&mut full, &message, now);
        let compaction = compacting.compact(&issuer, now).unwrap().expect("settled history to compact");
        for message in &compaction.messages {
            deliver(&mut full, message, now);
        }
        assert_eq!(full.epoch().map(|e| e.id), compacting.epoch().map(|e| e.id), "the full peer adopts it");
        checkpoint_sizes.push(compacting.stored_checkpoint().unwrap().len());
        compactions.push(compaction.event);
    };
    for r in 0..5u64 {
        round(&mut c, &mut |c: &mut Chronicle| {
            c.fund(&alice, 1_000);
            c.fund(&bob, 100);
            c.fund(&carol, 10);
            let mut tasks = Vec::new();
            for i in 0..8 {
                tasks.push(c.complete(&alice, &bob, terms("translation", 10 + i)));
                c.next(&carol, heartbeat(r * 100 + i));
            }
            let cancelled = c.next(&carol, posted(terms("math", 5)));
            c.next(&carol, cancel(cancelled));
            tasks.push(cancelled);
            round_tasks.push(tasks);
        });
    }

    let now = c.now + SECOND_MS;
    let mut newcomer = EventStore::new(NEWCOMER, &c.genesis).unwrap();
    sync(&mut newcomer, identity(9).peer_id(), &mut compacting, issuer.peer_id(), now);
    assert_eq!(newcomer.epoch().map(|e| e.id), compacting.epoch().map(|e| e.id));
    assert!(full.len() > 3 * compacting.len(), "{} kept of {}", compacting.len(), full.len());

    let mut everything = c.events.clone();
    everything.extend(compactions.iter().cloned());
    let reference = Economy::derive_checked(&c.genesis, &everything).unwrap();
    let peers = [("full-history peer", &full), ("compacted peer", &compacting), ("newcomer", &newcomer)];
    for (who, store) in peers {
        assert_eq!(views(store).encode(), reference.encode(), "{who}");
    }
    // Every round's tasks closed before the latest horizon: each Compacted event archived those
    // closed by its own horizon, on every peer alike.
    assert!(reference.ignored.is_empty(), "{:?}", reference.ignored);
    assert_eq!(reference.archived_tasks, 5 * 9);
    for (who, store) in peers {
        let board = views(store).board;
        for task in round_tasks.iter().flatten() {
            assert!(board.iter().all(|t| t.id != *task), "{who}: archived task {task} on the board");
        }
    }
    // The latest checkpoint (the state at its horizon, before the latest Compacted event) holds
    // none of the tasks that earlier Compacted events archived, only those closed since.
    let checkpoint = &compacting.epoch().unwrap().checkpoint.clone();
    let restored = Economy::from_checkpoint(&c.genesis, checkpoint).unwrap();
    assert!(round_tasks[..4].iter().flatten().all(|task| restored.market().task(task).is_none()));
    assert!(round_tasks[4].iter().all(|task| restored.market().task(task).is_some()));
    // Bounded by a period's activity: the checkpoint's market holds one round's tasks whatever the
    // number of rounds (its wallet histories grow up to their bound, `ledger::HISTORY_LIMIT`).
    assert_eq!(restored.market().tasks().count(), 9, "checkpoint sizes {checkpoint_sizes:?}");

    // Late and hostile: events naming an archived task (a bid, a claim, a settlement of its
    // acceptance) after the latest compaction. No peer has the task; all three wait on them alike,
    // uncounted.
    let archived = round_tasks[0][0];
    let hostile = [
        c.sign_at(&mallory, now, bid(archived, 1)),
        c.sign_at(&mallory, now + 1, staked(archived, 1)),
        c.sign_at(&bob, now + 2, settle(archived, archived, None)),
    ];
    c.now = now + 2;
    let message = feed.message(&hostile);
    everything.extend(hostile.iter().cloned());
    c.events.extend(hostile.iter().cloned());
    sent = c.events.len();
    let reference = Economy::derive_checked(&c.genesis, &everything).unwrap();
    assert_eq!(reference.waiting, 3);
    assert_eq!((reference.ignored_count(&mallory.peer_id()), reference.ignored_count(&bob.peer_id())), (0, 0));
    let now = now + SECOND_MS;
    for store in [&mut full, &mut compacting, &mut newcomer] {
        deliver(store, &message, now);
        assert_eq!(views(store).encode(), reference.encode(), "a late event naming an archived task");
    }

    // Two days on, the issuer compacts again: its Compacted event's horizon passes them, so every
    // peer drops them alike (the full peer and the newcomer adopt the new checkpoint, although
    // alice's and carol's replicas were silent since the previous one).
    c.now += 2 * DAY_MS;
    c.next(&bob, heartbeat(9_999));
    let now = c.now + SECOND_MS;
    let message = feed.message(&c.events[sent..]);
    for store in [&mut full, &mut compacting, &mut newcomer] {
        deliver(store, &message, now);
    }
    let compaction = compacting.compact(&issuer, now).unwrap().expect("settled history to compact");
    for store in [&mut full, &mut newcomer] {
        for message in &compaction.messages {
            deliver(store, message, now);
        }
        assert_eq!(store.epoch().map(|e| e.id), compacting.epoch().map(|e| e.id));
    }
    everything.extend(c.events[sent..].iter().cloned());
    everything.push(compaction.event);
    let reference = Economy::derive_checked(&c.genesis, &everything).unwrap();
    assert_eq!(reference.waiting, 0);
    for (who, store) in [("full-history peer", &full), ("compacted peer", &compacting), ("newcomer", &newcomer)] {
        assert_eq!(views(store).encode(), reference.encode(), "{who} after the next compaction");
    }
    let resumed = Economy::fold_from(&c.genesis, Some(checkpoint), &everything, true).unwrap();
    assert_eq!(resumed.views().encode(), reference.encode(), "from the previous checkpoint");
}

/// A settled parent stays on the board while its subtask is open, and both go once the subtask
/// ends. (The store's settled horizon never reaches a parent's close while a subtask is open, since
/// the open subtask holds the horizon before its post; an issuer's hand-picked horizon can.)
#[test]
fn a_settled_parent_stays_while_its_subtask_is_open() {
    let mut c = Chronicle::default();
    let (issuer, alice, bob) = (identity(ISSUER), identity(2), identity(3));
    c.fund(&alice, 1_000);
    c.fund(&bob, 100);
    let parent = c.next(&alice, posted(delegable(terms("research", 40), 1)));
    c.next(&bob, staked(parent, 4));
    let mut sub = terms("research", 10);
    sub.parent = Some(parent);
    let child = c.next(&bob, posted(sub));
    let submission = c.next(&bob, submit(parent, "report"));
    let acceptance = c.next(&alice, accept(parent, submission));
    c.next(&bob, settle(parent, acceptance, None));
    let done = c.complete(&alice, &bob, terms("translation", 5));
    let compacted = |c: &mut Chronicle| {
        let body = Compacted { horizon_ms: c.now, checkpoint: [7; 32] };
        c.next(&issuer, Event::Compacted(body));
    };
    compacted(&mut c);
    let views = c.views();
    assert!(views.ignored.is_empty(), "{:?}", views.ignored);
    assert_eq!(views.archived_tasks, 1);
    assert!(views.task(&done).is_none());
    assert_eq!(views.task(&parent).map(|t| t.state.as_str()), Some("settled"));
    assert_eq!(views.task(&child).map(|t| t.state.as_str()), Some("open"));
    // A checkpoint of that state and the rest give the same views.
    let head = Economy::fold(&c.genesis, &c.events, false).unwrap();
    c.next(&bob, cancel(child));
    compacted(&mut c);
    let resumed = Economy::fold_from(&c.genesis, Some(&head.checkpoint()), &c.events, true).unwrap();
    let views = c.views();
    assert_eq!(resumed.views().encode(), views.encode());
    assert_eq!(views.archived_tasks, 3);
    assert!(views.board.is_empty());
}

/// Life goes on after a compaction: the issuer (whose document now holds GC ranges) and a newcomer
/// that started from the checkpoint publish new events, and every peer admits them.
#[test]
fn events_published_after_a_compaction_are_admitted_by_every_peer() {
    let issuer = identity(ISSUER);
    let (c, _, _, history, now) = settled();
    let mut compacting = holding(COMPACTING, &c.genesis, &history, now);
    let mut full = holding(FULL, &c.genesis, &history, now);
    let compaction = compacting.compact(&issuer, now).unwrap().expect("settled history to compact");
    for message in &compaction.messages {
        deliver(&mut full, message, now);
    }
    let mut newcomer = EventStore::new(NEWCOMER, &c.genesis).unwrap();
    sync(&mut newcomer, identity(9).peer_id(), &mut compacting, issuer.peer_id(), now);

    let (alice, bob) = (identity(2), identity(3));
    let (_, welcome) = compacting.publish(&issuer, now + 1, grant(bob.peer_id(), 50)).unwrap();
    let (_, thanks) = newcomer.publish(&bob, now + 2, transfer(alice.peer_id(), 5)).unwrap();
    for store in [&mut full, &mut newcomer] {
        deliver(store, &welcome, now + 3);
    }
    for store in [&mut full, &mut compacting] {
        deliver(store, &thanks, now + 3);
    }
    let reference = views(&full).encode();
    assert_eq!(views(&compacting).encode(), reference, "compacted issuer");
    assert_eq!(views(&newcomer).encode(), reference, "newcomer");
    assert_eq!(views(&full).wallet(&bob.peer_id()).history.last().map(|e| e.amount), Some(-5));
}
