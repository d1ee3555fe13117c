//! The demand library (需求项目库), the supply library (供给项目库), matching
//! (接单 / 点单) and the success rate over the API, plus the public lists of both
//! libraries that need no token.
//!
//! Guarantees: every handler goes through the operations the pages use
//! (`duijie_app::demand`), so authorisation, validation and auditing are the same as
//! on the pages; a demand outside the caller's scope answers 404; lists and
//! public answers never carry a household's personal data — it appears masked
//! in a demand's detail for officers (organisations get a marker only) and in
//! full only from `POST /api/v1/demands/{id}/household`, which is audited;
//! organisations see their own matches and their own recommendation only;
//! problems with what was sent answer 422 with `fields` naming the field in
//! Chinese. The routes under `/api/v1/public` take no `ApiUser` and are marked
//! `security(())` in the OpenAPI description.

mod demands;
mod recommendations;
mod matches;
mod offers;
mod stats;
mod public;

use demands::*;
use offers::*;

use super::{ApiJson, lenient};
use super::Created;
use crate::AppState;
use super::EventDto;
use crate::auth::ApiUser;
use duijie_app::demand::{self as ops, DemandInput, MatchInput, OfferInput};
use crate::error::{ApiError, AppError, ErrorBody};
use crate::format::wan_or_empty;
use axum::Json;
use super::{Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Datelike;
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::demand::{Status, Step};
use duijie_domain::matching::{OfferStatus, Score};
use duijie_domain::{Level, Principal, RegionCode, Role, Scope};
use duijie_store::demand::catalog::{LONG_UNMATCHED_DAYS, Rate, SuccessRate};
use duijie_store::demand::matching::{self, Match, Project};
use duijie_store::demand::supply::{self, Offer};
use duijie_store::demand::{self, Demand, Filter};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    public::routes(stats::routes(offers::routes(matches::routes(recommendations::routes(demands::routes(OpenApiRouter::new()))))))
}

/// Full names of regions, villages (not in the in-memory tree) looked up once each.
#[derive(Default)]
struct Names(HashMap<String, String>);

impl Names {
    async fn full(&mut self, state: &AppState, code: &str) -> String {
        if let Some(n) = self.0.get(code) {
            return n.clone();
        }
        let name = match RegionCode::parse(code) {
            Ok(c) => duijie_app::regions_designations::place(&state.db, &state.tree, &c).await.unwrap_or_else(|_| state.tree.full_name(&c)),
            Err(_) => String::new(),
        };
        self.0.insert(code.to_string(), name.clone());
        name
    }

    /// The short name (洛泽河镇), for breakdowns by child region.
    async fn short(&mut self, state: &AppState, code: &str) -> String {
        match RegionCode::parse(code) {
            Ok(c) if c.level() == Level::Village => match duijie_store::regions::village(&state.db, &c).await {
                Ok(Some(v)) => v.name,
                _ => String::new(),
            },
            Ok(c) => state.tree.get(&c).map(|n| n.name.clone()).unwrap_or_default(),
            Err(_) => String::new(),
        }
    }
}

fn parse_step(s: &str) -> Result<Step, AppError> {
    match s.trim() {
        "submit" => Ok(Step::Submit),
        "approve" => Ok(Step::Approve),
        "return" => Ok(Step::Return),
        "start" => Ok(Step::Start),
        "finish" => Ok(Step::Finish),
        "withdraw" => Ok(Step::Withdraw),
        "take" => Err(AppError::field("step", "承接需求请用 POST /api/v1/demands/{id}/take，并由县级确认")),
        other => Err(AppError::field("step", format!("无法识别的操作“{other}”，应为 submit、approve、return、start、finish 或 withdraw"))),
    }
}

fn page_of(page: Option<i64>, per_page: Option<i64>) -> (i64, i64) {
    let per_page = per_page.unwrap_or(20).clamp(1, 200);
    let page = page.unwrap_or(1).clamp(1, 1_000_000);
    (per_page, (page - 1) * per_page)
}
