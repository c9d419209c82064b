//! The hand-off to sales over HTTP, on both databases: triggers fire once
//! per crossing, webhooks arrive signed (from a real receiver that answers,
//! one that fails, one that times out), offers reach the website, sales
//! feedback moves stages and the funnel counts it all.

mod common;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::{ADMIN, READ, TestServer, WRITE, eventually, start_decaying, start_with};
use hmac::{KeyInit, Mac};
use leadscore_store::testing::{Backend, scratch};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

leadscore_store::on_both!(
    triggers_fire_once_per_crossing_and_webhooks_arrive_signed,
    feedback_moves_stages_and_the_funnel_counts_it,
    decay_cools_a_lead_down_with_no_new_events,
);

const MODEL: &str = r#"
[model]
name = "handoff-test"
version = 1

[[groups]]
name = "demo"

[[engagement]]
name = "Pricing"
event = "Pricing Viewed"
points = 30
group = "demo"

[[engagement]]
name = "Unsubscribed"
event = "Unsubscribed"
points = -50

[grades]
fit = { A = 50, B = 30, C = 10 }
engagement = { 1 = 60, 2 = 30, 3 = 10 }
hot = ["A1", "B1", "C1", "D1"]

[[stages]]
name = "mql"
when = "engagement >= 60"

[[stages]]
name = "sql"
when = 'sales_status == "accepted"'

[[stages]]
name = "opportunity"
manual = true

[[stages]]
name = "customer"
manual = true

[[stages]]
name = "recycled"
manual = true

[[triggers]]
name = "to-crm"
enters_stage = "mql"
actions = [
  { assign_round_robin = ["an", "binh"] },
  { tag = "mql" },
  { offer = "book-demo", content = "cta.demo" },
  { webhook = "crm" },
  { webhook = "flaky" },
  { webhook = "slow" },
]

[[triggers]]
name = "cooled"
score_below = 30
margin = 10
actions = [{ set_stage = "recycled" }, { untag = "mql" }]
"#;

const SECRET: &str = "0123456789abcdef-test";

/// What a receiver got: path, headers, body.
type Received = Arc<Mutex<Vec<(String, HeaderMap, String)>>>;

/// A webhook receiver on port 0: `/ok` answers 200, `/flaky` 500 twice and
/// then 200, `/slow` takes 3 s.
async fn receiver() -> (String, Received) {
    let got: Received = Arc::default();
    async fn record(
        State(got): State<Received>,
        path: axum::extract::OriginalUri,
        headers: HeaderMap,
        body: String,
    ) -> StatusCode {
        let path = path.path().to_owned();
        let n = {
            let mut g = got.lock().unwrap();
            g.push((path.clone(), headers, body));
            g.iter().filter(|(p, ..)| *p == path).count()
        };
        match path.as_str() {
            "/flaky" if n <= 2 => StatusCode::INTERNAL_SERVER_ERROR,
            "/slow" => {
                tokio::time::sleep(Duration::from_secs(3)).await;
                StatusCode::OK
            }
            _ => StatusCode::OK,
        }
    }
    let app = axum::Router::new()
        .route("/{*path}", axum::routing::post(record))
        .with_state(Arc::clone(&got));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, got)
}

fn received(got: &Received, path: &str) -> Vec<(HeaderMap, Value)> {
    got.lock()
        .unwrap()
        .iter()
        .filter(|(p, ..)| p == path)
        .map(|(_, h, b)| (h.clone(), serde_json::from_str(b).unwrap()))
        .collect()
}

async fn webhook(s: &TestServer, name: &str, body: Value) -> Value {
    let (status, answer) = s
        .admin(
            Method::PUT,
            &format!("/api/webhooks/{name}"),
            body.to_string(),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    answer
}

async fn track(s: &TestServer, user: &str, event: &str) {
    static SENT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    // Without a messageId, identical events in one second count once.
    let n = SENT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (status, body) = s
        .send(
            "/v1/track",
            &json!({"userId": user, "event": event, "messageId": format!("m-{n}")}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn deliveries(s: &TestServer, query: &str) -> Vec<Value> {
    s.ok(&format!("/api/deliveries?{query}")).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn triggers_fire_once_per_crossing_and_webhooks_arrive_signed(b: Backend) {
    let s = start_with(scratch(b).await.unwrap(), MODEL).await;
    let (hooks, got) = receiver().await;
    let created = webhook(
        &s,
        "crm",
        json!({"url": format!("{hooks}/ok"), "secret": SECRET}),
    )
    .await;
    assert_eq!(created["secret"], SECRET);
    webhook(
        &s,
        "flaky",
        json!({"url": format!("{hooks}/flaky"), "max_attempts": 5}),
    )
    .await;
    webhook(
        &s,
        "slow",
        json!({"url": format!("{hooks}/slow"), "timeout_ms": 300, "max_attempts": 2}),
    )
    .await;
    let (status, bad) = s
        .admin(
            Method::PUT,
            "/api/webhooks/x",
            json!({"url": "ftp://x"}).to_string(),
        )
        .await;
    assert_eq!((status, bad["error"]["field"].as_str()), (400, Some("url")));

    // The site knows the visitor by an anonymous id before the lead exists.
    s.send(
        "/v1/identify",
        &json!({"userId": "u1", "anonymousId": "visitor-1", "traits": {"email": "u1@acme.vn"}}),
    )
    .await;
    track(&s, "u1", "Pricing Viewed").await;
    assert!(received(&got, "/ok").is_empty(), "30 points is no MQL yet");
    track(&s, "u1", "Pricing Viewed").await; // 60: enters MQL, fires
    track(&s, "u1", "Pricing Viewed").await; // 90: still MQL, no second firing

    let delivered = eventually("the CRM delivery", || async {
        let r = received(&got, "/ok");
        (!r.is_empty()).then_some(r)
    })
    .await;
    let (headers, body) = &delivered[0];
    assert_eq!(body["trigger"]["name"], "to-crm");
    assert_eq!(body["lead"]["id"], "u1");
    assert_eq!(
        body["lead"]["owner"], "an",
        "the payload shows the assignment"
    );
    assert_eq!(body["score"]["stage"], "mql");
    assert_eq!(body["score"]["engagement"], 60.0);
    assert_eq!(body["reasons"][0]["rule"], "Pricing");
    // The signature verifies with the endpoint's secret.
    let header = |n: &str| headers.get(n).unwrap().to_str().unwrap().to_owned();
    let timestamp = header("x-leadscore-timestamp");
    let raw = got
        .lock()
        .unwrap()
        .iter()
        .find(|(p, ..)| p == "/ok")
        .map(|(_, _, b)| b.clone())
        .unwrap();
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{raw}").as_bytes());
    assert_eq!(
        header("x-leadscore-signature"),
        format!("v1={}", hex::encode(mac.finalize().into_bytes()))
    );
    assert_eq!(header("x-leadscore-delivery"), body["delivery_id"]);

    // The failing receiver gets it on the third attempt, with the same id.
    let flaky = eventually("the flaky delivery", || async {
        let r = received(&got, "/flaky");
        (r.len() >= 3).then_some(r)
    })
    .await;
    let ids: Vec<_> = flaky
        .iter()
        .map(|(h, _)| h.get("x-leadscore-delivery").unwrap().clone())
        .collect();
    assert!(
        ids.iter().all(|i| *i == ids[0]),
        "one delivery id across retries"
    );
    // The slow one times out twice and is dead.
    let dead = eventually("the dead delivery", || async {
        let d = deliveries(&s, "status=dead").await;
        (!d.is_empty()).then_some(d)
    })
    .await;
    assert_eq!((dead.len(), dead[0]["webhook"].as_str()), (1, Some("slow")));
    let id = dead[0]["id"].as_i64().unwrap();
    let detail = s.ok(&format!("/api/deliveries/{id}")).await;
    let attempts = detail["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{detail}");
    assert_eq!(attempts[0]["error"], "no answer within 300 ms");
    assert_eq!(detail["payload"]["trigger"]["name"], "to-crm");
    eventually("the flaky delivery marked delivered", || async {
        let d = deliveries(&s, "status=delivered").await;
        (d.len() == 2).then_some(())
    })
    .await;

    // A manual retry after the endpoint is fixed delivers it.
    webhook(
        &s,
        "slow",
        json!({"url": format!("{hooks}/ok"), "timeout_ms": 300}),
    )
    .await;
    let (status, _) = s
        .admin(Method::POST, &format!("/api/deliveries/{id}/retry"), "")
        .await;
    assert_eq!(status, 202);
    let ok = eventually("the retried delivery", || async {
        let r = received(&got, "/ok");
        (r.len() == 2).then_some(r)
    })
    .await;
    assert_ne!(ok[0].1["delivery_id"], ok[1].1["delivery_id"]);
    // The receiver has it; the worker records the answer just after.
    eventually("the retried delivery marked delivered", || async {
        let d = s.ok(&format!("/api/deliveries/{id}")).await;
        (d["status"] == "delivered").then_some(())
    })
    .await;
    let (status, _) = s
        .admin(Method::POST, &format!("/api/deliveries/{id}/retry"), "")
        .await;
    assert_eq!(status, 409, "a delivered delivery is not sent again");

    // The lead: owner, tag, offer, and a history that says why.
    let lead = s.ok("/api/leads/u1").await;
    assert_eq!(lead["owner"], "an");
    assert_eq!(lead["profile"]["tags"], "mql");
    let history = lead["history"].as_array().unwrap();
    assert!(
        history
            .iter()
            .any(|h| h["cause"] == "trigger:to-crm" && h["owner"] == "an"),
        "{history:?}"
    );
    for query in ["userId=u1", "anonymousId=visitor-1"] {
        let r = s
            .http
            .get(s.url(&format!("/v1/offer?{query}")))
            .basic_auth(WRITE, Some(""))
            .send()
            .await
            .unwrap();
        let offer: Value = r.json().await.unwrap();
        assert_eq!(offer["offer"]["id"], "book-demo", "{query}");
        assert_eq!(offer["offer"]["content"], "cta.demo");
    }
    let (status, none) = s
        .get_as(Some(WRITE), "/v1/offer?anonymousId=stranger")
        .await;
    assert_eq!((status, &none["offer"]), (200, &Value::Null));

    // Cooling down: 90 → 40 (no firing: not below 30) → -10 (fires once).
    track(&s, "u1", "Unsubscribed").await;
    assert_ne!(s.ok("/api/leads/u1").await["score"]["stage"], "recycled");
    track(&s, "u1", "Unsubscribed").await;
    let lead = s.ok("/api/leads/u1").await;
    assert_eq!(lead["score"]["stage"], "recycled");
    assert!(lead["profile"].get("tags").is_none(), "{lead}");

    // A second lead gets the next owner in turn; the restart-safe state is
    // stored, so the first lead never fires again.
    track(&s, "u2", "Pricing Viewed").await;
    track(&s, "u2", "Pricing Viewed").await;
    assert_eq!(s.ok("/api/leads/u2").await["owner"], "binh");
    let all = deliveries(&s, "limit=100").await;
    assert_eq!(
        all.iter().filter(|d| d["lead_id"] == "u1").count(),
        3,
        "one firing of to-crm for u1: three webhooks"
    );
    let (status, _) = s.get_as(Some(READ), "/api/webhooks").await;
    assert_eq!(status, 403, "endpoints are for admins");
    let (status, list) = s.get_as(Some(ADMIN), "/api/webhooks").await;
    assert_eq!(status, 200);
    assert!(
        list.to_string().find(SECRET).is_none(),
        "secrets are not listed"
    );
}

async fn feedback_moves_stages_and_the_funnel_counts_it(b: Backend) {
    let s = start_with(scratch(b).await.unwrap(), MODEL).await;
    for (user, source) in [("f1", "google"), ("f2", "google"), ("f3", "facebook")] {
        s.send(
            "/v1/identify",
            &json!({"userId": user, "traits": {"source": source}}),
        )
        .await;
        track(&s, user, "Pricing Viewed").await;
        track(&s, user, "Pricing Viewed").await;
    }
    let post = |id: &str, body: Value| {
        let (http, url) = (s.http.clone(), s.url(&format!("/api/leads/{id}/feedback")));
        async move {
            let r = http
                .post(url)
                .bearer_auth(ADMIN)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, lead) = post("f1", json!({"kind": "contact", "reached": true})).await;
    assert_eq!(status, 201, "{lead}");
    let (status, lead) = post("f1", json!({"kind": "accepted"})).await;
    assert_eq!((status, &lead["score"]["stage"]), (201, &json!("sql")));
    let (status, lead) = post("f1", json!({"kind": "won", "value": 12000})).await;
    assert_eq!((status, &lead["score"]["stage"]), (201, &json!("customer")));
    let history = lead["history"].as_array().unwrap();
    assert!(
        history
            .iter()
            .any(|h| h["cause"] == "feedback:configured" && h["stage"] == "customer"),
        "who and why: {history:?}"
    );
    // Bad feedback names its field and stores nothing.
    for (body, field) in [
        (json!({"kind": "contact"}), "reached"),
        (json!({"kind": "rejected"}), "reason"),
        (json!({"kind": "maybe"}), "kind"),
        (
            json!({"kind": "rejected", "reason": "x", "stage": "mql"}),
            "stage",
        ),
        (json!({"kind": "won", "value": -1}), "value"),
    ] {
        let (status, e) = post("f2", body.clone()).await;
        assert_eq!(status, 400, "{body}: {e}");
        assert_eq!(e["error"]["field"], field, "{body}");
    }
    let (status, _) = post("nobody", json!({"kind": "accepted"})).await;
    assert_eq!(status, 404);
    assert!(
        s.ok("/api/leads/f2/feedback")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The CSV import: good rows stored, bad rows reported by line and field.
    let csv = "lead_id,kind,reached,reason,stage,budget\n\
               f2,contact,false,,,\n\
               f2,contact,yes,,,\n\
               f3,rejected,,no budget,recycled,\n\
               f3,bant,,,,5000\n\
               f9,accepted,,,,\n\
               f2,contact,perhaps,,,\n\
               f2,call,,,,\n";
    let (status, started) = s.admin(Method::POST, "/api/import/feedback", csv).await;
    assert_eq!(status, 202, "{started}");
    let job = s.wait_job(started["job"].as_u64().unwrap()).await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["detail"]["accepted"], 4, "{job}");
    let errors = job["detail"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 3, "{job}");
    assert_eq!(
        (errors[0]["line"].as_u64(), errors[0]["field"].as_str()),
        (Some(6), Some("lead_id"))
    );
    assert_eq!(
        (errors[1]["line"].as_u64(), errors[1]["field"].as_str()),
        (Some(7), Some("reached"))
    );
    assert_eq!(
        (errors[2]["line"].as_u64(), errors[2]["field"].as_str()),
        (Some(8), Some("kind"))
    );
    let f2 = s.ok("/api/leads/f2/feedback").await;
    assert_eq!(f2[0]["first_try"], true);
    assert_eq!(
        f2[1]["first_try"], false,
        "the second attempt is not a first try"
    );
    let f3 = s.ok("/api/leads/f3").await;
    assert_eq!(f3["score"]["stage"], "recycled");
    assert_eq!(f3["profile"]["budget"], 5000.0);

    let funnel = s.ok("/api/funnel").await;
    assert_eq!(funnel["leads"], 3, "{funnel}");
    let stage = |name: &str| {
        funnel["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["stage"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(stage("mql")["reached"], 3);
    assert_eq!(stage("sql")["reached"], 1);
    assert_eq!(stage("customer")["entered"], 1);
    assert!((funnel["mql_to_sql"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(funnel["typical_mql_to_sql"], 0.25);
    assert_eq!(funnel["won"], 1);
    // First attempts: f1 reached, f2 not.
    assert_eq!(
        (
            funnel["first_tries"].as_u64(),
            funnel["first_try_rate"].as_f64()
        ),
        (Some(2), Some(0.5))
    );
    let by_cell = funnel["by_cell"].as_array().unwrap();
    assert_eq!(
        by_cell
            .iter()
            .map(|c| c["leads"].as_u64().unwrap())
            .sum::<u64>(),
        3
    );
    let google = s.ok("/api/funnel?source=google").await;
    assert_eq!(google["leads"], 2);
    let by = s.ok("/api/funnel?by=source").await;
    let groups: Vec<(String, u64)> = by["by_group"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["group"].as_str().unwrap().to_owned(),
                g["won"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(groups, vec![("facebook".into(), 0), ("google".into(), 1)]);
    let (status, e) = s.get("/api/funnel?from=yesterday").await;
    assert_eq!((status, e["error"]["field"].as_str()), (400, Some("from")));
    let none = s.ok("/api/funnel?to=2000-01-01").await;
    assert_eq!(none["leads"], 0);
}

/// Points that halve every three seconds: a hot lead goes cold on its own.
const DECAYING: &str = r#"
[model]
name = "decay-test"
version = 1

[[engagement]]
name = "Pricing"
event = "Pricing Viewed"
points = 30
decay = "half-life 3s"

[grades]
fit = { A = 50, B = 30, C = 10 }
engagement = { 1 = 60, 2 = 30, 3 = 10 }
hot = ["D1"]

[[stages]]
name = "recycled"
manual = true

[[triggers]]
name = "cooled"
cools_down = true
actions = [{ set_stage = "recycled" }, { tag = "nurture" }]
"#;

async fn decay_cools_a_lead_down_with_no_new_events(b: Backend) {
    let s = start_decaying(
        scratch(b).await.unwrap(),
        DECAYING,
        Duration::from_millis(300),
    )
    .await;
    // 120 points (event times have whole seconds, so some decay at once).
    for _ in 0..4 {
        track(&s, "d1", "Pricing Viewed").await;
    }
    let lead = s.ok("/api/leads/d1").await;
    assert_eq!(lead["score"]["hot"], true, "{lead}");
    // No event comes; the scheduled re-evaluation sees it leave the hot cell.
    // The stage (a score row) and the tag (the profile) commit together, and
    // the lead's page reads both from one snapshot, so the first page with
    // the new stage has the tag too.
    let lead = eventually("the lead to cool down", || async {
        let l = s.ok("/api/leads/d1").await;
        (l["score"]["stage"] == "recycled").then_some(l)
    })
    .await;
    assert_eq!(lead["score"]["hot"], false);
    assert_eq!(lead["profile"]["tags"], "nurture");
    let history = lead["history"].as_array().unwrap();
    assert!(history.iter().any(|h| h["cause"] == "decay"), "{history:?}");
    assert!(
        history
            .iter()
            .any(|h| h["cause"] == "trigger:cooled" && h["stage"] == "recycled"),
        "{history:?}"
    );
}
