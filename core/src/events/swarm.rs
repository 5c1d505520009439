//! Swarm-level event bodies: the genesis that fixes a swarm's rules, money entering (grants) and
//! moving (transfers), liveness (heartbeats) and data-access claims.

use serde::{Deserialize, Serialize};

use super::task::{amount, PPM};
use super::{bad, skill_name, text_field, EventError};
use crate::identity::PeerId;

pub const MAX_ISSUERS: usize = 16;
pub const MAX_MEMO_CHARS: usize = 200;
pub const BASIS_POINTS: u16 = 10_000;

/// How a settled payment is split, in basis points summing to 10,000.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeSplit {
    pub executor_bps: u16,
    pub routing_bps: u16,
    pub protocol_bps: u16,
}

/// The rules of one swarm, fixed by its first event. Every other event of the swarm names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Genesis {
    pub name: String,
    /// Currency name shown in wallets, e.g. `BRAIN`.
    pub currency: String,
    /// Identities whose grants create credits.
    pub issuers: Vec<PeerId>,
    /// Receives the protocol share of settlements and forfeited stakes.
    pub treasury: PeerId,
    /// Stake a claim must lock, as a share of the task's payment.
    pub stake_ratio_bps: u16,
    pub fee_split: FeeSplit,
    /// Jurors drawn per case (odd); a verdict needs a strict majority of this many agreeing votes.
    pub jury_size: u8,
    /// Karma EMA learning rate α, in millionths.
    pub karma_alpha_ppm: u32,
    /// A karma dimension not updated for this long has halved.
    pub karma_half_life_ms: u64,
    /// Share of a sub-agent's karma movement passed to its delegator, per level.
    pub delegation_attenuation_ppm: u32,
    /// How far in the future an event's timestamp may be.
    pub timestamp_tolerance_ms: u64,
    /// How long an executor may dispute a rejection.
    pub dispute_window_ms: u64,
    /// How long a requester may decide on a submission (silence accepts it), and how long an
    /// executor may co-sign an acceptance (silence settles it).
    pub decision_window_ms: u64,
    /// How long a jury case may stay without a majority before it is void.
    pub jury_window_ms: u64,
}

impl Genesis {
    /// The defaults the white paper names: 10% stake, 75/15/10 split (as in OpenGrid), juries of 3,
    /// α = 0.1, a 30-day karma half-life, 5 minutes of clock tolerance; a 24-hour dispute window, and
    /// 3 days each for a requester's decision, an executor's settlement and a jury's majority.
    pub fn with_defaults(name: &str, issuer: PeerId) -> Self {
        Genesis {
            name: name.into(),
            currency: "BRAIN".into(),
            issuers: vec![issuer],
            treasury: issuer,
            stake_ratio_bps: 1_000,
            fee_split: FeeSplit { executor_bps: 7_500, routing_bps: 1_500, protocol_bps: 1_000 },
            jury_size: 3,
            karma_alpha_ppm: 100_000,
            karma_half_life_ms: 30 * 24 * 3600 * 1000,
            delegation_attenuation_ppm: 500_000,
            timestamp_tolerance_ms: 5 * 60 * 1000,
            dispute_window_ms: 24 * 3600 * 1000,
            decision_window_ms: 3 * 24 * 3600 * 1000,
            jury_window_ms: 3 * 24 * 3600 * 1000,
        }
    }

    pub(super) fn check(&self) -> Result<(), EventError> {
        text_field("name", &self.name, 1, 64)?;
        text_field("currency", &self.currency, 1, 12)?;
        if self.issuers.is_empty() || self.issuers.len() > MAX_ISSUERS {
            return Err(bad("issuers", &format!("1 to {MAX_ISSUERS} issuers")));
        }
        let split = &self.fee_split;
        if u32::from(split.executor_bps) + u32::from(split.routing_bps) + u32::from(split.protocol_bps)
            != u32::from(BASIS_POINTS)
        {
            return Err(bad("fee_split", "shares must add up to 10,000 basis points"));
        }
        if self.stake_ratio_bps > BASIS_POINTS {
            return Err(bad("stake_ratio", "at most 100%"));
        }
        if self.jury_size == 0 || self.jury_size.is_multiple_of(2) || self.jury_size > 15 {
            return Err(bad("jury_size", "an odd number from 1 to 15"));
        }
        if self.karma_alpha_ppm == 0 || self.karma_alpha_ppm > PPM || self.delegation_attenuation_ppm > PPM {
            return Err(bad("karma", "α in (0, 1] and attenuation in [0, 1]"));
        }
        if self.karma_half_life_ms == 0 || self.dispute_window_ms == 0 {
            return Err(bad("durations", "half-life and dispute window must be positive"));
        }
        if self.decision_window_ms == 0 {
            return Err(bad("decision_window", "must be positive: an undecided result times out after it"));
        }
        if self.jury_window_ms == 0 {
            return Err(bad("jury_window", "must be positive: a jury case without a majority is void after it"));
        }
        Ok(())
    }
}

/// New credits, signed by an issuer the genesis lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub to: PeerId,
    pub amount: u64,
    pub memo: String,
}

/// Credits moving from the author to `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    pub to: PeerId,
    pub amount: u64,
    pub memo: String,
}

/// A signed "I am up": uptime in the reliability karma is measured from these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub seq: u64,
}

/// "I can reach this data set": listed in the author's karma vector, never verified by the swarm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataAccessClaim {
    pub dataset: String,
    pub note: String,
}

/// "The swarm's settled history up to `horizon_ms` is the checkpoint whose SHA-256 is `checkpoint`"
/// (`economy::Checkpoint`). Only the genesis's issuers may sign it; peers that hold the history
/// check it, peers that join later trust it (docs/protocol.md, "Compaction").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compacted {
    pub horizon_ms: u64,
    pub checkpoint: [u8; 32],
}

pub(super) fn check_money(field: &'static str, value: u64, memo: &str) -> Result<(), EventError> {
    if value == 0 {
        return Err(bad(field, "must be positive"));
    }
    amount(field, value)?;
    text_field("memo", memo, 0, MAX_MEMO_CHARS)
}

pub(super) fn check_data_claim(c: &DataAccessClaim) -> Result<(), EventError> {
    skill_name("dataset", &c.dataset)?;
    text_field("note", &c.note, 0, MAX_MEMO_CHARS)
}
