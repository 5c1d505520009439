//! Scenario: the timeouts that free a task's escrow and stake when someone stays silent — a
//! submission the requester never decides (accepted), an acceptance the executor never co-signs
//! (settled anyway), and jury cases that cannot or do not reach a majority (void) — with exact
//! balances and states, both sides of each window's last instant, and late events refused.

mod support;

use amorph_core::economy::EconomyViews;
use amorph_core::events::{Event, EventError, Genesis, ResultSubmitted, SignedEvent, Verification};
use amorph_core::identity::Identity;
use amorph_core::ledger::EntryKind;
use amorph_core::market::{Task, TaskState};
use amorph_core::wire::EventId;
use support::*;

/// Sends only heartbeats: its events move the fold's clock and nothing else anyone looks at.
const BYSTANDER: u8 = 40;

fn task(views: &EconomyViews, id: EventId) -> &Task {
    views.task(&id).expect("the task is on the board")
}

/// Moves the fold's clock to `at` with a bystander's heartbeat.
fn tick(c: &mut Chronicle, at: u64) {
    c.at(&identity(BYSTANDER), at, heartbeat(at));
}

/// The views with the clock moved to `at`, without and with `late` by `who` at `at`; asserts that
/// `late` is refused for `reason`, counted against `who`, and changes nothing else.
fn refused_late(c: &Chronicle, at: u64, who: &Identity, late: Event, reason: &str) -> EconomyViews {
    let mut c = Chronicle { genesis: c.genesis.clone(), events: c.events.clone(), now: c.now };
    tick(&mut c, at);
    let before = c.views();
    c.at(who, at, late);
    let after = c.views();
    let ignored = &after.ignored[&who.peer_id()];
    assert!(ignored.last_reason.contains(reason), "{reason}: {}", ignored.last_reason);
    assert_eq!(ignored.count, before.ignored_count(&who.peer_id()) + 1, "a late event is counted");
    let mut unchanged = after.clone();
    unchanged.ignored = before.ignored.clone();
    assert_eq!(unchanged, before, "a late event changes nothing");
    after
}

/// Requester 2 (funded 100) posts a task paying 100 under `verification`; worker 3 (funded 10)
/// claims it with a stake of 10 and submits "42". Returns the chronicle, the task and the submission.
fn submitted(verification: Verification) -> (Chronicle, EventId, EventId) {
    let mut c = Chronicle::default();
    c.fund(&identity(2), 100);
    c.fund(&identity(3), 10);
    let task = c.next(&identity(2), posted(verified(terms("math", 100), verification)));
    c.next(&identity(3), staked(task, 10));
    let submission = c.next(&identity(3), submit(task, "42"));
    (c, task, submission)
}

/// Balances of the requester (2), the executor (3) and the treasury, and the escrow and stakes held.
fn money(views: &EconomyViews) -> [u64; 5] {
    let balance = |n: u8| views.balance(&identity(n).peer_id());
    [balance(2), balance(3), balance(ISSUER), views.totals.escrow, views.totals.stakes]
}

#[test]
fn the_windows_default_to_three_days_and_must_be_positive() {
    let rules = Genesis::with_defaults("s", identity(ISSUER).peer_id());
    assert_eq!((rules.decision_window_ms, rules.jury_window_ms), (3 * DAY_MS, 3 * DAY_MS));
    let zero_decision: fn(&mut Genesis) = |rules| rules.decision_window_ms = 0;
    let zero_jury: fn(&mut Genesis) = |rules| rules.jury_window_ms = 0;
    for (expected, edit) in [("decision_window", zero_decision), ("jury_window", zero_jury)] {
        let mut broken = rules.clone();
        edit(&mut broken);
        let created = SignedEvent::create(&identity(ISSUER), EventId::NONE, 1, T0, Event::Genesis(broken));
        assert!(matches!(&created, Err(EventError::BadField { field, .. }) if *field == expected), "{created:?}");
    }
}

#[test]
fn a_submission_never_decided_is_accepted_when_the_decision_window_closes() {
    let (mut c, id, submission) = submitted(Verification::Requester);
    let (submitted_ms, window) = (c.now, c.rules().decision_window_ms);
    tick(&mut c, submitted_ms + window);
    let views = c.views();
    assert_eq!(task(&views, id).state, TaskState::Submitted, "still open at the window's last instant");
    assert_eq!(money(&views), [0, 0, 0, 100, 10]);

    tick(&mut c, submitted_ms + window + 1);
    let views = c.views();
    let accepted = task(&views, id);
    assert_eq!(accepted.state, TaskState::Accepted);
    assert_eq!((accepted.acceptance, accepted.accepted_ms), (Some(submission), Some(submitted_ms + window)));
    assert_eq!(money(&views), [0, 0, 0, 100, 10], "nothing is paid before the executor's receipt");
    assert_eq!(views.karma[&identity(3).peer_id()].total_tasks, 0);

    // The executor's receipt names the submission, as under automatic verification.
    let router = identity(4);
    c.next(&identity(3), settle(id, submission, Some(router.peer_id())));
    let views = c.views();
    assert_eq!(task(&views, id).state, TaskState::Settled);
    assert_eq!(money(&views), [0, 75 + 10, 10, 0, 0]);
    assert_eq!(views.balance(&router.peer_id()), 15);
    assert_eq!(views.karma[&identity(3).peer_id()].accuracy["math"], 100_000);
}

#[test]
fn the_requester_decides_up_to_the_windows_last_instant_and_not_after() {
    for accepting in [true, false] {
        let (mut c, id, submission) = submitted(Verification::Requester);
        let closes_ms = c.now + c.rules().decision_window_ms;
        let decision = if accepting { accept(id, submission) } else { reject(id, submission) };
        let late = refused_late(&c, closes_ms + 1, &identity(2), decision.clone(), "decision window closed");
        assert_eq!(task(&late, id).acceptance, Some(submission), "silence accepted it, not the late event");
        assert_eq!(task(&late, id).rejection, None);

        let on_time = c.at(&identity(2), closes_ms, decision);
        tick(&mut c, closes_ms + 1);
        let views = c.views();
        let decided = task(&views, id);
        match accepting {
            true => assert_eq!((decided.state, decided.acceptance), (TaskState::Accepted, Some(on_time))),
            false => assert_eq!(
                (decided.state, decided.rejection.as_ref().map(|r| r.id)),
                (TaskState::Rejected, Some(on_time))
            ),
        }
        assert!(views.ignored.is_empty(), "{:?}", views.ignored);
    }
}

#[test]
fn an_acceptance_never_settled_settles_by_itself_when_the_window_closes() {
    let (mut c, id, submission) = submitted(Verification::Requester);
    let acceptance = c.next(&identity(2), accept(id, submission));
    let (accepted_ms, window) = (c.now, c.rules().decision_window_ms);
    tick(&mut c, accepted_ms + window);
    assert_eq!(task(&c.views(), id).state, TaskState::Accepted, "still waiting at the window's last instant");

    tick(&mut c, accepted_ms + window + 1);
    let views = c.views();
    let settled = task(&views, id);
    assert_eq!((settled.state, settled.closed_ms), (TaskState::Settled, Some(accepted_ms + window)));
    assert_eq!(settled.acceptance, Some(acceptance));
    // 100: 75 to the executor, the routing 15 to the executor too, 10 to the treasury; stake back.
    assert_eq!(money(&views), [0, 75 + 15 + 10, 10, 0, 0]);
    let history: Vec<(EntryKind, i128, u64)> =
        views.wallet(&identity(3).peer_id()).history.iter().map(|e| (e.kind, e.amount, e.at_ms)).skip(2).collect();
    let at = accepted_ms + window;
    assert_eq!(
        history,
        vec![(EntryKind::Payout, 75, at), (EntryKind::RoutingFee, 15, at), (EntryKind::StakeReturned, 10, at)]
    );
    let karma = &views.karma[&identity(3).peer_id()];
    assert_eq!((karma.accuracy["math"], karma.total_tasks, karma.total_earnings), (100_000, 1, 90));
}

#[test]
fn the_executor_settles_up_to_the_windows_last_instant_and_not_after() {
    let (mut c, id, submission) = submitted(Verification::Requester);
    let acceptance = c.next(&identity(2), accept(id, submission));
    let closes_ms = c.now + c.rules().decision_window_ms;
    let router = identity(4);
    let receipt = settle(id, acceptance, Some(router.peer_id()));
    let late = refused_late(&c, closes_ms + 1, &identity(3), receipt.clone(), "settlement window closed");
    assert_eq!(money(&late), [0, 100, 10, 0, 0]);
    assert_eq!(late.balance(&router.peer_id()), 0, "the late receipt's router gets nothing");

    c.at(&identity(3), closes_ms, receipt);
    tick(&mut c, closes_ms + 1);
    let views = c.views();
    assert_eq!(task(&views, id).closed_ms, Some(closes_ms));
    assert_eq!(money(&views), [0, 75 + 10, 10, 0, 0]);
    assert_eq!(views.balance(&router.peer_id()), 15);
}

#[test]
fn silence_on_both_sides_settles_two_windows_after_the_submission() {
    let (mut c, id, submission) = submitted(Verification::Requester);
    let (submitted_ms, window) = (c.now, c.rules().decision_window_ms);
    tick(&mut c, submitted_ms + 2 * window + 1);
    let views = c.views();
    let settled = task(&views, id);
    assert_eq!((settled.state, settled.acceptance), (TaskState::Settled, Some(submission)));
    assert_eq!(
        (settled.accepted_ms, settled.closed_ms),
        (Some(submitted_ms + window), Some(submitted_ms + 2 * window))
    );
    assert_eq!(money(&views), [0, 100, 10, 0, 0]);
    refused_late(&c, c.now, &identity(2), reject(id, submission), "decision window closed");
    refused_late(&c, c.now, &identity(3), settle(id, submission, None), "settlement window closed");
}

#[test]
fn an_automatic_acceptance_never_settled_settles_by_itself() {
    let expected_hash = ResultSubmitted::new(EventId([0; 32]), "42").result_hash;
    let (mut c, id, submission) = submitted(Verification::Automatic { expected_hash });
    let (submitted_ms, window) = (c.now, c.rules().decision_window_ms);
    assert_eq!(task(&c.views(), id).accepted_ms, Some(submitted_ms));
    tick(&mut c, submitted_ms + window + 1);
    let views = c.views();
    assert_eq!((task(&views, id).state, task(&views, id).closed_ms), (TaskState::Settled, Some(submitted_ms + window)));
    assert_eq!(money(&views), [0, 100, 10, 0, 0]);
    refused_late(&c, c.now, &identity(3), settle(id, submission, None), "settlement window closed");
}

// ---- Jury cases ----

/// Identities `jurors` each complete one task for a patron (20), which gives them the standing to
/// sit on juries; then `submitted` with a payment of 130 and a stake of 13.
fn judged(verification: Verification, jurors: &[u8]) -> (Chronicle, EventId, EventId) {
    let mut c = Chronicle::default();
    let patron = identity(20);
    c.fund(&patron, 1_000);
    for &n in jurors {
        c.fund(&identity(n), 1);
        c.complete(&patron, &identity(n), terms("review", 10));
    }
    c.fund(&identity(2), 130);
    c.fund(&identity(3), 13);
    let task = c.next(&identity(2), posted(verified(terms("audit", 130), verification)));
    c.next(&identity(3), staked(task, 13));
    let submission = c.next(&identity(3), submit(task, "the books balance"));
    (c, task, submission)
}

/// The executor's karma never moved: no decided task, no accuracy in the task's domain.
fn untouched_executor(views: &EconomyViews) {
    let karma = &views.karma[&identity(3).peer_id()];
    assert_eq!((karma.total_tasks, karma.accuracy.get("audit"), karma.total_earnings), (0, None, 0));
}

#[test]
fn a_jury_verified_task_with_no_eligible_juror_is_void_at_once() {
    let (c, id, submission) = judged(Verification::Jury, &[]);
    let views = c.views();
    let void = task(&views, id);
    assert_eq!((void.state, void.closed_ms), (TaskState::Void, Some(c.now)));
    let jury = void.jury.as_ref().expect("the case opened");
    assert_eq!((jury.case, jury.jurors.len(), jury.needed, jury.verdict), (submission, 0, 2, None));
    assert_eq!(money(&views), [130, 13, 0, 0, 0], "escrow and stake back, nothing to the treasury");
    untouched_executor(&views);
}

#[test]
fn a_dispute_drawing_fewer_jurors_than_a_majority_is_void_and_its_juror_cannot_vote() {
    let (mut c, id, submission) = judged(Verification::Requester, &[10]);
    let treasury_before = c.views().balance(&identity(ISSUER).peer_id());
    c.next(&identity(2), reject(id, submission));
    let case = c.next(&identity(3), dispute(id, submission));
    let views = c.views();
    let jury = task(&views, id).jury.clone().expect("the case opened");
    assert_eq!((jury.case, jury.jurors, jury.needed), (case, vec![identity(10).peer_id()], 2));
    assert_eq!(task(&views, id).state, TaskState::Void);
    assert_eq!(money(&views), [130, 13, treasury_before, 0, 0]);
    untouched_executor(&views);

    let late = refused_late(&c, c.now + 1, &identity(10), vote(id, case, true), "a verdict needs 2");
    assert_eq!(late.karma[&identity(10).peer_id()].jury_ppm, 0);
}

/// The six-juror swarm with a rejection disputed: the case, when it opened, and the drawn jurors.
fn disputed_before_six() -> (Chronicle, EventId, EventId, u64, Vec<Identity>) {
    let (mut c, id, submission) = judged(Verification::Requester, &[10, 11, 12, 13, 14, 15]);
    c.next(&identity(2), reject(id, submission));
    let case = c.next(&identity(3), dispute(id, submission));
    let jury = task(&c.views(), id).jury.clone().expect("the case opened");
    let jurors: Vec<Identity> = (10..=15).map(identity).filter(|j| jury.jurors.contains(&j.peer_id())).collect();
    assert_eq!((jurors.len(), jury.needed), (3, 2));
    (c, id, case, jury.opened_ms, jurors)
}

#[test]
fn a_jury_without_a_majority_when_its_window_closes_is_void() {
    let (mut c, id, case, opened_ms, j) = disputed_before_six();
    let closes_ms = opened_ms + c.rules().jury_window_ms;
    c.next(&j[0], vote(id, case, true));
    c.next(&j[1], vote(id, case, false));
    let before = c.views();
    tick(&mut c, closes_ms);
    assert_eq!(task(&c.views(), id).state, TaskState::Judging, "still open at the window's last instant");

    tick(&mut c, closes_ms + 1);
    let views = c.views();
    let void = task(&views, id);
    assert_eq!((void.state, void.closed_ms), (TaskState::Void, Some(closes_ms)));
    assert_eq!(void.jury.as_ref().map(|j| (j.votes.len(), j.verdict)), Some((2, None)));
    assert_eq!(money(&views)[..2], [130, 13], "escrow back to the requester, stake back to the executor");
    assert_eq!((views.totals.escrow, views.totals.stakes), (0, 0));
    for juror in &j {
        let who = juror.peer_id();
        assert_eq!(views.balance(&who), before.balance(&who), "no jury fee");
        assert_eq!(views.karma[&who].jury_ppm, 0, "votes on a void case are no jury agreement");
    }
    assert_eq!(views.balance(&identity(ISSUER).peer_id()), before.balance(&identity(ISSUER).peer_id()));
    untouched_executor(&views);
    refused_late(&c, c.now, &j[2], vote(id, case, false), "jury window closed");
}

#[test]
fn a_vote_at_the_jury_windows_last_instant_still_decides() {
    let (mut c, id, case, opened_ms, j) = disputed_before_six();
    let closes_ms = opened_ms + c.rules().jury_window_ms;
    c.next(&j[0], vote(id, case, true));
    c.next(&j[1], vote(id, case, false));
    refused_late(&c, closes_ms + 1, &j[2], vote(id, case, false), "jury window closed");

    c.at(&j[2], closes_ms, vote(id, case, false));
    tick(&mut c, closes_ms + 1);
    let views = c.views();
    let failed = task(&views, id);
    assert_eq!((failed.state, failed.closed_ms), (TaskState::Failed, Some(closes_ms)));
    assert_eq!(money(&views)[..2], [98 + 19, 0], "the verdict's refund, the stake forfeited");
    assert_eq!(views.karma[&j[2].peer_id()].jury_ppm, 100_000);
}
