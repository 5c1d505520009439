//! Scenario: jury cases with exact fees — a dispute the executor wins, one it loses, a jury-verified
//! task — and the votes a case refuses (non-jurors, second votes, late votes).

mod support;

use amorph_core::economy::EconomyViews;
use amorph_core::events::Verification;
use amorph_core::identity::{Identity, PeerId};
use amorph_core::market::TaskState;
use amorph_core::wire::EventId;
use support::*;

/// A swarm where identities 10..=15 each completed one task for a patron (20), so they have the
/// standing to sit on juries; then requester 2 posts a task paying 130 that worker 3 claims with a
/// stake of 13 and submits. Returns the chronicle, the task and the submission.
fn swarm_with_jurors(verification: Verification) -> (Chronicle, EventId, EventId) {
    let mut c = Chronicle::default();
    let patron = identity(20);
    c.fund(&patron, 1_000);
    for n in 10..=15 {
        c.fund(&identity(n), 1);
        c.complete(&patron, &identity(n), terms("review", 10));
    }
    let (requester, worker) = (identity(2), identity(3));
    c.fund(&requester, 130);
    c.fund(&worker, 13);
    let task = c.next(&requester, posted(verified(terms("audit", 130), verification)));
    c.next(&worker, staked(task, 13));
    let submission = c.next(&worker, submit(task, "the books balance"));
    (c, task, submission)
}

/// Rejects and disputes; returns the case and its drawn jurors.
fn disputed(c: &mut Chronicle, task: EventId, submission: EventId) -> (EventId, Vec<Identity>) {
    c.next(&identity(2), reject(task, submission));
    let case = c.next(&identity(3), dispute(task, submission));
    let jury = c.views().task(&task).and_then(|t| t.jury.clone()).expect("a jury case is open");
    assert_eq!(jury.case, case);
    (case, jurors(&jury.jurors))
}

fn jurors(drawn: &[PeerId]) -> Vec<Identity> {
    assert_eq!(drawn.len(), 3, "the genesis's jury size");
    let seated: Vec<Identity> = (10..=15).map(identity).filter(|j| drawn.contains(&j.peer_id())).collect();
    assert_eq!(seated.len(), 3, "jurors come from those with standing, never the parties");
    seated
}

fn balances(views: &EconomyViews, who: &[&Identity]) -> Vec<u64> {
    who.iter().map(|w| views.balance(&w.peer_id())).collect()
}

#[test]
fn a_dispute_won_by_the_executor_pays_it_and_the_majority_jurors() {
    let (mut c, task, submission) = swarm_with_jurors(Verification::Requester);
    let (case, j) = disputed(&mut c, task, submission);
    let treasury = identity(ISSUER);
    let before = c.views();
    assert_eq!(before.task(&task).map(|t| t.state), Some(TaskState::Judging));
    c.next(&j[0], vote(task, case, true));
    c.next(&j[1], vote(task, case, true));
    let after = c.views();
    assert_eq!(after.task(&task).map(|t| t.state), Some(TaskState::Settled));
    // 130: executor 97.5 → 97 plus the rounding unit, routing 19.5 → 19, protocol 13.
    assert_eq!(after.balance(&identity(3).peer_id()), 98 + 19 + 13, "both shares and the stake back");
    let delta = |who: &Identity| after.balance(&who.peer_id()) - before.balance(&who.peer_id());
    assert_eq!((delta(&j[0]), delta(&j[1]), delta(&j[2])), (6, 6, 0), "13 split between the two majority jurors");
    assert_eq!(delta(&treasury), 1, "the remainder of the jury fee");
    assert_eq!(after.balance(&identity(2).peer_id()), 0);
    assert_eq!(after.karma[&j[0].peer_id()].jury_ppm, 100_000);
    assert_eq!(after.karma[&identity(3).peer_id()].accuracy["audit"], 100_000);

    // The third juror's vote after the verdict is refused; within the clock tolerance it is a race.
    c.next(&j[2], vote(task, case, false));
    let late = c.views();
    assert_eq!(balances(&late, &[&j[2], &treasury]), balances(&after, &[&j[2], &treasury]));
    assert_eq!(late.ignored_count(&j[2].peer_id()), 0);
    assert_eq!(late.karma[&j[2].peer_id()].jury_ppm, 0);
}

#[test]
fn a_dispute_lost_by_the_executor_refunds_the_requester_less_the_jury_fee() {
    let (mut c, task, submission) = swarm_with_jurors(Verification::Requester);
    let (case, j) = disputed(&mut c, task, submission);
    let treasury = identity(ISSUER);
    let before = c.views();
    c.next(&j[0], vote(task, case, true));
    c.next(&j[1], vote(task, case, false));
    assert_eq!(c.views().task(&task).map(|t| t.state), Some(TaskState::Judging), "1–1 is no majority");
    c.next(&j[2], vote(task, case, false));
    let after = c.views();
    assert_eq!(after.task(&task).and_then(|t| t.jury.as_ref()).and_then(|j| j.verdict), Some(false));
    assert_eq!(after.task(&task).map(|t| t.state), Some(TaskState::Failed));
    assert_eq!(after.balance(&identity(2).peer_id()), 98 + 19, "the payment less the protocol share");
    assert_eq!(after.balance(&identity(3).peer_id()), 0, "the stake is forfeited");
    let delta = |who: &Identity| after.balance(&who.peer_id()) - before.balance(&who.peer_id());
    assert_eq!((delta(&j[0]), delta(&j[1]), delta(&j[2])), (0, 6, 6));
    assert_eq!(delta(&treasury), 1 + 13, "the fee's remainder and the forfeited stake");
    let jury_karma: Vec<u32> = j.iter().map(|j| after.karma[&j.peer_id()].jury_ppm).collect();
    assert_eq!(jury_karma, vec![0, 100_000, 100_000]);
    let worker = &after.karma[&identity(3).peer_id()];
    assert_eq!((worker.accuracy["audit"], worker.total_tasks), (0, 1));
    assert_eq!(after.totals.escrow + after.totals.stakes, 0);
}

#[test]
fn a_jury_verified_task_opens_its_case_at_submission() {
    let (mut c, task, submission) = swarm_with_jurors(Verification::Jury);
    let jury = c.views().task(&task).and_then(|t| t.jury.clone()).expect("the submission opened a case");
    assert_eq!(jury.case, submission);
    let j = jurors(&jury.jurors);
    c.next(&identity(2), accept(task, submission));
    c.next(&j[0], vote(task, submission, true));
    c.next(&j[1], vote(task, submission, true));
    let views = c.views();
    assert_eq!(views.task(&task).map(|t| t.state), Some(TaskState::Settled));
    assert_eq!(views.balance(&identity(3).peer_id()), 98 + 19 + 13);
    assert!(views.ignored[&identity(2).peer_id()].last_reason.contains("by a jury"), "{:?}", views.ignored);
}

#[test]
fn non_jurors_second_votes_and_foreign_cases_are_refused_and_counted() {
    let (mut c, task, submission) = swarm_with_jurors(Verification::Requester);
    let (case, j) = disputed(&mut c, task, submission);
    let outsider = (10..=15).map(identity).find(|i| !j.iter().any(|s| s.peer_id() == i.peer_id())).expect("6 > 3");
    c.next(&j[0], vote(task, case, true));
    let before = c.views();
    c.next(&outsider, vote(task, case, true));
    c.next(&identity(3), vote(task, case, true));
    c.next(&j[0], vote(task, case, false));
    c.next(&j[1], vote(task, task, true));
    let after = c.views();
    let mut without_counters = after.clone();
    without_counters.ignored = before.ignored.clone();
    without_counters.as_of_ms = before.as_of_ms;
    without_counters.karma = before.karma.clone();
    assert_eq!(without_counters, before, "refused votes change nothing");
    for (who, reason) in
        [(&outsider, "jurors drawn"), (&identity(3), "jurors drawn"), (&j[0], "already voted"), (&j[1], "jury case")]
    {
        let ignored = &after.ignored[&who.peer_id()];
        assert!(ignored.last_reason.contains(reason), "{}: {}", reason, ignored.last_reason);
    }
}
