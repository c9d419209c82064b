//! The `--database-url` option shared by the commands that work on a
//! server's database (`serve`, `funnel`, `user`).

use anyhow::{Context, Result};
use clap::Args;
use leadscore_store::Store;
use std::sync::Arc;

/// Where the server's data lives.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArg {
    /// Database: `sqlite://FILE` (the default, `./leadscore.db`) or `postgres://...`.
    #[arg(
        long = "database-url",
        env = "LEADSCORE_DATABASE_URL",
        default_value = "sqlite://leadscore.db"
    )]
    pub url: String,
}

impl DatabaseArg {
    /// Opens the store, applying its migrations.
    pub async fn open(&self) -> Result<Arc<dyn Store>> {
        leadscore_store::open(&self.url)
            .await
            .with_context(|| format!("opening {}", self.url))
    }
}
