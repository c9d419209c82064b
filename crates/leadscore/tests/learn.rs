//! `leadscore train`, `suggest` and `backtest` on the real X Education data
//! (`../shared/datasets/x-education`), through the binary.

use serde_json::Value;
use std::process::Command;

fn data(file: &str) -> String {
    format!(
        "{}/../../../shared/datasets/x-education/{file}",
        env!("CARGO_MANIFEST_DIR")
    )
}

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

fn common() -> Vec<String> {
    [
        "--data",
        &data("leads.csv"),
        "--outcome",
        "Converted",
        "--id",
        "Prospect ID",
        "--not-answered",
        "Select",
        "--test-ids",
        &data("test-ids.csv"),
        "--exclude",
        "Lead Number",
        "--exclude",
        "Tags",
        "--exclude",
        "Lead Quality",
        "--exclude",
        "Lead Profile",
        "--exclude",
        "Last Notable Activity",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

fn run_json(command: &str, extra: &[&str]) -> Value {
    let mut args: Vec<String> = vec![command.to_owned()];
    args.extend(common());
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args.push("--json".into());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ok, out, err) = leadscore(&refs);
    assert!(ok, "{command}: {err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn train_reports_hold_out_metrics_and_saves_a_reproducible_model() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    let a = run_json("train", &["--out", path.to_str().unwrap()]);
    assert_eq!(a["train_rows"], 7392);
    assert_eq!(a["holdout"]["rows"], 1848);
    assert!(a["holdout"]["roc_auc"].as_f64().unwrap() > 0.88, "{a}");
    assert_eq!(a["holdout"]["calibration"].as_array().unwrap().len(), 10);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(saved["version"], a["version"]);
    let b = run_json("train", &[]);
    assert_eq!(a["version"], b["version"], "same data and seed, same model");
    let gbt = run_json("train", &["--kind", "gbt"]);
    assert!(gbt["holdout"]["roc_auc"].as_f64().unwrap() > 0.9, "{gbt}");
}

#[test]
fn suggest_writes_a_model_that_backtests_and_compares() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
    let s = run_json(
        "suggest",
        &[
            "--capacity",
            "50",
            "--arrivals",
            "250",
            "--out",
            a.to_str().unwrap(),
        ],
    );
    let line = &s["models"][0]["lines"][0];
    assert_eq!(line["line"], "stage mql");
    let share = line["share"].as_f64().unwrap();
    assert!(
        (share - 0.2).abs() < 0.03,
        "the line passes about 50/250: {s}"
    );
    run_json(
        "suggest",
        &["--precision", "0.8", "--out", b.to_str().unwrap()],
    );
    let r = run_json(
        "backtest",
        &[
            "--model",
            a.to_str().unwrap(),
            "--compare",
            b.to_str().unwrap(),
            "--threshold",
            "10",
        ],
    );
    assert_eq!(r["models"].as_array().unwrap().len(), 2);
    assert!(
        r["models"][0]["holdout"]["roc_auc"].as_f64().unwrap() > 0.8,
        "{r}"
    );
    assert_eq!(r["models"][0]["lines"][1]["line"], "total >= 10");
    let p = &r["preview"];
    assert_eq!(p["leads"], 9240);
    assert!(
        p["stage_changes"].as_u64().unwrap() > 0,
        "a stricter line moves leads: {p}"
    );
}

#[test]
fn bad_input_names_what_is_wrong() {
    let (ok, _, err) = leadscore(&["train", "--data", &data("leads.csv"), "--outcome", "Won"]);
    assert!(!ok);
    assert!(err.contains("column `Won` (outcome) not found"), "{err}");
    let (ok, _, err) = leadscore(&[
        "suggest",
        "--data",
        &data("leads.csv"),
        "--outcome",
        "Converted",
    ]);
    assert!(!ok);
    assert!(
        err.contains("--capacity") && err.contains("--precision"),
        "{err}"
    );
}

#[test]
fn backtest_counts_mqls_per_week_from_a_time_column() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("leads.csv");
    let mut text = String::from("id,created,source,won\n");
    // 40 leads over four weeks; referrals usually win.
    for i in 0..40 {
        let source = if i % 2 == 0 { "referral" } else { "ads" };
        let won = u8::from(i % 2 == 0 && i % 8 != 0);
        text += &format!("l{i},2026-03-{:02},{source},{won}\n", 1 + i * 28 / 40);
    }
    std::fs::write(&csv, text).unwrap();
    let model = dir.path().join("m.toml");
    std::fs::write(
        &model,
        "[model]\nname = \"w\"\nversion = 1\n\n[[fit]]\nname = \"Referral\"\nwhen = 'source == \"referral\"'\npoints = 30\n\n[[stages]]\nname = \"mql\"\nwhen = \"fit >= 30\"\n",
    )
    .unwrap();
    let (ok, out, err) = leadscore(&[
        "backtest",
        "--model",
        model.to_str().unwrap(),
        "--data",
        csv.to_str().unwrap(),
        "--outcome",
        "won",
        "--id",
        "id",
        "--exclude",
        "created",
        "--time-column",
        "created",
        "--test-share",
        "0.5",
        "--json",
    ]);
    assert!(ok, "{err}");
    let r: Value = serde_json::from_str(&out).unwrap();
    let line = &r["models"][0]["lines"][0];
    assert_eq!(line["line"], "stage mql");
    let per_week = line["per_week"].as_f64().unwrap();
    let leads = line["leads"].as_f64().unwrap();
    assert!(per_week > 0.0 && per_week < leads, "{line}");
}

#[test]
fn a_rule_model_uses_a_trained_probability_with_predictor() {
    let dir = tempfile::tempdir().unwrap();
    let trained = dir.path().join("trained.json");
    let report = run_json("train", &["--out", trained.to_str().unwrap()]);
    let version = report["version"].as_str().unwrap();
    let model = dir.path().join("m.toml");
    std::fs::write(
        &model,
        format!(
            "[model]\nname = \"p\"\nversion = 1\n\n[predictive]\nmodel = \"{version}\"\n\n\
             [[fit]]\nname = \"Likely\"\nwhen = \"probability >= 0.5\"\npoints = 50\n\n\
             [[stages]]\nname = \"mql\"\nwhen = \"fit >= 50\"\n"
        ),
    )
    .unwrap();
    let r = run_json(
        "backtest",
        &[
            "--model",
            model.to_str().unwrap(),
            "--predictor",
            trained.to_str().unwrap(),
        ],
    );
    // The rule is the trained model's call at 0.5: it ranks well.
    assert!(
        r["models"][0]["holdout"]["roc_auc"].as_f64().unwrap() > 0.8,
        "{r}"
    );
    let mql = &r["models"][0]["lines"][0];
    assert!(mql["conversion"].as_f64().unwrap() > 0.7, "{mql}");
    // Without the trained model the file cannot be scored.
    let mut args: Vec<String> = vec![
        "backtest".into(),
        "--model".into(),
        model.to_str().unwrap().into(),
    ];
    args.extend(common());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ok, _, err) = leadscore(&refs);
    assert!(!ok);
    assert!(err.contains("pass it with --predictor"), "{err}");
}
