//! Everything that only runs on the server: process start-up, configuration,
//! HTTP wiring, persistence and background tasks.

pub mod accounts;
pub mod backchannel;
pub mod browser_session;
pub mod cli;
pub mod client_addr;
pub mod clients;
pub mod clock;
pub mod commands;
pub mod config;
pub mod crypto;
pub mod db;
pub mod end_session;
pub mod error;
pub mod headers;
pub mod health;
pub mod keys;
pub mod maintenance;
pub mod passwords;
pub mod protocol;
pub mod rate_limit;
pub mod read_cache;
pub mod respond;
pub mod sessions;
pub mod signed;
pub mod ssrf;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod throttle;
pub mod urls;
