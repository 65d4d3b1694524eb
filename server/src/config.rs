//! Server configuration from flags and environment, with defaults that run
//! out of the box: 127.0.0.1:8080, SQLite and blobs under `./redline-data`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "redline-server", about = "Redline sync server", version)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Args, Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "REDLINE_LISTEN", default_value = "127.0.0.1:8080", global = true)]
    pub listen: String,
    /// Folder for the SQLite database and blobs.
    #[arg(long, env = "REDLINE_DATA", default_value = "redline-data", global = true)]
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL, or a SQLite file path. Default:
    /// `<data>/server.db`.
    #[arg(long, env = "REDLINE_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// PostgreSQL schema to use (created if missing).
    #[arg(long, env = "REDLINE_PG_SCHEMA", global = true)]
    pub pg_schema: Option<String>,
    /// Do not seed the demo region on first start.
    #[arg(long, env = "REDLINE_NO_SEED", global = true)]
    pub no_seed: bool,
    /// Largest sync request body in bytes.
    #[arg(long, default_value_t = 16 << 20, global = true)]
    pub max_body: usize,
    /// Requests per second allowed per device (sustained).
    #[arg(long, default_value_t = 20.0, global = true)]
    pub rate_per_sec: f64,
    /// Requests allowed per device in a burst.
    #[arg(long, default_value_t = 60.0, global = true)]
    pub rate_burst: f64,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Administer users, devices, sites and templates.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create or update a user: role is inspector, community_assistant,
    /// supervisor or admin; areas are scope prefixes like zj/hz/xh.
    PutUser {
        id: String,
        name: String,
        role: String,
        #[arg(long = "area")]
        areas: Vec<String>,
        #[arg(long = "site")]
        sites: Vec<String>,
    },
    /// Register a device for a user and print its token (shown once).
    AddDevice { user_id: String },
    /// Revoke a device's token.
    RevokeDevice { device_id: String },
    /// Import sites from a CSV file.
    ImportSites { file: PathBuf },
    /// Publish a template version from a JSON file.
    PublishTemplate { file: PathBuf },
}
