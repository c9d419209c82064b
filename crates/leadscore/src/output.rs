//! The ranked list as a terminal table, CSV or JSON.

use anyhow::Result;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use leadscore_core::dataset::Dataset;
use leadscore_core::engine::LeadScore;
use leadscore_core::model::Model;
use serde::Serialize;
use std::io::Write;

/// Output formats of the ranked list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for people.
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array.
    Json,
}

/// One row of the ranked list.
#[derive(Debug, Serialize)]
pub struct Row {
    /// 1 for the hottest lead.
    pub rank: usize,
    /// Lead id.
    pub id: String,
    /// Lead name, if known.
    pub name: String,
    /// Overall score.
    pub total: f64,
    /// Fit score.
    pub fit: f64,
    /// Engagement score.
    pub engagement: f64,
    /// Matrix cell, A1 ... D4.
    pub cell: String,
    /// Whether the cell is hot.
    pub hot: bool,
    /// Lifecycle stage.
    pub stage: String,
    /// BANT criteria met (0-4).
    pub bant: u8,
    /// Email quality.
    pub email: String,
    /// Latest event, RFC 3339.
    pub last_activity: String,
    /// Top contributions, "rule +points".
    pub reasons: String,
    /// The trained model's probability, when the model names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// "Pricing page +20; Decision maker +25"
pub fn reasons_text(model: &Model, s: &LeadScore) -> String {
    s.reasons
        .iter()
        .map(|r| format!("{} {:+}", r.name(model), round1(r.points)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Builds the rows for the leads in `order`.
pub fn rows(model: &Model, ds: &Dataset, scores: &[LeadScore], order: &[usize]) -> Vec<Row> {
    order
        .iter()
        .enumerate()
        .map(|(rank, &i)| {
            let s = &scores[i];
            let p = &ds.profiles[i];
            Row {
                rank: rank + 1,
                id: p.id.to_string(),
                name: p.get("name").to_string(),
                total: round1(s.total),
                fit: round1(s.fit),
                engagement: round1(s.engagement),
                cell: s.cell().to_string(),
                hot: s.hot,
                stage: s.stage_name(model).to_string(),
                bant: s.bant,
                email: s.email.as_str().to_string(),
                last_activity: s.last_activity.map(|t| t.to_rfc3339()).unwrap_or_default(),
                reasons: reasons_text(model, s),
                probability: s.probability,
            }
        })
        .collect()
}

/// Writes the rows in `format`.
pub fn write(rows: &[Row], format: Format, out: &mut dyn Write) -> Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, rows)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            for r in rows {
                w.serialize(r)?;
            }
            w.flush()?;
        }
        Format::Table => {
            let mut t = Table::new();
            t.load_preset(presets::UTF8_BORDERS_ONLY)
                .set_content_arrangement(ContentArrangement::Dynamic);
            t.set_header([
                "#",
                "id",
                "name",
                "total",
                "fit",
                "eng",
                "cell",
                "stage",
                "top reasons",
            ]);
            for r in rows {
                let num = |x: f64| Cell::new(format!("{x:.1}")).set_alignment(CellAlignment::Right);
                let cell = if r.hot {
                    format!("{} hot", r.cell)
                } else {
                    r.cell.clone()
                };
                t.add_row(vec![
                    Cell::new(r.rank),
                    Cell::new(&r.id),
                    Cell::new(&r.name),
                    num(r.total),
                    num(r.fit),
                    num(r.engagement),
                    Cell::new(cell),
                    Cell::new(&r.stage),
                    Cell::new(&r.reasons),
                ]);
            }
            writeln!(out, "{t}")?;
        }
    }
    Ok(())
}
