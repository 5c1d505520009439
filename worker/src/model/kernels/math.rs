//! Elementary functions four lanes at a time, for the kernels: e^(-v) and erf.

use super::lanes::F32x4;

/// erf by Abramowitz & Stegun's 7.1.26: absolute error below 1.5e-7 in exact arithmetic, within
/// 5e-7 in f32.
#[inline(always)]
pub(crate) fn erf(x: F32x4) -> F32x4 {
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [0.254_829_6, -0.284_496_74, 1.421_413_7, -1.453_152_1, 1.061_405_4];
    let one = F32x4::splat(1.0);
    let a = x.abs();
    let t = one.div(one.add(F32x4::splat(P).mul(a)));
    let poly = A.iter().rev().fold(F32x4::splat(0.0), |sum, &c| sum.add(F32x4::splat(c)).mul(t));
    one.sub(poly.mul(exp_of_negative(a.mul(a)))).with_sign_of(x)
}

/// e^(-v) for v ≥ 0, by range reduction and a polynomial (relative error below 2e-7). NaN stays
/// NaN; beyond 87 v is taken as 87 (e^-87 ≈ 1.6e-38), so the result is never subnormal.
#[inline(always)]
pub(crate) fn exp_of_negative(v: F32x4) -> F32x4 {
    // ln 2 in two parts, so that n · LN2_HIGH is exact for the n that occur (|n| ≤ 126).
    const LN2_HIGH: f32 = 0.693_145_75;
    const LN2_LOW: f32 = 1.428_606_8e-6;
    let y = F32x4::splat(0.0).sub(v.min(F32x4::splat(87.0)));
    let n = y.mul(F32x4::splat(std::f32::consts::LOG2_E)).round();
    let r = y.sub(n.mul(F32x4::splat(LN2_HIGH))).sub(n.mul(F32x4::splat(LN2_LOW)));
    // e^r for |r| ≤ ln2/2 by its Taylor series to r^6 (relative error below 1.2e-7).
    let coefficients = [1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0];
    let e_r = coefficients[1..].iter().fold(F32x4::splat(coefficients[0]), |sum, &c| sum.mul(r).add(F32x4::splat(c)));
    e_r.mul(n.exp2_whole())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lanes(values: [f32; 4], f: impl Fn(F32x4) -> F32x4) -> [f32; 4] {
        let mut out = [0.0; 4];
        f(F32x4::load(&values)).store(&mut out);
        out
    }

    #[test]
    fn exp_of_negative_is_accurate_from_zero_to_its_floor() {
        for i in 0..=870 {
            let v = i as f32 / 10.0;
            let got = lanes([v; 4], exp_of_negative)[0] as f64;
            let exact = (-(v as f64)).exp();
            assert!((got - exact).abs() <= 3e-7 * exact, "e^-{v} = {got}, expected {exact}");
        }
        let floor = lanes([87.0; 4], exp_of_negative)[0];
        assert!(floor > 0.0 && floor.is_normal());
        assert_eq!(lanes([0.0, 1e9, f32::INFINITY, 88.0], exp_of_negative), [1.0, floor, floor, floor]);
        assert!(lanes([f32::NAN; 4], exp_of_negative)[0].is_nan());
    }

    #[test]
    fn erf_is_odd_and_within_its_bound() {
        for i in -600..=600 {
            let x = i as f32 / 100.0;
            let got = lanes([x, -x, 0.0, 0.0], erf);
            assert_eq!(got[0], -got[1]);
            assert!((got[0] as f64 - libm::erf(x as f64)).abs() <= 5e-7, "erf({x}) = {}", got[0]);
        }
    }
}
