//! The delegation record: a requester's signed note that it handed one step of its work to a
//! service (a cloud model today), with the limits it set and the SHA-256 of exactly the bytes
//! that left the device, so a task's detail can show the whole audit chain. It never holds the
//! text that was sent: a hash proves what left without repeating private data to the swarm.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{bad, skill_name, text_field, EventError};

pub const MAX_MODEL_CHARS: usize = 64;
pub const MAX_PROVIDER_CHARS: usize = 32;
/// A million dollars: no single delegation is allowed to promise more.
pub const MAX_BUDGET_MICROS: u64 = 1_000_000_000_000;
/// A day: longer than any call or board task should wait for its first reply.
pub const MAX_TIMEOUT_MS: u64 = 24 * 60 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegated {
    /// Chosen by the requester, unique per attempt that sends something.
    pub delegation: [u8; 16],
    /// The model id as the provider spells it ("gpt-4o").
    pub model: String,
    /// The provider's name ("openai", or the label of a user's own endpoint).
    pub provider: String,
    /// The `router::TaskKind` name ("code", "translate"); checked only as a lower-case name, so a
    /// peer that knows fewer kinds still admits records of newer ones.
    pub task_kind: String,
    /// What this delegation may cost at most, in micro-dollars.
    pub budget_micros: u64,
    /// How long the requester waits without a reply before giving up.
    pub timeout_ms: u64,
    /// The requester let the service keep logs of the request.
    pub allow_logging: bool,
    /// Personal data (emails, phone numbers, names…) was replaced by placeholders before sending.
    pub strip_pii: bool,
    /// SHA-256 of exactly the bytes sent.
    pub sent_sha256: [u8; 32],
    /// Which run and step of the requester this was, when it wants to say.
    pub run_step: Option<RunStep>,
}

/// The requester's own reference to the step that delegated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStep {
    pub run: [u8; 16],
    pub step: u32,
}

impl Delegated {
    /// The hash a record carries for `sent`, the exact bytes of the request.
    pub fn hash_of(sent: &[u8]) -> [u8; 32] {
        Sha256::digest(sent).into()
    }

    pub fn check(&self) -> Result<(), EventError> {
        one_line("model", &self.model, MAX_MODEL_CHARS)?;
        one_line("provider", &self.provider, MAX_PROVIDER_CHARS)?;
        skill_name("task_kind", &self.task_kind)?;
        if self.budget_micros > MAX_BUDGET_MICROS {
            return Err(bad("budget_micros", "at most $1,000,000 (10^12 micro-dollars)"));
        }
        if self.timeout_ms == 0 || self.timeout_ms > MAX_TIMEOUT_MS {
            return Err(bad("timeout_ms", "1 ms to 24 hours"));
        }
        Ok(())
    }
}

fn one_line(field: &'static str, value: &str, max: usize) -> Result<(), EventError> {
    text_field(field, value, 1, max)?;
    if value.contains(['\n', '\t']) {
        return Err(bad(field, "must be one line"));
    }
    Ok(())
}
