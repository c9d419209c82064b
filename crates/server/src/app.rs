//! Starting the service: open the store, make sure a model and keys exist,
//! load the scoring state, and serve the router.

use crate::auth::{KeyChecker, Role, hash_key, new_key};
use crate::jobs::Jobs;
use crate::metrics::Metrics;
use crate::runtime::Loaded;
use crate::writer::{self, Shared, Writer};
use leadscore_core::model::Model;
use leadscore_store::{Store, StoreError};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How the service is set up.
#[derive(Clone)]
pub struct Config {
    /// `sqlite://path` or `postgres://...`.
    pub database_url: String,
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The model to activate when the store has none.
    pub default_model: String,
    /// Keys to make sure exist (role and key), for scripted set-ups.
    pub keys: Vec<(Role, String)>,
    /// How often scores are brought up to date as points decay.
    pub decay_every: Duration,
    /// How long the effects of acknowledged events (scores, history,
    /// links) may wait before they are written, in one transaction with
    /// everything else waiting ([`crate::writer::FLUSH_EVERY`] by default).
    /// Shorter: shorter pauses of ingestion, so a lower latency tail at a
    /// steady rate; longer: more events coalesced per write, so more events
    /// per second at saturation (docs/benchmarks.md). A saturated writer
    /// waits longer on its own, up to a second (`writer::pace`). Reads are
    /// never stale either way: they wait for pending writes.
    pub flush_every: Duration,
    /// Waits between webhook attempts.
    pub backoff: crate::deliver::Backoff,
    /// The dashboard's first admin (email, password), created when no
    /// dashboard user exists.
    pub first_admin: Option<(String, String)>,
    /// Mark dashboard cookies `Secure` (serve behind HTTPS).
    pub secure_cookies: bool,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys and database passwords stay out of logs.
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("keys", &self.keys.len())
            .field("decay_every", &self.decay_every)
            .field("flush_every", &self.flush_every)
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Scoring the stored leads at start failed.
    #[error(transparent)]
    Write(#[from] crate::writer::WriteError),
    /// The stored or default model does not compile.
    #[error("model version {version} does not compile: {errors}")]
    Model {
        /// Which version.
        version: i64,
        /// Every error.
        errors: String,
    },
    /// The configured first dashboard admin could not be created.
    #[error("first dashboard admin: {0}")]
    FirstAdmin(#[from] crate::dashboard::users::UserError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Everything request handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The writer.
    pub writer: Writer,
    /// The active model.
    pub shared: Arc<Shared>,
    /// Long jobs.
    pub jobs: Jobs,
    /// Key checks.
    pub keys: KeyChecker,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Wakes the delivery worker (after a manual retry).
    pub outbox: Arc<tokio::sync::Notify>,
    /// The web dashboard's login brake and caches.
    pub dashboard: crate::dashboard::DashState,
}

impl AppState {
    /// The active model and version.
    pub fn active(&self) -> Loaded {
        self.shared
            .active
            .read()
            .map(|a| a.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }
}

/// A running server.
#[derive(Debug)]
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Admin key created at first start, to show once.
    pub new_admin_key: Option<String>,
    /// The server task.
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn compile(
    store: &dyn Store,
    version: i64,
    source: &str,
    history: &Arc<LiveHistory>,
) -> Result<Arc<Model>, StartError> {
    use crate::runtime::prepare::{PrepareError, prepare};
    match prepare(store, source, Some(history)).await {
        Ok(m) => Ok(Arc::new(m)),
        Err(PrepareError::Invalid(errors)) => Err(StartError::Model { version, errors }),
        Err(PrepareError::Store(e)) => Err(e.into()),
    }
}

use crate::clock::now_ms;
use crate::runtime::behaviour::LiveHistory;

/// The active model, activating the default one in an empty store.
async fn active_model(
    store: &dyn Store,
    default: &str,
    history: &Arc<LiveHistory>,
) -> Result<Loaded, StartError> {
    let models = store.models().await?;
    if let Some(m) = models.iter().find(|m| m.active) {
        return Ok(Loaded {
            model: compile(store, m.version, &m.source, history).await?,
            version: m.version,
        });
    }
    let model = compile(store, 0, default, history).await?;
    let version = store.insert_model(&model.name, default, now_ms()).await?;
    let mut tx = store.begin().await?;
    tx.activate_model(version).await?;
    tx.commit().await?;
    Ok(Loaded { model, version })
}

/// Makes sure the configured keys exist; in a store with no keys at all,
/// creates an admin key and returns it.
async fn ensure_keys(
    store: &dyn Store,
    keys: &[(Role, String)],
) -> Result<Option<String>, StoreError> {
    for (role, key) in keys {
        let hash = hash_key(key);
        if store.key_by_hash(&hash).await?.is_none() {
            let prefix: String = key.chars().take(10).collect();
            store
                .insert_key("configured", role.as_str(), &hash, &prefix, now_ms())
                .await?;
        }
    }
    if !store.keys().await?.is_empty() {
        return Ok(None);
    }
    let key = new_key(Role::Admin);
    let prefix: String = key.chars().take(10).collect();
    store
        .insert_key("first admin", "admin", &hash_key(&key), &prefix, now_ms())
        .await?;
    Ok(Some(key))
}

/// Builds the ranked list's orderings in the background, so the first
/// reader does not wait for them.
fn load_listing(store: Arc<dyn leadscore_store::Store>) {
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        match store.load_listing().await {
            Ok(leads) => tracing::info!(
                leads,
                ms = started.elapsed().as_millis() as u64,
                "Ranked list loaded"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "Loading the ranked list failed; the first read retries")
            }
        }
    });
}

/// Opens the store, loads the scoring state and starts serving.
pub async fn start(config: Config) -> Result<Running, StartError> {
    let store = leadscore_store::open(&config.database_url).await?;
    let new_admin_key = ensure_keys(store.as_ref(), &config.keys).await?;
    crate::dashboard::users::ensure_first_admin(store.as_ref(), config.first_admin.as_ref())
        .await?;
    let history = Arc::new(LiveHistory::default());
    let active = active_model(store.as_ref(), &config.default_model, &history).await?;
    let jobs = Jobs::default();
    let outbox = Arc::new(tokio::sync::Notify::new());
    let (writer, shared) = writer::start(
        Arc::clone(&store),
        active,
        jobs.clone(),
        config.decay_every,
        config.flush_every,
        Arc::clone(&outbox),
        history,
    )
    .await?;
    crate::deliver::spawn(Arc::clone(&store), Arc::clone(&outbox), config.backoff);
    let state = AppState {
        keys: KeyChecker::new(Arc::clone(&store)),
        store,
        writer,
        metrics: Metrics::new(shared.flush_seconds.clone()),
        shared,
        jobs,
        outbox,
        dashboard: crate::dashboard::DashState {
            secure_cookies: config.secure_cookies,
            ..crate::dashboard::DashState::default()
        },
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: config.listen,
        source,
    })?;
    load_listing(Arc::clone(&state.store));
    crate::dashboard::warm(state.clone());
    let router = crate::routes::router(state);
    let task = tokio::spawn(async move { axum::serve(listener, router).await });
    tracing::info!(%addr, "Listening");
    Ok(Running {
        addr,
        new_admin_key,
        task,
    })
}
