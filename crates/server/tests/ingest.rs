//! Segment-compatible ingestion over HTTP, on both databases: scores,
//! stitching, merging, idempotency, limits and errors.

mod common;

use common::{ADMIN, READ, WRITE, eventually, start, start_on};
use leadscore_store::NewEvent;
use leadscore_store::testing::{Backend, scratch};
use serde_json::{Value, json};

leadscore_store::on_both!(
    an_event_changes_the_ranked_list_at_once,
    anonymous_history_joins_the_lead_on_identify,
    alias_merges_two_leads_and_their_histories,
    repeated_message_ids_are_ignored,
    oversize_and_malformed_requests_get_clear_errors,
    a_bad_event_in_a_batch_does_not_drop_the_good_ones,
    keys_and_roles_are_enforced,
    group_links_a_lead_to_an_account_that_rolls_up,
    scores_reach_the_store_within_a_second_without_a_read,
    events_after_the_applied_mark_are_applied_at_start,
);

fn total(lead: &Value) -> f64 {
    lead["score"]["total"].as_f64().unwrap()
}

async fn an_event_changes_the_ranked_list_at_once(b: Backend) {
    let s = start(b).await;
    let (status, body) = s
        .send(
            "/v1/identify",
            &json!({"userId": "u1", "traits": {"email": "an@acme.vn", "name": "An", "seniority": "c-level"}}),
        )
        .await;
    assert_eq!((status, &body["success"]), (200, &json!(true)), "{body}");
    let before = total(&s.ok("/api/leads/u1").await);
    let (status, _) = s
        .send(
            "/v1/track",
            &json!({"userId": "u1", "event": "Form Submitted", "properties": {"form": "demo"}}),
        )
        .await;
    assert_eq!(status, 200);
    // Visible as soon as the request is acknowledged.
    let after = s.ok("/api/leads/u1").await;
    assert!(total(&after) > before, "{before} -> {}", total(&after));
    assert_eq!(after["score"]["events"], 2);
    assert_eq!(s.ranked_ids("").await, ["u1"]);
    let reasons = after["score"]["reasons"].to_string();
    assert!(reasons.contains("Demo or trial form"), "{reasons}");
    assert!(after["explanation"]["lines"].as_array().unwrap().len() > 5);
    assert_eq!(after["email_quality"]["class"], "corporate");
    assert!(!after["history"].as_array().unwrap().is_empty());
}

async fn anonymous_history_joins_the_lead_on_identify(b: Backend) {
    let s = start(b).await;
    for i in 0..3 {
        let (status, _) = s
            .send(
                "/v1/page",
                &json!({"anonymousId": "ga-77", "name": "Pricing", "properties": {"path": "/pricing"}, "messageId": format!("p{i}")}),
            )
            .await;
        assert_eq!(status, 200);
    }
    assert!(s.ranked_ids("").await.is_empty(), "no lead before identify");
    s.send(
        "/v1/identify",
        &json!({"userId": "lan", "anonymousId": "ga-77", "traits": {"name": "Lan"}}),
    )
    .await;
    let lead = s.ok("/api/leads/lan").await;
    assert_eq!(lead["score"]["events"], 4, "{lead}");
    assert_eq!(lead["timeline"].as_array().unwrap().len(), 4);
    // Later anonymous events go straight to the lead.
    s.send("/v1/page", &json!({"anonymousId": "ga-77", "name": "Docs"}))
        .await;
    assert_eq!(s.ok("/api/leads/lan").await["score"]["events"], 5);
}

async fn alias_merges_two_leads_and_their_histories(b: Backend) {
    let s = start(b).await;
    s.send(
        "/v1/track",
        &json!({"userId": "old-id", "event": "Email Opened"}),
    )
    .await;
    s.send(
        "/v1/identify",
        &json!({"userId": "old-id", "traits": {"phone": "0901234567"}}),
    )
    .await;
    s.send(
        "/v1/track",
        &json!({"userId": "new-id", "event": "Email Clicked"}),
    )
    .await;
    let (status, _) = s
        .send(
            "/v1/alias",
            &json!({"userId": "new-id", "previousId": "old-id"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(s.ranked_ids("").await, ["new-id"]);
    let lead = s.ok("/api/leads/new-id").await;
    assert_eq!(lead["score"]["events"], 4, "both histories: {lead}");
    assert_eq!(
        lead["score"]["reasons"].as_array().unwrap().len(),
        2,
        "both emails count"
    );
    assert_eq!(
        lead["profile"]["phone"], "0901234567",
        "attributes carried over"
    );
    assert_eq!(s.get("/api/leads/old-id").await.0, 404);
    // Events still sent under the old id reach the merged lead.
    s.send(
        "/v1/track",
        &json!({"userId": "old-id", "event": "Email Opened", "messageId": "later"}),
    )
    .await;
    assert_eq!(s.ok("/api/leads/new-id").await["score"]["events"], 5);
}

async fn repeated_message_ids_are_ignored(b: Backend) {
    let s = start(b).await;
    let e = json!({"userId": "u1", "event": "Email Opened", "messageId": "m-1"});
    assert_eq!(s.send("/v1/track", &e).await.1["new"], true);
    assert_eq!(s.send("/v1/track", &e).await.1["new"], false);
    let (_, batch) = s
        .send("/v1/batch", &json!({"batch": [{"type": "track", "userId": "u1", "event": "Email Opened", "messageId": "m-1"},
                                               {"type": "track", "userId": "u1", "event": "Email Opened", "messageId": "m-2"}]}))
        .await;
    assert_eq!(
        (batch["accepted"].as_u64(), batch["duplicates"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(s.ok("/api/leads/u1").await["score"]["events"], 2);
}

async fn oversize_and_malformed_requests_get_clear_errors(b: Backend) {
    let s = start(b).await;
    let big = "x".repeat(33 * 1024);
    let (status, body) = s
        .send(
            "/v1/track",
            &json!({"userId": "u1", "event": "Big", "properties": {"blob": big}}),
        )
        .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large");

    let events: Vec<Value> = (0..20)
        .map(|i| json!({"type": "track", "userId": "u1", "event": "Big", "messageId": i, "properties": {"blob": "y".repeat(30_000)}}))
        .collect();
    let (status, _) = s.send("/v1/batch", &json!({ "batch": events })).await;
    assert_eq!(status, 413);

    let r = s
        .http
        .post(s.url("/v1/track"))
        .basic_auth(WRITE, Some(""))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_json");

    let (status, body) = s.send("/v1/track", &json!({"event": "No id"})).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["field"], "userId", "{body}");
    let (status, body) = s.send("/v1/track", &json!({"userId": "u1"})).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("event"))
    );
    let (status, body) = s
        .send(
            "/v1/track",
            &json!({"userId": "u1", "event": "x", "timestamp": "yesterday"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("timestamp")),
        "{body}"
    );
    let (status, body) = s.send("/v1/batch", &json!({"events": []})).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("batch"))
    );
    // Nothing bad was stored, nothing good was lost.
    assert!(s.ranked_ids("").await.is_empty());
}

async fn a_bad_event_in_a_batch_does_not_drop_the_good_ones(b: Backend) {
    let s = start(b).await;
    let (status, body) = s
        .send(
            "/v1/batch",
            &json!({"batch": [
                {"type": "track", "userId": "u1", "event": "Email Opened"},
                {"type": "track", "event": "Orphan"},
                {"type": "launch", "userId": "u1"},
                {"type": "page", "userId": "u2", "name": "Home"},
            ]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accepted"], 2);
    let rejected = body["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2);
    assert_eq!(
        (rejected[0]["index"].as_u64(), rejected[0]["field"].as_str()),
        (Some(1), Some("userId"))
    );
    assert_eq!(
        (rejected[1]["index"].as_u64(), rejected[1]["field"].as_str()),
        (Some(2), Some("type"))
    );
    let mut ids = s.ranked_ids("").await;
    ids.sort();
    assert_eq!(ids, ["u1", "u2"]);
}

async fn keys_and_roles_are_enforced(b: Backend) {
    let s = start(b).await;
    let no_key = s
        .http
        .post(s.url("/v1/track"))
        .json(&json!({"userId": "u", "event": "e"}))
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status().as_u16(), 401);
    let body: Value = no_key.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    let wrong = s
        .http
        .post(s.url("/v1/track"))
        .basic_auth("nope", Some(""))
        .json(&json!({"userId": "u", "event": "e"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    assert_eq!(s.get_as(Some(WRITE), "/api/leads").await.0, 403);
    assert_eq!(s.get_as(Some(READ), "/api/leads").await.0, 200);
    let read_writes = s
        .http
        .put(s.url("/api/leads/x"))
        .bearer_auth(READ)
        .json(&json!({"attributes": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(read_writes.status().as_u16(), 403);

    // A new write key works at once; once revoked it stops working.
    let created: Value = s
        .http
        .post(s.url("/api/keys"))
        .bearer_auth(ADMIN)
        .json(&json!({"name": "site", "role": "write"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    let send = |key: String| {
        let s = &s;
        async move {
            s.http
                .post(s.url("/v1/track"))
                .basic_auth(key, Some(""))
                .json(&json!({"userId": "u", "event": "e"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(send(key.clone()).await, 200);
    let revoked = s
        .http
        .delete(s.url(&format!("/api/keys/{}", created["id"])))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status().as_u16(), 204);
    assert_eq!(send(key).await, 401);
    let listed = s.ok("/api/keys").await;
    assert!(
        !listed
            .to_string()
            .contains(&created["key"].as_str().unwrap()[12..]),
        "keys are never listed"
    );
}

async fn group_links_a_lead_to_an_account_that_rolls_up(b: Backend) {
    let s = start(b).await;
    for (user, event) in [
        ("a1", "Demo Requested"),
        ("a2", "Email Clicked"),
        ("solo", "Email Opened"),
    ] {
        s.send("/v1/track", &json!({"userId": user, "event": event}))
            .await;
    }
    for user in ["a1", "a2"] {
        let (status, _) = s
            .send("/v1/group", &json!({"userId": user, "groupId": "acme", "traits": {"name": "Acme JSC", "industry": "Software"}}))
            .await;
        assert_eq!(status, 200);
    }
    let accounts = s.ok("/api/accounts").await;
    let items = accounts["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{accounts}");
    assert_eq!(items[0]["account_id"], "acme");
    assert_eq!(items[0]["contacts"], 2);
    let detail = s.ok("/api/accounts/acme").await;
    assert_eq!(detail["traits"]["name"], "Acme JSC");
    assert_eq!(detail["contacts"].as_array().unwrap().len(), 2);
    assert_eq!(s.ranked_ids("account=acme").await.len(), 2);
    // The account signal counts both contacts.
    let lead = s.ok("/api/leads/a1").await;
    let aggregates = lead["explanation"]["aggregates"].to_string();
    assert!(
        aggregates.contains("[\"active_contacts_14d\",2.0]"),
        "{aggregates}"
    );
}

/// Scores are written behind their events: without any read through the
/// API (which would wait for them), the store has the new score within a
/// second of the acknowledgement.
async fn scores_reach_the_store_within_a_second_without_a_read(b: Backend) {
    let s = start(b).await;
    let store = leadscore_store::open(&s.db.url).await.unwrap();
    let (status, body) = s
        .send(
            "/v1/track",
            &json!({"userId": "late", "event": "Form Submitted", "properties": {"form": "demo"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let acked = std::time::Instant::now();
    let version = store.models().await.unwrap()[0].version;
    let score = eventually("the score in the store", || async {
        store.score(version, "late").await.unwrap()
    })
    .await;
    assert!(acked.elapsed() < std::time::Duration::from_secs(1));
    assert_eq!(score.events, 1);
    assert!(store.applied_seq().await.unwrap() > 0);
}

/// Events stored but not applied when the server stopped (a crash between
/// the acknowledgement and the write of their effects) are routed at the
/// next start: the lead, its stitched anonymous history and its score.
async fn events_after_the_applied_mark_are_applied_at_start(b: Backend) {
    let db = scratch(b).await.unwrap();
    let store = leadscore_store::open(&db.url).await.unwrap();
    let event =
        |id: &str, user: Option<&str>, anon: Option<&str>, kind: &str, body: Value| NewEvent {
            message_id: id.into(),
            identity: user.or(anon).unwrap().into(),
            user_id: user.map(Into::into),
            anonymous_id: anon.map(Into::into),
            kind: kind.into(),
            name: body["event"].as_str().unwrap_or("").into(),
            ts: 1_700_000_000_000,
            received_at: 1_700_000_000_000,
            body: body.to_string(),
        };
    let mut tx = store.begin().await.unwrap();
    tx.insert_events(&[
        event("p1", None, Some("visitor"), "page", json!({"type": "page", "anonymousId": "visitor", "messageId": "p1", "name": "Pricing", "properties": {"path": "/pricing"}, "timestamp": "2023-11-14T22:13:20Z"})),
        event("i1", Some("u9"), Some("visitor"), "identify", json!({"type": "identify", "userId": "u9", "anonymousId": "visitor", "messageId": "i1", "traits": {"email": "u9@acme.vn"}, "timestamp": "2023-11-14T22:13:20Z"})),
        event("t1", Some("u9"), None, "track", json!({"type": "track", "userId": "u9", "event": "Form Submitted", "messageId": "t1", "properties": {"form": "demo"}, "timestamp": "2023-11-14T22:13:20Z"})),
    ])
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.applied_seq().await.unwrap(), 0);
    drop(store);

    let s = start_on(db).await;
    let lead = s.ok("/api/leads/u9").await;
    assert_eq!(lead["profile"]["email"], "u9@acme.vn", "{lead}");
    assert_eq!(
        lead["score"]["events"], 3,
        "the anonymous page view joined: {lead}"
    );
    let store = leadscore_store::open(&s.db.url).await.unwrap();
    assert_eq!(
        store.applied_seq().await.unwrap(),
        store.event_count().await.unwrap()
    );
}
