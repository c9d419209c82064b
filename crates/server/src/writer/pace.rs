//! How long the write-behind rows may wait: the configured interval while
//! the writer keeps up, longer once it is saturated and flushes are
//! expensive, so that under heavy load it spends a bounded share of its
//! time flushing.
//!
//! A flush costs about one write per B-tree page it dirties, and the pages
//! are shared: a lead's score row, its ranking-index entries and its
//! history sit on the same pages however many of its events arrived since
//! the last flush, and neighbouring leads share pages too. Upserting score
//! rows of 100,000 leads cost three to five times less per row in flushes
//! of 30,000 rows than in flushes of 500 (`bench/sqlite/score_upserts.py`;
//! docs/benchmarks.md, "Flushes paced by their cost"), so a saturated
//! writer that waits in proportion to the last flush's cost does more with
//! the same time, while one that keeps up keeps the short interval and its
//! short pauses.

use std::time::{Duration, Instant};

/// A flush may take at most one part in `COST_SHARE + 1` of the writer's
/// time: the next one waits at least this many times the last one's cost.
const COST_SHARE: u32 = 4;
/// Longest wait whatever the cost, which bounds how far the stored scores
/// trail the log (and how much a restart replays).
const MAX_INTERVAL: Duration = Duration::from_secs(1);
/// The share of its time the writer must have been busy since the last
/// flush for the next one to be paced: below it the writer keeps up, and a
/// longer wait would only lengthen each flush's pause. The writer was busy
/// 54-69% of each window at a steady 5,000 single events/s, 64-87% when
/// saturated by single events and 97-99% under batches (10th to 90th
/// percentile, docs/benchmarks.md); at three quarters, pacing at the
/// steady rate had lengthened its latency tail.
const SATURATED: f64 = 0.9;

/// The flush interval, adapted to what flushes cost.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// The configured interval: the shortest wait.
    least: Duration,
    /// What the last flush took, writing and committing.
    last_cost: Duration,
    /// The share of the time since the flush before the last that the
    /// writer was busy.
    busy: f64,
    /// Whether `busy` reached [`SATURATED`].
    saturated: bool,
    /// Time the writer waited for work since `window`.
    idle: Duration,
    /// The last flush.
    window: Instant,
}

impl Pace {
    /// Starts at the configured interval.
    pub fn new(least: Duration, now: Instant) -> Pace {
        Pace {
            least,
            last_cost: Duration::ZERO,
            busy: 0.0,
            saturated: false,
            idle: Duration::ZERO,
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

    /// The share of its time the writer was busy before the last flush
    /// (for traces).
    pub fn busy_share(&self) -> f64 {
        self.busy
    }

    /// Records time the writer spent waiting for work.
    pub fn idled(&mut self, d: Duration) {
        self.idle += d;
    }

    /// Records what a flush that ended at `now` took.
    pub fn flushed(&mut self, cost: Duration, now: Instant) {
        let window = now.saturating_duration_since(self.window).as_secs_f64();
        self.busy = if window > 0.0 {
            (1.0 - self.idle.as_secs_f64() / window).max(0.0)
        } else {
            0.0
        };
        self.saturated = self.busy >= SATURATED;
        self.last_cost = cost;
        self.idle = Duration::ZERO;
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
    /// `window` in which the writer waited `idle` for work.
    fn after(least: u64, idle: u64, cost: u64, window: u64) -> Pace {
        let start = Instant::now();
        let mut p = Pace::new(ms(least), start);
        p.idled(ms(idle));
        p.flushed(ms(cost), start + ms(window));
        p
    }

    #[test]
    fn a_writer_that_keeps_up_keeps_the_configured_interval() {
        assert_eq!(Pace::new(ms(25), Instant::now()).interval(), ms(25));
        // An expensive flush, but the writer idled a fifth of the window.
        let p = after(25, 20, 50, 100);
        assert!((p.busy_share() - 0.8).abs() < 1e-9);
        assert_eq!(p.interval(), ms(25));
    }

    #[test]
    fn a_saturated_writer_waits_in_proportion_to_the_cost() {
        assert_eq!(after(25, 2, 3, 40).interval(), ms(25), "cheap flushes");
        assert_eq!(after(25, 5, 50, 90).interval(), ms(200));
        assert_eq!(after(25, 0, 900, 1_000).interval(), MAX_INTERVAL);
    }

    #[test]
    fn the_pace_follows_the_last_window() {
        let start = Instant::now();
        let mut p = Pace::new(ms(25), start);
        p.flushed(ms(50), start + ms(90));
        assert_eq!(p.interval(), ms(200));
        p.idled(ms(150));
        p.flushed(ms(10), start + ms(290));
        assert_eq!(p.interval(), ms(25), "the load has dropped");
    }

    #[test]
    fn a_configured_interval_above_the_bound_is_kept() {
        assert_eq!(after(2_000, 0, 900, 1_000).interval(), ms(2_000));
    }
}
