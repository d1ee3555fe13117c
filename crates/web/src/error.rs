//! The one error type of the web layer.
//!
//! Guarantees: every failure becomes a response a person can act on — a Chinese
//! page for browsers, `{code, message, fields, request_id}` JSON under `/api`
//! (see [`ApiError`]; every API error carries a fresh request id). A 5xx never
//! shows internals: it is logged under its request id and the person sees only
//! that id.
//!
//! A record that someone else changed first is a 409 `conflict` carrying the
//! record's current state (`current`); a deadlock or serialisation failure of
//! the database is [`AppError::Busy`], which [`crate::retry`] runs again.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use duijie_domain::FieldError;
use serde::Serialize;

#[derive(Debug)]
pub enum AppError {
    /// Not logged in (pages redirect to the login page).
    Unauthenticated,
    /// Missing, or outside the caller's scope (the two are indistinguishable).
    NotFound,
    /// Visible but not permitted.
    Forbidden,
    /// The form's CSRF token did not match.
    Csrf,
    /// Bad input with a message, and the status to answer with.
    BadRequest(StatusCode, String),
    /// Field-level validation failures.
    Invalid(Vec<FieldError>),
    Conflict(String),
    /// The record is no longer in the state the request needs (usually someone
    /// else acted first); `current` is its state now.
    Changed { message: String, current: serde_json::Value },
    /// The database gave up on a transaction that may succeed if run again
    /// (deadlock, serialisation failure); the detail goes to the log only.
    Busy(String),
    /// Too many failed logins.
    Locked(String),
    /// A fault of ours; the text goes to the log only.
    Internal(String),
}

impl AppError {
    pub fn bad(msg: impl Into<String>) -> AppError {
        AppError::BadRequest(StatusCode::BAD_REQUEST, msg.into())
    }

    pub fn field(field: &str, msg: impl Into<String>) -> AppError {
        AppError::Invalid(vec![FieldError::new(field, msg)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(s, _) => *s,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) | AppError::Changed { .. } => StatusCode::CONFLICT,
            AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Locked(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::NotFound => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::Csrf => "csrf",
            AppError::BadRequest(..) => "bad_request",
            AppError::Invalid(_) => "invalid",
            AppError::Conflict(_) | AppError::Changed { .. } => "conflict",
            AppError::Busy(_) => "busy",
            AppError::Locked(_) => "locked",
            AppError::Internal(_) => "internal",
        }
    }

    /// The message shown to people.
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated => "请先登录".into(),
            AppError::NotFound => "页面或记录不存在，或不在您的管辖范围内".into(),
            AppError::Forbidden => "您没有执行此操作的权限".into(),
            AppError::Csrf => "表单已过期或来源不明，请刷新页面后重新提交".into(),
            AppError::BadRequest(_, m) | AppError::Conflict(m) | AppError::Locked(m) | AppError::Changed { message: m, .. } => m.clone(),
            AppError::Busy(_) => "系统繁忙，请稍后重试".into(),
            AppError::Invalid(fs) => fs.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("；"),
            AppError::Internal(_) => "系统内部错误，请稍后再试；如果问题持续，请把下方的请求编号告诉管理员".into(),
        }
    }

    fn fields(&self) -> Vec<FieldError> {
        match self {
            AppError::Invalid(fs) => fs.clone(),
            _ => Vec::new(),
        }
    }

    /// The record's current state, for `Changed`.
    fn current(&self) -> Option<serde_json::Value> {
        match self {
            AppError::Changed { current, .. } => Some(current.clone()),
            _ => None,
        }
    }

    /// The message of the error page: a changed record also names its current state.
    fn page_message(&self) -> String {
        match self.current().as_ref().and_then(|c| c["status_label"].as_str().map(str::to_string)) {
            Some(label) => format!("{}（当前状态：{label}）。请刷新页面查看最新情况。", self.message()),
            None => self.message(),
        }
    }

    /// Logs an internal error's detail under `id`, and a request that stayed
    /// busy after its retries (other errors are the caller's, not logged).
    fn log(&self, id: &str) {
        if let AppError::Busy(detail) = self {
            tracing::warn!(request_error = %id, "database busy after retries: {detail}");
        }
        if let AppError::Internal(detail) = self {
            tracing::error!(request_error = %id, "{detail}");
        }
    }
}

/// A new id for one error answer, to quote to an administrator.
pub(crate) fn new_request_id() -> String {
    duijie_domain::crypto::random_token()[..12].to_string()
}

/// Marks a response whose request may succeed if run again ([`crate::retry`]).
#[derive(Debug, Clone, Copy)]
pub struct Retryable;

impl AppError {
    fn mark_retryable(&self, res: &mut Response) {
        if let AppError::Busy(_) = self {
            res.extensions_mut().insert(Retryable);
        }
    }
}

impl From<duijie_store::Error> for AppError {
    fn from(e: duijie_store::Error) -> AppError {
        match e {
            duijie_store::Error::Conflict(m) => AppError::Conflict(m),
            duijie_store::Error::Changed { message, current } => AppError::Changed { message, current },
            duijie_store::Error::Invalid(m) => AppError::bad(m),
            other if other.is_retryable() => AppError::Busy(other.to_string()),
            // A constraint that a concurrent request got to first (the checks before it passed).
            other if other.is_unique_violation() => AppError::Conflict(duijie_store::CHANGED_BY_OTHERS.into()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<duijie_app::Error> for AppError {
    fn from(e: duijie_app::Error) -> AppError {
        match e {
            duijie_app::Error::NotFound => AppError::NotFound,
            duijie_app::Error::Forbidden => AppError::Forbidden,
            duijie_app::Error::Invalid(fields) => AppError::Invalid(fields),
            duijie_app::Error::Conflict(m) => AppError::Conflict(m),
            duijie_app::Error::Rejected(m) => AppError::bad(m),
            duijie_app::Error::Store(e) => e.into(),
            duijie_app::Error::Internal(m) => AppError::Internal(m),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> AppError {
        AppError::Internal(format!("template: {e}"))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    message: String,
    request_id: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Unauthenticated = self {
            return axum::response::Redirect::to("/login").into_response();
        }
        let status = self.status();
        let id = new_request_id();
        self.log(&id);
        // A page shows the id only for our own faults, which the log explains.
        let request_id = matches!(self, AppError::Internal(_)).then_some(id);
        let page = ErrorPage { status: status.as_u16(), message: self.page_message(), request_id };
        let mut res = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, self.page_message()).into_response(),
        };
        self.mark_retryable(&mut res);
        res
    }
}

/// The JSON body of every API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable machine code: bad_request, unauthenticated, forbidden, not_found, invalid, conflict, locked, internal…
    pub code: String,
    /// What went wrong, in Chinese.
    pub message: String,
    /// Per-field problems for `invalid`.
    pub fields: Vec<FieldProblem>,
    /// This answer's id; for internal errors (5xx) the detail is logged under it.
    pub request_id: String,
    /// For `conflict` when the record changed: its current state, e.g.
    /// `{"status": "published", "status_label": "已发布"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// An [`AppError`] answered as JSON.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        ApiError(e)
    }
}

impl From<duijie_store::Error> for ApiError {
    fn from(e: duijie_store::Error) -> ApiError {
        ApiError(e.into())
    }
}

impl From<duijie_app::Error> for ApiError {
    fn from(e: duijie_app::Error) -> ApiError {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let request_id = new_request_id();
        e.log(&request_id);
        let body = ErrorBody {
            code: e.code().into(),
            message: e.message(),
            fields: e.fields().into_iter().map(|f| FieldProblem { field: f.field, message: f.message }).collect(),
            request_id,
            current: e.current(),
        };
        let mut res = (e.status(), axum::Json(body)).into_response();
        e.mark_retryable(&mut res);
        res
    }
}
