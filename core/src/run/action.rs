//! What the engine asks of its adapter, and how the adapter reports a failed attempt.
//!
//! The engine never learns the bytes that leave: the adapter builds each request (the step's
//! text, its dependencies' outputs, personal data replaced when asked) and, at the moment it
//! sends, signs a [`Delegated`] record built by [`Call::delegated`] over exactly those bytes.

use serde::{Deserialize, Serialize};

use super::StepId;
use crate::events::{Delegated, RunStep};

/// Something the adapter must do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Start attempt `attempt` of a cloud step; report back tagged with the same attempt.
    Call(Call),
    /// Post a task on the board for a person; report its progress with `handle_board`.
    PostBoardTask { step: StepId, attempt: u32, credits: u64, context: Vec<(StepId, String)> },
    /// Stop this attempt (cancel the fetch, or withdraw the board task if nobody claimed it);
    /// whatever it reports from now on is ignored, except the money it already spent.
    Abort { step: StepId, attempt: u32 },
}

/// One attempt of a cloud step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub step: StepId,
    pub attempt: u32,
    pub model: String,
    /// The outputs of the steps this one depends on, in plan order.
    pub context: Vec<(StepId, String)>,
    /// The most this attempt may cost before the run's budget is spent (micro-dollars): a good
    /// `max_tokens` bound, and the budget its delegation record states.
    pub budget_micros: u64,
    /// How long the engine waits for any report before it aborts the attempt.
    pub timeout_ms: u64,
}

/// What the adapter sent for a [`Call`], for its delegation record.
#[derive(Debug, Clone, Copy)]
pub struct Sent<'a> {
    /// Exactly the bytes that left (the request body).
    pub bytes: &'a [u8],
    pub provider: &'a str,
    /// The `router::TaskKind` name of the step.
    pub task_kind: &'a str,
    pub allow_logging: bool,
    pub strip_pii: bool,
}

impl Call {
    /// The record the requester signs as it sends: `delegation` is a fresh random id (one per
    /// attempt), `run` the requester's own id for the run when it wants the record to name it.
    pub fn delegated(&self, delegation: [u8; 16], run: Option<[u8; 16]>, sent: Sent<'_>) -> Delegated {
        Delegated {
            delegation,
            model: self.model.clone(),
            provider: sent.provider.to_string(),
            task_kind: sent.task_kind.to_string(),
            budget_micros: self.budget_micros,
            timeout_ms: self.timeout_ms,
            allow_logging: sent.allow_logging,
            strip_pii: sent.strip_pii,
            sent_sha256: Delegated::hash_of(sent.bytes),
            run_step: run.map(|run| RunStep { run, step: self.step.0 }),
        }
    }
}

/// A failed attempt, as the adapter (or the provider client) read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub kind: FailureKind,
    /// One sentence a user can act on ("the API key was refused: check it in Settings").
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailureKind {
    /// Worth another attempt (429, 500, 503, 529, a cut stream); `retry_after_ms` is the
    /// provider's `retry-after`, if it gave one.
    Retryable { retry_after_ms: Option<u64> },
    /// Trying again will not help (400, 401, 403, 404, no credit, context too long).
    Final,
}

impl Failure {
    pub fn transient(message: impl Into<String>, retry_after_ms: Option<u64>) -> Self {
        Failure { kind: FailureKind::Retryable { retry_after_ms }, message: message.into() }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Failure { kind: FailureKind::Final, message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Event;

    #[test]
    fn a_record_states_the_call_limits_and_hashes_exactly_what_was_sent() {
        let call = Call {
            step: StepId(2),
            attempt: 1,
            model: "gpt-4o".into(),
            context: vec![(StepId(0), "the summary".into())],
            budget_micros: 4_500,
            timeout_ms: 120_000,
        };
        let body = br#"{"model":"gpt-4o","messages":[{"role":"user","content":"Hi [NAME_1]"}]}"#;
        let sent =
            Sent { bytes: body, provider: "openai", task_kind: "writing", allow_logging: false, strip_pii: true };
        let record = call.delegated([1; 16], Some([2; 16]), sent);
        assert_eq!(record.budget_micros, 4_500);
        assert_eq!(record.timeout_ms, 120_000);
        assert_eq!(record.sent_sha256, Delegated::hash_of(body));
        assert_ne!(record.sent_sha256, Delegated::hash_of(b"Hi Jane"));
        assert_eq!(record.run_step, Some(RunStep { run: [2; 16], step: 2 }));
        assert!(record.strip_pii && !record.allow_logging);
        assert_eq!(Event::Delegated(record).check_fields(0), Ok(()));
    }
}
