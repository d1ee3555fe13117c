//! Tokens (`POST /api/v1/auth/token`, `/refresh`, `/logout`) and `GET /api/v1/me`.
//!
//! Guarantees: a token lives an hour; `refresh` exchanges a live token for a
//! new one (the old one ends at once) until 12 hours after login; `logout`
//! ends the token at once.

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError, ErrorBody};
use crate::security::ClientAddr;
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

/// Exchange a username and password for a bearer token (valid 1 hour; refresh it
/// with `POST /api/v1/auth/refresh` for up to 12 hours after login).
///
/// Wrong credentials answer 401. After repeated failures further attempts from
/// the same client (and for the same name from unfamiliar places) must wait,
/// growing exponentially (429, the same for unknown names).
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", security(()),
    request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn token(State(state): State<AppState>, client: ClientAddr, ApiJson(req): ApiJson<TokenRequest>) -> Result<Json<TokenResponse>, ApiError> {
    if req.username.len() > 64 || req.password.len() > 256 {
        return Err(AppError::Unauthenticated.into());
    }
    let user = match users::login(&state.db, req.username.trim(), &req.password, &client.0).await? {
        Login::Ok(u) => u,
        Login::BadCredentials => return Err(AppError::BadRequest(axum::http::StatusCode::UNAUTHORIZED, "用户名或密码错误".into()).into()),
        Login::Throttled(until) => return Err(AppError::Locked(crate::auth::throttled_message(until)).into()),
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

/// Exchange a live token for a new one (valid 1 hour, refreshable until 12 hours
/// after login); the old token ends at once.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth",
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody)))]
pub async fn refresh(State(state): State<AppState>, user: ApiUser) -> Result<Json<TokenResponse>, ApiError> {
    let (token, s) = sessions::refresh(&state.db, &user.token).await?.ok_or(AppError::Unauthenticated)?;
    Ok(Json(TokenResponse { token, token_type: "Bearer".into(), expires_at: s.expires_at }))
}

/// End this token at once (it answers 401 from then on).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "令牌已作废"), (status = 401, body = ErrorBody)))]
pub async fn logout(State(state): State<AppState>, user: ApiUser) -> Result<axum::http::StatusCode, ApiError> {
    sessions::delete(&state.db, &user.token).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
