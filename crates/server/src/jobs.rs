//! Long-running work (loading, model activation, imports) and its progress,
//! readable through the API while it runs.

use serde::Serialize;
use std::sync::{Arc, Mutex};

/// How much of the job history is kept.
const KEEP: usize = 50;

/// One job's progress.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobStatus {
    /// Job id, increasing.
    pub id: u64,
    /// `load`, `activate` or `import`.
    pub kind: String,
    /// The model version it concerns, if any.
    pub model_version: Option<i64>,
    /// `running`, `done` or `failed`.
    pub state: String,
    /// Units done (leads, rows or events).
    pub done: u64,
    /// Units in all, when known.
    pub total: Option<u64>,
    /// Why it failed.
    pub error: Option<String>,
    /// Started at (ms since the epoch).
    pub started_at: i64,
    /// Finished at (ms since the epoch).
    pub finished_at: Option<i64>,
    /// Extra figures (rows accepted, rejected, ...).
    pub detail: serde_json::Value,
}

/// The job registry, shared by the writer and the API.
#[derive(Debug, Clone, Default)]
pub struct Jobs {
    inner: Arc<Mutex<Vec<JobStatus>>>,
}

/// The running side of a job.
#[derive(Debug, Clone)]
pub struct JobHandle {
    jobs: Jobs,
    id: u64,
    version: Option<i64>,
}

use crate::clock::now_ms;

impl Jobs {
    /// Registers a running job.
    pub fn start(&self, kind: &str, model_version: Option<i64>) -> JobHandle {
        let mut jobs = self.lock();
        let id = jobs.last().map_or(1, |j| j.id + 1);
        jobs.push(JobStatus {
            id,
            kind: kind.to_owned(),
            model_version,
            state: "running".to_owned(),
            done: 0,
            total: None,
            error: None,
            started_at: now_ms(),
            finished_at: None,
            detail: serde_json::Value::Null,
        });
        if jobs.len() > KEEP {
            let excess = jobs.len() - KEEP;
            jobs.drain(..excess);
        }
        JobHandle {
            jobs: self.clone(),
            id,
            version: model_version,
        }
    }

    /// Every kept job, newest first.
    pub fn list(&self) -> Vec<JobStatus> {
        self.lock().iter().rev().cloned().collect()
    }

    /// One job.
    pub fn get(&self, id: u64) -> Option<JobStatus> {
        self.lock().iter().find(|j| j.id == id).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<JobStatus>> {
        // A panic while holding the lock leaves plain data behind; keep going.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn update(&self, id: u64, f: impl FnOnce(&mut JobStatus)) {
        if let Some(j) = self.lock().iter_mut().find(|j| j.id == id) {
            f(j);
        }
    }
}

impl JobHandle {
    /// The job's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The model version it concerns.
    pub fn version(&self) -> Option<i64> {
        self.version
    }

    /// Sets units done and, if known, the total.
    pub fn progress(&self, done: u64, total: Option<u64>) {
        self.jobs.update(self.id, |j| {
            j.done = done;
            if total.is_some() {
                j.total = total;
            }
        });
    }

    /// Attaches figures to show with the job.
    pub fn detail(&self, detail: serde_json::Value) {
        self.jobs.update(self.id, |j| j.detail = detail);
    }

    /// Marks it done.
    pub fn finish(&self) {
        self.jobs.update(self.id, |j| {
            j.state = "done".to_owned();
            j.finished_at = Some(now_ms());
        });
    }

    /// Marks it failed.
    pub fn fail(&self, error: &str) {
        self.jobs.update(self.id, |j| {
            j.state = "failed".to_owned();
            j.error = Some(error.to_owned());
            j.finished_at = Some(now_ms());
        });
    }
}
