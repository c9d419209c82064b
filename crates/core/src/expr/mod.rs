//! Condition expressions.
