//! Everything that only runs on the server: process start-up, configuration,
//! HTTP wiring, persistence and background tasks.

pub mod admin;
pub mod backchannel;
pub mod browser_session;
pub mod cli;
pub mod client_addr;
pub mod commands;
pub mod config;
pub mod crypto;
pub mod db;
pub mod error;
pub mod headers;
pub mod health;
pub mod keys;
pub mod login;
pub mod logout;
pub mod maintenance;
pub mod passwords;
pub mod protocol;
pub mod read_cache;
pub mod respond;
pub mod signed;
pub mod ssrf;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod throttle;
