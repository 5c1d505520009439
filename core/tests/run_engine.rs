//! Scenario tests of the run engine: a plan driven with simulated time and scripted reports from
//! a pretend adapter, the way the mesh tests drive peers. Each test reads as what a user sees.

use amorph_core::run::{
    Action, BoardProgress, BoardStage, Call, Failure, PartOutcome, Run, RunConfig, StepId, StepSpec, StepStatus, Work,
    MAX_OUTPUT_BYTES,
};
use amorph_core::wire::EventId;

const MODEL: &str = "gpt-4o";

fn cloud(estimate_micros: u64, depends_on: &[u32]) -> StepSpec {
    StepSpec {
        work: Work::Cloud { model: MODEL.into() },
        estimate_micros,
        depends_on: depends_on.iter().map(|&i| StepId(i)).collect(),
        label: "gpt-4o (OpenAI)".into(),
    }
}

fn board(credits: u64) -> StepSpec {
    StepSpec { work: Work::Board { credits }, estimate_micros: 0, depends_on: vec![], label: "a human worker".into() }
}

fn local() -> StepSpec {
    StepSpec { work: Work::Local, estimate_micros: 0, depends_on: vec![], label: "this device".into() }
}

fn run(steps: Vec<StepSpec>, budget_micros: u64) -> Run {
    Run::new(steps, budget_micros, RunConfig::default(), 42).unwrap()
}

fn drain(run: &mut Run) -> Vec<Action> {
    std::iter::from_fn(|| run.poll_action()).collect()
}

fn calls(actions: &[Action]) -> Vec<Call> {
    actions
        .iter()
        .filter_map(|action| match action {
            Action::Call(call) => Some(call.clone()),
            _ => None,
        })
        .collect()
}

fn started(actions: &[Action]) -> Vec<u32> {
    calls(actions).iter().map(|call| call.step.0).collect()
}

fn aborts(actions: &[Action]) -> Vec<(u32, u32)> {
    actions
        .iter()
        .filter_map(|action| match action {
            Action::Abort { step, attempt } => Some((step.0, *attempt)),
            _ => None,
        })
        .collect()
}

fn status(run: &Run, step: u32) -> StepStatus {
    run.step(StepId(step)).cloned().unwrap()
}

fn reason(run: &Run, step: u32) -> String {
    match status(run, step) {
        StepStatus::Failed { reason } | StepStatus::Blocked { reason, .. } => reason,
        other => panic!("step {} is {other:?}, not failed or blocked", step + 1),
    }
}

fn finish(run: &mut Run, step: u32, attempt: u32, text: &str, now: u64) {
    run.handle_text(StepId(step), attempt, text, now);
    run.handle_done(StepId(step), attempt, now);
}

#[test]
fn independent_steps_run_together_but_never_more_than_the_bound() {
    let mut run = run((0..5).map(|_| cloud(10, &[])).collect(), 1_000_000);
    run.start(0);
    assert_eq!(started(&drain(&mut run)), [0, 1, 2]);
    assert_eq!(status(&run, 3), StepStatus::Queued);
    finish(&mut run, 1, 1, "two", 100);
    assert_eq!(started(&drain(&mut run)), [3]);
    finish(&mut run, 0, 1, "one", 200);
    finish(&mut run, 2, 1, "three", 200);
    assert_eq!(started(&drain(&mut run)), [4]);
    finish(&mut run, 3, 1, "four", 300);
    finish(&mut run, 4, 1, "five", 300);
    assert!(run.is_finished());
    let texts: Vec<String> = run
        .answer()
        .parts
        .into_iter()
        .map(|part| match part.outcome {
            PartOutcome::Produced(text) => text,
            PartOutcome::Missing(why) => why,
        })
        .collect();
    assert_eq!(texts, ["one", "two", "three", "four", "five"]);
}

#[test]
fn a_step_waits_for_its_inputs_and_is_given_their_outputs() {
    let mut run = run(vec![cloud(10, &[]), cloud(10, &[]), cloud(10, &[0, 1])], 1_000_000);
    run.start(0);
    assert_eq!(started(&drain(&mut run)), [0, 1]);
    finish(&mut run, 0, 1, "the summary", 50);
    assert!(drain(&mut run).is_empty(), "step 3 still needs step 2");
    finish(&mut run, 1, 1, "the list", 80);
    let call = calls(&drain(&mut run)).remove(0);
    assert_eq!(call.step, StepId(2));
    assert_eq!(call.context, [(StepId(0), "the summary".to_string()), (StepId(1), "the list".to_string())]);
}

#[test]
fn a_step_whose_input_failed_is_blocked_and_names_it() {
    let mut run = run(vec![cloud(10, &[]), cloud(10, &[0]), cloud(10, &[1])], 1_000_000);
    run.start(0);
    drain(&mut run);
    run.handle_failed(StepId(0), 1, Failure::permanent("the API key was refused: check it in Settings"), 10);
    assert_eq!(reason(&run, 0), "the API key was refused: check it in Settings");
    assert_eq!(reason(&run, 1), "needs step 1, which failed");
    assert_eq!(reason(&run, 2), "needs step 2, which could not run");
    assert!(run.is_finished());
    assert!(drain(&mut run).is_empty(), "a final failure is never retried");

    run.retry(StepId(0), 20);
    assert_eq!(started(&drain(&mut run)), [0]);
    assert_eq!(status(&run, 1), StepStatus::Queued, "its dependents wait for it again");
    finish(&mut run, 0, 2, "ok", 30);
    assert_eq!(started(&drain(&mut run)), [1]);
}

#[test]
fn a_skipped_step_blocks_what_needs_it() {
    let mut run = run(vec![cloud(10, &[]), cloud(10, &[0])], 1_000_000);
    run.start(0);
    drain(&mut run);
    run.skip(StepId(0), 5);
    assert_eq!(aborts(&drain(&mut run)), [(0, 1)]);
    assert_eq!(status(&run, 0), StepStatus::Skipped);
    assert_eq!(reason(&run, 1), "needs step 1, which was skipped");
    finish(&mut run, 0, 1, "too late", 9);
    assert_eq!(status(&run, 0), StepStatus::Skipped, "a late report changes nothing");
}

#[test]
fn a_retryable_failure_waits_its_backoff_and_the_providers_retry_after() {
    let mut run = run(vec![cloud(10, &[])], 1_000_000);
    run.start(0);
    drain(&mut run);
    run.handle_failed(StepId(0), 1, Failure::transient("rate limited (429)", Some(5_000)), 1_000);
    let StepStatus::RetryAt { at_ms, attempt: 1, reason } = status(&run, 0) else { panic!("{:?}", status(&run, 0)) };
    assert_eq!(reason, "rate limited (429)");
    assert!(at_ms >= 6_000, "retry-after says 5 s; retrying at {at_ms}");
    assert_eq!(run.poll_timeout(), Some(at_ms));
    run.handle_timeout(at_ms - 1);
    assert!(drain(&mut run).is_empty(), "not before its time");
    run.handle_timeout(at_ms);
    let retry = calls(&drain(&mut run)).remove(0);
    assert_eq!((retry.step, retry.attempt), (StepId(0), 2));
    finish(&mut run, 0, 1, "from the old attempt", at_ms + 1);
    assert!(matches!(status(&run, 0), StepStatus::Running { attempt: 2, .. }), "a late report is ignored");
    finish(&mut run, 0, 2, "fine", at_ms + 2);
    let StepStatus::Done { attempts, elapsed_ms, .. } = status(&run, 0) else { panic!() };
    assert_eq!((attempts, elapsed_ms), (2, at_ms + 2));
}

#[test]
fn backoff_grows_with_jitter_and_gives_up_after_the_last_attempt() {
    let config = RunConfig::default();
    let mut run = Run::new(vec![cloud(10, &[])], 1_000_000, config, 7).unwrap();
    run.start(0);
    let mut now = 0;
    let mut waits = vec![];
    for attempt in 1..=config.max_attempts {
        assert_eq!(calls(&drain(&mut run))[0].attempt, attempt);
        run.handle_failed(StepId(0), attempt, Failure::transient("the provider is overloaded (529)", None), now);
        if let StepStatus::RetryAt { at_ms, .. } = status(&run, 0) {
            waits.push(at_ms - now);
            now = at_ms;
            run.handle_timeout(now);
        }
    }
    assert_eq!(reason(&run, 0), "the provider is overloaded (529) (gave up after 4 attempts)");
    assert_eq!(waits.len(), 3);
    for (failures, wait) in waits.iter().enumerate() {
        let ceiling = config.backoff_base_ms << failures;
        assert!((ceiling / 2..=ceiling).contains(wait), "wait {} was {wait} ms", failures + 1);
    }

    run.retry(StepId(0), now);
    let fresh = calls(&drain(&mut run)).remove(0);
    assert_eq!(fresh.attempt, 5, "attempt numbers never repeat");
    run.handle_failed(StepId(0), 5, Failure::transient("overloaded", None), now);
    assert!(matches!(status(&run, 0), StepStatus::RetryAt { .. }), "a user Retry starts a fresh series");
}

#[test]
fn a_stalled_attempt_is_aborted_and_retried() {
    let mut run = run(vec![cloud(10, &[])], 1_000_000);
    run.start(0);
    drain(&mut run);
    assert_eq!(run.poll_timeout(), Some(120_000));
    run.handle_text(StepId(0), 1, "Hel", 60_000);
    assert_eq!(run.poll_timeout(), Some(180_000), "every report resets the stall timer");
    run.handle_timeout(179_999);
    assert!(drain(&mut run).is_empty());
    run.handle_timeout(180_000);
    assert_eq!(aborts(&drain(&mut run)), [(0, 1)]);
    let StepStatus::RetryAt { reason, .. } = status(&run, 0) else { panic!("{:?}", status(&run, 0)) };
    assert_eq!(reason, "no reply from gpt-4o for 120 s");
}

#[test]
fn a_call_that_would_overspend_the_budget_never_starts() {
    let mut run = run(vec![cloud(12_000, &[])], 5_000);
    run.start(0);
    assert!(drain(&mut run).is_empty());
    assert_eq!(reason(&run, 0), "would overspend the budget: about $0.0120 needed, $0.0050 left");
}

#[test]
fn spending_past_the_budget_stops_every_call_in_flight() {
    let mut run = run(vec![cloud(3_000, &[]), cloud(3_000, &[]), cloud(3_000, &[])], 10_000);
    run.start(0);
    let first = calls(&drain(&mut run));
    assert_eq!(first.len(), 3);
    assert_eq!(first[2].budget_micros, 4_000, "the third call may spend what the others leave");
    run.handle_spent(StepId(0), 1, 6_000, 10);
    assert!(drain(&mut run).is_empty(), "$0.0060 of $0.0100 is within budget");
    run.handle_spent(StepId(1), 1, 5_000, 20);
    assert_eq!(aborts(&drain(&mut run)), [(0, 1), (1, 1), (2, 1)]);
    assert_eq!(reason(&run, 2), "stopped: the run has spent $0.0110 of its $0.0100 budget");
    assert_eq!(run.spent_micros(), 11_000);
}

#[test]
fn failed_attempts_still_count_what_they_spent() {
    let mut run = run(vec![cloud(4_000, &[]), cloud(4_000, &[0])], 10_000);
    run.start(0);
    drain(&mut run);
    run.handle_spent(StepId(0), 1, 2_500, 10);
    run.handle_failed(StepId(0), 1, Failure::transient("the stream was cut", None), 20);
    run.handle_spent(StepId(0), 1, 2_700, 21);
    assert_eq!(run.spent_micros(), 2_700, "usage that arrives after the failure still counts, once");
    let StepStatus::RetryAt { at_ms, .. } = status(&run, 0) else { panic!() };
    run.handle_timeout(at_ms);
    drain(&mut run);
    run.handle_spent(StepId(0), 1, 9_999, at_ms + 1);
    assert_eq!(run.spent_micros(), 2_700, "the old attempt's report no longer moves money once a new one started");
    run.handle_spent(StepId(0), 2, 3_000, at_ms + 2);
    finish(&mut run, 0, 2, "ok", at_ms + 3);
    let StepStatus::Done { cost_micros, .. } = status(&run, 0) else { panic!() };
    assert_eq!(cost_micros, 5_700);
    let next = calls(&drain(&mut run)).remove(0);
    assert_eq!((next.step, next.budget_micros), (StepId(1), 4_300), "$0.0100 less the $0.0057 spent");
}

#[test]
fn cancel_aborts_everything_in_flight_and_each_step_can_be_retried() {
    let mut run = run(vec![cloud(10, &[]), cloud(10, &[]), cloud(10, &[0]), board(20)], 1_000_000);
    run.start(0);
    let actions = drain(&mut run);
    assert_eq!(started(&actions), [0, 1]);
    run.cancel();
    assert_eq!(aborts(&drain(&mut run)), [(0, 1), (1, 1), (3, 1)]);
    for step in 0..4 {
        assert_eq!(status(&run, step), StepStatus::Cancelled);
    }
    assert!(run.is_finished());
    assert_eq!(run.poll_timeout(), None);
    finish(&mut run, 0, 1, "after cancel", 5);
    run.handle_failed(StepId(1), 1, Failure::transient("x", None), 5);
    run.handle_board(StepId(3), 1, BoardProgress::Accepted { text: "late".into() }, 5);
    assert!(drain(&mut run).is_empty());
    assert_eq!(status(&run, 0), StepStatus::Cancelled, "reports after cancel are ignored");
    assert_eq!(status(&run, 3), StepStatus::Cancelled);

    run.retry(StepId(2), 10);
    assert_eq!(started(&drain(&mut run)), [0], "step 3 needs step 1, which runs again first");
    assert_eq!(status(&run, 2), StepStatus::Queued);
}

#[test]
fn a_board_step_is_posted_once_and_follows_its_task() {
    let mut run = run(vec![board(20), cloud(10, &[0])], 1_000_000);
    run.start(0);
    let actions = drain(&mut run);
    assert_eq!(actions, [Action::PostBoardTask { step: StepId(0), attempt: 1, credits: 20, context: vec![] }]);
    let task = EventId([4; 32]);
    run.handle_board(StepId(0), 1, BoardProgress::Posted { task }, 10);
    run.handle_board(StepId(0), 1, BoardProgress::Claimed, 20);
    assert_eq!(status(&run, 0), StepStatus::OnBoard { attempt: 1, stage: BoardStage::Claimed });
    run.handle_timeout(10_000_000);
    assert!(drain(&mut run).is_empty(), "people take their time: no stall timeout, no second post");
    run.handle_board(StepId(0), 1, BoardProgress::Submitted { text: "photo of the shop: open".into() }, 30);
    run.handle_board(StepId(0), 1, BoardProgress::Rejected { reason: "blurry".into() }, 40);
    run.handle_board(StepId(0), 1, BoardProgress::Accepted { text: "the shop is open until 6".into() }, 50);
    let StepStatus::Done { output, cost_micros, .. } = status(&run, 0) else { panic!() };
    assert_eq!((output.as_str(), cost_micros), ("the shop is open until 6", 0));
    assert_eq!(calls(&drain(&mut run))[0].context, [(StepId(0), "the shop is open until 6".to_string())]);
}

#[test]
fn board_tasks_take_no_call_slot_and_an_expired_one_fails() {
    let config = RunConfig { max_concurrent: 1, ..RunConfig::default() };
    let mut run = Run::new(vec![board(20), cloud(10, &[])], 1_000_000, config, 1).unwrap();
    run.start(0);
    let actions = drain(&mut run);
    assert_eq!(actions.len(), 2);
    assert_eq!(started(&actions), [1]);
    run.handle_board(StepId(0), 1, BoardProgress::Expired, 99);
    assert_eq!(reason(&run, 0), "the board task expired before a result was accepted");
}

#[test]
fn steps_that_cannot_run_here_say_so_and_the_answer_never_pretends() {
    let mut steps = vec![cloud(10, &[]), local(), cloud(10, &[1])];
    steps.push(StepSpec { work: Work::Peer, label: "a peer".into(), ..local() });
    let mut run = run(steps, 1_000_000);
    run.start(0);
    assert_eq!(started(&drain(&mut run)), [0]);
    assert_eq!(status(&run, 1), StepStatus::Unavailable { reason: "needs the local writing model".into() });
    assert_eq!(status(&run, 3), StepStatus::Unavailable { reason: "handing work to peers is not built yet".into() });
    assert_eq!(reason(&run, 2), "needs step 2, which cannot run here (needs the local writing model)");
    finish(&mut run, 0, 1, "Paris is the capital of France.", 10);
    let answer = run.answer();
    assert!(!answer.is_complete());
    assert_eq!(
        answer.to_string(),
        "[step 1, by gpt-4o (OpenAI)]\nParis is the capital of France.\n\n\
         [step 2, by this device: not run: needs the local writing model]\n\n\
         [step 3, by gpt-4o (OpenAI): not run: needs step 2, which cannot run here (needs the local writing model)]\n\n\
         [step 4, by a peer: not run: handing work to peers is not built yet]\n"
    );
}

#[test]
fn one_step_runs_alone_with_what_it_needs() {
    let mut run = run(vec![cloud(10, &[]), cloud(10, &[0]), cloud(10, &[])], 1_000_000);
    run.start_step(StepId(1), 0);
    assert_eq!(started(&drain(&mut run)), [0]);
    assert_eq!(status(&run, 2), StepStatus::Waiting, "a step nobody asked for stays put");
    finish(&mut run, 0, 1, "input", 5);
    assert_eq!(started(&drain(&mut run)), [1]);
}

#[test]
fn an_answer_that_grows_past_its_bound_is_stopped() {
    let mut run = run(vec![cloud(10, &[])], 1_000_000);
    run.start(0);
    drain(&mut run);
    let chunk = "x".repeat(MAX_OUTPUT_BYTES / 2);
    run.handle_text(StepId(0), 1, &chunk, 1);
    run.handle_text(StepId(0), 1, &chunk, 2);
    run.handle_text(StepId(0), 1, "one more", 3);
    assert_eq!(aborts(&drain(&mut run)), [(0, 1)]);
    assert_eq!(reason(&run, 0), "the answer grew past 256 KB, so it was stopped");
}

#[test]
fn an_empty_answer_is_a_failure_not_a_result() {
    let mut run = run(vec![cloud(10, &[])], 1_000_000);
    run.start(0);
    drain(&mut run);
    run.handle_done(StepId(0), 1, 5);
    let StepStatus::RetryAt { reason, .. } = status(&run, 0) else { panic!("{:?}", status(&run, 0)) };
    assert_eq!(reason, "gpt-4o sent an empty answer");
}

#[test]
fn a_stored_run_reloads_with_its_in_flight_calls_marked_interrupted() {
    let mut run = run(vec![cloud(10, &[]), cloud(10, &[]), board(5)], 1_000_000);
    run.start(0);
    drain(&mut run);
    finish(&mut run, 0, 1, "kept", 10);
    run.handle_text(StepId(1), 1, "half", 11);
    let stored = serde_json::to_string(&run).unwrap();
    let mut loaded: Run = serde_json::from_str(&stored).unwrap();
    loaded.interrupt();
    assert!(matches!(status(&loaded, 0), StepStatus::Done { ref output, .. } if output == "kept"));
    assert_eq!(reason(&loaded, 1), "interrupted: the page was closed or reloaded while it ran");
    assert!(matches!(status(&loaded, 2), StepStatus::OnBoard { attempt: 1, .. }), "the board task lives on");
    loaded.retry(StepId(1), 20);
    assert_eq!(calls(&drain(&mut loaded))[0].attempt, 2);
}

#[test]
fn reports_for_steps_outside_the_plan_are_ignored() {
    let mut run = run(vec![cloud(10, &[])], 1_000_000);
    run.start(0);
    drain(&mut run);
    let outside = StepId(99);
    run.handle_text(outside, 1, "x", 1);
    run.handle_spent(outside, 1, u64::MAX, 1);
    run.handle_done(outside, 1, 1);
    run.handle_failed(outside, 1, Failure::permanent("x"), 1);
    run.handle_board(outside, 1, BoardProgress::Expired, 1);
    run.retry(outside, 1);
    run.skip(outside, 1);
    run.start_step(outside, 1);
    assert!(drain(&mut run).is_empty());
    assert_eq!(run.step(outside), None);
    assert_eq!(run.spent_micros(), 0);
}

/// Random plans under random report sequences: whatever the adapter, the user and the clock do,
/// the engine keeps its bounds and tells the adapter about every attempt it ends.
#[cfg(not(target_arch = "wasm32"))]
mod random_reports {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Input {
        Start,
        StartStep(u32),
        Skip(u32),
        Retry(u32),
        Cancel,
        Wait(u64),
        Text { step: u32, attempt: Option<u32>, bytes: usize },
        Spent { step: u32, attempt: Option<u32>, micros: u64 },
        Done { step: u32, attempt: Option<u32> },
        Failed { step: u32, attempt: Option<u32>, retryable: bool, retry_after_ms: Option<u64> },
        Board { step: u32, attempt: Option<u32>, accepted: bool },
    }

    fn plan() -> impl Strategy<Value = Vec<StepSpec>> {
        prop::collection::vec((0u8..10, 0u64..6_000, prop::collection::vec(0u32..8, 0..3)), 1..=8).prop_map(|raw| {
            raw.into_iter()
                .enumerate()
                .map(|(index, (work, estimate, deps))| {
                    let depends_on = deps.into_iter().filter(|&d| (d as usize) < index).map(StepId).collect();
                    let spec = match work {
                        0 => board(5),
                        1 => local(),
                        _ => cloud(estimate, &[]),
                    };
                    StepSpec { depends_on, ..spec }
                })
                .collect()
        })
    }

    fn input() -> impl Strategy<Value = Input> {
        // `None` means "the attempt in flight", as an honest adapter would report; a number is
        // whatever a confused or late adapter might send.
        let attempt = prop_oneof![3 => Just(None), 1 => (0u32..6).prop_map(Some)];
        let step = 0u32..9;
        prop_oneof![
            1 => Just(Input::Start),
            1 => step.clone().prop_map(Input::StartStep),
            1 => step.clone().prop_map(Input::Skip),
            2 => step.clone().prop_map(Input::Retry),
            1 => Just(Input::Cancel),
            3 => prop_oneof![0u64..2_000, 100_000u64..200_000].prop_map(Input::Wait),
            4 => (step.clone(), attempt.clone(), 0usize..40).prop_map(|(step, attempt, bytes)| Input::Text { step, attempt, bytes }),
            3 => (step.clone(), attempt.clone(), 0u64..8_000).prop_map(|(step, attempt, micros)| Input::Spent { step, attempt, micros }),
            3 => (step.clone(), attempt.clone()).prop_map(|(step, attempt)| Input::Done { step, attempt }),
            3 => (step.clone(), attempt.clone(), any::<bool>(), prop::option::of(0u64..20_000)).prop_map(
                |(step, attempt, retryable, retry_after_ms)| Input::Failed { step, attempt, retryable, retry_after_ms }
            ),
            2 => (step, attempt, any::<bool>()).prop_map(|(step, attempt, accepted)| Input::Board { step, attempt, accepted }),
        ]
    }

    fn in_flight(run: &Run, step: u32) -> Option<u32> {
        match run.step(StepId(step))? {
            StepStatus::Running { attempt, .. } | StepStatus::OnBoard { attempt, .. } => Some(*attempt),
            _ => None,
        }
    }

    fn running(run: &Run) -> BTreeSet<(u32, u32)> {
        run.steps()
            .filter_map(|(id, _, status)| match status {
                StepStatus::Running { attempt, .. } => Some((id.0, *attempt)),
                _ => None,
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn random_reports_never_break_the_bounds(
            steps in plan(),
            budget in 0u64..20_000,
            max_concurrent in 1usize..4,
            max_attempts in 1u32..4,
            seed in any::<u64>(),
            inputs in prop::collection::vec(input(), 0..80),
        ) {
            let config = RunConfig { max_concurrent, max_attempts, ..RunConfig::default() };
            let specs = steps.clone();
            let mut run = Run::new(steps, budget, config, seed).unwrap();
            let mut now = 0u64;
            let mut outstanding: BTreeSet<(u32, u32)> = BTreeSet::new();
            for input in inputs {
                let before = outstanding.clone();
                let mut reported_end = None;
                let pick = |run: &Run, step: u32, attempt: Option<u32>| attempt.or(in_flight(run, step)).unwrap_or(1);
                match input {
                    Input::Start => run.start(now),
                    Input::StartStep(step) => run.start_step(StepId(step), now),
                    Input::Skip(step) => run.skip(StepId(step), now),
                    Input::Retry(step) => run.retry(StepId(step), now),
                    Input::Cancel => run.cancel(),
                    Input::Wait(ms) => {
                        now += ms;
                        run.handle_timeout(now);
                    }
                    Input::Text { step, attempt, bytes } => {
                        let attempt = pick(&run, step, attempt);
                        run.handle_text(StepId(step), attempt, &"é".repeat(bytes), now);
                    }
                    Input::Spent { step, attempt, micros } => {
                        let attempt = pick(&run, step, attempt);
                        run.handle_spent(StepId(step), attempt, micros, now);
                    }
                    Input::Done { step, attempt } => {
                        let attempt = pick(&run, step, attempt);
                        reported_end = Some((step, attempt));
                        run.handle_done(StepId(step), attempt, now);
                    }
                    Input::Failed { step, attempt, retryable, retry_after_ms } => {
                        let attempt = pick(&run, step, attempt);
                        reported_end = Some((step, attempt));
                        let failure = if retryable {
                            Failure::transient("the provider is down (503)", retry_after_ms)
                        } else {
                            Failure::permanent("the model is unknown (404)")
                        };
                        run.handle_failed(StepId(step), attempt, failure, now);
                    }
                    Input::Board { step, attempt, accepted } => {
                        let attempt = pick(&run, step, attempt);
                        let progress = if accepted {
                            BoardProgress::Accepted { text: "done by hand".into() }
                        } else {
                            BoardProgress::Claimed
                        };
                        run.handle_board(StepId(step), attempt, progress, now);
                    }
                }
                let actions = drain(&mut run);
                let spent = run.spent_micros();
                for action in &actions {
                    match action {
                        Action::Call(call) => {
                            let spec = &specs[call.step.index()];
                            prop_assert!(spent.saturating_add(spec.estimate_micros) <= budget, "{call:?} overspends");
                            prop_assert!(call.budget_micros <= budget - spent.min(budget));
                            let inputs: Vec<StepId> = call.context.iter().map(|(id, _)| *id).collect();
                            let mut needed = spec.depends_on.clone();
                            needed.sort();
                            needed.dedup();
                            prop_assert_eq!(inputs, needed, "a call starts only with all its inputs done");
                            prop_assert!(outstanding.insert((call.step.0, call.attempt)), "attempt numbers repeat");
                        }
                        Action::Abort { step, attempt } => {
                            let was_running = outstanding.remove(&(step.0, *attempt));
                            let was_on_board = matches!(specs[step.index()].work, Work::Board { .. });
                            prop_assert!(was_running || was_on_board, "abort of an attempt never started");
                        }
                        Action::PostBoardTask { step, .. } => {
                            let is_board = matches!(specs[step.index()].work, Work::Board { .. });
                            prop_assert!(is_board, "a board post for a step that is not a board task");
                        }
                    }
                }
                prop_assert!(running(&run).len() <= max_concurrent, "concurrency bound broken");
                if spent > budget {
                    prop_assert!(running(&run).is_empty(), "calls go on after the budget ran out");
                }
                let now_running = running(&run);
                for ended in before.iter().filter(|attempt| !now_running.contains(attempt)) {
                    let told = aborts(&actions).contains(ended) || reported_end == Some(*ended);
                    prop_assert!(told, "attempt {ended:?} ended without an Abort");
                }
                outstanding.retain(|attempt| now_running.contains(attempt));
                prop_assert_eq!(&outstanding, &now_running, "a call runs that the adapter was never asked for");
                if run.is_finished() {
                    prop_assert_eq!(run.poll_timeout(), None);
                }
                let queued = run.steps().any(|(_, _, status)| *status == StepStatus::Queued);
                let moving = run.steps().any(|(_, _, status)| {
                    matches!(status, StepStatus::Running { .. } | StepStatus::OnBoard { .. } | StepStatus::RetryAt { .. })
                });
                prop_assert!(!queued || moving, "a queued step waits for something that will never happen");
                prop_assert_eq!(run.answer().parts.len(), specs.len());
            }
            let stored = serde_json::to_string(&run).unwrap();
            let mut loaded: Run = serde_json::from_str(&stored).unwrap();
            loaded.interrupt();
            prop_assert!(running(&loaded).is_empty());
        }
    }
}
