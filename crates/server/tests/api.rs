//! The leads, models, import and operations API over HTTP, on both databases.

mod common;

use common::{ADMIN, start, start_on};
use leadscore_store::testing::Backend;
use reqwest::Method;
use serde_json::{Value, json};

leadscore_store::on_both!(
    profiles_are_created_updated_filtered_and_erased,
    ranked_list_pages_with_a_cursor,
    a_new_model_is_validated_then_activated_in_the_background,
    imports_report_bad_rows_and_keep_good_ones,
    a_restart_serves_the_same_scores,
    openapi_health_and_metrics_answer,
    a_model_version_is_previewed_on_live_leads,
);

async fn put(s: &common::TestServer, id: &str, body: Value) -> (u16, Value) {
    let r = s
        .http
        .put(s.url(&format!("/api/leads/{id}")))
        .bearer_auth(ADMIN)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn profiles_are_created_updated_filtered_and_erased(b: Backend) {
    let s = start(b).await;
    let (status, lead) = put(
        &s,
        "lan",
        json!({"attributes": {"name": "Trần Lan", "email": "lan@fpt.com.vn", "seniority": "c-level"}, "owner": "minh"}),
    )
    .await;
    assert_eq!(status, 201, "{lead}");
    assert!(lead["score"]["fit"].as_f64().unwrap() > 0.0);
    let (status, lead) = put(
        &s,
        "lan",
        json!({"attributes": {"country": "VN", "seniority": null}}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(lead["profile"]["country"], "VN");
    assert!(
        lead["profile"].get("seniority").is_none(),
        "null removes: {lead}"
    );
    assert_eq!(lead["owner"], "minh", "owner kept when not given");

    let (status, body) = put(&s, "bad", json!({"attributes": {"tags": [1, 2]}})).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("attributes.tags"))
    );
    // The server may answer 413 and close before the client has sent the
    // whole body, so a reset connection is the same refusal seen late.
    let huge = "x".repeat(3 * 1024 * 1024);
    // Its own client: the server may close the connection early, and a
    // pooled connection closed that way must not fail the next request.
    let sent = reqwest::Client::new()
        .put(s.url("/api/leads/big"))
        .bearer_auth(ADMIN)
        .json(&json!({"attributes": {"notes": huge}}))
        .send()
        .await;
    if let Ok(r) = sent {
        assert_eq!(
            r.status().as_u16(),
            413,
            "profile bodies are limited to 2 MB"
        );
    }
    assert_eq!(s.get("/api/leads/big").await.0, 404, "nothing stored");
    put(&s, "other", json!({"attributes": {"name": "Hùng"}})).await;

    assert_eq!(s.ranked_ids("owner=minh").await, ["lan"]);
    assert_eq!(
        s.ranked_ids("q=tr%E1%BA%A7n").await,
        ["lan"],
        "search by Vietnamese name"
    );
    let (status, _) = s.get("/api/leads?limit=0").await;
    assert_eq!(status, 400);

    s.send(
        "/v1/track",
        &json!({"userId": "lan", "event": "Email Opened"}),
    )
    .await;
    let (status, erased) = s.admin(Method::DELETE, "/api/leads/lan", "").await;
    assert_eq!(status, 200);
    assert_eq!(erased["events"], 1);
    assert_eq!(s.get("/api/leads/lan").await.0, 404);
    assert_eq!(s.ranked_ids("").await, ["other"]);
    let (status, _) = s.admin(Method::DELETE, "/api/leads/lan", "").await;
    assert_eq!(status, 404);
}

async fn ranked_list_pages_with_a_cursor(b: Backend) {
    let s = start(b).await;
    let batch: Vec<Value> = (0..25)
        .flat_map(|i| {
            (0..(i % 5)).map(move |k| {
                json!({"type": "track", "userId": format!("u{i:02}"), "event": "Email Clicked", "messageId": format!("{i}-{k}")})
            })
        })
        .chain((0..25).map(|i| json!({"type": "identify", "userId": format!("u{i:02}"), "traits": {"name": format!("Lead {i}")}})))
        .collect();
    let (status, _) = s.send("/v1/batch", &json!({ "batch": batch })).await;
    assert_eq!(status, 200);
    let mut seen = Vec::new();
    let mut cursor = String::new();
    let mut last_total = f64::INFINITY;
    let mut pages = Vec::new();
    for round in 0.. {
        assert!(round < 10, "the cursor does not advance: {pages:#?}");
        let page = s.ok(&format!("/api/leads?limit=10{cursor}")).await;
        pages.push(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| format!("{} {}", i["id"], i["total"]))
                .collect::<Vec<_>>(),
        );
        for item in page["items"].as_array().unwrap() {
            let t = item["total"].as_f64().unwrap();
            assert!(t <= last_total, "hottest first: {page}");
            last_total = t;
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 25);
    let (status, body) = s.get("/api/leads?cursor=garbage").await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (400, Some("cursor"))
    );
}

async fn a_new_model_is_validated_then_activated_in_the_background(b: Backend) {
    let s = start(b).await;
    for i in 0..30 {
        s.send("/v1/page", &json!({"userId": format!("v{i}"), "name": "Pricing", "properties": {"path": "/pricing"}}))
            .await;
    }
    let upload = |body: String| {
        let s = &s;
        async move {
            let r = s
                .http
                .post(s.url("/api/models"))
                .bearer_auth(ADMIN)
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = upload(
        "[model]\nname = \"broken\"\n[[fit]]\nname = \"x\"\nwhen = \"nope >\"\npoints = 1\n".into(),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_model");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("line"),
        "{body}"
    );

    let source = format!(
        "{}\n[[fit]]\nname = \"No email yet\"\nwhen = \"email is missing\"\npoints = 7\n",
        common::B2B
    );
    let (status, body) = upload(source).await;
    assert_eq!(status, 201, "{body}");
    let version = body["version"].as_i64().unwrap();
    let before = s.ok("/api/leads/v1").await["score"]["total"]
        .as_f64()
        .unwrap();

    let r = s
        .http
        .post(s.url(&format!("/api/models/{version}/activate")))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let jobs = s.ok("/api/jobs").await;
    let job = jobs
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["kind"] == "activate")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let job = s.wait_job(job).await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["total"], 30);

    let models = s.ok("/api/models").await;
    assert_eq!(models[0]["version"].as_i64(), Some(version));
    assert_eq!(models[0]["active"], true);
    let after = s.ok("/api/leads/v1").await;
    assert_eq!(after["model_version"].as_i64(), Some(version));
    assert!(
        after["score"]["total"].as_f64().unwrap() > before,
        "{before} -> {after}"
    );
    assert_eq!(s.ranked_ids("limit=100").await.len(), 30);
    // New events score under the new model.
    s.send(
        "/v1/page",
        &json!({"userId": "v1", "name": "Pricing", "properties": {"path": "/pricing"}}),
    )
    .await;
    let hist = s.ok("/api/leads/v1").await["history"].to_string();
    assert!(hist.contains(&format!("model:{version}")), "{hist}");
}

async fn imports_report_bad_rows_and_keep_good_ones(b: Backend) {
    let s = start(b).await;
    let csv = "id,name,email,seniority\nk1,Khoa,khoa@vng.com.vn,c-level\n,No id,x@y.z,\nk2,Mai,mai@gmail.com,manager\n";
    let (status, job) = s.admin(Method::POST, "/api/import/leads", csv).await;
    assert_eq!(status, 202);
    let done = s.wait_job(job["job"].as_u64().unwrap()).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["detail"]["accepted"], 2);
    assert_eq!(done["detail"]["rejected"], 1);
    assert_eq!(done["detail"]["errors"][0]["line"], 3);

    let jsonl = concat!(
        r#"{"type":"track","userId":"k1","event":"Email Opened","messageId":"i1","timestamp":"2026-11-20T10:00:00Z"}"#,
        "\n",
        r#"{"type":"track","userId":"k1","event":"Email Opened","messageId":"i1","timestamp":"2026-11-20T10:00:00Z"}"#,
        "\n",
        r#"{"type":"track","event":"No user"}"#,
        "\n",
        r#"{"type":"page","userId":"k2","name":"Home","messageId":"i2","timestamp":"2026-11-21T10:00:00Z"}"#,
        "\n",
    );
    let (status, job) = s.admin(Method::POST, "/api/import/events", jsonl).await;
    assert_eq!(status, 202);
    let done = s.wait_job(job["job"].as_u64().unwrap()).await;
    assert_eq!(done["detail"]["accepted"], 2, "{done}");
    assert_eq!(done["detail"]["duplicates"], 1);
    assert_eq!(done["detail"]["errors"][0]["line"], 3);
    assert_eq!(done["detail"]["errors"][0]["field"], "userId");
    assert_eq!(s.ok("/api/leads/k1").await["score"]["events"], 1);

    let csv_out = s
        .http
        .get(s.url("/api/export/leads?format=csv"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv_out.lines().count(), 3, "{csv_out}");
    assert!(csv_out.starts_with("id,name,email"));
    let (status, _) = s.get("/api/export/leads?format=xml").await;
    assert_eq!(status, 400);
}

async fn a_restart_serves_the_same_scores(b: Backend) {
    let s = start(b).await;
    s.send(
        "/v1/identify",
        &json!({"userId": "r1", "anonymousId": "a-1", "traits": {"email": "r1@acme.vn"}}),
    )
    .await;
    s.send(
        "/v1/page",
        &json!({"anonymousId": "a-1", "name": "Pricing", "properties": {"path": "/pricing"}}),
    )
    .await;
    let first = s.ok("/api/leads/r1").await;
    // A second server over the same database loads state from the log.
    let again = start_on(leadscore_store::testing::Scratch::reuse(&s.db)).await;
    let second = again.ok("/api/leads/r1").await;
    assert_eq!(first["score"]["events"], second["score"]["events"]);
    let (a, b) = (
        first["score"]["total"].as_f64().unwrap(),
        second["score"]["total"].as_f64().unwrap(),
    );
    assert!((a - b).abs() < 0.01, "{a} vs {b}");
    // Stitching survived: the anonymous id still routes to the lead.
    again
        .send("/v1/page", &json!({"anonymousId": "a-1", "name": "Docs"}))
        .await;
    assert_eq!(again.ok("/api/leads/r1").await["score"]["events"], 3);
}

async fn openapi_health_and_metrics_answer(b: Backend) {
    let s = start(b).await;
    let (_, api) = s.get_as(None, "/api/openapi.json").await;
    for path in [
        "/v1/track",
        "/v1/batch",
        "/api/leads",
        "/api/leads/{id}",
        "/api/models/{version}/activate",
    ] {
        assert!(api["paths"].get(path).is_some(), "{path} documented");
    }
    let (_, health) = s.get_as(None, "/health").await;
    assert_eq!(health["status"], "ok");
    s.send(
        "/v1/track",
        &json!({"userId": "m", "event": "Email Opened"}),
    )
    .await;
    let text = s.text("/metrics").await;
    assert!(
        text.contains("leadscore_ingest_events_total{outcome=\"accepted\"} 1"),
        "{text}"
    );
    // A read waits for the event's effects to be written: the derived
    // tables then reflect the whole log, and that write was timed.
    s.ok("/api/leads/m").await;
    let text = s.text("/metrics").await;
    let value = |name: &str| -> f64 {
        let line = text.lines().find(|l| l.starts_with(&format!("{name} ")));
        let line = line.unwrap_or_else(|| panic!("{name} in {text}"));
        line[name.len()..].trim().parse().unwrap()
    };
    assert!(value("leadscore_event_log_end") >= 1.0, "{text}");
    assert_eq!(
        value("leadscore_event_log_applied"),
        value("leadscore_event_log_end")
    );
    assert_eq!(value("leadscore_events_unapplied"), 0.0);
    assert!(value("leadscore_flush_seconds_count") >= 1.0, "{text}");
    let (status, body) = s.get("/no/such/route").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
}

async fn a_model_version_is_previewed_on_live_leads(b: Backend) {
    let s = start(b).await;
    // Five leads with a valid email and a phone: IQLs under the B2B model.
    for i in 0..5 {
        let (status, _) = put(
            &s,
            &format!("p{i}"),
            json!({"attributes": {"email": format!("p{i}@acme.vn"), "phone": "+84901234567"}}),
        )
        .await;
        assert_eq!(status, 201);
    }
    put(&s, "plain", json!({"attributes": {"name": "No contact"}})).await;
    // A candidate that also wants the country to be Singapore.
    let stricter = common::B2B.replace(
        "when = \"email.valid and phone is present\"",
        "when = 'email.valid and phone is present and country == \"SG\"'",
    );
    assert_ne!(stricter, common::B2B, "the example's IQL criteria changed");
    let (status, uploaded) = s.admin(Method::POST, "/api/models", stricter).await;
    assert_eq!(status, 201, "{uploaded}");
    let v = uploaded["version"].as_i64().unwrap();
    let (status, started) = s
        .admin(Method::POST, &format!("/api/models/{v}/preview"), "")
        .await;
    assert_eq!(status, 202, "{started}");
    let job = s.wait_job(started["job"].as_u64().unwrap()).await;
    assert_eq!(job["state"], "done", "{job}");
    let d = &job["detail"];
    assert_eq!(d["leads"], 6, "{d}");
    assert_eq!(d["stage_changes"], 5, "{d}");
    assert_eq!(d["stage_moves"]["iql -> lead"], 5, "{d}");
    // Nothing was activated.
    let active = s.ok("/health").await["model_version"].as_i64().unwrap();
    assert_ne!(active, v);
    let (status, _) = s.admin(Method::POST, "/api/models/999/preview", "").await;
    assert_eq!(status, 404);
}
