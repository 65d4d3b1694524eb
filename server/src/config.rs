//! Server configuration from a config file, the environment and flags (each
//! overriding the one before), with defaults that run out of the box:
//! 127.0.0.1:8080, SQLite and blobs under `./redline-data`.

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

/// Settings a config file may hold, and the environment variable each one
/// stands in for. `--config redline.toml` (or `REDLINE_CONFIG`) names it.
const FILE_KEYS: &[(&str, &str)] = &[
    ("listen", "REDLINE_LISTEN"),
    ("data_dir", "REDLINE_DATA"),
    ("database_url", "REDLINE_DATABASE_URL"),
    ("pg_schema", "REDLINE_PG_SCHEMA"),
    ("no_seed", "REDLINE_NO_SEED"),
];

/// Reads the config file named on the command line or in `REDLINE_CONFIG`
/// into the environment, without overriding variables already set, so that
/// flags > environment > file. Unknown keys are an error, not a silent typo.
pub fn load_config_file(args: &[String]) -> Result<(), String> {
    let named = args
        .iter()
        .position(|a| a == "--config")
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| args.iter().find_map(|a| a.strip_prefix("--config=").map(String::from)))
        .or_else(|| std::env::var("REDLINE_CONFIG").ok());
    let Some(path) = named else { return Ok(()) };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("config file {path}: {e}"))?;
    let table: toml::Table = text.parse().map_err(|e| format!("config file {path}: {e}"))?;
    for (key, value) in table {
        let Some((_, var)) = FILE_KEYS.iter().find(|(k, _)| *k == key) else {
            return Err(format!("config file {path}: unknown setting {key:?}"));
        };
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Boolean(b) => b.to_string(),
            other => other.to_string(),
        };
        if std::env::var_os(var).is_none() {
            // Single-threaded start-up, before any other thread exists.
            unsafe { std::env::set_var(var, value) };
        }
    }
    Ok(())
}

#[derive(Args, Debug, Clone)]
pub struct Config {
    /// A TOML file with any of: listen, data_dir, database_url, pg_schema,
    /// no_seed. Environment variables and flags override it.
    #[arg(long, env = "REDLINE_CONFIG", global = true)]
    pub config: Option<PathBuf>,
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
