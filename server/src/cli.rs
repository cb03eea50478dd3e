//! The command line: `serve` (default), `worker`, `migrate`, `seed`, `admin create`,
//! `data-key new`, `data-key rotate`.

use std::io::Read;

use anyhow::{bail, Context};
use app::users::service::{self, NewUser};
use app::users::Role;
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::startup;

#[derive(Debug, Parser)]
#[command(name = "taquilla", version, about = "Taquilla: tickets for live events")]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and API (the default). In embedded mode, or with
    /// `--with-workers`, also runs the outbox relay and the consumers.
    Serve {
        #[arg(long)]
        with_workers: bool,
    },
    /// Run the outbox relay and the event consumers only.
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Load the demo data (venues, events, demo accounts) if the database is empty.
    Seed,
    /// Administration tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The keys that seal personal data at rest (`TAQUILLA_DATA_KEY`).
    DataKey {
        #[command(subcommand)]
        command: DataKeyCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum DataKeyCommand {
    /// Print a new random key, `id:base64`, to put in front of TAQUILLA_DATA_KEY.
    New {
        /// Its id (letters, digits, - or _), named by every value it seals.
        #[arg(long)]
        id: String,
    },
    /// Seal again, under the first key of TAQUILLA_DATA_KEY, every value sealed by
    /// another one; afterwards the others can be dropped.
    Rotate,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an administrator account (the first admin in production).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        display_name: String,
        /// Read the password from standard input (required; never pass it as an argument).
        #[arg(long)]
        password_stdin: bool,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve { with_workers: false }) {
        Command::Serve { with_workers } => startup::serve(&config, with_workers || config.amqp_url.is_none()).await,
        Command::Worker => startup::run_workers(&config).await,
        Command::Migrate => {
            startup::open_database(&config).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Seed => {
            let state = startup::command_state(&config).await?;
            match crate::seed::seed_demo(&state).await? {
                Some(accounts) => crate::seed::print_accounts(&accounts),
                None => println!("the database already has data; nothing seeded"),
            }
            Ok(())
        }
        Command::DataKey { command: DataKeyCommand::New { id } } => {
            println!("{}", app::sealing::DataKeys::new_key_spec(&id).map_err(|e| anyhow::anyhow!(e))?);
            Ok(())
        }
        Command::DataKey { command: DataKeyCommand::Rotate } => {
            let state = startup::command_state(&config).await?;
            let resealed = app::support::service::reseal_all(&state.db, &state.data_keys).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{resealed} sealed values now under the key {}", state.data_keys.current_id());
            Ok(())
        }
        Command::Admin { command: AdminCommand::Create { email, display_name, password_stdin } } => {
            if !password_stdin {
                bail!("pass --password-stdin and type the password on standard input");
            }
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password).context("reading the password")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let state = startup::command_state(&config).await?;
            let new = NewUser { email, display_name, password, role: Role::Admin, skills: vec![] };
            match service::register(&state.db, &state.accounts.hasher, new).await {
                Ok(user) => {
                    println!("created administrator {} ({})", user.email, user.id);
                    Ok(())
                }
                Err(app::AppError::Validation(errors)) => {
                    let list = errors.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>().join("; ");
                    bail!("{list}")
                }
                Err(e) => bail!("{e}"),
            }
        }
    }
}
