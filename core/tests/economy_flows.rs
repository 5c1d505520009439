//! Scenario: the ways a task's money moves, with exact balances — the co-signed happy path, bids
//! and awards, automatic verification, delegation chains, cancel and expiry refunds, and a
//! rejection that stands when its dispute window closes. Jury cases are in `economy_disputes.rs`.

mod support;

use amorph_core::economy::EconomyViews;
use amorph_core::events::{ResultSubmitted, Verification};
use amorph_core::ledger::{EntryKind, Totals};
use amorph_core::market::TaskState;
use amorph_core::wire::EventId;
use support::*;

fn state(views: &EconomyViews, task: EventId) -> TaskState {
    views.task(&task).map(|t| t.state).expect("the task is on the board")
}

#[test]
fn the_happy_path_pays_executor_routing_and_treasury_exactly() {
    let mut c = Chronicle::default();
    let (requester, worker, router) = (identity(2), identity(3), identity(4));
    c.fund(&requester, 1_000);
    c.fund(&worker, 50);
    let task = c.next(&requester, posted(terms("translation", 100)));
    let views = c.views();
    assert_eq!((views.balance(&requester.peer_id()), views.wallet(&requester.peer_id()).escrowed), (900, 100));

    c.next(&worker, staked(task, 10));
    let submission = c.next(&worker, submit(task, "Bonjour"));
    let acceptance = c.next(&requester, accept(task, submission));
    let views = c.views();
    assert_eq!(state(&views, task), TaskState::Accepted);
    assert_eq!((views.balance(&worker.peer_id()), views.wallet(&worker.peer_id()).staked), (40, 10));

    c.next(&worker, settle(task, acceptance, Some(router.peer_id())));
    let views = c.views();
    assert_eq!(state(&views, task), TaskState::Settled);
    assert_eq!(views.balance(&worker.peer_id()), 50 + 75, "75% and the stake back");
    assert_eq!(views.balance(&router.peer_id()), 15);
    assert_eq!(views.balance(&identity(ISSUER).peer_id()), 10, "the treasury's protocol share");
    assert_eq!(views.balance(&requester.peer_id()), 900);
    assert_eq!(views.totals, Totals { issued: 1_050, balances: 1_050, escrow: 0, stakes: 0 });
    let kinds: Vec<(EntryKind, i128)> =
        views.wallet(&worker.peer_id()).history.iter().map(|e| (e.kind, e.amount)).collect();
    assert_eq!(
        kinds,
        vec![
            (EntryKind::Grant, 50),
            (EntryKind::StakeLocked, -10),
            (EntryKind::Payout, 75),
            (EntryKind::StakeReturned, 10)
        ]
    );
    let karma = &views.karma[&worker.peer_id()];
    assert_eq!((karma.accuracy["translation"], karma.total_tasks, karma.total_earnings), (100_000, 1, 75));
    assert!(views.ignored.is_empty(), "{:?}", views.ignored);
}

#[test]
fn without_a_router_the_executor_takes_the_routing_share() {
    let mut c = Chronicle::default();
    let (requester, worker) = (identity(2), identity(3));
    c.fund(&requester, 100);
    c.fund(&worker, 10);
    let task = c.next(&requester, posted(terms("translation", 100)));
    c.next(&worker, staked(task, 10));
    let submission = c.next(&worker, submit(task, "Bonjour"));
    let acceptance = c.next(&requester, accept(task, submission));
    let requester_receipt = c.next(&requester, settle(task, acceptance, None));
    let wrong_acceptance = c.next(&worker, settle(task, submission, None));
    let views = c.views();
    assert_eq!(state(&views, task), TaskState::Accepted, "only the executor's receipt naming the acceptance settles");
    assert_eq!(views.ignored_count(&requester.peer_id()), 1);
    assert_eq!(views.ignored_count(&worker.peer_id()), 1);
    assert!(!views.task(&task).unwrap().timeline.iter().any(|id| [requester_receipt, wrong_acceptance].contains(id)));

    c.next(&worker, settle(task, acceptance, None));
    let views = c.views();
    assert_eq!(views.balance(&worker.peer_id()), 90 + 10);
    assert_eq!(views.balance(&identity(ISSUER).peer_id()), 10);
}

#[test]
fn an_award_returns_the_budget_above_the_bid_and_reserves_the_claim() {
    let mut c = Chronicle::default();
    let (requester, bidder, other) = (identity(2), identity(3), identity(4));
    c.fund(&requester, 100);
    c.fund(&bidder, 20);
    c.fund(&other, 20);
    let task = c.next(&requester, posted(terms("translation", 100)));
    let too_dear = c.next(&other, bid(task, 101));
    let offer = c.next(&bidder, bid(task, 80));
    c.next(&requester, award(task, offer));
    let views = c.views();
    assert_eq!(views.task(&task).unwrap().bids.iter().map(|b| b.id).collect::<Vec<_>>(), vec![offer]);
    assert_ne!(too_dear, offer);
    assert_eq!((views.balance(&requester.peer_id()), views.wallet(&requester.peer_id()).escrowed), (20, 80));

    c.next(&other, staked(task, 8));
    c.next(&bidder, staked(task, 7));
    let views = c.views();
    assert_eq!(state(&views, task), TaskState::Awarded, "only the awarded bidder, with a stake of 10% of 80");
    assert_eq!(views.ignored_count(&other.peer_id()), 1, "a claim crossing the award is not counted");
    c.at(&other, c.now + 10 * 60 * SECOND_MS, staked(task, 8));
    c.next(&bidder, staked(task, 8));
    let submission = c.next(&bidder, submit(task, "done"));
    let acceptance = c.next(&requester, accept(task, submission));
    c.next(&bidder, settle(task, acceptance, None));
    let views = c.views();
    // 80: 60 + 12 to the executor, 8 to the treasury.
    assert_eq!(views.balance(&bidder.peer_id()), 20 + 72);
    assert_eq!(views.balance(&identity(ISSUER).peer_id()), 8);
    assert_eq!(views.ignored_count(&other.peer_id()), 2, "a bid above the budget and a late claim of another's award");
}

#[test]
fn automatic_verification_accepts_the_expected_hash_and_fails_any_other() {
    let expected_hash = ResultSubmitted::new(EventId([0; 32]), "42").result_hash;
    let mut c = Chronicle::default();
    let (requester, worker) = (identity(2), identity(3));
    c.fund(&requester, 200);
    c.fund(&worker, 20);
    let automatic = verified(terms("math", 100), Verification::Automatic { expected_hash });
    let right = c.next(&requester, posted(automatic.clone()));
    let wrong = c.next(&requester, posted(automatic));
    c.next(&worker, staked(right, 10));
    c.next(&worker, staked(wrong, 10));
    let good = c.next(&worker, submit(right, "42"));
    c.next(&worker, submit(wrong, "41"));
    let views = c.views();
    assert_eq!(state(&views, right), TaskState::Accepted);
    assert_eq!(views.task(&right).unwrap().acceptance, Some(good), "the submission is the acceptance");
    assert_eq!(state(&views, wrong), TaskState::Failed);
    assert_eq!(views.balance(&requester.peer_id()), 100, "the wrong result's escrow came back");
    assert_eq!(views.balance(&identity(ISSUER).peer_id()), 10, "its stake went to the treasury");

    c.next(&worker, settle(right, good, None));
    let views = c.views();
    assert_eq!(state(&views, right), TaskState::Settled);
    assert_eq!(views.balance(&worker.peer_id()), 90 + 10);
    let karma = &views.karma[&worker.peer_id()];
    assert_eq!((karma.total_tasks, karma.reliability.completion_ppm), (2, 100_000), "a failure, then a success");
}

#[test]
fn a_subtask_moves_its_delegators_karma_and_the_root_bounds_the_depth() {
    let mut c = Chronicle::default();
    let (requester, executor, sub_worker, outsider) = (identity(2), identity(3), identity(4), identity(5));
    c.fund(&requester, 110);
    c.fund(&executor, 100);
    c.fund(&sub_worker, 100);
    c.fund(&outsider, 100);
    let root = c.next(&requester, posted(delegable(terms("research", 100), 1)));
    let closed = c.next(&requester, posted(terms("research", 10)));
    c.next(&executor, staked(root, 10));
    c.next(&executor, staked(closed, 1));

    let mut part = delegable(terms("research", 40), 5);
    part.parent = Some(root);
    let sub = c.next(&executor, posted(part.clone()));
    let intruder = c.next(&outsider, posted(part.clone()));
    part.parent = Some(closed);
    let undelegable = c.next(&executor, posted(part.clone()));
    c.next(&sub_worker, staked(sub, 4));
    part.parent = Some(sub);
    let too_deep = c.next(&sub_worker, posted(part));
    let submission = c.next(&sub_worker, submit(sub, "findings"));
    let acceptance = c.next(&executor, accept(sub, submission));
    c.next(&sub_worker, settle(sub, acceptance, None));

    let views = c.views();
    for refused in [intruder, undelegable, too_deep] {
        assert!(views.task(&refused).is_none());
    }
    assert_eq!(views.ignored_count(&outsider.peer_id()), 1);
    assert_eq!(views.ignored_count(&executor.peer_id()), 1);
    assert!(views.ignored[&sub_worker.peer_id()].last_reason.contains("depth 2"), "{:?}", views.ignored);
    let sub_view = views.task(&sub).unwrap();
    assert_eq!((sub_view.depth, sub_view.max_depth, sub_view.delegators.clone()), (1, 1, vec![executor.peer_id()]));
    assert_eq!(views.karma[&sub_worker.peer_id()].accuracy["research"], 100_000);
    let delegator = &views.karma[&executor.peer_id()];
    assert_eq!((delegator.accuracy["research"], delegator.trust_depth), (50_000, 1), "α × attenuation 0.5");
    // The executor paid the subtask from its own balance: 100 − 10 − 1 (stakes) − 40 (escrow).
    assert_eq!(views.balance(&executor.peer_id()), 49);
}

#[test]
fn cancel_and_expiry_give_the_escrow_back() {
    let mut c = Chronicle::default();
    let (requester, worker) = (identity(2), identity(3));
    c.fund(&requester, 300);
    c.fund(&worker, 10);
    let cancelled = c.next(&requester, posted(terms("x", 100)));
    let unclaimed = c.next(&requester, posted(terms("x", 100)));
    let abandoned = c.next(&requester, posted(terms("x", 100)));
    c.next(&worker, cancel(cancelled));
    c.next(&requester, cancel(cancelled));
    c.next(&worker, staked(abandoned, 10));
    c.next(&requester, cancel(abandoned));
    c.next(&worker, expire(unclaimed));
    let views = c.views();
    assert_eq!(state(&views, cancelled), TaskState::Cancelled);
    assert_eq!(state(&views, unclaimed), TaskState::Open, "not before the deadline");
    assert_eq!(state(&views, abandoned), TaskState::Claimed, "a claimed task cannot be cancelled");
    assert_eq!(views.balance(&requester.peer_id()), 100);

    let after = T0 + 30 * DAY_MS + 1;
    c.at(&worker, after, expire(unclaimed));
    c.at(&requester, after + 1, expire(abandoned));
    let views = c.views();
    assert_eq!((state(&views, unclaimed), state(&views, abandoned)), (TaskState::Expired, TaskState::Expired));
    assert_eq!(views.balance(&requester.peer_id()), 300);
    assert_eq!(views.balance(&worker.peer_id()), 0);
    assert_eq!(views.balance(&identity(ISSUER).peer_id()), 10, "the abandoned claim's stake");
    assert_eq!(views.karma[&worker.peer_id()].total_tasks, 1);
    assert_eq!(views.totals.issued, views.totals.balances);
}

#[test]
fn an_undisputed_rejection_stands_when_its_window_closes() {
    let mut c = Chronicle::default();
    let (requester, worker) = (identity(2), identity(3));
    c.fund(&requester, 100);
    c.fund(&worker, 10);
    let task = c.next(&requester, posted(terms("x", 100)));
    c.next(&worker, staked(task, 10));
    let submission = c.next(&worker, submit(task, "meh"));
    let rejected_ms = c.now + SECOND_MS;
    c.at(&requester, rejected_ms, reject(task, submission));
    let window = c.rules().dispute_window_ms;
    c.at(&worker, rejected_ms + window, heartbeat(1));
    assert_eq!(state(&c.views(), task), TaskState::Rejected, "the window is still open at its last instant");

    c.at(&worker, rejected_ms + window + 1, dispute(task, submission));
    let views = c.views();
    let closed = views.task(&task).unwrap();
    assert_eq!((closed.state, closed.closed_ms), (TaskState::Failed, Some(rejected_ms + window)));
    assert_eq!(views.balance(&requester.peer_id()), 100);
    assert_eq!(views.balance(&identity(ISSUER).peer_id()), 10);
    assert!(views.ignored[&worker.peer_id()].last_reason.contains("dispute window closed"), "{:?}", views.ignored);
}

#[test]
fn an_event_that_names_one_not_yet_seen_waits_for_it() {
    let mut c = Chronicle::default();
    let (requester, worker) = (identity(2), identity(3));
    c.fund(&requester, 100);
    c.fund(&worker, 10);
    let posted_ms = c.now + 10 * SECOND_MS;
    let task = c.sign_at(&requester, posted_ms, posted(terms("x", 100)));
    // The worker's clock runs behind: its claim is stamped before the post it answers.
    c.at(&worker, posted_ms - SECOND_MS, staked(task.id, 10));
    let views = c.views();
    assert_eq!((views.waiting, views.ignored.len()), (1, 0));
    c.events.push(task.clone());
    let views = c.views();
    assert_eq!((state(&views, task.id), views.waiting), (TaskState::Claimed, 0));
}
