//! Wallet history: the last entries of each identity's money movements, newest last, for the wallet
//! screen. Owns only the record; it never moves money and never decides whether a movement is allowed.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::identity::PeerId;
use crate::wire::EventId;

/// How many entries each identity's history keeps; older ones are dropped (balances are unaffected).
pub const HISTORY_LIMIT: usize = 200;

/// What a movement was, seen from the identity whose history holds the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryKind {
    /// New credits from an issuer.
    Grant,
    TransferIn,
    TransferOut,
    /// Payment locked when posting a task.
    EscrowLocked,
    /// Escrow given back to the requester (cancel, expiry, a rejection that stood, the unused part of
    /// a budget after an award).
    Refund,
    /// The executor's share of a settled task.
    Payout,
    /// The routing share of a settled task.
    RoutingFee,
    /// The protocol share of a settled task, to the treasury.
    ProtocolFee,
    /// A majority juror's share of the protocol fee.
    JuryFee,
    StakeLocked,
    StakeReturned,
    /// A stake lost by its staker (`amount` taken) or received by the treasury (`amount` gained).
    StakeForfeited,
}

/// One movement in one identity's history. `amount` is signed from that identity's view: money in
/// is positive, money out (or locked away) is negative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub at_ms: u64,
    pub kind: EntryKind,
    pub amount: i128,
    pub counterparty: Option<PeerId>,
    pub task: Option<EventId>,
}

/// Bounded per-identity histories.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    entries: BTreeMap<PeerId, VecDeque<Entry>>,
}

impl History {
    pub(super) fn record(&mut self, who: PeerId, entry: Entry) {
        let list = self.entries.entry(who).or_default();
        if list.len() == HISTORY_LIMIT {
            list.pop_front();
        }
        list.push_back(entry);
    }

    pub(super) fn identities(&self) -> impl Iterator<Item = PeerId> + '_ {
        self.entries.keys().copied()
    }

    /// `who`'s recent entries, oldest first.
    pub fn of(&self, who: &PeerId) -> Vec<Entry> {
        self.entries.get(who).map(|list| list.iter().cloned().collect()).unwrap_or_default()
    }
}
