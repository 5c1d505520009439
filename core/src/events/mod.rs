//! Events: every kind of signed fact, its number on the wire, its body codec, and admission of
//! envelopes each on its own (well-formed, signed, fields in bounds, timestamp in bounds), one at a
//! time or many at once with their signatures checked in batches.
//!
//! Rules that depend on other events (who may claim, when money moves) live in the state machines
//! that fold the event set (`market`, `ledger`, `karma`), so they are a pure function of the set and
//! every peer applies them the same way whatever the arrival order.

mod capability;
mod delegated;
mod swarm;
mod task;

use serde::Deserialize;

use crate::identity::{verify_each, Identity, PeerId, SignatureCheck};
use crate::wire::{Envelope, EventId, WireError};

pub use capability::{Capability, MAX_ADAPTER_CHARS, MAX_LABEL_CHARS};
pub use delegated::{Delegated, RunStep, MAX_BUDGET_MICROS, MAX_MODEL_CHARS, MAX_PROVIDER_CHARS, MAX_TIMEOUT_MS};
pub use swarm::{Compacted, DataAccessClaim, FeeSplit, Genesis, Grant, Heartbeat, Transfer, BASIS_POINTS};
pub use task::{
    result_hash, Award, Bid, Decision, Delegation, Dispute, JuryVote, KarmaMin, Requirements, ResultRejected,
    ResultSubmitted, Settle, TaskClaimed, TaskPosted, TaskRef, Verification, MAX_AMOUNT, MAX_DESCRIPTION_CHARS, PPM,
};

/// How far in the future an event's timestamp may be, relative to the receiver's clock.
pub const MAX_FUTURE_SKEW_MS: u64 = 5 * 60 * 1000;
/// No Amorph event predates this instant (2025-01-01T00:00:00Z).
pub const EPOCH_MS: u64 = 1_735_689_600_000;
pub const MAX_SKILL_CHARS: usize = 32;

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
    #[error("event belongs to another swarm")]
    OtherSwarm,
    #[error("timestamp {0} is before the Amorph epoch")]
    TooOld(u64),
    #[error("timestamp is {0} ms in the future; at most {MAX_FUTURE_SKEW_MS} ms is tolerated")]
    FromTheFuture(u64),
}

fn exact<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, EventError> {
    let (value, rest) = postcard::take_from_bytes(body).map_err(|e| EventError::BadBody(e.to_string()))?;
    if rest.is_empty() {
        Ok(value)
    } else {
        Err(EventError::BadBody(format!("{} trailing bytes", rest.len())))
    }
}

/// Declares every event kind once: its wire number, variant, body type and name.
macro_rules! event_kinds {
    ($($code:literal => $variant:ident($body:ty) $name:literal,)*) => {
        /// Every event kind; the envelope's `kind` number is fixed per variant.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Event {
            $($variant($body),)*
        }

        impl Event {
            pub fn kind_code(&self) -> u16 {
                match self { $(Event::$variant(_) => $code,)* }
            }

            pub fn kind_name(&self) -> &'static str {
                match self { $(Event::$variant(_) => $name,)* }
            }

            fn encode_body(&self) -> Vec<u8> {
                match self { $(Event::$variant(body) => postcard::to_stdvec(body),)* }.unwrap_or_default()
            }

            fn decode_body(kind: u16, body: &[u8]) -> Result<Self, EventError> {
                match kind {
                    $($code => Ok(Event::$variant(exact(body)?)),)*
                    other => Err(EventError::UnknownKind(other)),
                }
            }
        }
    };
}

event_kinds! {
    1 => TaskPosted(TaskPosted) "task-posted",
    2 => TaskClaimed(TaskClaimed) "task-claimed",
    3 => ResultSubmitted(ResultSubmitted) "result-submitted",
    4 => ResultAccepted(Decision) "result-accepted",
    5 => ResultRejected(ResultRejected) "result-rejected",
    6 => Bid(Bid) "bid",
    7 => Award(Award) "award",
    8 => Dispute(Dispute) "dispute",
    9 => JuryVote(JuryVote) "jury-vote",
    10 => Settle(Settle) "settle",
    11 => Cancel(TaskRef) "cancel",
    12 => Expire(TaskRef) "expire",
    20 => Genesis(Genesis) "genesis",
    21 => Grant(Grant) "grant",
    22 => Transfer(Transfer) "transfer",
    23 => Heartbeat(Heartbeat) "heartbeat",
    24 => DataAccessClaim(DataAccessClaim) "data-access-claim",
    25 => Compacted(Compacted) "compacted",
    26 => Capability(Capability) "capability",
    27 => Delegated(Delegated) "delegated",
}

impl Event {
    /// The task this event is about; `None` for a post (it *is* the task) and swarm-level events.
    pub fn task(&self) -> Option<EventId> {
        match self {
            Event::TaskClaimed(b) => Some(b.task),
            Event::ResultSubmitted(b) => Some(b.task),
            Event::ResultAccepted(b) => Some(b.task),
            Event::ResultRejected(b) => Some(b.task),
            Event::Bid(b) => Some(b.task),
            Event::Award(b) => Some(b.task),
            Event::Dispute(b) => Some(b.task),
            Event::JuryVote(b) => Some(b.task),
            Event::Settle(b) => Some(b.task),
            Event::Cancel(b) | Event::Expire(b) => Some(b.task),
            Event::TaskPosted(_)
            | Event::Genesis(_)
            | Event::Grant(_)
            | Event::Transfer(_)
            | Event::Heartbeat(_)
            | Event::DataAccessClaim(_)
            | Event::Compacted(_)
            | Event::Capability(_)
            | Event::Delegated(_) => None,
        }
    }

    /// Field limits that hold for an event on its own, signed at `timestamp_ms`.
    pub fn check_fields(&self, timestamp_ms: u64) -> Result<(), EventError> {
        match self {
            Event::TaskPosted(t) => t.check(timestamp_ms),
            Event::TaskClaimed(c) => task::amount("stake", c.stake),
            Event::ResultSubmitted(s) => task::check_submission(s),
            Event::ResultRejected(r) => text_field("reason", &r.reason, 0, task::MAX_REASON_CHARS),
            Event::Dispute(d) => text_field("reason", &d.reason, 1, task::MAX_REASON_CHARS),
            Event::Bid(b) => {
                task::amount("price", b.price)?;
                if b.fitness_ppm > PPM {
                    return Err(bad("fitness", "at most 1.0 (1,000,000 ppm)"));
                }
                Ok(())
            }
            Event::Genesis(g) => g.check(),
            Event::Grant(g) => swarm::check_money("amount", g.amount, &g.memo),
            Event::Transfer(t) => swarm::check_money("amount", t.amount, &t.memo),
            Event::DataAccessClaim(c) => swarm::check_data_claim(c),
            Event::Compacted(c) if c.horizon_ms > timestamp_ms => {
                Err(bad("horizon", "a checkpoint's horizon cannot be after the event that names it"))
            }
            Event::Compacted(_) => Ok(()),
            Event::Capability(c) => c.check(),
            Event::Delegated(d) => d.check(),
            Event::ResultAccepted(_)
            | Event::Award(_)
            | Event::JuryVote(_)
            | Event::Settle(_)
            | Event::Cancel(_)
            | Event::Expire(_)
            | Event::Heartbeat(_) => Ok(()),
        }
    }
}

pub(crate) fn bad(field: &'static str, why: &str) -> EventError {
    EventError::BadField { field, why: why.to_string() }
}

pub(crate) fn text_field(field: &'static str, value: &str, min: usize, max: usize) -> Result<(), EventError> {
    let chars = value.chars().count();
    if chars < min || chars > max {
        return Err(bad(field, &format!("must be {min} to {max} characters, is {chars}")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(bad(field, "contains control characters"));
    }
    Ok(())
}

/// A lower-case name (domain, skill, data set): `[a-z0-9_-]`, 1 to 32 characters.
pub(crate) fn skill_name(field: &'static str, value: &str) -> Result<(), EventError> {
    text_field(field, value, 1, MAX_SKILL_CHARS)?;
    if !value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_') {
        return Err(bad(field, "use lower-case letters, digits, '-' and '_' only"));
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
    /// Signs a new event of ours in `swarm` (the genesis id; `EventId::NONE` for a genesis).
    /// Refuses what others would refuse.
    pub fn create(
        identity: &Identity,
        swarm: EventId,
        replica: u64,
        timestamp_ms: u64,
        event: Event,
    ) -> Result<Self, EventError> {
        event.check_fields(timestamp_ms)?;
        let envelope = Envelope::sign(identity, swarm, replica, timestamp_ms, event.kind_code(), event.encode_body());
        Self::admit(&envelope.encode(), timestamp_ms)
    }

    /// Admission of bytes received from anyone: size, codec, signature, kind, body, fields, timestamp.
    pub fn admit(bytes: &[u8], now_ms: u64) -> Result<Self, EventError> {
        let envelope = Envelope::decode_unsigned(bytes)?;
        let canonical = envelope.canonical_bytes();
        if envelope.author.verify(&canonical, &envelope.signature.0).is_err() {
            return Err(WireError::BadSignature(envelope.author.short()).into());
        }
        Self::check_signed(envelope, &canonical, now_ms)
    }

    /// `admit` of each of `envelopes`, with the same verdict for each, their signatures checked in
    /// batches (`identity::verify_each`): what the store does with the entries of a sync message.
    pub fn admit_all<B: AsRef<[u8]>>(envelopes: &[B], now_ms: u64) -> Vec<Result<Self, EventError>> {
        let decoded: Vec<Result<(Envelope, Vec<u8>), WireError>> = envelopes
            .iter()
            .map(|bytes| {
                let envelope = Envelope::decode_unsigned(bytes.as_ref())?;
                let canonical = envelope.canonical_bytes();
                Ok((envelope, canonical))
            })
            .collect();
        let checks: Vec<SignatureCheck<'_>> = decoded
            .iter()
            .flatten()
            .map(|(envelope, canonical)| SignatureCheck {
                author: envelope.author,
                message: canonical,
                signature: &envelope.signature.0,
            })
            .collect();
        let mut signed = verify_each(&checks).into_iter();
        decoded
            .into_iter()
            .map(|decoded| {
                let (envelope, canonical) = decoded?;
                if signed.next() != Some(true) {
                    return Err(WireError::BadSignature(envelope.author.short()).into());
                }
                Self::check_signed(envelope, &canonical, now_ms)
            })
            .collect()
    }

    /// The rest of admission, once the signature over `canonical` holds.
    fn check_signed(envelope: Envelope, canonical: &[u8], now_ms: u64) -> Result<Self, EventError> {
        let event = Event::decode_body(envelope.kind, &envelope.body)?;
        event.check_fields(envelope.timestamp_ms)?;
        let founds_a_swarm = matches!(event, Event::Genesis(_));
        if founds_a_swarm != (envelope.swarm == EventId::NONE) {
            return Err(bad("swarm", "a genesis names no swarm, and every other event names its swarm's genesis"));
        }
        if envelope.timestamp_ms < EPOCH_MS {
            return Err(EventError::TooOld(envelope.timestamp_ms));
        }
        if envelope.timestamp_ms > now_ms.saturating_add(MAX_FUTURE_SKEW_MS) {
            return Err(EventError::FromTheFuture(envelope.timestamp_ms - now_ms));
        }
        Ok(SignedEvent { id: EventId::of_canonical_bytes(canonical), envelope, event })
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
    const SWARM: EventId = EventId([7; 32]);

    fn create(me: &Identity, at: u64, event: Event) -> Result<SignedEvent, EventError> {
        let swarm = if matches!(event, Event::Genesis(_)) { EventId::NONE } else { SWARM };
        SignedEvent::create(me, swarm, 1, at, event)
    }

    fn post(title: &str) -> Event {
        Event::TaskPosted(TaskPosted::simple(
            title,
            "Translate the attached paragraph",
            "translation",
            10,
            NOW + 3_600_000,
        ))
    }

    #[test]
    fn created_events_are_admitted_by_others() {
        let me = Identity::from_seed([9; 32]);
        let event = create(&me, NOW, post("Hello")).unwrap();
        let received = SignedEvent::admit(&event.encode(), NOW).unwrap();
        assert_eq!(received, event);
        assert_eq!(received.author(), me.peer_id());
    }

    #[test]
    fn field_limits_are_enforced_on_create() {
        let me = Identity::from_seed([9; 32]);
        assert!(matches!(create(&me, NOW, post("")), Err(EventError::BadField { field: "title", .. })));
        let long = "é".repeat(task::MAX_TITLE_CHARS + 1);
        assert!(matches!(create(&me, NOW, post(&long)), Err(EventError::BadField { .. })));
        let unicode = "翻訳 🚀 ünïcödé";
        assert!(create(&me, NOW, post(unicode)).is_ok());
        let mut bad_domain = post("x");
        if let Event::TaskPosted(t) = &mut bad_domain {
            t.domain = "Bad Domain".into();
        }
        assert!(matches!(create(&me, NOW, bad_domain), Err(EventError::BadField { field: "domain", .. })));
    }

    #[test]
    fn timestamps_outside_bounds_are_refused() {
        let me = Identity::from_seed([9; 32]);
        let future = NOW + MAX_FUTURE_SKEW_MS + 1;
        let envelope = Envelope::sign(&me, SWARM, 1, future, 1, post("x").encode_body());
        assert!(matches!(SignedEvent::admit(&envelope.encode(), NOW), Err(EventError::FromTheFuture(_))));
        let envelope = Envelope::sign(&me, SWARM, 1, EPOCH_MS - 1, 1, post("x").encode_body());
        assert!(matches!(SignedEvent::admit(&envelope.encode(), NOW), Err(EventError::TooOld(_))));
        let envelope = Envelope::sign(&me, SWARM, 1, NOW + MAX_FUTURE_SKEW_MS, 1, post("x").encode_body());
        assert!(SignedEvent::admit(&envelope.encode(), NOW).is_ok());
    }

    #[test]
    fn unknown_kinds_and_bad_bodies_are_refused() {
        let me = Identity::from_seed([9; 32]);
        let envelope = Envelope::sign(&me, SWARM, 1, NOW, 99, vec![]);
        assert_eq!(SignedEvent::admit(&envelope.encode(), NOW), Err(EventError::UnknownKind(99)));
        let envelope = Envelope::sign(&me, SWARM, 1, NOW, 1, vec![0xff, 0xff]);
        assert!(matches!(SignedEvent::admit(&envelope.encode(), NOW), Err(EventError::BadBody(_))));
        let mut body = post("x").encode_body();
        body.push(0);
        let envelope = Envelope::sign(&me, SWARM, 1, NOW, 1, body);
        assert!(matches!(SignedEvent::admit(&envelope.encode(), NOW), Err(EventError::BadBody(_))));
    }

    #[test]
    fn forged_signatures_are_refused() {
        let me = Identity::from_seed([9; 32]);
        let mut envelope = Envelope::sign(&me, SWARM, 1, NOW, 1, post("x").encode_body());
        envelope.signature.0[0] ^= 1;
        assert!(matches!(
            SignedEvent::admit(&envelope.encode(), NOW),
            Err(EventError::Wire(WireError::BadSignature(_)))
        ));
    }

    #[test]
    fn admitting_many_at_once_gives_each_the_verdict_of_admitting_it_alone() {
        let me = Identity::from_seed([9; 32]);
        let good = |n: u64| create(&me, NOW + n, post(&format!("task {n}"))).unwrap().encode();
        let mut forged = Envelope::sign(&me, SWARM, 1, NOW, 1, post("x").encode_body());
        forged.signature.0[0] ^= 1;
        let mut nobody = Envelope::sign(&me, SWARM, 1, NOW, 1, post("x").encode_body());
        nobody.author = PeerId([0; 32]);
        nobody.signature = crate::wire::Signature([0; 64]);
        let batch = vec![
            good(1),
            forged.encode(),
            good(2),
            Envelope::sign(&me, SWARM, 1, NOW, 1, vec![0xff]).encode(),
            Envelope::sign(&me, SWARM, 1, NOW + MAX_FUTURE_SKEW_MS + 1, 1, post("x").encode_body()).encode(),
            vec![1, 2, 3],
            nobody.encode(),
            good(3),
        ];
        let alone: Vec<_> = batch.iter().map(|bytes| SignedEvent::admit(bytes, NOW)).collect();
        assert_eq!(SignedEvent::admit_all(&batch, NOW), alone);
        let admitted: Vec<bool> = alone.iter().map(Result::is_ok).collect();
        assert_eq!(admitted, [true, false, true, false, false, false, false, true]);
        assert!(matches!(alone[1], Err(EventError::Wire(WireError::BadSignature(_)))));
        assert!(matches!(alone[6], Err(EventError::Wire(WireError::BadSignature(_)))));
    }

    #[test]
    fn market_bodies_check_their_own_fields() {
        let me = Identity::from_seed([9; 32]);
        let stale = Event::TaskPosted(TaskPosted::simple("t", "", "x", 1, NOW));
        assert!(matches!(create(&me, NOW, stale), Err(EventError::BadField { field: "deadline", .. })));
        let mut lying = ResultSubmitted::new(EventId([1; 32]), "42");
        lying.result = "43".into();
        let lying = Event::ResultSubmitted(lying);
        assert!(matches!(create(&me, NOW, lying), Err(EventError::BadField { field: "result_hash", .. })));
        let honest = Event::ResultSubmitted(ResultSubmitted::new(EventId([1; 32]), "42"));
        assert!(create(&me, NOW, honest).is_ok());
        let nothing = Event::Grant(Grant { to: me.peer_id(), amount: 0, memo: String::new() });
        assert!(matches!(create(&me, NOW, nothing), Err(EventError::BadField { field: "amount", .. })));
        let huge = Event::TaskClaimed(TaskClaimed { task: EventId([1; 32]), stake: MAX_AMOUNT + 1 });
        assert!(create(&me, NOW, huge).is_err());
    }

    #[test]
    fn genesis_rules_must_be_coherent() {
        let me = Identity::from_seed([9; 32]);
        let good = Genesis::with_defaults("test swarm", me.peer_id());
        assert!(create(&me, NOW, Event::Genesis(good.clone())).is_ok());
        let mut split = good.clone();
        split.fee_split.protocol_bps = 2_000;
        assert!(matches!(
            create(&me, NOW, Event::Genesis(split)),
            Err(EventError::BadField { field: "fee_split", .. })
        ));
        let mut even = good.clone();
        even.jury_size = 4;
        assert!(create(&me, NOW, Event::Genesis(even)).is_err());
        let mut nobody = good;
        nobody.issuers.clear();
        assert!(create(&me, NOW, Event::Genesis(nobody)).is_err());
    }

    #[test]
    fn every_kind_round_trips_through_the_wire() {
        let me = Identity::from_seed([9; 32]);
        let task = EventId([3; 32]);
        let events = vec![
            post("t"),
            Event::TaskClaimed(TaskClaimed { task, stake: 1 }),
            Event::ResultSubmitted(ResultSubmitted::new(task, "r")),
            Event::ResultAccepted(Decision { task, submission: task }),
            Event::ResultRejected(ResultRejected { task, submission: task, reason: "no".into() }),
            Event::Bid(Bid { task, price: 5, eta_ms: 10, fitness_ppm: 900_000 }),
            Event::Award(Award { task, bid: task }),
            Event::Dispute(Dispute { task, submission: task, reason: "it was right".into() }),
            Event::JuryVote(JuryVote { task, case: task, for_executor: true }),
            Event::Settle(Settle { task, acceptance: task, routing: Some(me.peer_id()) }),
            Event::Cancel(TaskRef { task }),
            Event::Expire(TaskRef { task }),
            Event::Genesis(Genesis::with_defaults("s", me.peer_id())),
            Event::Grant(Grant { to: me.peer_id(), amount: 5, memo: "welcome".into() }),
            Event::Transfer(Transfer { to: me.peer_id(), amount: 5, memo: String::new() }),
            Event::Heartbeat(Heartbeat { seq: 7 }),
            Event::DataAccessClaim(DataAccessClaim { dataset: "sec-filings".into(), note: String::new() }),
            Event::Capability(capability()),
            Event::Delegated(delegated()),
        ];
        for event in events {
            let signed = create(&me, NOW, event.clone()).unwrap();
            let back = SignedEvent::admit(&signed.encode(), NOW).unwrap();
            assert_eq!(back.event, event, "{}", event.kind_name());
        }
    }

    fn capability() -> Capability {
        Capability {
            backend: "webgpu".into(),
            adapter: "SwiftShader Device (Subzero)".into(),
            fallback_adapter: true,
            cores: 2,
            memory_mib: 8_192,
            gpu_max_buffer_mib: 256,
            embeddings_per_s_x10: 123,
            gflops_x10: 45,
            power: crate::router::Power::Charging,
            battery_percent: 80,
            connection: "4g".into(),
            policy: crate::router::OwnerPolicy::default(),
        }
    }

    #[test]
    fn capability_envelopes_are_bounded() {
        let me = Identity::from_seed([9; 32]);
        assert!(create(&me, NOW, Event::Capability(capability())).is_ok());
        let field = |edit: fn(&mut Capability)| {
            let mut envelope = capability();
            edit(&mut envelope);
            match create(&me, NOW, Event::Capability(envelope)) {
                Err(EventError::BadField { field, .. }) => field,
                other => panic!("expected a refusal, got {other:?}"),
            }
        };
        assert_eq!(field(|c| c.backend = "tpu".into()), "backend");
        assert_eq!(field(|c| c.adapter = "x".repeat(97)), "adapter");
        assert_eq!(field(|c| c.connection = "\u{7}".into()), "connection");
        assert_eq!(field(|c| c.battery_percent = 101), "battery_percent");
        assert_eq!(field(|c| c.policy.max_cpu_percent = 0), "policy");
    }

    #[test]
    fn only_a_genesis_names_no_swarm() {
        let me = Identity::from_seed([9; 32]);
        let genesis = Event::Genesis(Genesis::with_defaults("s", me.peer_id()));
        let rooted = SignedEvent::create(&me, SWARM, 1, NOW, genesis);
        assert!(matches!(rooted, Err(EventError::BadField { field: "swarm", .. })));
        let orphan = SignedEvent::create(&me, EventId::NONE, 1, NOW, post("x"));
        assert!(matches!(orphan, Err(EventError::BadField { field: "swarm", .. })));
    }

    const SENT: &[u8] = b"Translate: Jane Doe's lab results came back positive";

    fn delegated() -> Delegated {
        Delegated {
            delegation: [5; 16],
            model: "gpt-4o".into(),
            provider: "openai".into(),
            task_kind: "translate".into(),
            budget_micros: 12_000,
            timeout_ms: 120_000,
            allow_logging: false,
            strip_pii: true,
            sent_sha256: Delegated::hash_of(SENT),
            run_step: Some(RunStep { run: [6; 16], step: 2 }),
        }
    }

    #[test]
    fn delegation_records_are_bounded_and_carry_no_text() {
        let me = Identity::from_seed([9; 32]);
        let record = create(&me, NOW, Event::Delegated(delegated())).unwrap();
        assert_eq!(record.envelope.kind, 27);
        assert_eq!(record.event.kind_name(), "delegated");
        assert_eq!(record.author(), me.peer_id(), "the requester signs it");
        assert!(!String::from_utf8_lossy(&record.encode()).contains("Jane Doe"));
        assert_eq!(record.event, Event::Delegated(delegated()));
        let anonymous = Delegated { run_step: None, ..delegated() };
        assert!(create(&me, NOW, Event::Delegated(anonymous)).is_ok());
        let field = |edit: fn(&mut Delegated)| {
            let mut record = delegated();
            edit(&mut record);
            match create(&me, NOW, Event::Delegated(record)) {
                Err(EventError::BadField { field, .. }) => field,
                other => panic!("expected a refusal, got {other:?}"),
            }
        };
        assert_eq!(field(|d| d.model = String::new()), "model");
        assert_eq!(field(|d| d.model = "m".repeat(MAX_MODEL_CHARS + 1)), "model");
        assert_eq!(field(|d| d.provider = "open\nai".into()), "provider");
        assert_eq!(field(|d| d.task_kind = "Translate".into()), "task_kind");
        assert_eq!(field(|d| d.budget_micros = MAX_BUDGET_MICROS + 1), "budget_micros");
        assert_eq!(field(|d| d.timeout_ms = 0), "timeout_ms");
        assert_eq!(field(|d| d.timeout_ms = MAX_TIMEOUT_MS + 1), "timeout_ms");
    }

    #[test]
    fn a_delegation_hash_is_the_sha256_of_the_sent_bytes() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(hex::encode(Delegated::hash_of(b"abc")), expected);
    }
}
