//! A real server on port 0 over a fresh database, and a client for it.

#![allow(dead_code)]

pub mod browser;
pub mod seed;

use leadscore_server::{Config, Role};
use leadscore_store::testing::{Backend, Scratch, scratch};
use serde_json::Value;
use std::time::Duration;

pub const ADMIN: &str = "adm-test-key";
pub const WRITE: &str = "write-test-key";
pub const READ: &str = "read-test-key";
pub const ADMIN_EMAIL: &str = "admin@leadscore.test";
pub const ADMIN_PASSWORD: &str = "correct horse battery";
pub const B2B: &str = include_str!("../../../../examples/b2b-saas.toml");

pub struct TestServer {
    pub base: String,
    pub http: reqwest::Client,
    pub db: Scratch,
}

pub async fn start(backend: Backend) -> TestServer {
    let db = scratch(backend).await.expect("test database");
    start_on(db).await
}

pub async fn start_on(db: Scratch) -> TestServer {
    start_with(db, B2B).await
}

/// A server over `db` whose first model is `model`.
pub async fn start_with(db: Scratch, model: &str) -> TestServer {
    start_decaying(db, model, Duration::from_secs(3600)).await
}

/// A server over `db` whose first model is `model`, re-scoring decayed
/// leads every `decay_every`.
pub async fn start_decaying(db: Scratch, model: &str, decay_every: Duration) -> TestServer {
    let config = Config {
        database_url: db.url.clone(),
        listen: "127.0.0.1:0".parse().unwrap(),
        default_model: model.to_owned(),
        keys: vec![
            (Role::Admin, ADMIN.to_owned()),
            (Role::Write, WRITE.to_owned()),
            (Role::Read, READ.to_owned()),
        ],
        decay_every,
        flush_every: leadscore_server::writer::FLUSH_EVERY,
        backoff: leadscore_server::deliver::Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(400),
        },
        first_admin: Some((ADMIN_EMAIL.to_owned(), ADMIN_PASSWORD.to_owned())),
        secure_cookies: false,
    };
    let running = leadscore_server::start(config)
        .await
        .expect("server starts");
    TestServer {
        base: format!("http://{}", running.addr),
        http: reqwest::Client::new(),
        db,
    }
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends a Segment call with the write key; returns status and body.
    pub async fn send(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .basic_auth(WRITE, Some(""))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.get_as(Some(ADMIN), path).await
    }

    /// GET with a bearer key, or none; returns status and JSON body.
    pub async fn get_as(&self, key: Option<&str>, path: &str) -> (u16, Value) {
        let mut req = self.http.get(self.url(path));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        answer(req).await
    }

    /// Any call with the admin key and a raw body; returns status and JSON body.
    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: impl Into<reqwest::Body>,
    ) -> (u16, Value) {
        answer(
            self.http
                .request(method, self.url(path))
                .bearer_auth(ADMIN)
                .body(body),
        )
        .await
    }

    /// GET without a key; the body as text.
    pub async fn text(&self, path: &str) -> String {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        r.text().await.unwrap()
    }

    pub async fn ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// The ranked list's lead ids.
    pub async fn ranked_ids(&self, query: &str) -> Vec<String> {
        let body = self.ok(&format!("/api/leads?{query}")).await;
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Waits for a job to leave the running state; returns it.
    pub async fn wait_job(&self, id: u64) -> Value {
        for _ in 0..600 {
            let job = self.ok(&format!("/api/jobs/{id}")).await;
            if job["state"] != "running" {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("job {id} did not finish");
    }
}

/// Polls `check` every 50 ms until it gives a value, for up to 20 s.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..400 {
        if let Some(v) = check().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn answer(req: reqwest::RequestBuilder) -> (u16, Value) {
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}
