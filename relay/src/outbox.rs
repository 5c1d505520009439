//! One socket's outbound queue, bounded by the bytes waiting in it rather than by a frame count:
//! a newcomer's first sync may be a checkpoint of hundreds of 60 KiB parts, which a frame bound
//! would take for a reader that is too slow. Owns only the queue and its byte count.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use amorph_core::economy::MAX_CHECKPOINT_BYTES;
use amorph_core::signal::ErrorCode;
use amorph_core::store::MAX_SYNC_MESSAGE_BYTES;
use tokio::sync::mpsc;

/// Bytes that may wait for one socket: a whole checkpoint and a full sync reply besides, with
/// room for signaling frames. Beyond this the reader is too slow and is dropped.
pub(crate) const MAX_QUEUED_BYTES: usize = MAX_CHECKPOINT_BYTES + 4 * MAX_SYNC_MESSAGE_BYTES;
/// What a frame costs the queue beyond its payload, so that empty frames still count.
const FRAME_OVERHEAD: usize = 64;

/// What a connection task must write next.
pub(crate) enum Outbound {
    Frame(String),
    Binary(Vec<u8>),
    Close(ErrorCode),
}

impl Outbound {
    fn cost(&self) -> usize {
        FRAME_OVERHEAD
            + match self {
                Outbound::Frame(text) => text.len(),
                Outbound::Binary(bytes) => bytes.len(),
                Outbound::Close(_) => 0,
            }
    }
}

/// The queue is over its byte bound; the frame was not queued.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Full;

/// The sending half, held by the hub.
pub(crate) struct Outbox {
    sender: mpsc::UnboundedSender<Outbound>,
    queued: Arc<AtomicUsize>,
    limit: usize,
}

/// The receiving half, held by the socket's task.
pub(crate) struct Inbox {
    receiver: mpsc::UnboundedReceiver<Outbound>,
    queued: Arc<AtomicUsize>,
}

pub(crate) fn channel(limit: usize) -> (Outbox, Inbox) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let queued = Arc::new(AtomicUsize::new(0));
    (Outbox { sender, queued: queued.clone(), limit }, Inbox { receiver, queued })
}

impl Outbox {
    /// Queues `frame` unless that would put more than the limit in waiting (or the socket's task
    /// has ended).
    pub(crate) fn push(&self, frame: Outbound) -> Result<(), Full> {
        let cost = frame.cost();
        let before = self.queued.fetch_add(cost, Ordering::AcqRel);
        if before + cost > self.limit || self.sender.send(frame).is_err() {
            self.queued.fetch_sub(cost, Ordering::AcqRel);
            return Err(Full);
        }
        Ok(())
    }
}

impl Inbox {
    /// The next frame to write; `None` once the hub dropped the socket's outbox.
    pub(crate) async fn next(&mut self) -> Option<Outbound> {
        let frame = self.receiver.recv().await?;
        self.queued.fetch_sub(frame.cost(), Ordering::AcqRel);
        Some(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PART: usize = 60 * 1024;

    #[tokio::test]
    async fn a_checkpoint_of_hundreds_of_parts_fits_and_the_bound_still_holds() {
        let (outbox, mut inbox) = channel(MAX_QUEUED_BYTES);
        // A 32 MiB checkpoint: 547 parts of 60 KiB, far more than any frame count bound allowed.
        let parts = MAX_CHECKPOINT_BYTES.div_ceil(PART);
        for _ in 0..parts {
            outbox.push(Outbound::Binary(vec![0; PART])).unwrap();
        }
        outbox.push(Outbound::Frame("{\"type\":\"welcome\"}".into())).unwrap();
        // A reader that never reads is cut off at the byte bound.
        let mut more = 0;
        while outbox.push(Outbound::Binary(vec![0; PART])).is_ok() {
            more += 1;
            assert!(more < 1_000, "the queue has no bound");
        }
        // Reading frees room again.
        for _ in 0..10 {
            assert!(inbox.next().await.is_some());
        }
        assert_eq!(outbox.push(Outbound::Binary(vec![0; PART])), Ok(()));
    }

    #[tokio::test]
    async fn a_closed_socket_takes_nothing_and_counts_nothing() {
        let (outbox, inbox) = channel(1_000);
        drop(inbox);
        assert_eq!(outbox.push(Outbound::Frame("x".into())), Err(Full));
        assert_eq!(outbox.queued.load(Ordering::Acquire), 0);
    }
}
