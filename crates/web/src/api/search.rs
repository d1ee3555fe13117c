//! Full-text search over the API (`GET /api/v1/search`).

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiError;
use duijie_app::search::find;
use duijie_app::search::{Found, SearchParams};
use axum::Json;
use crate::api::Query;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// One page of search results and the total.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    pub total: usize,
    pub items: Vec<Found>,
}

/// 全文检索需求、供给项目和社会组织（中文分词），可按类别、地区、领域、状态、金额筛选；
/// 结果限于调用者的管辖范围和公开信息，每页 20 条。
#[utoipa::path(get, path = "/api/v1/search", tag = "demands", params(SearchParams), responses((status = 200, body = SearchResults), (status = 422, description = "条件无效")))]
pub async fn search(State(state): State<AppState>, u: ApiUser, Query(p): Query<SearchParams>) -> Result<Json<SearchResults>, ApiError> {
    let (items, total) = find(&state, &u.principal, &p).await?;
    Ok(Json(SearchResults { total, items }))
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}
