use std::process::ExitCode;

use clap::Parser;
use signoff::server::cli::{Cli, Command};
use signoff::server::{admin_cli, db, startup, telemetry};

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
    let result = admin_cli::run(command, &database.pool).await;
    database.close().await;
    result
}
