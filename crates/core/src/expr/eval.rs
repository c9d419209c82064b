//! Evaluation: the lowered form of a condition and the comparisons it runs.
//!
//! Every leaf holds a resolved [`Slot`] and a literal prepared at compile time (parsed
//! number, lower-cased text, compiled regex), so evaluation is a `match` per node with no
//! name lookup, hashing or allocation. Text is compared byte-wise while it is ASCII, which
//! covers nearly all values; only non-ASCII values take the slower Unicode path.

use super::{Env, Slot};
use crate::value::Value;
use regex::Regex;
use std::cmp::Ordering;
use std::fmt::Write as _;

/// A compiled condition. Kept at 32 bytes so that the children of an `and`/`or` sit
/// densely in one allocation.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Const(bool),
    Truthy(Slot),
    Present(Slot),
    Missing(Slot),
    NumEq(Slot, f64),
    NumNe(Slot, f64),
    NumLt(Slot, f64),
    NumLe(Slot, f64),
    NumGt(Slot, f64),
    NumGe(Slot, f64),
    Between {
        slot: Slot,
        negated: bool,
        lo: f64,
        hi: f64,
    },
    /// `as_bool() == Some(expected)`; `x != true` lowers to `BoolIs(x, false)` because
    /// both are false for values that are not true/false.
    BoolIs(Slot, bool),
    TextEq {
        slot: Slot,
        negated: bool,
        /// What a true/false value must be to be equal.
        boolean: Option<bool>,
        /// What a number value must be to be equal; NaN (never equal) when the text is
        /// not numeric.
        num: f64,
        lower: Box<str>,
    },
    NumIn {
        slot: Slot,
        negated: bool,
        list: Box<[f64]>,
    },
    TextIn {
        slot: Slot,
        negated: bool,
        list: Box<TextList>,
    },
    Contains {
        slot: Slot,
        negated: bool,
        lower: Box<str>,
    },
    StartsWith {
        slot: Slot,
        negated: bool,
        lower: Box<str>,
    },
    EndsWith {
        slot: Slot,
        negated: bool,
        lower: Box<str>,
    },
    Matches {
        slot: Slot,
        negated: bool,
        re: Box<Regex>,
    },
    Not(Box<Node>),
    And(Box<[Node]>),
    Or(Box<[Node]>),
}

/// Lists up to this long are scanned; longer ones are binary-searched.
const SCAN_MAX: usize = 8;

/// Text values up to this many bytes are looked up in `in` lists via a stack copy.
const KEY_MAX: usize = 64;

impl Node {
    pub(crate) fn eval<E: Env + ?Sized>(&self, env: &E) -> bool {
        match self {
            Node::Const(b) => *b,
            Node::Truthy(s) => env.get(*s).as_bool() == Some(true),
            Node::Present(s) => env.get(*s).is_present(),
            Node::Missing(s) => !env.get(*s).is_present(),
            Node::NumEq(s, n) => num(env.get(*s)).is_some_and(|v| v == *n),
            Node::NumNe(s, n) => num(env.get(*s)).is_some_and(|v| v != *n),
            Node::NumLt(s, n) => num(env.get(*s)).is_some_and(|v| v < *n),
            Node::NumLe(s, n) => num(env.get(*s)).is_some_and(|v| v <= *n),
            Node::NumGt(s, n) => num(env.get(*s)).is_some_and(|v| v > *n),
            Node::NumGe(s, n) => num(env.get(*s)).is_some_and(|v| v >= *n),
            Node::Between {
                slot,
                negated,
                lo,
                hi,
            } => num(env.get(*slot)).is_some_and(|v| (*lo <= v && v <= *hi) != *negated),
            Node::BoolIs(s, b) => env.get(*s).as_bool() == Some(*b),
            Node::TextEq {
                slot,
                negated,
                boolean,
                num,
                lower,
            } => match env.get(*slot) {
                Value::Str(s) => eq_ci(s, lower) != *negated,
                Value::Num(n) => (*n == *num) != *negated,
                Value::Bool(b) => (*boolean == Some(*b)) != *negated,
                Value::Null => false,
            },
            Node::NumIn {
                slot,
                negated,
                list,
            } => num(env.get(*slot)).is_some_and(|v| num_in(list, v) != *negated),
            Node::TextIn {
                slot,
                negated,
                list,
            } => match env.get(*slot) {
                Value::Str(s) => list.contains_text(s) != *negated,
                Value::Num(n) => num_in(&list.nums, *n) != *negated,
                Value::Bool(b) => list.bools[usize::from(*b)] != *negated,
                Value::Null => false,
            },
            Node::Contains {
                slot,
                negated,
                lower,
            } => with_text(env.get(*slot), |s| contains_ci(s, lower) != *negated),
            Node::StartsWith {
                slot,
                negated,
                lower,
            } => with_text(env.get(*slot), |s| starts_with_ci(s, lower) != *negated),
            Node::EndsWith {
                slot,
                negated,
                lower,
            } => with_text(env.get(*slot), |s| ends_with_ci(s, lower) != *negated),
            Node::Matches { slot, negated, re } => {
                with_text(env.get(*slot), |s| re.is_match(s) != *negated)
            }
            Node::Not(inner) => !inner.eval(env),
            Node::And(xs) => xs.iter().all(|x| x.eval(env)),
            Node::Or(xs) => xs.iter().any(|x| x.eval(env)),
        }
    }

    pub(crate) fn collect_slots(&self, out: &mut Vec<Slot>) {
        match self {
            Node::Const(_) => {}
            Node::Truthy(s)
            | Node::Present(s)
            | Node::Missing(s)
            | Node::NumEq(s, _)
            | Node::NumNe(s, _)
            | Node::NumLt(s, _)
            | Node::NumLe(s, _)
            | Node::NumGt(s, _)
            | Node::NumGe(s, _)
            | Node::BoolIs(s, _)
            | Node::Between { slot: s, .. }
            | Node::TextEq { slot: s, .. }
            | Node::NumIn { slot: s, .. }
            | Node::TextIn { slot: s, .. }
            | Node::Contains { slot: s, .. }
            | Node::StartsWith { slot: s, .. }
            | Node::EndsWith { slot: s, .. }
            | Node::Matches { slot: s, .. } => out.push(*s),
            Node::Not(inner) => inner.collect_slots(out),
            Node::And(xs) | Node::Or(xs) => xs.iter().for_each(|x| x.collect_slots(out)),
        }
    }

    /// A rough relative cost, to evaluate cheap tests of an `and`/`or` first.
    pub(crate) fn cost(&self) -> u32 {
        match self {
            Node::Const(_) => 0,
            Node::Truthy(_) | Node::Present(_) | Node::Missing(_) | Node::BoolIs(..) => 1,
            Node::NumEq(..)
            | Node::NumNe(..)
            | Node::NumLt(..)
            | Node::NumLe(..)
            | Node::NumGt(..)
            | Node::NumGe(..)
            | Node::Between { .. } => 2,
            Node::TextEq { .. } | Node::NumIn { .. } => 3,
            Node::TextIn { .. } | Node::StartsWith { .. } | Node::EndsWith { .. } => 4,
            Node::Contains { .. } => 6,
            Node::Matches { .. } => 20,
            Node::Not(inner) => inner.cost(),
            Node::And(xs) | Node::Or(xs) => xs.iter().map(Node::cost).fold(0, u32::saturating_add),
        }
    }
}

#[inline]
fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Num(n) => Some(*n),
        other => other.as_num(),
    }
}

/// `list` is sorted, without duplicates or NaN.
fn num_in(list: &[f64], v: f64) -> bool {
    if list.len() <= SCAN_MAX {
        list.contains(&v)
    } else {
        list.binary_search_by(|x| x.partial_cmp(&v).unwrap_or(Ordering::Less))
            .is_ok()
    }
}

/// The text items of an `in` list, prepared for each kind of value.
#[derive(Debug, Clone)]
pub(crate) struct TextList {
    /// Lower-cased, sorted by bytes, without duplicates.
    pub items: Box<[Box<str>]>,
    /// The items that are numeric text, for number values; sorted, without duplicates.
    pub nums: Box<[f64]>,
    /// Whether a false / true value is in the list ("no" / "yes" items), indexed by the value.
    pub bools: [bool; 2],
}

impl TextList {
    fn contains_text(&self, s: &str) -> bool {
        let items = &self.items;
        if s.len() <= KEY_MAX && s.is_ascii() {
            // Lower-casing short values once into a stack buffer turns each probe into a
            // plain byte-slice comparison.
            let mut buf = [0u8; KEY_MAX];
            let key = &mut buf[..s.len()];
            key.copy_from_slice(s.as_bytes());
            key.make_ascii_lowercase();
            let key: &[u8] = key;
            if items.len() <= SCAN_MAX {
                items.iter().any(|item| item.as_bytes() == key)
            } else {
                items
                    .binary_search_by(|item| item.as_bytes().cmp(key))
                    .is_ok()
            }
        } else if s.is_ascii() {
            if items.len() <= SCAN_MAX {
                items.iter().any(|item| s.eq_ignore_ascii_case(item))
            } else {
                let lowered = s.bytes().map(|b| b.to_ascii_lowercase());
                items
                    .binary_search_by(|item| item.bytes().cmp(lowered.clone()))
                    .is_ok()
            }
        } else if items.len() <= SCAN_MAX {
            items.iter().any(|item| lower_chars(s).eq(item.chars()))
        } else {
            // Byte order of UTF-8 is char order, so the byte-sorted items can be searched
            // by comparing chars.
            items
                .binary_search_by(|item| item.chars().cmp(lower_chars(s)))
                .is_ok()
        }
    }
}

/// Applies a text test to the value as text; false for a missing value.
///
/// Numbers and true/false are written out in a stack buffer rather than a `String`, so that
/// `zip starts_with "100"` works on the number 10001 without allocating.
#[inline]
fn with_text(v: &Value, test: impl FnOnce(&str) -> bool) -> bool {
    match v {
        Value::Str(s) => test(s),
        Value::Null => false,
        Value::Num(_) | Value::Bool(_) => {
            let mut buf = StackText {
                buf: [0; 48],
                len: 0,
            };
            // Numbers too long for the buffer (1e300 is written with 301 digits) are
            // treated like values without text.
            if write!(buf, "{v}").is_err() {
                return false;
            }
            std::str::from_utf8(&buf.buf[..buf.len]).is_ok_and(test)
        }
    }
}

struct StackText {
    buf: [u8; 48],
    len: usize,
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dest = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dest.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// The characters of `s` lower-cased one by one. Literals are lower-cased the same way
/// (see [`lowercase`]), so both sides of a comparison agree even where whole-string
/// lower-casing would differ (final sigma).
pub(crate) fn lower_chars(s: &str) -> impl Iterator<Item = char> + Clone + '_ {
    s.chars().flat_map(char::to_lowercase)
}

/// A literal lower-cased for the `*_ci` functions.
pub(crate) fn lowercase(s: &str) -> Box<str> {
    lower_chars(s).collect::<String>().into_boxed_str()
}

/// `s` equals `lower` (a lower-cased literal) ignoring case.
pub(crate) fn eq_ci(s: &str, lower: &str) -> bool {
    if s.is_ascii() {
        // A lower-cased ASCII string is ASCII, so non-ASCII bytes in `lower` can never
        // match here, which is the right answer.
        s.eq_ignore_ascii_case(lower)
    } else {
        lower_chars(s).eq(lower.chars())
    }
}

/// `s` starts with `lower` (a lower-cased literal) ignoring case.
pub(crate) fn starts_with_ci(s: &str, lower: &str) -> bool {
    let (v, n) = (s.as_bytes(), lower.as_bytes());
    // Only the first `n.len()` bytes matter while they are ASCII: ASCII characters
    // lower-case to themselves in length, whatever follows.
    match v.get(..n.len()) {
        Some(head) if head.is_ascii() => return head.eq_ignore_ascii_case(n),
        None if v.is_ascii() => return false,
        _ => {}
    }
    let mut chars = lower_chars(s);
    lower.chars().all(|c| chars.next() == Some(c))
}

/// `s` ends with `lower` (a lower-cased literal) ignoring case.
pub(crate) fn ends_with_ci(s: &str, lower: &str) -> bool {
    let (v, n) = (s.as_bytes(), lower.as_bytes());
    match v
        .len()
        .checked_sub(n.len())
        .and_then(|start| v.get(start..))
    {
        Some(tail) if tail.is_ascii() => return tail.eq_ignore_ascii_case(n),
        None if v.is_ascii() => return false,
        _ => {}
    }
    let mut chars = s.chars().rev().flat_map(|c| c.to_lowercase().rev());
    lower.chars().rev().all(|c| chars.next() == Some(c))
}

/// `s` contains `lower` (a lower-cased literal) ignoring case.
pub(crate) fn contains_ci(s: &str, lower: &str) -> bool {
    let n = lower.as_bytes();
    let Some((&first, rest)) = n.split_first() else {
        return true;
    };
    if s.is_ascii() {
        let v = s.as_bytes();
        if n.len() > v.len() {
            return false;
        }
        // Checking the first byte before the rest keeps the common mismatch to one
        // comparison per position.
        return (0..=v.len() - n.len()).any(|i| {
            v[i].to_ascii_lowercase() == first && v[i + 1..i + n.len()].eq_ignore_ascii_case(rest)
        });
    }
    s.char_indices().any(|(i, _)| {
        let mut chars = lower_chars(&s[i..]);
        lower.chars().all(|c| chars.next() == Some(c))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expr_node_stays_small() {
        assert!(
            std::mem::size_of::<Node>() <= 32,
            "{}",
            std::mem::size_of::<Node>()
        );
    }

    #[test]
    fn expr_case_insensitive_helpers() {
        assert!(eq_ci("CEO", "ceo"));
        assert!(!eq_ci("CEOs", "ceo"));
        assert!(eq_ci("Giám Đốc", &lowercase("giám đốc")));
        assert!(eq_ci("GIÁM ĐỐC", &lowercase("Giám đốc")));
        assert!(starts_with_ci("Director of Sales", "director"));
        assert!(starts_with_ci("ĐỐC Sales", &lowercase("đốc")));
        assert!(starts_with_ci("Dir ĐỐC", "dir"));
        assert!(!starts_with_ci("Di", "dir"));
        assert!(!starts_with_ci("Đi", "dir"));
        assert!(ends_with_ci("john@Gmail.COM", "gmail.com"));
        assert!(ends_with_ci("Ông Giám ĐỐC", &lowercase("giám đốc")));
        assert!(!ends_with_ci("ĐỐC", "xđốc"));
        assert!(contains_ci("Head of Marketing", "marketing"));
        assert!(contains_ci("Trưởng phòng MARKETING", "marketing"));
        assert!(contains_ci("anything", ""));
        assert!(!contains_ci("mark", "marketing"));
        assert!(contains_ci("Phó Giám Đốc", &lowercase("GIÁM ĐỐC")));
        // The Kelvin sign lower-cases to ASCII `k`: the Unicode path must be taken.
        assert!(eq_ci("\u{212A}ey", "key"));
    }

    #[test]
    fn expr_text_of_numbers_uses_no_heap() {
        assert!(with_text(&Value::Num(10001.0), |s| s == "10001"));
        assert!(with_text(&Value::Bool(true), |s| s == "true"));
        assert!(!with_text(&Value::Num(1e300), |_| true));
        assert!(!with_text(&Value::Null, |_| true));
    }
}
