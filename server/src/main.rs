//! `redline-server`: serve (the default) or administer.

use redline_admin::seed::seed_if_empty;
use redline_admin::{import_sites_csv, publish_template, register_device};
use redline_server::app::{self, anyhow_like::Result};
use redline_server::config::{AdminCommand, Cli, Command};
use redline_storage::{Scope, UserRecord};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let cli = redline_server::config::parse(&args)?;
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run(cli))
}

async fn run(cli: Cli) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let state = app::state(&config).await?;
            if !config.no_seed {
                let tokens = seed_if_empty(state.storage.as_ref()).await?;
                if !tokens.is_empty() {
                    println!("Seeded the demo region (Nanhu district, Jiaxing: zj/jx/nh). Device tokens, shown only now:");
                    for t in &tokens {
                        println!("  {:<18} device {}  token {}", t.user_id, t.device_id, t.token);
                    }
                    let today = redline_domain::time::Date::today();
                    let month = redline_demo::seed_month(&state, &tokens, today).await.map_err(|e| e.to_string())?;
                    println!(
                        "Seeded a month of demo work: {} inspections, {} hazards, {} open conflict, {} inspection plans",
                        month.inspections, month.hazards, month.conflicts, month.plans
                    );
                    for user in redline_admin::seed::DEMO_LOGINS {
                        redline_admin::sessions::set_password(state.storage.as_ref(), user, redline_admin::seed::DEMO_PASSWORD)
                            .await
                            .map_err(|e| e.to_string())?;
                    }
                    println!(
                        "Dashboard sign-in: {} with the password {}",
                        redline_admin::seed::DEMO_LOGINS.join(" or "),
                        redline_admin::seed::DEMO_PASSWORD
                    );
                }
            }
            let book = redline_read_models::TemplateBook::new(&state.storage.templates().await?);
            if let Some(done) = redline_read_models::rebuild::fill_if_empty(state.storage.as_ref(), &book).await? {
                println!("Filled the read models from {} stored documents ({} unreadable)", done.documents, done.unreadable.len());
            }
            let retention = state.limits.blob_retention.as_secs() as i64;
            tokio::spawn(redline_blobs::collect::run_periodically(
                state.storage.clone(),
                state.blobs.clone(),
                retention,
                std::time::Duration::from_secs(3600),
            ));
            let listener = tokio::net::TcpListener::bind(&config.listen).await?;
            println!("redline-server listening on http://{}", listener.local_addr()?);
            let defaults = redline_web::WebOptions::default();
            let web = redline_web::WebOptions {
                secure_cookies: config.secure_cookies,
                report_font: config.report_font.clone().or(defaults.report_font),
                office: config.office.clone(),
            };
            app::serve_with(listener, state, web, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        }
        Command::Admin(cmd) => {
            let storage = app::open_storage(&config).await?;
            match cmd {
                AdminCommand::PutUser { id, name, role, areas, sites } => {
                    let role = redline_domain::people::Role::parse(&role).ok_or("unknown role")?;
                    storage.put_user(&UserRecord { id: id.clone(), name, role, scope: Scope { areas, sites } }).await?;
                    println!("user {id} saved");
                }
                AdminCommand::AddDevice { user_id } => {
                    let t = register_device(storage.as_ref(), &user_id).await?;
                    println!("device {}  token {}", t.device_id, t.token);
                }
                AdminCommand::RevokeDevice { device_id } => {
                    let found = storage.revoke_device(&device_id).await?;
                    println!("{}", if found { "revoked" } else { "no such device" });
                }
                AdminCommand::ImportSites { file } => {
                    let n = import_sites_csv(storage.as_ref(), &std::fs::read_to_string(file)?).await?;
                    println!("{n} sites imported");
                }
                AdminCommand::PublishTemplate { file } => {
                    let t = publish_template(storage.as_ref(), &std::fs::read_to_string(file)?).await.map_err(|e| e.to_string())?;
                    println!("published {} v{}", t.id, t.version);
                }
                AdminCommand::SetPassword { user_id, password } => {
                    let password = match password {
                        Some(p) => p,
                        None => {
                            let mut line = String::new();
                            std::io::stdin().read_line(&mut line)?;
                            line.trim_end_matches(['\r', '\n']).to_string()
                        }
                    };
                    redline_admin::sessions::set_password(storage.as_ref(), &user_id, &password).await.map_err(|e| e.to_string())?;
                    println!("password of {user_id} set");
                }
                AdminCommand::RebuildReadModels => {
                    let book = redline_read_models::TemplateBook::new(&storage.templates().await?);
                    let done = redline_read_models::rebuild::rebuild(storage.as_ref(), &book).await?;
                    for (id, reason) in &done.unreadable {
                        eprintln!("unreadable: {id}: {reason}");
                    }
                    println!("{} documents replayed, {} unreadable", done.documents, done.unreadable.len());
                }
            }
        }
    }
    Ok(())
}
