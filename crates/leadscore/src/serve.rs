//! `leadscore serve`: runs the HTTP service over SQLite (default) or
//! PostgreSQL.

use crate::demo::B2B_MODEL;
use anyhow::{Context, Result};
use clap::Args;
use leadscore_server::{Config, Role};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Options of `leadscore serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The server's database.
    #[command(flatten)]
    pub database: crate::database::DatabaseArg,
    /// Address to listen on.
    #[arg(long, env = "LEADSCORE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Model file to activate when the database has none (default: the B2B example).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// An admin key to make sure exists (for scripted set-ups).
    #[arg(long, env = "LEADSCORE_ADMIN_KEY", hide_env_values = true)]
    pub admin_key: Option<String>,
    /// A write (ingest-only) key to make sure exists.
    #[arg(long, env = "LEADSCORE_WRITE_KEY", hide_env_values = true)]
    pub write_key: Option<String>,
    /// A read-only key to make sure exists.
    #[arg(long, env = "LEADSCORE_READ_KEY", hide_env_values = true)]
    pub read_key: Option<String>,
    /// The dashboard's first admin, created with `LEADSCORE_ADMIN_PASSWORD`
    /// when the database has no dashboard user yet.
    #[arg(long, env = "LEADSCORE_ADMIN_EMAIL")]
    pub admin_email: Option<String>,
    /// Mark dashboard cookies `Secure` (when served behind HTTPS).
    #[arg(long, env = "LEADSCORE_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Seconds between decay updates of the stored scores.
    #[arg(long, default_value_t = 60)]
    pub decay_every: u64,
    /// Milliseconds the effects of acknowledged events (scores, history)
    /// may wait to be written together: lower makes reads under heavy
    /// ingestion faster (a read writes what is pending first), higher
    /// writes less to disk and takes more events per second. Flushes also
    /// wait for the one being written, and grow, while the database is
    /// behind.
    #[arg(long, env = "LEADSCORE_FLUSH_MS",
          default_value_t = leadscore_server::writer::FLUSH_EVERY.as_millis() as u64,
          value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub flush_ms: u64,
    /// Seconds before the first retry of a failed webhook delivery; each
    /// further retry waits twice as long, up to an hour.
    #[arg(long, default_value_t = 10)]
    pub retry_after: u64,
}

/// Runs the server until it is stopped.
pub fn run(args: ServeArgs) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let default_model = match &args.model {
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?
        }
        None => B2B_MODEL.to_owned(),
    };
    let mut keys = Vec::new();
    for (role, key) in [
        (Role::Admin, &args.admin_key),
        (Role::Write, &args.write_key),
        (Role::Read, &args.read_key),
    ] {
        if let Some(k) = key {
            keys.push((role, k.clone()));
        }
    }
    // The password only ever comes from the environment: a command-line
    // argument is visible to every user of the machine.
    let first_admin = match (&args.admin_email, std::env::var("LEADSCORE_ADMIN_PASSWORD")) {
        (Some(email), Ok(password)) => Some((email.clone(), password)),
        (Some(_), Err(_)) => anyhow::bail!(
            "LEADSCORE_ADMIN_EMAIL is set but LEADSCORE_ADMIN_PASSWORD is not: the first admin needs a password"
        ),
        (None, _) => None,
    };
    let config = Config {
        first_admin,
        secure_cookies: args.secure_cookies,
        database_url: args.database.url,
        listen: args.listen,
        default_model,
        keys,
        decay_every: Duration::from_secs(args.decay_every.max(1)),
        flush_every: Duration::from_millis(args.flush_ms),
        backoff: leadscore_server::deliver::Backoff {
            base: Duration::from_secs(args.retry_after.max(1)),
            cap: Duration::from_secs(3600),
        },
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let running = leadscore_server::start(config).await?;
        if let Some(key) = &running.new_admin_key {
            eprintln!("Created the first admin key (shown only now): {key}");
        }
        eprintln!("leadscore listening on http://{}", running.addr);
        running.task.await.context("server task")??;
        Ok(())
    })
}
