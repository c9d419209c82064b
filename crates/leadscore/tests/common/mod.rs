//! Starting the real `leadscore serve` binary for process-level tests.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Starts `leadscore serve` on port 0 over `url` with `args` and
/// `(name, value)` environment variables; returns the process and its base
/// URL, read from its output.
pub fn serve(url: &str, args: &[&str], env: &[(&str, &str)]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database-url", url])
        .args(args)
        .envs(env.iter().copied())
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()
        .expect("leadscore starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("server output").unwrap();
        if let Some(a) = line.strip_prefix("leadscore listening on http://") {
            break a.to_owned();
        }
    };
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, format!("http://{addr}"))
}
