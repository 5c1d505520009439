//! The reactive state every screen reads: one `Ui` of signal handles, provided as context.
//!
//! Owns what is shown, never how it is computed: the swarm, the relay client and the worker
//! client write these signals; components only read them (and call `Actions`).

use std::collections::BTreeMap;
use std::sync::Arc;

use amorph_core::economy::EconomyViews;
use amorph_core::identity::PeerId;
use amorph_core::router::Power;
use amorph_core::wire::EventId;
use amorph_worker::{BenchmarkReport, HardwareReport, LoadStage, ModelReport};
use leptos::prelude::*;

use crate::invitation::Arrival;
use crate::relay_client::RelayState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreStatus {
    /// The IndexedDB restore finished (even when there was nothing to restore).
    pub restored: bool,
    pub events: usize,
    /// Inbound events refused so far (`store.rejected_total()`).
    pub rejected: u64,
    /// Events in the last snapshot committed to IndexedDB (0 for a tab without storage).
    pub saved: usize,
}

/// How this tab's identity seed is kept, as the identity card says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedAtRest {
    /// Sealed in the vault under the non-extractable device key.
    DeviceKey,
    /// Sealed under the passphrase key; `locked` until the user types the passphrase on this page.
    Passphrase { locked: bool },
    /// In the clear in the slot's IndexedDB, for the reason given (no WebCrypto on this page).
    Clear(String),
    /// Not stored at all: a reload replaces it.
    Temporary,
}

/// The swarm this tab belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwarmView {
    pub name: String,
    pub genesis: EventId,
}

/// The economy as this tab shows it: core's views of the tab's event set, and what they mean for
/// this tab's identity.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub views: EconomyViews,
    /// Tasks open to claims whose gates I do not meet, with the first unmet gate as a sentence.
    pub gates: BTreeMap<EventId, String>,
}

/// The mesh as this tab knows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MeshView {
    /// Neighbours (the active view), with the last round-trip time in ms.
    pub active: Vec<(PeerId, Option<u32>)>,
    /// Contacts kept to replace a neighbour (the passive view).
    pub passive: Vec<PeerId>,
    /// The links each neighbour says it holds.
    pub known: Vec<(PeerId, Vec<PeerId>)>,
    /// Mesh frames, neighbour messages and signals refused so far.
    pub refusals: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WorkerState {
    Starting,
    Ready,
    Failed(String),
}

impl WorkerState {
    pub fn as_str(&self) -> &'static str {
        match self {
            WorkerState::Starting => "starting",
            WorkerState::Ready => "ready",
            WorkerState::Failed(_) => "failed",
        }
    }
}

/// The coordinator model as the worker reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelState {
    /// Not asked for yet (it is a download of tens of megabytes).
    Absent,
    Loading {
        stage: LoadStage,
        loaded: u64,
        total: u64,
    },
    Ready(ModelReport),
    Failed(String),
}

impl ModelState {
    pub fn as_str(&self) -> &'static str {
        match self {
            ModelState::Absent => "absent",
            ModelState::Loading { .. } => "loading",
            ModelState::Ready(_) => "ready",
            ModelState::Failed(_) => "failed",
        }
    }
}

/// What the main thread reads about the device (the battery API exists only there).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Conditions {
    pub power: Power,
    /// Percent, when the browser says.
    pub battery_percent: Option<u8>,
    /// `navigator.connection.effectiveType`.
    pub connection: Option<String>,
}

#[derive(Clone, Copy)]
pub struct Ui {
    pub slot: RwSignal<Option<u32>>,
    pub me: RwSignal<Option<PeerId>>,
    /// Known once the identity is loaded.
    pub seed_at_rest: RwSignal<Option<SeedAtRest>>,
    /// Known once the genesis is loaded (from IndexedDB or the relay).
    pub swarm: RwSignal<Option<SwarmView>>,
    /// Why this tab cannot join (yet): the relay does not answer `/genesis`, or serves another swarm.
    pub swarm_problem: RwSignal<Option<String>>,
    pub relay: RwSignal<RelayState>,
    /// The last refusal from the relay, for the user.
    pub relay_note: RwSignal<Option<String>>,
    /// The relay (signal URL) the client is connected to or trying.
    pub relay_url: RwSignal<Option<String>>,
    /// The relays this tab uses, in order: what its own invites name.
    pub relays: RwSignal<Vec<String>>,
    /// What became of the invite this page was opened with, if any.
    pub arrival: RwSignal<Option<Arrival>>,
    pub online: RwSignal<bool>,
    /// Peers with an open data channel.
    pub peers: RwSignal<Vec<PeerId>>,
    pub mesh: RwSignal<MeshView>,
    /// `None` until the event store is loaded.
    pub economy: RwSignal<Option<Arc<Shown>>>,
    /// The identity whose karma the chart shows (`None`: mine).
    pub inspected: RwSignal<Option<PeerId>>,
    pub store: RwSignal<StoreStatus>,
    pub worker: RwSignal<WorkerState>,
    pub hardware: RwSignal<Option<HardwareReport>>,
    pub model: RwSignal<ModelState>,
    /// The self-benchmark's figures, once run on the loaded model.
    pub benchmark: RwSignal<Option<BenchmarkReport>>,
    pub conditions: RwSignal<Conditions>,
    /// Something the user must know (storage failed, identity unreadable…).
    pub problem: RwSignal<Option<String>>,
}

impl Ui {
    pub fn new() -> Ui {
        Ui {
            slot: RwSignal::new(None),
            me: RwSignal::new(None),
            seed_at_rest: RwSignal::new(None),
            swarm: RwSignal::new(None),
            swarm_problem: RwSignal::new(None),
            relay: RwSignal::new(RelayState::Connecting),
            relay_note: RwSignal::new(None),
            relay_url: RwSignal::new(None),
            relays: RwSignal::new(Vec::new()),
            arrival: RwSignal::new(None),
            online: RwSignal::new(true),
            peers: RwSignal::new(Vec::new()),
            mesh: RwSignal::new(MeshView::default()),
            economy: RwSignal::new(None),
            inspected: RwSignal::new(None),
            store: RwSignal::new(StoreStatus::default()),
            worker: RwSignal::new(WorkerState::Starting),
            hardware: RwSignal::new(None),
            model: RwSignal::new(ModelState::Absent),
            benchmark: RwSignal::new(None),
            conditions: RwSignal::new(Conditions::default()),
            problem: RwSignal::new(None),
        }
    }

    /// Reads the economy's views, if loaded (tracked).
    pub fn with_views<T>(&self, f: impl FnOnce(&EconomyViews) -> T) -> Option<T> {
        self.economy.with(|shown| shown.as_ref().map(|shown| f(&shown.views)))
    }

    /// Exactly one of `connecting`, `connected`, `relay down`, `other swarm`, `offline`.
    pub fn relay_text(&self) -> &'static str {
        if !self.online.get() {
            return "offline";
        }
        match self.relay.get() {
            RelayState::Connecting => "connecting",
            RelayState::Connected => "connected",
            RelayState::Down => "relay down",
            RelayState::OtherSwarm => "other swarm",
        }
    }
}

impl Default for Ui {
    fn default() -> Self {
        Ui::new()
    }
}
