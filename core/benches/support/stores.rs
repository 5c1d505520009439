//! Event stores holding the benchmark history, as the storage benchmarks lay them out: each author
//! publishing from its own store and one peer syncing all of them in (one yrs client per author,
//! as in a real swarm).

use std::collections::BTreeMap;

use amorph_core::events::{Event, SignedEvent};
use amorph_core::identity::{Identity, PeerId};
use amorph_core::store::EventStore;
use amorph_core::wire::EventId;

use super::history::{self, History};

/// The replica of the peer that syncs every author in.
pub const COLLECTOR: u64 = 0x5eed;

/// Signs the genesis with `SignedEvent::create` (a store is made from its swarm's genesis).
pub fn found(who: &Identity, replica: u64, at: u64, event: Event) -> SignedEvent {
    SignedEvent::create(who, EventId::NONE, replica, at, event).expect("the generator makes a valid genesis")
}

pub fn store(replica: u64, genesis: &SignedEvent) -> EventStore {
    EventStore::new(replica, genesis).expect("the generator's genesis founds a swarm")
}

/// The first `count` events of the seeded history, each author publishing from its own store,
/// and the collector's store after one sync round with every author.
pub fn synced(count: usize) -> (History, EventStore) {
    let mut genesis = None;
    let mut authors: BTreeMap<u64, (EventStore, PeerId)> = BTreeMap::new();
    let mut publish = |who: &Identity, _swarm: EventId, replica: u64, at: u64, event: Event| {
        let Some(founded) = &genesis else {
            let founded = found(who, replica, at, event);
            genesis = Some(founded.clone());
            return founded;
        };
        let (author, _) = authors.entry(replica).or_insert_with(|| (store(replica, founded), who.peer_id()));
        author.publish(who, at, event).expect("the generator makes valid events").0
    };
    let history = history::generate(super::SEED, count, &mut publish);
    let now = history.events.last().map_or(history::T0, SignedEvent::timestamp_ms);
    let mut peer = store(COLLECTOR, &history.genesis);
    let collector = Identity::from_seed([0; 32]).peer_id();
    for (author_store, author) in authors.values_mut() {
        for reply in author_store.handle_message(collector, &peer.sync_step1(), now).replies {
            peer.handle_message(*author, &reply, now);
        }
    }
    (history, peer)
}
