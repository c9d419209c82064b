//! Flushes of written-behind rows beside the writer: both databases let a
//! flush commit while an ingest transaction is open (on SQLite the event
//! log is a file of its own; see `Store::begin_flush`). The writer hands
//! over the rows with the log position they reflect and runs the next
//! ingest group meanwhile, instead of holding every request behind the
//! flush's round trips.
//!
//! Flushes are written one at a time, in the order they were handed over,
//! each in one transaction with its applied mark. Once one fails, every
//! later one fails unwritten: a later mark over a lost flush would count
//! its events as applied. The writer then reloads from the store, which
//! holds exactly the flushes that committed, and replays the events after
//! their mark.

use super::writeset::WriteSet;
use super::{Shared, WriteError};
use leadscore_store::Store;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc, oneshot};

/// Flushes handed over and not yet known to be written, at most. Routinely
/// the writer hands over the next only once none is in flight (it gathers
/// rows meanwhile, see `Task::beside_behind`); a second waits only when
/// the rows must go now (a read or command waiting for them, or too many
/// pending), and a third waits for the oldest, which bounds the rows held
/// in memory when the database falls behind.
const MAX_IN_FLIGHT: usize = 2;

/// The writer's end: flushes handed over, oldest first.
pub(super) struct Beside {
    jobs: mpsc::UnboundedSender<Job>,
    in_flight: VecDeque<oneshot::Receiver<Done>>,
}

struct Job {
    writes: WriteSet,
    through: i64,
    generation: u64,
    done: oneshot::Sender<Done>,
}

/// How a flush handed over went.
pub(super) struct Done {
    /// The log position its mark recorded.
    pub through: i64,
    /// How long its transaction took.
    pub cost: Duration,
    pub result: Result<(), WriteError>,
}

impl Done {
    fn stopped() -> Done {
        Done {
            through: 0,
            cost: Duration::ZERO,
            result: Err(WriteError::Stopped),
        }
    }
}

impl Beside {
    /// Starts the task that writes the flushes handed over.
    pub fn start(store: Arc<dyn Store>, shared: Arc<Shared>, outbox: Arc<Notify>) -> Beside {
        let (jobs, rx) = mpsc::unbounded_channel();
        super::spawn_writing(store, "leadscore-flush", true, move |store| {
            run(store, shared, outbox, rx)
        });
        Beside {
            jobs,
            in_flight: VecDeque::new(),
        }
    }

    /// Whether a flush handed over is not known to be written yet.
    pub fn has_in_flight(&self) -> bool {
        !self.in_flight.is_empty()
    }

    /// Whether another flush may be handed over without waiting.
    pub fn has_room(&self) -> bool {
        self.in_flight.len() < MAX_IN_FLIGHT
    }

    /// Hands over `writes`, which reflect the log up to `through`; readers
    /// asking for generation `generation` are served once they are written.
    pub fn hand_over(&mut self, writes: WriteSet, through: i64, generation: u64) {
        let (done, rx) = oneshot::channel();
        let job = Job {
            writes,
            through,
            generation,
            done,
        };
        // A stopped task answers `Stopped` through the dropped sender.
        let _ = self.jobs.send(job);
        self.in_flight.push_back(rx);
    }

    /// Waits for the oldest flush handed over; `None` when none is.
    pub async fn oldest(&mut self) -> Option<Done> {
        let rx = self.in_flight.front_mut()?;
        // Awaited in place: cancelled (see `wait_oldest`), it stays queued.
        let done = rx.await.unwrap_or_else(|_| Done::stopped());
        self.in_flight.pop_front();
        Some(done)
    }

    /// The oldest flush's outcome if it is over.
    pub fn poll(&mut self) -> Option<Done> {
        let rx = self.in_flight.front_mut()?;
        let done = match rx.try_recv() {
            Ok(d) => d,
            Err(oneshot::error::TryRecvError::Empty) => return None,
            Err(oneshot::error::TryRecvError::Closed) => Done::stopped(),
        };
        self.in_flight.pop_front();
        Some(done)
    }
}

/// Waits for the oldest flush in flight (never, if none): cancel safe, for
/// a `select!` beside the writer's queue.
pub(super) async fn wait_oldest(beside: &mut Beside) -> Option<Done> {
    if !beside.has_in_flight() {
        return std::future::pending().await;
    }
    beside.oldest().await
}

async fn run(
    store: Arc<dyn Store>,
    shared: Arc<Shared>,
    outbox: Arc<Notify>,
    mut rx: mpsc::UnboundedReceiver<Job>,
) {
    let mut failed: Option<WriteError> = None;
    while let Some(job) = rx.recv().await {
        let started = Instant::now();
        let result = match &failed {
            Some(e) => Err(e.clone()),
            None => {
                let deliveries = job.writes.has_deliveries();
                let r = write(store.as_ref(), job.writes, job.through).await;
                match &r {
                    Ok(()) => {
                        shared.written.fetch_max(job.generation, Ordering::AcqRel);
                        if deliveries {
                            outbox.notify_one();
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "Writing the effects of events failed");
                        failed = Some(e.clone());
                    }
                }
                r
            }
        };
        let _ = job.done.send(Done {
            through: job.through,
            cost: started.elapsed(),
            result,
        });
    }
}

/// One flush: the rows and the mark, in one transaction. It need not be on
/// disk before the next (its events are, and a crash replays them), unless
/// it enqueued webhooks: the delivery worker must not send what a crash
/// could make a trigger fire again.
async fn write(store: &dyn Store, writes: WriteSet, through: i64) -> Result<(), WriteError> {
    let deliveries = writes.has_deliveries();
    let mut tx = store.begin_flush().await?;
    writes.write_to(tx.as_mut()).await?;
    tx.mark_applied_through(through).await?;
    if deliveries {
        tx.commit().await?;
    } else {
        tx.commit_unsynced().await?;
    }
    Ok(())
}
