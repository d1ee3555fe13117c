//! Self-application by organisations and its approval by civil affairs; registry import with preview.
//!
//! Guarantees:
//! - The public application form (`/apply`) is CSRF-protected by a pre-login
//!   cookie, takes at most [`APPLY_PER_HOUR`] submissions per client address
//!   and a certificate of at most 5 MB, and never says whether a username
//!   exists before an application is in (a taken name gets a numbered one);
//!   every field is checked and each problem is shown under its field;
//!   a good application writes the organisation (approval `pending`), its user
//!   and its registration certificate in one transaction, and nothing otherwise.
//! - The approval queue shows only applications in the officer's scope; approving
//!   or returning asks `authz::decide` (out of scope: 404, no right: 403); a
//!   return needs a reason.
//! - A registry import is read within the registry's import limits, checked row
//!   by row (at most 1,000 errors listed, the rest counted and downloadable) and
//!   previewed without writing; only
//!   a preview without errors can be committed, by the same user, once; the
//!   commit runs in the background as one transaction and its job page is shown
//!   only to the user who started it.

mod apply;
mod pending;
mod import;

use apply::*;
use pending::*;
use import::*;

use super::designations::actor;
use super::{Layout, Toast, done, fmt_time};
use crate::auth::{ApplicationUpload, CurrentUser, Posted, PostedUpload, set_cookie};
use crate::security::ClientAddr;
use axum::extract::DefaultBodyLimit;
use duijie_store::throttle;
use duijie_app::files::{clean_file_name, sniff_scan};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::{Decision, FieldError, Level, OrgType, RegionCode, Role, Uscc};
use duijie_office::RowError;
use duijie_store::orgs::{self, NewOrganization, OrgProfile, Organization};
use duijie_store::users::{self, NewUser};
use duijie_store::{Actor, imports};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/apply", get(apply_form).post(apply_submit).layer(DefaultBodyLimit::max(MAX_CERTIFICATE + 256 * 1024)))
        .route("/orgs/pending", get(pending_list))
        .route("/orgs/pending/{id}/approve", post(approve))
        .route("/orgs/pending/{id}/return", post(return_application))
        .route("/orgs/import", get(import_form).post(import_upload))
        .route("/orgs/import/template.xlsx", get(import_template))
        .route("/orgs/import/commit", post(import_commit))
        .route("/orgs/import/jobs/{id}", get(job_page))
}

// Shared helpers

/// The pre-login CSRF cookie of the application form.
pub use crate::auth::APPLY_CSRF_COOKIE;
/// Largest registration certificate (anyone may upload one, so it is small).
const MAX_CERTIFICATE: usize = 5 * 1024 * 1024;
use crate::previews::KEEP_SECONDS;

fn lock<T>(m: &'static Mutex<T>) -> MutexGuard<'static, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

