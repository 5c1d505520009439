//! The tab's durability rule: our own events are on disk before they leave the tab.
//!
//! A single writer saves the store snapshot to IndexedDB; anything that may carry an event of ours
//! waits in `held` until a write that holds that event has finished. Events from peers are saved on
//! a short debounce, and at once when the page is hidden or left.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use amorph_core::identity::PeerId;
use amorph_core::mesh::neighbor::NeighborMessage;

use super::{Swarm, SwarmRef};
use crate::storage::{StorageError, KEY_CHECKPOINT, KEY_EVENTS};

/// Writes of events from peers are coalesced over this many milliseconds.
const PERSIST_DEBOUNCE_MS: u32 = 250;

/// The writer's bookkeeping. `published` counts our own events; a write that took its snapshot at
/// `published == n` settles the first `n` of them (committed, or failed and reported).
#[derive(Default)]
pub(super) struct Persist {
    pub(super) published: u64,
    pub(super) settled: u64,
    /// The store changed since the writer last took a snapshot.
    pub(super) dirty: bool,
    /// The writer task is running; it takes snapshots until nothing is dirty.
    writing: bool,
    /// A debounced write is pending.
    timer: bool,
    /// Messages that may carry unsettled events of ours, in the order they were meant to go out.
    held: Vec<Held>,
    /// Events in the last snapshot committed to IndexedDB.
    pub(super) saved: usize,
    /// The id of the checkpoint on disk, so it is written again only when it changes.
    pub(super) saved_checkpoint: Option<[u8; 32]>,
}

/// One write: the snapshot, the checkpoint when it changed since the last write, and what the
/// write settles.
struct Write {
    snapshot: Vec<u8>,
    checkpoint: Option<([u8; 32], Vec<u8>)>,
    events: usize,
    settles: u64,
}

/// A message waiting for the write that settles our `needs`-th event.
pub(super) struct Held {
    needs: u64,
    to: Dest,
}

pub(super) enum Dest {
    /// A broadcast to the mesh, and the relay.
    All(Vec<u8>),
    /// The relay's archive, if joined.
    Relay(Vec<u8>),
    /// One neighbour, if it still is one.
    Neighbor { peer: PeerId, bytes: Vec<u8> },
}

impl Persist {
    /// The state after restoring a store whose last snapshot held `saved` events (and checkpoint).
    pub(super) fn restored(saved: usize, saved_checkpoint: Option<[u8; 32]>) -> Persist {
        Persist { saved, saved_checkpoint, ..Persist::default() }
    }
}

impl Swarm {
    /// Sends now, or holds the message until every event of ours so far is settled on disk.
    pub(super) fn send_own(&mut self, to: Dest) {
        if self.persist.settled < self.persist.published {
            self.persist.held.push(Held { needs: self.persist.published, to });
        } else {
            self.deliver(to);
        }
    }

    pub(super) fn deliver(&mut self, to: Dest) {
        match to {
            Dest::All(bytes) => {
                self.send_to_relay(&bytes);
                self.spread(None, bytes);
            }
            Dest::Relay(bytes) => {
                self.send_to_relay(&bytes);
            }
            Dest::Neighbor { peer, bytes } => {
                self.send_neighbor(peer, NeighborMessage::Sync(bytes));
                self.drive();
            }
        }
    }

    /// Saves the store snapshot soon, once for a burst of changes (events from peers).
    pub(super) fn schedule_persist(&mut self) {
        if self.storage.is_none() {
            return;
        }
        self.persist.dirty = true;
        if std::mem::replace(&mut self.persist.timer, true) {
            return;
        }
        let weak = self.this.clone();
        wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(PERSIST_DEBOUNCE_MS).await;
            let Some(swarm) = weak.upgrade() else { return };
            let mut swarm = swarm.borrow_mut();
            swarm.persist.timer = false;
            swarm.start_writer();
        });
    }

    /// Starts the single writer unless it runs already (it then picks up the change itself).
    /// One writer keeps the writes, and so the held messages, in order.
    pub(super) fn start_writer(&mut self) {
        if self.persist.writing || !self.persist.dirty {
            return;
        }
        let Some(storage) = self.storage.clone() else {
            return;
        };
        self.persist.writing = true;
        let weak = self.this.clone();
        wasm_bindgen_futures::spawn_local(async move {
            while let Some(write) = Swarm::next_write(&weak) {
                // A compacted snapshot is readable only with its checkpoint: both go in one transaction.
                let result = match &write.checkpoint {
                    Some((_, checkpoint)) => {
                        storage.save_all(&[(KEY_CHECKPOINT, checkpoint), (KEY_EVENTS, &write.snapshot)]).await
                    }
                    None => storage.save(KEY_EVENTS, &write.snapshot).await,
                };
                let Some(swarm) = weak.upgrade() else { return };
                swarm.borrow_mut().write_done(result, &write);
            }
        });
    }

    /// The writer's next write; `None` (and the writer stops) when nothing changed since the last one.
    fn next_write(weak: &Weak<RefCell<Swarm>>) -> Option<Write> {
        let swarm = weak.upgrade()?;
        let mut swarm = swarm.borrow_mut();
        if !swarm.persist.dirty {
            swarm.persist.writing = false;
            return None;
        }
        swarm.persist.dirty = false;
        let checkpoint = swarm
            .store
            .epoch()
            .map(|epoch| epoch.id)
            .filter(|id| swarm.persist.saved_checkpoint != Some(*id))
            .and_then(|id| Some((id, swarm.store.stored_checkpoint()?)));
        Some(Write {
            snapshot: swarm.store.snapshot(),
            checkpoint,
            events: swarm.store.len(),
            settles: swarm.persist.published,
        })
    }

    /// After a write: record what is on disk, then let out what waited for it. A failed write
    /// still lets the messages out: the swarm then holds those events.
    fn write_done(&mut self, result: Result<(), StorageError>, write: &Write) {
        let settles = write.settles;
        match result {
            Ok(()) => {
                self.persist.saved = write.events;
                if let Some((id, _)) = &write.checkpoint {
                    self.persist.saved_checkpoint = Some(*id);
                }
                self.publish_store_status();
            }
            Err(e) => self.ui.problem.set(Some(format!("{e}; recent events are only in memory and on peers"))),
        }
        self.persist.settled = settles;
        let ready = self.persist.held.iter().take_while(|h| h.needs <= settles).count();
        let ready: Vec<Held> = self.persist.held.drain(..ready).collect();
        for held in ready {
            self.deliver(held.to);
        }
    }

    /// Writes pending changes at once when the page is hidden (`visibilitychange`) or left
    /// (`pagehide`), instead of waiting for the debounce.
    pub fn flush_when_hidden(this: &SwarmRef) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let Some(document) = window.document() else {
            return;
        };
        let weak = Rc::downgrade(this);
        let flush = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
            let hidden = web_sys::window()
                .and_then(|w| w.document())
                .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden);
            if event.type_() != "pagehide" && !hidden {
                return;
            }
            let weak = weak.clone();
            // Deferred so a callback never finds the swarm already borrowed; it still runs before
            // the page goes (microtasks run right after this handler).
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(swarm) = weak.upgrade() {
                    swarm.borrow_mut().start_writer();
                }
            });
        });
        let _ = window.add_event_listener_with_callback("pagehide", flush.as_ref().unchecked_ref());
        let _ = document.add_event_listener_with_callback("visibilitychange", flush.as_ref().unchecked_ref());
        flush.forget();
    }
}
