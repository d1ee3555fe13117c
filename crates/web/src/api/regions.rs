//! Region lookups and designations over the API.

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError, ErrorBody};
use duijie_app::regions_designations::{browse_root, validate_new};
use crate::AppState;
use axum::Json;
use super::{Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::{Decision, Level, RegionCode};
use duijie_store::designations::{self, Designation};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct RegionSummary {
    /// Natural-length code: 2 province, 4 prefecture, 6 county, 9 township, 12 village.
    pub code: String,
    /// The 12-digit NBS form.
    pub code12: String,
    pub name: String,
    pub full_name: String,
    /// national, province, prefecture, county, township, village
    pub level: String,
}

#[derive(Serialize, ToSchema)]
pub struct DesignationDto {
    pub id: i64,
    pub kind: String,
    pub kind_name: String,
    /// ISO date, if known.
    pub valid_from: Option<String>,
    pub source: String,
    pub note: String,
    pub created_by: String,
    pub created_at: i64,
    pub ended_at: Option<i64>,
    pub ended_by: Option<String>,
    pub end_reason: Option<String>,
}

impl From<Designation> for DesignationDto {
    fn from(d: Designation) -> Self {
        DesignationDto {
            id: d.id,
            kind: d.kind,
            kind_name: d.kind_name,
            valid_from: d.valid_from.map(|v| v.to_string()),
            source: d.source,
            note: d.note,
            created_by: d.created_by,
            created_at: d.created_at,
            ended_at: d.ended_at,
            ended_by: d.ended_by,
            end_reason: d.end_reason,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RegionDetail {
    #[serde(flatten)]
    pub region: RegionSummary,
    /// Current designations.
    pub designations: Vec<DesignationDto>,
    /// Direct children above village level (villages: see the township's page).
    pub children: Vec<RegionSummary>,
}

fn summary(state: &AppState, code: &RegionCode) -> Option<RegionSummary> {
    let (name, full_name) = if code.level() == Level::National {
        ("全国".to_string(), "全国".to_string())
    } else {
        let n = state.tree.get(code)?;
        (n.name.clone(), n.full_name.clone())
    };
    Some(RegionSummary { code: code.as_str().into(), code12: code.padded12(), name, full_name, level: code.level().as_str().into() })
}

fn visible(user: &ApiUser, raw: &str) -> Result<RegionCode, ApiError> {
    let code = RegionCode::parse(raw).map_err(|_| AppError::NotFound)?;
    if decide(&user.principal, Action::ViewRegion, Target::Region(&code)) != Decision::Allow {
        return Err(AppError::NotFound.into());
    }
    Ok(code)
}

/// One region with its current designations and children.
///
/// Accepts any code form (`530628`, `530628000000`, `530000`). A region outside
/// the caller's scope answers 404.
#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "regions",
    params(("code" = String, Path, description = "区划代码")),
    responses((status = 200, body = RegionDetail), (status = 404, body = ErrorBody)))]
pub async fn get_region(State(state): State<AppState>, user: ApiUser, Path(raw): Path<String>) -> Result<Json<RegionDetail>, ApiError> {
    let code = visible(&user, &raw)?;
    let region = summary(&state, &code).ok_or(AppError::NotFound)?;
    let designations = designations::of_region(&state.db, code.as_str()).await?;
    let children = state.tree.children(&code).into_iter().filter_map(|n| summary(&state, &n.code)).collect();
    Ok(Json(RegionDetail {
        region,
        designations: designations.into_iter().filter(|d| d.ended_at.is_none()).map(Into::into).collect(),
        children,
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct SearchParams {
    /// Name (or part of it) or code prefix, 1–50 characters (not only spaces).
    #[param(min_length = 1, max_length = 50, pattern = r"\S")]
    pub q: String,
    /// At most this many results (default 20, at most 200).
    pub limit: Option<usize>,
}

/// Search regions in the caller's scope by name or code.
#[utoipa::path(get, path = "/api/v1/regions", tag = "regions", params(SearchParams),
    responses((status = 200, body = [RegionSummary]), (status = 400, body = ErrorBody)))]
pub async fn search(State(state): State<AppState>, user: ApiUser, Query(p): Query<SearchParams>) -> Result<Json<Vec<RegionSummary>>, ApiError> {
    let q = p.q.trim();
    if q.is_empty() || q.chars().count() > 50 {
        return Err(AppError::field("q", "请提供 1–50 个字的查询词").into());
    }
    let limit = p.limit.unwrap_or(20).clamp(1, 200);
    let root = browse_root(&user.principal);
    Ok(Json(state.tree.search(q, &root, limit).into_iter().filter_map(|n| summary(&state, &n.code)).collect()))
}

/// All designations of a region, current and ended (its history).
#[utoipa::path(get, path = "/api/v1/regions/{code}/designations", tag = "regions",
    params(("code" = String, Path, description = "区划代码")),
    responses((status = 200, body = [DesignationDto]), (status = 404, body = ErrorBody)))]
pub async fn list_designations(State(state): State<AppState>, user: ApiUser, Path(raw): Path<String>) -> Result<Json<Vec<DesignationDto>>, ApiError> {
    let code = visible(&user, &raw)?;
    Ok(Json(designations::of_region(&state.db, code.as_str()).await?.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct NewDesignationRequest {
    /// A designation kind key, see `/api/v1/designation-kinds`.
    pub kind: String,
    /// ISO date, optional.
    #[serde(default)]
    pub valid_from: String,
    /// The notice or document it rests on.
    pub source: String,
    #[serde(default)]
    pub note: String,
}

/// Designate a region (administrators, and rural-revitalisation officers at
/// provincial level or above, within their scope).
#[utoipa::path(post, path = "/api/v1/regions/{code}/designations", tag = "regions",
    params(("code" = String, Path, description = "区划代码")),
    request_body = NewDesignationRequest,
    responses((status = 201, body = DesignationDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_designation(
    State(state): State<AppState>,
    user: ApiUser,
    Path(raw): Path<String>,
    ApiJson(req): ApiJson<NewDesignationRequest>,
) -> Result<(StatusCode, Json<DesignationDto>), ApiError> {
    let code = visible(&user, &raw)?;
    if code.level() == Level::National || state.tree.get(&code).is_none() {
        return Err(AppError::NotFound.into());
    }
    if decide(&user.principal, Action::EditDesignation, Target::Region(&code)) != Decision::Allow {
        return Err(AppError::Forbidden.into());
    }
    let kinds = designations::kinds(&state.db).await?;
    let new = validate_new(&code, &req.kind, &req.valid_from, &req.source, &req.note, &kinds)?;
    let actor = user.actor();
    let mut tx = state.db.begin().await?;
    let id = designations::add(&mut tx, &actor, &new).await?;
    tx.commit().await?;
    let d = duijie_app::open(designations::get(&state.db, id).await?, &user.principal, Action::EditDesignation)?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

#[derive(Serialize, ToSchema)]
pub struct KindDto {
    pub key: String,
    pub name: String,
    pub description: String,
}

/// The designation kinds (data, not code: provinces may add their own).
#[utoipa::path(get, path = "/api/v1/designation-kinds", tag = "regions", responses((status = 200, body = [KindDto])))]
pub async fn kinds(State(state): State<AppState>, _user: ApiUser) -> Result<Json<Vec<KindDto>>, ApiError> {
    Ok(Json(designations::kinds(&state.db).await?.into_iter().map(|k| KindDto { key: k.key, name: k.name, description: k.description }).collect()))
}
