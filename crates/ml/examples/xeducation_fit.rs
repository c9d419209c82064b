//! Times `train` on the X Education data set's fixed split, for one variant
//! and learner, without the CLI around it: for profiling the fit alone
//! (callgrind) and for quick comparisons of learner settings.
//!
//! ```sh
//! cargo run --release -p leadscore-ml --example xeducation_fit -- 2 gbt [REPEATS]
//! CV=5 cargo run --release -p leadscore-ml --example xeducation_fit -- 2 gbt 1
//! ```
//!
//! `FOLDS`, `DEPTH` (one forest of that depth), `DEPTHS` (the depths of
//! the forests averaged, e.g. `3,4,5`), `LR`, `TREES` and `LINEAR_SHARE`
//! (of the log-odds from a logistic regression) in the environment
//! override the learner's defaults; `CV_SEED` changes how the cross-validation folds are
//! dealt (default 1234); `BOOSTER=forust` trains forust-ml's trees instead
//! of ours. `BLEND=0,0.2` (with `CV`) prints instead the cross-validated
//! ROC AUC of the trees' log-odds (alone) blended with logistic regression's at
//! each weight listed; `FOLDS_OUT=FILE` writes the folds dealt. `CV=K` also prints the mean ROC AUC and log loss of
//! K-fold cross-validation on the training rows alone, the figure settings
//! are chosen by (the hold-out rows are for reporting, never for choosing).
//! `PREDICTIONS_OUT=FILE` writes the first fit's hold-out probabilities
//! (`id,probability`), for `bench/xeducation/cv_reference.py`'s paired
//! comparison with LightGBM on the same rows.

use leadscore_ml::logistic::sigmoid;
use leadscore_ml::split;
use leadscore_ml::table::{Table, TableSpec};
use leadscore_ml::train::{Booster, Kind, Options, train};
use rand::SeedableRng;
use rand::seq::SliceRandom;
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
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<f64>().ok());
    let options = || {
        let mut options = Options::new(kind);
        if let Some(v) = env("FOLDS") {
            options.rate_folds = v as usize;
        }
        if let Some(v) = env("DEPTH") {
            options.max_depth = v as usize;
            options.depths = vec![v as usize];
        }
        if let Ok(d) = std::env::var("DEPTHS") {
            options.depths = d.split(',').filter_map(|v| v.parse().ok()).collect();
        }
        if let Some(v) = env("LR") {
            options.learning_rate = v as f32;
        }
        if let Some(v) = env("TREES") {
            options.trees = v as usize;
        }
        if let Some(v) = env("LINEAR_SHARE") {
            options.linear_share = v;
        }
        if std::env::var("BOOSTER").as_deref() == Ok("forust") {
            options.booster = Booster::Forust;
        }
        options
    };
    if let Some(k) = env("CV") {
        cross_validate(&train_rows, &options(), k as usize, variant);
    }
    for repeat in 0..repeats {
        let started = std::time::Instant::now();
        let model = train(&train_rows, &options()).unwrap();
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if let (0, Ok(path)) = (repeat, std::env::var("PREDICTIONS_OUT")) {
            let p = model.predict(&test_rows).unwrap();
            write_by_id(&path, "probability", &test_rows.ids, &p);
        }
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

/// K-fold cross-validation on the training rows. Rows equal apart from the
/// id (X Education has 1,281) share a fold: a copy on the other side would
/// reward memorising them.
fn cross_validate(t: &Table, options: &Options, k: usize, variant: u8) {
    let mut groups: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for r in 0..t.rows() {
        let key: Vec<_> = t.columns.iter().map(|c| &c.cells[r]).collect();
        groups.entry(format!("{key:?}")).or_default().push(r);
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    // `CV_SEED` deals the folds differently, to see how much the choice of
    // folds alone moves the figures.
    let seed = std::env::var("CV_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1234);
    groups.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
    let mut fold = vec![0; t.rows()];
    for (g, rows) in groups.iter().enumerate() {
        for &r in rows {
            fold[r] = g % k;
        }
    }
    // `FOLDS_OUT=FILE` writes each training row's fold, so other learners
    // (bench/xeducation/cv_reference.py) are scored on the very same folds.
    if let Ok(path) = std::env::var("FOLDS_OUT") {
        write_by_id(&path, "fold", &t.ids, &fold);
    }
    // Fold `f`'s training rows and its rows to check.
    let fold_tables = |f: usize| {
        let (inside, rest): (Vec<usize>, Vec<usize>) = (0..t.rows()).partition(|&r| fold[r] == f);
        (t.select(&rest), t.select(&inside))
    };
    if let Ok(blend) = std::env::var("BLEND") {
        let weights: Vec<f64> = blend.split(',').filter_map(|w| w.parse().ok()).collect();
        let mut aucs = vec![0.0; weights.len()];
        for f in 0..k {
            let (fit, check) = fold_tables(f);
            let trees_alone = Options {
                linear_share: 0.0,
                ..options.clone()
            };
            let gbt = train(&fit, &trees_alone).unwrap().predict(&check).unwrap();
            let lr = train(&fit, &Options::new(Kind::Logistic))
                .unwrap()
                .predict(&check)
                .unwrap();
            for (a, w) in aucs.iter_mut().zip(&weights) {
                let p: Vec<f64> = gbt
                    .iter()
                    .zip(&lr)
                    .map(|(g, l)| sigmoid((1.0 - w) * logit(*g) + w * logit(*l)))
                    .collect();
                *a += leadscore_ml::metrics::evaluate(&p, &check.y).roc_auc / k as f64;
            }
        }
        for (a, w) in aucs.iter().zip(&weights) {
            println!("variant {variant} blend {w}: {k}-fold CV ROC AUC {a:.5}");
        }
        return;
    }
    let (mut auc, mut log_loss) = (0.0, 0.0);
    for f in 0..k {
        let (fit, check) = fold_tables(f);
        let m = train(&fit, options).unwrap().evaluate(&check).unwrap();
        auc += m.roc_auc / k as f64;
        log_loss += m.log_loss / k as f64;
    }
    println!(
        "variant {variant} {}: {k}-fold CV on the training rows: ROC AUC {auc:.5}, log loss {log_loss:.4}",
        options.kind.as_str()
    );
}

/// Writes `id,<column>` rows, one value per id, for the Python side.
fn write_by_id(path: &str, column: &str, ids: &[String], values: &[impl std::fmt::Display]) {
    let lines: String = ids
        .iter()
        .zip(values)
        .map(|(id, v)| format!("{id},{v}\n"))
        .collect();
    std::fs::write(path, format!("id,{column}\n{lines}")).expect("writing the file");
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).ln()
}
