//! The inbox (站内消息) over the API.
//!
//! Guarantees: a caller lists and marks read only the notices addressed to
//! their organisation or government unit (filtered in SQL by
//! `duijie_store::inbox`); another recipient's notice answers 404 like a
//! missing one. Reading notices is not audited: they are messages, not records.

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use super::{Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use duijie_store::inbox::{self, Notification};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(read_all)).routes(routes!(read))
}

/// One notice.
#[derive(Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: i64,
    /// What happened, a machine key such as `pairing.proposed`.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// Where the notice leads on the web site: a path such as `/pairing/12`, or empty.
    pub link: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; null while unread.
    pub read_at: Option<i64>,
}

impl From<Notification> for NotificationDto {
    fn from(n: Notification) -> Self {
        NotificationDto { id: n.id, kind: n.kind, title: n.title, body: n.body, link: n.link, created_at: n.created_at, read_at: n.read_at }
    }
}

/// One page of the caller's notices.
#[derive(Serialize, ToSchema)]
pub struct InboxList {
    /// Notices matching the filter.
    pub total: i64,
    /// Unread notices of the caller, whatever the filter.
    pub unread: i64,
    /// Newest first.
    pub items: Vec<NotificationDto>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxParams {
    /// Only unread notices.
    pub unread: Option<bool>,
    /// 1-based page number (default 1).
    pub page: Option<i64>,
    /// Page size, 1 to 100 (default 20).
    pub per_page: Option<i64>,
}

/// The notices addressed to the caller's organisation or unit, newest first.
///
/// A government user receives the notices of their own region addressed to
/// every government role there or to their own role; an organisation user
/// those of their organisation.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "inbox", params(InboxParams),
    responses((status = 200, body = InboxList), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, user: ApiUser, Query(p): Query<InboxParams>) -> Result<Json<InboxList>, ApiError> {
    let per_page = p.per_page.unwrap_or(20).clamp(1, 100);
    let page = p.page.unwrap_or(1).clamp(1, 1_000_000);
    let who = &user.principal;
    let (items, total) = inbox::list(&state.db, who, p.unread.unwrap_or(false), per_page, (page - 1) * per_page).await?;
    let unread = inbox::unread_count(&state.db, who).await?;
    Ok(Json(InboxList { total, unread, items: items.into_iter().map(Into::into).collect() }))
}

/// Mark one notice read (reading it again keeps the first read time).
#[utoipa::path(post, path = "/api/v1/inbox/{id}/read", tag = "inbox",
    params(("id" = i64, Path, description = "消息编号")),
    responses((status = 204, description = "已标为已读"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn read(State(state): State<AppState>, user: ApiUser, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    duijie_app::inbox::mark_read(&state.db, &user.principal, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many notices were marked read.
#[derive(Serialize, ToSchema)]
pub struct InboxMarked {
    pub marked: u64,
}

/// Mark every unread notice of the caller read.
#[utoipa::path(post, path = "/api/v1/inbox/read-all", tag = "inbox",
    responses((status = 200, body = InboxMarked), (status = 401, body = ErrorBody)))]
pub async fn read_all(State(state): State<AppState>, user: ApiUser) -> Result<Json<InboxMarked>, ApiError> {
    Ok(Json(InboxMarked { marked: inbox::mark_all_read(&state.db, &user.principal).await? }))
}
