use std::process::ExitCode;

use clap::Parser;
use signoff::server::cli::{Cli, Command};
use signoff::server::{startup, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("signoff: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// config → telemetry → start-up.
async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings()?;
    telemetry::init(&settings.log)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            tracing::info!(?settings, "starting");
            let app = startup::Application::build(settings).await?;
            tracing::info!(address = %app.local_addr()?, "listening");
            app.run_until_stopped(startup::shutdown_signal()).await
        }
    }
}
