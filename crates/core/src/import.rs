//! Lead profile import from tabular rows.
