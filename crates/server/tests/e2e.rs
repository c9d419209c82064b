//! The dashboard end to end in headless Chromium: the real server on port 0
//! over seeded data, driven by `tests/e2e/dashboard.mjs` (playwright-core
//! from npm). It fails, never skips, when Chromium or node is missing:
//! install them with `apt-get install -y chromium nodejs npm`. Screenshots
//! of every page land in `docs/screenshots/`.

mod common;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, browser, start};
use leadscore_store::testing::Backend;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_works_in_chromium() {
    let s = start(Backend::Sqlite).await;
    common::seed::dashboard_data(&s).await;
    let base = s.base.clone();
    let shots = browser::e2e_dir().join("../../docs/screenshots");
    let out = tokio::task::spawn_blocking(move || {
        browser::run(
            "dashboard.mjs",
            &[&base, &shots.display().to_string()],
            &[
                ("LEADSCORE_E2E_EMAIL", ADMIN_EMAIL),
                ("LEADSCORE_E2E_PASSWORD", ADMIN_PASSWORD),
            ],
        )
    })
    .await
    .unwrap();
    println!("{out}");
}
