//! Views: the task board and karma, derived as pure functions of a set of admitted events.
//!
//! Arrival order never matters: events are de-duplicated by id and processed in (timestamp, id)
//! order, so two peers holding the same set derive byte-identical views (`Views::encode`).

mod board;
mod karma;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::events::SignedEvent;
use crate::identity::PeerId;
use crate::wire::EventId;

pub use board::{TaskStatus, TaskView};
pub use karma::{Karma, EMA_ALPHA};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Views {
    /// Tasks, newest first.
    pub board: Vec<TaskView>,
    /// Karma of every identity that authored an event; new identities start at zero.
    pub karma: BTreeMap<PeerId, Karma>,
    /// Events that break a rule relative to others (claiming one's own task, deciding for someone
    /// else's task, …), per author. They change no view.
    pub ignored: BTreeMap<PeerId, u32>,
}

impl Views {
    pub fn derive<'a>(events: impl IntoIterator<Item = &'a SignedEvent>) -> Views {
        let mut unique: BTreeMap<(u64, EventId), &SignedEvent> = BTreeMap::new();
        for event in events {
            unique.insert((event.timestamp_ms(), event.id), event);
        }
        let ordered: Vec<&SignedEvent> = unique.into_values().collect();
        let mut ignored = BTreeMap::new();
        let board = board::derive(&ordered, &mut ignored);
        let karma = karma::derive(&ordered, &board);
        Views { board, karma, ignored }
    }

    /// Canonical bytes of the views: equal views, equal bytes.
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_stdvec(self).unwrap_or_default()
    }

    pub fn task(&self, id: &EventId) -> Option<&TaskView> {
        self.board.iter().find(|t| t.id == *id)
    }
}
