//! Task-market event bodies: the life of a task from post to settlement, and their field limits.
//!
//! Each body checks only what holds on its own; rules between events (who may claim, when money
//! moves) are the market state machine's (`crate::market`).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{bad, skill_name, text_field, EventError};
use crate::identity::PeerId;
use crate::wire::EventId;

pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
pub const MAX_RESULT_CHARS: usize = 4_000;
pub const MAX_REASON_CHARS: usize = 500;
/// The largest payment, stake or bid price one event may name, in the swarm currency's base unit.
pub const MAX_AMOUNT: u64 = 1_000_000_000_000;
pub const MAX_REQUIREMENTS: usize = 8;
pub const MAX_DELEGATION_DEPTH: u8 = 8;
pub const PPM: u32 = 1_000_000;

/// A karma gate: the claimant's `dimension` (e.g. `accuracy.financial_analysis`) must be at least
/// `min_ppm` millionths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KarmaMin {
    pub dimension: String,
    pub min_ppm: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirements {
    pub karma_min: Vec<KarmaMin>,
    /// Skills the claimant must have shown by completed tasks.
    pub skills: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verification {
    /// The requester accepts or rejects; a rejection can be disputed before a jury.
    Requester,
    /// Accepted as soon as a submission's `result_hash` equals this.
    Automatic { expected_hash: [u8; 32] },
    /// Every submission goes straight to a jury.
    Jury,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    /// May the executor post subtasks of this task?
    pub allowed: bool,
    /// How many levels of subtasks may hang below this task.
    pub max_depth: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskPosted {
    pub title: String,
    /// The task's input.
    pub description: String,
    /// Task type, a lower-case name such as `translation`; karma accuracy is kept per domain.
    pub domain: String,
    /// Escrowed from the requester's balance when the task is posted.
    pub payment: u64,
    pub deadline_ms: u64,
    pub requirements: Requirements,
    pub verification: Verification,
    pub delegation: Delegation,
    /// Set on subtasks: the task whose executor delegates this part.
    pub parent: Option<EventId>,
}

impl TaskPosted {
    /// An ungated task the requester verifies, with no delegation: what a person posts from the form.
    pub fn simple(title: &str, description: &str, domain: &str, payment: u64, deadline_ms: u64) -> Self {
        TaskPosted {
            title: title.into(),
            description: description.into(),
            domain: domain.into(),
            payment,
            deadline_ms,
            requirements: Requirements::default(),
            verification: Verification::Requester,
            delegation: Delegation::default(),
            parent: None,
        }
    }

    pub(super) fn check(&self, timestamp_ms: u64) -> Result<(), EventError> {
        text_field("title", &self.title, 1, MAX_TITLE_CHARS)?;
        text_field("description", &self.description, 0, MAX_DESCRIPTION_CHARS)?;
        skill_name("domain", &self.domain)?;
        amount("payment", self.payment)?;
        if self.deadline_ms <= timestamp_ms {
            return Err(bad("deadline", "must be after the time of posting"));
        }
        if self.requirements.karma_min.len() > MAX_REQUIREMENTS || self.requirements.skills.len() > MAX_REQUIREMENTS {
            return Err(bad(
                "requirements",
                &format!("at most {MAX_REQUIREMENTS} karma gates and {MAX_REQUIREMENTS} skills"),
            ));
        }
        for gate in &self.requirements.karma_min {
            text_field("karma dimension", &gate.dimension, 1, 64)?;
            if gate.min_ppm > PPM {
                return Err(bad("karma_min", "a karma value is at most 1.0 (1,000,000 ppm)"));
            }
        }
        for skill in &self.requirements.skills {
            skill_name("skill", skill)?;
        }
        if self.delegation.max_depth > MAX_DELEGATION_DEPTH {
            return Err(bad("delegation", &format!("max depth is at most {MAX_DELEGATION_DEPTH}")));
        }
        Ok(())
    }
}

/// An offer to do a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bid {
    pub task: EventId,
    pub price: u64,
    pub eta_ms: u64,
    /// The bidder's own estimate of its fitness for the task.
    pub fitness_ppm: u32,
}

/// The requester picks a bid; only its author may then claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Award {
    pub task: EventId,
    pub bid: EventId,
}

/// A claim locks `stake` from the claimant's balance until the task settles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskClaimed {
    pub task: EventId,
    pub stake: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultSubmitted {
    pub task: EventId,
    pub result: String,
    /// SHA-256 of `result` (checked at admission); automatic verification compares it.
    pub result_hash: [u8; 32],
}

impl ResultSubmitted {
    pub fn new(task: EventId, result: &str) -> Self {
        ResultSubmitted { task, result: result.into(), result_hash: Sha256::digest(result.as_bytes()).into() }
    }
}

/// The requester's acceptance names the submission it judges, so it never applies to a later one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub task: EventId,
    pub submission: EventId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultRejected {
    pub task: EventId,
    pub submission: EventId,
    pub reason: String,
}

/// The executor contests a rejection; a jury decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    pub task: EventId,
    pub submission: EventId,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JuryVote {
    pub task: EventId,
    /// The dispute (or, for jury-verified tasks, the submission) being judged.
    pub case: EventId,
    pub for_executor: bool,
}

/// The executor's receipt: with the requester's acceptance it is the co-signed settlement that
/// releases escrow. `routing` is the peer that brought the work, paid the routing share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settle {
    pub task: EventId,
    pub acceptance: EventId,
    pub routing: Option<PeerId>,
}

/// A task reference alone: claim-free cancel by the requester, or expiry after the deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRef {
    pub task: EventId,
}

pub(super) fn amount(field: &'static str, value: u64) -> Result<(), EventError> {
    if value > MAX_AMOUNT {
        return Err(bad(field, &format!("at most {MAX_AMOUNT}")));
    }
    Ok(())
}

pub(super) fn check_submission(s: &ResultSubmitted) -> Result<(), EventError> {
    text_field("result", &s.result, 1, MAX_RESULT_CHARS)?;
    let expected: [u8; 32] = Sha256::digest(s.result.as_bytes()).into();
    if expected != s.result_hash {
        return Err(bad("result_hash", "is not the SHA-256 of the result"));
    }
    Ok(())
}
