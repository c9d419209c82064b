//! Reading lead CSV files and Segment JSONL event files, with errors that
//! name the file, line and field.

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use leadscore_core::import::ProfileColumns;
use leadscore_core::{Event, Profile, segment};
use rayon::prelude::*;
use std::path::Path;

/// How many bad rows to print before summarising.
const SHOWN_ERRORS: usize = 20;

/// What to do with rows that cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    /// Stop with every error listed.
    Fail,
    /// Report every bad row on stderr and go on without it.
    Skip,
}

/// A progress bar over a file's bytes, drawn only on a terminal.
pub fn progress(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>12} [{bar:30}] {binary_bytes}/{binary_total_bytes} {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

fn report(errors: Vec<String>, on_error: OnError, what: &str) -> Result<()> {
    if errors.is_empty() {
        return Ok(());
    }
    let n = errors.len();
    let mut text = errors
        .into_iter()
        .take(SHOWN_ERRORS)
        .collect::<Vec<_>>()
        .join("\n");
    if n > SHOWN_ERRORS {
        text.push_str(&format!("\n... and {} more", n - SHOWN_ERRORS));
    }
    match on_error {
        OnError::Fail => bail!(
            "{n} bad {what}:\n{text}\n(use --skip-invalid to score the rest and report these)"
        ),
        OnError::Skip => {
            eprintln!("warning: skipped {n} bad {what}:\n{text}");
            Ok(())
        }
    }
}

/// Reads lead profiles from a CSV file with a header row.
pub fn read_leads(path: &Path, id_column: Option<&str>, on_error: OnError) -> Result<Vec<Profile>> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot open leads file {}", path.display()))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = progress(len, "leads");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(bar.wrap_read(file));
    let name = path.display();
    let headers = reader
        .headers()
        .with_context(|| format!("{name}: cannot read the header row"))?
        .clone();
    let headers: Vec<&str> = headers.iter().collect();
    let columns = ProfileColumns::from_headers(&headers, id_column)
        .map_err(|e| anyhow::anyhow!("{name}:1: {e}"))?;
    let mut profiles = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(format!("{name}:{line}: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let fields: Vec<&str> = record.iter().collect();
        match columns.profile(&fields) {
            Ok(p) => {
                if let Some(first) = seen.insert(p.id.clone(), line) {
                    errors.push(format!(
                        "{name}:{line}: lead id `{}` already appears on line {first}",
                        p.id
                    ));
                } else {
                    profiles.push(p);
                }
            }
            Err(e) => errors.push(format!("{name}:{line}: {e}")),
        }
    }
    bar.finish_and_clear();
    report(errors, on_error, "lead rows")?;
    Ok(profiles)
}

/// Reads Segment messages, one JSON object per line; blank lines are skipped.
pub fn read_events(path: &Path, on_error: OnError) -> Result<Vec<Event>> {
    let bar = progress(
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        "events",
    );
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read events file {}", path.display()))?;
    bar.set_position(text.len() as u64 / 4);
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l))
        .collect();
    let name = path.display().to_string();
    // Parsing dominates load time for large files, and lines are independent.
    let parsed: Vec<Result<Event, String>> = lines
        .par_iter()
        .map(|(n, line)| segment::parse_line(line).map_err(|e| format!("{name}:{n}: {e}")))
        .collect();
    bar.finish_and_clear();
    let mut events = Vec::with_capacity(parsed.len());
    let mut errors = Vec::new();
    for p in parsed {
        match p {
            Ok(e) => events.push(e),
            Err(e) => errors.push(e),
        }
    }
    report(errors, on_error, "event lines")?;
    Ok(events)
}
