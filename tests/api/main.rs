//! API tests: each test starts its own signoff on port 0 with a fresh SQLite file.

mod helpers;

mod account;
mod admin;
mod algorithms;
mod authorize;
mod backchannel;
mod bad_input;
mod errors;
mod frontchannel;
mod fuzz;
mod health;
mod instances;
mod introspection;
mod keys;
mod limits;
mod login;
mod logout;
mod maintenance;
mod metrics;
mod one_session;
mod orcid;
mod receiver;
mod refresh;
mod security_headers;
mod startup;
mod token;
