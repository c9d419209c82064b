//! `leadscore funnel`: the funnel report read straight from the store, as
//! tables or JSON.

use anyhow::{Context, Result, bail};
use clap::Args;
use comfy_table::Table;
use leadscore_core::Timestamp;
use leadscore_core::model::Model;
use leadscore_server::funnel::{Funnel, FunnelQuery, funnel};

/// Options of `leadscore funnel`.
#[derive(Debug, Args)]
pub struct FunnelArgs {
    /// The server's database.
    #[command(flatten)]
    pub database: crate::database::DatabaseArg,
    /// Leads created from this time (RFC 3339 or a date).
    #[arg(long)]
    pub from: Option<String>,
    /// Leads created before this time.
    #[arg(long)]
    pub to: Option<String>,
    /// Only this source.
    #[arg(long)]
    pub source: Option<String>,
    /// Only this campaign.
    #[arg(long)]
    pub campaign: Option<String>,
    /// Model version (default: the active one).
    #[arg(long)]
    pub version: Option<i64>,
    /// Score band width in points.
    #[arg(long, default_value_t = 20.0)]
    pub band: f64,
    /// Break down by `source` or `campaign`.
    #[arg(long, value_parser = ["source", "campaign"])]
    pub by: Option<String>,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

fn time(v: Option<&str>, default: i64) -> Result<i64> {
    match v {
        None => Ok(default),
        Some(s) => Ok(Timestamp::parse(s)
            .with_context(|| format!("reading the time `{s}`"))?
            .0),
    }
}

/// Runs the report.
pub fn run(args: FunnelArgs) -> Result<()> {
    let q = FunnelQuery {
        from: time(args.from.as_deref(), i64::MIN)?,
        to: time(args.to.as_deref(), i64::MAX)?,
        source: args.source.clone(),
        campaign: args.campaign.clone(),
        band: args.band,
        by: args.by.clone(),
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let report = runtime.block_on(async {
        let store = args.database.open().await?;
        let models = store.models().await?;
        let row = match args.version {
            Some(v) => models.into_iter().find(|m| m.version == v),
            None => models.into_iter().find(|m| m.active),
        };
        let Some(row) = row else {
            bail!("no such model version in the database (run `leadscore serve` first)");
        };
        let model = Model::from_toml(&row.source)
            .map_err(|e| anyhow::anyhow!("model version {} does not compile: {e}", row.version))?;
        Ok(funnel(store.as_ref(), &model, row.version, &q).await?)
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", text(&report));
    }
    Ok(())
}

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn days(ms: Option<i64>) -> String {
    ms.map_or_else(
        || "-".to_owned(),
        |ms| format!("{:.1} d", ms as f64 / 86_400_000.0),
    )
}

/// The report as plain-text tables.
pub fn text(f: &Funnel) -> String {
    let mut out = format!(
        "Funnel of {} leads (model version {})\n\n",
        f.leads, f.model_version
    );
    let mut t = Table::new();
    t.set_header(["stage", "entered", "reached", "median time in stage"]);
    for s in &f.stages {
        t.add_row([
            s.stage.clone(),
            s.entered.to_string(),
            s.reached.to_string(),
            days(s.median_ms_in_stage),
        ]);
    }
    out += &format!("{t}\n\n");
    let mut t = Table::new();
    t.set_header(["from", "to", "conversion"]);
    for s in &f.conversion {
        t.add_row([s.from.clone(), s.to.clone(), pct(s.rate)]);
    }
    out += &format!("{t}\n\n");
    out += &format!(
        "MQL to SQL: {} (commonly quoted: {}); won: {}; first-try contact rate: {} of {} first attempts\n\n",
        pct(f.mql_to_sql),
        pct(Some(f.typical_mql_to_sql)),
        f.won,
        pct(f.first_try_rate),
        f.first_tries
    );
    for (title, rows) in [("score band", &f.by_score), ("cell", &f.by_cell)] {
        let mut t = Table::new();
        t.set_header([title, "leads", "SQL", "SQL rate", "won", "won rate"]);
        for b in rows {
            t.add_row([
                b.label.clone(),
                b.leads.to_string(),
                b.sql.to_string(),
                pct(b.sql_rate),
                b.won.to_string(),
                pct(b.won_rate),
            ]);
        }
        out += &format!("{t}\n\n");
    }
    if !f.by_group.is_empty() {
        let mut t = Table::new();
        t.set_header(["group", "leads", "MQL", "SQL", "won"]);
        for g in &f.by_group {
            t.add_row([
                g.group.clone(),
                g.leads.to_string(),
                g.mql.to_string(),
                g.sql.to_string(),
                g.won.to_string(),
            ]);
        }
        out += &format!("{t}\n");
    }
    out
}
