//! Summaries that read every lead (the funnel, the matrix), made in the
//! background and kept, so that no page view waits for a full scan.
//!
//! A page asks for a summary by key (what was asked, under which model
//! version) and gets the last one made with its time ("as of 09:14"), or,
//! when none was made yet, [`Summary::Computing`]: the page says so and
//! reloads itself. A stale summary is shown while a fresh one is made in
//! the background (stale-while-revalidate). Only a summary that was cheap
//! the last time (a small database) is made again while the viewer waits.

use crate::error::ApiError;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The longest a summary counts as fresh: the funnel reads every lead, its
/// profile and its stage history (25 s with a million leads, measured), and
/// minute-old counts serve their purpose. A summary counts as fresh for 20
/// times what it took to make, up to this, so cheap ones (a small database)
/// are always current.
const FRESH_FOR: Duration = Duration::from_secs(60);
/// How many times its making time a summary stays fresh.
const FRESH_PER_COST: u32 = 20;
/// A stale summary that took less than this to make is made again while
/// the viewer waits; a slower one is shown stale while a background task
/// makes a new one.
const INLINE_MAX: Duration = Duration::from_millis(100);
/// How long a view waits for a summary that was never made: long enough
/// for a small database, short enough to keep every page under 300 ms.
const FIRST_WAIT: Duration = Duration::from_millis(100);
/// How long an older summary is still shown while a fresh one is made.
const STALE_FOR: Duration = Duration::from_secs(3600);
/// Entries kept at most.
const ENTRIES: usize = 32;

/// What a page gets.
#[derive(Debug, Clone)]
pub enum Summary {
    /// The last summary made.
    Ready {
        /// The summary.
        value: Arc<Value>,
        /// When it was made (ms since the epoch).
        made_at: i64,
        /// Whether a newer one is being made.
        refreshing: bool,
    },
    /// None yet; one is being made in the background.
    Computing,
}

impl Summary {
    /// The summary, when it was made and whether a newer one is coming.
    pub fn ready(&self) -> Option<(&Arc<Value>, i64, bool)> {
        match self {
            Summary::Ready {
                value,
                made_at,
                refreshing,
            } => Some((value, *made_at, *refreshing)),
            Summary::Computing => None,
        }
    }
}

/// A kept summary.
#[derive(Debug)]
struct Entry {
    key: String,
    made: Instant,
    made_at: i64,
    cost: Duration,
    value: Arc<Value>,
}

/// The outcome of a background making: `None` while it runs.
type Outcome = Option<Result<(), ApiError>>;

#[derive(Debug, Default)]
struct Inner {
    entries: Vec<Entry>,
    /// Summaries being made, by key.
    making: HashMap<String, watch::Receiver<Outcome>>,
}

/// What a view does, decided under the lock.
enum Next {
    /// Show this.
    Show(Summary),
    /// Make it while the viewer waits (it was cheap).
    MakeHere,
    /// Start making it; show this stale one meanwhile, or wait a little.
    Start(Option<Summary>),
    /// Wait a little for the making under way.
    Wait(watch::Receiver<Outcome>),
}

/// The kept summaries, shared by every request.
#[derive(Debug, Clone, Default)]
pub struct Cache {
    inner: Arc<Mutex<Inner>>,
}

impl Cache {
    /// The summary under `key`; `make` makes it when missing or stale, in
    /// the background unless it is known to be cheap.
    pub async fn get_or<F, Fut>(&self, key: String, make: F) -> Result<Summary, ApiError>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<Value, ApiError>> + Send + 'static,
    {
        let next = {
            let inner = self.lock();
            let making = inner.making.get(&key).cloned();
            match inner
                .entries
                .iter()
                .find(|e| e.key == key && e.made.elapsed() < STALE_FOR)
            {
                Some(e) => {
                    let fresh = e.made.elapsed() < FRESH_FOR.min(e.cost * FRESH_PER_COST);
                    let ready = Summary::Ready {
                        value: Arc::clone(&e.value),
                        made_at: e.made_at,
                        refreshing: !fresh || making.is_some(),
                    };
                    if fresh || making.is_some() {
                        Next::Show(ready)
                    } else if e.cost < INLINE_MAX {
                        Next::MakeHere
                    } else {
                        Next::Start(Some(ready))
                    }
                }
                None => making.map_or(Next::Start(None), Next::Wait),
            }
        };
        match next {
            Next::Show(ready) => Ok(ready),
            Next::MakeHere => {
                let started = Instant::now();
                let value = make().await?;
                Ok(self.put(key, value, started.elapsed()))
            }
            Next::Start(stale) => {
                let done = self.start(key.clone(), make);
                match stale {
                    Some(ready) => Ok(ready),
                    None => self.wait(&key, done).await,
                }
            }
            Next::Wait(done) => self.wait(&key, done).await,
        }
    }

    /// Waits a little for a summary being made.
    async fn wait(
        &self,
        key: &str,
        mut done: watch::Receiver<Outcome>,
    ) -> Result<Summary, ApiError> {
        let waited = tokio::time::timeout(FIRST_WAIT, done.wait_for(Option::is_some))
            .await
            .map(|r| r.map(|outcome| outcome.clone()));
        match waited {
            Err(_) => Ok(Summary::Computing),
            Ok(Err(_)) => {
                // The making task died (a panic): the next view starts anew.
                let mut inner = self.lock();
                if inner.making.get(key).is_some_and(|m| m.same_channel(&done)) {
                    inner.making.remove(key);
                }
                Err(ApiError::internal(&"the summary's task ended early"))
            }
            Ok(Ok(Some(Err(e)))) => Err(e),
            Ok(Ok(_)) => Ok(self.find(key).unwrap_or(Summary::Computing)),
        }
    }

    /// Starts making `key` in the background, unless that already runs.
    fn start<F, Fut>(&self, key: String, make: F) -> watch::Receiver<Outcome>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<Value, ApiError>> + Send + 'static,
    {
        let mut inner = self.lock();
        if let Some(done) = inner.making.get(&key) {
            return done.clone();
        }
        let (tx, rx) = watch::channel(None);
        inner.making.insert(key.clone(), rx.clone());
        drop(inner);
        let cache = self.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let outcome = match make().await {
                Ok(value) => {
                    cache.put(key.clone(), value, started.elapsed());
                    Ok(())
                }
                Err(e) => {
                    tracing::warn!(error = %e.message, key, "Making a dashboard summary failed");
                    Err(e)
                }
            };
            cache.lock().making.remove(&key);
            tx.send_replace(Some(outcome));
        });
        rx
    }

    fn find(&self, key: &str) -> Option<Summary> {
        let inner = self.lock();
        let e = inner.entries.iter().find(|e| e.key == key)?;
        Some(Summary::Ready {
            value: Arc::clone(&e.value),
            made_at: e.made_at,
            refreshing: inner.making.contains_key(key),
        })
    }

    fn put(&self, key: String, value: Value, cost: Duration) -> Summary {
        let value = Arc::new(value);
        let made_at = crate::clock::now_ms();
        let mut inner = self.lock();
        inner
            .entries
            .retain(|e| e.key != key && e.made.elapsed() < STALE_FOR);
        if inner.entries.len() >= ENTRIES {
            inner.entries.remove(0);
        }
        inner.entries.push(Entry {
            key,
            made: Instant::now(),
            made_at,
            cost,
            value: Arc::clone(&value),
        });
        Summary::Ready {
            value,
            made_at,
            refreshing: false,
        }
    }

    /// Marks everything stale (after feedback or an activation): the next
    /// view makes a cheap summary again, or shows a slow one once more and
    /// starts a fresh one.
    pub fn expire(&self) {
        let long_ago = Instant::now()
            .checked_sub(FRESH_FOR)
            .unwrap_or_else(Instant::now);
        for e in &mut self.lock().entries {
            e.made = e.made.min(long_ago);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::{Cache, Summary};
    use serde_json::{Value, json};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    type Made = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Value, crate::error::ApiError>> + Send>,
    >;

    /// A maker that counts its calls and answers with the count, taking
    /// `ms` milliseconds.
    fn counting(calls: &Arc<AtomicU32>, ms: u64) -> impl FnOnce() -> Made + Send + 'static {
        let calls = Arc::clone(calls);
        move || {
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(json!(calls.fetch_add(1, Ordering::SeqCst) + 1))
            })
        }
    }

    fn value(s: Summary) -> Option<(Value, bool)> {
        match s {
            Summary::Ready {
                value, refreshing, ..
            } => Some(((*value).clone(), refreshing)),
            Summary::Computing => None,
        }
    }

    #[tokio::test]
    async fn a_slow_summary_is_never_waited_for() {
        let (cache, calls) = (Cache::default(), Arc::new(AtomicU32::new(0)));
        let get = || cache.get_or("k".to_owned(), counting(&calls, 400));
        let started = std::time::Instant::now();
        assert_eq!(value(get().await.unwrap()), None, "computing at first");
        assert_eq!(value(get().await.unwrap()), None, "still computing");
        assert!(started.elapsed() < Duration::from_millis(390));
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(value(get().await.unwrap()), Some((json!(1), false)));
        cache.expire();
        let started = std::time::Instant::now();
        assert_eq!(
            value(get().await.unwrap()),
            Some((json!(1), true)),
            "stale, shown at once while a new one is made"
        );
        assert!(started.elapsed() < Duration::from_millis(200));
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(value(get().await.unwrap()), Some((json!(2), false)));
        assert_eq!(calls.load(Ordering::SeqCst), 2, "one making at a time");
    }

    #[tokio::test]
    async fn a_cheap_summary_is_always_current() {
        let (cache, calls) = (Cache::default(), Arc::new(AtomicU32::new(0)));
        let get = || cache.get_or("k".to_owned(), counting(&calls, 0));
        assert_eq!(value(get().await.unwrap()), Some((json!(1), false)));
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(
            value(get().await.unwrap()),
            Some((json!(2), false)),
            "made again while waiting"
        );
    }

    #[tokio::test]
    async fn a_failed_summary_reports_its_error() {
        let cache = Cache::default();
        let failed = cache
            .get_or("k".to_owned(), || async {
                Err(crate::error::ApiError::not_found("nothing"))
            })
            .await;
        assert_eq!(failed.unwrap_err().code, "not_found");
    }
}
