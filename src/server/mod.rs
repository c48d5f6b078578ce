//! Everything that only runs on the server: process start-up, configuration,
//! HTTP wiring, persistence and background tasks.

pub mod browser_session;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod headers;
pub mod health;
pub mod startup;
pub mod state;
pub mod telemetry;
