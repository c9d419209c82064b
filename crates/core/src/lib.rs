//! leadscore's domain: leads, events, model files and the scoring engine.
//!
//! Everything here is pure: no I/O, no async, no database. A lead's result is
//! a function of its profile, its events, its account's context and a point
//! in time.

pub mod dataset;
pub mod email;
pub mod engine;
pub mod event;
pub mod expr;
pub mod identity;
pub mod import;
pub mod known;
pub mod model;
pub mod ranking;
pub mod segment;
pub mod time;
pub mod value;
mod words;

pub use event::{Event, EventKind, Profile, Props};
pub use time::{Duration, Timestamp};
pub use value::Value;
