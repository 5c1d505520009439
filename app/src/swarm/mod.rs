//! The swarm as this tab sees it: the event store, the mesh, the table of links to peers, and the
//! glue between signaling, WebRTC links, the store and the UI. The relay connection is a sync
//! link too (to the relay's archive, whose peer id is the genesis author's).
//!
//! Thin on purpose: every protocol decision about events (admission, sync replies, views) is made
//! by `amorph_core`, and so is every decision about the mesh (who is a neighbour, what is
//! forwarded; `mesh_driver`); this file moves bytes between links, the mesh and the store and
//! publishes what core derived. The one local rule is which of two crossing offers wins (smaller
//! did:key keeps its offer), so that each pair of peers ends up with exactly one link.
//!
//! Durability rule: our own events are on disk before they leave the tab (see `persist`).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::{Rc, Weak};
use std::sync::Arc;

use amorph_core::economy::Economy;
use amorph_core::events::{Event, Heartbeat, Settle, SignedEvent};
use amorph_core::identity::{Identity, PeerId};
use amorph_core::karma::HEARTBEAT_INTERVAL_MS;
use amorph_core::market::TaskState;
use amorph_core::mesh::neighbor::NeighborMessage;
use amorph_core::mesh::{Mesh, MeshConfig};
use amorph_core::router::{latest_envelopes, PeerCandidate, TaskKind};
use amorph_core::signal::{SignalPayload, SignalRouter};
use amorph_core::store::{adversary, EventStore};
use amorph_core::wire::EventId;
use leptos::prelude::*;

use crate::genesis;
use crate::relay_client::{self, RelayClient, RelayEvent};
use crate::rtc::{Link, LinkEvent, LinkListener};
use crate::storage::Storage;
use crate::timeline::TimelineItem;
use crate::ui_state::{Shown, StoreStatus, Ui};
use mesh_driver::{SignalPath, Via, PING_INTERVAL_MS};
use persist::{Dest, Persist};

mod mesh_driver;
pub use mesh_driver::config_for_page as mesh_config_for_page;
mod persist;

/// Most links (open or being set up) at once; offers beyond this are ignored. The mesh keeps far
/// fewer (its active view); the rest are links being opened or closed.
pub const MAX_LINKS: usize = 16;
/// Contacts from the relay's welcome the mesh asks to take this tab in.
const JOIN_CONTACTS: usize = 3;
/// A link whose channel has not opened by then is given up (e.g. its offer went to a page that
/// has since reloaded), so a later offer from either side can take its place.
const LINK_SETUP_TIMEOUT_MS: u32 = 15_000;

pub type SwarmRef = Rc<RefCell<Swarm>>;

pub struct Swarm {
    identity: Identity,
    me: PeerId,
    store: EventStore,
    links: BTreeMap<PeerId, Link>,
    next_link_id: u64,
    /// Membership and broadcast (core's state machine); `mesh_driver` feeds it.
    mesh: Mesh,
    /// Checks and passes on signals routed through this tab.
    signals: SignalRouter,
    /// Frames waiting for a link that is still opening.
    queued: BTreeMap<PeerId, Vec<Vec<u8>>>,
    /// How each link's signals travel (the relay, or a route through the mesh).
    signal_paths: BTreeMap<PeerId, SignalPath>,
    /// The links each neighbour says it holds.
    neighbor_links: BTreeMap<PeerId, Vec<PeerId>>,
    /// Round-trip times to neighbours, from the last probe.
    rtt_ms: BTreeMap<PeerId, u32>,
    /// Links the mesh let go that stay open as signaling paths, since when.
    dormant: BTreeMap<PeerId, u64>,
    /// Since when each open link has not been a neighbour's.
    idle_since: BTreeMap<PeerId, u64>,
    /// When the mesh's next timeout is scheduled.
    mesh_timer_at: Option<u64>,
    next_nonce: u64,
    relay: Option<RelayClient>,
    /// The peer whose invite opened this page: linked first.
    inviter: Option<PeerId>,
    /// `None` when IndexedDB is unavailable: the tab then works in memory only.
    storage: Option<Storage>,
    persist: Persist,
    /// The economy folded from the store's events (refolded whenever they change).
    economy: Economy,
    /// Tasks whose acceptance this tab has already answered with its receipt (see `send_receipts`).
    receipts: BTreeSet<EventId>,
    ui: Ui,
    this: Weak<RefCell<Swarm>>,
}

pub fn now_ms() -> u64 {
    js_sys::Date::now().max(0.0) as u64
}

impl Swarm {
    /// `economy` is `store.economy()`: its events folded from its checkpoint, if any.
    /// `mesh_config` sizes the mesh; `seed` (32 random bytes) drives its random choices.
    pub fn new(
        identity: Identity,
        store: EventStore,
        economy: Economy,
        storage: Option<Storage>,
        ui: Ui,
        mesh_config: MeshConfig,
        seed: [u8; 32],
    ) -> SwarmRef {
        let me = identity.peer_id();
        // What was restored is what the last committed snapshot held.
        let saved = if storage.is_some() { store.len() } else { 0 };
        let saved_checkpoint = storage.as_ref().and(store.epoch()).map(|epoch| epoch.id);
        let swarm = Rc::new_cyclic(|this| {
            RefCell::new(Swarm {
                identity,
                me,
                store,
                links: BTreeMap::new(),
                next_link_id: 1,
                mesh: Mesh::new(me, mesh_config, seed),
                signals: SignalRouter::new(me),
                queued: BTreeMap::new(),
                signal_paths: BTreeMap::new(),
                neighbor_links: BTreeMap::new(),
                rtt_ms: BTreeMap::new(),
                dormant: BTreeMap::new(),
                idle_since: BTreeMap::new(),
                mesh_timer_at: None,
                next_nonce: 0,
                relay: None,
                inviter: None,
                storage,
                persist: Persist::restored(saved, saved_checkpoint),
                economy,
                receipts: BTreeSet::new(),
                ui,
                this: this.clone(),
            })
        });
        swarm.borrow_mut().refresh_views();
        swarm
    }

    /// Connects to the first relay of `relays` that answers (signal URLs, tried in turn, and
    /// reconnects for as long as the tab lives). `inviter`, the peer whose invite opened this
    /// page, is offered a link before the others the relay names.
    pub fn start_relay(this: &SwarmRef, relays: Vec<String>, inviter: Option<PeerId>) {
        if relays.is_empty() {
            this.borrow().ui.problem.set(Some("cannot work out the relay address from this page's URL".into()));
            return;
        }
        this.borrow_mut().inviter = inviter;
        let weak = Rc::downgrade(this);
        let listener: relay_client::Listener = Rc::new(move |event| {
            let weak = weak.clone();
            // Deferred so a callback never finds the swarm already borrowed.
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(swarm) = weak.upgrade() {
                    swarm.borrow_mut().on_relay_event(event);
                }
            });
        });
        let (identity, swarm) = (this.borrow().identity.clone(), this.borrow().store.genesis().id);
        let client = RelayClient::start(relays, identity, swarm, listener);
        this.borrow_mut().relay = Some(client);
    }

    /// Signs a heartbeat every `HEARTBEAT_INTERVAL_MS` while the tab is open: the swarm's
    /// evidence of this identity's uptime (karma `reliability.uptime`, and so its standing).
    pub fn start_heartbeats(this: &SwarmRef) {
        let weak = Rc::downgrade(this);
        wasm_bindgen_futures::spawn_local(async move {
            let interval = u32::try_from(HEARTBEAT_INTERVAL_MS).unwrap_or(u32::MAX);
            loop {
                gloo_timers::future::TimeoutFuture::new(interval).await;
                let Some(swarm) = weak.upgrade() else { return };
                let seq = now_ms() / HEARTBEAT_INTERVAL_MS;
                let sent = swarm.borrow_mut().publish(Event::Heartbeat(Heartbeat { seq }));
                if let Err(why) = sent {
                    web_sys::console::warn_1(&format!("could not send a heartbeat: {why}").into());
                }
            }
        });
    }

    /// Probes the neighbours' round-trip times every few seconds while the tab is open.
    pub fn start_pings(this: &SwarmRef) {
        let weak = Rc::downgrade(this);
        wasm_bindgen_futures::spawn_local(async move {
            loop {
                gloo_timers::future::TimeoutFuture::new(PING_INTERVAL_MS).await;
                let Some(swarm) = weak.upgrade() else { return };
                swarm.borrow_mut().ping_neighbors();
            }
        });
    }

    fn link_listener(&self) -> LinkListener {
        let weak = self.this.clone();
        Rc::new(move |peer, id, event| {
            let weak = weak.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(swarm) = weak.upgrade() {
                    swarm.borrow_mut().on_link_event(peer, id, event);
                }
            });
        })
    }

    fn on_relay_event(&mut self, event: RelayEvent) {
        match event {
            RelayEvent::State(state) => {
                self.ui.relay.set(state);
                if state == relay_client::RelayState::Connected {
                    self.ui.relay_note.set(None);
                    self.ui.swarm_problem.set(None);
                }
            }
            RelayEvent::OtherSwarm(served) => {
                self.ui.swarm_problem.set(Some(genesis::other_swarm_message(self.store.genesis(), &served)));
            }
            RelayEvent::Trying(url) => self.ui.relay_url.set(Some(url)),
            RelayEvent::Welcome(mut peers) => {
                // The relay's archive is a peer like any other: open the sync with our state vector.
                let step1 = self.store.sync_step1();
                self.send_to_relay(&step1);
                // A tab with no neighbours (new, or cut off) asks a few of the peers the relay
                // names to take it in, the inviter first; named no one, it founds the mesh and
                // takes in those who come later.
                peers.retain(|peer| *peer != self.me);
                peers.sort_by_key(|peer| Some(*peer) != self.inviter);
                if self.mesh.active().is_empty() {
                    peers.truncate(JOIN_CONTACTS);
                    self.mesh.join(&peers, now_ms());
                    self.drive();
                }
            }
            RelayEvent::Signal { from, payload } => self.on_signal(from, payload, SignalPath::Relay),
            RelayEvent::Sync(bytes) => {
                let relay = self.store.genesis().author();
                self.on_sync_message(relay, &bytes, Via::Relay);
            }
            RelayEvent::Refused { code, message } => {
                self.ui.relay_note.set(Some(format!("relay refused: {message} ({code:?})")));
            }
        }
    }

    /// Offers a link to `peer`, its signals travelling by `path`. False if it cannot start.
    fn start_offer(&mut self, peer: PeerId, path: SignalPath) -> bool {
        let id = self.take_link_id();
        match Link::offer(peer, id, self.link_listener()) {
            Ok(link) => {
                self.links.insert(peer, link);
                self.signal_paths.insert(peer, path);
                true
            }
            Err(e) => {
                web_sys::console::warn_1(&format!("cannot open a link: {e}").into());
                false
            }
        }
    }

    /// A signal for us, from the relay or routed through the mesh (`path`: how to answer).
    fn on_signal(&mut self, from: PeerId, payload: SignalPayload, path: SignalPath) {
        if from == self.me {
            return;
        }
        match payload {
            SignalPayload::Offer { sdp } => {
                if let Some(existing) = self.links.get(&from) {
                    // Crossing offers: the smaller did:key keeps its own offer.
                    if existing.awaiting_answer() && self.me.to_did() < from.to_did() {
                        return;
                    }
                    // Otherwise theirs wins: a polite loser, or a peer that restarted. Frames
                    // queued for our own offer wait for theirs.
                    self.links.remove(&from);
                    self.publish_peers();
                } else if self.links.len() >= MAX_LINKS {
                    return;
                }
                let id = self.take_link_id();
                match Link::answer(from, id, sdp, self.link_listener()) {
                    Ok(link) => {
                        self.links.insert(from, link);
                        self.signal_paths.insert(from, path);
                    }
                    Err(e) => web_sys::console::warn_1(&format!("cannot answer: {e}").into()),
                }
            }
            SignalPayload::Answer { sdp } => {
                let listener = self.link_listener();
                if let Some(link) = self.links.get(&from) {
                    link.on_answer(sdp, listener);
                }
            }
            SignalPayload::Candidate { candidate, sdp_mid, sdp_m_line_index } => {
                if let Some(link) = self.links.get(&from) {
                    link.on_candidate(candidate, sdp_mid, sdp_m_line_index);
                }
            }
        }
    }

    fn on_link_event(&mut self, peer: PeerId, id: u64, event: LinkEvent) {
        if self.links.get(&peer).map(|l| l.id) != Some(id) {
            return; // a replaced or forgotten link
        }
        match event {
            LinkEvent::Signal(payload) => self.send_signal(peer, payload),
            LinkEvent::Open => self.on_link_open(peer),
            LinkEvent::Message(bytes) => self.on_link_message(peer, &bytes),
            LinkEvent::Closed => return self.on_link_closed(peer),
        }
        self.drive();
    }

    /// One sync message: from the relay's archive (`peer` = the genesis author), from a
    /// neighbour's sync, or a broadcast the mesh delivered (`peer`: the neighbour it came from).
    fn on_sync_message(&mut self, peer: PeerId, bytes: &[u8], via: Via) {
        let epoch_before = self.store.epoch().map(|epoch| epoch.id);
        let outcome = self.store.handle_message(peer, bytes, now_ms());
        if self.store.epoch().map(|epoch| epoch.id) != epoch_before {
            // A checkpoint was adopted: keep only what it does not cover, and save that.
            if let Err(e) = self.store.drop_covered() {
                web_sys::console::warn_1(&format!("could not drop the history a checkpoint covers: {e}").into());
            }
            self.schedule_persist();
            self.refresh_views();
        }
        // Replies to a sync step 1 may carry events of ours.
        match via {
            Via::Relay => outcome.replies.into_iter().for_each(|reply| self.send_own(Dest::Relay(reply))),
            Via::Neighbor => {
                outcome.replies.into_iter().for_each(|reply| self.send_own(Dest::Neighbor { peer, bytes: reply }))
            }
            // A broadcast is an update: nothing to answer.
            Via::Broadcast => {}
        }
        for message in outcome.forward {
            // The mesh forwards broadcasts by itself; what a sync or the relay brought, it spreads.
            match via {
                Via::Relay => self.spread(None, message),
                Via::Neighbor => {
                    self.send_to_relay(&message);
                    self.spread(Some(peer), message);
                }
                Via::Broadcast => self.send_to_relay(&message),
            }
        }
        if let Some(error) = &outcome.error {
            web_sys::console::warn_1(&format!("refused sync data from {}: {error}", peer.short()).into());
        }
        if outcome.added > 0 {
            self.schedule_persist();
        }
        if outcome.added > 0 || outcome.rejected > 0 {
            self.refresh_views();
        }
    }

    /// Sends a sync message to every neighbour itself (not as a broadcast); returns to how many.
    fn send_to_neighbors(&mut self, message: &[u8]) -> usize {
        let neighbors = self.mesh.active().to_vec();
        for neighbor in &neighbors {
            self.send_neighbor(*neighbor, NeighborMessage::Sync(message.to_vec()));
        }
        self.drive();
        neighbors.len()
    }

    /// Sends a sync message to the relay's archive if joined (else it catches up on the next join).
    fn send_to_relay(&self, message: &[u8]) {
        if let Some(relay) = &self.relay {
            relay.send_sync(message);
        }
    }

    /// Signs and stores a new event of ours and shows it at once; it goes out on the links once
    /// it is on disk (or its write failed). An event the economy would refuse is not sent at all:
    /// the error says why, for the user.
    pub fn publish(&mut self, event: Event) -> Result<EventId, String> {
        let at_ms = now_ms();
        let trial = SignedEvent::create(&self.identity, self.store.genesis().id, self.store.replica(), at_ms, event)
            .map_err(|e| e.to_string())?;
        if let Some(why) = self.refusal_of(&trial) {
            return Err(why);
        }
        let (signed, message) = self.store.publish(&self.identity, at_ms, trial.event).map_err(|e| e.to_string())?;
        self.refresh_views();
        if self.storage.is_some() {
            self.persist.published += 1;
            self.persist.dirty = true;
            self.start_writer();
        }
        self.send_own(Dest::All(message));
        Ok(signed.id)
    }

    /// Why the economy would refuse `event` on top of what this tab holds, if it would.
    fn refusal_of(&self, event: &SignedEvent) -> Option<String> {
        let mut trial = self.economy.clone();
        let economy = match trial.apply(event) {
            Ok(()) => trial,
            // Our clock is behind the latest event we hold: fold the whole set with it.
            Err(_) => {
                let checkpoint = self.store.epoch().map(|epoch| &epoch.checkpoint);
                Economy::fold_from(self.store.genesis(), checkpoint, self.store.events().chain([event]), false).ok()?
            }
        };
        let ignored = economy.ignored(&event.author())?;
        (ignored.last_event == Some(event.id)).then(|| ignored.last_reason.clone())
    }

    /// Every other peer that published a capability envelope, as the router's placement
    /// candidates: its newest envelope and its karma now.
    pub fn candidates(&self) -> Vec<PeerCandidate> {
        let (karma, now) = (self.economy.karma(), now_ms());
        latest_envelopes(self.store.events())
            .into_iter()
            .filter(|(peer, _)| *peer != self.me)
            .map(|(peer, (signed_at_ms, capability))| PeerCandidate {
                peer,
                label: peer.short(),
                capability,
                signed_at_ms,
                accuracy_ppm: TaskKind::ALL
                    .into_iter()
                    .map(|kind| (kind, karma.value(&peer, &format!("accuracy.{}", kind.name()), now)))
                    .collect(),
                completion_ppm: karma.value(&peer, "reliability.completion", now),
                bid_price: None,
            })
            .collect()
    }

    /// The signed timeline of `task` (see `market::Task::timeline`).
    pub fn timeline(&self, task: &EventId) -> Vec<TimelineItem> {
        let Some(task) = self.economy.market().task(task) else { return Vec::new() };
        task.timeline.iter().filter_map(|id| self.store.get(id)).map(TimelineItem::of).collect()
    }

    /// Test hook: a forged event to every neighbour (not applied here). Returns the neighbour count.
    pub fn inject_forged(&mut self) -> usize {
        let message = adversary::forged_event_message(&self.store, &self.identity, now_ms());
        self.send_to_neighbors(&message)
    }

    /// Test hook: an update that tries to overwrite `target`, to every neighbour (not applied here).
    pub fn inject_overwrite(&mut self, target: EventId) -> usize {
        match adversary::overwrite_message(&self.store, target, &self.identity, now_ms()) {
            Some(message) => self.send_to_neighbors(&message),
            None => 0,
        }
    }

    fn take_link_id(&mut self) -> u64 {
        self.next_link_id += 1;
        let id = self.next_link_id;
        let weak = self.this.clone();
        wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(LINK_SETUP_TIMEOUT_MS).await;
            let Some(swarm) = weak.upgrade() else { return };
            let mut swarm = swarm.borrow_mut();
            let stuck = swarm.links.values().find(|l| l.id == id && !l.is_open()).map(|l| l.peer);
            if let Some(peer) = stuck {
                swarm.on_link_closed(peer);
            }
        });
        id
    }

    fn publish_peers(&self) {
        let open: Vec<PeerId> = self.links.values().filter(|l| l.is_open()).map(|l| l.peer).collect();
        if self.ui.peers.get_untracked() != open {
            self.ui.peers.set(open);
        }
    }

    /// Folds the event set again and shows it; then answers any acceptance of my work.
    fn refresh_views(&mut self) {
        match self.store.economy() {
            Ok(economy) => self.economy = economy,
            Err(e) => self.ui.problem.set(Some(format!("the economy cannot be shown as of the latest events: {e}"))),
        }
        let views = self.economy.views();
        let me = self.me;
        let at_ms = now_ms().max(views.as_of_ms);
        let gates = views
            .board
            .iter()
            .filter(|t| matches!(t.state, TaskState::Open | TaskState::Awarded) && t.requester != me)
            .filter_map(|t| self.economy.karma().meets(&me, &t.terms.requirements, at_ms).err().map(|why| (t.id, why)))
            .collect();
        self.ui.economy.set(Some(Arc::new(Shown { views, gates })));
        self.publish_store_status();
        self.send_receipts();
    }

    /// The executor's half of the co-signed settlement: when the requester accepts my result, this
    /// tab signs the receipt that releases the escrow. Once per task per tab session (a refused
    /// receipt is not retried in a loop).
    fn send_receipts(&mut self) {
        let me = self.me;
        let due: Vec<Settle> = self
            .economy
            .market()
            .tasks()
            .filter(|t| t.state == TaskState::Accepted && t.executor == Some(me) && !self.receipts.contains(&t.id))
            .filter_map(|t| Some(Settle { task: t.id, acceptance: t.acceptance?, routing: None }))
            .collect();
        for receipt in due {
            self.receipts.insert(receipt.task);
            if let Err(why) = self.publish(Event::Settle(receipt)) {
                web_sys::console::warn_1(&format!("could not send a settlement receipt: {why}").into());
            }
        }
    }

    fn publish_store_status(&self) {
        self.ui.store.set(StoreStatus {
            restored: true,
            events: self.store.len(),
            rejected: self.store.rejected_total(),
            saved: self.persist.saved,
        });
    }
}
