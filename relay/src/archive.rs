//! The relay's archive: its swarm's event log, held in a core `EventStore` and kept in
//! `<data-dir>/events.bin`, so the swarm's history outlives every tab.
//!
//! Owns that file. Loads it at start (a file that cannot be read or parsed is an error naming it,
//! and the relay stops without touching it); saves the whole store atomically (temporary file,
//! then rename) at most once a second after a change, and once more on shutdown. Makes no sync
//! decision of its own: admission and replies are the store's. Publishes only what the relay signs
//! (its welcome grants, see `grants`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use amorph_core::events::{Event, EventError, SignedEvent};
use amorph_core::identity::{Identity, PeerId};
use amorph_core::store::{EventStore, StoreError, SyncOutcome};
use tokio::sync::watch;
use tracing::{info, warn};

use crate::data_dir::{self, DataDirError};

pub const EVENTS_FILE: &str = "events.bin";
/// A change is on disk at most this long after it arrived.
const SAVE_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error(transparent)]
    File(#[from] DataDirError),
    #[error(
        "{path} is not an event log of this swarm: {why}. Restore it from a backup, or move it away \
         to start with an empty history; the relay never replaces it"
    )]
    Corrupt { path: PathBuf, why: String },
    #[error("the operating system gave no random bytes for the archive's replica: {0}")]
    Entropy(getrandom::Error),
}

/// The store and whether it changed since the last save.
pub struct Archive {
    store: EventStore,
    path: PathBuf,
    unsaved: bool,
}

/// Shared by the `/signal` hub, `/health` and the saver.
pub type SharedArchive = Arc<Mutex<Archive>>;

impl Archive {
    /// The archive of the swarm founded by `genesis`, restored from `dir`'s events file if any.
    pub fn open(dir: &Path, genesis: &SignedEvent, now_ms: u64) -> Result<Archive, ArchiveError> {
        let path = dir.join(EVENTS_FILE);
        let mut replica = [0u8; 8];
        getrandom::fill(&mut replica).map_err(ArchiveError::Entropy)?;
        let replica = u64::from_le_bytes(replica);
        let corrupt = |error: StoreError| ArchiveError::Corrupt { path: path.clone(), why: error.to_string() };
        let store = match data_dir::read_if_present(&path)? {
            Some(snapshot) => EventStore::restore(replica, genesis, &snapshot, now_ms).map_err(corrupt)?,
            None => EventStore::new(replica, genesis).map_err(corrupt)?,
        };
        Ok(Archive { store, path, unsaved: false })
    }

    pub fn shared(self) -> SharedArchive {
        Arc::new(Mutex::new(self))
    }

    pub fn len(&self) -> usize {
        self.store.len()
    }

    pub fn rejected_total(&self) -> u64 {
        self.store.rejected_total()
    }

    /// Admitted events in id order.
    pub fn events(&self) -> impl Iterator<Item = &SignedEvent> {
        self.store.events()
    }

    /// Signs `event` as `identity` into the log; returns the sync update for every joined tab.
    pub fn publish(&mut self, identity: &Identity, now_ms: u64, event: Event) -> Result<Vec<u8>, EventError> {
        let (_, update) = self.store.publish(identity, now_ms, event)?;
        self.unsaved = true;
        Ok(update)
    }

    /// The opening message for a newly joined tab.
    pub fn sync_step1(&self) -> Vec<u8> {
        self.store.sync_step1()
    }

    /// One sync message from the joined peer `from`.
    pub fn handle(&mut self, from: PeerId, message: &[u8], now_ms: u64) -> SyncOutcome {
        let outcome = self.store.handle_message(from, message, now_ms);
        self.unsaved |= outcome.added > 0;
        outcome
    }

    /// The snapshot to write when something changed since the last one.
    fn take_unsaved(&mut self) -> Option<(PathBuf, Vec<u8>, usize)> {
        std::mem::take(&mut self.unsaved).then(|| (self.path.clone(), self.store.snapshot(), self.store.len()))
    }
}

pub fn lock(archive: &SharedArchive) -> MutexGuard<'_, Archive> {
    archive.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Saves the archive once a second while it changes, until `stop` turns true (or its sender goes).
pub async fn keep_saved(archive: SharedArchive, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(SAVE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => save_now(&archive).await,
            _ = stop.changed() => return,
        }
    }
}

/// Writes the archive now if it changed. A failed write is logged and tried again on the next save.
pub async fn save_now(archive: &SharedArchive) {
    let Some((path, snapshot, events)) = lock(archive).take_unsaved() else { return };
    let written = tokio::task::spawn_blocking(move || data_dir::write_atomically(&path, &snapshot)).await;
    match written {
        Ok(Ok(())) => info!(events, "archive saved"),
        Ok(Err(error)) => {
            warn!(%error, "the archive could not be saved; it stays in memory and is tried again");
            lock(archive).unsaved = true;
        }
        Err(error) => {
            warn!(%error, "the archive writer stopped; trying again");
            lock(archive).unsaved = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amorph_core::events::{Event, Heartbeat};
    use amorph_core::identity::Identity;

    const NOW: u64 = 1_750_000_000_000;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("amorph-archive-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[tokio::test]
    async fn events_survive_a_restart_and_a_corrupt_file_is_left_alone() {
        let dir = temp_dir("restart");
        let founder = data_dir::open_or_found(&dir, "S", NOW).unwrap();
        let archive = Archive::open(&dir, &founder.genesis, NOW).unwrap().shared();
        let mut tab = EventStore::new(7, &founder.genesis).unwrap();
        let author = Identity::from_seed([9; 32]);
        let (_, update) = tab.publish(&author, NOW, Event::Heartbeat(Heartbeat { seq: 1 })).unwrap();
        let outcome = lock(&archive).handle(author.peer_id(), &update, NOW);
        assert_eq!(outcome.added, 1, "{outcome:?}");
        save_now(&archive).await;
        let again = Archive::open(&dir, &founder.genesis, NOW).unwrap();
        assert_eq!(again.len(), 2);
        std::fs::write(dir.join(EVENTS_FILE), b"garbage").unwrap();
        let error = Archive::open(&dir, &founder.genesis, NOW).err().unwrap();
        assert!(matches!(error, ArchiveError::Corrupt { .. }), "{error}");
        assert_eq!(std::fs::read(dir.join(EVENTS_FILE)).unwrap(), b"garbage");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
