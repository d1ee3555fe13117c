//! The verifiable log's public API (no token): the newest signed checkpoint,
//! inclusion and consistency proofs, and entries in their public projection.
//! Formats: `docs/verifiable-log.md`. The handlers parse and render; the
//! operations and their checks are `duijie_app::log`.

use super::Query;
use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use duijie_app::log::{self as ops, ConsistencyProof, EntryPage, InclusionProof};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(checkpoint))
        .routes(routes!(inclusion))
        .routes(routes!(consistency))
        .routes(routes!(entries))
}

/// 最新的签名检查点（无需令牌）：C2SP tlog-checkpoint 文本（来源、记录条数、base64 树根、版本行），
/// 其后空一行为 SM2 签名行（C2SP signed-note），再后为已联署的见证方的联署行（C2SP tlog-cosignature）。
/// 用 `duijie log verify --checkpoint 文件 --key 公钥` 核验。
#[utoipa::path(get, path = "/api/v1/public/log/checkpoint", tag = "log", security(()),
    responses((status = 200, description = "签名检查点", content_type = "text/plain", body = String), (status = 404, body = ErrorBody)))]
pub async fn checkpoint(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], ops::latest_cosigned(&state.db).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct InclusionParams {
    /// 记录序号（从 0 开始，即回执中的序号）。
    pub index: u64,
    /// 树的大小（通常取最新检查点的记录条数）。
    pub size: u64,
}

/// 包含证明（无需令牌）：第 `index` 条记录包含在前 `size` 条记录构成的树中（RFC 9162 §2.1.3，SM3）。
#[utoipa::path(get, path = "/api/v1/public/log/proof/inclusion", tag = "log", security(()), params(InclusionParams),
    responses((status = 200, body = InclusionProof), (status = 422, body = ErrorBody)))]
pub async fn inclusion(State(state): State<AppState>, Query(q): Query<InclusionParams>) -> Result<Json<InclusionProof>, ApiError> {
    Ok(Json(ops::inclusion(&state.db, q.index, q.size).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct ConsistencyParams {
    /// 较早的树的大小（≥ 1）。
    pub from: u64,
    /// 较晚的树的大小。
    pub to: u64,
}

/// 一致性证明（无需令牌）：前 `from` 条记录构成的树是前 `to` 条的前缀（RFC 9162 §2.1.4，SM3）。
#[utoipa::path(get, path = "/api/v1/public/log/proof/consistency", tag = "log", security(()), params(ConsistencyParams),
    responses((status = 200, body = ConsistencyProof), (status = 422, body = ErrorBody)))]
pub async fn consistency(State(state): State<AppState>, Query(q): Query<ConsistencyParams>) -> Result<Json<ConsistencyProof>, ApiError> {
    Ok(Json(ops::consistency(&state.db, q.from, q.to).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct EntriesParams {
    /// 起始序号（含）。
    pub start: u64,
    /// 结束序号（不含）；一次最多 1000 条。
    pub end: u64,
}

/// 日志记录的公开投影（无需令牌）：不含任何个人信息；不公开的记录只给出叶哈希。
#[utoipa::path(get, path = "/api/v1/public/log/entries", tag = "log", security(()), params(EntriesParams),
    responses((status = 200, body = EntryPage), (status = 422, body = ErrorBody)))]
pub async fn entries(State(state): State<AppState>, Query(q): Query<EntriesParams>) -> Result<Json<EntryPage>, ApiError> {
    Ok(Json(ops::entries(&state.db, q.start, q.end).await?))
}
