//! A seeded, realistic swarm history for the benchmarks: a genesis, grants to 200 people, then tasks
//! interleaved about 64 at a time, most going post → staked claim → submit → accept → settle, some
//! through bids and an award, requester rejections (disputed before a jury, or left to lapse),
//! jury-verified and automatically verified tasks, cancels and expiries; plus heartbeats, transfers
//! and data-access claims. Events are about 2 s apart (100,000 span about 55 hours), so rejections
//! lapse and karma decays. The generator folds what it signs to seat the drawn jurors, and its
//! events are then all accepted: a benchmark measures the happy path, not refusals.
//!
//! Deterministic: the same seed gives the same events on every platform (SplitMix64, no floats).

use std::collections::HashMap;

use amorph_core::economy::Economy;
use amorph_core::events::{
    Award, Bid, DataAccessClaim, Decision, Dispute, Event, Genesis, Grant, Heartbeat, JuryVote, ResultRejected,
    ResultSubmitted, Settle, SignedEvent, TaskClaimed, TaskPosted, TaskRef, Transfer, Verification, EPOCH_MS,
};
use amorph_core::identity::{Identity, PeerId};
use amorph_core::wire::EventId;
use sha2::{Digest, Sha256};

use super::flight::{Flight, Plan, Stage};
pub use super::rng::Rng;

/// The genesis instant: a day after the Amorph epoch.
pub const T0: u64 = EPOCH_MS + 86_400_000;
const PEOPLE: usize = 200;
const IN_FLIGHT: usize = 64;
const HOUR_MS: u64 = 3_600_000;
const DOMAINS: [&str; 6] = ["translation", "summarize", "classify", "code-review", "math", "labeling"];

/// Signs `event` by `who` for `swarm` (`EventId::NONE` for the genesis) on `replica` at `at`:
/// `SignedEvent::create`, or `EventStore::publish`.
pub type Signer<'a> = dyn FnMut(&Identity, EventId, u64, u64, Event) -> SignedEvent + 'a;

/// The generated history: the genesis, then every other event in fold order.
pub struct History {
    pub genesis: SignedEvent,
    pub events: Vec<SignedEvent>,
    /// Tasks posted, and how many reached a final state.
    pub tasks: usize,
    pub closed: usize,
}

struct Generator<'a> {
    rng: Rng,
    sign: &'a mut Signer<'a>,
    swarm: EventId,
    people: Vec<Identity>,
    index: HashMap<PeerId, usize>,
    economy: Economy,
    events: Vec<SignedEvent>,
    flights: Vec<Flight>,
    now: u64,
    settled: usize,
    tasks: usize,
    closed: usize,
}

/// At least `count` events after the genesis (a few more may close the last step), seeded by `seed`.
pub fn generate<'a>(seed: u64, count: usize, sign: &'a mut Signer<'a>) -> History {
    let mut rng = Rng::new(seed);
    let people: Vec<Identity> =
        (0..PEOPLE).map(|_| Identity::from_seed(std::array::from_fn(|_| rng.next() as u8))).collect();
    let issuer = people[0].peer_id();
    let genesis = sign(&people[0], EventId::NONE, 1, T0, Event::Genesis(Genesis::with_defaults("bench swarm", issuer)));
    let economy = Economy::new(&genesis).expect("the generator signs a genesis");
    let index = people.iter().enumerate().map(|(i, p)| (p.peer_id(), i)).collect();
    let mut g = Generator {
        rng,
        sign,
        swarm: genesis.id,
        people,
        index,
        economy,
        events: Vec::with_capacity(count + 8),
        flights: Vec::new(),
        now: T0,
        settled: 0,
        tasks: 0,
        closed: 0,
    };
    for who in 0..PEOPLE {
        let to = g.people[who].peer_id();
        g.emit(0, Event::Grant(Grant { to, amount: 10_000_000, memo: "welcome".into() }));
    }
    while g.events.len() < count {
        g.step();
    }
    History { genesis, events: g.events, tasks: g.tasks, closed: g.closed }
}

impl Generator<'_> {
    /// Signs the next event, 1 ms to 4 s after the previous one, and folds it.
    fn emit(&mut self, who: usize, event: Event) -> EventId {
        self.now += 1 + self.rng.below(4_000);
        let signed = (self.sign)(&self.people[who], self.swarm, who as u64 + 1, self.now, event);
        self.economy.apply(&signed).expect("generated events come in fold order and keep the books");
        let id = signed.id;
        self.events.push(signed);
        id
    }

    fn someone_but(&mut self, not: usize) -> usize {
        let other = 1 + self.rng.below(PEOPLE as u64 - 1) as usize;
        if other == not {
            (other + 1) % PEOPLE
        } else {
            other
        }
    }

    fn step(&mut self) {
        let roll = self.rng.below(1_000);
        let who = self.rng.below(PEOPLE as u64) as usize;
        match roll {
            0..=39 => {
                self.emit(who, Event::Heartbeat(Heartbeat { seq: self.now }));
            }
            40..=49 => {
                let other = self.someone_but(who);
                let (to, amount) = (self.people[other].peer_id(), 1 + self.rng.below(500));
                self.emit(who, Event::Transfer(Transfer { to, amount, memo: "thanks".into() }));
            }
            50..=52 => {
                let (dataset, note) = (DOMAINS[self.rng.below(6) as usize].to_string(), self.rng.words(0, 8));
                self.emit(who, Event::DataAccessClaim(DataAccessClaim { dataset, note }));
            }
            _ if self.flights.len() < IN_FLIGHT || roll >= 900 => self.post(),
            _ => {
                let flight = self.flights.swap_remove(self.rng.below(self.flights.len() as u64) as usize);
                match self.advance(flight) {
                    Some(flight) => self.flights.push(flight),
                    None => self.closed += 1,
                }
            }
        }
    }

    fn post(&mut self) {
        let juries = self.settled >= 300;
        let plan = match self.rng.below(100) {
            0..=11 => Plan::Bidding,
            12..=19 if juries => Plan::Disputed,
            20..=23 => Plan::Lapsing,
            24..=28 => Plan::Cancelled,
            29..=31 => Plan::Expiring,
            32..=34 if juries => Plan::JuryVerified,
            35..=39 => Plan::Automatic,
            _ => Plan::Plain,
        };
        let requester = self.rng.below(PEOPLE as u64) as usize;
        let payment = 10 + self.rng.below(4_991);
        let deadline_ms = self.now + if plan == Plan::Expiring { HOUR_MS } else { 7 * 24 * HOUR_MS };
        let domain = DOMAINS[self.rng.below(6) as usize];
        let mut terms =
            TaskPosted::simple(&self.rng.words(3, 8), &self.rng.words(10, 80), domain, payment, deadline_ms);
        terms.verification = match plan {
            Plan::JuryVerified => Verification::Jury,
            Plan::Automatic => Verification::Automatic { expected_hash: Sha256::digest(b"42").into() },
            _ => Verification::Requester,
        };
        let task = self.emit(requester, Event::TaskPosted(terms));
        let worker = self.someone_but(requester);
        let last = task;
        let flight = Flight {
            task,
            plan,
            stage: Stage::Open,
            requester,
            worker,
            payment,
            deadline_ms,
            bids: vec![],
            awarded: false,
            last,
            jurors: vec![],
        };
        self.tasks += 1;
        self.flights.push(flight);
    }

    /// One more event of `f`'s task; `None` once the task needs no more.
    fn advance(&mut self, mut f: Flight) -> Option<Flight> {
        let task = f.task;
        match (f.stage, f.plan) {
            (Stage::Open, Plan::Cancelled) => {
                self.emit(f.requester, Event::Cancel(TaskRef { task }));
            }
            (Stage::Open, Plan::Expiring) if self.now <= f.deadline_ms => {
                self.emit(f.worker, Event::Heartbeat(Heartbeat { seq: self.now }));
                return Some(f);
            }
            (Stage::Open, Plan::Expiring) => {
                self.emit(f.worker, Event::Expire(TaskRef { task }));
            }
            (Stage::Open, Plan::Bidding) if f.bids.len() < 3 => {
                let bidder = self.someone_but(f.requester);
                let price = f.payment - self.rng.below(f.payment / 2);
                let bid = Bid {
                    task,
                    price,
                    eta_ms: 60_000 + self.rng.below(HOUR_MS),
                    fitness_ppm: self.rng.below(1_000_001) as u32,
                };
                let id = self.emit(bidder, Event::Bid(bid));
                f.bids.push((id, bidder));
                return Some(f);
            }
            (Stage::Open, Plan::Bidding) if !f.awarded => {
                let (bid, bidder) = f.bids[0];
                self.emit(f.requester, Event::Award(Award { task, bid }));
                (f.worker, f.awarded) = (bidder, true);
                return Some(f);
            }
            (Stage::Open, _) => {
                self.emit(f.worker, Event::TaskClaimed(TaskClaimed { task, stake: f.payment.div_ceil(10) }));
                f.stage = Stage::Claimed;
                return Some(f);
            }
            (Stage::Claimed, plan) => {
                let result = if plan == Plan::Automatic { "42".to_string() } else { self.rng.words(5, 60) };
                f.last = self.emit(f.worker, Event::ResultSubmitted(ResultSubmitted::new(task, &result)));
                f.stage = match plan {
                    Plan::Automatic => Stage::Accepted,
                    Plan::JuryVerified => return self.seat_jury(f),
                    _ => Stage::Submitted,
                };
                return Some(f);
            }
            (Stage::Submitted, Plan::Disputed | Plan::Lapsing) => {
                let rejected = ResultRejected { task, submission: f.last, reason: self.rng.words(3, 15) };
                self.emit(f.requester, Event::ResultRejected(rejected));
                if f.plan == Plan::Disputed {
                    f.stage = Stage::Rejected;
                    return Some(f);
                }
            }
            (Stage::Submitted, _) => {
                f.last = self.emit(f.requester, Event::ResultAccepted(Decision { task, submission: f.last }));
                f.stage = Stage::Accepted;
                return Some(f);
            }
            (Stage::Rejected, _) => {
                let dispute = Dispute { task, submission: f.last, reason: self.rng.words(3, 15) };
                f.last = self.emit(f.worker, Event::Dispute(dispute));
                return self.seat_jury(f);
            }
            (Stage::Judging, _) => {
                let juror = f.jurors.remove(0);
                let for_executor = self.rng.percent(70);
                self.emit(juror, Event::JuryVote(JuryVote { task, case: f.last, for_executor }));
                let decided = self.economy.market().task(&task).and_then(|t| t.jury.as_ref()).and_then(|j| j.verdict);
                if decided.is_none() && !f.jurors.is_empty() {
                    return Some(f);
                }
            }
            (Stage::Accepted, _) => {
                let payee = self.someone_but(f.worker);
                let routing = self.rng.percent(30).then(|| self.people[payee].peer_id());
                self.emit(f.worker, Event::Settle(Settle { task, acceptance: f.last, routing }));
                self.settled += 1;
            }
        }
        None
    }

    /// The case `f.last` opened: its drawn jurors vote next (none drawn: the task stays judging).
    fn seat_jury(&mut self, mut f: Flight) -> Option<Flight> {
        let drawn = self.economy.market().task(&f.task).and_then(|t| t.jury.as_ref()).map(|j| j.jurors.clone());
        f.jurors = drawn.unwrap_or_default().iter().filter_map(|p| self.index.get(p).copied()).collect();
        f.stage = Stage::Judging;
        (!f.jurors.is_empty()).then_some(f)
    }
}
