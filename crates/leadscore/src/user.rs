//! `leadscore user add`: creates a dashboard user in a server's database
//! (the first admin, or anyone later without the web page). The password
//! comes from `LEADSCORE_USER_PASSWORD` or the first line of stdin, never
//! from the command line, where other users of the machine could see it.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

/// `leadscore user ...`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a dashboard user.
    Add(AddArgs),
}

/// Options of `leadscore user add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The server's database.
    #[command(flatten)]
    pub database: crate::database::DatabaseArg,
    /// The user's email (their login).
    #[arg(long)]
    pub email: String,
    /// `admin`, `marketing` or `sales`.
    #[arg(long, default_value = "sales")]
    pub role: String,
}

/// Runs a user command.
pub fn run(command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add(args) => add(args),
    }
}

fn add(args: AddArgs) -> Result<()> {
    let password = match std::env::var("LEADSCORE_USER_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("Password for {} (one line on stdin):", args.email);
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the password from stdin")?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    if password.is_empty() {
        bail!("password: expected one from LEADSCORE_USER_PASSWORD or stdin");
    }
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async {
        let store = args.database.open().await?;
        let id = leadscore_server::dashboard::users::add_user(
            store.as_ref(),
            &args.email,
            &password,
            &args.role,
        )
        .await?;
        println!(
            "Created {} user {} (id {id}).",
            args.role,
            args.email.trim().to_lowercase()
        );
        Ok(())
    })
}
