//! `POST /api/v1/auth/token` and `GET /api/v1/me`.

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError, ErrorBody};
use crate::AppState;
use axum::Json;
use axum::extract::State;
use duijie_store::sessions::{self, Kind};
use duijie_store::users::{self, Login};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub token_type: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Exchange a username and password for a bearer token (valid 8 hours).
///
/// Wrong credentials answer 401; after 5 consecutive failures the account is
/// locked for 15 minutes (429).
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", security(()),
    request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn token(State(state): State<AppState>, ApiJson(req): ApiJson<TokenRequest>) -> Result<Json<TokenResponse>, ApiError> {
    if req.username.len() > 64 || req.password.len() > 256 {
        return Err(AppError::Unauthenticated.into());
    }
    let user = match users::login(&state.db, req.username.trim(), &req.password).await? {
        Login::Ok(u) => u,
        Login::BadCredentials => return Err(AppError::BadRequest(axum::http::StatusCode::UNAUTHORIZED, "用户名或密码错误".into()).into()),
        Login::Locked(until) => return Err(AppError::Locked(format!("连续多次密码错误，账号已锁定至 {}", crate::pages::fmt_time(until))).into()),
        Login::Disabled => return Err(AppError::BadRequest(axum::http::StatusCode::FORBIDDEN, "账号已停用".into()).into()),
    };
    let (token, s) = sessions::create(&state.db, user.id, Kind::Api).await?;
    Ok(Json(TokenResponse { token, token_type: "Bearer".into(), expires_at: s.expires_at }))
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// admin, civil_affairs, rural_revitalization, supervisor, organization
    pub role: String,
    /// The unit's region code in natural length ("" for national).
    pub region_code: String,
    pub org_id: Option<i64>,
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(user: ApiUser) -> Json<Me> {
    let u = user.user;
    Json(Me { id: u.id, username: u.username, display_name: u.display_name, role: u.role, region_code: u.region_code, org_id: u.org_id })
}
