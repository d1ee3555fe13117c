//! Integration tests of the platform through its real interfaces: HTTP requests
//! into the in-process router (pages and API), and the `duijie` binary as an
//! operator runs it. One test binary, so the workspace links once.
//!
//! Each test gets a fresh database with the full region tree and the demo
//! accounts (`duijie_store::testing`). Tests of behaviour that touches the
//! database run twice, on SQLite and on PostgreSQL (`DUIJIE_TEST_PG_URL`, which
//! `scripts/test.sh` sets; without it they fail, so a green run means both
//! backends passed): through `support::both!` (`name::sqlite`, `name::postgres`)
//! or by looping over `support::apps()`. SQLite only: checks that read no table
//! (the OpenAPI description, security headers, unreadable requests), the
//! schemathesis fuzz run against `duijie serve`, the hostile-file tests (their
//! limits act before anything is stored) and the `duijie` binary's commands.

mod api_schema;
mod applications_web;
mod cli;
mod complaints;
mod demand_api;
mod demand_web;
mod hostile_files;
mod http;
mod inbox_web;
mod log;
mod monitoring;
mod org_reports;
mod orgs_web;
mod pickers;
mod pairing_api;
mod pairing_team;
mod pairing_web;
mod project_stats;
mod projects;
mod report_upload;
mod reports;
mod races;
mod registry_web;
mod scope_holes;
mod scope_walk;
mod search;
mod supervision;
mod support;
