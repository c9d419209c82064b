//! The first eight bytes of a text value, lower-cased once, so that the many `==` and
//! `starts_with` tests one event meets on one property (every page rule tests `path`)
//! are mostly decided by one integer comparison each instead of a read of the text.
//!
//! Hand-written for speed: each test otherwise unpacks the value and lower-cases and
//! compares it word by word (about 40 instructions); `docs/benchmarks.md` ("Full
//! rescoring") measures the difference.

use crate::value::Value;
use crate::words::word;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = ONES * 0x80;

/// What an environment knows of a slot's text before a test reads the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextHead {
    /// The first `min(len, 8)` bytes, ASCII-lower-cased, zero-padded (little-endian).
    first8: u64,
    /// The length of the text in bytes.
    len: u32,
    kind: HeadKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeadKind {
    /// Not prepared, or not ASCII text in its first eight bytes: tests read the value.
    Unknown,
    /// No value: every text test is false.
    Missing,
    /// Text whose first `min(len, 8)` bytes are ASCII.
    Ascii,
}

impl TextHead {
    /// Nothing known: tests read the value.
    pub const UNKNOWN: TextHead = TextHead {
        first8: 0,
        len: 0,
        kind: HeadKind::Unknown,
    };

    /// The head of `v`.
    #[inline]
    pub fn of(v: &Value) -> TextHead {
        match v {
            Value::Null => TextHead {
                kind: HeadKind::Missing,
                ..TextHead::UNKNOWN
            },
            Value::Str(s) => {
                let b = s.as_bytes();
                let x = padded8(b);
                if x & HIGH != 0 || b.len() > u32::MAX as usize {
                    return TextHead::UNKNOWN;
                }
                TextHead {
                    first8: lower8(x),
                    len: b.len() as u32,
                    kind: HeadKind::Ascii,
                }
            }
            // Numbers and booleans compare as numbers and booleans, or as written.
            Value::Num(_) | Value::Bool(_) => TextHead::UNKNOWN,
        }
    }

    /// The outcome of `value == lit` ignoring case (`!=` when `negated`; false for a
    /// missing value either way), where the head decides it: `None` when the value must
    /// be read.
    #[inline(always)]
    pub(crate) fn eq(self, lit: &Literal, negated: bool) -> Option<bool> {
        self.kind_test(negated, || self.ascii_eq(lit))
    }

    /// The outcome of `value starts_with lit` ignoring case, as [`TextHead::eq`].
    #[inline(always)]
    pub(crate) fn starts(self, lit: &Literal, negated: bool) -> Option<bool> {
        self.kind_test(negated, || self.ascii_starts(lit))
    }

    /// The outcome of `value in items` (`not in` when `negated`), as [`TextHead::eq`];
    /// `items` gives each item's length and its first 8 bytes (lower-cased, zero-padded).
    #[inline(always)]
    pub(crate) fn in_list(
        self,
        items: impl Iterator<Item = (usize, u64)>,
        negated: bool,
    ) -> Option<bool> {
        self.kind_test(negated, || {
            let len = self.len as usize;
            let mut undecided = false;
            for (n, first8) in items {
                // Lower-cased, up to 8 ASCII bytes keep their length, and more make at
                // least 9: only an item of the same length, or both longer than 8, can
                // be equal.
                if first8 == self.first8 && (n == len || (len > 8 && n > 8)) {
                    if len <= 8 {
                        return Some(true);
                    }
                    undecided = true;
                }
            }
            (!undecided).then_some(false)
        })
    }

    #[inline(always)]
    fn kind_test(self, negated: bool, ascii: impl FnOnce() -> Option<bool>) -> Option<bool> {
        match self.kind {
            HeadKind::Unknown => None,
            HeadKind::Missing => Some(false),
            HeadKind::Ascii => ascii().map(|b| b != negated),
        }
    }

    /// `value == lit` for ASCII heads: up to 8 ASCII bytes lower-case one to one, and
    /// more than 8 make at least 9 once lower-cased, whatever follows.
    #[inline(always)]
    fn ascii_eq(self, lit: &Literal) -> Option<bool> {
        if lit.len <= 8 {
            Some(self.len as usize == lit.len && self.first8 == lit.first8)
        } else if self.first8 != lit.first8 || self.len <= 8 {
            Some(false)
        } else {
            None
        }
    }

    /// `value starts_with lit` for ASCII heads.
    #[inline(always)]
    fn ascii_starts(self, lit: &Literal) -> Option<bool> {
        let len = self.len as usize;
        if (self.first8 ^ lit.first8) & mask(lit.len.min(8)) != 0 {
            Some(false)
        } else if len <= 8 {
            // All of it ASCII, and compared.
            Some(len >= lit.len)
        } else if lit.len <= 8 {
            Some(true)
        } else {
            None
        }
    }
}

/// The low `n` bytes (n ≤ 8).
#[inline(always)]
fn mask(n: usize) -> u64 {
    if n >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * n)) - 1
    }
}

/// The first `min(len, 8)` bytes of `b` as a little-endian word, zero-padded.
#[inline(always)]
fn padded8(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 8 {
        word(b, 0)
    } else if n >= 4 {
        // Two overlapping 4-byte reads: bytes 4.. come from the second, shifted down.
        let half = |at: usize| {
            b.get(at..)
                .and_then(<[u8]>::first_chunk::<4>)
                .map_or(0, |c| u64::from(u32::from_le_bytes(*c)))
        };
        half(0) | ((half(n - 4) >> (8 * (8 - n))) << 32)
    } else {
        b.iter().rev().fold(0, |acc, &x| (acc << 8) | u64::from(x))
    }
}

/// Lower-cases 8 ASCII bytes at once (see `eval::ascii_lower8`).
#[inline(always)]
fn lower8(x: u64) -> u64 {
    let at_least_a = x.wrapping_add(ONES * (0x80 - u64::from(b'A')));
    let past_z = x.wrapping_add(ONES * (0x80 - u64::from(b'Z') - 1));
    let upper = at_least_a & !past_z & HIGH;
    x | (upper >> 2)
}

/// A lower-cased literal of an `==` or `starts_with` test, with its head.
#[derive(Debug, Clone)]
pub(crate) struct Literal {
    first8: u64,
    len: usize,
    text: Box<str>,
}

impl Literal {
    /// `lower` must already be lower-cased the way the tests expect.
    pub(crate) fn new(lower: Box<str>) -> Literal {
        Literal {
            first8: padded8(lower.as_bytes()),
            len: lower.len(),
            text: lower,
        }
    }
}

impl std::ops::Deref for Literal {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::eval::{eq_ci, starts_with_ci};
    use smol_str::SmolStr;

    #[test]
    fn padded_words_hold_the_first_bytes() {
        for n in 0..12 {
            let text: Vec<u8> = (1..=n as u8).collect();
            let mut want = [0u8; 8];
            for (i, b) in text.iter().take(8).enumerate() {
                want[i] = *b;
            }
            assert_eq!(padded8(&text), u64::from_le_bytes(want), "length {n}");
        }
    }

    #[test]
    fn heads_agree_with_the_full_tests() {
        let texts = [
            "",
            "/",
            "/demo",
            "/DEMO",
            "/demos",
            "/dem",
            "/pricing",
            "/Pricing/team",
            "/pricin",
            "/vi/bang-gia",
            "/vi/bang-gi",
            "/vi/bang-gia/x",
            "abcdefgh",
            "abcdefghi",
            "ABCDEFGH",
            "abc\0\0\0\0\0x",
            "abc",
            "/product/analytics",
            "/product/analytics/x",
            "/product/analyticz",
            "Giám đốc",
            "giÁm",
            "Kelvin\u{212A}",
            "\u{212A}",
            "k",
            "/careers",
            "/CAREERS-vn",
            "İstanbul",
            "i̇stanbul",
        ];
        for v in texts {
            let head = TextHead::of(&Value::Str(SmolStr::new(v)));
            for l in texts {
                let lower = crate::expr::eval::lowercase(l);
                let lit = Literal::new(lower.clone());
                for negated in [false, true] {
                    if let Some(eq) = head.eq(&lit, negated) {
                        assert_eq!(eq, eq_ci(v, &lower) != negated, "{v:?} == {l:?}");
                    }
                    if let Some(starts) = head.starts(&lit, negated) {
                        let want = starts_with_ci(v, &lower) != negated;
                        assert_eq!(starts, want, "{v:?} starts_with {l:?}");
                    }
                }
            }
        }
        let a = Literal::new("a".into());
        assert_eq!(TextHead::of(&Value::Null).eq(&a, true), Some(false));
        assert_eq!(TextHead::of(&Value::Null).starts(&a, true), Some(false));
        assert_eq!(TextHead::of(&Value::Num(1.0)).starts(&a, false), None);
    }

    proptest::proptest! {
        /// Short texts mixing case, slashes, accents and characters whose lower case
        /// changes their length.
        #[test]
        fn heads_agree_with_the_full_tests_on_any_text(
            v in "[aAbB/\\-0K\u{212A}éÉİß]{0,11}",
            l in "[aAbB/\\-0K\u{212A}éÉİß]{0,11}",
        ) {
            let head = TextHead::of(&Value::Str(SmolStr::new(&v)));
            let lower = crate::expr::eval::lowercase(&l);
            let lit = Literal::new(lower.clone());
            if let Some(eq) = head.eq(&lit, false) {
                proptest::prop_assert_eq!(eq, eq_ci(&v, &lower));
            }
            if let Some(starts) = head.starts(&lit, false) {
                proptest::prop_assert_eq!(starts, starts_with_ci(&v, &lower));
            }
        }

        #[test]
        fn heads_agree_with_in_lists(
            v in "[aAbB/\\-0K\u{212A}éÉİß]{0,11}",
            items in proptest::collection::vec("[aAbB/\\-0K\u{212A}éÉİß]{0,11}", 0..5),
        ) {
            let head = TextHead::of(&Value::Str(SmolStr::new(&v)));
            let lowered = items.iter().map(|i| crate::expr::eval::lowercase(i)).collect();
            let list = crate::expr::eval::TextList::new(lowered, Box::new([]), [false; 2]);
            if let Some(found) = head.in_list(list.head_words(), false) {
                proptest::prop_assert_eq!(found, list.contains_text(&v));
            }
        }
    }
}
