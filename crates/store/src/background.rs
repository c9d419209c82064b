//! The scheduling class of threads that write in the background (SQLite's
//! checkpoints, and the written-behind flushes on both databases): they
//! yield the CPU to the writer, whose commits requests wait for.

/// Puts the calling thread in Linux's `SCHED_IDLE` class: it runs on a
/// core nothing else wants, and a waking writer or HTTP worker takes the
/// core from it at once.
///
/// Why: on two cores the writer, the HTTP workers, a flush and two
/// checkpoints often want the CPU together; at normal priority a writer
/// preempted inside a commit waited a whole scheduler tick (4 ms,
/// `perf trace --duration 3` at a steady 5,000 events/s), which set the
/// p99. `nice 10` was not enough (a niced thread keeps its core until its
/// share runs out); `SCHED_IDLE` lowered the p99 at 5,000/s in every one
/// of six alternated pairs (7.4-7.9 ms against 8.4-11.4 after a warm-up;
/// docs/benchmarks.md, "Background threads in the idle class"). The
/// work still gets done: a flush the writer needs now, and a log restart,
/// leave the writer waiting, which frees its core for them.
///
/// Failure (another OS, a sandbox refusing the call) only costs latency,
/// so it is logged and the thread runs on at normal priority.
#[cfg(target_os = "linux")]
pub fn yield_to_foreground(thread: &str) {
    use thread_priority::unix::{
        NormalThreadSchedulePolicy, ThreadSchedulePolicy, set_thread_priority_and_policy,
        thread_native_id,
    };
    let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
    let set = set_thread_priority_and_policy(
        thread_native_id(),
        thread_priority::ThreadPriority::Min,
        idle,
    );
    if let Err(e) = set {
        tracing::warn!(thread, error = ?e, "Could not lower a background thread's priority");
    }
}

/// Elsewhere there is no `SCHED_IDLE`: the thread runs at normal priority.
#[cfg(not(target_os = "linux"))]
pub fn yield_to_foreground(thread: &str) {
    tracing::debug!(thread, "Background threads keep normal priority on this OS");
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use thread_priority::unix::{
        NormalThreadSchedulePolicy, ThreadSchedulePolicy, thread_schedule_policy,
    };

    #[test]
    fn a_background_thread_runs_in_the_idle_class_and_others_do_not() {
        let policy = || thread_schedule_policy().expect("the thread's policy");
        let lowered = std::thread::spawn(move || {
            super::yield_to_foreground("test");
            policy()
        })
        .join()
        .unwrap();
        assert_eq!(
            lowered,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle)
        );
        assert_ne!(policy(), lowered, "only the calling thread changes");
    }
}
