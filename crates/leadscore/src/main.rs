//! The leadscore command line: a thin layer of argument parsing over the
//! library crates.

use anyhow::Result;
use clap::{Parser, Subcommand};
use leadscore::{backtest, bench, demo, funnel, score, serve, train, user};
use std::path::PathBuf;

/// Lead scoring with transparent rules: fit, engagement, stages and the hot-lead matrix.
#[derive(Parser)]
#[command(name = "leadscore", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Score leads from files and print the ranked list, hottest first.
    Score(score::ScoreArgs),
    /// Explain one lead's score rule by rule.
    Explain(score::ExplainArgs),
    /// Work with model files.
    Model {
        #[command(subcommand)]
        command: ModelCommand,
    },
    /// Generate a realistic synthetic data set, score it and print the ranked list.
    Demo(demo::DemoArgs),
    /// Measure full rescoring throughput on generated data.
    Bench(bench::BenchArgs),
    /// Run the HTTP service: Segment-compatible ingestion and the leads API.
    Serve(serve::ServeArgs),
    /// Report the funnel from a server's database: stage counts and
    /// conversion, first-try contact rate, conversion by score band and cell.
    Funnel(funnel::FunnelArgs),
    /// Learn the probability of conversion from leads with known outcomes
    /// (CSV); report hold-out metrics and save the model.
    Train(train::TrainArgs),
    /// Measure a rule model on leads with known outcomes; compare two
    /// models and preview the switch.
    Backtest(backtest::BacktestArgs),
    /// Suggest rule points and an MQL line from leads with known outcomes.
    Suggest(backtest::SuggestArgs),
    /// Manage dashboard users.
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
}

#[derive(Subcommand)]
enum ModelCommand {
    /// Validate model files and list every error.
    Check {
        /// Model files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// Errors go to stderr as their chain of causes, with exit code 1; a
/// backtrace helps nobody reading a bad model or data file.
fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Score(args) => score::run_score(args),
        Command::Explain(args) => score::run_explain(args),
        Command::Model {
            command: ModelCommand::Check { files },
        } => score::run_check(&files),
        Command::Demo(args) => demo::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Funnel(args) => funnel::run(args),
        Command::Train(args) => train::run(args),
        Command::Backtest(args) => backtest::run(args),
        Command::Suggest(args) => backtest::run_suggest(args),
        Command::User { command } => user::run(command),
    }
}
