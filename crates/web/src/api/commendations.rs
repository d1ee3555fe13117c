//! Commendations (表彰) over the API: those issued within the caller's region,
//! and recording one in the name of the caller's office.
//!
//! Guarantees: handlers only read the request, call
//! `duijie_app::commendations` (access and every field decided there: an
//! organisation or a supervising unit 403; each bad field a 422 in Chinese)
//! and render.

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use duijie_app::commendations::{self as ops, CommendInput};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_commendations, record_commendation))
}

/// 受表彰的一个社会组织。
#[derive(Serialize, ToSchema)]
pub struct CommendedDto {
    pub org_id: i64,
    pub org_name: String,
    /// 受表彰的项目或事迹。
    pub citation: String,
}

/// 一次表彰。
#[derive(Serialize, ToSchema)]
pub struct CommendationDto {
    pub id: i64,
    /// 表彰单位所在地区。
    pub region_code: String,
    pub title: String,
    pub doc_no: String,
    pub issued_on: String,
    /// 表彰单位。
    pub unit: String,
    pub orgs: Vec<CommendedDto>,
}

/// 本单位辖区内的表彰（最新的在前，最多 200 次）。
#[utoipa::path(get, path = "/api/v1/commendations", tag = "supervision",
    responses((status = 200, body = Vec<CommendationDto>), (status = 403, body = ErrorBody)))]
pub async fn list_commendations(State(state): State<AppState>, user: ApiUser) -> Result<Json<Vec<CommendationDto>>, ApiError> {
    let all = ops::list(&state, &user.principal).await?;
    Ok(Json(
        all.into_iter()
            .map(|(c, named)| CommendationDto {
                id: c.id,
                region_code: c.region_code,
                title: c.title,
                doc_no: c.doc_no,
                issued_on: c.issued_on,
                unit: c.created_unit,
                orgs: named.into_iter().map(|n| CommendedDto { org_id: n.org_id, org_name: n.org_name, citation: n.citation }).collect(),
            })
            .collect(),
    ))
}

/// 记录一次表彰（以本单位名义）：orgs 每行一个组织（全称或统一社会信用代码），空格后写受表彰的项目或事迹。
#[utoipa::path(post, path = "/api/v1/commendations", tag = "supervision", request_body = CommendInput,
    responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_commendation(State(state): State<AppState>, user: ApiUser, ApiJson(body): ApiJson<CommendInput>) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let id = ops::record(&state, &user.principal, &user.actor(), &body).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({"id": id}))))
}
