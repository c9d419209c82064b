//! Tabular lead data with known outcomes, read from any CSV export: which
//! column is the id, which the outcome, which to leave out, and the quirks of
//! real exports (a form's default answer meaning "not answered", empty
//! cells, Yes/No flags, the same category spelt in different cases).

use std::collections::HashSet;
use std::io::Read;

/// How to read a table.
#[derive(Debug, Clone, Default)]
pub struct TableSpec {
    /// The id column; without one, rows are numbered from 1.
    pub id: Option<String>,
    /// The outcome column.
    pub outcome: String,
    /// Outcome values that mean "converted", compared ignoring case (default
    /// `1`, `true`, `yes`, `won`, `converted`).
    pub positive: Vec<String>,
    /// Columns left out (for example those sales fill in after contact,
    /// which leak the outcome).
    pub exclude: Vec<String>,
    /// Values that mean "not answered" (a form's default, such as `Select`),
    /// kept apart from empty cells.
    pub not_answered: Vec<String>,
}

/// One cell after reading.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Empty.
    Missing,
    /// A "not answered" value.
    NotAnswered,
    /// A number (in a numeric column).
    Num(f64),
    /// A category, lower-cased and trimmed so spelling variants meet.
    Cat(String),
}

/// A column: its name and its cells, one per row.
#[derive(Debug, Clone)]
pub struct Column {
    /// Header name.
    pub name: String,
    /// Whether every answered cell is a number.
    pub numeric: bool,
    /// Cells, one per row.
    pub cells: Vec<Cell>,
}

/// A table of leads with outcomes.
#[derive(Debug, Clone)]
pub struct Table {
    /// Row ids.
    pub ids: Vec<String>,
    /// Outcomes.
    pub y: Vec<bool>,
    /// Feature columns (id, outcome and excluded columns left out).
    pub columns: Vec<Column>,
    /// Rows identical to an earlier row apart from the id.
    pub duplicate_rows: usize,
}

/// Why a table could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The CSV itself is malformed.
    #[error("line {line}: {message}")]
    Csv {
        /// Line number in the file (1 is the header).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A named column is not in the header.
    #[error("column `{column}` ({role}) not found; columns are {found}")]
    NoColumn {
        /// The column asked for.
        column: String,
        /// What it was for: id, outcome, exclude.
        role: &'static str,
        /// The header.
        found: String,
    },
    /// An outcome cell is empty.
    #[error("line {line}: the outcome column `{column}` is empty")]
    NoOutcome {
        /// Line number.
        line: u64,
        /// The outcome column.
        column: String,
    },
    /// Only one outcome occurs, so there is nothing to learn.
    #[error(
        "every row has the same outcome ({positives} of {rows} converted); training needs both"
    )]
    OneClass {
        /// Converted rows.
        positives: usize,
        /// All rows.
        rows: usize,
    },
}

const DEFAULT_POSITIVE: [&str; 5] = ["1", "true", "yes", "won", "converted"];

impl Table {
    /// Reads a CSV with a header row.
    pub fn from_csv(input: impl Read, spec: &TableSpec) -> Result<Table, TableError> {
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| TableError::Csv {
                line: 1,
                message: e.to_string(),
            })?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
        let find = |name: &str, role: &'static str| {
            headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| TableError::NoColumn {
                    column: name.to_owned(),
                    role,
                    found: headers.join(", "),
                })
        };
        let outcome = find(&spec.outcome, "outcome")?;
        let id = spec.id.as_deref().map(|c| find(c, "id")).transpose()?;
        let mut skip = vec![false; headers.len()];
        skip[outcome] = true;
        if let Some(i) = id {
            skip[i] = true;
        }
        for c in &spec.exclude {
            skip[find(c, "exclude")?] = true;
        }
        let positive: Vec<String> = if spec.positive.is_empty() {
            DEFAULT_POSITIVE.iter().map(|s| (*s).to_owned()).collect()
        } else {
            spec.positive
                .iter()
                .map(|s| s.trim().to_lowercase())
                .collect()
        };
        let not_answered: Vec<String> = spec
            .not_answered
            .iter()
            .map(|s| s.trim().to_lowercase())
            .collect();

        let mut raw: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
        let mut ids = Vec::new();
        let mut y = Vec::new();
        for (n, record) in reader.records().enumerate() {
            let line = n as u64 + 2;
            let record = record.map_err(|e| TableError::Csv {
                line,
                message: e.to_string(),
            })?;
            let out = record.get(outcome).unwrap_or("").trim().to_lowercase();
            if out.is_empty() {
                return Err(TableError::NoOutcome {
                    line,
                    column: headers[outcome].clone(),
                });
            }
            y.push(positive.contains(&out));
            ids.push(match id {
                Some(i) => record.get(i).unwrap_or("").trim().to_owned(),
                None => (n + 1).to_string(),
            });
            for (c, field) in record.iter().enumerate() {
                if !skip[c] {
                    raw[c].push(field.trim().to_owned());
                }
            }
        }
        let positives = y.iter().filter(|v| **v).count();
        if positives == 0 || positives == y.len() {
            return Err(TableError::OneClass {
                positives,
                rows: y.len(),
            });
        }
        let columns: Vec<Column> = headers
            .iter()
            .zip(raw)
            .zip(&skip)
            .filter(|(_, skip)| !**skip)
            .map(|((name, values), _)| column(name, &values, &not_answered))
            .collect();
        let duplicate_rows = duplicates(&columns, &y);
        Ok(Table {
            ids,
            y,
            columns,
            duplicate_rows,
        })
    }

    /// A table of lead profiles (every attribute a column, read as the
    /// CSV importer reads a cell) with their outcomes; `exclude` names
    /// attributes to leave out, compared ignoring case.
    pub fn from_profiles(
        profiles: &[&leadscore_core::Profile],
        y: Vec<bool>,
        exclude: &[String],
        not_answered: &[String],
    ) -> Result<Table, TableError> {
        let positives = y.iter().filter(|v| **v).count();
        if positives == 0 || positives == y.len() {
            return Err(TableError::OneClass {
                positives,
                rows: y.len(),
            });
        }
        let names: std::collections::BTreeSet<&str> = profiles
            .iter()
            .flat_map(|p| p.attributes.keys().map(|k| k.as_str()))
            .filter(|k| !exclude.iter().any(|x| x.trim().eq_ignore_ascii_case(k)))
            .collect();
        let not_answered: Vec<String> = not_answered
            .iter()
            .map(|s| s.trim().to_lowercase())
            .collect();
        let columns: Vec<Column> = names
            .into_iter()
            .map(|name| {
                let values: Vec<String> = profiles
                    .iter()
                    .map(|p| p.get(name).to_string().trim().to_owned())
                    .collect();
                column(name, &values, &not_answered)
            })
            .collect();
        let duplicate_rows = duplicates(&columns, &y);
        Ok(Table {
            ids: profiles.iter().map(|p| p.id.to_string()).collect(),
            y,
            columns,
            duplicate_rows,
        })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.y.len()
    }

    /// The rows at `index`, in that order.
    pub fn select(&self, index: &[usize]) -> Table {
        Table {
            ids: index.iter().map(|&i| self.ids[i].clone()).collect(),
            y: index.iter().map(|&i| self.y[i]).collect(),
            columns: self
                .columns
                .iter()
                .map(|c| Column {
                    name: c.name.clone(),
                    numeric: c.numeric,
                    cells: index.iter().map(|&i| c.cells[i].clone()).collect(),
                })
                .collect(),
            duplicate_rows: 0,
        }
    }
}

/// Types a column from its values: numeric when every answered value is a
/// number.
fn column(name: &str, values: &[String], not_answered: &[String]) -> Column {
    let is_na = |v: &str| not_answered.iter().any(|n| v.eq_ignore_ascii_case(n));
    let numeric = values
        .iter()
        .filter(|v| !v.is_empty() && !is_na(v))
        .all(|v| v.parse::<f64>().is_ok_and(f64::is_finite));
    let cells = values
        .iter()
        .map(|v| {
            if v.is_empty() {
                Cell::Missing
            } else if is_na(v) {
                Cell::NotAnswered
            } else if numeric {
                v.parse().map_or(Cell::Missing, Cell::Num)
            } else {
                Cell::Cat(v.to_lowercase())
            }
        })
        .collect();
    Column {
        name: name.to_owned(),
        numeric,
        cells,
    }
}

/// Counts rows equal to an earlier row in every feature and the outcome.
fn duplicates(columns: &[Column], y: &[bool]) -> usize {
    let mut seen: HashSet<String> = HashSet::new();
    let mut n = 0;
    for (r, outcome) in y.iter().enumerate() {
        let key = columns
            .iter()
            .map(|c| format!("{:?}", c.cells[r]))
            .chain(std::iter::once(outcome.to_string()))
            .collect::<Vec<_>>()
            .join("\u{1f}");
        if !seen.insert(key) {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_answered_missing_and_spelling_variants_are_kept_apart_or_joined() {
        let csv = "id,Source,Visits,City,Converted\n\
                   a,Google,3,Select,1\n\
                   b,google,,Hanoi,0\n\
                   c,Chat,2.5,,No\n";
        let spec = TableSpec {
            id: Some("id".into()),
            outcome: "converted".into(),
            not_answered: vec!["select".into()],
            ..TableSpec::default()
        };
        let t = Table::from_csv(csv.as_bytes(), &spec).unwrap();
        assert_eq!(t.y, vec![true, false, false]);
        assert_eq!(t.columns.len(), 3);
        assert_eq!(
            t.columns[0].cells[0], t.columns[0].cells[1],
            "Google = google"
        );
        assert!(t.columns[1].numeric);
        assert_eq!(t.columns[1].cells[1], Cell::Missing);
        assert_eq!(t.columns[2].cells[0], Cell::NotAnswered);
        assert_eq!(t.columns[2].cells[2], Cell::Missing);
    }

    #[test]
    fn errors_name_the_column_or_line() {
        let spec = |outcome: &str| TableSpec {
            outcome: outcome.into(),
            ..TableSpec::default()
        };
        let e = Table::from_csv("a,b\n1,2\n".as_bytes(), &spec("won")).unwrap_err();
        assert!(
            e.to_string().contains("column `won` (outcome) not found"),
            "{e}"
        );
        let e = Table::from_csv("a,won\n1,\n".as_bytes(), &spec("won")).unwrap_err();
        assert_eq!(e.to_string(), "line 2: the outcome column `won` is empty");
        let e = Table::from_csv("a,won\n1,1\n2,1\n".as_bytes(), &spec("won")).unwrap_err();
        assert!(e.to_string().contains("same outcome"), "{e}");
    }
}
