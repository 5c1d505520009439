//! Timers of one mesh peer: deadlines in the caller's milliseconds, earliest first.
//!
//! Owns no clock. A timer that is no longer wanted is not cancelled; its handler finds nothing to
//! do when it fires. Each kind is scheduled only while its state exists, so the heap is bounded by
//! the bounded state it serves (pending requests, missing ids) plus a few periodic timers.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::wire::MessageId;
use crate::identity::PeerId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timer {
    /// Send a shuffle (periodic).
    Shuffle,
    /// Fill free active slots from the passive view; retire expired state (periodic).
    Maintain,
    /// A `Neighbor` request to this peer is overdue.
    NeighborTimeout(PeerId),
    /// Graft an announcer of this missing id (or the next one).
    Graft(MessageId),
    /// Send the batched `IHave`s.
    Dispatch,
}

#[derive(Debug, Default)]
pub struct Timers {
    heap: BinaryHeap<Reverse<(u64, Timer)>>,
}

impl Timers {
    pub fn schedule(&mut self, at_ms: u64, timer: Timer) {
        self.heap.push(Reverse((at_ms, timer)));
    }

    /// The earliest deadline.
    pub fn next(&self) -> Option<u64> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    /// Takes the earliest timer due at `now_ms`.
    pub fn pop_due(&mut self, now_ms: u64) -> Option<Timer> {
        match self.heap.peek() {
            Some(Reverse((at, _))) if *at <= now_ms => self.heap.pop().map(|Reverse((_, timer))| timer),
            _ => None,
        }
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }
}
