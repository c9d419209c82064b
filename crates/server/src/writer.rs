//! The single writer: every change to leads and scores goes through one
//! task, which batches whatever requests are waiting into one transaction
//! (group commit); one commit (one fsync) serves many requests. A group is
//! answered once its commit is on disk; on SQLite the flush runs beside the
//! writer (see `acknowledge`), which meanwhile runs the next group.
//!
//! Only the events must be durable before an ingest request is answered:
//! everything else (leads, identity links, scores, history, triggers, account
//! roll-ups) derives from the log. So an ingest group commits just its
//! events; the writer applies them to the in-memory state at once and writes
//! what they changed behind, coalesced, in one transaction at most one
//! flush interval later ([`crate::Config::flush_every`], [`FLUSH_EVERY`] by
//! default, longer while the writer is saturated: see `pace`; a lead is
//! scored once however many of its events arrived meanwhile). That
//! transaction also moves the log's applied mark
//! ([`Tx::mark_applied`](leadscore_store::Tx::mark_applied)), so a crash
//! leaves either all of a flush or none of it, and start-up routes the
//! events after the mark afresh (`catch_up`). Reads through the API first
//! wait for pending writes (see `settle`), so a client reads its own
//! acknowledged events; profile edits and every other command write
//! through at once. That written-behind transaction runs beside the
//! writer, not between its groups (see `beside`): both databases let it
//! commit while an ingest transaction is open (on SQLite the event log is
//! a file of its own).

use crate::jobs::Jobs;
use crate::runtime::rows::{lead_row, score_row};
use crate::runtime::{Loaded, Runtime, load::load};
use leadscore_core::engine::LeadScore;
use leadscore_core::{Event, EventKind, Timestamp, Value, segment};
use leadscore_store::{
    AccountRow, HistoryRow, Housekeeping, LeadRow, NewEvent, ScoreRow, Store, StoreError,
};
use rustc_hash::{FxHashMap, FxHashSet};
use smol_str::SmolStr;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Events gathered into one commit at most; more wait for the next.
const MAX_BATCH_EVENTS: usize = 5_000;
/// How long the derived writes of acknowledged events wait at most, by
/// default (see [`crate::Config::flush_every`]). Flushes no longer hold up
/// ingestion (they run beside the writer), and every read through the API
/// flushes what is pending first, so the interval trades the latency of
/// reads under heavy writes for write volume. On 2 cores 250 ms gave
/// 15,600-16,000 single events/s against 12,200-12,300 with 10 ms, a p99 at
/// a steady 5,000/s of 9.5-13.7 ms against 14.8-105, and reads at 20 a
/// second beside that load 8.5 ms at the median against 2.3
/// (docs/benchmarks.md, "The event log in a file of its own").
pub const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(250);
/// Unwritten events that make the writer write their effects at once
/// whatever the interval; bounds the rows held in memory and one flush's
/// pause under the heaviest load.
const FLUSH_EVENTS: usize = 50_000;
/// Leads built per step while a new model is being activated.
const BUILD_CHUNK_LEADS: usize = 2_000;

/// What a write can fail with.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WriteError {
    /// The store failed; nothing of the batch was kept. Shared, because one
    /// failed group commit fails every request in it.
    #[error(transparent)]
    Store(Arc<StoreError>),
    /// The named lead does not exist.
    #[error("lead {0} not found")]
    NoSuchLead(String),
    /// Another model is being activated.
    #[error("model version {0} is already being activated")]
    Busy(i64),
    /// The writer has stopped (the server is shutting down).
    #[error("the writer has stopped")]
    Stopped,
}

/// What an ingest request achieved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ingested {
    /// New events stored.
    pub accepted: usize,
    /// Events whose message id was already stored, ignored.
    pub duplicates: usize,
}

/// A change to a lead's profile from the API.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    /// The lead (created if new).
    pub lead_id: String,
    /// Attributes to set; `Null` removes one.
    pub attributes: Vec<(SmolStr, Value)>,
    /// `Some` sets (or with `None` inside, clears) the owner.
    pub owner: Option<Option<String>>,
    /// Why, for the history: `edit:<key name>`, `feedback:<key name>`,
    /// `import:<key name>`; `profile` when not given.
    pub cause: Option<String>,
    /// Sales feedback stored in the same transaction.
    pub feedback: Vec<leadscore_store::FeedbackRow>,
}

type Reply<T> = oneshot::Sender<Result<T, WriteError>>;

enum Command {
    /// Events with their stored rows, made by the caller so that encoding
    /// them runs on the request's thread, not on the single writer.
    Ingest(Vec<Event>, Vec<NewEvent>, Reply<Ingested>),
    Profile(Vec<ProfileUpdate>, Reply<Vec<bool>>),
    Erase(String, Reply<u64>),
    Activate(Loaded, Reply<()>),
    Decay,
    /// Write everything pending, then answer.
    Settle(Reply<()>),
}

/// The handle request handlers use to reach the writer.
#[derive(Debug, Clone)]
pub struct Writer {
    tx: mpsc::Sender<Command>,
}

impl Writer {
    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, WriteError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(make(reply))
            .await
            .map_err(|_| WriteError::Stopped)?;
        answer.await.map_err(|_| WriteError::Stopped)?
    }

    /// Stores events and scores them; returns once they are durable.
    pub async fn ingest(&self, events: Vec<Event>) -> Result<Ingested, WriteError> {
        let now = now_ms();
        let rows = events.iter().map(|e| new_event(e, now)).collect();
        self.ask(|r| Command::Ingest(events, rows, r)).await
    }

    /// Creates or updates a lead's profile; true if the lead is new.
    pub async fn update_profile(&self, update: ProfileUpdate) -> Result<bool, WriteError> {
        let created = self.ask(|r| Command::Profile(vec![update], r)).await?;
        Ok(created.first().copied().unwrap_or(false))
    }

    /// Creates or updates many profiles in one commit; for each, whether it is new.
    pub async fn update_profiles(
        &self,
        updates: Vec<ProfileUpdate>,
    ) -> Result<Vec<bool>, WriteError> {
        self.ask(|r| Command::Profile(updates, r)).await
    }

    /// Erases a lead and all its events; returns how many events went.
    pub async fn erase(&self, lead_id: String) -> Result<u64, WriteError> {
        self.ask(|r| Command::Erase(lead_id, r)).await
    }

    /// Starts activating a model: all leads are rescored in the background
    /// (see [`Jobs`] for progress); returns once the work has started.
    pub async fn activate(&self, model: Loaded) -> Result<(), WriteError> {
        self.ask(|r| Command::Activate(model, r)).await
    }

    /// Returns once every event acknowledged so far is reflected in the
    /// stored leads and scores.
    pub async fn settle(&self) -> Result<(), WriteError> {
        self.ask(Command::Settle).await
    }

    /// Asks for decayed scores to be brought up to date now.
    pub async fn decay_now(&self) {
        let _ = self.tx.send(Command::Decay).await;
    }
}

/// Readers' view of what the writer holds: the active model.
#[derive(Debug)]
pub struct Shared {
    /// The active model and version.
    pub active: std::sync::RwLock<Loaded>,
    /// The behaviour the writer records for trained models that read it.
    pub history: Arc<crate::runtime::behaviour::LiveHistory>,
    /// Raised each time acknowledged events leave rows waiting to be
    /// written (before they are acknowledged).
    pub pending: std::sync::atomic::AtomicU64,
    /// The highest value of `pending` whose rows are all written.
    pub written: std::sync::atomic::AtomicU64,
    /// How long each write of those rows took (exposed in `/metrics`).
    pub flush_seconds: prometheus_client::metrics::histogram::Histogram,
}

impl Shared {
    /// Whether acknowledged events wait for their effects to be written;
    /// readers then ask the writer to [`settle`](Writer::settle) first.
    pub fn unwritten(&self) -> bool {
        use std::sync::atomic::Ordering;
        self.pending.load(Ordering::Acquire) > self.written.load(Ordering::Acquire)
    }
}

/// Loads the runtime from the store and starts the writer task.
pub async fn start(
    store: Arc<dyn Store>,
    active: Loaded,
    jobs: Jobs,
    decay_every: std::time::Duration,
    flush_every: std::time::Duration,
    outbox: Arc<tokio::sync::Notify>,
    history: Arc<crate::runtime::behaviour::LiveHistory>,
) -> Result<(Writer, Arc<Shared>), WriteError> {
    let job = jobs.start("load", None);
    let report = |phase: &'static str, n: u64| {
        job.progress(n, None);
        tracing::debug!(phase, rows = n, "Loading");
    };
    let rt = load(
        store.as_ref(),
        active.clone(),
        Arc::clone(&history),
        &report,
    )
    .await?;
    let leads = rt.live_leads();
    job.finish();
    tracing::info!(leads, version = active.version, "Loaded scoring state");

    let shared = Arc::new(Shared {
        active: std::sync::RwLock::new(active),
        history,
        pending: std::sync::atomic::AtomicU64::new(0),
        written: std::sync::atomic::AtomicU64::new(0),
        flush_seconds: crate::metrics::flush_histogram(),
    });
    let (flushed, to_answer) = mpsc::unbounded_channel();
    tokio::spawn(acknowledge(
        Arc::clone(&store),
        Arc::clone(&outbox),
        to_answer,
    ));
    let beside =
        beside::Beside::start(Arc::clone(&store), Arc::clone(&shared), Arc::clone(&outbox));
    let mut task = Task {
        beside,
        beside_cost: std::time::Duration::ZERO,
        store,
        flushed,
        rt,
        jobs,
        shared: Arc::clone(&shared),
        build: None,
        outbox,
        deliveries_waiting: false,
        writes: writeset::WriteSet::default(),
        pending_events: 0,
        pending_since: None,
        pace: pace::Pace::new(flush_every, std::time::Instant::now()),
    };
    task.catch_up().await?;
    task.rescore_everything().await?;

    let (tx, rx) = mpsc::channel(4096);
    let writer = Writer { tx: tx.clone() };
    spawn_task(task, rx);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(decay_every);
        tick.tick().await;
        loop {
            tick.tick().await;
            if tx.send(Command::Decay).await.is_err() {
                break;
            }
        }
    });
    Ok((writer, shared))
}

/// Starts the writer's loop (see [`spawn_writing`]).
fn spawn_task(mut task: Task, rx: mpsc::Receiver<Command>) {
    let store = Arc::clone(&task.store);
    spawn_writing(store, "leadscore-writer", false, move |store| {
        task.store = store;
        task.run(rx)
    });
}

/// Runs `work`, which writes through `store`, on an OS thread named `name`
/// with a single-threaded runtime of its own, so that its commits never
/// wait for the threads that serve HTTP, nor block them: on SQLite its
/// transactions run synchronously on that thread
/// (`leadscore_store::SqliteTx`: no hand-off to a driver thread per
/// statement); on PostgreSQL it gets connections of its own, which its own
/// runtime hears ([`Store::for_writing_thread`]). A `background` thread
/// yields the CPU to the others ([`leadscore_store::background`]).
pub(crate) fn spawn_writing<W, F>(store: Arc<dyn Store>, name: &str, background: bool, work: W)
where
    W: FnOnce(Arc<dyn Store>) -> F + Send + 'static,
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, name, "No runtime for a writing thread; it runs as a task");
            tokio::spawn(work(store));
            return;
        }
    };
    let thread = name.to_owned();
    let spawned = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            if background {
                leadscore_store::background::yield_to_foreground(&thread);
            }
            runtime.block_on(async move {
                // Made here, so that its connections are this runtime's.
                let store = store.for_writing_thread().unwrap_or(store);
                work(store).await
            })
        });
    if let Err(e) = spawned {
        // Requests then fail with `WriteError::Stopped`, as after a shutdown.
        tracing::error!(error = %e, name, "Starting a writing thread failed");
    }
}

/// A model activation in progress.
struct Build {
    /// Leads to build, in scoring units (an account's members together).
    units: Vec<Vec<u32>>,
    next: usize,
    job: crate::jobs::JobHandle,
    done: u64,
}

struct Task {
    store: Arc<dyn Store>,
    /// Committed groups, to be answered once their commit is on disk.
    flushed: mpsc::UnboundedSender<Answer>,
    rt: Runtime,
    jobs: Jobs,
    shared: Arc<Shared>,
    build: Option<Build>,
    /// Wakes the delivery worker.
    outbox: Arc<tokio::sync::Notify>,
    /// Set when a transaction enqueued deliveries; the worker is woken once
    /// it commits.
    deliveries_waiting: bool,
    /// Rows that acknowledged events produced, not yet written.
    writes: writeset::WriteSet,
    /// Events whose rows wait in `writes`.
    pending_events: usize,
    /// When `writes` got its first row.
    pending_since: Option<std::time::Instant>,
    /// How long `writes` may wait before they are written.
    pace: pace::Pace,
    /// Where flushes run, beside the writer (see `beside`).
    beside: beside::Beside,
    /// What the last flush beside the writer took.
    beside_cost: std::time::Duration,
}

/// Everything one group commit changes, gathered before writing.
#[derive(Default)]
struct Work {
    touched: FxHashSet<u32>,
    rebuild: FxHashSet<u32>,
    profiles: FxHashSet<u32>,
    accounts: FxHashSet<SmolStr>,
    account_traits: FxHashMap<SmolStr, String>,
    links: Vec<(String, String)>,
    merges: Vec<(String, String)>,
    cause: FxHashMap<u32, String>,
    /// Leads whose owner changed.
    owners: FxHashSet<u32>,
    /// Sales feedback to store.
    feedback: Vec<leadscore_store::FeedbackRow>,
}

/// What a group commit tells its requests.
#[derive(Default)]
struct GroupOutcome {
    /// Per ingest command, in order.
    ingested: Vec<Ingested>,
    /// Leads the group created.
    created: FxHashSet<SmolStr>,
}

use crate::clock::now_ms;

/// The stored row of an event received at `now`. An event without any id
/// (which parsing never lets through) is filed under the empty identity,
/// where no lead reads it.
pub fn new_event(e: &Event, now: i64) -> NewEvent {
    let identity = e
        .user_id
        .as_ref()
        .or(e.anonymous_id.as_ref())
        .map_or(String::new(), ToString::to_string);
    NewEvent {
        message_id: e.message_id.to_string(),
        identity,
        user_id: e.user_id.as_ref().map(ToString::to_string),
        anonymous_id: e.anonymous_id.as_ref().map(ToString::to_string),
        kind: e.kind.as_str().to_owned(),
        name: e.name.to_string(),
        ts: e.timestamp.0,
        received_at: now,
        body: segment::to_json(e).to_string(),
    }
}

impl Task {
    async fn run(mut self, mut rx: mpsc::Receiver<Command>) {
        loop {
            let waiting = std::time::Instant::now();
            let first = if self.build.is_some() {
                match rx.try_recv() {
                    Ok(c) => Some(c),
                    Err(mpsc::error::TryRecvError::Empty) => None,
                    Err(mpsc::error::TryRecvError::Disconnected) => return,
                }
            } else if let Some(since) = self.pending_since {
                let due = since + self.pace.interval();
                // While the flushes beside the writer are behind, the rows
                // wait for one to end (gathering more) rather than queue.
                let behind = self.beside_behind();
                let woken = tokio::select! {
                    c = rx.recv() => Ok(c),
                    _ = tokio::time::sleep_until(due.into()), if !behind => Err(None),
                    d = beside::wait_oldest(&mut self.beside), if behind => Err(d),
                };
                match woken {
                    Ok(Some(c)) => Some(c),
                    Ok(None) => return,
                    Err(done) => {
                        self.pace.idled(waiting.elapsed());
                        match done {
                            Some(done) => {
                                let r = self.finished_beside(done);
                                self.after_failure(&r).await;
                            }
                            None => self.flush_logged().await,
                        }
                        continue;
                    }
                }
            } else {
                match rx.recv().await {
                    Some(c) => Some(c),
                    None => return,
                }
            };
            self.pace.idled(waiting.elapsed());
            let Some(first) = first else {
                self.settle_flush_logged().await;
                self.step_build().await;
                continue;
            };
            let mut batch = vec![first];
            let mut events = batch_events(&batch[0]);
            while events < MAX_BATCH_EVENTS {
                match rx.try_recv() {
                    Ok(c) => {
                        events += batch_events(&c);
                        batch.push(c);
                    }
                    Err(_) => break,
                }
            }
            self.handle(batch).await;
            self.poll_beside().await;
            if self.flush_due() && !(self.beside_behind() && self.pending_events < FLUSH_EVENTS) {
                self.flush_logged().await;
            }
        }
    }

    /// Whether a flush beside the writer is in flight: the next waits for
    /// it to end, gathering whatever arrives meanwhile, so flushes follow
    /// each other as fast as the database takes them and grow (writing
    /// each shared page once for more rows) when it falls behind.
    fn beside_behind(&self) -> bool {
        self.beside.has_in_flight()
    }

    /// Whether the pending writes have waited long enough, or grown enough.
    fn flush_due(&self) -> bool {
        self.pending_events >= FLUSH_EVENTS
            || self
                .pending_since
                .is_some_and(|t| t.elapsed() >= self.pace.interval())
    }

    /// Writes what pending events changed; a failure reloads the state.
    async fn flush_logged(&mut self) {
        let r = self.flush().await;
        if let Err(e) = &r {
            tracing::error!(error = %e, "Writing the effects of events failed");
        }
        self.after_failure(&r).await;
    }

    /// Writes everything pending and waits until it is written, flushes
    /// beside the writer included: before the writer's own writes of
    /// derived rows, which must follow them. A failure reloads the state.
    async fn settle_flush_logged(&mut self) {
        self.flush_logged().await;
        let r = self.finish_beside().await;
        self.after_failure(&r).await;
    }

    /// Runs a batch: ingests and profile updates share one commit; erasures,
    /// activations and decay each get their own.
    async fn handle(&mut self, batch: Vec<Command>) {
        let mut group: Vec<Command> = Vec::new();
        for cmd in batch {
            match cmd {
                c @ (Command::Ingest(..) | Command::Profile(..)) => group.push(c),
                other => {
                    self.commit_group(std::mem::take(&mut group)).await;
                    // Every other command reads or writes the derived
                    // tables: they catch up with the log first.
                    self.settle_flush_logged().await;
                    match other {
                        Command::Erase(id, reply) => {
                            let r = self.erase(&id).await;
                            self.after_failure(&r).await;
                            let _ = reply.send(r);
                        }
                        Command::Activate(model, reply) => self.begin_build(model, reply),
                        Command::Decay => {
                            let r = self.decay().await;
                            if let Err(e) = &r {
                                tracing::error!(error = %e, "Decay update failed");
                            }
                            self.after_failure(&r).await;
                        }
                        Command::Settle(reply) => {
                            let _ = reply.send(Ok(()));
                        }
                        Command::Ingest(..) | Command::Profile(..) => {}
                    }
                }
            }
        }
        self.commit_group(group).await;
    }

    async fn commit_group(&mut self, group: Vec<Command>) {
        if group.is_empty() {
            return;
        }
        if group.iter().any(|c| matches!(c, Command::Profile(..))) {
            // A profile edit writes through at once, after what is pending.
            self.settle_flush_logged().await;
        }
        let mut outcome = GroupOutcome::default();
        let started = std::time::Instant::now();
        let result = self.apply_group(&group, &mut outcome).await;
        tracing::debug!(
            requests = group.len(),
            events = outcome
                .ingested
                .iter()
                .map(|i| i.accepted + i.duplicates)
                .sum::<usize>(),
            micros = started.elapsed().as_micros() as u64,
            "Group committed"
        );
        self.after_failure(&result).await;
        let wake_outbox = std::mem::take(&mut self.deliveries_waiting);
        let answer = Answer {
            group,
            outcome,
            result,
            wake_outbox,
        };
        if answer.result.is_ok() {
            // Answered once the log is on disk (see `acknowledge`).
            if let Err(mpsc::error::SendError(a)) = self.flushed.send(answer) {
                a.send(Err(WriteError::Stopped));
            }
        } else {
            answer.send(Ok(()));
        }
        // After the answer is on its way: the group's requests never wait
        // for housekeeping.
        self.maintain().await;
    }

    /// After a commit: wakes the delivery worker if the transaction
    /// enqueued deliveries.
    fn committed(&mut self) {
        if std::mem::take(&mut self.deliveries_waiting) {
            self.outbox.notify_one();
        }
    }

    /// Store housekeeping between transactions: a check, unless the store
    /// has something due (on SQLite, starting its log over).
    async fn maintain(&mut self) {
        let started = std::time::Instant::now();
        match self.store.maintain().await {
            Ok(Housekeeping::Nothing) => {}
            Ok(done) => tracing::trace!(
                ?done,
                micros = started.elapsed().as_micros() as u64,
                "Store housekeeping"
            ),
            Err(e) => tracing::warn!(error = %e, "Store housekeeping failed; retrying later"),
        }
    }

    /// Starts the store's log over now (see `Store::restart_log`).
    async fn restart_log(&mut self) {
        if let Err(e) = self.store.restart_log().await {
            tracing::warn!(error = %e, "Restarting the store's log failed; retrying later");
        }
    }

    /// After a failed write the in-memory state may be ahead of the store:
    /// reload it from the store, which holds exactly what was committed.
    async fn after_failure<T>(&mut self, result: &Result<T, WriteError>) {
        if !matches!(result, Err(WriteError::Store(_))) {
            return;
        }
        tracing::error!("Write failed; reloading scoring state from the store");
        // Nothing may write beside the reload: the flushes handed over end
        // (a failed one fails the rest), and a fresh task takes the next
        // ones.
        while self.beside.oldest().await.is_some() {}
        self.beside = beside::Beside::start(
            Arc::clone(&self.store),
            Arc::clone(&self.shared),
            Arc::clone(&self.outbox),
        );
        let active = self.rt.active.clone();
        loop {
            let history = Arc::clone(&self.rt.history);
            match load(self.store.as_ref(), active.clone(), history, &|_, _| {}).await {
                Ok(rt) => {
                    self.rt = rt;
                    self.drop_pending();
                    if let Some(b) = self.build.take() {
                        b.job
                            .fail("the store failed during activation; activate again");
                    }
                    if self.catch_up().await.is_ok() && self.rescore_everything().await.is_ok() {
                        return;
                    }
                }
                Err(e) => tracing::error!(error = %e, "Reload failed; retrying"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }
}

/// A committed group waiting for the log flush before its requests hear.
struct Answer {
    group: Vec<Command>,
    outcome: GroupOutcome,
    result: Result<(), WriteError>,
    /// The group enqueued webhook deliveries: wake the worker once flushed.
    wake_outbox: bool,
}

impl Answer {
    /// Tells every request of the group how it went; `flushed` is the
    /// outcome of flushing the log after the commit.
    fn send(self, flushed: Result<(), WriteError>) {
        let Answer {
            group,
            outcome,
            result,
            ..
        } = self;
        let result = result.and(flushed);
        let mut ingested = outcome.ingested.into_iter();
        for cmd in group {
            match cmd {
                Command::Ingest(_, _, reply) => {
                    let r = match &result {
                        Ok(()) => Ok(ingested.next().unwrap_or_default()),
                        Err(e) => Err(e.clone()),
                    };
                    let _ = reply.send(r);
                }
                Command::Profile(updates, reply) => {
                    let r = match &result {
                        Ok(()) => Ok(updates
                            .iter()
                            .map(|u| outcome.created.contains(u.lead_id.as_str()))
                            .collect()),
                        Err(e) => Err(e.clone()),
                    };
                    let _ = reply.send(r);
                }
                _ => {}
            }
        }
    }
}

/// Answers committed groups once the log holding them is on disk. Each
/// flush covers every commit made before it started, so one flush answers
/// all the groups waiting for it, while the writer runs the next.
async fn acknowledge(
    store: Arc<dyn Store>,
    outbox: Arc<tokio::sync::Notify>,
    mut rx: mpsc::UnboundedReceiver<Answer>,
) {
    while let Some(first) = rx.recv().await {
        let mut waiting = vec![first];
        while let Ok(a) = rx.try_recv() {
            waiting.push(a);
        }
        let flushed = store.sync().await.map_err(WriteError::from);
        if let Err(e) = &flushed {
            tracing::error!(error = %e, "Flushing the log failed; the commits stand, their requests are told it failed");
        }
        let wake = waiting.iter().any(|a| a.wake_outbox);
        for a in waiting {
            a.send(flushed.clone());
        }
        if wake && flushed.is_ok() {
            outbox.notify_one();
        }
    }
}

fn batch_events(c: &Command) -> usize {
    match c {
        Command::Ingest(e, _, _) => e.len(),
        Command::Profile(p, _) => p.len(),
        _ => 1,
    }
}

impl From<StoreError> for WriteError {
    fn from(e: StoreError) -> WriteError {
        WriteError::Store(Arc::new(e))
    }
}

mod apply;
mod beside;
mod build;
mod fire;
mod pace;
pub mod settle;
mod writeset;

pub use fire::TAGS_ATTRIBUTE;
