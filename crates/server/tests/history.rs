//! Training and backtesting from the server's own history on both
//! databases: leads, their events and sales feedback go in through the
//! API; `source=store` trains on behaviour up to each lead's first
//! feedback, and replays the event log week by week under two model
//! versions.

mod common;

use common::{TestServer, start_with};
use leadscore_store::testing::{Backend, scratch};
use reqwest::Method;
use serde_json::{Value, json};

leadscore_store::on_both!(
    training_from_the_store_reads_behaviour_only_up_to_the_first_feedback,
    backtest_replays_the_stored_history_week_by_week
);

/// The replay model; `LINE` stands for the MQL line.
const MODEL: &str = include_str!("../../../tests/fixtures/replay-model.toml");

async fn server(b: Backend) -> TestServer {
    start_with(
        scratch(b).await.expect("test database"),
        &MODEL.replace("LINE", "30"),
    )
    .await
}

fn track(id: &str, lead: &str, event: &str, day: u32) -> Value {
    let t = format!("2026-03-{day:02}T09:00:00Z");
    if event == "page" {
        json!({"type": "page", "messageId": id, "userId": lead, "name": "Home", "timestamp": t})
    } else {
        json!({"type": "track", "messageId": id, "userId": lead, "event": event, "timestamp": t})
    }
}

/// Sends the events, waits until every lead exists, then imports feedback.
async fn history(s: &TestServer, events: Vec<Value>, leads: &[String], feedback: String) {
    let (status, body) = s.send("/v1/batch", &json!({ "batch": events })).await;
    assert_eq!(status, 200, "{body}");
    for lead in leads {
        common::eventually("the lead", || async {
            (s.get(&format!("/api/leads/{lead}")).await.0 == 200).then_some(())
        })
        .await;
    }
    let (status, started) = s
        .admin(Method::POST, "/api/import/feedback", feedback)
        .await;
    assert_eq!(status, 202, "{started}");
    let job = s.wait_job(started["job"].as_u64().unwrap()).await;
    assert_eq!(job["state"], "done", "{job}");
    assert!(
        job["detail"]["errors"].as_array().unwrap().is_empty(),
        "{job}"
    );
}

async fn run(s: &TestServer, path: &str) -> Value {
    let (status, started) = s.admin(Method::POST, path, "").await;
    assert_eq!(status, 202, "{path}: {started}");
    let job = s.wait_job(started["job"].as_u64().unwrap()).await;
    assert_eq!(job["state"], "done", "{path}: {job}");
    job["detail"].clone()
}

async fn training_from_the_store_reads_behaviour_only_up_to_the_first_feedback(b: Backend) {
    let s = server(b).await;
    let mut events = Vec::new();
    let mut leads = Vec::new();
    let mut feedback = String::from("lead_id,kind,at,reason\n");
    for i in 0..20 {
        let (won, lost) = (format!("w{i}"), format!("l{i}"));
        events.push(track(&format!("w{i}-1"), &won, "Demo Requested", 2));
        events.push(track(&format!("w{i}-2"), &won, "page", 3));
        events.push(track(&format!("l{i}-1"), &lost, "page", 2));
        // After the lost verdict: read, this would make the two classes
        // look alike.
        events.push(track(&format!("l{i}-2"), &lost, "Demo Requested", 20));
        feedback.push_str(&format!(
            "{won},won,2026-03-10,\n{lost},lost,2026-03-10,no budget\n"
        ));
        leads.extend([won, lost]);
    }
    history(&s, events, &leads, feedback).await;
    let report = run(&s, "/api/train?source=store&outcome=won").await;
    assert_eq!(report["rows"], 40, "{report}");
    assert_eq!(report["behaviour"]["capped_by_outcome"], 40, "{report}");
    assert_eq!(report["holdout"]["roc_auc"].as_f64(), Some(1.0), "{report}");
    let version = report["version"].as_str().unwrap();
    let stored = s.ok(&format!("/api/predictors/{version}")).await;
    assert!(
        stored["model"]["behaviour"]["types"]
            .as_array()
            .unwrap()
            .len()
            >= 2
    );

    // A model trained on behaviour drives live scores: each lead's
    // behaviour is read as of the scoring time, from the writer's record
    // (filled in from the log when the model is activated).
    let rules = format!(
        "[model]\nname = \"p\"\nversion = 1\n\n[predictive]\nmodel = \"{version}\"\n\n\
         [[stages]]\nname = \"mql\"\nwhen = \"probability >= 0.5\"\n"
    );
    let (status, uploaded) = s.admin(Method::POST, "/api/models", rules).await;
    assert_eq!(status, 201, "{uploaded}");
    let model = uploaded["version"].as_i64().unwrap();
    let (status, _) = s
        .admin(Method::POST, &format!("/api/models/{model}/activate"), "")
        .await;
    assert_eq!(status, 202);
    common::eventually("the activation", || async {
        (s.ok("/health").await["model_version"] == model).then_some(())
    })
    .await;
    let probability = |lead: Value| {
        let p = lead["predictive"]["probability"].as_f64().unwrap();
        let mql = lead["score"]["stage"] == "mql";
        assert_eq!(
            mql,
            p >= 0.5,
            "the stage reads the same probability: {lead}"
        );
        (p, lead)
    };
    // Leads whose behaviour looks like the training leads' did at their
    // cut-off (a week or so before): with a demo request, and without.
    let day = 86_400_000;
    let ago = |id: &str, lead: &str, event: &str, days: i64| {
        let mut e = track(id, lead, event, 1);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        e["timestamp"] = leadscore_core::Timestamp(now - days * day)
            .to_rfc3339()
            .into();
        e
    };
    let (status, _) = s
        .send(
            "/v1/batch",
            &json!({"batch": [
                ago("n1-1", "n1", "page", 8),
                ago("n2-1", "n2", "Demo Requested", 8),
                ago("n2-2", "n2", "page", 7),
            ]}),
        )
        .await;
    assert_eq!(status, 200);
    let (page, lead) = probability(s.ok("/api/leads/n1").await);
    assert!(page < 0.5, "{lead}");
    let (demo, lead) = probability(s.ok("/api/leads/n2").await);
    assert!(demo >= 0.5, "{lead}");
    let factors = lead["predictive"]["factors"].to_string();
    assert!(factors.contains("Demo Requested"), "{factors}");
    // A new event moves the live probability.
    let (status, _) = s
        .send("/v1/track", &ago("n1-2", "n1", "Demo Requested", 7))
        .await;
    assert_eq!(status, 200);
    let (after, lead) = common::eventually("the event", || async {
        let (p, lead) = probability(s.ok("/api/leads/n1").await);
        (p > page).then_some((p, lead))
    })
    .await;
    assert!(after >= 0.5, "{lead}");

    // Suggest reads the history too: event counts become engagement rules.
    let suggested = run(&s, "/api/suggest?source=store&outcome=won&precision=0.9").await;
    let toml = suggested["model"].as_str().unwrap();
    assert!(
        toml.contains("[[engagement]]\nname = \"Demo Requested\""),
        "{suggested}"
    );

    // With split=time, the leads seen last are held out.
    let timed = run(
        &s,
        "/api/train?source=store&outcome=won&split=time&test_share=0.25",
    )
    .await;
    assert_eq!(timed["train_rows"], 30, "{timed}");
    let (status, e) = s
        .admin(
            Method::POST,
            "/api/train?source=store&outcome=won&split=time&time_column=at",
            "",
        )
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (400, Some("time_column")),
        "{e}"
    );

    // A horizon ends every lead's window 1 day after its first event.
    let short = run(&s, "/api/train?source=store&outcome=won&horizon_days=1").await;
    assert_ne!(short["version"], report["version"]);

    let (status, e) = s
        .admin(Method::POST, "/api/train?source=store&outcome=maybe", "")
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (400, Some("outcome")),
        "{e}"
    );
    let (status, e) = s
        .admin(
            Method::POST,
            "/api/train?outcome=won&horizon_days=3",
            "a,won\n1,1\n",
        )
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (400, Some("horizon_days")),
        "{e}"
    );
    let (status, e) = s
        .admin(Method::POST, "/api/train?source=disk&outcome=won", "")
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (400, Some("source")),
        "{e}"
    );
    // No accepted or rejected leads: nothing to learn, and the job says so.
    let (status, started) = s
        .admin(Method::POST, "/api/train?source=store&outcome=sql", "")
        .await;
    assert_eq!(status, 202);
    let job = s.wait_job(started["job"].as_u64().unwrap()).await;
    assert_eq!(job["state"], "failed", "{job}");
}

async fn backtest_replays_the_stored_history_week_by_week(b: Backend) {
    let s = server(b).await;
    let events = vec![
        track("1", "a", "Demo Requested", 2),
        track("2", "b", "page", 3),
        track("3", "b", "page", 10),
        track("4", "b", "page", 11),
        track("5", "c", "Demo Requested", 17),
        track("6", "d", "page", 18),
    ];
    let leads: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
    let feedback = "lead_id,kind,at,reason\na,accepted,2026-03-20,\na,won,2026-03-25,\n\
                    b,accepted,2026-03-20,\nd,accepted,2026-03-20,\nd,won,2026-03-21,\n"
        .to_owned();
    history(&s, events, &leads, feedback).await;
    let strict = s.ok("/health").await["model_version"].as_i64().unwrap();
    let (status, uploaded) = s
        .admin(Method::POST, "/api/models", MODEL.replace("LINE", "10"))
        .await;
    assert_eq!(status, 201, "{uploaded}");
    let loose = uploaded["version"].as_i64().unwrap();
    let r = run(
        &s,
        &format!("/api/backtest?source=store&model={strict}&compare={loose}&threshold=15"),
    )
    .await;
    assert_eq!(
        (
            r["leads"].as_u64(),
            r["events"].as_u64(),
            r["weeks"].as_u64()
        ),
        (Some(4), Some(6), Some(3)),
        "{r}"
    );
    assert_eq!(
        (r["sql_leads"].as_u64(), r["won_leads"].as_u64()),
        (Some(3), Some(2))
    );
    let news = |m: usize, l: usize| -> Vec<u64> {
        r["models"][m]["lines"][l]["weeks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["new"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(news(0, 0), vec![1, 0, 1], "{r}");
    assert_eq!(news(1, 0), vec![1, 1, 1], "{r}");
    assert_eq!(news(0, 1), vec![1, 1, 1], "{r}");
    let total = &r["models"][1]["lines"][0]["total"];
    assert_eq!(
        (
            total["new"].as_u64(),
            total["sql"].as_u64(),
            total["won"].as_u64()
        ),
        (Some(3), Some(2), Some(1))
    );
    assert_eq!(r["models"][0]["lines"][0]["weeks"][0]["week"], "2026-03-02");
}
