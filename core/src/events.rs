//! Events: the kinds of signed fact this task flow knows, their bodies, field limits,
//! and admission of one envelope (well-formed, signed, timestamp in bounds).
//!
//! Rules that depend on other events (who may claim, accept…) live in `views`, so that they are a
//! pure function of the event set and every peer applies them the same way whatever the arrival order.

use serde::{Deserialize, Serialize};

use crate::identity::{Identity, PeerId};
use crate::wire::{Envelope, EventId, WireError};

/// How far in the future an event's timestamp may be, relative to the receiver's clock.
pub const MAX_FUTURE_SKEW_MS: u64 = 5 * 60 * 1000;
/// No Amorph event predates this instant (2025-01-01T00:00:00Z).
pub const EPOCH_MS: u64 = 1_735_689_600_000;

pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
pub const MAX_DOMAIN_CHARS: usize = 32;
pub const MAX_RESULT_CHARS: usize = 4_000;
pub const MAX_REASON_CHARS: usize = 500;
pub const MAX_REWARD: u64 = 1_000_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskPosted {
    pub title: String,
    pub description: String,
    /// Lower-case skill domain, e.g. `translation`; karma accuracy is kept per domain.
    pub domain: String,
    pub reward: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRef {
    pub task: EventId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultSubmitted {
    pub task: EventId,
    pub result: String,
}

/// The requester's verdict names the submission it judges, so it can never apply to a result
/// submitted later.
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

/// Every event kind; the envelope's `kind` number is fixed per variant (see `kind_code`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    TaskPosted(TaskPosted),
    TaskClaimed(TaskRef),
    ResultSubmitted(ResultSubmitted),
    ResultAccepted(Decision),
    ResultRejected(ResultRejected),
}

/// Why an event was not admitted. Each is counted against the peer that sent it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error("unknown event kind {0}")]
    UnknownKind(u16),
    #[error("event body does not decode as its kind: {0}")]
    BadBody(String),
    #[error("field {field} is invalid: {why}")]
    BadField { field: &'static str, why: String },
    #[error("timestamp {0} is before the Amorph epoch")]
    TooOld(u64),
    #[error("timestamp is {0} ms in the future; at most {MAX_FUTURE_SKEW_MS} ms is tolerated")]
    FromTheFuture(u64),
}

impl Event {
    pub fn kind_code(&self) -> u16 {
        match self {
            Event::TaskPosted(_) => 1,
            Event::TaskClaimed(_) => 2,
            Event::ResultSubmitted(_) => 3,
            Event::ResultAccepted(_) => 4,
            Event::ResultRejected(_) => 5,
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self {
            Event::TaskPosted(_) => "task-posted",
            Event::TaskClaimed(_) => "task-claimed",
            Event::ResultSubmitted(_) => "result-submitted",
            Event::ResultAccepted(_) => "result-accepted",
            Event::ResultRejected(_) => "result-rejected",
        }
    }

    /// The task this event is about; `None` for a post (it *is* the task).
    pub fn task(&self) -> Option<EventId> {
        match self {
            Event::TaskPosted(_) => None,
            Event::TaskClaimed(r) => Some(r.task),
            Event::ResultAccepted(r) => Some(r.task),
            Event::ResultSubmitted(r) => Some(r.task),
            Event::ResultRejected(r) => Some(r.task),
        }
    }

    fn encode_body(&self) -> Vec<u8> {
        let encoded = match self {
            Event::TaskPosted(b) => postcard::to_stdvec(b),
            Event::TaskClaimed(b) => postcard::to_stdvec(b),
            Event::ResultAccepted(b) => postcard::to_stdvec(b),
            Event::ResultSubmitted(b) => postcard::to_stdvec(b),
            Event::ResultRejected(b) => postcard::to_stdvec(b),
        };
        encoded.unwrap_or_default()
    }

    fn decode_body(kind: u16, body: &[u8]) -> Result<Self, EventError> {
        fn exact<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, EventError> {
            let (value, rest) = postcard::take_from_bytes(body).map_err(|e| EventError::BadBody(e.to_string()))?;
            if rest.is_empty() {
                Ok(value)
            } else {
                Err(EventError::BadBody(format!("{} trailing bytes", rest.len())))
            }
        }
        Ok(match kind {
            1 => Event::TaskPosted(exact(body)?),
            2 => Event::TaskClaimed(exact(body)?),
            3 => Event::ResultSubmitted(exact(body)?),
            4 => Event::ResultAccepted(exact(body)?),
            5 => Event::ResultRejected(exact(body)?),
            other => return Err(EventError::UnknownKind(other)),
        })
    }

    /// Field limits that hold for an event on its own.
    pub fn check_fields(&self) -> Result<(), EventError> {
        match self {
            Event::TaskPosted(t) => {
                text_field("title", &t.title, 1, MAX_TITLE_CHARS)?;
                text_field("description", &t.description, 0, MAX_DESCRIPTION_CHARS)?;
                text_field("domain", &t.domain, 1, MAX_DOMAIN_CHARS)?;
                if !t.domain.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_') {
                    return Err(bad("domain", "use lower-case letters, digits, '-' and '_' only"));
                }
                if t.reward > MAX_REWARD {
                    return Err(bad("reward", &format!("at most {MAX_REWARD}")));
                }
                Ok(())
            }
            Event::ResultSubmitted(r) => text_field("result", &r.result, 1, MAX_RESULT_CHARS),
            Event::ResultRejected(r) => text_field("reason", &r.reason, 0, MAX_REASON_CHARS),
            Event::TaskClaimed(_) | Event::ResultAccepted(_) => Ok(()),
        }
    }
}

fn bad(field: &'static str, why: &str) -> EventError {
    EventError::BadField { field, why: why.to_string() }
}

fn text_field(field: &'static str, value: &str, min: usize, max: usize) -> Result<(), EventError> {
    let chars = value.chars().count();
    if chars < min || chars > max {
        return Err(bad(field, &format!("must be {min} to {max} characters, is {chars}")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(bad(field, "contains control characters"));
    }
    Ok(())
}

/// An admitted event: its envelope verified, its body decoded and within limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedEvent {
    pub id: EventId,
    pub envelope: Envelope,
    pub event: Event,
}

impl SignedEvent {
    /// Signs a new event of our own. Refuses what others would refuse.
    pub fn create(identity: &Identity, replica: u64, timestamp_ms: u64, event: Event) -> Result<Self, EventError> {
        event.check_fields()?;
        let envelope = Envelope::sign(identity, replica, timestamp_ms, event.kind_code(), event.encode_body());
        Self::admit(&envelope.encode(), timestamp_ms)
    }

    /// Admission of bytes received from anyone: size, codec, signature, kind, body, fields, timestamp.
    pub fn admit(bytes: &[u8], now_ms: u64) -> Result<Self, EventError> {
        let envelope = Envelope::decode(bytes)?;
        let event = Event::decode_body(envelope.kind, &envelope.body)?;
        event.check_fields()?;
        if envelope.timestamp_ms < EPOCH_MS {
            return Err(EventError::TooOld(envelope.timestamp_ms));
        }
        if envelope.timestamp_ms > now_ms.saturating_add(MAX_FUTURE_SKEW_MS) {
            return Err(EventError::FromTheFuture(envelope.timestamp_ms - now_ms));
        }
        Ok(SignedEvent { id: envelope.id(), envelope, event })
    }

    pub fn author(&self) -> PeerId {
        self.envelope.author
    }

    pub fn timestamp_ms(&self) -> u64 {
        self.envelope.timestamp_ms
    }

    pub fn encode(&self) -> Vec<u8> {
        self.envelope.encode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = EPOCH_MS + 1_000_000;

    fn post(title: &str) -> Event {
        Event::TaskPosted(TaskPosted {
            title: title.into(),
            description: "Translate the attached paragraph".into(),
            domain: "translation".into(),
            reward: 10,
        })
    }

    #[test]
    fn created_events_are_admitted_by_others() {
        let me = Identity::from_seed([9; 32]);
        let event = SignedEvent::create(&me, 1, NOW, post("Hello")).unwrap();
        let received = SignedEvent::admit(&event.encode(), NOW).unwrap();
        assert_eq!(received, event);
        assert_eq!(received.author(), me.peer_id());
    }

    #[test]
    fn field_limits_are_enforced_on_create() {
        let me = Identity::from_seed([9; 32]);
        assert!(matches!(SignedEvent::create(&me, 1, NOW, post("")), Err(EventError::BadField { field: "title", .. })));
        let long = "é".repeat(MAX_TITLE_CHARS + 1);
        assert!(matches!(SignedEvent::create(&me, 1, NOW, post(&long)), Err(EventError::BadField { .. })));
        let unicode = "翻訳 🚀 ünïcödé";
        assert!(SignedEvent::create(&me, 1, NOW, post(unicode)).is_ok());
        let mut bad_domain = post("x");
        if let Event::TaskPosted(t) = &mut bad_domain {
            t.domain = "Bad Domain".into();
        }
        assert!(matches!(SignedEvent::create(&me, 1, NOW, bad_domain), Err(EventError::BadField { field: "domain", .. })));
    }

    #[test]
    fn timestamps_outside_bounds_are_refused() {
        let me = Identity::from_seed([9; 32]);
        let future = NOW + MAX_FUTURE_SKEW_MS + 1;
        let envelope = Envelope::sign(&me, 1, future, 1, post("x").encode_body());
        assert!(matches!(SignedEvent::admit(&envelope.encode(), NOW), Err(EventError::FromTheFuture(_))));
        let envelope = Envelope::sign(&me, 1, EPOCH_MS - 1, 1, post("x").encode_body());
        assert!(matches!(SignedEvent::admit(&envelope.encode(), NOW), Err(EventError::TooOld(_))));
        let envelope = Envelope::sign(&me, 1, NOW + MAX_FUTURE_SKEW_MS, 1, post("x").encode_body());
        assert!(SignedEvent::admit(&envelope.encode(), NOW).is_ok());
    }

    #[test]
    fn unknown_kinds_and_bad_bodies_are_refused() {
        let me = Identity::from_seed([9; 32]);
        let envelope = Envelope::sign(&me, 1, NOW, 99, vec![]);
        assert_eq!(SignedEvent::admit(&envelope.encode(), NOW), Err(EventError::UnknownKind(99)));
        let envelope = Envelope::sign(&me, 1, NOW, 1, vec![0xff, 0xff]);
        assert!(matches!(SignedEvent::admit(&envelope.encode(), NOW), Err(EventError::BadBody(_))));
        let mut body = post("x").encode_body();
        body.push(0);
        let envelope = Envelope::sign(&me, 1, NOW, 1, body);
        assert!(matches!(SignedEvent::admit(&envelope.encode(), NOW), Err(EventError::BadBody(_))));
    }

    #[test]
    fn forged_signatures_are_refused() {
        let me = Identity::from_seed([9; 32]);
        let mut envelope = Envelope::sign(&me, 1, NOW, 1, post("x").encode_body());
        envelope.signature.0[0] ^= 1;
        assert!(matches!(SignedEvent::admit(&envelope.encode(), NOW), Err(EventError::Wire(WireError::BadSignature(_)))));
    }
}
