//! Times `train` on the X Education data set's fixed split, for one variant
//! and learner, without the CLI around it: for profiling the fit alone
//! (callgrind) and for quick comparisons of learner settings.
//!
//! ```sh
//! cargo run --release -p leadscore-ml --example xeducation_fit -- 2 gbt [REPEATS]
//! ```
//!
//! `FOLDS`, `DEPTH`, `LR` and `TREES` in the environment override the
//! learner's defaults.

use leadscore_ml::split;
use leadscore_ml::table::{Table, TableSpec};
use leadscore_ml::train::{Kind, Options, train};
use std::path::PathBuf;

const LEAKY: [&str; 4] = [
    "Tags",
    "Lead Quality",
    "Lead Profile",
    "Last Notable Activity",
];
const MILD: [&str; 5] = [
    "Last Activity",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let variant: u8 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(2);
    let kind = match args.get(2).map(String::as_str) {
        Some("logistic") => Kind::Logistic,
        _ => Kind::Gbt,
    };
    let repeats: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(3);
    let dir = std::env::var("DATA").map_or_else(
        |_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/x-education"),
        PathBuf::from,
    );
    let mut exclude = vec!["Lead Number".to_owned()];
    if variant >= 2 {
        exclude.extend(LEAKY.map(String::from));
    }
    if variant >= 3 {
        exclude.extend(MILD.map(String::from));
    }
    let spec = TableSpec {
        id: Some("Prospect ID".into()),
        outcome: "Converted".into(),
        exclude,
        not_answered: vec!["Select".into()],
        ..TableSpec::default()
    };
    let file = std::fs::File::open(dir.join("leads.csv")).expect("the X Education data set");
    let t = Table::from_csv(file, &spec).unwrap();
    let ids: Vec<String> = std::fs::read_to_string(dir.join("test-ids.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect();
    let s = split::by_ids(&t, &ids).unwrap();
    let (train_rows, test_rows) = (t.select(&s.train), t.select(&s.test));
    for _ in 0..repeats {
        let started = std::time::Instant::now();
        let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<f64>().ok());
        let mut options = Options::new(kind);
        if let Some(v) = env("FOLDS") {
            options.rate_folds = v as usize;
        }
        if let Some(v) = env("DEPTH") {
            options.max_depth = v as usize;
        }
        if let Some(v) = env("LR") {
            options.learning_rate = v as f32;
        }
        if let Some(v) = env("TREES") {
            options.trees = v as usize;
        }
        let model = train(&train_rows, &options).unwrap();
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let m = model.evaluate(&test_rows).unwrap();
        println!(
            "variant {variant} {}: ROC AUC {:.4}, log loss {:.4}, top 20% {:.3}, trees {}, fit {ms:.0} ms",
            kind.as_str(),
            m.roc_auc,
            m.log_loss,
            m.top_20,
            model.options.trees
        );
    }
}
