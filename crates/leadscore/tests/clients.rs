//! Real client libraries against the real server: Segment's own Python
//! library (`segment-analytics-python` from PyPI, pinned) sends events to
//! `leadscore serve`, and the scores must show them. The test builds its
//! own virtual environment on first run; it fails, never skips, when Python
//! or PyPI is missing.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const PACKAGE: &str = "segment-analytics-python==2.4.0";
const WRITE: &str = "py-write-key";
const ADMIN: &str = "py-admin-key";

fn venv() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("segment-python");
    let python = dir.join("bin/python");
    let marker = dir.join(".installed");
    if !marker.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&dir)
            .status()
            .expect("python3 is needed for the client test");
        assert!(ok.success(), "python3 -m venv failed");
        let ok = Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", PACKAGE])
            .status()
            .expect("pip runs");
        assert!(ok.success(), "pip install {PACKAGE} failed");
        std::fs::write(&marker, PACKAGE).unwrap();
    }
    python
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn segment_python_library_works_unchanged() {
    let python = venv();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("leadscore.db").display());
    let mut server = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", &url])
        .env("LEADSCORE_WRITE_KEY", WRITE)
        .env("LEADSCORE_ADMIN_KEY", ADMIN)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = {
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(server.stderr.take().unwrap()).lines();
        let addr = loop {
            let line = lines.next().expect("server output").unwrap();
            if let Some(a) = line.strip_prefix("leadscore listening on ") {
                break a.to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        addr
    };
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/clients/segment_python.py");
    let out = Command::new(&python)
        .arg(&script)
        .args([&addr, WRITE])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let http = reqwest::Client::new();
    let get = |path: &str| {
        let req = http.get(format!("{addr}{path}")).bearer_auth(ADMIN);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let lead = get("/api/leads/py-lead-1").await;
    let score = &lead["score"];
    assert_eq!(
        score["events"], 5,
        "two anonymous pages, identify, form, group: {lead}"
    );
    assert_eq!(lead["account"], "vinamilk");
    assert_eq!(lead["name"], "Nguyễn Thu");
    let reasons = score["reasons"].to_string();
    assert!(
        reasons.contains("Pricing page") || reasons.contains("Demo"),
        "{reasons}"
    );
    assert!(score["total"].as_f64().unwrap() > 40.0, "{score}");
    let second = get("/api/leads/py-lead-2").await;
    assert_eq!(second["score"]["events"], 2, "{second}");
    server.kill().unwrap();
    server.wait().unwrap();
}
