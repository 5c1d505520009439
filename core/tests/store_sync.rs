//! Scenario: several event stores syncing over simulated links (y-protocols step1/step2/update),
//! with seeded interleaving, hostile peers and restores from snapshots.

mod support;

use std::collections::VecDeque;

use amorph_core::economy::Economy;
use amorph_core::events::SignedEvent;
use amorph_core::events::{Event, TaskPosted};
use amorph_core::identity::{Identity, PeerId};
use amorph_core::market::TaskState;
use amorph_core::store::{adversary, EventStore, MAX_SYNC_MESSAGE_BYTES};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use support::*;

/// (from, to): messages on one direction of a link, in order.
type Link = (usize, usize);

struct Peer {
    identity: Identity,
    store: EventStore,
}

/// Peers joined by ordered links; messages of different links interleave at random (seeded).
struct Net {
    peers: Vec<Peer>,
    links: Vec<(usize, usize)>,
    queues: Vec<(Link, VecDeque<Vec<u8>>)>,
    rng: ChaCha8Rng,
    now: u64,
}

impl Net {
    fn new(n: usize, seed: u64) -> Net {
        let genesis = genesis_by(&identity(100), 100);
        let peers = (0..n)
            .map(|i| Peer {
                identity: identity(i as u8 + 1),
                store: EventStore::new(1000 + i as u64, &genesis).unwrap(),
            })
            .collect();
        Net { peers, links: Vec::new(), queues: Vec::new(), rng: ChaCha8Rng::seed_from_u64(seed), now: T0 }
    }

    fn id(&self, i: usize) -> PeerId {
        self.peers[i].identity.peer_id()
    }

    fn send(&mut self, from: usize, to: usize, message: Vec<u8>) {
        match self.queues.iter_mut().find(|(k, _)| *k == (from, to)) {
            Some((_, q)) => q.push_back(message),
            None => self.queues.push(((from, to), VecDeque::from([message]))),
        }
    }

    fn link(&mut self, a: usize, b: usize) {
        self.links.push((a, b));
        let (sa, sb) = (self.peers[a].store.sync_step1(), self.peers[b].store.sync_step1());
        self.send(a, b, sa);
        self.send(b, a, sb);
    }

    fn neighbours(&self, i: usize) -> Vec<usize> {
        self.links
            .iter()
            .filter_map(|&(a, b)| {
                if a == i {
                    Some(b)
                } else if b == i {
                    Some(a)
                } else {
                    None
                }
            })
            .collect()
    }

    fn publish(&mut self, i: usize, event: amorph_core::events::Event) -> SignedEvent {
        self.now += 7;
        let peer = &mut self.peers[i];
        let (signed, message) = peer.store.publish(&peer.identity, self.now, event).expect("valid event");
        for n in self.neighbours(i) {
            self.send(i, n, message.clone());
        }
        signed
    }

    /// Delivers until every queue is empty; returns the number of messages delivered.
    fn run(&mut self) -> usize {
        let mut delivered = 0;
        while let Some(pick) = self.pick() {
            let ((from, to), message) = {
                let (key, queue) = &mut self.queues[pick];
                (*key, queue.pop_front().expect("picked a non-empty queue"))
            };
            assert!(message.len() <= MAX_SYNC_MESSAGE_BYTES, "outgoing message of {} bytes", message.len());
            self.now += 1;
            let sender = self.id(from);
            let outcome = self.peers[to].store.handle_message(sender, &message, self.now);
            assert_eq!(outcome.rejected, 0, "honest traffic refused: {:?}", outcome.error);
            for reply in outcome.replies {
                self.send(to, from, reply);
            }
            for n in self.neighbours(to).into_iter().filter(|&n| n != from) {
                for f in &outcome.forward {
                    self.send(to, n, f.clone());
                }
            }
            delivered += 1;
            assert!(delivered < 100_000, "sync does not terminate");
        }
        delivered
    }

    fn pick(&mut self) -> Option<usize> {
        let ready: Vec<usize> = (0..self.queues.len()).filter(|&i| !self.queues[i].1.is_empty()).collect();
        (!ready.is_empty()).then(|| ready[self.rng.gen_range(0..ready.len())])
    }

    fn views(&self, i: usize) -> Vec<u8> {
        economy_bytes(&self.peers[i].store)
    }
}

/// The economy views of a store's events, as bytes.
fn economy_bytes(store: &EventStore) -> Vec<u8> {
    Economy::derive(store.genesis(), store.events()).expect("a store's genesis founds an economy").encode()
}

/// An unpaid task (nobody here holds money) from post to settlement.
fn task_flow(net: &mut Net, requester: usize, worker: usize, title: &str) -> SignedEvent {
    let task = net.publish(requester, Event::TaskPosted(TaskPosted::simple(title, "", "translation", 0, T0 + DAY_MS)));
    net.run();
    net.publish(worker, claim(task.id));
    net.run();
    let result = net.publish(worker, submit(task.id, "done"));
    net.run();
    let acceptance = net.publish(requester, accept(task.id, result.id));
    net.run();
    net.publish(worker, settle(task.id, acceptance.id, None));
    task
}

#[test]
fn three_peers_complete_a_task_and_agree() {
    for seed in 0..20 {
        let mut net = Net::new(3, seed);
        net.link(0, 1);
        net.link(1, 2);
        net.link(0, 2);
        let task = task_flow(&mut net, 0, 1, "Translate");
        net.run();
        let store = &net.peers[2].store;
        let views = Economy::derive(store.genesis(), store.events()).unwrap();
        assert_eq!(views.task(&task.id).map(|t| t.state), Some(TaskState::Settled));
        assert_eq!(views.karma[&net.id(1)].reliability.completion_ppm, 100_000);
        assert_eq!(net.views(0), net.views(1));
        assert_eq!(net.views(1), net.views(2));
    }
}

#[test]
fn events_travel_through_a_line_of_peers() {
    let mut net = Net::new(4, 7);
    net.link(0, 1);
    net.link(1, 2);
    net.link(2, 3);
    task_flow(&mut net, 0, 3, "Across");
    net.run();
    assert_eq!(net.peers[3].store.len(), 1 + 5, "the genesis and the task's five events");
    assert_eq!(net.views(0), net.views(3));
}

#[test]
fn a_late_joiner_gets_a_large_history_in_bounded_messages() {
    let mut net = Net::new(2, 3);
    let long = "x".repeat(1_900);
    for i in 0..400 {
        let mut event = post("bulk", &format!("Task {i}"));
        if let amorph_core::events::Event::TaskPosted(t) = &mut event {
            t.description = long.clone();
        }
        net.publish(0, event);
    }
    net.link(0, 1);
    let delivered = net.run();
    assert_eq!(net.peers[1].store.len(), 1 + 400);
    assert!(delivered > 4, "step 2 of ~800 KB must be split, got {delivered} messages");
    assert_eq!(net.views(0), net.views(1));
}

#[test]
fn partitions_merge_when_they_heal() {
    let mut net = Net::new(4, 11);
    net.link(0, 1);
    net.link(2, 3);
    task_flow(&mut net, 0, 1, "Left");
    task_flow(&mut net, 2, 3, "Right");
    net.run();
    net.link(1, 2);
    net.run();
    for i in 0..4 {
        assert_eq!(net.peers[i].store.len(), 1 + 10);
        assert_eq!(net.views(i), net.views(0));
    }
}

#[test]
fn forged_events_are_refused_and_counted_against_the_sender() {
    let mut net = Net::new(2, 1);
    net.link(0, 1);
    net.publish(0, post("x", "Real"));
    net.run();
    let mallory = identity(66);
    let forged = adversary::forged_event_message(&net.peers[1].store, &mallory, T0 + 500);
    let outcome = net.peers[1].store.handle_message(mallory.peer_id(), &forged, T0 + 500);
    assert_eq!(outcome.rejected, 1);
    assert_eq!(outcome.added, 0);
    assert!(outcome.forward.is_empty(), "refused events are not passed on");
    assert!(outcome.error.unwrap().contains("signature"));
    assert_eq!(net.peers[1].store.len(), 1 + 1);
    assert_eq!(net.peers[1].store.rejected_by_sender()[&mallory.peer_id()], 1);
}

#[test]
fn overwriting_an_event_is_refused_and_the_original_kept() {
    let mut net = Net::new(2, 1);
    net.link(0, 1);
    let task = net.publish(0, post("x", "Original"));
    net.run();
    let mallory = identity(66);
    let attack =
        adversary::overwrite_message(&net.peers[1].store, task.id, &mallory, T0 + 500).expect("target is stored");
    let before = net.views(0);
    let outcome = net.peers[0].store.handle_message(mallory.peer_id(), &attack, T0 + 500);
    assert_eq!(outcome.rejected, 1);
    assert!(outcome.error.unwrap().contains("overwrites"));
    assert_eq!(net.views(0), before);
    assert_eq!(net.peers[0].store.get(&task.id), Some(&task));
    assert_eq!(net.peers[0].store.rejected_total(), 1);
}

#[test]
fn replaying_someone_elses_event_from_another_replica_is_refused() {
    use yrs::sync::{Message, SyncMessage};
    use yrs::updates::encoder::Encode;
    use yrs::{Any, Doc, Map, ReadTxn, StateVector, Transact};
    let alice = identity(1);
    let event = signed(&alice, 5, T0, post("x", "Alice's"));
    let doc = Doc::with_client_id(6);
    let map = doc.get_or_insert_map("events");
    map.insert(&mut doc.transact_mut(), event.id.to_hex(), Any::Buffer(event.encode().into()));
    let update = doc.transact().encode_state_as_update_v1(&StateVector::default());
    let mut store = EventStore::new(9, &genesis_by(&identity(100), 100)).unwrap();
    let outcome =
        store.handle_message(identity(66).peer_id(), &Message::Sync(SyncMessage::Update(update)).encode_v1(), T0);
    assert_eq!(outcome.rejected, 1);
    assert_eq!(store.len(), 1, "only the genesis");
}

#[test]
fn restored_stores_keep_their_events_and_keep_syncing() {
    let mut net = Net::new(2, 5);
    net.link(0, 1);
    task_flow(&mut net, 0, 1, "Persist me");
    net.run();
    let snapshot = net.peers[1].store.snapshot();
    let restored =
        EventStore::restore(4242, net.peers[1].store.genesis(), &snapshot, net.now).expect("snapshot restores");
    assert_eq!(economy_bytes(&restored), net.views(1));

    // The restored peer comes back on a new replica and still syncs both ways.
    net.peers[1].store = restored;
    net.queues.clear();
    net.links.clear();
    net.link(0, 1);
    net.publish(1, post("x", "After reload"));
    net.publish(0, post("x", "While away"));
    net.run();
    assert_eq!(net.peers[0].store.len(), 1 + 7);
    assert_eq!(net.views(0), net.views(1));
}

#[test]
fn corrupt_snapshots_are_a_clear_error() {
    let genesis = genesis_by(&identity(100), 100);
    assert!(EventStore::restore(1, &genesis, b"not a snapshot", T0).is_err());
    assert!(EventStore::restore(1, &genesis, &[], T0).is_err());
}

#[test]
fn oversized_and_garbage_messages_are_refused_without_panic() {
    let mut store = EventStore::new(1, &genesis_by(&identity(100), 100)).unwrap();
    let peer = identity(9).peer_id();
    let huge = vec![0u8; MAX_SYNC_MESSAGE_BYTES + 1];
    assert_eq!(store.handle_message(peer, &huge, T0).rejected, 1);
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    for len in 0..2000 {
        let bytes: Vec<u8> = (0..len % 300).map(|_| rng.gen()).collect();
        let outcome = store.handle_message(peer, &bytes, T0);
        assert_eq!(outcome.added, 0);
    }
    assert_eq!(store.len(), 1, "only the genesis");
    assert!(store.rejected_total() >= 1000);
}

#[test]
fn events_of_another_swarm_are_refused() {
    let (alice, bob) = (identity(1), identity(2));
    let mut ours = EventStore::new(1, &genesis_by(&identity(100), 100)).unwrap();
    let mut theirs = EventStore::new(2, &genesis_by(&identity(101), 101)).unwrap();
    let (_, update) = theirs.publish(&bob, T0 + 1, post("x", "Elsewhere")).unwrap();
    let outcome = ours.handle_message(bob.peer_id(), &update, T0 + 2);
    assert_eq!(outcome.rejected, 1);
    assert!(outcome.error.unwrap().contains("another swarm"));
    assert_eq!(ours.len(), 1);
    // A store only ever starts from a genesis.
    let task = signed(&alice, 1, T0, post("x", "Not a genesis"));
    assert!(EventStore::new(3, &task).is_err());
}

/// One update with entries of three replicas, one of them carrying a forged signature mid-way: the
/// batch check fails, and the fallback refuses exactly the forged entry (and skips the later entries
/// of its replica, which depend on it), counted once against the sender.
#[test]
fn one_forged_entry_among_many_is_the_only_one_refused() {
    use yrs::sync::{Message, SyncMessage};
    use yrs::updates::encoder::Encode;
    use yrs::{Any, Doc, Map, ReadTxn, StateVector, Transact};
    let genesis = genesis_by(&identity(100), 100);
    let mut updates = Vec::new();
    for author in 1..=3u8 {
        let who = identity(author);
        let replica = 10 + u64::from(author);
        let doc = Doc::with_client_id(replica);
        let map = doc.get_or_insert_map("events");
        for n in 0..5u64 {
            let event = signed_in(genesis.id, &who, replica, T0 + n, post("x", &format!("{author}/{n}")));
            let mut envelope = event.envelope.clone();
            if author == 2 && n == 2 {
                envelope.signature.0[10] ^= 1;
            }
            map.insert(&mut doc.transact_mut(), event.id.to_hex(), Any::Buffer(envelope.encode().into()));
        }
        updates.push(doc.transact().encode_state_as_update_v1(&StateVector::default()));
    }
    let update = yrs::merge_updates_v1(updates).expect("updates merge");
    let mut store = EventStore::new(9, &genesis).unwrap();
    let mallory = identity(66).peer_id();
    let outcome = store.handle_message(mallory, &Message::Sync(SyncMessage::Update(update)).encode_v1(), T0 + 10);
    assert_eq!((outcome.added, outcome.rejected), (5 + 2 + 5, 1));
    assert!(outcome.error.unwrap().contains("signature"));
    assert_eq!(store.rejected_by_sender()[&mallory], 1);
    assert_eq!(store.len(), 1 + 12);
}

/// A newcomer first hears an update whose earlier entries it lacks (yrs keeps the entry ahead of
/// them), then the sync reply that carries the whole history, that entry included: the repeat is
/// no misbehaviour, and the newcomer ends with every event.
#[test]
fn an_entry_heard_again_while_it_waits_is_not_a_refusal() {
    let genesis = genesis_by(&identity(100), 100);
    let author = identity(1);
    let mut source = EventStore::new(10, &genesis).unwrap();
    let updates: Vec<Vec<u8>> =
        (0..3).map(|i| source.publish(&author, T0 + i, post("x", &format!("task {i}"))).unwrap().1).collect();
    let mut newcomer = EventStore::new(11, &genesis).unwrap();
    let sender = identity(2).peer_id();
    let early = newcomer.handle_message(sender, &updates[2], T0 + 10);
    assert_eq!(early.rejected, 0, "{:?}", early.error);

    let mut added = early.added;
    for reply in source.handle_message(sender, &newcomer.sync_step1(), T0 + 11).replies {
        let outcome = newcomer.handle_message(sender, &reply, T0 + 12);
        assert_eq!(outcome.rejected, 0, "{:?}", outcome.error);
        added += outcome.added;
    }
    assert_eq!(added, 3);
    assert_eq!(newcomer.len(), 1 + 3);
    assert_eq!(newcomer.rejected_total(), 0);
}
