//! The Brain Pay ledger: balances, escrows held per task, stakes held per task, the total issued,
//! and each identity's recent history.
//!
//! Owns every movement of money and its invariant: what is in balances, escrows and stakes always
//! adds up to what was issued. Every operation either succeeds whole or returns a typed error and
//! changes nothing. It never decides *whether* a movement is deserved (that is `market`'s and
//! `economy`'s) and never reads a clock: callers pass each movement's timestamp for the history.

mod history;
pub mod split;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::identity::PeerId;
use crate::wire::EventId;

pub use history::{Entry, EntryKind, History, HISTORY_LIMIT};

/// Money held for a task on someone's behalf: a requester's escrow or a claimant's stake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    pub owner: PeerId,
    pub amount: u64,
}

/// One share of a released escrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payout {
    pub to: PeerId,
    pub amount: u64,
    pub kind: EntryKind,
}

/// Why a movement was refused. Nothing moved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("{who} holds {available} but {needed} is needed: receive a grant or transfer first, or lower the amount")]
    InsufficientFunds { who: PeerId, needed: u64, available: u64 },
    #[error("issuing {amount} more would exceed the largest amount the ledger can hold")]
    Overflow { amount: u64 },
    #[error("task {0} already holds an escrow")]
    EscrowExists(EventId),
    #[error("task {0} holds no escrow (it was never funded or is already paid out)")]
    NoEscrow(EventId),
    #[error("task {0} already holds a stake")]
    StakeExists(EventId),
    #[error("task {0} holds no stake")]
    NoStake(EventId),
    #[error("fee shares must add up to 10,000 basis points")]
    BadSplit,
    #[error("payouts add up to {paid} but the escrow holds {escrow}; a release must pay out the escrow exactly")]
    PayoutMismatch { escrow: u64, paid: u128 },
    #[error("the ledger's books do not balance: {held} held against {issued} issued")]
    Unbalanced { issued: u64, held: u128 },
}

/// The amounts the ledger holds, by where they sit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub issued: u64,
    pub balances: u64,
    pub escrow: u64,
    pub stakes: u64,
}

/// Where a task's locked money sits.
#[derive(Clone, Copy)]
enum Pot {
    Escrow,
    Stake,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    balances: BTreeMap<PeerId, u64>,
    escrows: BTreeMap<EventId, Lock>,
    stakes: BTreeMap<EventId, Lock>,
    issued: u64,
    history: History,
}

impl Ledger {
    pub fn new() -> Self {
        Ledger::default()
    }

    pub fn balance(&self, who: &PeerId) -> u64 {
        self.balances.get(who).copied().unwrap_or(0)
    }

    pub fn escrow(&self, task: &EventId) -> Option<Lock> {
        self.escrows.get(task).copied()
    }

    pub fn stake(&self, task: &EventId) -> Option<Lock> {
        self.stakes.get(task).copied()
    }

    /// Per identity, what it has locked: (in escrows as a requester, in stakes as a claimant).
    pub fn locked(&self) -> BTreeMap<PeerId, (u64, u64)> {
        let mut locked: BTreeMap<PeerId, (u64, u64)> = BTreeMap::new();
        for lock in self.escrows.values() {
            let entry = locked.entry(lock.owner).or_default();
            entry.0 = entry.0.saturating_add(lock.amount);
        }
        for lock in self.stakes.values() {
            let entry = locked.entry(lock.owner).or_default();
            entry.1 = entry.1.saturating_add(lock.amount);
        }
        locked
    }

    /// How many escrows and how many stakes the ledger holds.
    pub fn lock_counts(&self) -> (usize, usize) {
        (self.escrows.len(), self.stakes.len())
    }

    pub fn history(&self, who: &PeerId) -> Vec<Entry> {
        self.history.of(who)
    }

    /// Every identity that holds, has locked or has ever moved money, in id order.
    pub fn holders(&self) -> impl Iterator<Item = PeerId> + '_ {
        let mut all: Vec<PeerId> = self.balances.keys().copied().collect();
        all.extend(self.escrows.values().chain(self.stakes.values()).map(|l| l.owner));
        all.extend(self.history.identities());
        all.sort();
        all.dedup();
        all.into_iter()
    }

    pub fn totals(&self) -> Totals {
        // Each sum is at most `issued` (a u64) while the books balance; saturate rather than wrap
        // if they ever did not, so `check_conservation` reports the fault.
        let sum = |values: &mut dyn Iterator<Item = u64>| values.fold(0u64, u64::saturating_add);
        Totals {
            issued: self.issued,
            balances: sum(&mut self.balances.values().copied()),
            escrow: sum(&mut self.escrows.values().map(|l| l.amount)),
            stakes: sum(&mut self.stakes.values().map(|l| l.amount)),
        }
    }

    /// Balances plus escrows plus stakes equal the total issued.
    pub fn check_conservation(&self) -> Result<(), LedgerError> {
        let held: u128 = self.balances.values().map(|&v| u128::from(v)).sum::<u128>()
            + self.escrows.values().map(|l| u128::from(l.amount)).sum::<u128>()
            + self.stakes.values().map(|l| u128::from(l.amount)).sum::<u128>();
        if held == u128::from(self.issued) {
            Ok(())
        } else {
            Err(LedgerError::Unbalanced { issued: self.issued, held })
        }
    }

    /// New credits for `to`, signed by `issuer`.
    pub fn grant(&mut self, at_ms: u64, issuer: PeerId, to: PeerId, amount: u64) -> Result<(), LedgerError> {
        self.issued = self.issued.checked_add(amount).ok_or(LedgerError::Overflow { amount })?;
        self.credit(at_ms, to, amount, EntryKind::Grant, Some(issuer), None);
        Ok(())
    }

    pub fn transfer(&mut self, at_ms: u64, from: PeerId, to: PeerId, amount: u64) -> Result<(), LedgerError> {
        self.debit(at_ms, from, amount, EntryKind::TransferOut, Some(to), None)?;
        self.credit(at_ms, to, amount, EntryKind::TransferIn, Some(from), None);
        Ok(())
    }

    /// Moves a task's payment from the requester's balance into the task's escrow.
    pub fn lock_escrow(&mut self, at_ms: u64, task: EventId, payer: PeerId, amount: u64) -> Result<(), LedgerError> {
        self.lock(Pot::Escrow, at_ms, task, payer, amount)
    }

    /// Gives the requester back everything in the escrow above `keep` (an award below the budget).
    pub fn refund_excess(&mut self, at_ms: u64, task: EventId, keep: u64) -> Result<(), LedgerError> {
        let lock = self.escrow(&task).ok_or(LedgerError::NoEscrow(task))?;
        let excess = lock.amount.saturating_sub(keep);
        self.escrows.insert(task, Lock { owner: lock.owner, amount: lock.amount - excess });
        self.credit(at_ms, lock.owner, excess, EntryKind::Refund, None, Some(task));
        Ok(())
    }

    /// Gives the whole escrow back to the requester.
    pub fn refund(&mut self, at_ms: u64, task: EventId) -> Result<(), LedgerError> {
        let lock = self.escrows.remove(&task).ok_or(LedgerError::NoEscrow(task))?;
        self.credit(at_ms, lock.owner, lock.amount, EntryKind::Refund, None, Some(task));
        Ok(())
    }

    /// Pays the whole escrow out in shares by basis points (summing to 10,000); rounding leftovers go
    /// to the first payee (see `split`). Returns what each payee got.
    pub fn release(
        &mut self,
        at_ms: u64,
        task: EventId,
        payees: &[(PeerId, u16, EntryKind)],
    ) -> Result<Vec<Payout>, LedgerError> {
        let lock = self.escrow(&task).ok_or(LedgerError::NoEscrow(task))?;
        let bps: Vec<u16> = payees.iter().map(|p| p.1).collect();
        let shares = split::by_bps(lock.amount, &bps).ok_or(LedgerError::BadSplit)?;
        let payouts: Vec<Payout> =
            payees.iter().zip(shares).map(|(&(to, _, kind), amount)| Payout { to, amount, kind }).collect();
        self.release_exact(at_ms, task, &payouts)?;
        Ok(payouts)
    }

    /// Pays the whole escrow out in the given amounts, which must add up to it exactly.
    pub fn release_exact(&mut self, at_ms: u64, task: EventId, payouts: &[Payout]) -> Result<(), LedgerError> {
        let lock = self.escrow(&task).ok_or(LedgerError::NoEscrow(task))?;
        let paid: u128 = payouts.iter().map(|p| u128::from(p.amount)).sum();
        if paid != u128::from(lock.amount) {
            return Err(LedgerError::PayoutMismatch { escrow: lock.amount, paid });
        }
        self.escrows.remove(&task);
        for payout in payouts {
            let from = Some(lock.owner).filter(|&owner| owner != payout.to);
            self.credit(at_ms, payout.to, payout.amount, payout.kind, from, Some(task));
        }
        Ok(())
    }

    /// Moves a claimant's stake from its balance into the task's stake.
    pub fn lock_stake(&mut self, at_ms: u64, task: EventId, staker: PeerId, amount: u64) -> Result<(), LedgerError> {
        self.lock(Pot::Stake, at_ms, task, staker, amount)
    }

    /// Moves `amount` from `owner`'s balance into the task's escrow or stake (one of each per task).
    fn lock(&mut self, pot: Pot, at_ms: u64, task: EventId, owner: PeerId, amount: u64) -> Result<(), LedgerError> {
        let (exists, kind) = match pot {
            Pot::Escrow => {
                (self.escrows.contains_key(&task).then_some(LedgerError::EscrowExists(task)), EntryKind::EscrowLocked)
            }
            Pot::Stake => {
                (self.stakes.contains_key(&task).then_some(LedgerError::StakeExists(task)), EntryKind::StakeLocked)
            }
        };
        if let Some(error) = exists {
            return Err(error);
        }
        self.debit(at_ms, owner, amount, kind, None, Some(task))?;
        let locks = match pot {
            Pot::Escrow => &mut self.escrows,
            Pot::Stake => &mut self.stakes,
        };
        locks.insert(task, Lock { owner, amount });
        Ok(())
    }

    pub fn return_stake(&mut self, at_ms: u64, task: EventId) -> Result<(), LedgerError> {
        let lock = self.stakes.remove(&task).ok_or(LedgerError::NoStake(task))?;
        self.credit(at_ms, lock.owner, lock.amount, EntryKind::StakeReturned, None, Some(task));
        Ok(())
    }

    /// The stake goes to `to` (the treasury); the staker's history shows the loss.
    pub fn forfeit_stake(&mut self, at_ms: u64, task: EventId, to: PeerId) -> Result<(), LedgerError> {
        let lock = self.stakes.remove(&task).ok_or(LedgerError::NoStake(task))?;
        self.note(lock.owner, at_ms, EntryKind::StakeForfeited, -i128::from(lock.amount), Some(to), Some(task));
        self.credit(at_ms, to, lock.amount, EntryKind::StakeForfeited, Some(lock.owner), Some(task));
        Ok(())
    }

    fn debit(
        &mut self,
        at_ms: u64,
        who: PeerId,
        amount: u64,
        kind: EntryKind,
        counterparty: Option<PeerId>,
        task: Option<EventId>,
    ) -> Result<(), LedgerError> {
        let available = self.balance(&who);
        let left =
            available.checked_sub(amount).ok_or(LedgerError::InsufficientFunds { who, needed: amount, available })?;
        self.balances.insert(who, left);
        self.note(who, at_ms, kind, -i128::from(amount), counterparty, task);
        Ok(())
    }

    fn credit(
        &mut self,
        at_ms: u64,
        who: PeerId,
        amount: u64,
        kind: EntryKind,
        counterparty: Option<PeerId>,
        task: Option<EventId>,
    ) {
        // No balance can exceed `issued` (a u64) while the books balance, so this never saturates.
        let balance = self.balances.entry(who).or_default();
        *balance = balance.saturating_add(amount);
        self.note(who, at_ms, kind, i128::from(amount), counterparty, task);
    }

    fn note(
        &mut self,
        who: PeerId,
        at_ms: u64,
        kind: EntryKind,
        amount: i128,
        counterparty: Option<PeerId>,
        task: Option<EventId>,
    ) {
        if amount != 0 {
            self.history.record(who, Entry { at_ms, kind, amount, counterparty, task });
        }
    }
}

#[cfg(test)]
mod tests;
