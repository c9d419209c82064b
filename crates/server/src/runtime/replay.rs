//! Reading the event log in order at start-up with decoding off the
//! applying thread: pages are fetched ahead and each is parsed on the
//! blocking pool while earlier ones are applied, so reading rows, parsing
//! their JSON and applying events overlap instead of taking turns. Parsing
//! a stored event costs many times what applying it does, and one thread
//! doing all three read about 18,000 events/s (20 M events took 19 min to
//! load; see docs/benchmarks.md).

use super::load::{joined, parse_row};
use leadscore_core::Event;
use leadscore_store::{EventRow, Store, StoreError};
use std::collections::VecDeque;
use tokio::task::JoinHandle;

/// Events read per query.
const PAGE: i64 = 10_000;
/// Pages read and being parsed ahead of the one being applied: enough to
/// keep every core parsing, few enough that they hold little memory.
const AHEAD: usize = 6;

/// An event and the identity it is filed under.
pub type Logged = (String, Event);

type Parsing = JoinHandle<Result<Vec<Logged>, StoreError>>;

/// Calls `apply` on every event up to log position `upto`, in log order;
/// `progress` hears how many events are done.
pub async fn replay(
    store: &dyn Store,
    upto: i64,
    mut apply: impl FnMut(&Logged),
    progress: impl Fn(u64),
) -> Result<(), StoreError> {
    let mut queue: VecDeque<Parsing> = VecDeque::with_capacity(AHEAD);
    let mut seq = 0;
    let mut done = 0u64;
    loop {
        while queue.len() < AHEAD && seq < upto {
            let rows = store.events_after(seq, PAGE.min(upto - seq)).await?;
            let Some(last) = rows.last() else {
                seq = upto;
                break;
            };
            seq = last.seq;
            queue.push_back(tokio::task::spawn_blocking(move || parse_page(rows, upto)));
        }
        let Some(next) = queue.pop_front() else {
            return Ok(());
        };
        let page = joined(next.await)?;
        for logged in &page {
            apply(logged);
        }
        done += page.len() as u64;
        progress(done);
    }
}

/// The events of one page up to `upto`, with their identities.
fn parse_page(rows: Vec<EventRow>, upto: i64) -> Result<Vec<Logged>, StoreError> {
    rows.into_iter()
        .filter(|r| r.seq <= upto)
        .map(|r| {
            let e = parse_row(&r)?;
            Ok((r.identity, e))
        })
        .collect()
}
