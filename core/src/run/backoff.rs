//! Retry delays: exponential backoff with "equal" jitter, drawn from the run's seed so a run
//! replays identically in tests and the simulator, and concurrent steps that fail together do
//! not all come back at the same instant.

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{RunConfig, StepId};

/// How long to wait after the `failures`-th failure in a row (1 for the first) of `attempt`.
/// The ceiling doubles from `backoff_base_ms` up to `backoff_max_ms`; the delay lies in its upper
/// half, so it never collapses to zero the way full jitter can.
pub(super) fn delay_ms(config: &RunConfig, seed: u64, step: StepId, attempt: u32, failures: u32) -> u64 {
    let doubling = 1u64 << failures.saturating_sub(1).min(32);
    let ceiling = config.backoff_base_ms.saturating_mul(doubling).min(config.backoff_max_ms);
    let floor = ceiling / 2;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // One stream per attempt of each step: the draw does not depend on the order things failed in.
    rng.set_stream(u64::from(step.0) << 32 | u64::from(attempt));
    floor + rng.next_u64() % (ceiling - floor + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_within_their_jitter_band_up_to_the_cap() {
        let config = RunConfig::default();
        for seed in 0..50 {
            for failures in 1..=10u32 {
                let ceiling = (500u64 << (failures - 1)).min(30_000);
                let delay = delay_ms(&config, seed, StepId(2), failures, failures);
                assert!((ceiling / 2..=ceiling).contains(&delay), "failure {failures}: {delay} ms");
            }
        }
    }

    #[test]
    fn jitter_comes_from_the_seed_and_differs_between_steps() {
        let config = RunConfig::default();
        let draw = |seed, step| delay_ms(&config, seed, StepId(step), 3, 3);
        assert_eq!(draw(7, 0), draw(7, 0));
        let spread: std::collections::BTreeSet<u64> = (0..12).map(|step| draw(7, step)).collect();
        assert!(spread.len() > 6, "twelve steps failing together retry at {spread:?}");
        let seeds: std::collections::BTreeSet<u64> = (0..12).map(|seed| draw(seed, 0)).collect();
        assert!(seeds.len() > 6);
    }
}
