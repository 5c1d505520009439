//! Scenario: a Sybil swarm against a karma gate. A task needs `accuracy.financial_analysis ≥ 0.75`;
//! a hundred fresh identities, each funded for the stake, try to claim it and are all refused, and
//! still hold zero karma. An identity that earned the accuracy through accepted tasks may claim.

mod support;

use amorph_core::economy::Economy;
use amorph_core::events::KarmaMin;
use amorph_core::market::TaskState;
use support::*;

const DOMAIN: &str = "financial_analysis";
const GATE: &str = "accuracy.financial_analysis";

#[test]
fn fresh_identities_cannot_claim_a_gated_task_and_earned_karma_can() {
    let mut c = Chronicle::default();
    let (requester, patron, veteran) = (identity(2), identity(20), identity(5));
    c.fund(&requester, 100);
    c.fund(&patron, 10_000);
    c.fund(&veteran, 10);
    let mut gated = terms(DOMAIN, 100);
    gated.requirements.karma_min.push(KarmaMin { dimension: GATE.into(), min_ppm: 750_000 });
    let task = c.next(&requester, posted(gated));

    let sybils: Vec<_> = (100..200).map(identity).collect();
    for sybil in &sybils {
        c.fund(sybil, 10);
    }
    for sybil in &sybils {
        c.next(sybil, staked(task, 10));
    }
    let views = c.views();
    assert_eq!(views.task(&task).map(|t| t.state), Some(TaskState::Open));
    for sybil in &sybils {
        let ignored = &views.ignored[&sybil.peer_id()];
        assert_eq!(ignored.count, 1);
        assert_eq!(
            ignored.last_reason,
            "the claimant does not meet the task's requirements: accuracy.financial_analysis is 0.000, needs 0.750"
        );
        assert_eq!(views.wallet(&sybil.peer_id()).balance, 10, "a refused claim locks no stake");
    }
    let economy = Economy::fold(&c.genesis, &c.events, true).expect("books balance");
    for sybil in &sybils {
        assert_eq!(economy.karma().value(&sybil.peer_id(), GATE, c.now), 0);
        assert_eq!(economy.karma().standing(&sybil.peer_id(), c.now), 0);
        assert!(views.karma.get(&sybil.peer_id()).is_none_or(|k| k.accuracy.is_empty() && k.total_tasks == 0));
    }

    // Thirteen accepted analyses give 1 − 0.9¹³ ≈ 0.746: not yet.
    for _ in 0..13 {
        c.complete(&patron, &veteran, terms(DOMAIN, 10));
    }
    c.next(&veteran, staked(task, 10));
    let views = c.views();
    assert_eq!(views.task(&task).map(|t| t.state), Some(TaskState::Open));
    assert!(
        views.ignored[&veteran.peer_id()].last_reason.contains("is 0.745"),
        "{:?}",
        views.ignored[&veteran.peer_id()]
    );

    // The fourteenth gives ≈ 0.771.
    c.complete(&patron, &veteran, terms(DOMAIN, 10));
    c.next(&veteran, staked(task, 10));
    let views = c.views();
    let claimed = views.task(&task).expect("on the board");
    assert_eq!((claimed.state, claimed.executor), (TaskState::Claimed, Some(veteran.peer_id())));
    assert!(views.karma[&veteran.peer_id()].accuracy[DOMAIN] >= 750_000);
}
