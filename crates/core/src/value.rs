//! Attribute and property values as the engine sees them.

use smol_str::SmolStr;
use std::fmt;

/// A profile attribute, event property or computed value.
///
/// Strings use [`SmolStr`]: most values (paths, titles, countries) are short and
/// stay inline, so cloning an event or a profile does not allocate.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// Absent, empty or explicitly null.
    #[default]
    Null,
    /// A boolean flag.
    Bool(bool),
    /// Any number; integers are exact up to 2^53.
    Num(f64),
    /// Text.
    Str(SmolStr),
}

impl Value {
    /// Interprets a raw text cell (CSV, form field): empty is `Null`, numbers
    /// become `Num`, `true`/`false`/`yes`/`no` become `Bool`, anything else is text.
    ///
    /// Text is kept as written (trimmed); a form's "Select" placeholder stays
    /// text so that "not answered" remains distinct from "missing".
    pub fn from_text(raw: &str) -> Value {
        let s = raw.trim();
        if s.is_empty() {
            return Value::Null;
        }
        if let Some(b) = parse_bool(s) {
            return Value::Bool(b);
        }
        if looks_numeric(s)
            && let Ok(n) = s.parse::<f64>()
            && n.is_finite()
        {
            return Value::Num(n);
        }
        Value::Str(SmolStr::new(s))
    }

    /// Converts a JSON value; arrays and objects become their JSON text.
    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => n.as_f64().map_or(Value::Null, Value::Num),
            serde_json::Value::String(s) => Value::Str(SmolStr::new(s)),
            other => Value::Str(SmolStr::new(other.to_string())),
        }
    }

    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Num(n) => serde_json::Number::from_f64(*n)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::Str(s) => serde_json::Value::String(s.to_string()),
        }
    }

    /// True unless `Null`.
    pub fn is_present(&self) -> bool {
        !matches!(self, Value::Null)
    }

    /// The number this value stands for: numbers as they are, numeric text
    /// parsed, booleans as 0/1.
    pub fn as_num(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            Value::Str(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            Value::Null => None,
        }
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Truthiness for conditions: `true`, non-zero numbers, and the texts
    /// "true"/"yes"/"y" (any case); "false"/"no"/"n" are false.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Num(n) => Some(*n != 0.0),
            Value::Str(s) => parse_bool(s),
            Value::Null => None,
        }
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    const TRUE: [&str; 3] = ["true", "yes", "y"];
    const FALSE: [&str; 3] = ["false", "no", "n"];
    if TRUE.iter().any(|t| s.eq_ignore_ascii_case(t)) {
        Some(true)
    } else if FALSE.iter().any(|t| s.eq_ignore_ascii_case(t)) {
        Some(false)
    } else {
        None
    }
}

/// Guards `parse::<f64>` against words it accepts but people don't mean as
/// numbers ("inf", "NaN"), and against phone numbers with a leading `+` or `0`.
fn looks_numeric(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let leading_zero = digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
    !leading_zero
        && digits.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && digits.bytes().all(|b| {
            b.is_ascii_digit() || b == b'.' || b == b'e' || b == b'E' || b == b'-' || b == b'+'
        })
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str(""),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Num(n) => write!(f, "{n}"),
            Value::Str(s) => f.write_str(s),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(SmolStr::new(s))
    }
}
impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Num(n)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cells_are_typed() {
        assert_eq!(Value::from_text("  "), Value::Null);
        assert_eq!(Value::from_text("42"), Value::Num(42.0));
        assert_eq!(Value::from_text("Yes"), Value::Bool(true));
        assert_eq!(Value::from_text("Select"), Value::from("Select"));
        assert_eq!(Value::from_text("inf"), Value::from("inf"));
    }

    #[test]
    fn phone_numbers_stay_text() {
        assert_eq!(Value::from_text("0912345678"), Value::from("0912345678"));
        assert_eq!(
            Value::from_text("+84912345678"),
            Value::from("+84912345678")
        );
    }

    #[test]
    fn numeric_text_compares_as_number() {
        assert_eq!(Value::from("250").as_num(), Some(250.0));
        assert_eq!(Value::from("abc").as_num(), None);
    }
}
