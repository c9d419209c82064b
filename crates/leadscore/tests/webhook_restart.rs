//! A webhook receiver that is down across a server restart: the delivery
//! fired before the crash (SIGKILL) is kept in the outbox, retried by the
//! restarted server once the receiver is up, and arrives exactly once; the
//! restart fires no trigger again. Then `leadscore funnel` reports on the
//! same database. Run on SQLite and PostgreSQL with the real binary.

mod common;

use axum::http::HeaderMap;
use leadscore_store::testing::{Backend, scratch};
use serde_json::{Value, json};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::Duration;

leadscore_store::on_both!(down_across_a_restart);

const WRITE: &str = "restart-write-key";
const ADMIN: &str = "restart-admin-key";

const MODEL: &str = r#"
[model]
name = "restart-test"
version = 1

[[engagement]]
name = "Pricing"
event = "Pricing Viewed"
points = 30

[[stages]]
name = "mql"
when = "engagement >= 60"

[[triggers]]
name = "to-crm"
enters_stage = "mql"
actions = [{ webhook = "crm" }]
"#;

fn serve(url: &str, model: &std::path::Path) -> (Child, String) {
    let model = model.to_str().unwrap();
    common::serve(
        url,
        &["--retry-after", "1", "--model", model],
        &[
            ("LEADSCORE_WRITE_KEY", WRITE),
            ("LEADSCORE_ADMIN_KEY", ADMIN),
        ],
    )
}

async fn json_get(http: &reqwest::Client, url: String) -> Value {
    http.get(url)
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn wait_for<T>(what: &str, mut f: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..300 {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn down_across_a_restart(backend: Backend) {
    let db = scratch(backend).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.toml");
    std::fs::write(&model, MODEL).unwrap();
    // A port with nobody listening (yet).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let http = reqwest::Client::new();

    let (mut server, base) = serve(&db.url, &model);
    let r = http
        .put(format!("{base}/api/webhooks/crm"))
        .bearer_auth(ADMIN)
        .json(&json!({"url": format!("http://127.0.0.1:{port}/hook"), "timeout_ms": 500}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    for n in 0..2 {
        let r = http
            .post(format!("{base}/v1/track"))
            .basic_auth(WRITE, Some(""))
            .json(&json!({"userId": "u1", "event": "Pricing Viewed", "messageId": format!("p{n}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let failed = wait_for("a failed attempt", async || {
        let d = json_get(&http, format!("{base}/api/deliveries")).await;
        let item = d["items"].get(0)?.clone();
        (item["attempts"].as_i64()? >= 1).then_some(item)
    })
    .await;
    assert_eq!(failed["status"], "pending");
    assert_eq!(failed["last_error"], "cannot connect to the receiver");
    server.kill().expect("SIGKILL");
    server.wait().unwrap();

    // The receiver comes up; the server restarts over the same database.
    let got: Arc<Mutex<Vec<(HeaderMap, String)>>> = Arc::default();
    let sink = Arc::clone(&got);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let sink = Arc::clone(&sink);
            async move {
                sink.lock().unwrap().push((headers, body));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let (mut server, base) = serve(&db.url, &model);
    wait_for("the delivery", async || {
        (!got.lock().unwrap().is_empty()).then_some(())
    })
    .await;
    // Give a duplicate every chance to show up.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let received = got.lock().unwrap().clone();
    assert_eq!(received.len(), 1, "delivered exactly once");
    let (headers, body) = &received[0];
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["delivery_id"], failed["delivery_id"]);
    assert_eq!(
        headers
            .get("x-leadscore-delivery")
            .unwrap()
            .to_str()
            .unwrap(),
        failed["delivery_id"].as_str().unwrap()
    );
    let d = json_get(&http, format!("{base}/api/deliveries")).await;
    let items = d["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "the restart fired nothing again: {d}");
    assert_eq!(items[0]["status"], "delivered");
    server.kill().unwrap();
    server.wait().unwrap();

    // The funnel report from the command line, over the same database.
    let out = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(["funnel", "--json", "--database-url", &db.url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["leads"], 1);
    assert_eq!(report["stages"][1]["stage"], "mql");
    assert_eq!(report["stages"][1]["reached"], 1);
    let text = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(["funnel", "--by", "source", "--database-url", &db.url])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("MQL to SQL"), "{text}");
}
