//! 2^x for the decay of points, inlined into the scoring loop.
//!
//! Hand-written for speed: every counted event of a half-life rule needs one
//! 2^x when a lead is scored, and the C library's `exp2` (a call, then a
//! general-purpose path) was about 40 instructions of the 1,000 per event
//! (`docs/benchmarks.md`, "Full rescoring"). This one is a table of 2^(j/64)
//! and a degree-5 polynomial, about half of that, for the range decay uses;
//! it is deterministic (plain IEEE arithmetic, no platform library), exact at
//! whole numbers of half-lives, and within a few units in the last place of
//! the library's answer elsewhere (a test checks both).

/// 2^(j/64) for j in 0..64, correctly rounded.
const TABLE: [u64; 64] = [
    0x3ff0000000000000,
    0x3ff02c9a3e778061,
    0x3ff059b0d3158574,
    0x3ff0874518759bc8,
    0x3ff0b5586cf9890f,
    0x3ff0e3ec32d3d1a2,
    0x3ff11301d0125b51,
    0x3ff1429aaea92de0,
    0x3ff172b83c7d517b,
    0x3ff1a35beb6fcb75,
    0x3ff1d4873168b9aa,
    0x3ff2063b88628cd6,
    0x3ff2387a6e756238,
    0x3ff26b4565e27cdd,
    0x3ff29e9df51fdee1,
    0x3ff2d285a6e4030b,
    0x3ff306fe0a31b715,
    0x3ff33c08b26416ff,
    0x3ff371a7373aa9cb,
    0x3ff3a7db34e59ff7,
    0x3ff3dea64c123422,
    0x3ff4160a21f72e2a,
    0x3ff44e086061892d,
    0x3ff486a2b5c13cd0,
    0x3ff4bfdad5362a27,
    0x3ff4f9b2769d2ca7,
    0x3ff5342b569d4f82,
    0x3ff56f4736b527da,
    0x3ff5ab07dd485429,
    0x3ff5e76f15ad2148,
    0x3ff6247eb03a5585,
    0x3ff6623882552225,
    0x3ff6a09e667f3bcd,
    0x3ff6dfb23c651a2f,
    0x3ff71f75e8ec5f74,
    0x3ff75feb564267c9,
    0x3ff7a11473eb0187,
    0x3ff7e2f336cf4e62,
    0x3ff82589994cce13,
    0x3ff868d99b4492ed,
    0x3ff8ace5422aa0db,
    0x3ff8f1ae99157736,
    0x3ff93737b0cdc5e5,
    0x3ff97d829fde4e50,
    0x3ff9c49182a3f090,
    0x3ffa0c667b5de565,
    0x3ffa5503b23e255d,
    0x3ffa9e6b5579fdbf,
    0x3ffae89f995ad3ad,
    0x3ffb33a2b84f15fb,
    0x3ffb7f76f2fb5e47,
    0x3ffbcc1e904bc1d2,
    0x3ffc199bdd85529c,
    0x3ffc67f12e57d14b,
    0x3ffcb720dcef9069,
    0x3ffd072d4a07897c,
    0x3ffd5818dcfba487,
    0x3ffda9e603db3285,
    0x3ffdfc97337b9b5f,
    0x3ffe502ee78b3ff6,
    0x3ffea4afa2a490da,
    0x3ffefa1bee615a27,
    0x3fff50765b6e4540,
    0x3fffa7c1819e90d8,
];

/// ln(2)^k / k! for k = 1..=5: the Taylor series of 2^r = e^(r ln 2).
const C: [f64; 5] = [
    std::f64::consts::LN_2,
    0.24022650695910072,
    0.05550410866482158,
    0.009618129107628477,
    0.0013333558146428443,
];

/// Adding 1.5 × 2^52 to a number of magnitude below 2^51 rounds it to an
/// integer, which then sits in the low bits of the sum.
const SHIFT: f64 = 6_755_399_441_055_744.0;

/// 2^x. Fast for -1000 < x ≤ 0, where decay factors lie; elsewhere (results
/// too small to matter, or outside decay's use) the library's answer.
#[inline(always)]
pub(crate) fn exp2(x: f64) -> f64 {
    if !(x > -1000.0 && x <= 0.0) {
        return x.exp2();
    }
    // x = k/64 + r with k an integer and |r| ≤ 1/128; both steps are exact
    // (x·64 is a power-of-two scaling, and x and k/64 are close enough for
    // their difference to be exact).
    let kf = x * 64.0 + SHIFT;
    let k = (kf.to_bits() as i64).wrapping_sub(SHIFT.to_bits() as i64);
    let r = x - (kf - SHIFT) * (1.0 / 64.0);
    let p = 1.0 + r * (C[0] + r * (C[1] + r * (C[2] + r * (C[3] + r * C[4]))));
    let t = f64::from_bits(TABLE[(k & 63) as usize]);
    // 2^(k div 64) built from its exponent bits: k > -64,000, so the exponent
    // k div 64 > -1,001 stays in the normal range.
    let scale = f64::from_bits((((k >> 6) + 1023) as u64) << 52);
    t * p * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_half_lives_are_exact() {
        for n in 0..1000 {
            assert_eq!(exp2(-f64::from(n)), (-f64::from(n)).exp2(), "2^-{n}");
        }
        assert_eq!(exp2(0.0), 1.0);
        assert_eq!(exp2(-0.5), std::f64::consts::FRAC_1_SQRT_2);
    }

    #[test]
    fn agrees_with_the_library_within_a_few_units_in_the_last_place() {
        let mut worst = 0.0f64;
        let mut x = 0.0;
        while x > -1000.0 {
            let (fast, lib) = (exp2(x), x.exp2());
            worst = worst.max(((fast - lib) / lib).abs());
            x -= 0.000_731_3;
        }
        assert!(
            worst < 4.0 * f64::EPSILON,
            "largest relative difference {worst:e}"
        );
    }

    #[test]
    fn outside_the_fast_range_it_is_the_library() {
        for x in [-1000.0, -1074.5, -2000.0, 0.5, 3.0, f64::NEG_INFINITY] {
            assert_eq!(exp2(x).to_bits(), x.exp2().to_bits());
        }
        assert!(exp2(f64::NAN).is_nan());
    }
}
