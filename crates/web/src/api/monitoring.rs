//! The export to the national monitoring system over the API: the batches of
//! the caller's region, exporting the next one, a batch with its corrections
//! and log receipt, its file (.xlsx), and the export layout (read by those who
//! export, replaced by a national administrator).
//!
//! Guarantees: handlers only read the request, call `duijie_app::monitoring`
//! (access decided there: a batch of another region is 404, an organisation
//! or civil-affairs office 403) and render; a bad region, period or layout is
//! a 422 naming each field in Chinese.

use super::{ApiJson, Path};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use duijie_app::monitoring::{self as ops, BatchDetail, ExportInput};
use duijie_app::reports::Records;
use duijie_store::monitoring::Batch;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_batches, export_batch))
        .routes(routes!(get_batch))
        .routes(routes!(batch_file))
        .routes(routes!(get_layout, put_layout))
}

/// 一个导出批次。
#[derive(Serialize, ToSchema)]
pub struct BatchDto {
    pub id: i64,
    /// 本地区的批次号（第 N 批），从 1 起。
    pub number: i64,
    pub region_code: String,
    pub region_name: String,
    /// 统计期，如 2026H1。
    pub period: String,
    /// 行数（每行为一个社会组织在一个县的帮扶情况）。
    pub row_count: i64,
    /// 相对同一地区同一统计期上一批的更正行数。
    pub correction_count: i64,
    /// 内容摘要（SM3，十六进制）。
    pub digest: String,
    /// 导出人（用户名）与单位。
    pub created_by: String,
    pub created_unit: String,
    pub created_at: i64,
}

fn dto(b: &Batch, region_name: String) -> BatchDto {
    BatchDto {
        id: b.id,
        number: b.number,
        region_code: b.region_code.to_string(),
        region_name,
        period: b.period.to_string(),
        row_count: b.row_count,
        correction_count: b.correction_count,
        digest: b.digest.clone(),
        created_by: b.created_by.clone(),
        created_unit: b.created_unit.clone(),
        created_at: b.created_at,
    }
}

/// 一行更正。
#[derive(Serialize, ToSchema)]
pub struct CorrectionDto {
    /// added（新增）、changed（修改）或 removed（删除：本批不再有此行）。
    pub kind: String,
    pub kind_label: String,
    pub county_code: String,
    pub county_name: String,
    pub org_id: i64,
    pub org_name: String,
    /// 有变化的数据项（修改时）。
    pub changed: Vec<String>,
    /// 更正内容，如“投入资金（万元）：1.25 → 3.00”。
    pub description: String,
}

/// 批次详情：更正清单与核验回执。
#[derive(Serialize, ToSchema)]
pub struct BatchDetailDto {
    pub batch: BatchDto,
    /// 同一地区同一统计期上一批的批次号（首批为空）。
    pub previous_number: Option<i64>,
    pub corrections: Vec<CorrectionDto>,
    /// 可验证日志中的记录序号与叶哈希，可在 /public/verify 核验。
    pub receipt_index: Option<u64>,
    pub receipt_leaf_hash: Option<String>,
}

fn detail_dto(d: &BatchDetail) -> BatchDetailDto {
    BatchDetailDto {
        batch: dto(&d.batch, d.region_name.clone()),
        previous_number: d.previous_number,
        corrections: d
            .corrections
            .iter()
            .map(|c| CorrectionDto {
                kind: c.kind.as_str().into(),
                kind_label: c.kind.label().into(),
                county_code: c.row().county_code.clone(),
                county_name: c.row().county_name.clone(),
                org_id: c.row().org_id,
                org_name: c.row().org_name.clone(),
                changed: c.changed.iter().map(|f| f.as_str().to_string()).collect(),
                description: c.describe(&d.layout),
            })
            .collect(),
        receipt_index: d.receipt.as_ref().map(|r| r.index),
        receipt_leaf_hash: d.receipt.as_ref().map(|r| r.leaf_hash.clone()),
    }
}

/// 本单位所在地区（及下级）导出过的批次，新的在前（县级及以上乡村振兴部门）。
#[utoipa::path(get, path = "/api/v1/monitoring/batches", tag = "monitoring",
    responses((status = 200, body = Vec<BatchDto>), (status = 403, body = ErrorBody)))]
pub async fn list_batches(State(state): State<AppState>, user: ApiUser) -> Result<Json<Vec<BatchDto>>, ApiError> {
    let rows = ops::list(Records::of(&state), &user.principal).await?;
    Ok(Json(rows.iter().map(|b| dto(b, state.tree.full_name(&b.region_code))).collect()))
}

/// 导出下一批：地区（不填为本单位所在地区）和统计期（如 2026H1）；相对同一地区同一统计期上一批有变化的记录列为更正。
#[utoipa::path(post, path = "/api/v1/monitoring/batches", tag = "monitoring", request_body = ExportInput,
    responses((status = 201, body = BatchDetailDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn export_batch(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<ExportInput>) -> Result<(StatusCode, Json<BatchDetailDto>), ApiError> {
    let records = Records::of(&state);
    let (region, period) = ops::check(records, &user.principal, &body).await?;
    let b = ops::export(records, &user.principal, &user.actor(), &region, &period).await?;
    let d = ops::batch(records, &user.principal, b.id).await?;
    Ok((StatusCode::CREATED, Json(detail_dto(&d))))
}

/// 一个批次：更正清单与核验回执。
#[utoipa::path(get, path = "/api/v1/monitoring/batches/{id}", tag = "monitoring", params(("id" = i64, Path, description = "批次编号")),
    responses((status = 200, body = BatchDetailDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_batch(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<BatchDetailDto>, ApiError> {
    Ok(Json(detail_dto(&ops::batch(Records::of(&state), &user.principal, id).await?)))
}

/// 下载一个批次的文件（.xlsx）：按导出时保存的内容生成，带有核验回执和“更正”表。
#[utoipa::path(get, path = "/api/v1/monitoring/batches/{id}/file", tag = "monitoring", params(("id" = i64, Path, description = "批次编号")),
    responses((status = 200, description = "Excel 文件", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn batch_file(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Response, ApiError> {
    let (name, bytes) = ops::file(Records::of(&state), &user.principal, id, &state.config.public_url).await?;
    Ok(crate::xlsx_download(&name, bytes))
}

/// 导出模板（格式见 docs/monitoring-export.md）。
#[derive(Serialize, ToSchema)]
pub struct LayoutDto {
    /// 模板（JSON 对象：title、sheet、example、notes、columns）。
    #[schema(value_type = Object)]
    pub layout: serde_json::Value,
    /// 是否为平台自带的示例模板（全国系统正式模板未公开）。
    pub shipped: bool,
}

fn layout_dto(layout: &duijie_domain::monitoring::Layout, shipped: bool) -> LayoutDto {
    LayoutDto { layout: serde_json::to_value(layout).unwrap_or_default(), shipped }
}

/// 当前使用的导出模板。
#[utoipa::path(get, path = "/api/v1/monitoring/layout", tag = "monitoring",
    responses((status = 200, body = LayoutDto), (status = 403, body = ErrorBody)))]
pub async fn get_layout(State(state): State<AppState>, user: ApiUser) -> Result<Json<LayoutDto>, ApiError> {
    if !ops::may_export(&user.principal) && !ops::may_edit_layout(&user.principal) {
        return Err(crate::error::AppError::Forbidden.into());
    }
    let current = ops::layout(Records::of(&state)).await?;
    Ok(Json(layout_dto(&current.layout, current.shipped)))
}

/// 替换导出模板（全国平台管理员）：请求体即模板；每个有误的字段在 422 的 fields 中用中文说明，有误时不保存。
#[utoipa::path(put, path = "/api/v1/monitoring/layout", tag = "monitoring", request_body = Object,
    responses((status = 200, body = LayoutDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_layout(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<serde_json::Value>) -> Result<Json<LayoutDto>, ApiError> {
    let json = serde_json::to_string(&body).unwrap_or_default();
    let layout = ops::save_layout(Records::of(&state), &user.principal, &user.actor(), &json).await?;
    Ok(Json(layout_dto(&layout, false)))
}
