//! Headless Chromium for the end-to-end tests: the npm packages they use
//! (`tests/e2e`, installed with `npm ci` on first use) and a runner for one
//! of their scripts. Missing Chromium or Node.js fails the test, never skips it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// `tests/e2e` in the repository.
pub fn e2e_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e")
}

/// Installs the pinned npm packages once per test process.
fn install() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        assert!(
            Path::new(&chromium).exists(),
            "Chromium is needed at {chromium} (apt-get install chromium; .ci/run installs it)"
        );
        let dir = e2e_dir();
        if !dir.join("node_modules/playwright-core").exists() {
            let ok = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir)
                .status()
                .expect("npm (Node.js) is needed for the browser tests");
            assert!(ok.success(), "npm ci in {} failed", dir.display());
        }
    });
}

/// Runs `node tests/e2e/<script> <args>` with `env` and returns what it
/// printed; panics with its output when it fails.
pub fn run(script: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    install();
    let out = Command::new("node")
        .arg(script)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(e2e_dir())
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "node {script} failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}
