//! Reading byte strings a machine word at a time, for the comparisons of
//! short text (names, keys, literals) on the scoring hot path.
//!
//! Short strings are read as at most a few overlapping words instead of byte
//! by byte or through `memcmp`, whose call costs more than the comparison of
//! a 10-byte key itself.

/// Eight bytes from `at` as a little-endian word; 0 past the end (callers
/// stay within the length).
#[inline(always)]
pub(crate) fn word(s: &[u8], at: usize) -> u64 {
    s.get(at..)
        .and_then(<[u8]>::first_chunk::<8>)
        .map_or(0, |c| u64::from_le_bytes(*c))
}

#[inline(always)]
fn half(s: &[u8], at: usize) -> u64 {
    s.get(at..)
        .and_then(<[u8]>::first_chunk::<4>)
        .map_or(0, |c| u64::from(u32::from_le_bytes(*c)))
}

/// The words covering `s` (at most 8 bytes, else its first and last 8
/// overlapping ones, then every 8 in between) passed to `f` in pairs with
/// the words at the same places of `t`, which has the same length; stops
/// when `f` returns false. Overlapping reads cover a byte twice, which
/// comparisons and bit tests do not mind.
#[inline(always)]
pub(crate) fn zip_words(s: &[u8], t: &[u8], mut f: impl FnMut(u64, u64) -> bool) -> bool {
    let n = s.len();
    debug_assert_eq!(n, t.len());
    if n >= 8 {
        let mut at = 0;
        while at + 8 < n {
            if !f(word(s, at), word(t, at)) {
                return false;
            }
            at += 8;
        }
        f(word(s, n - 8), word(t, n - 8))
    } else if n >= 4 {
        // Two overlapping 4-byte reads packed into one word.
        let pack = |x: &[u8]| half(x, 0) | (half(x, n - 4) << 32);
        f(pack(s), pack(t))
    } else {
        let pack = |x: &[u8]| x.iter().rev().fold(0, |acc, &b| (acc << 8) | u64::from(b));
        f(pack(s), pack(t))
    }
}

/// Whether two byte strings are equal.
#[inline(always)]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && zip_words(a, b, |x, y| x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_agrees_with_slice_equality() {
        let texts: Vec<Vec<u8>> = (0..40)
            .flat_map(|n| {
                let base: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
                let mut variants = vec![base.clone()];
                for i in 0..n {
                    let mut v = base.clone();
                    v[i] ^= 0x20;
                    variants.push(v);
                }
                variants
            })
            .collect();
        for a in &texts {
            for b in &texts {
                assert_eq!(same_bytes(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }
}
