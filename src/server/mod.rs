//! Everything that only runs on the server: process start-up, configuration,
//! HTTP wiring, persistence and background tasks.

pub(crate) mod accept_language;
pub mod accounts;
pub mod audit;
pub(crate) mod audit_export;
pub(crate) mod backchannel;
pub(crate) mod browser_session;
pub mod cli;
pub(crate) mod client_addr;
pub(crate) mod clients;
pub(crate) mod clock;
pub mod commands;
pub mod config;
pub mod crypto;
pub mod db;
pub(crate) mod end_session;
pub(crate) mod error;
pub(crate) mod headers;
pub(crate) mod health;
pub mod keys;
pub mod maintenance;
pub mod metrics;
pub(crate) mod passwords;
pub(crate) mod protocol;
pub(crate) mod rate_limit;
pub(crate) mod read_cache;
pub(crate) mod respond;
pub mod sessions;
pub(crate) mod signed;
pub(crate) mod ssrf;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod throttle;
pub(crate) mod urls;
pub mod user_agent;
