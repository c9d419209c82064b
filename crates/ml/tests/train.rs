//! Training on the real X Education data (`../shared/datasets/x-education`):
//! the importer copes with its quirks, both learners rank converters far
//! above chance on the fixed hold-out split, and training is reproducible.

use leadscore_ml::split;
use leadscore_ml::table::{Table, TableSpec};
use leadscore_ml::train::{Kind, Options, train};
use std::path::PathBuf;

/// The id-like column and the columns sales fill in after contact.
const WITHOUT_SALES_FILLED: [&str; 5] = [
    "Lead Number",
    "Tags",
    "Lead Quality",
    "Lead Profile",
    "Last Notable Activity",
];

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/x-education")
}

fn table(exclude: &[&str]) -> Table {
    let spec = TableSpec {
        id: Some("Prospect ID".into()),
        outcome: "Converted".into(),
        exclude: exclude.iter().map(|s| (*s).to_owned()).collect(),
        not_answered: vec!["Select".into()],
        ..TableSpec::default()
    };
    let file = std::fs::File::open(data_dir().join("leads.csv")).expect("the X Education data set");
    Table::from_csv(file, &spec).unwrap()
}

fn hold_out(t: &Table) -> (Table, Table) {
    let ids: Vec<String> = std::fs::read_to_string(data_dir().join("test-ids.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect();
    let s = split::by_ids(t, &ids).unwrap();
    (t.select(&s.train), t.select(&s.test))
}

#[test]
fn the_x_education_quirks_are_read_as_documented() {
    let t = table(&["Lead Number"]);
    assert_eq!(t.rows(), 9240);
    assert_eq!(t.y.iter().filter(|v| **v).count(), 3561);
    assert_eq!(t.duplicate_rows, 1281);
    let (train, test) = hold_out(&t);
    assert_eq!((train.rows(), test.rows()), (7392, 1848));
}

#[test]
fn both_learners_rank_converters_on_the_strict_variant() {
    let strict: Vec<&str> = WITHOUT_SALES_FILLED
        .iter()
        .chain(&[
            "Last Activity",
            "Asymmetrique Activity Index",
            "Asymmetrique Profile Index",
            "Asymmetrique Activity Score",
            "Asymmetrique Profile Score",
        ])
        .copied()
        .collect();
    let t = table(&strict);
    let (train_rows, test) = hold_out(&t);
    for kind in [Kind::Logistic, Kind::Gbt] {
        let m = train(&train_rows, &Options::new(kind)).unwrap();
        let metrics = m.evaluate(&test).unwrap();
        // The scikit-learn references on this variant are 0.849 to 0.862.
        assert!(metrics.roc_auc > 0.84, "{kind:?}: {metrics:?}");
        assert!(metrics.top_20 > 0.4, "{kind:?}: {metrics:?}");
        // Same data, options and seed: the same model.
        let again = train(&train_rows, &Options::new(kind)).unwrap();
        assert_eq!(m.version, again.version, "{kind:?} is reproducible");
    }
}

#[test]
fn factors_explain_a_prediction() {
    let t = table(&WITHOUT_SALES_FILLED);
    let (train_rows, test) = hold_out(&t);
    let m = train(&train_rows, &Options::new(Kind::Logistic)).unwrap();
    let factors = m.factors(|c| &test.columns[c].cells[0], 5);
    assert_eq!(factors.len(), 5);
    assert!(
        factors
            .windows(2)
            .all(|w| w[0].effect.abs() >= w[1].effect.abs())
    );
    let gbt = train(&train_rows, &Options::new(Kind::Gbt)).unwrap();
    assert!(!gbt.factors(|c| &test.columns[c].cells[0], 5).is_empty());
}

#[test]
fn forust_models_still_train_and_saved_ones_still_load() {
    use leadscore_ml::train::{Booster, Learned, Trained};
    let t = table(&WITHOUT_SALES_FILLED);
    let (train_rows, test) = hold_out(&t);
    let options = Options {
        booster: Booster::Forust,
        ..Options::new(Kind::Gbt)
    };
    let m = train(&train_rows, &options).unwrap();
    assert!(matches!(m.learned, Learned::Gbt { .. }));
    // A model saved before there was a choice of booster has no `booster`
    // field in its options: it reads as forust's, and scores the same.
    let mut saved = serde_json::to_value(&m).unwrap();
    saved["options"].as_object_mut().unwrap().remove("booster");
    let back: Trained = serde_json::from_value(saved).unwrap();
    assert_eq!(back.options.booster, Booster::Forust);
    assert_eq!(back.predict(&test).unwrap(), m.predict(&test).unwrap());
    // Ours is the default, and its model survives a round trip too.
    let native = train(&train_rows, &Options::new(Kind::Gbt)).unwrap();
    assert!(matches!(native.learned, Learned::Trees { .. }));
    let back: Trained = serde_json::from_str(&serde_json::to_string(&native).unwrap()).unwrap();
    assert_eq!(back.predict(&test).unwrap(), native.predict(&test).unwrap());
    assert_eq!(back.version, native.version);
}

#[test]
fn tree_depths_are_checked_and_older_models_read_as_one_forest() {
    use leadscore_ml::train::{Learned, Trained};
    let t = table(&WITHOUT_SALES_FILLED);
    let (train_rows, test) = hold_out(&t);
    for depths in [vec![0], vec![4, 17]] {
        let options = Options {
            depths: depths.clone(),
            ..Options::new(Kind::Gbt)
        };
        let e = train(&train_rows, &options).unwrap_err().to_string();
        assert!(e.starts_with("depths: "), "{depths:?}: {e}");
    }
    // forust's trees have one depth, `max_depth`, checked the same way.
    let forust = Options {
        booster: leadscore_ml::train::Booster::Forust,
        max_depth: 0,
        ..Options::new(Kind::Gbt)
    };
    assert!(train(&train_rows, &forust).is_err());
    // One forest of depth 4, as models were trained before `depths`.
    let single = Options {
        depths: vec![4],
        ..Options::new(Kind::Gbt)
    };
    let m = train(&train_rows, &single).unwrap();
    let Learned::Trees { forest, .. } = &m.learned else {
        panic!("our trees")
    };
    assert_eq!(forest.trees.len(), 100);
    // A model saved before `depths` existed reads as that single forest.
    let mut saved = serde_json::to_value(&m).unwrap();
    saved["options"].as_object_mut().unwrap().remove("depths");
    let back: Trained = serde_json::from_value(saved).unwrap();
    assert_eq!(back.options.tree_depths().collect::<Vec<_>>(), [4]);
    assert_eq!(back.predict(&test).unwrap(), m.predict(&test).unwrap());
    // The default averages three forests into one.
    let averaged = train(&train_rows, &Options::new(Kind::Gbt)).unwrap();
    let Learned::Trees { forest, .. } = &averaged.learned else {
        panic!("our trees")
    };
    assert_eq!(forest.trees.len(), 300);
}

#[test]
fn scores_on_a_short_scale_are_also_split_as_categories() {
    let t = table(&WITHOUT_SALES_FILLED);
    let (train_rows, test) = hold_out(&t);
    let m = train(&train_rows, &Options::new(Kind::Gbt)).unwrap();
    // The two assessment scores have 12 and 10 values; the visit count,
    // with more, stays a number only.
    let numeric = |name: &&String| {
        t.columns
            .iter()
            .any(|c| c.numeric && name.strip_suffix(" (category)") == Some(c.name.as_str()))
    };
    let names = m.encoder.code_names();
    let coded: Vec<&String> = names.iter().filter(numeric).collect();
    assert_eq!(
        coded,
        [
            "Asymmetrique Activity Score (category)",
            "Asymmetrique Profile Score (category)"
        ]
    );
    // A live row is scored with the same codes as the table.
    let all = m.predict(&test).unwrap();
    for r in [0, 1, 2, 100] {
        let one = m.predict_row(|c| &test.columns[c].cells[r]).unwrap();
        assert!(
            (one - all[r]).abs() < 1e-12,
            "row {r}: {one} against {}",
            all[r]
        );
    }
}

#[test]
fn trees_blend_in_a_logistic_regression_and_explain_both() {
    use leadscore_ml::train::{LINEAR_SHARE, Learned, Trained};
    let t = table(&WITHOUT_SALES_FILLED);
    let (train_rows, test) = hold_out(&t);
    let m = train(&train_rows, &Options::new(Kind::Gbt)).unwrap();
    let Learned::Trees {
        linear: Some(linear),
        ..
    } = &m.learned
    else {
        panic!("the default trees blend in a logistic regression")
    };
    assert_eq!(linear.share, LINEAR_SHARE);
    // A live row gets the table's probability, and its factors (trees' and
    // the regression's, each times its share) add up to its log-odds but
    // for a constant that no feature explains.
    let all = m.predict(&test).unwrap();
    let mut unexplained = Vec::new();
    for r in [0, 1, 2, 100] {
        let cell = |c: usize| &test.columns[c].cells[r];
        let one = m.predict_row(cell).unwrap();
        assert!((one - all[r]).abs() < 1e-12, "row {r}");
        let factors = m.factors(cell, usize::MAX);
        assert!(
            factors.iter().any(|f| f.feature.contains('=')),
            "{factors:?}"
        );
        let names: std::collections::BTreeSet<_> = factors.iter().map(|f| &f.feature).collect();
        assert_eq!(names.len(), factors.len(), "one factor per name");
        let explained: f64 = factors.iter().map(|f| f.effect).sum();
        unexplained.push((one / (1.0 - one)).ln() - explained);
    }
    assert!(
        unexplained
            .iter()
            .all(|u| (u - unexplained[0]).abs() < 1e-9),
        "{unexplained:?}"
    );
    // A model saved before the blend reads as the trees alone.
    let mut saved = serde_json::to_value(&m).unwrap();
    saved["learned"].as_object_mut().unwrap().remove("linear");
    saved["options"]
        .as_object_mut()
        .unwrap()
        .remove("linear_share");
    let back: Trained = serde_json::from_value(saved).unwrap();
    assert_eq!(back.options.linear_share, 0.0);
    let Learned::Trees { linear: None, .. } = &back.learned else {
        panic!("trees alone")
    };
    // Shares outside [0, 1) are refused, naming the field.
    for share in [-0.1, 1.0, f64::NAN] {
        let options = Options {
            linear_share: share,
            ..Options::new(Kind::Gbt)
        };
        let e = train(&train_rows, &options).unwrap_err().to_string();
        assert!(e.starts_with("linear_share: "), "{share}: {e}");
    }
}
