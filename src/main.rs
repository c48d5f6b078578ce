use std::process::ExitCode;

use clap::Parser;
use signoff::server::cli::{Cli, ClientCommand, Command, KeysCommand, UserCommand};
use signoff::server::commands::{self, ClientSpec, UserSpec};
use signoff::server::{db, startup, telemetry};

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
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    password,
                    admin,
                },
        } => {
            let pool = db::connect_and_migrate(&settings.database_url).await?;
            commands::add_user(
                &pool,
                UserSpec {
                    username: username.clone(),
                    password,
                    admin,
                },
            )
            .await?;
            println!(
                "added user {username}{}",
                if admin { " (admin)" } else { "" }
            );
            Ok(())
        }
        Command::Client {
            command:
                ClientCommand::Add {
                    client_id,
                    name,
                    secret,
                    public,
                    redirect_uris,
                    post_logout_redirect_uris,
                    confirmation,
                },
        } => {
            let pool = db::connect_and_migrate(&settings.database_url).await?;
            let spec = ClientSpec {
                client_id: client_id.clone(),
                name,
                secret,
                public,
                redirect_uris,
                post_logout_redirect_uris,
                confirmation,
            };
            let generated = commands::add_client(&pool, spec).await?;
            println!("added client {client_id}");
            if let Some(secret) = generated {
                println!("client secret (shown once, stored only as a hash): {secret}");
            }
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Rotate,
        } => {
            let pool = db::connect_and_migrate(&settings.database_url).await?;
            let kid = commands::rotate_keys(&pool).await?;
            println!("new active signing key {kid}; running servers use it within a minute");
            Ok(())
        }
    }
}
