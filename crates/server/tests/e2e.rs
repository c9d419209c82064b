//! The dashboard end to end in headless Chromium: the real server on port 0
//! over seeded data, driven by `tests/e2e/dashboard.mjs` (playwright-core
//! from npm). It fails, never skips, when Chromium or node is missing:
//! install them with `apt-get install -y chromium nodejs npm`. Screenshots
//! of every page land in `docs/screenshots/`.

mod common;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, start};
use leadscore_store::testing::Backend;
use std::path::{Path, PathBuf};
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Installs playwright-core from the lockfile once.
fn npm_ci(dir: &Path) {
    if dir.join("node_modules/playwright-core").exists() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .expect("npm must be installed to run the dashboard's browser test");
    assert!(status.success(), "npm ci in {} failed", dir.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_works_in_chromium() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: apt-get install -y chromium"
    );
    let e2e = workspace().join("tests/e2e");
    npm_ci(&e2e);
    let s = start(Backend::Sqlite).await;
    common::seed::dashboard_data(&s).await;
    let base = s.base.clone();
    let shots = workspace().join("docs/screenshots");
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(e2e.join("dashboard.mjs"))
            .arg(&base)
            .arg(&shots)
            .env("LEADSCORE_E2E_EMAIL", ADMIN_EMAIL)
            .env("LEADSCORE_E2E_PASSWORD", ADMIN_PASSWORD)
            .output()
            .expect("node must be installed to run the dashboard's browser test")
    })
    .await
    .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(out.status.success(), "the browser test failed:\n{text}");
}
