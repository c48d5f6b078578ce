//! API tests: each test starts its own signoff on port 0 with a fresh SQLite file.

mod helpers;

mod errors;
mod health;
mod security_headers;
mod startup;
