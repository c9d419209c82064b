//! The tracking snippet in a real browser: a static website on another
//! origin embeds `/v1/leadscore.js` with one line; headless Chromium visits
//! it anonymously from a newsletter link, books a demo through a form and
//! sees the offer a trigger chose. The visits then show on the lead, stitched
//! from the anonymous cookie, with the campaign they came from.

mod common;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use common::{WRITE, browser, start_with};
use leadscore_store::testing::{Backend, scratch};
use serde_json::Value;

const MODEL: &str = r#"
[model]
name = "snippet-test"
version = 1

[[engagement]]
name = "Pricing page"
event = "page"
when = 'path starts_with "/pricing"'
points = 20

[[engagement]]
name = "Demo form"
event = "Form Submitted"
when = 'form == "demo"'
points = 50

[grades]
fit = { A = 50, B = 30, C = 10 }
engagement = { 1 = 60, 2 = 30, 3 = 10 }
hot = ["A1", "B1", "C1", "D1"]

[[stages]]
name = "mql"
when = "engagement >= 60"

[[triggers]]
name = "demo-offer"
enters_stage = "mql"
actions = [{ offer = "book-demo", content = "cta.demo" }]
"#;

/// Serves `tests/e2e/site/*.html` with the server's address and write key
/// filled in, for any method (the demo form posts to `thanks.html`).
async fn site(api: String) -> String {
    async fn page(
        State(api): State<String>,
        Path(name): Path<String>,
    ) -> impl axum::response::IntoResponse {
        let file = browser::e2e_dir().join("site").join(&name);
        match std::fs::read_to_string(file) {
            Ok(html) if name.ends_with(".html") && !name.contains("..") => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html.replace("{{API}}", &api)
                    .replace("{{WRITE_KEY}}", WRITE),
            ),
            _ => (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/plain")],
                String::new(),
            ),
        }
    }
    let app = axum::Router::new()
        .route("/{name}", axum::routing::any(page))
        .with_state(api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    // `localhost` for the site and 127.0.0.1 for the API: two origins, as on
    // a real website, so the cross-origin calls are exercised.
    format!("http://localhost:{}", addr.port())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snippet_visits_show_on_the_lead() {
    let s = start_with(scratch(Backend::Sqlite).await.unwrap(), MODEL).await;
    let (status, js) = {
        let r = s.http.get(s.url("/v1/leadscore.js")).send().await.unwrap();
        let status = r.status().as_u16();
        let ct = r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(ct.starts_with("application/javascript"), "{ct}");
        (status, r.text().await.unwrap())
    };
    assert_eq!(status, 200);
    assert!(js.contains("leadscore"));

    let site = site(s.base.clone()).await;
    let seen: Value = {
        let site = site.clone();
        let out = tokio::task::spawn_blocking(move || browser::run("snippet.mjs", &[&site], &[]))
            .await
            .unwrap();
        serde_json::from_str(out.trim().lines().last().unwrap()).unwrap()
    };
    assert_eq!(seen["userId"], "lan.tran@acme.vn", "{seen}");
    assert_eq!(seen["offer"]["content"], "cta.demo", "{seen}");
    assert_eq!(seen["shown"], true, "the chosen offer is shown: {seen}");
    assert_eq!(seen["hidden"], true, "the other offer stays hidden: {seen}");
    let cookie = &seen["cookie"];
    assert_eq!(cookie["value"], seen["anonymousId"], "{seen}");
    assert_eq!(cookie["sameSite"], "Lax");
    let year = 365.0 * 86400.0;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(cookie["expires"].as_f64().unwrap() > now + year, "{cookie}");

    // The lead: the anonymous visits are stitched to it, with the campaign.
    let lead = s.ok("/api/leads/lan.tran@acme.vn").await;
    assert_eq!(lead["profile"]["name"], "Trần Thị Lan", "{lead}");
    assert_eq!(lead["profile"]["company"], "Acme Việt Nam", "{lead}");
    assert_eq!(lead["profile"]["email"], "lan.tran@acme.vn", "{lead}");
    assert!(
        lead["profile"].get("password").is_none(),
        "a password field is never sent: {lead}"
    );
    let timeline = lead["timeline"].as_array().expect("a timeline");
    let pages: Vec<&str> = timeline
        .iter()
        .filter(|e| e["type"] == "page")
        .filter_map(|e| e["properties"]["path"].as_str())
        .collect();
    for path in [
        "/landing.html",
        "/pricing.html",
        "/contact.html",
        "/thanks.html",
    ] {
        assert!(pages.contains(&path), "{path} in {pages:?}: {lead}");
    }
    let landing = timeline
        .iter()
        .find(|e| e["properties"]["path"] == "/landing.html")
        .unwrap();
    assert_eq!(
        landing["properties"]["campaign"], "spring-launch",
        "{landing}"
    );
    assert_eq!(landing["properties"]["utm_source"], "newsletter");
    assert!(
        timeline.iter().any(|e| e["event"] == "Form Submitted"),
        "{lead}"
    );
    assert_eq!(lead["score"]["stage"], "mql", "{lead}");
}
