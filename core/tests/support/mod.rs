//! Shared helpers for scenario tests: named identities, a simulated clock, event builders, and
//! `Chronicle`, a swarm history under construction for the economy tests.

#![allow(dead_code)]

use amorph_core::economy::{Economy, EconomyViews};
use amorph_core::events::{
    Award, Bid, Decision, Delegation, Dispute, Event, Genesis, Grant, Heartbeat, JuryVote, ResultRejected,
    ResultSubmitted, Settle, SignedEvent, TaskClaimed, TaskPosted, TaskRef, Transfer, Verification, EPOCH_MS,
};
use amorph_core::identity::{Identity, PeerId};
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

/// The swarm of tests that need none in particular (the spine's views ignore it); economy and store
/// scenarios use a real genesis (`Chronicle`, `genesis_by`).
pub const TEST_SWARM: EventId = EventId([0x5a; 32]);

/// Signs `event` by `who` at `at` on replica `replica`, in `TEST_SWARM`.
pub fn signed(who: &Identity, replica: u64, at: u64, event: Event) -> SignedEvent {
    signed_in(TEST_SWARM, who, replica, at, event)
}

/// Signs `event` in `swarm` (a genesis names no swarm, whatever `swarm` says).
pub fn signed_in(swarm: EventId, who: &Identity, replica: u64, at: u64, event: Event) -> SignedEvent {
    let swarm = if matches!(event, Event::Genesis(_)) { EventId::NONE } else { swarm };
    SignedEvent::create(who, swarm, replica, at, event).expect("test events are valid")
}

/// A genesis with the default rules, founded by `who` (issuer and treasury) at T0.
pub fn genesis_by(who: &Identity, replica: u64) -> SignedEvent {
    signed(who, replica, T0, Event::Genesis(Genesis::with_defaults("test swarm", who.peer_id())))
}

// ---- Economy scenarios ----

/// The issuer and treasury of every scenario swarm.
pub const ISSUER: u8 = 1;
pub const SECOND_MS: u64 = 1_000;

/// Posted terms: a requester-verified task paying `payment`, due 30 days after T0.
pub fn terms(domain: &str, payment: u64) -> TaskPosted {
    TaskPosted::simple("Task", "Do it", domain, payment, T0 + 30 * DAY_MS)
}

pub fn posted(terms: TaskPosted) -> Event {
    Event::TaskPosted(terms)
}

pub fn delegable(mut terms: TaskPosted, max_depth: u8) -> TaskPosted {
    terms.delegation = Delegation { allowed: true, max_depth };
    terms
}

pub fn verified(mut terms: TaskPosted, verification: Verification) -> TaskPosted {
    terms.verification = verification;
    terms
}

pub fn staked(task: EventId, stake: u64) -> Event {
    Event::TaskClaimed(TaskClaimed { task, stake })
}

pub fn bid(task: EventId, price: u64) -> Event {
    Event::Bid(Bid { task, price, eta_ms: 60_000, fitness_ppm: 500_000 })
}

pub fn award(task: EventId, bid: EventId) -> Event {
    Event::Award(Award { task, bid })
}

pub fn dispute(task: EventId, submission: EventId) -> Event {
    Event::Dispute(Dispute { task, submission, reason: "the result is right".into() })
}

pub fn vote(task: EventId, case: EventId, for_executor: bool) -> Event {
    Event::JuryVote(JuryVote { task, case, for_executor })
}

pub fn settle(task: EventId, acceptance: EventId, routing: Option<PeerId>) -> Event {
    Event::Settle(Settle { task, acceptance, routing })
}

pub fn cancel(task: EventId) -> Event {
    Event::Cancel(TaskRef { task })
}

pub fn expire(task: EventId) -> Event {
    Event::Expire(TaskRef { task })
}

pub fn grant(to: PeerId, amount: u64) -> Event {
    Event::Grant(Grant { to, amount, memo: String::new() })
}

pub fn transfer(to: PeerId, amount: u64) -> Event {
    Event::Transfer(Transfer { to, amount, memo: String::new() })
}

pub fn heartbeat(seq: u64) -> Event {
    Event::Heartbeat(Heartbeat { seq })
}

/// A swarm's history under construction: a genesis by identity(ISSUER) (issuer and treasury) at
/// T0, then events signed one second apart unless placed explicitly.
pub struct Chronicle {
    pub genesis: SignedEvent,
    pub events: Vec<SignedEvent>,
    pub now: u64,
}

impl Default for Chronicle {
    fn default() -> Self {
        Chronicle::with_rules(|_| {})
    }
}

impl Chronicle {
    pub fn with_rules(edit: impl FnOnce(&mut Genesis)) -> Self {
        let issuer = identity(ISSUER);
        let mut rules = Genesis::with_defaults("test swarm", issuer.peer_id());
        edit(&mut rules);
        let genesis = signed(&issuer, u64::from(ISSUER), T0, Event::Genesis(rules));
        Chronicle { genesis, events: Vec::new(), now: T0 }
    }

    pub fn rules(&self) -> Genesis {
        match &self.genesis.event {
            Event::Genesis(rules) => rules.clone(),
            _ => unreachable!("a chronicle starts from a genesis"),
        }
    }

    /// Signs `event` by `who` at `at` without adding it.
    pub fn sign_at(&self, who: &Identity, at: u64, event: Event) -> SignedEvent {
        signed_in(self.genesis.id, who, u64::from(who.seed()[0]), at, event)
    }

    /// Adds `event` by `who` at `at`.
    pub fn at(&mut self, who: &Identity, at: u64, event: Event) -> EventId {
        let event = self.sign_at(who, at, event);
        self.now = self.now.max(at);
        self.events.push(event);
        self.events.last().map(|e| e.id).unwrap_or(EventId([0; 32]))
    }

    /// Adds `event` by `who` one second after the latest.
    pub fn next(&mut self, who: &Identity, event: Event) -> EventId {
        let at = self.now + SECOND_MS;
        self.at(who, at, event)
    }

    pub fn fund(&mut self, who: &Identity, amount: u64) -> EventId {
        self.next(&identity(ISSUER), grant(who.peer_id(), amount))
    }

    /// Posts `terms` by `requester`; `worker` claims with the minimum stake, submits, is accepted
    /// and settles. Returns the task id.
    pub fn complete(&mut self, requester: &Identity, worker: &Identity, terms: TaskPosted) -> EventId {
        let stake = (terms.payment * u64::from(self.rules().stake_ratio_bps)).div_ceil(10_000);
        let task = self.next(requester, posted(terms));
        self.next(worker, staked(task, stake));
        let submission = self.next(worker, submit(task, "done"));
        let acceptance = self.next(requester, accept(task, submission));
        self.next(worker, settle(task, acceptance, None));
        task
    }

    /// The views of everything added, auditing the books after every event.
    pub fn views(&self) -> EconomyViews {
        self.views_of(&self.events)
    }

    pub fn views_of(&self, events: &[SignedEvent]) -> EconomyViews {
        Economy::derive_checked(&self.genesis, events).expect("the books balance after every event")
    }
}
