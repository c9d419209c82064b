//! A history of leads, events and sales feedback made into training data:
//! the cut-off rule (the moment each lead is predicted at, never later than
//! the moment its outcome became known), outcomes from feedback, and the
//! behaviour columns joined to a table of profile attributes by lead id.

use crate::behaviour::{Vocabulary, extract};
use crate::split::Split;
use crate::table::{Cell, Column, Table};
use leadscore_core::dataset::Dataset;
use leadscore_core::time::DAY_MS;
use leadscore_core::{Event, Timestamp};
use serde::Serialize;
use smol_str::SmolStr;
use std::collections::HashMap;

/// One piece of sales feedback: what happened to a lead, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    /// The lead.
    pub lead_id: SmolStr,
    /// `contact`, `accepted`, `rejected`, `opportunity`, `won`, `lost` or `bant`.
    pub kind: SmolStr,
    /// When.
    pub at: Timestamp,
}

/// The feedback kinds, as `POST /api/import/feedback` takes them.
pub const FEEDBACK_KINDS: [&str; 7] = [
    "contact",
    "accepted",
    "rejected",
    "opportunity",
    "won",
    "lost",
    "bant",
];

/// Reads feedback from CSV in the import's format: a header row with
/// `lead_id`, `kind` and `at` (RFC 3339, a date, or Unix milliseconds);
/// other columns are ignored. Errors name the line and field.
pub fn read_feedback(csv: &[u8]) -> Result<Vec<Feedback>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(csv);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("line 1: {e}"))?
        .iter()
        .map(str::to_lowercase)
        .collect();
    let find = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            format!(
                "line 1: the header needs a `{name}` column; found {}",
                headers.join(", ")
            )
        })
    };
    let (lead, kind, at) = (find("lead_id")?, find("kind")?, find("at")?);
    let mut out = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = record.map_err(|e| format!("line {line}: {e}"))?;
        let field = |i: usize| record.get(i).unwrap_or("");
        let lead_id = field(lead);
        if lead_id.is_empty() {
            return Err(format!("line {line}: lead_id is empty"));
        }
        let k = field(kind).to_lowercase();
        if !FEEDBACK_KINDS.contains(&k.as_str()) {
            return Err(format!(
                "line {line}: kind: expected one of {}, found `{k}`",
                FEEDBACK_KINDS.join(", ")
            ));
        }
        let t = field(at);
        let at = match t.parse::<i64>() {
            Ok(ms) => Timestamp(ms),
            Err(_) => Timestamp::parse(t).map_err(|e| format!("line {line}: at: {e}"))?,
        };
        out.push(Feedback {
            lead_id: lead_id.into(),
            kind: k.into(),
            at,
        });
    }
    Ok(out)
}

/// When each lead's outcome became known: its first feedback of any kind
/// (a call may change what a lead does next, so nothing after it counts).
pub fn outcome_known(feedback: &[Feedback]) -> HashMap<SmolStr, Timestamp> {
    let mut out: HashMap<SmolStr, Timestamp> = HashMap::new();
    for f in feedback {
        let t = out.entry(f.lead_id.clone()).or_insert(f.at);
        *t = (*t).min(f.at);
    }
    out
}

/// Which outcome to learn from feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackOutcome {
    /// `won` against `lost`.
    Won,
    /// `accepted` (a sales-qualified lead) against `rejected`.
    Sql,
}

impl FeedbackOutcome {
    /// Each lead's outcome: `true` for the positive kind, `false` for the
    /// negative one; leads with neither have no known outcome. When both
    /// were recorded, the latest wins.
    pub fn of(self, feedback: &[Feedback]) -> HashMap<SmolStr, bool> {
        let (yes, no) = match self {
            FeedbackOutcome::Won => ("won", "lost"),
            FeedbackOutcome::Sql => ("accepted", "rejected"),
        };
        let mut sorted: Vec<&Feedback> = feedback
            .iter()
            .filter(|f| f.kind == yes || f.kind == no)
            .collect();
        sorted.sort_by_key(|f| f.at);
        sorted
            .into_iter()
            .map(|f| (f.lead_id.clone(), f.kind == yes))
            .collect()
    }
}

/// The moment a lead is predicted at.
#[derive(Debug, Clone, PartialEq)]
pub enum CutOff {
    /// Everything up to the outcome (or all events when it is unknown).
    Latest,
    /// The same time for every lead.
    At(Timestamp),
    /// A per-lead time, from a column of the data.
    Column(String),
    /// This many days after the lead's first event.
    HorizonDays(u32),
}

impl CutOff {
    /// The cut-off of one lead: the rule's time, never later than when its
    /// outcome became known. `first_event` is the lead's first event and
    /// `column` its value of the rule's column.
    pub fn of(
        &self,
        first_event: Option<Timestamp>,
        column: Option<Timestamp>,
        known: Option<Timestamp>,
    ) -> Timestamp {
        let rule = match self {
            CutOff::Latest => None,
            CutOff::At(t) => Some(*t),
            CutOff::Column(_) => column,
            CutOff::HorizonDays(n) => first_event.map(|t| Timestamp(t.0 + i64::from(*n) * DAY_MS)),
        };
        let t = rule.unwrap_or(Timestamp(i64::MAX));
        known.map_or(t, |k| t.min(k))
    }
}

/// What joining behaviour to a table found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BehaviourSummary {
    /// Event types with columns of their own.
    pub event_types: usize,
    /// Behaviour columns added.
    pub columns: usize,
    /// Rows whose lead has at least one event before its cut-off.
    pub rows_with_events: usize,
    /// Rows whose cut-off was moved earlier to when the outcome became known.
    pub capped_by_outcome: usize,
}

/// The lead (index in `ds.profiles`) of each of the table's rows, by id;
/// `None` for a row whose lead the data set does not hold.
pub fn leads_of_rows(table: &Table, ds: &Dataset) -> Vec<Option<usize>> {
    let index: HashMap<&str, usize> = ds
        .profiles
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    table
        .ids
        .iter()
        .map(|id| index.get(id.as_str()).copied())
        .collect()
}

/// The time of a lead's first behaviour (not identity) event.
pub fn first_event(ds: &Dataset, lead: usize) -> Option<Timestamp> {
    ds.lead_events[lead]
        .iter()
        .map(|&i| &ds.events[i as usize])
        .find(|e| !e.is_identity())
        .map(|e| e.timestamp)
}

/// A lead's events, by reference.
fn events_of(ds: &Dataset, lead: usize) -> Vec<&Event> {
    ds.lead_events[lead]
        .iter()
        .map(|&i| &ds.events[i as usize])
        .collect()
}

/// The events of the other contacts of `lead`'s account, one list per
/// contact; `members` is [`Dataset::account_members`].
fn contacts_of<'a>(ds: &'a Dataset, members: &[Vec<u32>], lead: usize) -> Vec<Vec<&'a Event>> {
    ds.lead_account[lead]
        .map(|a| {
            members[a as usize]
                .iter()
                .filter(|&&m| m as usize != lead)
                .map(|&m| events_of(ds, m as usize))
                .collect()
        })
        .unwrap_or_default()
}

/// One lead's behaviour features at `cutoff`, from the same data and code
/// as a training row's: what a live score reads for a model trained with
/// events.
pub fn lead_behaviour(
    vocab: &Vocabulary,
    ds: &Dataset,
    members: &[Vec<u32>],
    lead: usize,
    cutoff: Timestamp,
) -> Vec<Option<f64>> {
    extract(
        vocab,
        &events_of(ds, lead),
        &contacts_of(ds, members, lead),
        cutoff,
    )
}

/// Adds behaviour columns to `table`: each row's lead (by id in `ds`) is
/// described at `cutoffs[row]` from its events and its account's; event
/// types are those of the training rows. A row whose lead has no events
/// gets zero counts and missing recencies. Fails when a behaviour column's
/// name is already a column of the table.
pub fn add_behaviour(
    table: &mut Table,
    split: &Split,
    ds: &Dataset,
    cutoffs: &[Timestamp],
) -> Result<(Vocabulary, BehaviourSummary), String> {
    let lead_of = leads_of_rows(table, ds);
    let own: Vec<Vec<&Event>> = lead_of
        .iter()
        .map(|l| l.map(|l| events_of(ds, l)).unwrap_or_default())
        .collect();
    let vocab = Vocabulary::fit(split.train.iter().map(|&r| (own[r].as_slice(), cutoffs[r])));
    let members = ds.account_members();
    let names = vocab.column_names();
    if let Some(clash) = names
        .iter()
        .find(|n| table.columns.iter().any(|c| &c.name == *n))
    {
        return Err(format!(
            "the data already has a column `{clash}`, which is a behaviour feature's name"
        ));
    }
    let mut columns: Vec<Column> = names
        .into_iter()
        .map(|name| Column {
            name,
            numeric: true,
            cells: Vec::with_capacity(table.rows()),
        })
        .collect();
    let mut summary = BehaviourSummary {
        event_types: vocab.types.len(),
        columns: columns.len(),
        ..BehaviourSummary::default()
    };
    for (r, lead) in lead_of.iter().enumerate() {
        let contacts = lead
            .map(|l| contacts_of(ds, &members, l))
            .unwrap_or_default();
        let values = extract(&vocab, &own[r], &contacts, cutoffs[r]);
        summary.rows_with_events += usize::from(values[0].is_some_and(|n| n > 0.0));
        for (c, v) in columns.iter_mut().zip(values) {
            c.cells.push(v.map_or(Cell::Missing, Cell::Num));
        }
    }
    table.columns.extend(columns);
    Ok((vocab, summary))
}

/// Each row's cut-off under `rule`: `column_time(row)` gives the row's time
/// for [`CutOff::Column`]; `known` when each lead's outcome became known.
/// A row without a time under a column rule is an error naming the row.
pub fn cutoffs(
    table: &Table,
    ds: &Dataset,
    rule: &CutOff,
    column_time: impl Fn(usize) -> Option<Timestamp>,
    known: &HashMap<SmolStr, Timestamp>,
) -> Result<(Vec<Timestamp>, usize), String> {
    let lead_of = leads_of_rows(table, ds);
    let mut capped = 0;
    let mut out = Vec::with_capacity(table.rows());
    for (r, id) in table.ids.iter().enumerate() {
        let first = lead_of[r].and_then(|l| first_event(ds, l));
        let column = column_time(r);
        if let (CutOff::Column(name), None) = (rule, column) {
            return Err(format!(
                "lead `{id}` has no time in the cut-off column `{name}`"
            ));
        }
        let k = known.get(id.as_str()).copied();
        let t = rule.of(first, column, k);
        capped += usize::from(k.is_some_and(|k| k < rule.of(first, column, None)));
        out.push(t);
    }
    Ok((out, capped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cut_off_never_passes_the_outcome() {
        let day = |d: i64| Timestamp(d * DAY_MS);
        let first = Some(day(10));
        assert_eq!(CutOff::HorizonDays(30).of(first, None, None), day(40));
        assert_eq!(
            CutOff::HorizonDays(30).of(first, None, Some(day(20))),
            day(20)
        );
        assert_eq!(CutOff::At(day(5)).of(first, None, Some(day(20))), day(5));
        assert_eq!(CutOff::Latest.of(first, None, Some(day(20))), day(20));
        assert_eq!(CutOff::Latest.of(first, None, None), Timestamp(i64::MAX));
        assert_eq!(
            CutOff::Column("t".into()).of(first, Some(day(3)), None),
            day(3)
        );
    }

    #[test]
    fn feedback_is_read_with_errors_naming_line_and_field() {
        let csv = "lead_id,kind,at,reason\na,contact,2026-03-01,\na,won,1790000000000,\nb,lost,2026-03-02T10:00:00Z,price\n";
        let f = read_feedback(csv.as_bytes()).unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!(f[1].at, Timestamp(1_790_000_000_000));
        let known = outcome_known(&f);
        assert_eq!(known["a"], Timestamp::parse("2026-03-01").unwrap());
        let won = FeedbackOutcome::Won.of(&f);
        assert_eq!((won["a"], won["b"]), (true, false));
        assert!(FeedbackOutcome::Sql.of(&f).is_empty());
        let e = read_feedback(b"lead_id,kind,at\na,maybe,2026-03-01\n").unwrap_err();
        assert!(e.starts_with("line 2: kind: expected one of"), "{e}");
        let e = read_feedback(b"lead_id,kind,at\na,won,soon\n").unwrap_err();
        assert!(e.starts_with("line 2: at:"), "{e}");
        let e = read_feedback(b"lead_id,kind\na,won\n").unwrap_err();
        assert!(e.contains("needs a `at` column"), "{e}");
    }
}
