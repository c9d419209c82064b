//! Email quality checks.
