//! The `leadscore` binary end to end, on real files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/b2b-saas.toml");

fn leadscore(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(args)
        .output()
        .expect("binary runs")
}

/// Runs `leadscore CMD --model MODEL --leads L [--events E] EXTRA...`.
fn with_inputs(cmd: &str, leads: &Path, events: Option<&Path>, extra: &[&str]) -> Output {
    let mut args = vec![
        cmd,
        "--model",
        MODEL,
        "--leads",
        leads.to_str().expect("utf-8 path"),
    ];
    if let Some(e) = events {
        args.extend(["--events", e.to_str().expect("utf-8 path")]);
    }
    args.extend_from_slice(extra);
    leadscore(&args)
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write test file");
    p
}

const LEADS: &str = "\
id,name,email,seniority,company_size,industry,country,phone,marketing_consent,budget,need,timeline
L1,Nguyễn Thị Hương,huong@minhphat.vn,director,250,Software,VN,+84 912 345 678,yes,8000,CRM for sales team,now
L2,Trần Văn Nam,nam.tran@gmail.com,individual,12,Education,TH,,no,,,
";

/// L1 visits anonymously first, then identifies; L2 reads the careers page.
const EVENTS: &str = r#"{"type":"page","anonymousId":"GA1.2.111.222","messageId":"e1","timestamp":"2026-10-20T09:00:00Z","properties":{"path":"/pricing"}}
{"type":"identify","anonymousId":"GA1.2.111.222","userId":"L1","messageId":"e2","timestamp":"2026-10-20T09:05:00Z","traits":{"email":"huong@minhphat.vn"}}
{"type":"track","userId":"L1","event":"Form Submitted","messageId":"e3","timestamp":"2026-10-21T10:00:00Z","properties":{"form":"demo"}}
{"type":"page","userId":"L2","messageId":"e4","timestamp":"2026-10-21T11:00:00Z","properties":{"path":"/careers"}}
{"type":"page","userId":"L2","messageId":"e4","timestamp":"2026-10-21T11:00:00Z","properties":{"path":"/careers"}}
"#;

#[test]
fn scores_files_and_ranks_the_hottest_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let leads = write(dir.path(), "leads.csv", LEADS);
    let events = write(dir.path(), "events.jsonl", EVENTS);
    let out = with_inputs(
        "score",
        &leads,
        Some(&events),
        &["--as-of", "2026-10-22", "--format", "json"],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let rows: serde_json::Value = serde_json::from_str(&stdout).expect("JSON output");
    let rows = rows.as_array().expect("array");
    assert_eq!(rows[0]["id"], "L1");
    assert_eq!(rows[0]["stage"], "sql", "BANT 4/4 makes L1 sales qualified");
    assert!(
        rows[0]["reasons"]
            .as_str()
            .unwrap()
            .contains("Demo or trial form")
    );
    assert_eq!(rows[1]["id"], "L2");
    assert!(rows[0]["total"].as_f64() > rows[1]["total"].as_f64());
    assert!(stderr.contains("1 duplicate events ignored"), "{stderr}");

    // The anonymous pricing-page visit before identify counts for L1.
    let out = with_inputs(
        "explain",
        &leads,
        Some(&events),
        &["--as-of", "2026-10-22", "L1"],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("Pricing page"), "{stdout}");
    assert!(stdout.contains("BANT         4/4"), "{stdout}");
}

#[test]
fn csv_and_table_formats_work() {
    let dir = tempfile::tempdir().expect("temp dir");
    let leads = write(dir.path(), "leads.csv", LEADS);
    let out = with_inputs("score", &leads, None, &["--format", "csv"]);
    let (stdout, _) = text(&out);
    assert!(
        stdout.starts_with("rank,id,name,total,fit,engagement,cell,hot,stage"),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 3);
    let out = with_inputs("score", &leads, None, &[]);
    assert!(text(&out).0.contains("Nguyễn Thị Hương"));
}

#[test]
fn bad_rows_are_reported_with_file_line_and_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let leads = write(
        dir.path(),
        "leads.csv",
        "id,name\nL1,An\n,Binh\nL1,Chi\nL4,Dung,extra\n",
    );
    let events = write(
        dir.path(),
        "events.jsonl",
        "{\"type\":\"page\",\"userId\":\"L1\",\"messageId\":\"a\",\"timestamp\":\"2026-10-01T00:00:00Z\"}\n{\"type\":\"track\",\"userId\":\"L1\",\"messageId\":\"b\",\"timestamp\":\"2026-10-01T00:00:00Z\"}\n{\"type\":\"page\",\"userId\":\"L1\",\"timestamp\":\"yesterday\"}\nnot json\n",
    );
    let run = |extra: &[&str]| with_inputs("score", &leads, Some(&events), extra);
    let out = run(&[]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("leads.csv:3:") && stderr.contains("id"),
        "{stderr}"
    );
    assert!(
        stderr.contains("leads.csv:4: lead id `L1` already appears on line 2"),
        "{stderr}"
    );
    assert!(
        stderr.contains("leads.csv:5:") && stderr.contains("expected 2 fields, found 3"),
        "{stderr}"
    );

    // With --skip-invalid the good rows are scored and the bad ones still reported.
    let out = run(&["--skip-invalid", "--format", "csv"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("events.jsonl:2:") && stderr.contains("event"),
        "{stderr}"
    );
    assert!(
        stderr.contains("events.jsonl:3:") && stderr.contains("timestamp"),
        "{stderr}"
    );
    assert!(stderr.contains("events.jsonl:4:"), "{stderr}");
    assert_eq!(stdout.lines().count(), 2, "header and L1: {stdout}");
}

#[test]
fn model_check_lists_every_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = write(
        dir.path(),
        "bad.toml",
        "[model]\nname = \"x\"\nversion = \"1\"\n\n[[fit]]\nname = \"a\"\nwhen = \"fit > 1\"\npoints = 1\n\n[[engagement]]\nname = \"b\"\nevent = \"page\"\npoints = 1\nlimit = \"often\"\n",
    );
    let out = leadscore(&["model", "check", MODEL, bad.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stdout.contains("b2b-saas.toml: ok"), "{stdout}");
    assert!(stderr.contains("line 7: fit rule `a`"), "{stderr}");
    assert!(
        stderr.contains("line 14: engagement rule `b`: `often` is not a frequency limit"),
        "{stderr}"
    );
    assert!(!stderr.contains("Stack backtrace"), "{stderr}");
}

#[test]
fn demo_data_round_trips_through_score() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let out = leadscore(&[
        "demo",
        "--leads",
        "300",
        "--top",
        "5",
        "--out",
        data.to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("Hottest 5"), "{stdout}");
    assert!(stdout.contains("went on to buy"), "{stdout}");

    // Scoring the written files gives the demo's ranking.
    let first_demo_id = stdout
        .lines()
        .find(|l| l.starts_with("│ 1 "))
        .and_then(|l| l.split_whitespace().nth(2));
    let extra = [
        "--as-of",
        "2026-11-01T00:00:00Z",
        "--format",
        "csv",
        "--limit",
        "1",
    ];
    let out = with_inputs(
        "score",
        &data.join("leads.csv"),
        Some(&data.join("events.jsonl")),
        &extra,
    );
    let (scored, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let top = scored.lines().nth(1).and_then(|l| l.split(',').nth(1));
    assert_eq!(top, first_demo_id, "{scored}");
}
