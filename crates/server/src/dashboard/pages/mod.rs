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

use serde::Deserialize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a summary over every lead is reused: the matrix and the funnel
/// read the whole ranking, which is too slow to do on every page view with
/// a million leads, and minutes-old counts serve their purpose.
const CACHE_FOR: Duration = Duration::from_secs(60);

/// A cached summary: its key, when it was made, the value.
type Entry = (String, Instant, Arc<serde_json::Value>);

/// Summaries by key (what was asked, under which model version).
#[derive(Debug, Clone, Default)]
pub struct Cache {
    entries: Arc<Mutex<Vec<Entry>>>,
}

/// Entries kept at most.
const CACHE_ENTRIES: usize = 32;

impl Cache {
    /// The value under `key` if fresh, else `make`'s, remembered.
    pub async fn get_or<F, Fut, E>(&self, key: String, make: F) -> Result<Arc<serde_json::Value>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<serde_json::Value, E>>,
    {
        if let Some(v) = self
            .lock()
            .iter()
            .find(|(k, at, _)| *k == key && at.elapsed() < CACHE_FOR)
            .map(|(_, _, v)| Arc::clone(v))
        {
            return Ok(v);
        }
        let v = Arc::new(make().await?);
        let mut entries = self.lock();
        entries.retain(|(k, at, _)| *k != key && at.elapsed() < CACHE_FOR);
        if entries.len() >= CACHE_ENTRIES {
            entries.remove(0);
        }
        entries.push((key, Instant::now(), Arc::clone(&v)));
        Ok(v)
    }

    /// Forgets everything (after feedback or a model change).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
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
