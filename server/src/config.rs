//! Server configuration from a config file, the environment and flags (each
//! overriding the one before), with defaults that run out of the box:
//! 127.0.0.1:8080, SQLite and blobs under `./redline-data`.

use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use redline_api::state::Limits;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "redline-server", about = "Redline sync server", version)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings a config file may hold, named as their flags' fields.
/// `--config redline.toml` (or `REDLINE_CONFIG`) names the file.
const FILE_KEYS: &[&str] = &["listen", "data_dir", "database_url", "pg_schema", "no_seed"];

/// Parses the command line (`args[0]` is the program) with the environment
/// and the config file beneath it: flags > environment > file > defaults.
/// Unknown keys in the file are an error, not a silent typo. Nothing is
/// written to the process environment.
pub fn parse(args: &[String]) -> Result<Cli, String> {
    let matches = match Cli::command().try_get_matches_from(args) {
        Ok(m) => m,
        // `--help` and `--version` are answers, not failures: printed to
        // stdout, exit code 0.
        Err(e) if matches!(e.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion) => e.exit(),
        Err(e) => return Err(e.to_string()),
    };
    let mut cli = Cli::from_arg_matches(&matches).map_err(|e| e.to_string())?;
    let Some(path) = cli.config.config.clone() else { return Ok(cli) };
    let text = std::fs::read_to_string(&path).map_err(|e| format!("config file {}: {e}", path.display()))?;
    let table: toml::Table = text.parse().map_err(|e| format!("config file {}: {e}", path.display()))?;
    for (key, value) in table {
        let Some(arg) = FILE_KEYS.iter().copied().find(|k| *k == key) else {
            return Err(format!("config file {}: unknown setting {key:?}", path.display()));
        };
        // The file fills only what neither a flag nor the environment set.
        if matches!(matches.value_source(arg), Some(ValueSource::CommandLine | ValueSource::EnvVariable)) {
            continue;
        }
        let text = match value {
            toml::Value::String(s) => s,
            other => other.to_string(),
        };
        cli.config.set(arg, &text).map_err(|e| format!("config file {}: {key}: {e}", path.display()))?;
    }
    Ok(cli)
}

impl Config {
    /// Sets one file-settable field from its text.
    fn set(&mut self, arg: &str, text: &str) -> Result<(), String> {
        match arg {
            "listen" => self.listen = text.into(),
            "data_dir" => self.data_dir = text.into(),
            "database_url" => self.database_url = Some(text.into()),
            "pg_schema" => self.pg_schema = Some(text.into()),
            "no_seed" => self.no_seed = text.parse().map_err(|_| format!("{text:?} is not true or false"))?,
            other => return Err(format!("{other} cannot be set from a file")),
        }
        Ok(())
    }
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
    /// Mark the dashboard's cookies `Secure`: set when the server is
    /// reached over TLS (behind a terminating proxy).
    #[arg(long, env = "REDLINE_SECURE_COOKIES", global = true)]
    pub secure_cookies: bool,
    /// Font for printed documents (a .ttf/.otf/.ttc with Chinese glyphs);
    /// Debian's fonts-wqy-microhei is used when installed.
    #[arg(long, env = "REDLINE_REPORT_FONT", global = true)]
    pub report_font: Option<std::path::PathBuf>,
    /// The issuing office printed documents name.
    #[arg(long, env = "REDLINE_OFFICE", default_value = "应急管理局", global = true)]
    pub office: String,
    /// Largest sync request body in bytes.
    #[arg(long, default_value_t = 16 << 20, global = true)]
    pub max_body: usize,
    /// Requests per second allowed per device (sustained).
    #[arg(long, default_value_t = 20.0, global = true)]
    pub rate_per_sec: f64,
    /// Requests allowed per device in a burst.
    #[arg(long, default_value_t = 60.0, global = true)]
    pub rate_burst: f64,
    /// Seconds a client has to send a request's headers; also how long an
    /// idle connection stays open.
    #[arg(long, default_value_t = Limits::default().header_timeout.as_secs(), value_parser = secs(), global = true)]
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a request's body once its headers are
    /// in (408 after).
    #[arg(long, default_value_t = Limits::default().body_timeout.as_secs(), value_parser = secs(), global = true)]
    pub body_timeout_secs: u64,
    /// Connections one client address may hold open at once; 0 for no
    /// bound (behind a proxy every client has the proxy's address).
    #[arg(long, default_value_t = Limits::default().conns_per_ip, global = true)]
    pub conns_per_ip: usize,
    /// Requests one device may have in flight at once (429 past it); 0 for
    /// no bound.
    #[arg(long, default_value_t = Limits::default().in_flight_per_device, global = true)]
    pub in_flight_per_device: usize,
    /// Days a blob no document cites (and an abandoned partial upload) is
    /// kept before it is collected.
    #[arg(long, default_value_t = Limits::default().blob_retention.as_secs() / 86_400, value_parser = secs(), global = true)]
    pub blob_retention_days: u64,
    #[command(flatten)]
    pub s3: S3Args,
}

/// Blobs on an S3-compatible object store instead of the data folder
/// (a server built with `--features s3`): set by `--s3-endpoint`.
#[derive(Args, Debug, Clone)]
pub struct S3Args {
    /// `http(s)://host:port` of the S3 API; blobs stay in the data folder
    /// when unset.
    #[arg(long, env = "REDLINE_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,
    #[arg(long, env = "REDLINE_S3_BUCKET", default_value = "redline-blobs", global = true)]
    pub s3_bucket: String,
    #[arg(long, env = "REDLINE_S3_REGION", default_value = "garage", global = true)]
    pub s3_region: String,
    /// Key prefix inside the bucket.
    #[arg(long, env = "REDLINE_S3_PREFIX", default_value = "", global = true)]
    pub s3_prefix: String,
    /// The access key (from the environment: kept off the command line).
    #[arg(long, env = "REDLINE_S3_ACCESS_KEY_ID", hide_env_values = true, global = true)]
    pub s3_access_key_id: Option<String>,
    #[arg(long, env = "REDLINE_S3_SECRET_ACCESS_KEY", hide_env_values = true, global = true)]
    pub s3_secret_access_key: Option<String>,
}

/// A timeout in whole seconds, at least one (0 would refuse everything).
fn secs() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(1..)
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
    /// Refill the read models (supervisors' lists, overview, exports) from
    /// every stored document.
    RebuildReadModels,
    /// Set a user's dashboard password (at least 10 characters); ends the
    /// user's sessions. Reads the password from standard input when not given.
    SetPassword { user_id: String, password: Option<String> },
}
