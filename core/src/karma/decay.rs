//! Integer arithmetic of karma values: the EMA step and half-life decay, both in millionths.
//!
//! Owns every computation on a karma number. Never uses floating point, so a value comes out
//! byte-identical natively and in wasm32: only u32/u64/u128 arithmetic and a fixed table.

use crate::events::PPM;

/// Steps per half-life in [`HALF_LIFE_TABLE`].
const STEPS: u128 = 64;

/// `2^(-k/64)` in millionths for k = 0..=64 (rounded to nearest), so `[0]` is 1.0 and `[64]` is 0.5.
/// Between two entries the factor is interpolated linearly (at most ~15 ppm above the true curve).
const HALF_LIFE_TABLE: [u32; 65] = [
    1_000_000, 989_228, 978_572, 968_031, 957_603, 947_288, 937_084, 926_990, 917_004, 907_126, 897_355, 887_688,
    878_126, 868_667, 859_310, 850_053, 840_896, 831_838, 822_878, 814_014, 805_245, 796_571, 787_990, 779_502,
    771_105, 762_799, 754_582, 746_454, 738_413, 730_459, 722_590, 714_807, 707_107, 699_490, 691_955, 684_501,
    677_128, 669_834, 662_618, 655_481, 648_420, 641_435, 634_525, 627_690, 620_929, 614_240, 607_624, 601_078,
    594_604, 588_198, 581_862, 575_595, 569_394, 563_261, 557_193, 551_191, 545_254, 539_380, 533_570, 527_823,
    522_137, 516_512, 510_949, 505_445, 500_000,
];

/// `ppm · 2^(-elapsed/half_life)`, rounded down.
///
/// Whole half-lives are a shift; the fraction of one is read from [`HALF_LIFE_TABLE`] with linear
/// interpolation. The result is non-increasing in `elapsed_ms`, exactly `ppm >> n` after `n` whole
/// half-lives, and 0 after 32 of them. A zero half-life means "never decays".
pub(super) fn decay(ppm: u32, elapsed_ms: u64, half_life_ms: u64) -> u32 {
    if half_life_ms == 0 || elapsed_ms == 0 || ppm == 0 {
        return ppm;
    }
    let whole = elapsed_ms / half_life_ms;
    if whole >= 32 {
        return 0;
    }
    let half_life = u128::from(half_life_ms);
    let scaled = u128::from(elapsed_ms % half_life_ms) * STEPS;
    // scaled < half_life · 64, so the step is below 64; `min` only keeps the index provably in range.
    let step = usize::try_from(scaled / half_life).unwrap_or(63).min(63);
    let within = scaled % half_life;
    let high = u128::from(HALF_LIFE_TABLE[step]);
    let low = u128::from(HALF_LIFE_TABLE[step + 1]);
    let factor = high - (high - low) * within / half_life;
    let value = u128::from(ppm) * factor / (u128::from(PPM) << whole);
    u32::try_from(value).unwrap_or(ppm)
}

/// One EMA step `v ← v + α·(target − v)`, with the step's size rounded up so that a value always
/// reaches its target (e.g. a flawless record reaches exactly 1.0). `alpha_ppm` above 1.0 counts
/// as 1.0. The result lies between `value` and `target`.
pub(super) fn toward(value: u64, target: u64, alpha_ppm: u32) -> u64 {
    let alpha = u128::from(alpha_ppm.min(PPM));
    let step = |gap: u64| -> u64 {
        let moved = (u128::from(gap) * alpha).div_ceil(u128::from(PPM));
        u64::try_from(moved).unwrap_or(gap).min(gap)
    };
    if target >= value {
        value + step(target - value)
    } else {
        value - step(value - target)
    }
}

/// [`toward`] on a millionths value.
pub(super) fn toward_ppm(value: u32, target: u32, alpha_ppm: u32) -> u32 {
    let moved = toward(u64::from(value), u64::from(target), alpha_ppm);
    // Between two u32 values, so it always fits.
    u32::try_from(moved).unwrap_or(value)
}

/// `alpha · (attenuation)^level`, in millionths, rounded down at each level.
pub(super) fn attenuated(alpha_ppm: u32, attenuation_ppm: u32, level: usize) -> u32 {
    let mut alpha = u64::from(alpha_ppm.min(PPM));
    for _ in 0..level {
        if alpha == 0 {
            break;
        }
        alpha = alpha * u64::from(attenuation_ppm.min(PPM)) / u64::from(PPM);
    }
    u32::try_from(alpha).unwrap_or(0)
}

/// One stored karma dimension: its value when last updated, and when that was.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct Decaying {
    ppm: u32,
    at_ms: u64,
}

impl Decaying {
    /// The value read at `at_ms`; a time before the last update reads it undecayed.
    pub(super) fn at(&self, at_ms: u64, half_life_ms: u64) -> u32 {
        decay(self.ppm, at_ms.saturating_sub(self.at_ms), half_life_ms)
    }

    /// Decays to `at_ms`, then takes one EMA step toward `target`. The update time never moves
    /// backwards, so an out-of-order update is applied without decay.
    pub(super) fn push(&mut self, at_ms: u64, target: u32, alpha_ppm: u32, half_life_ms: u64) {
        let now = self.at(at_ms, half_life_ms);
        self.ppm = toward_ppm(now, target, alpha_ppm);
        self.at_ms = self.at_ms.max(at_ms);
    }
}
