//! The text form of `leadscore explain`.

use leadscore_core::dataset::Dataset;
use leadscore_core::engine::{Explanation, LeadScore};
use leadscore_core::model::Model;
use std::io::{Result, Write};

/// Writes a readable explanation: totals, then every rule that moved the score.
pub fn write(
    out: &mut dyn Write,
    model: &Model,
    ds: &Dataset,
    lead: usize,
    s: &LeadScore,
    ex: &Explanation,
) -> Result<()> {
    let p = &ds.profiles[lead];
    writeln!(out, "Lead {} {}", p.id, p.get("name"))?;
    writeln!(out, "  as of        {}", s.as_of)?;
    writeln!(
        out,
        "  total        {:.1}   (fit {:.1} + engagement {:.1})",
        s.total, s.fit, s.engagement
    )?;
    writeln!(
        out,
        "  cell         {}{}",
        s.cell(),
        if s.hot { " (hot)" } else { "" }
    )?;
    let manual = if s.manual_stage {
        " (set by a person)"
    } else {
        ""
    };
    writeln!(out, "  stage        {}{manual}", s.stage_name(model))?;
    writeln!(out, "  email        {}", s.email.as_str())?;
    let bant: Vec<String> = ex
        .bant
        .iter()
        .map(|(n, h)| format!("{n} {}", if *h { "yes" } else { "no" }))
        .collect();
    writeln!(out, "  BANT         {}/4   ({})", s.bant, bant.join(", "))?;
    for (g, v) in model.groups.iter().zip(&s.groups) {
        writeln!(out, "  group        {} {:.1}", g.label, v)?;
    }
    writeln!(out, "  events       {}", s.events)?;
    let plural = |n: u32, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    writeln!(out)?;
    writeln!(
        out,
        "  {:<11} {:<32} {:>8}  detail",
        "kind", "rule", "points"
    )?;
    for l in ex.lines.iter().filter(|l| l.matched || l.limited > 0) {
        let detail = if l.kind == "engagement" {
            let mut d = format!(
                "{}, {:.1} raw, {:.1} after decay",
                plural(l.counted, "event"),
                l.raw,
                l.decayed
            );
            if (l.decayed - l.points).abs() > 1e-9 {
                d.push_str(&format!(", capped to {:.1}", l.points));
            }
            if l.limited > 0 {
                d.push_str(&format!(", {} over the frequency limit", l.limited));
            }
            d
        } else {
            l.condition.clone()
        };
        writeln!(
            out,
            "  {:<11} {:<32} {:>+8.1}  {detail}",
            l.kind, l.rule, l.points
        )?;
    }
    if !ex.aggregates.is_empty() {
        writeln!(out)?;
        for (n, v) in &ex.aggregates {
            writeln!(out, "  aggregate   {n} = {v}")?;
        }
    }
    if !s.manual_stage && !ex.stages.is_empty() {
        let holds: Vec<String> = ex
            .stages
            .iter()
            .map(|(n, h)| format!("{n} {}", if *h { "yes" } else { "no" }))
            .collect();
        writeln!(out, "  stage criteria: {}", holds.join(", "))?;
    }
    Ok(())
}
