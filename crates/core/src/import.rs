//! Lead profiles from tabular rows (CSV exports of a CRM): a header row
//! says which column holds the lead id, every other column becomes an
//! attribute.
//!
//! The caller reads the file; this module only sees headers and fields, so
//! its errors name columns and counts and the caller adds file and line.

use crate::event::Profile;
use crate::value::Value;
use smol_str::SmolStr;
use std::fmt::Write as _;

/// Header names tried, in this order and ignoring case, when no id column is
/// named: the common spellings in CRM and marketing-automation exports.
pub const DEFAULT_ID_COLUMNS: [&str; 5] = ["id", "lead_id", "user_id", "userId", "Prospect ID"];

/// Why a header row or a data row could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// No id column was named and none of [`DEFAULT_ID_COLUMNS`] is present.
    #[error(
        "no id column: expected one of {}; found columns {}",
        quoted(&DEFAULT_ID_COLUMNS),
        quoted(found)
    )]
    NoIdColumn {
        /// The header names present.
        found: Vec<String>,
    },
    /// The id column named by the caller is not among the headers.
    #[error("id column `{column}` not found; found columns {}", quoted(found))]
    IdColumnNotFound {
        /// The column asked for.
        column: String,
        /// The header names present.
        found: Vec<String>,
    },
    /// Two or more columns share a name, so attributes would overwrite each
    /// other.
    #[error("duplicate column names: {}", quoted(names))]
    DuplicateColumns {
        /// Each name that occurs more than once, listed once.
        names: Vec<String>,
    },
    /// A row has a different number of fields than the header.
    #[error("expected {expected} fields, found {found}")]
    FieldCount {
        /// The number of header columns.
        expected: usize,
        /// The number of fields in the row.
        found: usize,
    },
    /// A row's id field is blank.
    #[error("empty lead id in column `{column}`")]
    EmptyId {
        /// The id column's header.
        column: String,
    },
}

fn quoted<S: AsRef<str>>(names: &[S]) -> String {
    let mut out = String::new();
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "`{}`", name.as_ref());
    }
    if out.is_empty() {
        out.push_str("none");
    }
    out
}

/// The layout of a table of lead profiles, read from its header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileColumns {
    /// Trimmed header names, one per column; `None` for a column with a blank
    /// header, whose fields are ignored.
    names: Vec<Option<SmolStr>>,
    id: usize,
}

impl ProfileColumns {
    /// Reads the header row. Names are trimmed (and a leading byte-order mark
    /// dropped). The id column is `id_column` if given, else the first of
    /// [`DEFAULT_ID_COLUMNS`] present; either way matched ignoring case, an
    /// exact match winning. Columns with a blank header (the empty last
    /// column of a row ending in a comma) are ignored.
    pub fn from_headers(
        headers: &[&str],
        id_column: Option<&str>,
    ) -> Result<ProfileColumns, ImportError> {
        let names: Vec<Option<SmolStr>> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let h = if i == 0 {
                    h.trim_start_matches('\u{feff}')
                } else {
                    h
                };
                Some(h.trim())
                    .filter(|h| !h.is_empty())
                    .map(crate::known::intern)
            })
            .collect();

        let mut duplicates: Vec<String> = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let Some(name) = name else { continue };
            let repeated = names[..i].iter().flatten().any(|earlier| earlier == name);
            if repeated && !duplicates.iter().any(|d| d == name) {
                duplicates.push(name.to_string());
            }
        }
        if !duplicates.is_empty() {
            return Err(ImportError::DuplicateColumns { names: duplicates });
        }

        let found = || {
            names
                .iter()
                .flatten()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
        };
        let id = match id_column {
            Some(column) => {
                find_column(&names, column.trim()).ok_or_else(|| ImportError::IdColumnNotFound {
                    column: column.trim().to_string(),
                    found: found(),
                })?
            }
            None => DEFAULT_ID_COLUMNS
                .iter()
                .find_map(|candidate| find_column(&names, candidate))
                .ok_or_else(|| ImportError::NoIdColumn { found: found() })?,
        };
        Ok(ProfileColumns { names, id })
    }

    /// The header of the id column.
    pub fn id_column(&self) -> &str {
        self.names[self.id].as_deref().unwrap_or_default()
    }

    /// The number of fields each row must have.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True for a header row with no columns (which cannot happen: there is
    /// always an id column).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Builds the profile in one row: the id from the id column (trimmed),
    /// every other named column an attribute read with [`Value::from_text`],
    /// blank fields included as `Null`.
    pub fn profile(&self, fields: &[&str]) -> Result<Profile, ImportError> {
        if fields.len() != self.names.len() {
            return Err(ImportError::FieldCount {
                expected: self.names.len(),
                found: fields.len(),
            });
        }
        let id = fields[self.id].trim();
        if id.is_empty() {
            return Err(ImportError::EmptyId {
                column: self.id_column().to_string(),
            });
        }
        let mut profile = Profile::new(id);
        for (i, (name, field)) in self.names.iter().zip(fields).enumerate() {
            if let Some(name) = name.as_ref().filter(|_| i != self.id) {
                profile
                    .attributes
                    .insert(name.clone(), Value::from_text(field));
            }
        }
        Ok(profile)
    }
}

/// The column called `wanted`: an exact match, else the first that matches
/// ignoring case.
fn find_column(names: &[Option<SmolStr>], wanted: &str) -> Option<usize> {
    let position = |matches: &dyn Fn(&str) -> bool| {
        names.iter().position(|n| n.as_deref().is_some_and(matches))
    };
    position(&|n| n == wanted).or_else(|| position(&|n| n.eq_ignore_ascii_case(wanted)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_profiles_from_rows() {
        let cols = ProfileColumns::from_headers(
            &["\u{feff}Email ", "Lead_ID", "Số nhân viên", "VIP", ""],
            None,
        )
        .unwrap();
        assert_eq!(cols.id_column(), "Lead_ID");
        assert_eq!(cols.len(), 5);
        let p = cols
            .profile(&["lan@acme.vn", " L-42 ", "250", "yes", "ignored"])
            .unwrap();
        assert_eq!(p.id, "L-42");
        assert_eq!(p.get("Email"), &Value::from("lan@acme.vn"));
        assert_eq!(p.get("Số nhân viên"), &Value::Num(250.0));
        assert_eq!(p.get("VIP"), &Value::Bool(true));
        assert_eq!(p.attributes.len(), 3);
        assert!(!p.attributes.contains_key("Lead_ID"));

        let blank = cols.profile(&["", "L-43", " ", "", ""]).unwrap();
        assert_eq!(blank.attributes.get("Email"), Some(&Value::Null));
    }

    #[test]
    fn default_id_columns_in_priority_order() {
        let id_of = |headers: &[&str]| {
            ProfileColumns::from_headers(headers, None).map(|c| c.id_column().to_string())
        };
        assert_eq!(id_of(&["user_id", "ID"]).unwrap(), "ID");
        assert_eq!(id_of(&["userid", "name"]).unwrap(), "userid");
        assert_eq!(id_of(&["name", "Prospect ID"]).unwrap(), "Prospect ID");
        assert_eq!(id_of(&["Id", "id"]).unwrap(), "id");
        let err = id_of(&["Email", "Name"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no id column: expected one of `id`, `lead_id`, `user_id`, `userId`, `Prospect ID`; \
             found columns `Email`, `Name`"
        );
    }

    #[test]
    fn named_id_column() {
        let cols = ProfileColumns::from_headers(&["id", "Mã KH"], Some("mã kh")).unwrap();
        assert_eq!(cols.id_column(), "Mã KH");
        let p = cols.profile(&["7", "KH-001"]).unwrap();
        assert_eq!(p.id, "KH-001");
        assert_eq!(p.get("id"), &Value::Num(7.0));
        let err = ProfileColumns::from_headers(&["id", "email"], Some("crm_id")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "id column `crm_id` not found; found columns `id`, `email`"
        );
    }

    #[test]
    fn duplicate_headers_are_named() {
        let err = ProfileColumns::from_headers(
            &["id", "email", "phone", "email ", "phone", "email"],
            None,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "duplicate column names: `email`, `phone`");
        assert!(ProfileColumns::from_headers(&["id", "", ""], None).is_ok());
    }

    #[test]
    fn row_errors() {
        let cols = ProfileColumns::from_headers(&["user_id", "email"], None).unwrap();
        let err = cols.profile(&["u1"]).unwrap_err();
        assert_eq!(err.to_string(), "expected 2 fields, found 1");
        let err = cols.profile(&["  ", "a@b.vn"]).unwrap_err();
        assert_eq!(err.to_string(), "empty lead id in column `user_id`");
        assert_eq!(
            err,
            ImportError::EmptyId {
                column: "user_id".into()
            }
        );
    }
}
