//! Features, training, metrics, backtesting and synthetic data for leadscore.

pub mod synth;
