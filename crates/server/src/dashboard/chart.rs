//! Charts: sparklines drawn as inline SVG on the server (one per row of the
//! ranked list, no script needed), and the data of the larger charts that
//! `assets/charts.js` draws with uPlot, carried in a `data-chart` attribute
//! (HTML-escaped like any attribute, so no script is ever built from data).

use serde_json::json;

/// Sparkline width and height, in pixels.
const W: f64 = 96.0;
const H: f64 = 24.0;

/// An SVG polyline of `values` (oldest first); empty with fewer than two.
pub fn sparkline(values: &[f64]) -> String {
    if values.len() < 2 {
        return String::new();
    }
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let step = W / (values.len() - 1) as f64;
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{:.1},{:.1}",
                i as f64 * step,
                H - 2.0 - (v - lo) / span * (H - 4.0)
            )
        })
        .collect();
    let rising = values[values.len() - 1] >= values[0];
    format!(
        "<svg class=\"spark {}\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" aria-hidden=\"true\"><polyline points=\"{}\"/></svg>",
        if rising { "up" } else { "down" },
        points.join(" ")
    )
}

/// One series of a chart.
pub struct Series {
    /// Its label (in the viewer's language).
    pub label: String,
    /// One value per x, `None` for a gap.
    pub values: Vec<Option<f64>>,
}

/// How the chart is drawn.
#[derive(Clone, Copy)]
pub enum Kind {
    /// Lines over time (x in seconds since the epoch).
    Time,
    /// Lines over numbers.
    Line,
    /// Bars over labelled categories.
    Bars,
}

/// The `data-chart` attribute of a chart: x values (or category labels for
/// bars) and its series.
pub fn data(kind: Kind, x: &[f64], labels: &[String], series: &[Series]) -> String {
    json!({
        "kind": match kind { Kind::Time => "time", Kind::Line => "line", Kind::Bars => "bars" },
        "x": x,
        "labels": labels,
        "series": series.iter().map(|s| json!({"label": s.label, "values": s.values})).collect::<Vec<_>>(),
    })
    .to_string()
}

/// A share as a percentage with one decimal, for chart values.
pub fn percent(share: Option<f64>) -> Option<f64> {
    share.map(|x| (x * 1000.0).round() / 10.0)
}

/// Bars of the SQL and won rates of the funnel's score bands or cells
/// (`rows` as the funnel report gives them); empty without rows.
pub fn conversion_bars(rows: &[serde_json::Value], won: &str) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let rate = |key: &str| rows.iter().map(|b| percent(b[key].as_f64())).collect();
    let labels: Vec<String> = rows
        .iter()
        .map(|b| b["label"].as_str().unwrap_or_default().to_owned())
        .collect();
    data(
        Kind::Bars,
        &[],
        &labels,
        &[
            Series {
                label: "SQL %".into(),
                values: rate("sql_rate"),
            },
            Series {
                label: format!("{won} %"),
                values: rate("won_rate"),
            },
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::sparkline;

    #[test]
    fn a_sparkline_spans_the_box_and_needs_two_points() {
        assert_eq!(sparkline(&[3.0]), "");
        let svg = sparkline(&[0.0, 10.0]);
        assert!(svg.contains("points=\"0.0,22.0 96.0,2.0\""), "{svg}");
        assert!(svg.contains("class=\"spark up\""));
    }
}
