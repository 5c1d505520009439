//! Splitting an amount into shares without losing a base unit to rounding.
//!
//! Rule: every share is rounded down; what rounding leaves over goes to the first share. So the
//! shares always add up to the amount exactly, and the first payee (the executor, the requester)
//! is the one who gains the few units rounding leaves.

use crate::events::BASIS_POINTS;

/// Splits `amount` by basis points; `None` unless `bps` is non-empty and adds up to 10,000.
pub fn by_bps(amount: u64, bps: &[u16]) -> Option<Vec<u64>> {
    if bps.iter().map(|&b| u32::from(b)).sum::<u32>() != u32::from(BASIS_POINTS) {
        return None;
    }
    let mut shares: Vec<u64> = bps.iter().map(|&b| bps_of(amount, b)).collect();
    let given: u64 = shares.iter().sum();
    let first = shares.first_mut()?;
    // Each share is rounded down, so together they never exceed the amount.
    *first += amount.saturating_sub(given);
    Some(shares)
}

/// `amount × bps / 10,000`, rounded down (u128 intermediate, so it cannot overflow).
pub fn bps_of(amount: u64, bps: u16) -> u64 {
    let share = u128::from(amount) * u128::from(bps) / u128::from(BASIS_POINTS);
    // bps ≤ 10,000 in every genesis, so the share never exceeds the amount; saturate regardless.
    u64::try_from(share).unwrap_or(amount)
}

/// `amount × bps / 10,000`, rounded up: the smallest stake that honours a stake ratio.
pub fn bps_of_ceil(amount: u64, bps: u16) -> u64 {
    let scaled = u128::from(amount) * u128::from(bps);
    let share = scaled.div_ceil(u128::from(BASIS_POINTS));
    u64::try_from(share).unwrap_or(u64::MAX)
}

/// Splits `amount` evenly among `n` payees: (each one's share, the remainder). With `n == 0` the
/// whole amount is remainder.
pub fn evenly(amount: u64, n: usize) -> (u64, u64) {
    match u64::try_from(n) {
        Ok(n) if n > 0 => (amount / n, amount % n),
        _ => (0, amount),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bps_shares_add_up_and_the_first_takes_the_remainder() {
        assert_eq!(by_bps(100, &[7_500, 1_500, 1_000]), Some(vec![75, 15, 10]));
        assert_eq!(by_bps(7, &[7_500, 1_500, 1_000]), Some(vec![6, 1, 0]));
        assert_eq!(by_bps(1, &[3_333, 3_333, 3_334]), Some(vec![1, 0, 0]));
        for amount in [0u64, 1, 9, 99, 101, 1_000_000_000_007, u64::MAX] {
            assert_eq!(
                by_bps(amount, &[7_500, 1_500, 1_000]).map(|s| s.iter().map(|&x| u128::from(x)).sum::<u128>()),
                Some(u128::from(amount))
            );
        }
        assert_eq!(by_bps(100, &[7_500, 1_500]), None);
        assert_eq!(by_bps(100, &[9_000, 1_500]), None);
        assert_eq!(by_bps(100, &[]), None);
    }

    #[test]
    fn stake_minimum_rounds_up() {
        assert_eq!(bps_of_ceil(100, 1_000), 10);
        assert_eq!(bps_of_ceil(101, 1_000), 11);
        assert_eq!(bps_of_ceil(0, 1_000), 0);
        assert_eq!(bps_of_ceil(u64::MAX, 10_000), u64::MAX);
    }

    #[test]
    fn even_split_keeps_the_remainder() {
        assert_eq!(evenly(10, 3), (3, 1));
        assert_eq!(evenly(10, 0), (0, 10));
        assert_eq!(evenly(2, 2), (1, 0));
    }
}
