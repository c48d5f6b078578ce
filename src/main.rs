use std::process::ExitCode;

use clap::Parser;
use signoff::server::cli::{AdminCommand, Cli, ClientCommand, Command, KeysCommand, UserCommand};
use signoff::server::commands;
use signoff::server::{db, startup, telemetry};

fn main() -> ExitCode {
    return_large_allocations_to_the_os();
    let cli = Cli::parse();
    let settings = match cli.settings() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("signoff: {err}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match runtime(settings.worker_threads) {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("signoff: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("signoff: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// One event loop for one worker thread (tokio's current_thread runtime: no
/// work stealing, no cross-thread wake-ups), a work-stealing pool for more.
/// Blocking work goes to tokio's separate blocking pool in both cases.
fn runtime(worker_threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = if worker_threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(worker_threads);
        builder
    };
    builder.enable_all().build()
}

/// glibc raises its mmap threshold each time a large block is freed, so after
/// the first argon2 hash (19 MiB) later ones come from per-thread heaps and are
/// never given back: RSS went from 15 to 54 MiB after one login. A fixed
/// threshold keeps large blocks mmapped, and freeing them returns the memory.
fn return_large_allocations_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; it is called before any other
    // thread exists, and its result (1 on success) needs no handling.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// config → telemetry → start-up (or one administrative command).
async fn run(cli: Cli, settings: signoff::server::config::Settings) -> anyhow::Result<()> {
    telemetry::init(&settings.log, settings.log_format)?;
    let command = match cli.command {
        None | Some(Command::Serve) => {
            tracing::info!(?settings, "starting");
            let app = startup::Application::build(settings).await?;
            tracing::info!(address = %app.local_addr()?, "listening");
            return app.run_until_stopped(startup::shutdown_signal()).await;
        }
        Some(Command::Admin(command)) => command,
    };
    let database = db::connect_and_migrate(&settings.database_url).await?;
    let pool = database.pool.clone();
    match command {
        AdminCommand::User {
            command: UserCommand::Add(spec),
        } => {
            let (username, admin) = (spec.username.clone(), spec.admin);
            signoff::server::accounts::add_user(&pool, spec, "cli").await?;
            println!(
                "added user {username}{}",
                if admin { " (admin)" } else { "" }
            );
        }
        AdminCommand::Client {
            command: ClientCommand::Add(spec),
        } => {
            let client_id = spec.client_id.clone();
            let generated = commands::add_client(&pool, *spec, "cli").await?;
            println!("added client {client_id}");
            if let Some(secret) = generated {
                println!("client secret (shown once, stored only as a hash): {secret}");
            }
        }
        AdminCommand::Keys {
            command: KeysCommand::Rotate { now },
        } => {
            let kid = commands::rotate_keys(&pool, now).await?;
            if now {
                println!("new signing key {kid}; running servers sign with it within a minute");
            } else {
                println!(
                    "new signing key {kid}; running servers publish it within a minute and sign with it in {} s",
                    signoff::server::keys::PUBLISH_BEFORE_SIGNING.as_secs()
                );
            }
        }
        AdminCommand::Keys {
            command: KeysCommand::Retire { kid, now },
        } => {
            commands::retire_key(&pool, &kid, now).await?;
            if now {
                println!(
                    "key {kid} retired and unpublished; running servers drop it within a minute"
                );
            } else {
                println!(
                    "key {kid} no longer signs; it stays in /jwks.json for 48 hours so its tokens still verify"
                );
            }
        }
    }
    database.close().await;
    Ok(())
}
