//! Features, training, metrics, backtesting and synthetic data for leadscore.

pub mod backtest;
pub mod behaviour;
pub mod dataset;
pub mod features;
pub mod hist;
pub mod history;
pub mod live;
pub mod logistic;
pub mod metrics;
pub mod replay;
pub mod split;
pub mod suggest;
pub mod synth;
pub mod table;
pub mod train;
