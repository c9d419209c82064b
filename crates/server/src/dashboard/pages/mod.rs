//! The dashboard's pages, one module each, and the short-lived cache of the
//! summaries that read many leads.

pub mod accounts;
pub mod deliveries;
pub mod funnel;
pub mod lead;
pub mod leads;
pub mod login;
pub mod matrix;
pub mod model;
pub mod users_page;

use crate::error::ApiError;
use serde::Deserialize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest a summary over every lead counts as fresh: the matrix and
/// the funnel read the whole ranking, which takes seconds with a million
/// leads (25 s for the funnel, measured), and minute-old counts serve their
/// purpose. A summary counts as fresh for 20 times what it took to make, up
/// to this, so cheap ones (a small database) are always current.
const FRESH_FOR: Duration = Duration::from_secs(60);
/// How many times its making time a summary stays fresh.
const FRESH_PER_COST: u32 = 20;
/// A stale summary that took less than this to make is made again while
/// the viewer waits; a slower one is shown stale while a background task
/// makes a new one.
const INLINE_MAX: Duration = Duration::from_millis(250);
/// How long an older summary is still shown while a fresh one is made in
/// the background, so that no page view waits for one.
const STALE_FOR: Duration = Duration::from_secs(3600);
/// Entries kept at most.
const CACHE_ENTRIES: usize = 32;

/// A cached summary.
#[derive(Debug)]
struct Entry {
    key: String,
    made: Instant,
    cost: Duration,
    value: Arc<serde_json::Value>,
    refreshing: bool,
}

/// Summaries by key (what was asked, under which model version): fresh
/// ones are served as they are, stale ones too while a background task
/// makes a new one, and only a missing one is made while the viewer waits.
#[derive(Debug, Clone, Default)]
pub struct Cache {
    entries: Arc<Mutex<Vec<Entry>>>,
}

impl Cache {
    /// The value under `key`, made by `make` when missing or stale.
    pub async fn get_or<F, Fut>(
        &self,
        key: String,
        make: F,
    ) -> Result<Arc<serde_json::Value>, ApiError>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<serde_json::Value, ApiError>> + Send + 'static,
    {
        let refresh = {
            let mut entries = self.lock();
            match entries
                .iter_mut()
                .find(|e| e.key == key && e.made.elapsed() < STALE_FOR)
            {
                Some(e)
                    if e.made.elapsed() < FRESH_FOR.min(e.cost * FRESH_PER_COST)
                        || e.refreshing =>
                {
                    return Ok(Arc::clone(&e.value));
                }
                Some(e) if e.cost < INLINE_MAX => None,
                Some(e) => {
                    e.refreshing = true;
                    Some(Arc::clone(&e.value))
                }
                None => None,
            }
        };
        if let Some(stale) = refresh {
            let cache = self.clone();
            tokio::spawn(async move {
                let started = Instant::now();
                match make().await {
                    Ok(v) => {
                        cache.put(key, v, started.elapsed());
                    }
                    Err(e) => {
                        tracing::warn!(error = %e.message, key, "Refreshing a dashboard summary failed");
                        cache
                            .lock()
                            .iter_mut()
                            .filter(|e| e.key == key)
                            .for_each(|e| e.refreshing = false);
                    }
                }
            });
            return Ok(stale);
        }
        let started = Instant::now();
        let value = make().await?;
        Ok(self.put(key, value, started.elapsed()))
    }

    fn put(&self, key: String, value: serde_json::Value, cost: Duration) -> Arc<serde_json::Value> {
        let value = Arc::new(value);
        let mut entries = self.lock();
        entries.retain(|e| e.key != key && e.made.elapsed() < STALE_FOR);
        if entries.len() >= CACHE_ENTRIES {
            entries.remove(0);
        }
        entries.push(Entry {
            key,
            made: Instant::now(),
            cost,
            value: Arc::clone(&value),
            refreshing: false,
        });
        value
    }

    /// Marks everything stale (after feedback or an activation): the next
    /// view makes a cheap summary again, or shows a slow one once more and
    /// starts a fresh one.
    pub fn expire(&self) {
        let long_ago = Instant::now()
            .checked_sub(FRESH_FOR)
            .unwrap_or_else(Instant::now);
        for e in self.lock().iter_mut() {
            e.made = e.made.min(long_ago);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Makes the default funnel and the matrix in the background at start, so
/// that their first view does not wait for them.
pub fn warm(state: crate::app::AppState) {
    tokio::spawn(async move {
        let form = funnel::Form::default();
        for result in [
            funnel::cached(&state, &form, "month").await,
            funnel::cached(&state, &form, "source").await,
            matrix::counts(&state).await,
        ] {
            if let Err(e) = result {
                tracing::warn!(error = %e.message, "Preparing the dashboard's summaries failed");
            }
        }
    });
}

/// A form that carries only its CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    /// The session's CSRF token.
    pub csrf: String,
}

/// The `done=` parameter of a page shown after a form.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    /// Which notice to show.
    pub done: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::Cache;
    use serde_json::json;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A maker that counts its calls and answers with the count, taking
    /// `ms` milliseconds.
    fn counting(
        calls: &Arc<AtomicU32>,
        ms: u64,
    ) -> impl FnOnce() -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<serde_json::Value, crate::error::ApiError>>
                + Send,
        >,
    > + Send
    + 'static {
        let calls = Arc::clone(calls);
        move || {
            Box::pin(async move {
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                Ok(json!(calls.fetch_add(1, Ordering::SeqCst) + 1))
            })
        }
    }

    #[tokio::test]
    async fn a_slow_summary_is_shown_stale_while_a_fresh_one_is_made() {
        let (cache, calls) = (Cache::default(), Arc::new(AtomicU32::new(0)));
        let get = || cache.get_or("k".to_owned(), counting(&calls, 300));
        assert_eq!(*get().await.unwrap(), json!(1));
        assert_eq!(*get().await.unwrap(), json!(1), "fresh");
        cache.expire();
        let started = std::time::Instant::now();
        assert_eq!(*get().await.unwrap(), json!(1), "stale, shown at once");
        assert!(started.elapsed() < std::time::Duration::from_millis(200));
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        assert_eq!(
            *get().await.unwrap(),
            json!(2),
            "refreshed in the background"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_cheap_summary_is_always_current() {
        let (cache, calls) = (Cache::default(), Arc::new(AtomicU32::new(0)));
        let get = || cache.get_or("k".to_owned(), counting(&calls, 0));
        assert_eq!(*get().await.unwrap(), json!(1));
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        assert_eq!(*get().await.unwrap(), json!(2), "made again while waiting");
    }
}
