//! Every task-flow rule of the views, and view determinism under permutation and duplication.

mod support;

use amorph_core::events::SignedEvent;
use amorph_core::views::{TaskStatus, Views};
use proptest::prelude::*;
use support::*;

/// A requester (1) posts, a worker (2) claims and submits, the requester accepts.
fn happy_path() -> Vec<SignedEvent> {
    let (a, b) = (identity(1), identity(2));
    let task = signed(&a, 1, T0, post("translation", "Translate"));
    let claimed = signed(&b, 2, T0 + 10, claim(task.id));
    let result = signed(&b, 2, T0 + 20, submit(task.id, "Bonjour"));
    let accepted = signed(&a, 1, T0 + 30, accept(task.id, result.id));
    vec![task, claimed, result, accepted]
}

#[test]
fn the_happy_path_accepts_and_moves_karma() {
    let events = happy_path();
    let views = Views::derive(&events);
    let task = &views.board[0];
    assert_eq!(task.status, TaskStatus::Accepted);
    assert_eq!(task.claimant, Some(identity(2).peer_id()));
    assert_eq!(task.result.as_deref(), Some("Bonjour"));
    let worker = &views.karma[&identity(2).peer_id()];
    assert!((worker.task_completion - 0.1).abs() < 1e-12);
    assert!((worker.accuracy["translation"] - 0.1).abs() < 1e-12);
    let requester = &views.karma[&identity(1).peer_id()];
    assert_eq!(requester.task_completion, 0.0, "new identities start at zero and requesting earns nothing");
    assert!(views.ignored.is_empty());
}

#[test]
fn karma_is_an_ema_over_decisions() {
    let (a, b) = (identity(1), identity(2));
    let mut events = Vec::new();
    for i in 0..2u64 {
        let t = T0 + i * 1000;
        let task = signed(&a, 1, t, post("math", &format!("Task {i}")));
        let result = signed(&b, 2, t + 2, submit(task.id, "42"));
        events.push(signed(&b, 2, t + 1, claim(task.id)));
        events.push(signed(&a, 1, t + 3, accept(task.id, result.id)));
        events.extend([task, result]);
    }
    let task = signed(&a, 1, T0 + 5000, post("math", "Third"));
    let result = signed(&b, 2, T0 + 5002, submit(task.id, "41"));
    events.push(signed(&b, 2, T0 + 5001, claim(task.id)));
    events.push(signed(&a, 1, T0 + 5003, reject(task.id, result.id)));
    events.extend([task, result]);
    let karma = &Views::derive(&events).karma[&identity(2).peer_id()];
    // 0 → 0.1 → 0.19 → 0.171
    assert!((karma.accuracy["math"] - 0.171).abs() < 1e-12, "{}", karma.accuracy["math"]);
    assert_eq!(karma.tasks_settled, 3);
}

#[test]
fn a_requester_cannot_claim_its_own_task() {
    let a = identity(1);
    let task = signed(&a, 1, T0, post("x", "Mine"));
    let own_claim = signed(&a, 1, T0 + 1, claim(task.id));
    let views = Views::derive(&[task, own_claim]);
    assert_eq!(views.board[0].status, TaskStatus::Open);
    assert_eq!(views.ignored[&a.peer_id()], 1);
}

#[test]
fn concurrent_claims_resolve_to_the_earliest_everywhere() {
    let (a, b, c) = (identity(1), identity(2), identity(3));
    let task = signed(&a, 1, T0, post("x", "Race"));
    let late = signed(&b, 2, T0 + 20, claim(task.id));
    let early = signed(&c, 3, T0 + 10, claim(task.id));
    let one = Views::derive(&[task.clone(), late.clone(), early.clone()]);
    let other = Views::derive(&[early, late, task]);
    assert_eq!(one.board[0].claimant, Some(c.peer_id()));
    assert_eq!(one.encode(), other.encode());
    assert!(one.ignored.is_empty(), "losing a race is not misbehaviour");
}

#[test]
fn only_the_claimant_submits() {
    let (a, b, c) = (identity(1), identity(2), identity(3));
    let task = signed(&a, 1, T0, post("x", "T"));
    let claimed = signed(&b, 2, T0 + 1, claim(task.id));
    let intruder = signed(&c, 3, T0 + 2, submit(task.id, "mine!"));
    let views = Views::derive(&[task, claimed, intruder]);
    assert_eq!(views.board[0].status, TaskStatus::Claimed);
    assert_eq!(views.ignored[&c.peer_id()], 1);
}

#[test]
fn only_the_requester_decides_and_only_on_a_submitted_result() {
    let mut events = happy_path();
    let accepted = events.pop().unwrap();
    let (task_id, submission) = (events[0].id, events[2].id);
    let (b, c) = (identity(2), identity(3));
    // The worker accepting its own result, and a bystander rejecting it, change nothing.
    let self_accept = signed(&b, 2, T0 + 40, accept(task_id, submission));
    let bystander = signed(&c, 3, T0 + 41, reject(task_id, submission));
    let mut with_intruders = events.clone();
    with_intruders.extend([self_accept, bystander]);
    let views = Views::derive(&with_intruders);
    assert_eq!(views.board[0].status, TaskStatus::Submitted);
    assert_eq!(views.ignored.values().sum::<u32>(), 2);

    // Accepting a task with no submission (naming a made-up one) is ignored.
    let unsubmitted = &events[..2];
    let premature = signed(&identity(1), 1, T0 + 15, accept(task_id, accepted.id));
    let mut early = unsubmitted.to_vec();
    early.push(premature);
    let views = Views::derive(&early);
    assert_eq!(views.board[0].status, TaskStatus::Claimed);
    assert_eq!(views.ignored[&identity(1).peer_id()], 1);
}

#[test]
fn the_first_decision_is_final() {
    let mut events = happy_path();
    let (task_id, submission) = (events[0].id, events[2].id);
    events.push(signed(&identity(1), 1, T0 + 50, reject(task_id, submission)));
    let views = Views::derive(&events);
    assert_eq!(views.board[0].status, TaskStatus::Accepted);
    assert_eq!(views.ignored[&identity(1).peer_id()], 1);
}

#[test]
fn events_for_unknown_tasks_wait_without_effect() {
    let events = happy_path();
    let views = Views::derive(&events[1..]);
    assert!(views.board.is_empty());
    assert!(views.ignored.is_empty());
}

/// A random history: a few identities post tasks and race to claim, submit and decide.
fn history(seed: u64) -> Vec<SignedEvent> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let people: Vec<_> = (1..=4).map(identity).collect();
    let mut events: Vec<SignedEvent> = Vec::new();
    for n in 0..6u64 {
        let t = T0 + n * 100;
        let requester = rng.gen_range(0..4);
        let task = signed(&people[requester], requester as u64, t, post(["a", "b"][rng.gen_range(0..2)], "task"));
        let mut submissions = Vec::new();
        for _ in 0..rng.gen_range(0..3) {
            let who = rng.gen_range(0..4);
            events.push(signed(&people[who], who as u64, t + rng.gen_range(1..20), claim(task.id)));
            let result = signed(&people[who], who as u64, t + rng.gen_range(20..40), submit(task.id, "r"));
            submissions.push(result.id);
            events.push(result);
        }
        for submission in submissions {
            let who = if rng.gen_bool(0.7) { requester } else { rng.gen_range(0..4) };
            let verdict = if rng.gen_bool(0.7) { accept(task.id, submission) } else { reject(task.id, submission) };
            events.push(signed(&people[who], who as u64, t + rng.gen_range(40..60), verdict));
        }
        events.push(task);
    }
    events
}

proptest! {
    #[test]
    fn views_are_identical_under_permutation_and_duplication(seed in any::<u64>(), shuffle in any::<u64>(), dups in proptest::collection::vec(any::<prop::sample::Index>(), 0..10)) {
        use rand::seq::SliceRandom;
        use rand::SeedableRng;
        let events = history(seed);
        let reference = Views::derive(&events).encode();
        let mut delivered = events.clone();
        for d in &dups {
            delivered.push(d.get(&events).clone());
        }
        delivered.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(shuffle));
        prop_assert_eq!(Views::derive(&delivered).encode(), reference);
    }
}
