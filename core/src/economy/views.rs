//! What the economy shows: the task board, wallets, karma vectors, refusals per author and the
//! money totals, as one serializable value with canonical bytes. Owns only the presentation of the
//! fold's state; it computes nothing the fold has not decided.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Economy;
use crate::events::Genesis;
use crate::identity::PeerId;
use crate::karma::{KarmaBook, KarmaVector};
use crate::ledger::{Entry, Ledger, Totals};
use crate::market::{Market, Task};
use crate::wire::EventId;

/// Refused events of one author: how many, and the latest refusal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ignored {
    pub count: u32,
    pub last_reason: String,
    pub last_event: Option<EventId>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Wallet {
    /// Spendable.
    pub balance: u64,
    /// Locked in the escrows of tasks it posted.
    pub escrowed: u64,
    /// Locked in the stakes of tasks it claimed.
    pub staked: u64,
    /// Recent movements, oldest first (see `ledger::HISTORY_LIMIT`).
    pub history: Vec<Entry>,
}

/// Everything a peer shows about its swarm's economy. Equal event sets give equal bytes (`encode`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EconomyViews {
    pub genesis: EventId,
    pub rules: Genesis,
    /// The fold's clock: the latest timestamp among the events considered.
    pub as_of_ms: u64,
    /// Every task not archived (`Economy`, "Archiving"), newest first.
    pub board: Vec<Task>,
    pub wallets: BTreeMap<PeerId, Wallet>,
    /// Every known identity's karma as of `as_of_ms`.
    pub karma: BTreeMap<PeerId, KarmaVector>,
    /// Every known identity's standing (`KarmaBook::standing`), which ranks jurors.
    pub standing: BTreeMap<PeerId, u32>,
    /// Refused events per author (honest races and waiting events are not counted).
    pub ignored: BTreeMap<PeerId, Ignored>,
    /// Events waiting for an event they name that has not taken effect.
    pub waiting: u32,
    pub totals: Totals,
    /// Tasks archived off the board by issuers' `Compacted` events. Last, and written only when
    /// non-zero, so the views of a swarm that never compacted keep their bytes.
    #[serde(skip_serializing_if = "is_zero")]
    pub archived_tasks: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl EconomyViews {
    /// Canonical bytes: equal views, equal bytes.
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_stdvec(self).unwrap_or_default()
    }

    pub fn task(&self, id: &EventId) -> Option<&Task> {
        self.board.iter().find(|t| t.id == *id)
    }

    /// `who`'s wallet; an identity that never held money has an empty one.
    pub fn wallet(&self, who: &PeerId) -> Wallet {
        self.wallets.get(who).cloned().unwrap_or_default()
    }

    pub fn balance(&self, who: &PeerId) -> u64 {
        self.wallets.get(who).map_or(0, |w| w.balance)
    }

    /// How many of `who`'s events were refused.
    pub fn ignored_count(&self, who: &PeerId) -> u32 {
        self.ignored.get(who).map_or(0, |i| i.count)
    }
}

impl Economy {
    pub fn views(&self) -> EconomyViews {
        let mut board: Vec<Task> = self.market.tasks().cloned().collect();
        board.sort_by_key(|t| Reverse((t.posted_ms, t.id)));
        let locked = self.ledger.locked();
        let wallets = self
            .ledger
            .holders()
            .map(|who| {
                let (escrowed, staked) = locked.get(&who).copied().unwrap_or_default();
                let wallet =
                    Wallet { balance: self.ledger.balance(&who), escrowed, staked, history: self.ledger.history(&who) };
                (who, wallet)
            })
            .collect();
        let karma = self.karma.identities().map(|who| (*who, self.karma.vector(who, self.now_ms))).collect();
        let standing = self.karma.identities().map(|who| (*who, self.karma.standing(who, self.now_ms))).collect();
        EconomyViews {
            genesis: self.genesis,
            rules: self.rules.clone(),
            as_of_ms: self.now_ms,
            board,
            wallets,
            karma,
            standing,
            ignored: self.ignored.clone(),
            waiting: u32::try_from(self.waiting.values().map(Vec::len).sum::<usize>()).unwrap_or(u32::MAX),
            totals: self.ledger.totals(),
            archived_tasks: self.market.archived(),
        }
    }

    /// `who`'s refused events, if any.
    pub fn ignored(&self, who: &PeerId) -> Option<&Ignored> {
        self.ignored.get(who)
    }

    pub fn rules(&self) -> &Genesis {
        &self.rules
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn karma(&self) -> &KarmaBook {
        &self.karma
    }

    pub fn market(&self) -> &Market {
        &self.market
    }

    /// The fold's clock (see the module doc).
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }
}
