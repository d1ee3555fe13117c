//! User administration and the audit check over the API.

use super::ApiJson;
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError, ErrorBody};
use crate::AppState;
use axum::Json;
use duijie_app::accounts::{NewUserInput, check_new_user};
use super::{Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::{Decision, RegionCode, Role};
use duijie_store::audit::{self, Verification};
use duijie_store::users;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
    pub org_id: Option<i64>,
    pub active: bool,
    pub locked: bool,
}

impl From<users::UserView> for UserDto {
    fn from(v: users::UserView) -> Self {
        UserDto { id: v.id, username: v.username, display_name: v.display_name, role: v.role, region_code: v.region_code, org_id: v.org_id, active: v.active, locked: v.locked }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserPage {
    pub total: i64,
    pub items: Vec<UserDto>,
}

#[derive(Deserialize, IntoParams)]
pub struct PageParams {
    /// 1-based page number.
    pub page: Option<i64>,
    /// Page size, at most 200 (default 50).
    pub size: Option<i64>,
}

fn require_admin(user: &ApiUser) -> Result<RegionCode, ApiError> {
    if user.principal.role() != Role::Admin {
        return Err(AppError::Forbidden.into());
    }
    user.principal.scope().region().cloned().ok_or_else(|| AppError::Forbidden.into())
}

/// Users whose unit lies in the administrator's region subtree.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(PageParams),
    responses((status = 200, body = UserPage), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, user: ApiUser, Query(p): Query<PageParams>) -> Result<Json<UserPage>, ApiError> {
    let region = require_admin(&user)?;
    let size = p.size.unwrap_or(50).clamp(1, 200);
    let page = p.page.unwrap_or(1).clamp(1, 1_000_000);
    let (rows, total) = users::list(&state.db, &region, size, (page - 1) * size).await?;
    Ok(Json(UserPage { total, items: rows.into_iter().map(|u| u.view().into()).collect() }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewUserRequest {
    pub username: String,
    pub display_name: String,
    /// admin, civil_affairs, rural_revitalization, supervisor, organization
    pub role: String,
    /// The unit's region code; "000000" for national.
    pub region: String,
    /// The organisation's credit code, for the organization role.
    #[serde(default)]
    pub org: String,
    pub password: String,
}

/// Create a user in the administrator's region subtree.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserRequest,
    responses((status = 201, body = UserDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(State(state): State<AppState>, user: ApiUser, ApiJson(r): ApiJson<NewUserRequest>) -> Result<(StatusCode, Json<UserDto>), ApiError> {
    require_admin(&user)?;
    let input = NewUserInput { username: &r.username, display_name: &r.display_name, role: &r.role, region: &r.region, org: &r.org, password: &r.password };
    let new = check_new_user(&state, &user.principal, input)
        .await
        .map_err(AppError::Invalid)?;
    let actor = user.actor();
    let mut tx = state.db.begin().await?;
    let id = users::create(&mut tx, &actor, &new).await?;
    tx.commit().await?;
    let created = duijie_app::open(users::get(&state.db, id).await?, &user.principal, Action::ManageUser)?;
    Ok((StatusCode::CREATED, Json(created.view().into())))
}

#[derive(Serialize, ToSchema)]
pub struct VerifyResult {
    pub intact: bool,
    /// Rows checked (when intact).
    pub rows: Option<i64>,
    /// First broken row (when broken).
    pub broken_at: Option<i64>,
    pub reason: Option<String>,
}

/// Check the whole audit chain (national administrators).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = VerifyResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn verify_audit(State(state): State<AppState>, user: ApiUser) -> Result<Json<VerifyResult>, ApiError> {
    match decide(&user.principal, Action::ViewAudit, Target::Region(&RegionCode::national())) {
        Decision::Allow => {}
        Decision::Forbidden => return Err(AppError::Forbidden.into()),
        Decision::NotFound => return Err(AppError::NotFound.into()),
    }
    Ok(Json(match audit::verify(&state.db).await? {
        Verification::Intact { rows } => VerifyResult { intact: true, rows: Some(rows), broken_at: None, reason: None },
        Verification::Broken { seq, reason } => VerifyResult { intact: false, rows: None, broken_at: Some(seq), reason: Some(reason) },
    }))
}

/// 一个会话或令牌（网页登录或 API 令牌）。
#[derive(Serialize, ToSchema)]
pub struct SessionDto {
    /// 会话编号（撤销时使用）。
    pub id: String,
    /// web（网页登录）或 api（API 令牌）。
    pub kind: String,
    /// Unix seconds.
    pub created_at: i64,
    pub last_seen: i64,
    pub expires_at: i64,
}

impl From<&duijie_store::sessions::Session> for SessionDto {
    fn from(s: &duijie_store::sessions::Session) -> Self {
        SessionDto { id: s.public_id().to_string(), kind: s.kind.clone(), created_at: s.created_at, last_seen: s.last_seen, expires_at: s.expires_at }
    }
}

/// 某用户当前有效的网页会话和 API 令牌（管理员，限本级及下级用户）。
#[utoipa::path(get, path = "/api/v1/users/{id}/sessions", tag = "users",
    params(("id" = i64, Path, description = "用户编号")),
    responses((status = 200, body = [SessionDto]), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn sessions_of(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<Json<Vec<SessionDto>>, ApiError> {
    let (_, s) = duijie_app::accounts::sessions_of(&state.db, &user.principal, id).await?;
    Ok(Json(s.iter().map(SessionDto::from).collect()))
}

/// 撤销某用户的一个会话或令牌（`session` 为 `all` 时撤销全部），立即失效并记入审计。
#[utoipa::path(delete, path = "/api/v1/users/{id}/sessions/{session}", tag = "users",
    params(("id" = i64, Path, description = "用户编号"), ("session" = String, Path, description = "会话编号，或 all")),
    responses((status = 204, description = "已撤销"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_session(State(state): State<AppState>, user: ApiUser, Path((id, session)): Path<(i64, String)>) -> Result<StatusCode, ApiError> {
    let which = (session != "all").then_some(session.as_str());
    duijie_app::accounts::revoke(&state.db, &user.principal, &user.actor(), id, which).await?;
    Ok(StatusCode::NO_CONTENT)
}
