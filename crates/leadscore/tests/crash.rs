//! The crash test: `leadscore serve` is killed with SIGKILL while clients
//! send events as fast as they can. Afterwards every acknowledged event must
//! be in the log, and every stored score must equal a recompute from the
//! log up to the applied mark (scores are written behind their events, a
//! flush at a time, never half). Then the server must start again over the
//! same database, apply the events after the mark, and every score must
//! equal a recompute from the whole log. Run on SQLite and PostgreSQL.

mod common;

use leadscore_core::engine::LeadState;
use leadscore_core::model::Model;
use leadscore_core::{Timestamp, segment};
use leadscore_store::testing::{Backend, scratch};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

leadscore_store::on_both!(crash_and_check);

const WRITE: &str = "crash-write-key";
const ADMIN: &str = "crash-admin-key";

/// Starts the server and returns it with its address.
fn serve(url: &str) -> (Child, String) {
    // Flushes every 10 ms rather than the default's 250, so that kills and
    // cuts land in the middle of some.
    let (child, base) = common::serve(
        url,
        &["--flush-ms", "10"],
        &[
            ("LEADSCORE_WRITE_KEY", WRITE),
            ("LEADSCORE_ADMIN_KEY", ADMIN),
        ],
    );
    (child, base.trim_start_matches("http://").to_owned())
}

/// One client's batch of round `round`: its message ids and its body.
/// Identify calls stitch anonymous visitors to leads, so merges and
/// rebuilds from the log happen under load too.
fn batch(prefix: &str, worker: usize, round: usize) -> (Vec<String>, Value) {
    let ids: Vec<String> = (0..10)
        .map(|k| format!("{prefix}{worker}-r{round}-e{k}"))
        .collect();
    let events: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(k, id)| {
            let user = format!("lead-{}", (round * 7 + k + worker) % 40);
            if k == 0 {
                json!({"type": "identify", "userId": user, "anonymousId": format!("anon-{}", round % 60), "messageId": id, "traits": {"email": format!("{user}@acme.vn")}})
            } else if k == 1 {
                json!({"type": "page", "anonymousId": format!("anon-{}", (round + 3) % 60), "messageId": id, "name": "Pricing", "properties": {"path": "/pricing"}})
            } else {
                json!({"type": "track", "userId": user, "messageId": id, "event": "Email Clicked"})
            }
        })
        .collect();
    (ids, json!({ "batch": events }))
}

/// Sends one client's batch of round `round`; returns its message ids and
/// the answer's status.
async fn send_batch(
    http: &reqwest::Client,
    base: &str,
    prefix: &str,
    worker: usize,
    round: usize,
) -> (Vec<String>, reqwest::Result<reqwest::StatusCode>) {
    let (ids, body) = batch(prefix, worker, round);
    let sent = http
        .post(format!("{base}/v1/batch"))
        .basic_auth(WRITE, Some(""))
        .json(&body)
        .send()
        .await;
    (ids, sent.map(|r| r.status()))
}

async fn client(base: String, worker: usize, acked: Arc<Mutex<Vec<String>>>) {
    let http = reqwest::Client::new();
    for round in 0.. {
        let (ids, sent) = send_batch(&http, &base, "w", worker, round).await;
        match sent {
            Ok(status) if status.is_success() => acked.lock().unwrap().extend(ids),
            Ok(status) => panic!("unexpected status {status}"),
            Err(_) => return, // the server is gone
        }
    }
}

async fn crash_and_check(backend: Backend) {
    let db = scratch(backend).await.unwrap();
    let (mut server, addr) = serve(&db.url);
    let acked = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..4)
        .map(|w| tokio::spawn(client(format!("http://{addr}"), w, Arc::clone(&acked))))
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill().expect("SIGKILL");
    server.wait().unwrap();
    for c in clients {
        c.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() > 100,
        "the load ran ({} events acknowledged)",
        acked.len()
    );

    // A transaction the server had sent in full lands (or rolls back)
    // before the checks read the database, so they all see one state.
    db.wait_for_other_sessions().await.unwrap();
    let store = leadscore_store::open(&db.url).await.unwrap();
    let (stored, seq) = stored_message_ids(store.as_ref()).await;
    let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged events lost, e.g. {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );

    let applied = store.applied_seq().await.unwrap();
    assert!(applied <= seq);
    scores_match_the_log(store.as_ref(), applied).await;

    // It starts again over the same database, applies the events after
    // the mark and keeps working.
    let (mut server, addr) = serve(&db.url);
    let http = reqwest::Client::new();
    let r = http
        .post(format!("http://{addr}/v1/track"))
        .basic_auth(WRITE, Some(""))
        .json(&json!({"userId": "lead-1", "event": "Email Clicked", "messageId": "after-restart"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let list: Value = http
        .get(format!("http://{addr}/api/leads?limit=500"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let leads = scores_match_the_log(store.as_ref(), i64::MAX).await;
    assert_eq!(list["items"].as_array().unwrap().len(), leads);
    server.kill().unwrap();
    server.wait().unwrap();
}

/// Sends batches until `stop`, recording the message ids of those
/// acknowledged; failed requests (while the database is unreachable) are
/// not counted and the next batch is sent.
async fn steady_client(
    base: String,
    worker: usize,
    acked: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
) {
    let http = reqwest::Client::new();
    let mut round = 0;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        let (ids, sent) = send_batch(&http, &base, "s", worker, round).await;
        if sent.is_ok_and(|status| status.is_success()) {
            acked.lock().unwrap().extend(ids);
        }
    }
}

/// Regression test for flushes beside the writer (PostgreSQL, see
/// `crates/server/src/writer/beside.rs`): the server's database sessions
/// are cut several times under load, so ingest commits and flushes fail
/// part way. A failed flush must take the ones handed over after it down
/// with it, and the writer must reload and replay the log after the mark:
/// afterwards every acknowledged event is stored and every score equals a
/// recompute of the whole log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_database_sessions_leave_scores_equal_to_the_log() {
    let db = scratch(Backend::Postgres).await.unwrap();
    let (mut server, addr) = serve(&db.url);
    let base = format!("http://{addr}");
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|w| {
            tokio::spawn(steady_client(
                base.clone(),
                w,
                Arc::clone(&acked),
                Arc::clone(&stop),
            ))
        })
        .collect();
    let mut cut = 0;
    // Flushes run every 10 ms and take a few: ten cuts catch some of
    // them part way (the server's log then shows "Writing the effects of
    // events failed").
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        cut += db.cut_other_sessions().await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    assert!(cut >= 10, "sessions were cut ({cut})");
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() > 100,
        "the load ran ({} acknowledged)",
        acked.len()
    );

    // A read waits for every pending write; the writer may still be
    // reloading after the last cut.
    let http = reqwest::Client::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let r = http
            .get(format!("{base}/api/leads?limit=500"))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        if r.status().is_success() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "reads kept failing: {}",
            r.status()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let store = leadscore_store::open(&db.url).await.unwrap();
    let (stored, seq) = stored_message_ids(store.as_ref()).await;
    let lost = acked.iter().filter(|id| !stored.contains(*id)).count();
    assert_eq!(lost, 0, "acknowledged events lost");
    assert_eq!(
        store.applied_seq().await.unwrap(),
        seq,
        "everything applied"
    );
    scores_match_the_log(store.as_ref(), i64::MAX).await;
    server.kill().unwrap();
    server.wait().unwrap();
}

/// Checks that every stored lead's score equals a recompute from its events
/// in the log up to position `upto`, at the time it was scored; returns the
/// number of leads.
/// The message ids of every stored event, and the log's last position.
async fn stored_message_ids(store: &dyn leadscore_store::Store) -> (HashSet<String>, i64) {
    let mut stored = HashSet::new();
    let mut seq = 0;
    loop {
        let page = store.events_after(seq, 5000).await.unwrap();
        let Some(last) = page.last() else { break };
        seq = last.seq;
        stored.extend(page.iter().map(|row| {
            segment::parse_line(&row.body)
                .unwrap()
                .message_id
                .to_string()
        }));
    }
    (stored, seq)
}

async fn scores_match_the_log(store: &dyn leadscore_store::Store, upto: i64) -> usize {
    let active = store
        .models()
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.active)
        .unwrap();
    let model = Model::from_toml(&active.source).unwrap();
    let leads = store.leads_after("", 10_000).await.unwrap();
    assert!(!leads.is_empty());
    for lead in &leads {
        let score = store
            .score(active.version, &lead.id)
            .await
            .unwrap()
            .expect("every lead is scored");
        let mut state = LeadState::new(&model);
        let mut events = store.lead_events(&lead.id, i64::MAX).await.unwrap();
        events.retain(|row| row.seq <= upto);
        // Newest first: the engine takes them in log order.
        events.sort_by_key(|row| row.seq);
        for row in events {
            state.apply(&model, &segment::parse_line(&row.body).unwrap());
        }
        let profile =
            leadscore_server::runtime::rows::profile_from_json(&lead.id, &lead.profile).unwrap();
        let fresh = model.score(&profile, &state, None, Timestamp(score.scored_at));
        assert_eq!(
            score.events,
            i64::from(fresh.events),
            "lead {}: stored score counts other events",
            lead.id
        );
        assert!(
            (score.total - fresh.total).abs() < 1e-9,
            "lead {}: stored {} vs log {}",
            lead.id,
            score.total,
            fresh.total
        );
    }
    leads.len()
}
