//! Predictive scoring over the API on both databases, with the real X
//! Education data: train (stored and listed by version), suggest a rule
//! model (stored as an inactive version), backtest it against the active
//! model with a preview of the switch.

mod common;

use common::{TestServer, start};
use leadscore_store::testing::Backend;
use reqwest::Method;
use serde_json::Value;

leadscore_store::on_both!(train_suggest_and_backtest_through_the_api);

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/datasets/x-education/leads.csv"
);

/// The data options of the X Education variant without sales-filled columns.
const OPTIONS: &str = "outcome=Converted&id=Prospect%20ID&not_answered=Select\
    &exclude=Lead%20Number,Tags,Lead%20Quality,Lead%20Profile,Last%20Notable%20Activity";

async fn job(s: &TestServer, path: &str) -> Value {
    let csv = std::fs::read(DATA).expect("the X Education data set");
    let (status, started) = s.admin(Method::POST, path, csv).await;
    assert_eq!(status, 202, "{path}: {started}");
    let job = s.wait_job(started["job"].as_u64().unwrap()).await;
    assert_eq!(job["state"], "done", "{path}: {job}");
    job["detail"].clone()
}

async fn train_suggest_and_backtest_through_the_api(b: Backend) {
    let s = start(b).await;
    let trained = job(&s, &format!("/api/train?{OPTIONS}&kind=gbt")).await;
    assert!(
        trained["holdout"]["roc_auc"].as_f64().unwrap() > 0.9,
        "{trained}"
    );
    let version = trained["version"].as_str().unwrap();
    let list = s.ok("/api/predictors").await;
    assert_eq!(list[0]["version"], version);
    let one = s.ok(&format!("/api/predictors/{version}")).await;
    assert_eq!(one["model"]["options"]["kind"], "gbt");

    let suggested = job(
        &s,
        &format!("/api/suggest?{OPTIONS}&capacity=50&arrivals=250&store=true"),
    )
    .await;
    assert!(suggested["model"].as_str().unwrap().contains("[[fit]]"));
    let stored = suggested["stored_version"].as_i64().unwrap();
    let model = s.ok(&format!("/api/models/{stored}")).await;
    assert_eq!(model["active"], false, "{model}");

    let active = s.ok("/health").await["model_version"].as_i64().unwrap();
    let report = job(
        &s,
        &format!("/api/backtest?{OPTIONS}&model={stored}&compare={active}&threshold=10"),
    )
    .await;
    assert_eq!(report["models"].as_array().unwrap().len(), 2, "{report}");
    assert!(report["models"][0]["holdout"]["roc_auc"].as_f64().unwrap() > 0.8);
    assert_eq!(report["preview"]["leads"], 9240);

    // A rule model can use the trained probability once it names the model.
    let logistic = job(&s, &format!("/api/train?{OPTIONS}&kind=logistic")).await;
    let v = logistic["version"].as_str().unwrap();
    let rules = format!(
        "[model]\nname = \"with-probability\"\nversion = 1\n\n[predictive]\nmodel = \"{v}\"\n\n\
         [[fit]]\nname = \"Likely buyer\"\nwhen = \"probability >= 0.5\"\npoints = 40\n\n\
         [[stages]]\nname = \"mql\"\nwhen = \"probability >= 0.8\"\n"
    );
    let (status, uploaded) = s.admin(Method::POST, "/api/models", rules.clone()).await;
    assert_eq!(status, 201, "{uploaded}");
    let version = uploaded["version"].as_i64().unwrap();
    let (status, _) = s
        .admin(Method::POST, &format!("/api/models/{version}/activate"), "")
        .await;
    assert_eq!(status, 202);
    common::eventually("the activation", || async {
        (s.ok("/health").await["model_version"] == version).then_some(())
    })
    .await;
    let hot = serde_json::json!({"attributes": {
        "Lead Origin": "Lead Add Form", "Lead Source": "Reference",
        "What is your current occupation": "Working Professional",
        "TotalVisits": 5, "Total Time Spent on Website": 1500}});
    let (status, lead) = s.admin(Method::PUT, "/api/leads/x1", hot.to_string()).await;
    assert!(status == 201, "{lead}");
    let p = lead["predictive"]["probability"].as_f64().unwrap();
    assert!(p > 0.8, "a working professional from a referral: {lead}");
    assert_eq!(lead["predictive"]["model"], v);
    assert!(!lead["predictive"]["factors"].as_array().unwrap().is_empty());
    assert_eq!(
        (
            lead["score"]["fit"].as_f64(),
            lead["score"]["stage"].as_str()
        ),
        (Some(40.0), Some("mql"))
    );
    let (_, cold) = s
        .admin(
            Method::PUT,
            "/api/leads/x2",
            r#"{"attributes": {"Lead Origin": "API"}}"#,
        )
        .await;
    assert!(
        cold["predictive"]["probability"].as_f64().unwrap() < 0.5,
        "{cold}"
    );
    assert_eq!(cold["score"]["stage"], "lead");
    // A model naming a trained model that does not exist is refused.
    let (status, e) = s
        .admin(Method::POST, "/api/models", rules.replace(v, "nope"))
        .await;
    assert_eq!(status, 422, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no trained model nope"),
        "{e}"
    );

    // Bad parameters name themselves.
    let (status, e) = s
        .admin(Method::POST, "/api/train?kind=gbt", "a,b\n1,2\n")
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (400, Some("outcome")),
        "{e}"
    );
    let (status, e) = s
        .admin(
            Method::POST,
            &format!("/api/train?{OPTIONS}&kind=forest"),
            "",
        )
        .await;
    assert_eq!((status, e["error"]["field"].as_str()), (400, Some("kind")));
    let (status, e) = s
        .admin(Method::POST, &format!("/api/suggest?{OPTIONS}"), "")
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (400, Some("capacity"))
    );
    // A bad file fails its job with the reason.
    let (_, started) = s
        .admin(Method::POST, "/api/train?outcome=Won", "a,b\n1,2\n")
        .await;
    let failed = s.wait_job(started["job"].as_u64().unwrap()).await;
    assert_eq!(failed["state"], "failed");
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("column `Won` (outcome) not found"),
        "{failed}"
    );
}
