//! The leadscore command line's building blocks: reading files, scoring
//! data sets in parallel, writing results, and the commands themselves. The
//! `leadscore` binary only parses arguments and calls these.

pub mod backtest;
pub mod bench;
pub mod database;
pub mod dataset;
pub mod demo;
pub mod demo_store;
pub mod explain_text;
pub mod export;
pub mod funnel;
pub mod input;
pub mod output;
pub mod rescore;
pub mod score;
pub mod serve;
pub mod train;
pub mod user;
