//! Unit tests of the karma book: EMA steps, decay, delegation, skills, uptime, gates, jury draws
//! and bounds. Pure integer arithmetic, so every expected value is exact.

use super::decay::{decay, toward_ppm};
use super::*;
use crate::events::{KarmaMin, Requirements};
use crate::wire::EventId;

const T0: u64 = 1_750_000_000_000;
const HALF_LIFE: u64 = 30 * 24 * 3600 * 1000;

fn peer(n: u8) -> PeerId {
    PeerId([n; 32])
}

fn book() -> KarmaBook {
    KarmaBook::new(KarmaParams { alpha_ppm: 100_000, half_life_ms: HALF_LIFE, attenuation_ppm: 500_000 })
}

fn outcome(worker: u8, success: bool) -> Outcome {
    Outcome {
        worker: peer(worker),
        domain: "translation".into(),
        skills: vec!["french".into()],
        success,
        response_ms: None,
        delegators: Vec::new(),
    }
}

#[test]
fn params_come_from_the_genesis() {
    let genesis = Genesis::with_defaults("test", peer(1));
    let params = KarmaParams::from(&genesis);
    assert_eq!(params, KarmaParams { alpha_ppm: 100_000, half_life_ms: HALF_LIFE, attenuation_ppm: 500_000 });
}

#[test]
fn ema_steps_are_exact() {
    let mut book = book();
    book.record_outcome(T0, &outcome(1, true));
    assert_eq!(book.value(&peer(1), "accuracy.translation", T0), 100_000);
    book.record_outcome(T0, &outcome(1, true));
    assert_eq!(book.value(&peer(1), "reliability.completion", T0), 190_000);
    book.record_outcome(T0, &outcome(1, false));
    assert_eq!(book.value(&peer(1), "accuracy.translation", T0), 171_000);
    assert_eq!(book.value(&peer(1), "reliability.completion", T0), 171_000);
    assert_eq!(book.vector(&peer(1), T0).total_tasks, 3);
}

#[test]
fn ema_reaches_its_targets_and_stays_in_range() {
    let mut value = 0;
    for _ in 0..200 {
        value = toward_ppm(value, PPM, 100_000);
    }
    assert_eq!(value, PPM);
    for _ in 0..200 {
        value = toward_ppm(value, 0, 100_000);
    }
    assert_eq!(value, 0);
    assert_eq!(toward_ppm(500_000, PPM, u32::MAX), PPM, "α above 1.0 counts as 1.0");
}

#[test]
fn one_half_life_halves_and_two_quarter() {
    assert_eq!(decay(190_000, HALF_LIFE, HALF_LIFE), 95_000);
    assert_eq!(decay(190_000, 2 * HALF_LIFE, HALF_LIFE), 47_500);
    assert_eq!(decay(1_000_000, HALF_LIFE / 2, HALF_LIFE), 707_107);
    assert_eq!(decay(1_000_000, 40 * HALF_LIFE, HALF_LIFE), 0);
    assert_eq!(decay(1_000_000, u64::MAX, u64::MAX), 500_000);
    assert_eq!(decay(777, 12_345, 0), 777, "a zero half-life never decays");

    let mut book = book();
    book.record_outcome(T0, &outcome(1, true));
    book.record_outcome(T0, &outcome(1, true));
    assert_eq!(book.value(&peer(1), "accuracy.translation", T0 + HALF_LIFE), 95_000);
    assert_eq!(book.value(&peer(1), "accuracy.translation", T0 + 2 * HALF_LIFE), 47_500);
}

#[test]
fn decay_is_monotone_in_time_and_time_going_back_means_none() {
    let mut book = book();
    book.record_outcome(T0, &outcome(1, true));
    let mut previous = u32::MAX;
    for step in 0..=3 * 64 * 5 {
        let at = T0 + step * HALF_LIFE / (64 * 5) + step % 7;
        let value = book.value(&peer(1), "reliability.completion", at);
        assert!(value <= previous, "rose at step {step}");
        previous = value;
    }
    assert_eq!(book.value(&peer(1), "reliability.completion", 0), 100_000);
    assert_eq!(book.value(&peer(1), "reliability.completion", u64::MAX), 0);
    // An update dated before the last one applies without decay and keeps the later time.
    book.record_outcome(T0 - HALF_LIFE, &outcome(1, true));
    assert_eq!(book.value(&peer(1), "reliability.completion", T0), 190_000);
}

#[test]
fn an_update_decays_first() {
    let mut book = book();
    book.record_outcome(T0, &outcome(1, true));
    book.record_outcome(T0 + HALF_LIFE, &outcome(1, true));
    // 100,000 halves to 50,000, then + 0.1 · 950,000.
    assert_eq!(book.value(&peer(1), "accuracy.translation", T0 + HALF_LIFE), 145_000);
}

#[test]
fn delegators_get_the_attenuated_movement() {
    let mut book = book();
    let mut task = outcome(1, true);
    task.delegators = vec![peer(2), peer(3)];
    book.record_outcome(T0, &task);
    for (who, expected, depth) in [(2, 50_000, 1), (3, 25_000, 2)] {
        assert_eq!(book.value(&peer(who), "accuracy.translation", T0), expected);
        assert_eq!(book.value(&peer(who), "reliability.completion", T0), expected);
        let vector = book.vector(&peer(who), T0);
        assert_eq!((vector.trust_depth, vector.total_tasks), (depth, 0));
        assert!(vector.skills.is_empty(), "skills are the worker's alone");
    }

    task.success = false;
    book.record_outcome(T0, &task);
    assert_eq!(book.value(&peer(2), "reliability.completion", T0), 47_500);
    assert_eq!(book.value(&peer(3), "reliability.completion", T0), 24_375);
    assert_eq!(book.vector(&peer(3), T0).trust_depth, 2, "a failure never lowers trust depth");
}

#[test]
fn an_identity_moves_once_per_outcome() {
    let mut book = book();
    let mut task = outcome(1, true);
    task.delegators = vec![peer(1), peer(2), peer(1), peer(2)];
    book.record_outcome(T0, &task);
    assert_eq!(book.value(&peer(1), "reliability.completion", T0), 100_000);
    assert_eq!(book.vector(&peer(1), T0).trust_depth, 0, "self-delegation earns no depth");
    assert_eq!(book.value(&peer(2), "reliability.completion", T0), 25_000);
    assert_eq!(book.vector(&peer(2), T0).trust_depth, 2);
}

#[test]
fn only_success_validates_skills() {
    let mut book = book();
    book.record_outcome(T0, &outcome(1, false));
    assert_eq!(book.value(&peer(1), "skills.french", T0), 0);
    assert!(book.vector(&peer(1), T0).skills.is_empty());

    book.record_outcome(T0, &outcome(1, true));
    book.record_outcome(T0, &outcome(1, true));
    assert_eq!(book.value(&peer(1), "skills.french", T0), 190_000);
    book.record_outcome(T0, &outcome(1, false));
    assert_eq!(book.value(&peer(1), "skills.french", T0), 171_000);
    assert_eq!(book.vector(&peer(1), T0).skills.get("french"), Some(&171_000));
}

#[test]
fn response_time_is_an_ema_from_the_first_sample() {
    let mut book = book();
    let mut task = outcome(1, true);
    task.response_ms = Some(10_000);
    book.record_outcome(T0, &task);
    assert_eq!(book.vector(&peer(1), T0).reliability.response_ms, 10_000);
    task.response_ms = Some(20_000);
    book.record_outcome(T0, &task);
    assert_eq!(book.vector(&peer(1), T0).reliability.response_ms, 11_000);
    task.response_ms = None;
    book.record_outcome(T0, &task);
    assert_eq!(book.vector(&peer(1), T0 + HALF_LIFE).reliability.response_ms, 11_000, "never decays");
}

#[test]
fn regular_heartbeats_give_high_uptime_and_gappy_ones_less() {
    let mut book = book();
    let end = T0 + 100 * HEARTBEAT_INTERVAL_MS;
    for beat in 0..=100 {
        book.record_heartbeat(T0 + beat * HEARTBEAT_INTERVAL_MS + beat % 3 * 500, peer(1));
    }
    for beat in 0..=33 {
        book.record_heartbeat(T0 + beat * 3 * HEARTBEAT_INTERVAL_MS, peer(2));
    }
    let regular = book.value(&peer(1), "reliability.uptime", end);
    let gappy = book.value(&peer(2), "reliability.uptime", end);
    assert!(regular > 999_000, "regular: {regular}");
    // Two misses then a beat: the steady state is 0.1 / (1 − 0.9³) ≈ 0.369.
    assert!((350_000..390_000).contains(&gappy), "gappy: {gappy}");
    assert_eq!(book.vector(&peer(2), end).reliability.uptime_ppm, gappy);
}

#[test]
fn silence_costs_uptime_when_read_and_floods_do_not_pump_it() {
    let mut book = KarmaBook::new(KarmaParams { alpha_ppm: 100_000, half_life_ms: 0, attenuation_ppm: 500_000 });
    book.record_heartbeat(T0, peer(1));
    assert_eq!(book.value(&peer(1), "reliability.uptime", T0), 100_000);
    for step in 1..1_000 {
        book.record_heartbeat(T0 + step, peer(1));
    }
    book.record_heartbeat(T0 - HEARTBEAT_INTERVAL_MS, peer(1));
    assert_eq!(book.value(&peer(1), "reliability.uptime", T0), 100_000, "floods and the past are ignored");
    assert_eq!(book.value(&peer(1), "reliability.uptime", T0 + HEARTBEAT_INTERVAL_MS + 59_999), 100_000);
    assert_eq!(book.value(&peer(1), "reliability.uptime", T0 + 2 * HEARTBEAT_INTERVAL_MS), 90_000);
    assert_eq!(book.value(&peer(1), "reliability.uptime", T0 + 3 * HEARTBEAT_INTERVAL_MS), 81_000);
    // A long silence is charged at most MAX_MISSED_INTERVALS times, within a bounded loop.
    book.record_heartbeat(u64::MAX, peer(1));
    let after = book.value(&peer(1), "reliability.uptime", u64::MAX);
    assert!((100_000..100_010).contains(&after), "{after}");
    assert_eq!(book.value(&peer(9), "reliability.uptime", T0), 0);
}

#[test]
fn gates_pass_or_name_the_first_unmet_one() {
    let mut book = book();
    book.record_outcome(T0, &outcome(1, true));
    let gate = |dimension: &str, min_ppm| KarmaMin { dimension: dimension.into(), min_ppm };
    let met = Requirements {
        karma_min: vec![gate("accuracy.translation", 100_000), gate("reliability.completion", 50_000)],
        skills: vec!["french".into()],
    };
    assert_eq!(book.meets(&peer(1), &met, T0), Ok(()));
    assert_eq!(book.meets(&peer(1), &Requirements::default(), T0), Ok(()));

    let unmet = Requirements {
        karma_min: vec![gate("accuracy.translation", 50_000), gate("accuracy.financial_analysis", 750_000)],
        skills: vec!["german".into()],
    };
    assert_eq!(book.meets(&peer(1), &unmet, T0), Err("accuracy.financial_analysis is 0.000, needs 0.750".into()));
    let skill_only = Requirements { karma_min: Vec::new(), skills: vec!["german".into()] };
    assert_eq!(
        book.meets(&peer(1), &skill_only, T0),
        Err("skill german has not been shown by a completed task".into())
    );
    let close = Requirements { karma_min: vec![gate("accuracy.translation", 100_500)], skills: Vec::new() };
    assert_eq!(book.meets(&peer(1), &close, T0), Err("accuracy.translation is 0.100000, needs 0.100500".into()));
    let decayed = Requirements { karma_min: vec![gate("jury", 1)], skills: Vec::new() };
    assert!(book.meets(&peer(1), &decayed, T0).is_err());
    assert!(book.meets(&peer(1), &met, T0 + HALF_LIFE).is_err(), "gates read decayed values");
}

#[test]
fn unknown_dimensions_and_identities_read_zero() {
    let mut book = book();
    book.record_outcome(T0, &outcome(1, true));
    for dimension in ["accuracy.", "accuracy.law", "skills.", "karma", "", "reliability", "reliability.response"] {
        assert_eq!(book.value(&peer(1), dimension, T0), 0, "{dimension}");
    }
    assert_eq!(book.value(&peer(2), "accuracy.translation", T0), 0);
    assert_eq!(book.vector(&peer(2), T0), KarmaVector::default());
    assert_eq!(book.standing(&peer(2), T0), 0);
}

#[test]
fn vectors_gather_every_dimension() {
    let mut book = book();
    book.record_outcome(T0, &outcome(1, true));
    book.record_jury_vote(T0, peer(1), true);
    book.record_jury_vote(T0, peer(1), false);
    book.record_heartbeat(T0, peer(1));
    book.record_earnings(peer(1), 40);
    book.record_earnings(peer(1), u64::MAX);
    book.record_data_access(peer(1), "census-2020");
    book.record_data_access(peer(1), "census-2020");
    let vector = book.vector(&peer(1), T0);
    assert_eq!(vector.accuracy.get("translation"), Some(&100_000));
    assert_eq!(vector.reliability, Reliability { completion_ppm: 100_000, response_ms: 0, uptime_ppm: 100_000 });
    assert_eq!(vector.jury_ppm, 90_000);
    assert_eq!(book.value(&peer(1), "jury", T0), 90_000);
    assert_eq!(vector.total_earnings, u64::MAX);
    assert_eq!(vector.data_access.iter().collect::<Vec<_>>(), ["census-2020"]);
    // work = (3 · 100,000 + 90,000) / 4 = 97,500, scaled by (1 + 0.1) / 2.
    assert_eq!(book.standing(&peer(1), T0), 53_625);
}

#[test]
fn names_are_bounded_per_identity() {
    let mut book = book();
    for n in 0..MAX_NAMES + 44 {
        let mut task = outcome(1, true);
        task.domain = format!("domain-{n}");
        task.skills = vec![format!("skill-{n}")];
        book.record_outcome(T0, &task);
        book.record_data_access(peer(1), &format!("set-{n}"));
    }
    book.record_data_access(peer(2), &"x".repeat(MAX_SKILL_CHARS + 1));
    book.record_data_access(peer(2), "");
    let mut task = outcome(1, true);
    task.domain = "domain-0".into();
    book.record_outcome(T0, &task);

    let vector = book.vector(&peer(1), T0);
    assert_eq!(
        (vector.accuracy.len(), vector.skills.len(), vector.data_access.len()),
        (MAX_NAMES, MAX_NAMES, MAX_NAMES)
    );
    assert_eq!(vector.accuracy.get("domain-0"), Some(&190_000), "names already held keep moving");
    assert_eq!(book.value(&peer(1), "accuracy.domain-299", T0), 0);
    assert!(book.vector(&peer(2), T0).data_access.is_empty());
}

/// Ten workers with rising records, a heartbeat-only identity and a touched one.
fn crowd() -> KarmaBook {
    let mut book = book();
    for worker in 1..=10u8 {
        for _ in 0..worker {
            book.record_outcome(T0, &outcome(worker, true));
        }
    }
    book.record_heartbeat(T0, peer(20));
    book.touch(peer(21));
    book
}

#[test]
fn jury_draws_are_deterministic_and_skip_parties_and_the_unproven() {
    let book = crowd();
    assert_eq!(book.identities().count(), 12);
    let case = EventId([7; 32]);
    let exclude = [peer(10), peer(9)];
    let jury = book.jurors(case, &exclude, 3, T0);
    assert_eq!(jury, crowd().jurors(case, &exclude, 3, T0));
    assert_eq!(jury.len(), 3);
    // Eight are eligible, all in the pool of nine: peers 1 to 8 (20 and 21 have no standing).
    for juror in &jury {
        assert!((1..=8).contains(&juror.0[0]), "{juror:?}");
    }
    let mut distinct = jury.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3);

    assert_eq!(book.jurors(case, &[], 0, T0), Vec::new());
    let everyone = book.jurors(case, &[], 50, T0);
    assert_eq!(everyone.len(), 10, "only identities with standing sit");
}

#[test]
fn different_cases_seat_different_juries_from_the_best_pool() {
    let book = crowd();
    let juries: BTreeSet<Vec<PeerId>> = (0..20u8)
        .map(|n| {
            let jury = book.jurors(EventId([n; 32]), &[], 2, T0);
            assert_eq!(jury.len(), 2);
            // Pool of 6: the six best records, peers 5 to 10.
            assert!(jury.iter().all(|juror| juror.0[0] >= 5), "{jury:?}");
            jury
        })
        .collect();
    assert!(juries.len() > 5, "only {} distinct juries", juries.len());
}
