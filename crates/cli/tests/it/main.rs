//! Integration tests of the platform through its real interfaces: HTTP requests
//! into the in-process router (pages and API), and the `duijie` binary as an
//! operator runs it. One test binary, so the workspace links once.
//!
//! Each test gets a fresh SQLite database with the full region tree and the demo
//! accounts (`duijie_store::testing`); the race tests ([`races`]) run on
//! PostgreSQL too (`DUIJIE_TEST_PG_URL`).

mod api_schema;
mod applications_web;
mod cli;
mod demand_api;
mod demand_web;
mod hostile_files;
mod http;
mod inbox_web;
mod orgs_web;
mod pairing_api;
mod pairing_web;
mod races;
mod registry_web;
mod scope_holes;
mod scope_walk;
mod search;
mod support;
