//! Points in time and lengths of time, as milliseconds since the Unix epoch.

use std::fmt;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Milliseconds in one day.
pub const DAY_MS: i64 = 86_400_000;

/// A point in time in UTC, in milliseconds since 1970-01-01.
///
/// An integer keeps arithmetic exact and ordering total; conversion to
/// calendar types happens only at the edges (parsing and display).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

/// Why a timestamp could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{input}` is not a timestamp; expected RFC 3339 (2026-03-12T09:30:00Z), a date (2026-03-12) or Unix seconds"
)]
pub struct TimestampError {
    /// The text that was given.
    pub input: String,
}

impl Timestamp {
    /// Parses RFC 3339 (`2026-03-12T09:30:00Z`, with any offset), a plain
    /// date (`2026-03-12`, midnight UTC), or a number of Unix seconds.
    pub fn parse(s: &str) -> Result<Timestamp, TimestampError> {
        let t = s.trim();
        let err = || TimestampError {
            input: s.to_string(),
        };
        if let Ok(dt) = OffsetDateTime::parse(t, &Rfc3339) {
            return Ok(Self::from_datetime(dt));
        }
        if let Ok(date) =
            time::Date::parse(t, time::macros::format_description!("[year]-[month]-[day]"))
        {
            return Ok(Self::from_datetime(date.midnight().assume_utc()));
        }
        // Segment accepts timestamps without an offset, meaning UTC.
        if let Ok(dt) = time::PrimitiveDateTime::parse(
            t,
            time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
            ),
        ) {
            return Ok(Self::from_datetime(dt.assume_utc()));
        }
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            let secs: i64 = t.parse().map_err(|_| err())?;
            return Ok(Timestamp(secs.checked_mul(1000).ok_or_else(err)?));
        }
        Err(err())
    }

    fn from_datetime(dt: OffsetDateTime) -> Timestamp {
        Timestamp((dt.unix_timestamp_nanos() / 1_000_000) as i64)
    }

    /// The day number since the epoch (UTC), used for per-day limits.
    #[inline]
    pub fn day(self) -> i64 {
        self.0.div_euclid(DAY_MS)
    }

    /// The ISO week number since the epoch: weeks start on Monday, and
    /// 1970-01-01 was a Thursday, hence the shift of three days.
    #[inline]
    pub fn week(self) -> i64 {
        (self.day() + 3).div_euclid(7)
    }

    /// This time moved by a signed number of milliseconds.
    pub fn plus(self, d: Duration) -> Timestamp {
        Timestamp(self.0.saturating_add(d.0))
    }

    /// Milliseconds from `earlier` to `self` (negative if `earlier` is later).
    pub fn since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// RFC 3339 text in UTC, to the second.
    pub fn to_rfc3339(self) -> String {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
            .ok()
            .and_then(|dt| dt.replace_millisecond(0).ok())
            .and_then(|dt| dt.format(&Rfc3339).ok())
            .unwrap_or_else(|| self.0.to_string())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// A length of time in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(pub i64);

/// Why a duration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a duration; expected a positive number and a unit: 90m, 12h, 30d or 2w")]
pub struct DurationError {
    /// The text that was given.
    pub input: String,
}

impl Duration {
    /// Days as a duration.
    pub const fn days(n: i64) -> Duration {
        Duration(n * DAY_MS)
    }

    /// Parses `45s`, `90m`, `12h`, `30d` or `2w` (a positive whole number and a unit).
    pub fn parse(s: &str) -> Result<Duration, DurationError> {
        let t = s.trim();
        let err = || DurationError {
            input: s.to_string(),
        };
        let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
        let (num, unit) = t.split_at(split);
        let n: i64 = num.parse().map_err(|_| err())?;
        let unit_ms = match unit.trim() {
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => DAY_MS,
            "w" => 7 * DAY_MS,
            _ => return Err(err()),
        };
        if n <= 0 {
            return Err(err());
        }
        n.checked_mul(unit_ms).map(Duration).ok_or_else(err)
    }

    /// The length in (fractional) days.
    pub fn as_days(self) -> f64 {
        self.0 as f64 / DAY_MS as f64
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        for (unit, size) in [
            ("w", 7 * DAY_MS),
            ("d", DAY_MS),
            ("h", 3_600_000),
            ("m", 60_000),
        ] {
            if ms % size == 0 {
                return write!(f, "{}{unit}", ms / size);
            }
        }
        write!(f, "{}s", ms / 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_timestamp_forms() {
        let a = Timestamp::parse("2026-03-12T09:30:00Z").unwrap();
        let b = Timestamp::parse("2026-03-12T16:30:00+07:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(Timestamp::parse("2026-03-12").unwrap().0 % DAY_MS, 0);
        assert_eq!(
            Timestamp::parse("1700000000").unwrap(),
            Timestamp(1_700_000_000_000)
        );
        assert_eq!(
            Timestamp::parse("2026-03-12T09:30:00.250").unwrap().0 - a.0,
            250
        );
        assert!(Timestamp::parse("yesterday").is_err());
        assert_eq!(a.to_rfc3339(), "2026-03-12T09:30:00Z");
    }

    #[test]
    fn weeks_start_on_monday() {
        let sun = Timestamp::parse("2026-03-15T23:00:00Z").unwrap();
        let mon = Timestamp::parse("2026-03-16T01:00:00Z").unwrap();
        assert_eq!(mon.week(), sun.week() + 1);
    }

    #[test]
    fn parses_durations() {
        assert_eq!(Duration::parse("30d").unwrap(), Duration::days(30));
        assert_eq!(Duration::parse("2w").unwrap(), Duration::days(14));
        assert_eq!(Duration::parse("90m").unwrap().0, 5_400_000);
        assert!(Duration::parse("0d").is_err());
        assert!(Duration::parse("3 days").is_err());
        assert_eq!(Duration::days(14).to_string(), "2w");
    }
}
