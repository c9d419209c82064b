//! Why logistic regression is fitted by our own sparse L-BFGS: both fits on
//! the X Education training rows (variant 1, 7,392 rows, 242 features), side
//! by side; and what a trained model adds to scoring one live lead.
//! `cargo bench -p leadscore-ml --bench logistic`

use criterion::{Criterion, criterion_group, criterion_main};
use leadscore_ml::features::{Encoder, Style};
use leadscore_ml::logistic::{Settings, SparseRows, fit};
use leadscore_ml::table::{Table, TableSpec};
use linfa::prelude::*;
use std::hint::black_box;

/// X Education, all columns but the id-like `Lead Number`.
fn x_education() -> Table {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/datasets/x-education/leads.csv");
    let spec = TableSpec {
        id: Some("Prospect ID".into()),
        outcome: "Converted".into(),
        exclude: vec!["Lead Number".into()],
        not_answered: vec!["Select".into()],
        ..TableSpec::default()
    };
    Table::from_csv(std::fs::File::open(dir).unwrap(), &spec).unwrap()
}

fn data() -> (Vec<f64>, usize, Vec<bool>) {
    let t = x_education();
    let rows: Vec<usize> = (0..t.rows()).filter(|i| i % 5 != 0).collect();
    let train = t.select(&rows);
    let enc = Encoder::fit(&train, Style::Indicators);
    (enc.encode(&train).unwrap(), enc.width(), train.y)
}

fn logistic(c: &mut Criterion) {
    let (x, width, y) = data();
    let mut g = c.benchmark_group("logistic fit, X Education");
    g.sample_size(10);
    g.bench_function("leadscore sparse L-BFGS", |b| {
        b.iter(|| {
            let rows = SparseRows::from_dense(&x, width);
            black_box(fit(&rows, &y, Settings::default()))
        })
    });
    g.bench_function("linfa-logistic 0.8", |b| {
        b.iter(|| {
            let xs = ndarray::Array2::from_shape_vec((y.len(), width), x.clone()).unwrap();
            let ys = ndarray::Array1::from_iter(y.iter().copied());
            black_box(
                linfa_logistic::LogisticRegression::default()
                    .alpha(1.0)
                    .fit(&Dataset::new(xs, ys))
                    .unwrap(),
            )
        })
    });
    g.finish();
}

/// The cost a trained model adds to scoring one live lead.
fn live_probability(c: &mut Criterion) {
    use leadscore_core::model::Predictor;
    use leadscore_ml::train::{Kind, Options, train};
    let t = x_education();
    let mut p = leadscore_core::Profile::new("lead");
    for (k, v) in [
        ("Lead Origin", "Lead Add Form"),
        ("Lead Source", "Reference"),
        ("What is your current occupation", "Working Professional"),
        ("TotalVisits", "5"),
        ("City", "Select"),
    ] {
        p.attributes
            .insert(k.into(), leadscore_core::Value::from_text(v));
    }
    let mut g = c.benchmark_group("probability of one live lead");
    for kind in [Kind::Logistic, Kind::Gbt] {
        let m = train(&t, &Options::new(kind)).unwrap();
        g.bench_function(kind.as_str(), |b| b.iter(|| black_box(m.probability(&p))));
    }
    g.finish();
}

criterion_group!(benches, logistic, live_probability);
criterion_main!(benches);
