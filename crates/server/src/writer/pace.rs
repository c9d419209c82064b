//! How long the write-behind rows may wait: the configured interval while
//! the writer keeps up, longer once it is saturated and flushes are
//! expensive, so that under heavy load it spends a bounded share of its
//! time flushing.
//!
//! A flush costs about one write per B-tree page it dirties, and the pages
//! are shared: a lead's score row, its ranking-index entries and its
//! history sit on the same pages however many of its events arrived since
//! the last flush, and neighbouring leads share pages too. Upserting score
//! rows of 100,000 leads cost about 70 us a row in flushes of 500 rows and
//! 15 us in flushes of 30,000 (docs/benchmarks.md, "Flushes paced by their
//! cost"), so a saturated writer that waits in proportion to the last
//! flush's cost does more with the same time, while one that keeps up
//! keeps the short interval and its short pauses.

use std::time::{Duration, Instant};

/// A flush may take at most one part in `COST_SHARE + 1` of the writer's
/// time: the next one waits at least this many times the last one's cost.
const COST_SHARE: u32 = 4;
/// Longest wait whatever the cost, which bounds how far the stored scores
/// trail the log (and how much a restart replays).
pub const MAX_INTERVAL: Duration = Duration::from_secs(1);
/// The share of its time the writer must have been busy since the last
/// flush for the next one to be paced: below it the writer keeps up, and a
/// longer wait would only lengthen each flush's pause.
const SATURATED: f64 = 0.75;

/// The flush interval, adapted to what flushes cost.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// The configured interval: the shortest wait.
    least: Duration,
    /// What the last flush took, writing and committing.
    last_cost: Duration,
    /// Whether the writer was saturated before the last flush.
    saturated: bool,
    /// Time the writer worked since `window`.
    worked: Duration,
    /// The last flush.
    window: Instant,
}

impl Pace {
    /// Starts at the configured interval.
    pub fn new(least: Duration, now: Instant) -> Pace {
        Pace {
            least,
            last_cost: Duration::ZERO,
            saturated: false,
            worked: Duration::ZERO,
            window: now,
        }
    }

    /// How long pending rows may wait now.
    pub fn interval(&self) -> Duration {
        if !self.saturated {
            return self.least;
        }
        (self.last_cost * COST_SHARE).clamp(self.least, MAX_INTERVAL.max(self.least))
    }

    /// Records time the writer spent working (groups, flushes, builds).
    pub fn worked(&mut self, d: Duration) {
        self.worked += d;
    }

    /// Records what a flush that ended at `now` took.
    pub fn flushed(&mut self, cost: Duration, now: Instant) {
        let window = now.saturating_duration_since(self.window).as_secs_f64();
        let busy = (self.worked + cost).as_secs_f64();
        self.saturated = window > 0.0 && busy >= SATURATED * window;
        self.last_cost = cost;
        self.worked = Duration::ZERO;
        self.window = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// A pace after one flush costing `cost` at the end of a window of
    /// `window` in which the writer worked `worked` besides.
    fn after(least: u64, worked: u64, cost: u64, window: u64) -> Pace {
        let start = Instant::now();
        let mut p = Pace::new(ms(least), start);
        p.worked(ms(worked));
        p.flushed(ms(cost), start + ms(window));
        p
    }

    #[test]
    fn a_writer_that_keeps_up_keeps_the_configured_interval() {
        assert_eq!(Pace::new(ms(25), Instant::now()).interval(), ms(25));
        // An expensive flush, but the writer idled half the window.
        assert_eq!(after(25, 10, 15, 50).interval(), ms(25));
    }

    #[test]
    fn a_saturated_writer_waits_in_proportion_to_the_cost() {
        assert_eq!(after(25, 30, 3, 40).interval(), ms(25), "cheap flushes");
        assert_eq!(after(25, 30, 50, 90).interval(), ms(200));
        assert_eq!(after(25, 100, 900, 1_000).interval(), MAX_INTERVAL);
    }

    #[test]
    fn the_pace_follows_the_last_window() {
        let start = Instant::now();
        let mut p = Pace::new(ms(25), start);
        p.worked(ms(30));
        p.flushed(ms(50), start + ms(90));
        assert_eq!(p.interval(), ms(200));
        p.worked(ms(20));
        p.flushed(ms(10), start + ms(290));
        assert_eq!(p.interval(), ms(25), "the load has dropped");
    }

    #[test]
    fn a_configured_interval_above_the_bound_is_kept() {
        assert_eq!(after(2_000, 100, 900, 1_000).interval(), ms(2_000));
    }
}
