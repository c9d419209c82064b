//! Train and hold-out rows: a fixed list of hold-out ids (for figures
//! comparable across tools), a seeded stratified random split, or a
//! time-ordered one (train on the past, test on the latest leads).

use crate::table::{Cell, Table};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use std::collections::HashSet;

/// Row indices of the two sides.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Training rows.
    pub train: Vec<usize>,
    /// Hold-out rows.
    pub test: Vec<usize>,
}

/// The rows whose id is in `test_ids` are held out; an id that matches no
/// row is an error, so a wrong file is not silently ignored.
pub fn by_ids(table: &Table, test_ids: &[String]) -> Result<Split, String> {
    let wanted: HashSet<&str> = test_ids.iter().map(String::as_str).collect();
    let (test, train): (Vec<usize>, Vec<usize>) =
        (0..table.rows()).partition(|&i| wanted.contains(table.ids[i].as_str()));
    let found: HashSet<&str> = test.iter().map(|&i| table.ids[i].as_str()).collect();
    if let Some(missing) = wanted.iter().find(|id| !found.contains(*id)) {
        return Err(format!(
            "hold-out id `{missing}` is not in the data ({} of {} hold-out ids found)",
            found.len(),
            wanted.len()
        ));
    }
    Ok(Split { train, test })
}

/// A random split holding out `share` of the converters and `share` of the
/// others, the same for the same seed.
pub fn random(table: &Table, share: f64, seed: u64) -> Split {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut train = Vec::new();
    let mut test = Vec::new();
    for class in [true, false] {
        let mut rows: Vec<usize> = (0..table.rows()).filter(|&i| table.y[i] == class).collect();
        rows.shuffle(&mut rng);
        let k = (rows.len() as f64 * share).round() as usize;
        test.extend_from_slice(&rows[..k]);
        train.extend_from_slice(&rows[k..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    Split { train, test }
}

/// The latest `share` of rows by `column` (numbers, or text that sorts in
/// time order such as ISO dates) are held out; rows without a value count
/// as oldest.
pub fn by_time(table: &Table, column: &str, share: f64) -> Result<Split, String> {
    let c = table
        .columns
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(column))
        .ok_or_else(|| format!("no column `{column}` to order by time"))?;
    let key = |i: usize| match &c.cells[i] {
        Cell::Num(x) => (1, *x, String::new()),
        Cell::Cat(s) => (1, 0.0, s.clone()),
        _ => (0, 0.0, String::new()),
    };
    Ok(latest(table.rows(), share, |a, b| {
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0)
            .then(ka.1.total_cmp(&kb.1))
            .then(ka.2.cmp(&kb.2))
    }))
}

/// The latest `share` of rows by a time per row (Unix ms) are held out;
/// rows without a time count as oldest.
pub fn by_times(times: &[Option<i64>], share: f64) -> Split {
    latest(times.len(), share, |a, b| times[a].cmp(&times[b]))
}

/// The last `share` of `rows` rows in `order` (ties in row order) are
/// held out.
fn latest(rows: usize, share: f64, order: impl Fn(usize, usize) -> std::cmp::Ordering) -> Split {
    let mut sorted: Vec<usize> = (0..rows).collect();
    sorted.sort_by(|&a, &b| order(a, b).then(a.cmp(&b)));
    let k = rows - (rows as f64 * share).round() as usize;
    Split {
        train: sorted[..k].to_vec(),
        test: sorted[k..].to_vec(),
    }
}
