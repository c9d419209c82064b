//! Condition expressions: the `when = '...'` language of model files, compiled once and
//! evaluated without allocation.
//!
//! # The condition language
//!
//! A condition is a test on named values, for example
//!
//! ```text
//! job_title matches "(?i)\b(ceo|cto|director)\b" and company_size >= 50
//! country in ["VN", "SG"] or `Lead Source` == "Referral"
//! not (email.domain ends_with "gmail.com") and marketing_consent
//! ```
//!
//! **Values.** Numbers (`42`, `-3.5`, `1e3`), text in double or single quotes (`"CEO"`,
//! `'CEO'`), `true` and `false`, and lists in square brackets (`["VN", "SG"]`, `[1, 2, 3]`).
//! Inside quotes, `\"`, `\'` and `\\` stand for a quote and a backslash, `\n`, `\t` and `\r`
//! for a line break, a tab and a carriage return. A backslash before any other character
//! is kept as written, so regular expressions such as `"\d+"` need no doubling.
//!
//! **Names.** Letters, digits and `_` (not starting with a digit), joined with dots:
//! `company_size`, `email.domain`, `context.campaign.name`. A name with spaces, accents or
//! other characters goes in backticks: `` `Lead Source` ``, `` `Chức vụ` ``. Backticks also let
//! you use a name that is a keyword, such as `` `in` ``. Names are case-sensitive; which
//! names exist depends on where the condition is used.
//!
//! **Tests.**
//!
//! | Write                          | True when                                                  |
//! |--------------------------------|------------------------------------------------------------|
//! | `x == v`, `x != v`             | `x` equals / does not equal `v`                            |
//! | `x < n`, `<=`, `>`, `>=`       | `x` is a number (or numeric text) less than `n`, ...       |
//! | `x between a and b`            | `a <= x <= b` (both ends included; `a` must be the smaller)|
//! | `x in [..]`, `x not in [..]`   | `x` equals one / none of the list's items                  |
//! | `x contains "s"`               | the text of `x` contains `s`                               |
//! | `x starts_with "s"`            | the text of `x` starts with `s`                            |
//! | `x ends_with "s"`              | the text of `x` ends with `s`                              |
//! | `x matches "regex"`            | the text of `x` matches the regular expression             |
//! | `x is present`, `x is missing` | `x` has a value / has none                                 |
//! | `x`                            | `x` is true: `true`, a non-zero number, or "true"/"yes"/"y"|
//!
//! `not` can be put before `in`, `contains`, `starts_with`, `ends_with`, `matches` and
//! `between` (`x not contains "test"`), and `is not present` / `is not missing` are accepted.
//! A value may also come first in a comparison: `50 <= company_size`.
//!
//! **Combining.** `and`, `or`, `not` and parentheses. `not` applies to the single test
//! that follows it, `and` binds tighter than `or`: `not a == 1 and b or c` means
//! `((not (a == 1)) and b) or c`. Keywords (`and`, `IN`, `Starts_With`, `TRUE`, ...) can be
//! written in any case.
//!
//! # Meaning
//!
//! * **Missing values.** A test on a missing value is false, whatever the test: with `x`
//!   missing, `x == 1`, `x != 1`, `x < 5`, `x not in [1, 2]` and `x not contains "a"` are
//!   all false, while `not (x == 1)` is true. Use `x is missing` to test for absence.
//! * **Numbers.** When the value given is a number (`>=`, `between`, `== 50`, a list of
//!   numbers), the name's value is read as a number: numeric text such as `"250"` from a
//!   CSV file counts as 250, `true`/`false` as 1/0. A value that cannot be read as a number
//!   makes the test false, for `!=` and `not in` too.
//! * **Text.** `==`, `!=`, `in`, `contains`, `starts_with` and `ends_with` on text ignore
//!   upper/lower case, accents included: `"Giám Đốc"` equals `"giám đốc"`. Accented
//!   letters must be encoded the same way on both sides (they are when typed normally).
//!   `matches` is case-sensitive unless the expression starts with `(?i)`. When text is
//!   compared with a value that is a number or true/false, numeric text compares as a
//!   number (`zip == "10001"` holds for the number 10001) and "yes"/"no" as true/false;
//!   `contains` and the other text tests look at the value as it is written (`10001`,
//!   `true`).
//! * **True/false.** `consent == true` holds for `true`, for non-zero numbers and for the
//!   texts "true", "yes" and "y" (any case); `consent == false` for `false`, `0` and
//!   "false", "no", "n". Any other value makes both false.
//! * **Order.** The parts of an `and` or an `or` may be evaluated in any order; cheap
//!   tests are evaluated first. This never changes the result.
//!
//! Some mistakes are reported when the model is loaded rather than silently being false,
//! depending on what is known about a name: comparing a number with text (`company_size ==
//! "big"`), ordering text (`job_title > 5`), or using `contains`/`matches` on a number.

mod compile;
mod eval;
mod head;
mod inputs;
mod lexer;
mod parser;

pub use inputs::Input;
#[cfg(test)]
mod tests;

pub use head::TextHead;

use crate::value::Value;
use std::fmt;
use std::ops::Range;

/// What is known, before evaluation, about the values of a name; used to reject
/// conditions that could never be true, such as `company_size == "big"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ty {
    /// Unknown or mixed: checked at evaluation time only.
    Any,
    /// True or false.
    Bool,
    /// A number.
    Num,
    /// Text.
    Str,
}

/// The position of a value supplied at evaluation time (see [`Env`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(pub u32);

/// The names a condition may use, resolved once at compile time so that evaluation
/// needs no name lookup. Implemented by each context (event conditions, stage criteria, ...).
pub trait Scope {
    /// Resolve a (possibly dotted) name such as `job_title`, `email.domain`, `bant`, `agg.visits_7d`.
    /// Err(message) when unknown, e.g. "unknown name `foo`; event conditions can use event properties".
    fn resolve(&self, name: &str) -> Result<(Slot, Ty), String>;
}

/// Supplies the values of the slots a [`Scope`] handed out.
pub trait Env {
    /// The value in `slot`; `Value::Null` when there is none.
    fn get(&self, slot: Slot) -> &Value;

    /// The start of the text in `slot`, where the environment prepared it for the
    /// `==` and `starts_with` tests of many conditions; [`TextHead::UNKNOWN`] makes them
    /// read the value.
    #[inline(always)]
    fn head(&self, _slot: Slot) -> TextHead {
        TextHead::UNKNOWN
    }
}

static NULL: Value = Value::Null;

/// Slot `i` is element `i`; slots past the end are missing values.
impl Env for [Value] {
    #[inline]
    fn get(&self, slot: Slot) -> &Value {
        <[Value]>::get(self, slot.0 as usize).unwrap_or(&NULL)
    }
}

/// Slot `i` is element `i`; slots past the end are missing values.
impl Env for Vec<Value> {
    #[inline]
    fn get(&self, slot: Slot) -> &Value {
        Env::get(self.as_slice(), slot)
    }
}

/// Slot `i` is element `i`; slots past the end are missing values.
impl<const N: usize> Env for [Value; N] {
    #[inline]
    fn get(&self, slot: Slot) -> &Value {
        Env::get(self.as_slice(), slot)
    }
}

/// A compiled condition, cheap to evaluate and safe to share between threads.
#[derive(Debug, Clone)]
pub struct Condition {
    root: eval::Node,
    source: Box<str>,
}

impl Condition {
    /// The condition that always holds, for rules without a `when`.
    #[must_use]
    pub fn always() -> Condition {
        Condition {
            root: eval::Node::Const(true),
            source: "".into(),
        }
    }

    /// Whether the condition holds whatever the values: callers on hot
    /// paths skip evaluating it.
    #[must_use]
    pub fn is_always(&self) -> bool {
        matches!(self.root, eval::Node::Const(true))
    }

    /// Whether the condition holds for the values in `env`.
    #[inline(always)]
    pub fn eval<E: Env + ?Sized>(&self, env: &E) -> bool {
        self.root.eval(env)
    }

    /// The text the condition was compiled from (`""` for [`Condition::always`]).
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The slot of each `==` and `starts_with` test on text, in no order, repeated
    /// when several tests read one slot: the slots worth a [`TextHead`].
    #[must_use]
    pub fn head_slots(&self) -> Vec<Slot> {
        let mut slots = Vec::new();
        self.root.collect_head_slots(&mut slots);
        slots
    }

    /// The distinct slots the condition reads, sorted, so that callers fill only those.
    #[must_use]
    pub fn slots(&self) -> Vec<Slot> {
        let mut slots = Vec::new();
        self.root.collect_slots(&mut slots);
        slots.sort_unstable();
        slots.dedup();
        slots
    }
}

/// A mistake in a condition's text.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    /// Where the mistake is: a byte range within the condition's text.
    pub span: Range<usize>,
    /// What was found and what was expected, in words for the model's author.
    pub message: String,
}

impl ExprError {
    pub(crate) fn new(span: Range<usize>, message: impl Into<String>) -> ExprError {
        ExprError {
            span,
            message: message.into(),
        }
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (at {}..{})",
            self.message, self.span.start, self.span.end
        )
    }
}

impl std::error::Error for ExprError {}

/// Compiles a condition, resolving its names with `scope`.
///
/// # Errors
///
/// Every mistake found (not only the first), ordered by position: syntax errors, names
/// the scope does not know, values of the wrong kind, invalid regular expressions.
pub fn compile(src: &str, scope: &dyn Scope) -> Result<Condition, Vec<ExprError>> {
    let (tokens, mut errors) = lexer::lex(src);
    let (ast, parse_errors) = parser::parse(src, &tokens);
    errors.extend(parse_errors);
    // Lowering runs even after syntax errors so that unknown names and type mistakes
    // elsewhere in the condition are reported in the same round.
    let root = compile::lower(&ast, scope, &mut errors);
    if errors.is_empty() {
        Ok(Condition {
            root,
            source: src.into(),
        })
    } else {
        errors.sort_by_key(|e| (e.span.start, e.span.end));
        errors.dedup();
        Err(errors)
    }
}
