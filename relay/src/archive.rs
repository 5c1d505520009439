//! The relay's archive: its swarm's event log, held in a core `EventStore` and kept in
//! `<data-dir>/events.bin`, so the swarm's history outlives every tab; once compacted (see
//! `compaction`), the checkpoint that replaces its settled history is kept in
//! `<data-dir>/checkpoint.bin`.
//!
//! Owns these files. Loads them at start (a file that cannot be read or parsed is an error naming
//! it, and the relay stops without touching it); saves the whole store atomically (temporary file,
//! then rename) at most once a second after a change, and once more on shutdown. A new checkpoint
//! is written before the events file of the same save: a crash between the two leaves the new
//! checkpoint beside the older, fuller events file, which `restore_compacted` still loads (the
//! checkpoint's covered entries are dropped again), never a compacted events file without its
//! checkpoint. Makes no sync decision of its own: admission and replies are the store's. Publishes
//! only what the relay signs (its welcome grants, see `grants`; its `Compacted` events).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use amorph_core::events::{Event, EventError, SignedEvent};
use amorph_core::identity::{Identity, PeerId};
use amorph_core::store::compaction::{Compaction, CompactionError};
use amorph_core::store::{EventStore, SyncOutcome};
use tokio::sync::watch;
use tracing::{info, warn};

use crate::data_dir::{self, DataDirError};

pub const EVENTS_FILE: &str = "events.bin";
pub const CHECKPOINT_FILE: &str = "checkpoint.bin";
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
    checkpoint_path: PathBuf,
    unsaved: bool,
    /// The id of the checkpoint `checkpoint.bin` holds, so an unchanged one is not written again.
    saved_checkpoint: Option<[u8; 32]>,
}

/// What one save writes: the checkpoint when it is new since the last save, then the events.
struct Save {
    checkpoint: Option<(PathBuf, Vec<u8>, [u8; 32])>,
    path: PathBuf,
    snapshot: Vec<u8>,
    events: usize,
}

/// Shared by the `/signal` hub, `/health` and the saver.
pub type SharedArchive = Arc<Mutex<Archive>>;

impl Archive {
    /// The archive of the swarm founded by `genesis`, restored from `dir`'s events file if any,
    /// and from its checkpoint file too once the archive was compacted.
    pub fn open(dir: &Path, genesis: &SignedEvent, now_ms: u64) -> Result<Archive, ArchiveError> {
        let (path, checkpoint_path) = (dir.join(EVENTS_FILE), dir.join(CHECKPOINT_FILE));
        let mut replica = [0u8; 8];
        getrandom::fill(&mut replica).map_err(ArchiveError::Entropy)?;
        let replica = u64::from_le_bytes(replica);
        let corrupt = |path: &Path, why: String| ArchiveError::Corrupt { path: path.to_path_buf(), why };
        let empty = EventStore::new(replica, genesis).map_err(|e| corrupt(&path, e.to_string()))?;
        let snapshot = data_dir::read_if_present(&path)?;
        let store = match (data_dir::read_if_present(&checkpoint_path)?, snapshot) {
            (Some(stored), snapshot) => {
                // The checkpoint alone first, so that an error names the file at fault.
                let alone = EventStore::restore_compacted(replica, genesis, &stored, &empty.snapshot(), now_ms)
                    .map_err(|e| corrupt(&checkpoint_path, e.to_string()))?;
                match snapshot {
                    Some(snapshot) => EventStore::restore_compacted(replica, genesis, &stored, &snapshot, now_ms)
                        .map_err(|e| corrupt(&path, e.to_string()))?,
                    None => {
                        warn!(
                            checkpoint = %checkpoint_path.display(),
                            "no events file beside the checkpoint: the archive holds the checkpoint alone"
                        );
                        alone
                    }
                }
            }
            (None, Some(snapshot)) => EventStore::restore(replica, genesis, &snapshot, now_ms).map_err(|e| {
                corrupt(&path, format!("{e} (a compacted events file needs its {CHECKPOINT_FILE} beside it)"))
            })?,
            (None, None) => empty,
        };
        let saved_checkpoint = store.epoch().map(|epoch| epoch.id);
        Ok(Archive { store, path, checkpoint_path, unsaved: false, saved_checkpoint })
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

    /// Checkpoints from peers that the store refused.
    pub fn checkpoints_refused(&self) -> u64 {
        self.store.checkpoints_refused()
    }

    /// The horizon of the adopted checkpoint: history up to it is compacted.
    pub fn compacted_through_ms(&self) -> Option<u64> {
        self.store.epoch().map(|epoch| epoch.checkpoint.horizon_ms)
    }

    /// The id (SHA-256) of the adopted checkpoint.
    pub fn checkpoint_id(&self) -> Option<[u8; 32]> {
        self.store.epoch().map(|epoch| epoch.id)
    }

    /// Compacts the settled history as `issuer` (see `EventStore::compact`); the returned
    /// messages go to every joined tab.
    pub fn compact(&mut self, issuer: &Identity, now_ms: u64) -> Result<Option<Compaction>, CompactionError> {
        let compaction = self.store.compact(issuer, now_ms)?;
        self.unsaved |= compaction.is_some();
        Ok(compaction)
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

    /// What to write when something changed since the last save.
    fn take_unsaved(&mut self) -> Option<Save> {
        if !std::mem::take(&mut self.unsaved) {
            return None;
        }
        let checkpoint = match (self.store.epoch(), self.store.stored_checkpoint()) {
            (Some(epoch), Some(bytes)) if self.saved_checkpoint != Some(epoch.id) => {
                Some((self.checkpoint_path.clone(), bytes, epoch.id))
            }
            _ => None,
        };
        Some(Save { checkpoint, path: self.path.clone(), snapshot: self.store.snapshot(), events: self.store.len() })
    }
}

impl Save {
    /// The checkpoint first: its events file is never on disk without it.
    fn write(&self) -> Result<(), DataDirError> {
        if let Some((path, bytes, _)) = &self.checkpoint {
            data_dir::write_atomically(path, bytes)?;
        }
        data_dir::write_atomically(&self.path, &self.snapshot)
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
    let Some(save) = lock(archive).take_unsaved() else { return };
    let written = tokio::task::spawn_blocking(move || save.write().map(|()| save)).await;
    match written {
        Ok(Ok(save)) => {
            if let Some((_, _, id)) = save.checkpoint {
                lock(archive).saved_checkpoint = Some(id);
            }
            info!(events = save.events, "archive saved");
        }
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
    use amorph_core::economy::Economy;
    use amorph_core::events::{Decision, Event, Grant, Heartbeat, ResultSubmitted, Settle, TaskClaimed, TaskPosted};
    use amorph_core::identity::Identity;

    const NOW: u64 = 1_750_000_000_000;
    const DAY_MS: u64 = 86_400_000;

    /// A settled task three days before `NOW` (the issuer funds both sides; the requester posts,
    /// the worker claims with a 10% stake, submits, is accepted and settles) and a heartbeat a
    /// minute before `NOW`. Returns each event's sync update, in order, from its author's store.
    fn settled_history(issuer: &Identity, genesis: &SignedEvent) -> Vec<(PeerId, Vec<u8>)> {
        let (requester, worker) = (Identity::from_seed([2; 32]), Identity::from_seed([3; 32]));
        let mut stores: Vec<EventStore> = (11..14).map(|r| EventStore::new(r, genesis).unwrap()).collect();
        let mut at = NOW - 3 * DAY_MS;
        let mut sent = Vec::new();
        let mut sign = |who: usize, identity: &Identity, event: Event| {
            at += 1_000;
            let (signed, update) = stores[who].publish(identity, at, event).unwrap();
            sent.push((identity.peer_id(), update));
            signed.id
        };
        sign(0, issuer, Event::Grant(Grant { to: requester.peer_id(), amount: 100, memo: String::new() }));
        sign(0, issuer, Event::Grant(Grant { to: worker.peer_id(), amount: 20, memo: String::new() }));
        let terms = TaskPosted::simple("Task", "Do it", "translation", 50, NOW + 30 * DAY_MS);
        let task = sign(1, &requester, Event::TaskPosted(terms));
        sign(2, &worker, Event::TaskClaimed(TaskClaimed { task, stake: 5 }));
        let submission = sign(2, &worker, Event::ResultSubmitted(ResultSubmitted::new(task, "done")));
        let acceptance = sign(1, &requester, Event::ResultAccepted(Decision { task, submission }));
        sign(2, &worker, Event::Settle(Settle { task, acceptance, routing: None }));
        let (_, update) = stores[2].publish(&worker, NOW - 60_000, Event::Heartbeat(Heartbeat { seq: 1 })).unwrap();
        sent.push((worker.peer_id(), update));
        sent
    }

    fn views(archive: &Archive) -> Vec<u8> {
        archive.store.economy().unwrap().views().encode()
    }

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

    #[tokio::test]
    async fn a_checkpoint_is_saved_before_its_events_and_both_restore() {
        let dir = temp_dir("compacted");
        let founder = data_dir::open_or_found(&dir, "S", NOW - 4 * DAY_MS).unwrap();
        let archive = Archive::open(&dir, &founder.genesis, NOW).unwrap().shared();
        for (from, update) in settled_history(&founder.identity, &founder.genesis) {
            assert_eq!(lock(&archive).handle(from, &update, NOW).added, 1);
        }
        save_now(&archive).await;
        let full = std::fs::read(dir.join(EVENTS_FILE)).unwrap();

        let compaction = lock(&archive).compact(&founder.identity, NOW).unwrap().expect("a settled task");
        assert_eq!(lock(&archive).compact(&founder.identity, NOW).unwrap().map(|c| c.event.id), None);
        let mut history: Vec<SignedEvent> =
            Archive::open(&dir, &founder.genesis, NOW).unwrap().events().cloned().collect();
        history.push(compaction.event.clone());
        let expected = Economy::derive(&founder.genesis, &history).unwrap().encode();
        assert_eq!(views(&lock(&archive)), expected, "compaction changes no view");
        let kept = lock(&archive).len();
        assert!(kept < 4, "the settled events are dropped: {kept} kept");

        // The checkpoint goes first: when it cannot be written, events.bin is left as it was.
        let checkpoint = dir.join(CHECKPOINT_FILE);
        std::fs::create_dir(&checkpoint).unwrap();
        save_now(&archive).await;
        assert_eq!(
            std::fs::read(dir.join(EVENTS_FILE)).unwrap(),
            full,
            "no compacted events.bin without its checkpoint"
        );
        std::fs::remove_dir(&checkpoint).unwrap();
        save_now(&archive).await;
        assert!(checkpoint.is_file());
        assert!(std::fs::read(dir.join(EVENTS_FILE)).unwrap().len() < full.len());

        let again = Archive::open(&dir, &founder.genesis, NOW).unwrap();
        let compacted = {
            let archive = lock(&archive);
            (archive.checkpoint_id(), archive.len())
        };
        assert_eq!((again.checkpoint_id(), again.len()), compacted);
        assert_eq!(views(&again), expected, "restored from checkpoint.bin and events.bin");

        // A crash between the two writes: the new checkpoint beside the old, full events.bin.
        std::fs::write(dir.join(EVENTS_FILE), &full).unwrap();
        // The checkpoint is adopted and the covered entries dropped again; the `Compacted` event's
        // own entry was not in that file (its views lack only that event) until a tab that holds
        // it syncs it back, as its update does here.
        let mut crashed = Archive::open(&dir, &founder.genesis, NOW).unwrap();
        assert_eq!(crashed.checkpoint_id(), again.checkpoint_id());
        let without = Economy::derive(&founder.genesis, &history[..history.len() - 1]).unwrap().encode();
        assert_eq!((crashed.len(), views(&crashed)), (again.len() - 1, without), "covered entries dropped again");
        let from = founder.identity.peer_id();
        assert_eq!(crashed.handle(from, &compaction.messages[0], NOW).added, 1);
        assert_eq!((crashed.len(), views(&crashed)), (again.len(), expected.clone()));

        // A damaged checkpoint is an error naming it, and stays as it is.
        let stored = std::fs::read(&checkpoint).unwrap();
        std::fs::write(&checkpoint, b"garbage").unwrap();
        let error = Archive::open(&dir, &founder.genesis, NOW).err().unwrap();
        assert!(matches!(&error, ArchiveError::Corrupt { path, .. } if path.ends_with(CHECKPOINT_FILE)), "{error}");
        assert_eq!(std::fs::read(&checkpoint).unwrap(), b"garbage");

        // A compacted events.bin without its checkpoint is refused, naming events.bin.
        std::fs::write(&checkpoint, &stored).unwrap();
        save_now(&archive).await;
        lock(&archive).unsaved = true;
        save_now(&archive).await;
        std::fs::remove_file(&checkpoint).unwrap();
        match Archive::open(&dir, &founder.genesis, NOW) {
            Err(ArchiveError::Corrupt { path, why }) => {
                assert!(path.ends_with(EVENTS_FILE) && why.contains(CHECKPOINT_FILE), "{why}")
            }
            other => panic!("a compacted events.bin alone must be refused, got {:?}", other.map(|a| a.len())),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
