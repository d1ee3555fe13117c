//! The demand library's pages: the list (with recommendations for an
//! organisation), recording a demand, a demand's page with its steps, the
//! household block, matches, recommendations with their reasons, 接单 and 点单,
//! and the demand's files.
//!
//! Guarantees: everything goes through `duijie_app::demand`; the household's full
//! data appears only in the answer to the POST that asked for it (audited by
//! `duijie_app::demand::household`), never after a redirect; organisations see only
//! their own matches on a demand and never the household.

mod list;
mod record;
mod detail;
mod files;

use list::*;
use record::*;
use detail::*;
use files::*;

use super::{DemandRow, PER_PAGE, demand_row, demand_rows, pages, query_string, wan};
use crate::auth::{CurrentUser, Posted, PostedUpload};
use duijie_app::demand::{self as ops, DemandInput, MatchInput};
use crate::pages::designations::actor;
use crate::pages::{Layout, Toast, done, fmt_time};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::demand::{GROUPS, MODES, Status, Step, URGENCIES};
use duijie_domain::matching::{Reason, Score};
use duijie_domain::{FieldError, Role};
use duijie_store::demand::matching::{self, Match};
use duijie_store::demand::{self, Demand, Filter, supply};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/demands", get(list))
        .route("/demands/new", get(new_form).post(new_submit))
        .route("/demands/{id}", get(detail))
        .route("/demands/{id}/step", post(step))
        .route("/demands/{id}/household", post(household_full))
        .route("/demands/{id}/take", post(take))
        .route("/demands/{id}/order", post(order))
        .route("/demands/{id}/files", post(upload_file))
        .route("/demands/files/{id}", get(file))
        .route("/matches/{id}/decide", post(decide_match))
}

#[derive(serde::Deserialize, Default)]
pub struct Empty {}
