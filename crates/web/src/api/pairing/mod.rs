//! Pairing (结对帮扶) over the API: batches and their published lists, pairings
//! and their steps, agreements, coverage, organisations' intents and counties'
//! needs, pairing plans, adjustments of published lists, agreements due, and
//! group-pairing teams (组团式).
//!
//! Guarantees: every handler goes through the operations the pages use
//! (`crate::pairing`, `duijie_app::pairing`), so authorisation
//! (`authz::decide`), validation and auditing are the same as on the pages; a
//! pairing, plan or request outside the caller's scope answers 404; problems
//! with what was sent answer 422 with `fields` naming the field in Chinese.
//! Bodies built on the pages' form types (`ProposeInput`, `BatchInput`) accept
//! numbers where the form has text, so `"batch_id": 3` works as `"3"` does.

mod batches;
mod pairings;
mod coverage;
mod intents;
mod planning;
mod adjustments;
mod due;
mod teams;

use pairings::*;
use intents::*;

use super::{ApiJson, Created, lenient};
use crate::AppState;
use super::EventDto;
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError, ErrorBody};
use duijie_app::pairing::{self as app_pairing, adjustment_visible, parse_params, parse_preferred, submit_adjustment, targets_label};
use duijie_store::pairing::end_of_day;
use duijie_app::pairing::{self as ops, BatchInput, ProposeInput, may};
use duijie_app::require;
use axum::Json;
use super::{Path, Query};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::org::FIELDS;
use duijie_domain::pairing::{Kind, Status, Step};
use duijie_domain::{Level, Principal, RegionCode, Role, Uscc};
use duijie_store::pairing::adjust::{self, Adjustment, NewAdjustment, Op, Upload};
use duijie_store::pairing::coverage::Summary;
use duijie_store::pairing::plan as plans;
use duijie_store::pairing::{self, Batch, Filter, Pairing};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    teams::routes(due::routes(adjustments::routes(planning::routes(intents::routes(coverage::routes(pairings::routes(batches::routes(OpenApiRouter::new()))))))))
}

/// Decodes an uploaded file sent as Base64 (whitespace and a `data:…;base64,` prefix are ignored).
pub(crate) fn decode_file(field: &str, content: &str) -> Result<Vec<u8>, AppError> {
    let body = match content.split_once(";base64,") {
        Some((head, rest)) if head.starts_with("data:") => rest,
        _ => content,
    };
    let clean: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    if clean.is_empty() {
        return Err(AppError::field(field, "请上传文件内容（Base64 编码）"));
    }
    base64::engine::general_purpose::STANDARD.decode(clean.as_bytes()).map_err(|_| AppError::field(field, "文件内容不是有效的 Base64 编码"))
}

fn region_name(state: &AppState, code: &str) -> String {
    match RegionCode::parse(code) {
        Ok(c) if c.level() == Level::National => "全国".into(),
        Ok(c) => state.tree.full_name(&c),
        Err(_) => String::new(),
    }
}
