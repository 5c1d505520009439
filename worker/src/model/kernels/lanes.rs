//! Four f32 lanes, the one vector type the CPU kernels are written against: wasm SIMD (simd128)
//! in the browser, plain arrays elsewhere (native builds, where LLVM vectorises them itself and
//! which only tests and benchmarks use). Both give the same results: no fused multiply-add, and
//! rounding to nearest-even in both.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::*;

    #[derive(Clone, Copy)]
    pub(crate) struct F32x4(v128);

    impl F32x4 {
        #[inline(always)]
        pub fn splat(value: f32) -> Self {
            Self(f32x4_splat(value))
        }

        /// The first four values of `from`.
        #[inline(always)]
        pub fn load(from: &[f32]) -> Self {
            let from = &from[..4];
            // SAFETY: `from` holds four f32s; v128_load has no alignment requirement.
            Self(unsafe { v128_load(from.as_ptr().cast()) })
        }

        /// Writes the lanes to the first four places of `to`.
        #[inline(always)]
        pub fn store(self, to: &mut [f32]) {
            let to = &mut to[..4];
            // SAFETY: `to` has room for four f32s; v128_store has no alignment requirement.
            unsafe { v128_store(to.as_mut_ptr().cast(), self.0) }
        }

        #[inline(always)]
        pub fn add(self, other: Self) -> Self {
            Self(f32x4_add(self.0, other.0))
        }

        #[inline(always)]
        pub fn sub(self, other: Self) -> Self {
            Self(f32x4_sub(self.0, other.0))
        }

        #[inline(always)]
        pub fn mul(self, other: Self) -> Self {
            Self(f32x4_mul(self.0, other.0))
        }

        #[inline(always)]
        pub fn div(self, other: Self) -> Self {
            Self(f32x4_div(self.0, other.0))
        }

        #[inline(always)]
        pub fn min(self, other: Self) -> Self {
            Self(f32x4_pmin(self.0, other.0))
        }

        #[inline(always)]
        pub fn abs(self) -> Self {
            Self(f32x4_abs(self.0))
        }

        /// The nearest whole numbers (ties to even).
        #[inline(always)]
        pub fn round(self) -> Self {
            Self(f32x4_nearest(self.0))
        }

        /// Lane-wise `|self|` with the sign of `sign`.
        #[inline(always)]
        pub fn with_sign_of(self, sign: Self) -> Self {
            let sign_bit = f32x4_splat(-0.0);
            Self(v128_or(v128_andnot(self.0, sign_bit), v128_and(sign.0, sign_bit)))
        }

        /// 2^n for lanes holding whole numbers n in the normal range (-126..=127).
        #[inline(always)]
        pub fn exp2_whole(self) -> Self {
            let exponent = i32x4_add(i32x4_trunc_sat_f32x4(self.0), i32x4_splat(127));
            Self(i32x4_shl(exponent, 23))
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod simd {
    #[derive(Clone, Copy)]
    pub(crate) struct F32x4([f32; 4]);

    impl F32x4 {
        #[inline(always)]
        fn map(self, f: impl Fn(f32) -> f32) -> Self {
            Self(self.0.map(f))
        }

        #[inline(always)]
        fn zip(self, other: Self, f: impl Fn(f32, f32) -> f32) -> Self {
            Self(std::array::from_fn(|i| f(self.0[i], other.0[i])))
        }

        #[inline(always)]
        pub fn splat(value: f32) -> Self {
            Self([value; 4])
        }

        #[inline(always)]
        pub fn load(from: &[f32]) -> Self {
            Self([from[0], from[1], from[2], from[3]])
        }

        #[inline(always)]
        pub fn store(self, to: &mut [f32]) {
            to[..4].copy_from_slice(&self.0);
        }

        #[inline(always)]
        pub fn add(self, other: Self) -> Self {
            self.zip(other, |a, b| a + b)
        }

        #[inline(always)]
        pub fn sub(self, other: Self) -> Self {
            self.zip(other, |a, b| a - b)
        }

        #[inline(always)]
        pub fn mul(self, other: Self) -> Self {
            self.zip(other, |a, b| a * b)
        }

        #[inline(always)]
        pub fn div(self, other: Self) -> Self {
            self.zip(other, |a, b| a / b)
        }

        #[inline(always)]
        pub fn min(self, other: Self) -> Self {
            self.zip(other, |a, b| if b < a { b } else { a })
        }

        #[inline(always)]
        pub fn abs(self) -> Self {
            self.map(f32::abs)
        }

        #[inline(always)]
        pub fn round(self) -> Self {
            self.map(f32::round_ties_even)
        }

        #[inline(always)]
        pub fn with_sign_of(self, sign: Self) -> Self {
            self.zip(sign, f32::copysign)
        }

        #[inline(always)]
        pub fn exp2_whole(self) -> Self {
            self.map(|n| f32::from_bits(((n as i32 + 127) as u32) << 23))
        }
    }
}

pub(crate) use simd::F32x4;
