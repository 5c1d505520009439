//! Shared helpers for scenario tests: named identities, a simulated clock and event builders.

#![allow(dead_code)]

use amorph_core::events::{Decision, Event, ResultRejected, ResultSubmitted, SignedEvent, TaskClaimed, TaskPosted, EPOCH_MS};
use amorph_core::identity::Identity;
use amorph_core::wire::EventId;

/// A fixed instant well after the epoch; tests move time forward from here.
pub const T0: u64 = EPOCH_MS + DAY_MS;
pub const DAY_MS: u64 = 86_400_000;

pub fn identity(n: u8) -> Identity {
    Identity::from_seed([n; 32])
}

pub fn post(domain: &str, title: &str) -> Event {
    Event::TaskPosted(TaskPosted::simple(title, "", domain, 5, T0 + DAY_MS * 30))
}

pub fn claim(task: EventId) -> Event {
    Event::TaskClaimed(TaskClaimed { task, stake: 0 })
}

pub fn submit(task: EventId, result: &str) -> Event {
    Event::ResultSubmitted(ResultSubmitted::new(task, result))
}

pub fn accept(task: EventId, submission: EventId) -> Event {
    Event::ResultAccepted(Decision { task, submission })
}

pub fn reject(task: EventId, submission: EventId) -> Event {
    Event::ResultRejected(ResultRejected { task, submission, reason: "wrong".into() })
}

/// Signs `event` by `who` at `at` on replica `replica`.
pub fn signed(who: &Identity, replica: u64, at: u64, event: Event) -> SignedEvent {
    SignedEvent::create(who, replica, at, event).expect("test events are valid")
}
