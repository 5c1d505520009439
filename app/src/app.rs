//! The root component and the boot sequence of a tab: slot → IndexedDB → identity → genesis →
//! event store → first render of identity and board → relay and peers. The coordinator (and its
//! worker) starts alongside.
//!
//! Owns the order of start-up and the `Actions` handle components use to change the swarm.
//! Never touches the network before the stored state is on screen; the one exception is a tab
//! without a genesis yet, which must first ask the relay which swarm it joins.

use std::rc::Rc;

use amorph_core::events::{Event, SignedEvent};
use amorph_core::store::{EventStore, StoreError};
use amorph_core::wire::EventId;
use leptos::prelude::*;
use sha2::{Digest, Sha256};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::components::{
    HardwarePanel, IdentityCard, InvitePanel, JuryPanel, KarmaPanel, MeshPanel, ModelPanel, PeerList, Planner,
    SettingsPanel, StatusBar, TaskBoard, WalletCard,
};
use crate::coordinator::Coordinator;
use crate::storage::{Storage, KEY_CHECKPOINT, KEY_EVENTS};
use crate::swarm::{self, now_ms, Swarm, SwarmRef};
use crate::timeline::TimelineItem;
use crate::ui_state::Ui;
use crate::vault::subtle::random_bytes;
use crate::{genesis, invitation, tab_slot, test_hooks, vault};

/// Yjs client ids are 53-bit so that JavaScript peers can hold them.
const REPLICA_MASK: u64 = (1 << 53) - 1;
const KEY_UNREADABLE_EVENTS: &str = "event-store-unreadable";

/// What components may ask of the swarm. Copy, so any closure can hold it.
#[derive(Clone, Copy)]
pub struct Actions {
    swarm: StoredValue<Option<SwarmRef>, LocalStorage>,
}

impl Actions {
    /// Signs, stores and spreads an event of ours; the error is for the user.
    pub fn publish(&self, event: Event) -> Result<EventId, String> {
        self.swarm.with_value(|swarm| match swarm {
            Some(swarm) => swarm.borrow_mut().publish(event),
            None => Err("still starting up; try again in a moment".to_string()),
        })
    }

    /// Peers that published a capability envelope, for placement (empty while starting up).
    pub fn candidates(&self) -> Vec<amorph_core::router::PeerCandidate> {
        self.swarm.with_value(|swarm| swarm.as_ref().map(|s| s.borrow().candidates()).unwrap_or_default())
    }

    /// The signed timeline of `task`, in fold order (empty while starting up).
    pub fn timeline(&self, task: EventId) -> Vec<TimelineItem> {
        self.swarm.with_value(|swarm| swarm.as_ref().map(|s| s.borrow().timeline(&task)).unwrap_or_default())
    }
}

#[component]
pub fn App() -> impl IntoView {
    let ui = Ui::new();
    let actions = Actions { swarm: StoredValue::new_local(None) };
    provide_context(ui);
    provide_context(actions);
    watch_online(ui);
    provide_context(Coordinator::start(ui, actions));
    leptos::task::spawn_local(boot(ui, actions));

    view! {
        <div class="app">
            <StatusBar />
            {move || {
                ui.problem.get().map(|problem| view! { <p class="banner error" role="alert" data-testid="problem">{problem}</p> })
            }}
            {move || {
                ui.swarm_problem.get().map(|problem| {
                    view! { <p class="banner error" role="alert" data-testid="swarm-problem">{problem}</p> }
                })
            }}
            <main class="layout">
                <IdentityCard />
                <WalletCard />
                <TaskBoard />
                <JuryPanel />
                <KarmaPanel />
                <Planner />
                <ModelPanel />
                <PeerList />
                <MeshPanel />
                <InvitePanel />
                <HardwarePanel />
                <SettingsPanel />
            </main>
        </div>
    }
}

async fn boot(ui: Ui, actions: Actions) {
    let slot = tab_slot::acquire().await;
    ui.slot.set(Some(slot));
    let storage = match Storage::open(slot).await {
        Ok(storage) => Some(storage),
        Err(e) => {
            ui.problem
                .set(Some(format!("{e}. This tab works in memory only: a reload loses its identity and events.")));
            None
        }
    };
    let identity = vault::slot_identity::load(storage.as_ref(), slot, ui).await;
    ui.me.set(Some(identity.peer_id()));
    let genesis = genesis::load(storage.as_ref(), ui).await;
    let replica = random_bytes::<8>().map(u64::from_le_bytes).unwrap_or_else(|_| now_ms()) & REPLICA_MASK;
    let store = match load_store(storage.as_ref(), replica, &genesis, ui).await {
        Ok(store) => store,
        Err(e) => {
            ui.swarm_problem.set(Some(format!("{e}: this swarm's genesis cannot start an event log; nothing to show")));
            return;
        }
    };
    let economy = match store.economy() {
        Ok(economy) => economy,
        Err(e) => {
            ui.swarm_problem.set(Some(format!("{e}: this swarm's events cannot be folded; nothing to show")));
            return;
        }
    };
    // Shows the restored board and store status (`data-restored`).
    // Without the browser's entropy (already reported for the identity), the mesh's choices are
    // seeded from the public id and the time: still different from every other tab's.
    let fallback = || Sha256::digest([identity.peer_id().0.as_slice(), &now_ms().to_le_bytes()].concat()).into();
    let seed = random_bytes::<32>().unwrap_or_else(|_| fallback());
    let swarm = Swarm::new(identity, store, economy, storage, ui, swarm::mesh_config_for_page(), seed);
    Swarm::flush_when_hidden(&swarm);
    actions.swarm.set_value(Some(swarm.clone()));
    test_hooks::install_if_requested(&swarm);
    let (arrival, invite) = invitation::arrival(&genesis).unzip();
    let invite = invite.flatten();
    let relays = invitation::relays(invite.as_ref());
    ui.arrival.set(arrival);
    ui.relays.set(relays.clone());
    Swarm::start_relay(&swarm, relays, invite.map(|i| i.from));
    Swarm::start_heartbeats(&swarm);
    Swarm::start_pings(&swarm);
}

/// The restored event log of `genesis`'s swarm, or a new one. Fails only if `genesis` cannot found
/// a store at all.
async fn load_store(
    storage: Option<&Storage>,
    replica: u64,
    genesis: &SignedEvent,
    ui: Ui,
) -> Result<EventStore, StoreError> {
    let Some(storage) = storage else { return EventStore::new(replica, genesis) };
    let checkpoint = match storage.load(KEY_CHECKPOINT).await {
        Ok(checkpoint) => checkpoint,
        Err(e) => {
            ui.problem.set(Some(format!("{e}; starting with an empty log")));
            return EventStore::new(replica, genesis);
        }
    };
    match storage.load(KEY_EVENTS).await {
        Ok(None) => EventStore::new(replica, genesis),
        Ok(Some(snapshot)) => {
            let restored = match &checkpoint {
                Some(stored) => EventStore::restore_compacted(replica, genesis, stored, &snapshot, now_ms()),
                None => EventStore::restore(replica, genesis, &snapshot, now_ms()),
            };
            match restored {
                Err(e @ StoreError::CorruptSnapshot(_)) => {
                    // Keep the unreadable bytes before the next save replaces them.
                    let kept = storage.save(KEY_UNREADABLE_EVENTS, &snapshot).await.is_ok();
                    let where_kept = if kept {
                        format!("kept under \"{KEY_UNREADABLE_EVENTS}\"")
                    } else {
                        "could not be kept".into()
                    };
                    ui.problem.set(Some(format!("{e}; starting with an empty log (the old bytes {where_kept})")));
                    EventStore::new(replica, genesis)
                }
                restored => restored,
            }
        }
        Err(e) => {
            ui.problem.set(Some(format!("{e}; starting with an empty log")));
            EventStore::new(replica, genesis)
        }
    }
}


/// Keeps `ui.online` equal to `navigator.onLine`.
fn watch_online(ui: Ui) {
    let Some(window) = web_sys::window() else { return };
    ui.online.set(window.navigator().on_line());
    let update = Rc::new(move || {
        if let Some(window) = web_sys::window() {
            ui.online.set(window.navigator().on_line());
        }
    });
    for name in ["online", "offline"] {
        let update = update.clone();
        let callback = Closure::<dyn FnMut(JsValue)>::new(move |_| update());
        let _ = window.add_event_listener_with_callback(name, callback.as_ref().unchecked_ref());
        callback.forget();
    }
}
