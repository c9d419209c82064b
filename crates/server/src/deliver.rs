//! The outbox worker: posts pending webhook deliveries, signs them, retries
//! failures with exponential backoff and marks a delivery dead after its
//! endpoint's last attempt. It reads the outbox from the store, so it picks
//! up after a restart exactly where it stopped; a delivery whose answer was
//! lost in a crash is sent again with the same delivery id (at least once).

use crate::clock::now_ms;
use hmac::{KeyInit, Mac};
use leadscore_store::{AttemptOutcome, AttemptRow, DeliveryRow, Store, WebhookRow, status};
use rustc_hash::FxHashMap;
use sha2::Sha256;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Deliveries attempted per pass.
const PASS: i64 = 32;
/// Longest sleep between passes when nothing is due.
const IDLE: Duration = Duration::from_secs(5);
/// Attempts of a delivery whose endpoint no longer exists.
const ORPHAN_ATTEMPTS: i64 = 8;
/// The signature header: `v1=` and the hex HMAC-SHA256 of
/// `"{timestamp}.{body}"` under the endpoint's secret.
pub const SIGNATURE_HEADER: &str = "x-leadscore-signature";
/// Unix seconds when the attempt was signed (part of the signed text, so an
/// old delivery cannot be replayed as new).
pub const TIMESTAMP_HEADER: &str = "x-leadscore-timestamp";
/// The stable delivery id receivers use to drop duplicates.
pub const DELIVERY_HEADER: &str = "x-leadscore-delivery";

/// Backoff between attempts.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Wait after the first failure; doubled after each further one.
    pub base: Duration,
    /// Longest wait.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            base: Duration::from_secs(10),
            cap: Duration::from_secs(3600),
        }
    }
}

impl Backoff {
    /// Wait after `attempts` failed attempts.
    pub fn after(&self, attempts: i64) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.base.saturating_mul(1 << doublings).min(self.cap)
    }
}

/// The signature of `body` sent at `timestamp` under `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <hmac::Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Starts the worker.
pub fn spawn(store: Arc<dyn Store>, wake: Arc<Notify>, backoff: Backoff) {
    tokio::spawn(run(store, wake, backoff));
}

async fn run(store: Arc<dyn Store>, wake: Arc<Notify>, backoff: Backoff) {
    let client = match reqwest::Client::builder()
        .user_agent(concat!("leadscore/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "Cannot build the webhook client; deliveries stop");
            return;
        }
    };
    loop {
        match pass(&store, &client, backoff).await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "Delivery pass failed; retrying"),
        }
        let wait = match store.next_due().await {
            Ok(Some(at)) => Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0)),
            _ => IDLE,
        };
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(wait.min(IDLE)) => {}
        }
    }
}

/// Attempts every due delivery once; true if there were any.
async fn pass(
    store: &Arc<dyn Store>,
    client: &reqwest::Client,
    backoff: Backoff,
) -> Result<bool, leadscore_store::StoreError> {
    let due = store.due_deliveries(now_ms(), PASS).await?;
    if due.is_empty() {
        return Ok(false);
    }
    let hooks: FxHashMap<String, WebhookRow> = store
        .webhooks()
        .await?
        .into_iter()
        .map(|w| (w.name.clone(), w))
        .collect();
    let mut attempts = tokio::task::JoinSet::new();
    for d in due {
        let hook = hooks.get(&d.webhook).cloned();
        attempts.spawn(attempt(client.clone(), hook, d, backoff));
    }
    while let Some(done) = attempts.join_next().await {
        let Ok(outcome) = done else { continue };
        if outcome.status == status::DEAD {
            tracing::warn!(
                delivery = outcome.attempt.outbox_id,
                "Delivery dead after its last attempt"
            );
        }
        store.record_attempt(&outcome).await?;
    }
    Ok(true)
}

async fn attempt(
    client: reqwest::Client,
    hook: Option<WebhookRow>,
    d: DeliveryRow,
    backoff: Backoff,
) -> AttemptOutcome {
    let at = now_ms();
    let started = Instant::now();
    let (result, max_attempts) = match &hook {
        None => (
            Err(format!(
                "no webhook endpoint is called `{}`; create it with PUT /api/webhooks/{}",
                d.webhook, d.webhook
            )),
            ORPHAN_ATTEMPTS,
        ),
        Some(h) => (send(&client, h, &d, at).await, h.max_attempts),
    };
    let attempts = d.attempts + 1;
    let ok = matches!(result, Ok(code) if (200..300).contains(&code));
    let (state, next) = if ok {
        (status::DELIVERED, at)
    } else if attempts >= max_attempts {
        (status::DEAD, at)
    } else {
        let wait = i64::try_from(backoff.after(attempts).as_millis()).unwrap_or(i64::MAX);
        (status::PENDING, at.saturating_add(wait))
    };
    let error = match &result {
        Ok(_) if ok => None,
        Ok(code) => Some(format!("the receiver answered HTTP {code}")),
        Err(e) => Some(e.clone()),
    };
    AttemptOutcome {
        attempt: AttemptRow {
            outbox_id: d.id,
            at,
            status_code: result.ok().map(i64::from),
            error,
            duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        },
        status: state,
        next_attempt_at: next,
    }
}

/// One POST; the receiver's status code, or why there was none.
async fn send(
    client: &reqwest::Client,
    hook: &WebhookRow,
    d: &DeliveryRow,
    at_ms: i64,
) -> Result<u16, String> {
    let timestamp = at_ms / 1000;
    let timeout = Duration::from_millis(u64::try_from(hook.timeout_ms).unwrap_or(5_000));
    let response = client
        .post(&hook.url)
        .timeout(timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(DELIVERY_HEADER, &d.delivery_id)
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(SIGNATURE_HEADER, sign(&hook.secret, timestamp, &d.payload))
        .body(d.payload.clone())
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("no answer within {} ms", hook.timeout_ms)
            } else if e.is_connect() {
                "cannot connect to the receiver".to_owned()
            } else {
                format!("request failed: {e}")
            }
        })?;
    Ok(response.status().as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let b = Backoff {
            base: Duration::from_secs(10),
            cap: Duration::from_secs(60),
        };
        let waits: Vec<u64> = (1..=5).map(|n| b.after(n).as_secs()).collect();
        assert_eq!(waits, vec![10, 20, 40, 60, 60]);
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_and_body() {
        // Computed independently with Python's standard library:
        // hmac.new(b"key", b"1700000000.{}", hashlib.sha256).hexdigest()
        assert_eq!(
            sign("key", 1_700_000_000, "{}"),
            "v1=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
        );
    }
}
