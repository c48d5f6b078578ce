use std::process::ExitCode;

use clap::Parser;
use signoff::server::cli::{AdminCommand, Cli, ClientCommand, Command, KeysCommand, UserCommand};
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

/// config → telemetry → start-up (or one administrative command).
async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings()?;
    telemetry::init(&settings.log)?;
    let command = match cli.command {
        None | Some(Command::Serve) => {
            tracing::info!(?settings, "starting");
            let app = startup::Application::build(settings).await?;
            tracing::info!(address = %app.local_addr()?, "listening");
            return app.run_until_stopped(startup::shutdown_signal()).await;
        }
        Some(Command::Admin(command)) => command,
    };
    let pool = db::connect_and_migrate(&settings.database_url).await?;
    match command {
        AdminCommand::User {
            command:
                UserCommand::Add {
                    username,
                    password,
                    admin,
                },
        } => {
            let spec = UserSpec {
                username: username.clone(),
                password,
                admin,
            };
            commands::add_user(&pool, spec).await?;
            println!(
                "added user {username}{}",
                if admin { " (admin)" } else { "" }
            );
        }
        AdminCommand::Client {
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
        }
        AdminCommand::Keys {
            command: KeysCommand::Rotate,
        } => {
            let kid = commands::rotate_keys(&pool).await?;
            println!("new active signing key {kid}; running servers use it within a minute");
        }
    }
    pool.close().await;
    Ok(())
}
