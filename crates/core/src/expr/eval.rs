//! Evaluation: the lowered form of a condition and the comparisons it runs.
//!
//! Every leaf holds a resolved [`Slot`] and a literal prepared at compile time (parsed
//! number, lower-cased text, compiled regex, hashed list), so evaluation is a `match` per
//! node with no name lookup and no allocation. Text is compared byte-wise while it is
//! ASCII, which covers most values; only non-ASCII values take the slower Unicode path.

use super::head::Literal;
use super::{Env, Slot};
use crate::value::Value;
use crate::words::zip_words;
use regex::Regex;
use rustc_hash::FxHashSet;
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
        lower: Box<Literal>,
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
        lower: Box<Literal>,
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

/// Lists up to this long are scanned; longer ones are binary-searched (numbers) or
/// hashed (text).
const SCAN_MAX: usize = 8;

/// Text values up to this many bytes (lower-cased) are looked up in `in` lists via a
/// lower-cased copy on the stack.
const KEY_MAX: usize = 64;

impl Node {
    /// Whether the condition holds for the values in `env`. Inlined into its callers
    /// (the rule loops), so that a condition of one test costs no call besides the
    /// test's own: nested `and`/`or`/`not` go through [`Node::eval_nested`], which ends
    /// the recursion that would otherwise keep this out of line.
    #[inline(always)]
    pub(crate) fn eval<E: Env + ?Sized>(&self, env: &E) -> bool {
        match self {
            Node::Not(inner) => !inner.eval_leaf(env),
            Node::And(xs) => xs.iter().all(|x| x.eval_leaf(env)),
            Node::Or(xs) => xs.iter().any(|x| x.eval_leaf(env)),
            leaf => leaf.eval_leaf(env),
        }
    }

    /// Evaluates a leaf; `and`, `or` and `not` are handed back to [`Node::eval`]. Inlined
    /// into the loops of `and`/`or`, so that their children cost no call each.
    #[inline(always)]
    fn eval_leaf<E: Env + ?Sized>(&self, env: &E) -> bool {
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
            // Environments that prepared the slot's text decide most of these from its
            // head (see `head.rs`); the others read the value.
            Node::TextEq {
                slot,
                negated,
                boolean,
                num,
                lower,
            } => match env.head(*slot).eq(lower, *negated) {
                Some(b) => b,
                None => text_eq(env.get(*slot), *negated, *boolean, *num, lower),
            },
            Node::StartsWith {
                slot,
                negated,
                lower,
            } => match env.head(*slot).starts(lower, *negated) {
                Some(b) => b,
                None => text_starts(env.get(*slot), *negated, lower),
            },
            Node::TextIn {
                slot,
                negated,
                list,
            } => match env.head(*slot).in_list(list.head_words(), *negated) {
                Some(b) => b,
                None => self.text_test(env.get(*slot)),
            },
            Node::NumIn { slot, .. }
            | Node::Contains { slot, .. }
            | Node::EndsWith { slot, .. }
            | Node::Matches { slot, .. } => self.text_test(env.get(*slot)),
            Node::Not(_) | Node::And(_) | Node::Or(_) => self.eval_nested(env),
        }
    }

    /// An `and`, `or` or `not` inside another: rare, so out of line.
    #[inline(never)]
    fn eval_nested<E: Env + ?Sized>(&self, env: &E) -> bool {
        self.eval(env)
    }

    /// The tests that look at text (and lists), on the value of their slot. Kept out of
    /// line so that the leaf code inlined into the `and`/`or` loops stays small: a large
    /// frame there made every child several times dearer.
    #[inline(never)]
    fn text_test(&self, v: &Value) -> bool {
        match self {
            Node::TextEq {
                negated,
                boolean,
                num,
                lower,
                ..
            } => text_eq(v, *negated, *boolean, *num, lower),
            Node::NumIn { negated, list, .. } => {
                self::num(v).is_some_and(|x| num_in(list, x) != *negated)
            }
            Node::TextIn { negated, list, .. } => match v {
                // The head of the value decides most lookups in a short list without
                // lower-casing the value into a buffer.
                Value::Str(s) => super::TextHead::of(v)
                    .in_list(list.head_words(), *negated)
                    .unwrap_or_else(|| list.contains_text(s) != *negated),
                Value::Num(n) => num_in(&list.nums, *n) != *negated,
                Value::Bool(b) => list.bools[usize::from(*b)] != *negated,
                Value::Null => false,
            },
            Node::Contains { negated, lower, .. } => {
                with_text(v, |s| contains_ci(s, lower) != *negated)
            }
            Node::StartsWith { negated, lower, .. } => text_starts(v, *negated, lower),
            Node::EndsWith { negated, lower, .. } => {
                with_text(v, |s| ends_with_ci(s, lower) != *negated)
            }
            Node::Matches { negated, re, .. } => with_text(v, |s| re.is_match(s) != *negated),
            _ => false,
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

    /// The slots of the `==`, `starts_with` and `in` tests on text, once per test: what an
    /// environment may prepare with a [`super::TextHead`].
    pub(crate) fn collect_head_slots(&self, out: &mut Vec<Slot>) {
        match self {
            Node::TextEq { slot, .. }
            | Node::StartsWith { slot, .. }
            | Node::TextIn { slot, .. } => out.push(*slot),
            Node::Not(inner) => inner.collect_head_slots(out),
            Node::And(xs) | Node::Or(xs) => xs.iter().for_each(|x| x.collect_head_slots(out)),
            _ => {}
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

/// The length and first 8 bytes (zero-padded, little-endian) of a lower-cased text: for
/// the short texts that `in` lists hold, one integer comparison decides equality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Head {
    len: usize,
    first8: u64,
}

impl Head {
    fn of(text: &[u8]) -> Head {
        let first8 = text
            .iter()
            .take(8)
            .rev()
            .fold(0, |acc, &b| (acc << 8) | u64::from(b));
        Head {
            len: text.len(),
            first8,
        }
    }
}

/// The text items of an `in` list, prepared for each kind of value.
#[derive(Debug, Clone)]
pub(crate) struct TextList {
    /// Lower-cased, without duplicates.
    items: Box<[Box<[u8]>]>,
    /// The [`Head`] of each item, scanned in short lists.
    heads: Box<[Head]>,
    /// The items hashed, for lists too long to scan.
    set: Option<Box<HashedItems>>,
    /// The longest item's length in bytes: longer values cannot match.
    max_len: usize,
    /// The items that are numeric text, for number values; sorted, without duplicates.
    pub nums: Box<[f64]>,
    /// Whether a false / true value is in the list ("no" / "yes" items), indexed by the value.
    pub bools: [bool; 2],
}

impl TextList {
    /// `items` must be lower-cased with [`lowercase`].
    pub(crate) fn new(items: Vec<Box<str>>, nums: Box<[f64]>, bools: [bool; 2]) -> TextList {
        let mut items: Vec<Box<[u8]>> = items.into_iter().map(Box::<[u8]>::from).collect();
        items.sort_unstable();
        items.dedup();
        let heads = items.iter().map(|item| Head::of(item)).collect();
        let max_len = items.iter().map(|i| i.len()).max().unwrap_or(0);
        let set = (items.len() > SCAN_MAX).then(|| {
            let (short, long): (Vec<_>, Vec<_>) = items.iter().partition(|i| i.len() <= 8);
            Box::new(HashedItems {
                short: short.into_iter().map(|i| Head::of(i)).collect(),
                long: long.into_iter().cloned().collect(),
            })
        });
        TextList {
            items: items.into_boxed_slice(),
            heads,
            set,
            max_len,
            nums,
            bools,
        }
    }

    /// Each item's length and first 8 bytes, for [`super::TextHead::in_list`].
    #[inline(always)]
    pub(crate) fn head_words(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        self.heads.iter().map(|h| (h.len, h.first8))
    }

    /// The items as text, lower-cased and sorted.
    pub(crate) fn texts(&self) -> impl Iterator<Item = String> + '_ {
        self.items
            .iter()
            .filter_map(|i| std::str::from_utf8(i).ok().map(str::to_owned))
    }

    pub(crate) fn contains_text(&self, s: &str) -> bool {
        let mut buf = [0u8; KEY_MAX];
        let Some(head) = lowercase_into(s, &mut buf) else {
            // A long value. Lower-casing keeps the length of ASCII text, so then only as
            // long an item can match; other text may shrink (the Kelvin sign becomes `k`).
            if s.is_ascii() && self.max_len <= KEY_MAX {
                return false;
            }
            return self.items.iter().any(|item| eq_ci_bytes(s, item));
        };
        let key = buf.get(..head.len).unwrap_or_default();
        if let Some(set) = &self.set {
            return if head.len <= 8 {
                set.short.contains(&head)
            } else {
                set.long.contains(key)
            };
        }
        self.heads
            .iter()
            .zip(&self.items)
            .any(|(h, item)| *h == head && (head.len <= 8 || item.get(8..) == key.get(8..)))
    }
}

/// The items of a long `in` list. Items of up to 8 bytes are hashed by their [`Head`],
/// which identifies them, so the common lookup compares integers instead of calling `memcmp`.
#[derive(Debug, Clone)]
struct HashedItems {
    short: FxHashSet<Head>,
    long: FxHashSet<Box<[u8]>>,
}

const ONES: u64 = 0x0101_0101_0101_0101;

/// Lower-cases 8 ASCII bytes at once: adding `0x80 - b'A'` to a byte sets its high bit
/// when it is at least `A`, adding `0x80 - b'Z' - 1` when it is past `Z`.
fn ascii_lower8(x: u64) -> u64 {
    // Wrapping: callers may pass non-ASCII bytes and discard the answer.
    let at_least_a = x.wrapping_add(ONES * (0x80 - u64::from(b'A')));
    let past_z = x.wrapping_add(ONES * (0x80 - u64::from(b'Z') - 1));
    let upper = at_least_a & !past_z & (ONES * 0x80);
    x | (upper >> 2)
}

/// Lower-cases `s` into the start of `buf` the way [`lowercase`] does, leaving the rest
/// zero; `None` if it does not fit.
///
/// ASCII text is read and written 8 bytes at a time: besides being fast, whole-word
/// stores let the later whole-word reads (hashing, [`Head`]) be forwarded from the store
/// buffer, where byte stores would stall them.
fn lowercase_into(s: &str, buf: &mut [u8; KEY_MAX]) -> Option<Head> {
    let bytes = s.as_bytes();
    if bytes.len() > KEY_MAX {
        return if s.is_ascii() {
            None
        } else {
            lowercase_unicode_into(s, buf)
        };
    }
    let mut first8 = 0;
    for (i, chunk) in bytes.chunks(8).enumerate() {
        let x = match chunk.first_chunk::<8>() {
            Some(full) => u64::from_le_bytes(*full),
            None => chunk
                .iter()
                .rev()
                .fold(0, |acc, &b| (acc << 8) | u64::from(b)),
        };
        if x & (ONES * 0x80) != 0 {
            return lowercase_unicode_into(s, buf);
        }
        let lower = ascii_lower8(x);
        if i == 0 {
            first8 = lower;
        }
        if let Some(dest) = buf.get_mut(i * 8..i * 8 + 8) {
            dest.copy_from_slice(&lower.to_le_bytes());
        }
    }
    Some(Head {
        len: bytes.len(),
        first8,
    })
}

#[inline(never)]
fn lowercase_unicode_into(s: &str, buf: &mut [u8; KEY_MAX]) -> Option<Head> {
    buf.fill(0);
    let mut len = 0;
    let fits = each_lower(s.chars(), |c| {
        let end = len + c.len_utf8();
        let Some(dest) = buf.get_mut(len..end) else {
            return false;
        };
        c.encode_utf8(dest);
        len = end;
        true
    });
    if fits {
        Some(Head::of(buf.get(..len)?))
    } else {
        None
    }
}

/// [`eq_ci`] for an item stored as bytes (always valid UTF-8).
fn eq_ci_bytes(s: &str, item: &[u8]) -> bool {
    std::str::from_utf8(item).is_ok_and(|item| eq_ci(s, item))
}

/// `==` on text, the commonest test in event conditions. Out of line like
/// [`Node::text_test`], but in a function of its own: a small body needs no register
/// saves, which cost a match in the large one as much as the comparison itself.
#[inline(never)]
fn text_eq(v: &Value, negated: bool, boolean: Option<bool>, num: f64, lower: &str) -> bool {
    match v {
        Value::Str(s) => eq_ci(s, lower) != negated,
        Value::Num(n) => (*n == num) != negated,
        Value::Bool(b) => (boolean == Some(*b)) != negated,
        Value::Null => false,
    }
}

/// `starts_with`, in a function of its own for the same reason as [`text_eq`].
#[inline(never)]
fn text_starts(v: &Value, negated: bool, lower: &str) -> bool {
    // Matched here rather than through `with_text`, whose closure was not inlined.
    match v {
        Value::Str(s) => starts_with_ci(s, lower) != negated,
        Value::Null => false,
        Value::Num(_) | Value::Bool(_) => with_written(v, |s| starts_with_ci(s, lower) != negated),
    }
}

/// Applies a text test to the value as text; false for a missing value.
#[inline]
fn with_text(v: &Value, test: impl FnOnce(&str) -> bool) -> bool {
    match v {
        Value::Str(s) => test(s),
        Value::Null => false,
        Value::Num(_) | Value::Bool(_) => with_written(v, test),
    }
}

/// Writes the value in a stack buffer rather than a `String`, so that
/// `zip starts_with "100"` works on the number 10001 without allocating.
#[cold]
#[inline(never)]
fn with_written(v: &Value, test: impl FnOnce(&str) -> bool) -> bool {
    let mut buf = StackText {
        buf: [0; 48],
        len: 0,
    };
    // Numbers too long for the buffer (1e300 is written with 301 digits) are treated
    // like values without text.
    if write!(buf, "{v}").is_err() {
        return false;
    }
    let written = buf
        .buf
        .get(..buf.len)
        .and_then(|b| std::str::from_utf8(b).ok());
    written.is_some_and(test)
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

/// Whether ASCII-lower-cased `v` equals `lower`; `None` when `v` is not ASCII, where
/// characters must be compared instead. Reads a word at a time (see [`crate::words`])
/// and runs without early exit: literals are short, and a branch per word would cost
/// more than the words it skips.
#[inline(always)]
fn ascii_eq_lower(v: &[u8], lower: &[u8]) -> Option<bool> {
    if v.len() != lower.len() {
        // An ASCII string keeps its length when lower-cased; others may not.
        return v.is_ascii().then_some(false);
    }
    let (mut diff, mut high) = (0u64, 0u64);
    zip_words(v, lower, |x, y| {
        // `ascii_lower8` is exact for ASCII bytes; for others `high` rejects the answer.
        diff |= ascii_lower8(x) ^ y;
        high |= x;
        true
    });
    // A non-ASCII byte in `lower` never equals a lower-cased ASCII byte, which is the
    // right answer: a lower-cased ASCII string is ASCII.
    (high & (ONES * 0x80) == 0).then_some(diff == 0)
}

/// `s` equals `lower` (a lower-cased literal) ignoring case.
#[inline(always)]
pub(crate) fn eq_ci(s: &str, lower: &str) -> bool {
    ascii_eq_lower(s.as_bytes(), lower.as_bytes()).unwrap_or_else(|| eq_unicode(s, lower))
}

/// The lower case of Latin letters with accents (Latin-1, Latin Extended-A, `Ơ`/`Ư` and
/// Latin Extended Additional, which covers Vietnamese) without the Unicode tables, whose
/// lookup dominated the cost of comparing such text. `None` outside those ranges and for
/// `İ`, whose lower case is two characters. A test checks every character it answers for
/// against [`char::to_lowercase`].
#[inline]
fn latin_lower(c: char) -> Option<char> {
    let u = u32::from(c);
    let even_upper = u % 2 == 0;
    let lower = match u {
        0xC0..=0xDE if u != 0xD7 => u + 0x20,
        0xD7..=0xFF | 0x131 | 0x138 | 0x149 | 0x17F | 0x1A1 | 0x1B0 | 0x1E96..=0x1E9D => u,
        0x100..=0x12F | 0x132..=0x137 | 0x14A..=0x177 | 0x1E00..=0x1E95 | 0x1EA0..=0x1EFF => {
            if even_upper {
                u + 1
            } else {
                u
            }
        }
        0x139..=0x148 | 0x179..=0x17E => {
            if even_upper {
                u
            } else {
                u + 1
            }
        }
        0x178 => 0xFF,
        0x1A0 | 0x1AF => u + 1,
        0x1E9E => 0xDF,
        0x1E9F => u,
        _ => return None,
    };
    char::from_u32(lower)
}

/// Calls `f` with the lower case of each of `chars` in turn, until it returns false;
/// whether it never did. Equivalent to `chars.flat_map(char::to_lowercase)`, but several
/// times faster: the flattening iterator dominated the cost of non-ASCII comparisons.
#[inline]
fn each_lower(chars: impl Iterator<Item = char>, mut f: impl FnMut(char) -> bool) -> bool {
    for c in chars {
        if c.is_ascii() {
            if !f(c.to_ascii_lowercase()) {
                return false;
            }
        } else if let Some(l) = latin_lower(c) {
            if !f(l) {
                return false;
            }
        } else {
            for l in c.to_lowercase() {
                if !f(l) {
                    return false;
                }
            }
        }
    }
    true
}

/// Walks the lower case of `chars` along `want` (with `rev`, both run backwards): `None`
/// at the first difference, else whether both ended together (`Some(false)` when `want` is
/// a proper prefix).
#[inline]
fn lower_prefix(
    chars: impl Iterator<Item = char>,
    mut want: impl Iterator<Item = char>,
    rev: bool,
) -> Option<bool> {
    for c in chars {
        let Some(w) = want.next() else {
            return Some(false);
        };
        // A lower-case character is its own lower case (a test checks this for all of
        // Unicode) and `want` is lower case, so equal characters need no table lookup.
        if c == w || (c.is_ascii() && c.to_ascii_lowercase() == w) {
            continue;
        }
        if c.is_ascii() {
            return None;
        }
        if let Some(l) = latin_lower(c) {
            if l == w {
                continue;
            }
            return None;
        }
        let mut lowered = c.to_lowercase();
        let mut next_lower = || {
            if rev {
                lowered.next_back()
            } else {
                lowered.next()
            }
        };
        if next_lower() != Some(w) {
            return None;
        }
        // The rest of a lower case longer than one character (`İ` is `i` and a dot).
        while let Some(l) = next_lower() {
            match want.next() {
                Some(w) if w == l => {}
                Some(_) => return None,
                None => return Some(false),
            }
        }
    }
    want.next().is_none().then_some(true)
}

// The Unicode paths are kept out of line so that the ASCII paths inline small; they are
// not marked cold, as text in Vietnamese and other languages takes them routinely.
#[inline(never)]
fn eq_unicode(s: &str, lower: &str) -> bool {
    lower_prefix(s.chars(), lower.chars(), false) == Some(true)
}

/// `s` starts with `lower` (a lower-cased literal) ignoring case.
#[inline(always)]
pub(crate) fn starts_with_ci(s: &str, lower: &str) -> bool {
    let (v, n) = (s.as_bytes(), lower.as_bytes());
    // Only the first `n.len()` bytes matter while they are ASCII: ASCII characters keep
    // their length when lower-cased, whatever follows.
    let fast = match v.get(..n.len()) {
        Some(head) => ascii_eq_lower(head, n),
        None => v.is_ascii().then_some(false),
    };
    fast.unwrap_or_else(|| starts_with_unicode(s, lower))
}

#[inline(never)]
fn starts_with_unicode(s: &str, lower: &str) -> bool {
    lower_prefix(s.chars(), lower.chars(), false).is_some()
}

/// `s` ends with `lower` (a lower-cased literal) ignoring case.
#[inline]
pub(crate) fn ends_with_ci(s: &str, lower: &str) -> bool {
    let (v, n) = (s.as_bytes(), lower.as_bytes());
    let fast = match v
        .len()
        .checked_sub(n.len())
        .and_then(|start| v.get(start..))
    {
        Some(tail) => ascii_eq_lower(tail, n),
        None => v.is_ascii().then_some(false),
    };
    fast.unwrap_or_else(|| ends_with_unicode(s, lower))
}

#[inline(never)]
fn ends_with_unicode(s: &str, lower: &str) -> bool {
    lower_prefix(s.chars().rev(), lower.chars().rev(), true).is_some()
}

/// `s` contains `lower` (a lower-cased literal) ignoring case.
pub(crate) fn contains_ci(s: &str, lower: &str) -> bool {
    let n = lower.as_bytes();
    let Some((&first, rest)) = n.split_first() else {
        return true;
    };
    if !s.is_ascii() {
        return contains_unicode(s, lower);
    }
    let v = s.as_bytes();
    // Checking the first byte before the rest keeps the common mismatch to one
    // comparison per position.
    v.windows(n.len())
        .any(|w| w[0].to_ascii_lowercase() == first && ascii_eq_lower(&w[1..], rest) == Some(true))
}

#[inline(never)]
fn contains_unicode(s: &str, lower: &str) -> bool {
    s.char_indices()
        .any(|(i, _)| starts_with_unicode(&s[i..], lower))
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
    fn expr_latin_lower_agrees_with_unicode() {
        let mut answered = 0;
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            if let Some(l) = latin_lower(c) {
                assert!(c.to_lowercase().eq([l]), "{c:?}: {l:?}");
                answered += 1;
            }
        }
        assert!(answered > 400, "{answered}");
        assert_eq!(latin_lower('Đ'), Some('đ'));
        assert_eq!(latin_lower('Ố'), Some('ố'));
        assert_eq!(latin_lower('Ư'), Some('ư'));
        assert_eq!(latin_lower('İ'), None);
    }

    #[test]
    fn expr_lower_case_is_idempotent() {
        // `lower_prefix` relies on this to skip the case tables for equal characters.
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            for l in c.to_lowercase() {
                assert!(
                    l.to_lowercase().eq([l]),
                    "{c:?} lower-cases to {l:?}, which is not lower case"
                );
            }
        }
    }

    #[test]
    fn expr_word_at_a_time_lowercase() {
        let all: Vec<u8> = (0u8..0x80).collect();
        for chunk in all.chunks(8) {
            let x = chunk
                .iter()
                .rev()
                .fold(0, |acc, &b| (acc << 8) | u64::from(b));
            let expected: Vec<u8> = chunk.iter().map(u8::to_ascii_lowercase).collect();
            assert_eq!(ascii_lower8(x).to_le_bytes()[..chunk.len()], expected[..]);
        }
        let mut buf = [0u8; KEY_MAX];
        let head = lowercase_into("Hello, World! @[`{", &mut buf);
        assert_eq!(head, Some(Head::of(b"hello, world! @[`{")));
        assert_eq!(&buf[..18], b"hello, world! @[`{");
        assert!(buf[18..].iter().all(|&b| b == 0));
        assert_eq!(
            lowercase_into("ĐỐC", &mut buf).map(|h| h.len),
            Some("đốc".len())
        );
        assert_eq!(lowercase_into(&"x".repeat(65), &mut buf), None);
    }

    #[test]
    fn expr_text_of_numbers_uses_no_heap() {
        assert!(with_text(&Value::Num(10001.0), |s| s == "10001"));
        assert!(with_text(&Value::Bool(true), |s| s == "true"));
        assert!(!with_text(&Value::Num(1e300), |_| true));
        assert!(!with_text(&Value::Null, |_| true));
    }
}
