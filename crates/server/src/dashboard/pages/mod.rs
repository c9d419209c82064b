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

/// How long a summary over every lead counts as fresh: the matrix and the
/// funnel read the whole ranking, which takes seconds with a million leads,
/// and minutes-old counts serve their purpose.
const FRESH_FOR: Duration = Duration::from_secs(60);
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
                Some(e) if e.made.elapsed() < FRESH_FOR || e.refreshing => {
                    return Ok(Arc::clone(&e.value));
                }
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
                match make().await {
                    Ok(v) => {
                        cache.put(key, v);
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
        Ok(self.put(key, make().await?))
    }

    fn put(&self, key: String, value: serde_json::Value) -> Arc<serde_json::Value> {
        let value = Arc::new(value);
        let mut entries = self.lock();
        entries.retain(|e| e.key != key && e.made.elapsed() < STALE_FOR);
        if entries.len() >= CACHE_ENTRIES {
            entries.remove(0);
        }
        entries.push(Entry {
            key,
            made: Instant::now(),
            value: Arc::clone(&value),
            refreshing: false,
        });
        value
    }

    /// Marks everything stale (after feedback or an activation): the next
    /// view shows it once more and starts a fresh one.
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

    /// A maker that counts its calls and answers with the count.
    fn counting(
        calls: &Arc<AtomicU32>,
    ) -> impl FnOnce() -> std::future::Ready<Result<serde_json::Value, crate::error::ApiError>>
    + Send
    + 'static {
        let calls = Arc::clone(calls);
        move || std::future::ready(Ok(json!(calls.fetch_add(1, Ordering::SeqCst) + 1)))
    }

    #[tokio::test]
    async fn a_stale_summary_is_shown_while_a_fresh_one_is_made() {
        let (cache, calls) = (Cache::default(), Arc::new(AtomicU32::new(0)));
        let key = || "k".to_owned();
        assert_eq!(
            *cache.get_or(key(), counting(&calls)).await.unwrap(),
            json!(1)
        );
        assert_eq!(
            *cache.get_or(key(), counting(&calls)).await.unwrap(),
            json!(1),
            "fresh"
        );
        cache.expire();
        assert_eq!(
            *cache.get_or(key(), counting(&calls)).await.unwrap(),
            json!(1),
            "stale, shown at once"
        );
        for _ in 0..100 {
            if calls.load(Ordering::SeqCst) == 2 {
                break;
            }
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert_eq!(
            *cache.get_or(key(), counting(&calls)).await.unwrap(),
            json!(2),
            "refreshed"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
