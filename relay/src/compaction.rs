//! The relay compacts its archive: every `--compact-every` seconds it asks the archive's store to
//! replace settled history with a checkpoint it signs as the swarm's issuer (core's
//! `EventStore::compact`), sends the `Compacted` event and the checkpoint's parts to every joined
//! tab, and lets the saver write `checkpoint.bin` and the smaller `events.bin`.
//!
//! Owns the schedule and the log lines only: what is settled, what the checkpoint holds and how
//! peers check it are core's (docs/protocol.md, "Compaction"). A failed compaction is logged and
//! tried again on the next period; it never stops the relay.

use std::sync::Arc;
use std::time::Duration;

use amorph_core::identity::Identity;
use tokio::sync::watch;
use tracing::{debug, info, warn};

use crate::signal::Hub;

/// Compacts every `every` (the first time right away) until `stop` turns true (or its sender goes).
pub async fn keep_compacted(hub: Arc<Hub>, issuer: Identity, every: Duration, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => compact_now(&hub, &issuer).await,
            _ = stop.changed() => return,
        }
    }
}

/// One compaction, off the async workers (folding the history takes a while on a long one).
pub async fn compact_now(hub: &Arc<Hub>, issuer: &Identity) {
    let (hub, issuer) = (hub.clone(), issuer.clone());
    let done = tokio::task::spawn_blocking(move || hub.compact(&issuer, crate::now_ms())).await;
    match done {
        Ok(Ok(Some(done))) => {
            info!(
                events_before = done.before,
                events_after = done.after,
                horizon_ms = done.horizon_ms,
                checkpoint = short_hex(&done.checkpoint),
                frames = done.messages,
                tabs = done.tabs,
                "archive compacted"
            );
        }
        Ok(Ok(None)) => debug!("nothing new to compact"),
        Ok(Err(error)) => warn!(%error, "the archive could not be compacted; trying again next period"),
        Err(error) => warn!(%error, "the compaction task stopped; trying again next period"),
    }
}

/// The first bytes of an id, in hex: enough to tell checkpoints apart in a log.
fn short_hex(id: &[u8; 32]) -> String {
    id[..6].iter().map(|b| format!("{b:02x}")).collect()
}
