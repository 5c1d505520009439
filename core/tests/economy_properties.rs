//! Property: the economy is a pure function of the event set. Random valid-looking histories (a
//! genesis, grants, posts and subtasks, bids, awards, racing claims with stakes, submissions,
//! decisions, disputes, votes by drawn and undrawn jurors, settlements, cancels, expiries,
//! transfers, a few hostile events, and time passing every window, then late events) reach three
//! simulated peers in different orders, with duplicates and some events held back to the end; every
//! peer derives byte-identical views, equal to an incremental fold, and the books balance after
//! every event.

mod support;

use std::collections::BTreeMap;

use amorph_core::economy::{Checkpoint, Economy, Ignored};
use amorph_core::events::{DataAccessClaim, Event, Genesis, ResultSubmitted, SignedEvent, Verification};
use amorph_core::identity::Identity;
use amorph_core::market::{Jury, Task, TaskState};
use amorph_core::wire::EventId;
use proptest::prelude::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use support::*;

const WINDOW_MS: u64 = 30_000;
const DECISION_MS: u64 = 40_000;
const JURY_MS: u64 = 50_000;
const TOLERANCE_MS: u64 = 2_000;

/// Builds a history batch by batch, folding it as it goes so that most events fit the state.
struct Generator {
    rng: ChaCha8Rng,
    c: Chronicle,
    economy: Economy,
    people: Vec<Identity>,
}

impl Generator {
    fn new(seed: u64) -> Self {
        let c = Chronicle::with_rules(|rules| {
            rules.dispute_window_ms = WINDOW_MS;
            rules.decision_window_ms = DECISION_MS;
            rules.jury_window_ms = JURY_MS;
            rules.timestamp_tolerance_ms = TOLERANCE_MS;
        });
        let economy = Economy::new(&c.genesis).expect("a genesis");
        Generator { rng: ChaCha8Rng::seed_from_u64(seed), c, economy, people: (2..=9).map(identity).collect() }
    }

    fn someone(&mut self) -> Identity {
        self.people.choose(&mut self.rng).cloned().unwrap_or_else(|| identity(2))
    }

    /// `right` most of the time, else anyone (a mistaken or hostile author).
    fn mostly(&mut self, right: Identity) -> Identity {
        if self.rng.gen_bool(0.85) {
            right
        } else {
            self.someone()
        }
    }

    fn pick(&mut self, states: &[TaskState]) -> Option<Task> {
        self.pick_where(states, |_| true)
    }

    fn pick_where(&mut self, states: &[TaskState], wanted: impl Fn(&Task) -> bool) -> Option<Task> {
        let tasks: Vec<&Task> =
            self.economy.market().tasks().filter(|t| states.contains(&t.state) && wanted(t)).collect();
        tasks.choose(&mut self.rng).map(|t| (*t).clone())
    }

    /// Signs `events` at times from `now` on (sometimes equal), folds them in order and records them.
    fn batch(&mut self, events: Vec<(Identity, Event)>) {
        let mut signed: Vec<SignedEvent> = events
            .into_iter()
            .map(|(who, event)| {
                let at = self.c.now + self.rng.gen_range(0..3) * 700;
                self.c.sign_at(&who, at, event)
            })
            .collect();
        signed.sort_by_key(|e| (e.timestamp_ms(), e.id));
        for event in signed {
            self.economy.apply(&event).expect("generated in fold order");
            self.c.now = self.c.now.max(event.timestamp_ms());
            self.c.events.push(event);
        }
        self.c.now += 1;
    }

    /// One random action; false when it found nothing to act on.
    fn step(&mut self) -> bool {
        let now = self.c.now;
        let issuer = identity(ISSUER);
        let one = |who: Identity, event: Event| vec![(who, event)];
        let events = match self.rng.gen_range(0..20) {
            0 | 1 => {
                let who = self.someone();
                let from = if self.rng.gen_bool(0.9) { issuer } else { who.clone() };
                one(from, grant(who.peer_id(), self.rng.gen_range(1..200)))
            }
            2 | 3 => self.post(now),
            4 => match self.pick(&[TaskState::Open]) {
                Some(t) => {
                    let price = self.rng.gen_range(0..=t.price + 10);
                    one(self.someone(), bid(t.id, price))
                }
                None => return false,
            },
            5 => match self.pick_where(&[TaskState::Open], |t| !t.bids.is_empty()) {
                Some(t) => {
                    let chosen = t.bids.choose(&mut self.rng).map_or(t.id, |b| b.id);
                    one(self.mostly(self.requester(&t)), award(t.id, chosen))
                }
                None => return false,
            },
            6 | 7 => self.claim(),
            8 => match self.pick(&[TaskState::Claimed]) {
                Some(t) => {
                    let result = if self.rng.gen_bool(0.7) { "ok" } else { "bad" };
                    one(self.mostly(self.executor(&t)), submit(t.id, result))
                }
                None => return false,
            },
            9 => match self.pick(&[TaskState::Submitted]) {
                Some(t) => {
                    let submission = t.submission.as_ref().map_or(t.id, |s| s.id);
                    let decision =
                        if self.rng.gen_bool(0.6) { accept(t.id, submission) } else { reject(t.id, submission) };
                    one(self.mostly(self.requester(&t)), decision)
                }
                None => return false,
            },
            10 => match self.pick(&[TaskState::Rejected, TaskState::Failed]) {
                Some(t) => {
                    let submission = t.submission.as_ref().map_or(t.id, |s| s.id);
                    one(self.mostly(self.executor(&t)), dispute(t.id, submission))
                }
                None => return false,
            },
            11 | 12 => self.vote(),
            13 if self.rng.gen_bool(0.5) => {
                self.complete();
                return true;
            }
            13 => match self.pick(&[TaskState::Accepted, TaskState::Submitted]) {
                Some(t) => {
                    let acceptance = if self.rng.gen_bool(0.9) { t.acceptance.unwrap_or(t.id) } else { t.id };
                    let routing = self.rng.gen_bool(0.5).then(|| self.someone().peer_id());
                    one(self.mostly(self.executor(&t)), settle(t.id, acceptance, routing))
                }
                None => return false,
            },
            14 => match self.pick(&[TaskState::Open, TaskState::Awarded, TaskState::Claimed]) {
                Some(t) => one(self.mostly(self.requester(&t)), cancel(t.id)),
                None => return false,
            },
            15 => match self.pick(&[TaskState::Open, TaskState::Awarded, TaskState::Claimed, TaskState::Submitted]) {
                Some(t) => one(self.someone(), expire(t.id)),
                None => return false,
            },
            16 => {
                let (from, to) = (self.someone(), self.someone());
                let amount = self.economy.ledger().balance(&from.peer_id()) + 5;
                one(from, transfer(to.peer_id(), self.rng.gen_range(1..=amount)))
            }
            17 => {
                let who = self.someone();
                if self.rng.gen_bool(0.5) {
                    one(who, heartbeat(now))
                } else {
                    one(who, Event::DataAccessClaim(DataAccessClaim { dataset: "filings".into(), note: String::new() }))
                }
            }
            18 => {
                self.c.now += self.rng.gen_range(5_000..60_000);
                return true;
            }
            19 if self.rng.gen_bool(0.3) => {
                self.late();
                return true;
            }
            _ if self.rng.gen_bool(0.2) => {
                one(self.someone(), Event::Genesis(Genesis::with_defaults("rival", identity(3).peer_id())))
            }
            _ => self.vote(),
        };
        let acted = !events.is_empty();
        self.batch(events);
        acted
    }

    fn requester(&self, t: &Task) -> Identity {
        self.identity_of(t.requester)
    }

    fn executor(&self, t: &Task) -> Identity {
        t.executor.map_or_else(|| identity(2), |e| self.identity_of(e))
    }

    fn identity_of(&self, peer: amorph_core::identity::PeerId) -> Identity {
        (1..=9).map(identity).find(|i| i.peer_id() == peer).unwrap_or_else(|| identity(2))
    }

    fn post(&mut self, now: u64) -> Vec<(Identity, Event)> {
        let mut terms = terms("analysis", self.rng.gen_range(0..=120));
        terms.deadline_ms = now + self.rng.gen_range(20_000..200_000);
        terms.verification = match self.rng.gen_range(0..10) {
            0 | 1 => {
                Verification::Automatic { expected_hash: ResultSubmitted::new(EventId([0; 32]), "ok").result_hash }
            }
            2 | 3 => Verification::Jury,
            _ => Verification::Requester,
        };
        terms.delegation.allowed = self.rng.gen_bool(0.5);
        terms.delegation.max_depth = self.rng.gen_range(0..=2);
        let mut author = self.someone();
        if self.rng.gen_bool(0.3) {
            if let Some(parent) = self.pick(&[TaskState::Claimed]) {
                terms.parent = Some(parent.id);
                author = self.mostly(self.executor(&parent));
            }
        }
        vec![(author, posted(terms))]
    }

    /// One claim, or two racing claims on the same task.
    fn claim(&mut self) -> Vec<(Identity, Event)> {
        let Some(t) = self.pick(&[TaskState::Open, TaskState::Awarded]) else { return Vec::new() };
        let min = (t.price * u64::from(self.c.rules().stake_ratio_bps)).div_ceil(10_000);
        let claimants = if self.rng.gen_bool(0.3) { 2 } else { 1 };
        (0..claimants)
            .map(|_| {
                let who = match (t.award, self.rng.gen_bool(0.7)) {
                    (Some((_, bidder)), true) => self.identity_of(bidder),
                    _ => self.someone(),
                };
                let stake = match self.rng.gen_range(0..10) {
                    0 => min.saturating_sub(1),
                    1 => min + self.rng.gen_range(0..20),
                    _ => min,
                };
                (who, staked(t.id, stake))
            })
            .collect()
    }

    /// Signs one event by `who` now, folds and records it; returns its id.
    fn record(&mut self, who: &Identity, event: Event) -> EventId {
        let event = self.c.sign_at(who, self.c.now, event);
        let id = event.id;
        self.economy.apply(&event).expect("generated in fold order");
        self.c.events.push(event);
        self.c.now += 1;
        id
    }

    /// A whole happy path between two people, so that some earn the standing to sit on juries.
    fn complete(&mut self) {
        let (requester, worker) = (self.someone(), self.someone());
        let task = self.record(&requester, posted(terms("review", 10)));
        self.record(&worker, staked(task, 1));
        let submission = self.record(&worker, submit(task, "ok"));
        let acceptance = self.record(&requester, accept(task, submission));
        self.record(&worker, settle(task, acceptance, None));
    }

    /// A decision, receipt or vote on a task that may have timed out since (then refused, counted).
    fn late(&mut self) {
        let states = [TaskState::Accepted, TaskState::Settled, TaskState::Void, TaskState::Failed];
        let Some(t) = self.pick_where(&states, |t| t.submission.is_some()) else { return };
        let submission = t.submission.as_ref().map_or(t.id, |s| s.id);
        let (who, event) = match (self.rng.gen_range(0..3), &t.jury) {
            (0, Some(jury)) => match jury.jurors.choose(&mut self.rng) {
                Some(&juror) => (self.identity_of(juror), vote(t.id, jury.case, self.rng.gen_bool(0.5))),
                None => return,
            },
            (1, _) => (self.executor(&t), settle(t.id, t.acceptance.unwrap_or(submission), None)),
            _ if self.rng.gen_bool(0.5) => (self.requester(&t), accept(t.id, submission)),
            _ => (self.requester(&t), reject(t.id, submission)),
        };
        self.record(&who, event);
    }

    /// A vote by a drawn juror most of the time, else by anyone.
    fn vote(&mut self) -> Vec<(Identity, Event)> {
        let Some(t) = self.pick(&[TaskState::Judging]) else { return Vec::new() };
        let Some(jury) = t.jury.as_ref() else { return Vec::new() };
        let voter = match jury.jurors.choose(&mut self.rng) {
            Some(&juror) if self.rng.gen_bool(0.8) => self.identity_of(juror),
            _ => self.someone(),
        };
        vec![(voter, vote(t.id, jury.case, self.rng.gen_bool(0.6)))]
    }
}

/// A history of about `steps` steps, opened by grants (one before the genesis) and 1 to 4 completed tasks.
fn history(seed: u64, steps: usize) -> Generator {
    let mut g = Generator::new(seed);
    let early = g.c.sign_at(&identity(ISSUER), T0 - 1, grant(identity(2).peer_id(), 1_000));
    g.economy.apply(&early).expect("first in fold order");
    g.c.events.push(early);
    let grants: Vec<(Identity, Event)> =
        g.people.clone().into_iter().map(|p| (identity(ISSUER), grant(p.peer_id(), 300))).collect();
    g.batch(grants);
    // Few completions, few with the standing to sit on juries: early cases may draw too few jurors.
    for _ in 0..g.rng.gen_range(1..=4) {
        g.complete();
    }
    let mut acted = 0;
    while acted < steps {
        acted += usize::from(g.step());
    }
    g
}

/// What one peer receives: every event, some twice, shuffled, a tenth of them held back to the end.
fn delivery(events: &[SignedEvent], genesis: &SignedEvent, seed: u64) -> Vec<SignedEvent> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut delivered: Vec<SignedEvent> = events.to_vec();
    delivered.extend(events.iter().filter(|_| rng.gen_bool(0.15)).cloned());
    delivered.push(genesis.clone());
    delivered.shuffle(&mut rng);
    let (mut on_time, late): (Vec<_>, Vec<_>) = delivered.into_iter().partition(|_| rng.gen_bool(0.9));
    on_time.extend(late);
    on_time
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_peer_derives_identical_views_and_the_books_always_balance(seed in any::<u64>(), order in any::<u64>()) {
        let g = history(seed, 200);
        let reference = g.economy.views();
        g.economy.audit().map_err(TestCaseError::fail)?;
        for peer in 0..3u64 {
            let received = delivery(&g.c.events, &g.c.genesis, order.wrapping_add(peer));
            let views = Economy::derive_checked(&g.c.genesis, &received).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(views.encode(), reference.encode(), "peer {} differs from the incremental fold", peer);
        }
        let mut grants: BTreeMap<EventId, u64> = BTreeMap::new();
        for event in &g.c.events {
            if let Event::Grant(grant) = &event.event {
                if event.author() == identity(ISSUER).peer_id() && event.timestamp_ms() >= T0 {
                    grants.insert(event.id, grant.amount);
                }
            }
        }
        let totals = reference.totals;
        prop_assert_eq!(totals.issued, grants.values().sum::<u64>());
        prop_assert_eq!(u128::from(totals.balances) + u128::from(totals.escrow) + u128::from(totals.stakes), u128::from(totals.issued));
        // A peer that has only part of the set (the first half of what it received) still balances.
        let partial = delivery(&g.c.events, &g.c.genesis, order);
        Economy::derive_checked(&g.c.genesis, &partial[..partial.len() / 2]).map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Compaction: the checkpoint after any event, restored and folded on with the rest, gives the
    /// same bytes as folding everything; a second checkpoint taken from the restored economy too,
    /// and the checkpoint's own bytes round-trip and are the same whichever way it was reached.
    #[test]
    fn a_checkpoint_at_any_horizon_then_the_rest_equals_the_full_fold(
        seed in any::<u64>(), cut in any::<prop::sample::Index>(), second in any::<prop::sample::Index>()
    ) {
        let g = history(seed, 200);
        let reference = Economy::derive(&g.c.genesis, &g.c.events).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut ordered: Vec<&SignedEvent> = g.c.events.iter().collect();
        ordered.sort_by_key(|e| (e.timestamp_ms(), e.id));
        ordered.dedup_by_key(|e| e.id);
        let at = cut.index(ordered.len() + 1);
        let head = Economy::fold(&g.c.genesis, ordered[..at].iter().copied(), false).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let checkpoint = head.checkpoint();
        let bytes = checkpoint.encode();
        let decoded = Checkpoint::decode(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&decoded, &checkpoint);
        // The rest in any order, with the covered events among them again: they are skipped.
        let rest = delivery(&g.c.events, &g.c.genesis, seed);
        let resumed = Economy::fold_from(&g.c.genesis, Some(&decoded), &rest, true).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(resumed.views().encode(), reference.encode(), "checkpoint after {} of {} events", at, ordered.len());
        // A later checkpoint from the restored economy equals one from the full fold at that point.
        let later = at + second.index(ordered.len() + 1 - at);
        let chained = Economy::fold_from(&g.c.genesis, Some(&decoded), ordered[at..later].iter().copied(), false)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let direct = Economy::fold(&g.c.genesis, ordered[..later].iter().copied(), false).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (chained, direct) = (chained.checkpoint(), direct.checkpoint());
        prop_assert_eq!(chained.id(), direct.id(), "chained checkpoint after {} then {}", at, later);
    }
}

/// The generator reaches every state, jury verdicts and every timeout, so the property exercises every rule.
#[test]
fn generated_histories_reach_every_state() {
    let mut seen: BTreeMap<&'static str, usize> = BTreeMap::new();
    let (mut refusals, mut verdicts, mut subtasks, mut awards) = (0u32, 0usize, 0usize, 0usize);
    for seed in 0..8 {
        let views = history(seed, 160).economy.views();
        for task in &views.board {
            *seen.entry(task.state.as_str()).or_default() += 1;
            verdicts += usize::from(task.jury.as_ref().is_some_and(|j| j.verdict.is_some()));
            subtasks += usize::from(task.depth > 0);
            awards += usize::from(task.award.is_some());
            timed_out(task).for_each(|timeout| *seen.entry(timeout).or_default() += 1);
        }
        refusals += views.ignored.values().map(|i| i.count).sum::<u32>();
        let window = |i: &&Ignored| i.last_reason.contains("window closed") && !i.last_reason.contains("dispute");
        let late = views.ignored.values().filter(window).count();
        *seen.entry("late refused").or_default() += late;
    }
    let ends = ["settled", "failed", "void", "cancelled", "expired"];
    let timeouts = ["silent accept", "silent settle", "jury too small", "no majority", "late refused"];
    for key in ["open", "claimed", "submitted", "accepted", "judging"].into_iter().chain(ends).chain(timeouts) {
        assert!(seen.get(key).is_some_and(|&n| n > 0), "no task {key}: {seen:?}");
    }
    let counts = [refusals as usize, verdicts, subtasks, awards];
    assert!(counts.iter().all(|&n| n > 0), "refusals, verdicts, subtasks, awards: {counts:?}");
}

/// The timeouts `task` went through: silence of the requester and of the executor, void cases.
fn timed_out(task: &Task) -> impl Iterator<Item = &'static str> {
    let a_window_after = |since: Option<u64>, then: Option<u64>| since.is_some_and(|at| then == Some(at + DECISION_MS));
    let void = task.jury.as_ref().filter(|_| task.state == TaskState::Void);
    [
        ("silent accept", a_window_after(task.submission.as_ref().map(|s| s.at_ms), task.accepted_ms)),
        ("silent settle", task.state == TaskState::Settled && a_window_after(task.accepted_ms, task.closed_ms)),
        ("jury too small", void.is_some_and(|jury| !jury.can_decide())),
        ("no majority", void.is_some_and(Jury::can_decide)),
    ]
    .into_iter()
    .filter_map(|(timeout, happened)| happened.then_some(timeout))
}

/// `g`'s history with a few issuer `Compacted` events among it (at the timestamps of random events,
/// each with a random horizon between the genesis and its own timestamp): they archive tasks in the
/// fold, so later events of the history that name an archived task wait instead.
fn with_compactions(g: &Generator, seed: u64) -> Vec<SignedEvent> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut events = g.c.events.clone();
    for _ in 0..rng.gen_range(1..=4) {
        let at = events.choose(&mut rng).map_or(T0, SignedEvent::timestamp_ms).max(T0);
        let horizon_ms = rng.gen_range(T0..=at);
        let body = amorph_core::events::Compacted { horizon_ms, checkpoint: [rng.gen(); 32] };
        events.push(g.c.sign_at(&identity(ISSUER), at, Event::Compacted(body)));
    }
    events
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Archiving: with issuers' `Compacted` events in the history, the checkpoint after any event,
    /// restored and folded on with the rest (in any order, covered events again), gives the same
    /// bytes as folding everything (audited after every event); chained checkpoints equal direct
    /// ones; and no archived task is on the board or in a later checkpoint's market.
    #[test]
    fn with_archiving_a_checkpoint_at_any_horizon_then_the_rest_equals_the_full_fold(
        seed in any::<u64>(), cut in any::<prop::sample::Index>(), second in any::<prop::sample::Index>()
    ) {
        let g = history(seed, 200);
        let events = with_compactions(&g, seed);
        let full = Economy::fold(&g.c.genesis, &events, true).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let reference = full.views();
        let without = Economy::derive(&g.c.genesis, &g.c.events).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(reference.board.len() as u64 + reference.archived_tasks, without.board.len() as u64);
        for task in &without.board {
            let on_board = reference.task(&task.id).is_some();
            prop_assert_eq!(on_board, full.market().task(&task.id).is_some());
        }
        let mut ordered: Vec<&SignedEvent> = events.iter().collect();
        ordered.sort_by_key(|e| (e.timestamp_ms(), e.id));
        ordered.dedup_by_key(|e| e.id);
        let at = cut.index(ordered.len() + 1);
        let head = Economy::fold(&g.c.genesis, ordered[..at].iter().copied(), false).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let checkpoint = Checkpoint::decode(&head.checkpoint().encode()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let rest = delivery(&events, &g.c.genesis, seed);
        let resumed = Economy::fold_from(&g.c.genesis, Some(&checkpoint), &rest, true).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(resumed.views().encode(), reference.encode(), "checkpoint after {} of {} events", at, ordered.len());
        let later = at + second.index(ordered.len() + 1 - at);
        let chained = Economy::fold_from(&g.c.genesis, Some(&checkpoint), ordered[at..later].iter().copied(), false)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let direct = Economy::fold(&g.c.genesis, ordered[..later].iter().copied(), false).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(chained.checkpoint().id(), direct.checkpoint().id(), "chained checkpoint after {} then {}", at, later);
        prop_assert_eq!(chained.views().encode(), direct.views().encode());
    }
}
