//! Supervision flags (监管预警) over the API: the flags over the caller's
//! region, one flag with its handling, and a step (知悉、备注、办结).
//!
//! Guarantees: handlers only read the request, call `duijie_app::supervision`
//! (access decided there: a flag outside the caller's scope is 404, an
//! organisation or a supervising unit 403) and render; a bad step or a missing
//! note is a 422 naming each field in Chinese, a flag someone else closed first
//! a 409 with its current state.

use super::{ApiJson, Path};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{Query, State};
use duijie_app::supervision::{self as ops, FlagDetail, ListQuery, StepInput};
use duijie_store::supervision::Flag;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_flags)).routes(routes!(get_flag)).routes(routes!(take_step))
}

/// 一条监管预警。
#[derive(Serialize, ToSchema)]
pub struct FlagDto {
    pub id: i64,
    /// 规则代码（agreement_overdue、pairing_idle、listed_still_active、project_figures、report_overdue、complaint_overdue）。
    pub rule: String,
    pub rule_label: String,
    /// 规则说明。
    pub rule_text: String,
    /// 所涉记录：pairing、project、organization、report_unit 或 complaint，及其编号（report_unit 为“报表编号:单位区划代码”）。
    pub entity: String,
    pub entity_id: String,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    /// 社会组织登记地（登记管理机关所在地区）。
    pub org_region: Option<String>,
    /// 所涉地区（县或报送单位）。
    pub region_code: String,
    pub region_name: String,
    /// 发现的情况（发现时的记录）。
    pub evidence: String,
    pub raised_at: i64,
    /// 原因消除的时间（每日检查不再发现）。
    pub cleared_at: Option<i64>,
    /// open（待处理）、acknowledged（已知悉）或 closed（已办结）。
    pub status: String,
    pub status_label: String,
}

fn dto(state: &AppState, f: &Flag) -> FlagDto {
    FlagDto {
        id: f.id,
        rule: f.rule.as_str().into(),
        rule_label: f.rule.label().into(),
        rule_text: f.rule.explanation(),
        entity: f.entity.clone(),
        entity_id: f.entity_id.clone(),
        org_id: f.org_id,
        org_name: f.org_name.clone(),
        org_region: f.org_region.clone(),
        region_code: f.region_code.to_string(),
        region_name: state.tree.full_name(&f.region_code),
        evidence: f.evidence.clone(),
        raised_at: f.raised_at,
        cleared_at: f.cleared_at,
        status: f.status.as_str().into(),
        status_label: f.status.label().into(),
    }
}

/// 一步处理。
#[derive(Serialize, ToSchema)]
pub struct FlagStepDto {
    /// acknowledge（知悉）、note（备注）或 close（办结）。
    pub step: String,
    pub step_label: String,
    pub note: String,
    pub actor: String,
    pub unit: String,
    pub at: i64,
}

/// 预警及其处理记录。
#[derive(Serialize, ToSchema)]
pub struct FlagDetailDto {
    #[serde(flatten)]
    pub flag: FlagDto,
    pub steps: Vec<FlagStepDto>,
    /// 调用者能否处理。
    pub may_handle: bool,
}

fn detail_dto(state: &AppState, d: &FlagDetail) -> FlagDetailDto {
    FlagDetailDto {
        flag: dto(state, &d.flag),
        steps: d
            .steps
            .iter()
            .map(|s| FlagStepDto { step: s.step.as_str().into(), step_label: s.step.label().into(), note: s.note.clone(), actor: s.actor.clone(), unit: s.unit.clone(), at: s.at })
            .collect(),
        may_handle: d.may_handle,
    }
}

/// 本单位辖区内的监管预警（按社会组织登记地或所涉地区），最新的在前，最多 500 条；默认只列未消除、未办结的。
#[utoipa::path(get, path = "/api/v1/flags", tag = "supervision", params(ListQuery),
    responses((status = 200, body = Vec<FlagDto>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_flags(State(state): State<AppState>, user: ApiUser, Query(q): Query<ListQuery>) -> Result<Json<Vec<FlagDto>>, ApiError> {
    let flags = ops::list(&state.db, &user.principal, &q).await?;
    Ok(Json(flags.iter().map(|f| dto(&state, f)).collect()))
}

/// 一条预警及其处理记录。
#[utoipa::path(get, path = "/api/v1/flags/{id}", tag = "supervision", params(("id" = i64, Path, description = "预警编号")),
    responses((status = 200, body = FlagDetailDto), (status = 404, body = ErrorBody)))]
pub async fn get_flag(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<FlagDetailDto>, ApiError> {
    Ok(Json(detail_dto(&state, &ops::detail(&state.db, &user.principal, id).await?)))
}

/// 处理一条预警：知悉（acknowledge）、备注（note，须填说明）或办结（close，须填说明）。
#[utoipa::path(post, path = "/api/v1/flags/{id}/steps", tag = "supervision", params(("id" = i64, Path, description = "预警编号")), request_body = StepInput,
    responses((status = 200, body = FlagDetailDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn take_step(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>, ApiJson(body): ApiJson<StepInput>) -> Result<Json<FlagDetailDto>, ApiError> {
    Ok(Json(detail_dto(&state, &ops::step(&state.db, &user.principal, &user.actor(), id, &body).await?)))
}
