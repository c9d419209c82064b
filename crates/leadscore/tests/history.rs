//! `leadscore train` with behaviour features from an event log, and
//! `leadscore backtest` replaying history week by week, through the binary
//! on generated and hand-made files.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn leadscore(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_leadscore"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    let (ok, out, err) = leadscore(&args);
    assert!(ok, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_owned()
}

#[test]
fn behaviour_features_join_by_lead_id_and_never_read_past_the_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (ok, _, err) = leadscore(&["demo", "--leads", "400", "--out", d.to_str().unwrap()]);
    assert!(ok, "{err}");
    let (data, events) = (path(d, "train.csv"), path(d, "events.jsonl"));
    let base = [
        "train",
        "--data",
        &data,
        "--id",
        "id",
        "--outcome",
        "converted",
        "--exclude",
        "created_at",
    ];
    let plain = json(&base);
    assert!(plain.get("behaviour").is_none());
    let as_of = "2026-10-01";
    let with = |events: &str, extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend(["--events", events, "--as-of", as_of]);
        a.extend(extra);
        json(&a)
    };
    let b = with(&events, &[]);
    assert!(b["behaviour"]["columns"].as_u64().unwrap() > 9, "{b}");
    assert!(b["features"].as_u64() > plain["features"].as_u64());
    assert!(b["behaviour"]["rows_with_events"].as_u64().unwrap() > 300);

    // Events after the cut-off, for every lead, change nothing: same model.
    let text = std::fs::read_to_string(&events).unwrap();
    let mut later = text.clone();
    for (i, line) in text.lines().take(3000).enumerate() {
        let mut e: Value = serde_json::from_str(line).unwrap();
        e["messageId"] = format!("later-{i}").into();
        e["timestamp"] = "2026-10-15T10:00:00Z".into();
        later.push_str(&e.to_string());
        later.push('\n');
    }
    let later_path = path(d, "later.jsonl");
    std::fs::write(&later_path, later).unwrap();
    assert_eq!(with(&later_path, &[])["version"], b["version"]);

    // A lead's first feedback moves its cut-off earlier.
    let feedback = path(d, "feedback.csv");
    std::fs::write(
        &feedback,
        "lead_id,kind,at\nL000000-00,contact,2026-06-01\nL000001-00,won,2026-12-01\n",
    )
    .unwrap();
    let capped = with(&events, &["--feedback", &feedback]);
    assert_eq!(capped["behaviour"]["capped_by_outcome"], 1);

    let horizon = {
        let mut a = base.to_vec();
        a.extend(["--events", &events, "--horizon-days", "30"]);
        json(&a)
    };
    assert_ne!(horizon["version"], b["version"]);

    let (ok, _, err) = leadscore(&[&base[..], &["--as-of", as_of]].concat());
    assert!(!ok && err.contains("give --events too"), "{err}");
    let (ok, _, err) =
        leadscore(&[&base[..], &["--events", &events, "--as-of-column", "city"]].concat());
    assert!(
        !ok && err.contains("has no time in the cut-off column `city`"),
        "{err}"
    );
}

/// The replay model; `LINE` stands for the MQL line.
const MODEL: &str = include_str!("../../../tests/fixtures/replay-model.toml");

#[test]
fn backtest_replays_a_hand_made_history_week_by_week() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (strict, loose) = (path(d, "strict.toml"), path(d, "loose.toml"));
    std::fs::write(&strict, MODEL.replace("LINE", "30")).unwrap();
    std::fs::write(&loose, MODEL.replace("LINE", "10")).unwrap();
    let event = |id: &str, lead: &str, kind: &str, day: &str| {
        if kind == "page" {
            format!(
                r#"{{"type":"page","messageId":"{id}","userId":"{lead}","name":"Home","timestamp":"2026-03-{day}T09:00:00Z"}}"#
            )
        } else {
            format!(
                r#"{{"type":"track","messageId":"{id}","userId":"{lead}","event":"{kind}","timestamp":"2026-03-{day}T09:00:00Z"}}"#
            )
        }
    };
    let events = [
        event("1", "a", "Demo Requested", "02"),
        event("2", "b", "page", "03"),
        event("3", "b", "page", "10"),
        event("4", "b", "page", "11"),
        event("5", "c", "Demo Requested", "17"),
        event("6", "d", "page", "18"),
    ]
    .join("\n");
    std::fs::write(path(d, "events.jsonl"), events).unwrap();
    std::fs::write(
        path(d, "leads.csv"),
        "id,sales_status\na,\nb,\nc,\nd,accepted\n",
    )
    .unwrap();
    std::fs::write(
        path(d, "feedback.csv"),
        "lead_id,kind,at,reason\na,accepted,2026-03-20,\na,won,2026-03-25,\nb,accepted,2026-03-20,\nd,won,2026-03-20,\n",
    )
    .unwrap();
    let args = [
        "backtest",
        "--model",
        &strict,
        "--compare",
        &loose,
        "--leads",
        &path(d, "leads.csv"),
        "--events",
        &path(d, "events.jsonl"),
        "--feedback",
        &path(d, "feedback.csv"),
        "--threshold",
        "15",
    ];
    let r = json(&args);
    assert_eq!(r["weeks"], 3);
    assert_eq!(
        (r["sql_leads"].as_u64(), r["won_leads"].as_u64()),
        (Some(2), Some(2))
    );
    let news = |m: usize, l: usize| -> Vec<u64> {
        r["models"][m]["lines"][l]["weeks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["new"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(news(0, 0), vec![1, 0, 1]);
    assert_eq!(news(1, 0), vec![1, 1, 1]);
    assert_eq!(news(0, 1), vec![1, 1, 1]);
    let total = &r["models"][1]["lines"][0]["total"];
    assert_eq!(
        (
            total["new"].as_u64(),
            total["sql"].as_u64(),
            total["won"].as_u64()
        ),
        (Some(3), Some(2), Some(1))
    );

    let (ok, out, err) = leadscore(&args);
    assert!(ok, "{err}");
    assert!(
        out.contains("Replayed 6 events of 4 leads over 3 weeks"),
        "{out}"
    );
    assert!(out.contains("2026-03-09") && out.contains("66.7%"), "{out}");

    let (ok, _, err) = leadscore(&[
        "backtest",
        "--model",
        &strict,
        "--events",
        &path(d, "events.jsonl"),
        "--feedback",
        &path(d, "leads.csv"),
    ]);
    assert!(!ok && err.contains("needs a `lead_id` column"), "{err}");
}

#[test]
fn a_behaviour_model_scores_live_and_suggest_reads_events() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (ok, _, err) = leadscore(&["demo", "--leads", "400", "--out", d.to_str().unwrap()]);
    assert!(ok, "{err}");
    let (data, events, leads) = (
        path(d, "train.csv"),
        path(d, "events.jsonl"),
        path(d, "leads.csv"),
    );
    let trained = path(d, "model.json");
    let x = [
        "--data",
        &data,
        "--id",
        "id",
        "--outcome",
        "converted",
        "--exclude",
        "created_at",
        "--exclude",
        "company",
        "--exclude",
        "account",
        "--events",
        &events,
    ];
    let report = json(&[&["train"][..], &x, &["--out", &trained]].concat());
    let version = report["version"].as_str().unwrap();
    let rules = path(d, "rules.toml");
    std::fs::write(
        &rules,
        format!(
            "[model]\nname = \"p\"\nversion = 1\n\n[predictive]\nmodel = \"{version}\"\n\n\
             [[stages]]\nname = \"mql\"\nwhen = \"probability >= 0.5\"\n"
        ),
    )
    .unwrap();
    let score = |as_of: &str| -> Vec<f64> {
        let (ok, out, err) = leadscore(&[
            "score",
            "--model",
            &rules,
            "--predictor",
            &trained,
            "--leads",
            &leads,
            "--events",
            &events,
            "--as-of",
            as_of,
            "--format",
            "json",
        ]);
        assert!(ok, "{err}");
        let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
        let mut p: Vec<(String, f64)> = rows
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_owned(),
                    r["probability"].as_f64().unwrap(),
                )
            })
            .collect();
        p.sort_by(|a, b| a.0.cmp(&b.0));
        p.into_iter().map(|(_, p)| p).collect()
    };
    // The behaviour read is the lead's as of the scoring time.
    let (early, late) = (score("2026-06-01"), score("2026-11-01"));
    assert_eq!(early.len(), late.len());
    let moved = early.iter().zip(&late).filter(|(a, b)| a != b).count();
    assert!(moved > early.len() / 2, "{moved} of {} moved", early.len());
    // Without the events, the model is refused rather than fed nothing.
    let (ok, _, err) = leadscore(&[
        "score",
        "--model",
        &rules,
        "--predictor",
        &trained,
        "--leads",
        &leads,
    ]);
    assert!(!ok && err.contains("uses behaviour features"), "{err}");

    // Suggest turns event counts into engagement rules, and backtests them
    // on the events before each lead's cut-off.
    let out = path(d, "suggested.toml");
    let (ok, text, err) = leadscore(
        &[
            &["suggest"][..],
            &x,
            &["--as-of", "2026-10-01", "--precision", "0.3", "--out", &out],
        ]
        .concat(),
    );
    assert!(ok, "{err}");
    let suggested = std::fs::read_to_string(&out).unwrap();
    assert!(suggested.contains("[[engagement]]"), "{suggested}");
    assert!(text.contains("engagement rules"), "{text}");
    let (ok, _, err) = leadscore(&["model", "check", &out]);
    assert!(ok, "{err}");
}
