//! The one error type of the web layer.
//!
//! Guarantees: every failure becomes a response a person can act on — a Chinese
//! page for browsers, `{code, message, fields, request_id}` JSON under `/api`
//! (see [`ApiError`]; every API error carries a fresh request id). A 5xx never
//! shows internals: it is logged under its request id and the person sees only
//! that id.

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
            AppError::Conflict(_) => StatusCode::CONFLICT,
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
            AppError::Conflict(_) => "conflict",
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
            AppError::BadRequest(_, m) | AppError::Conflict(m) | AppError::Locked(m) => m.clone(),
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

    /// Logs an internal error's detail under `id` (other errors are the caller's, not logged).
    fn log(&self, id: &str) {
        if let AppError::Internal(detail) = self {
            tracing::error!(request_error = %id, "{detail}");
        }
    }
}

/// A new id for one error answer, to quote to an administrator.
fn new_request_id() -> String {
    duijie_domain::crypto::random_token()[..12].to_string()
}

impl From<duijie_store::Error> for AppError {
    fn from(e: duijie_store::Error) -> AppError {
        match e {
            duijie_store::Error::Conflict(m) => AppError::Conflict(m),
            duijie_store::Error::Invalid(m) => AppError::bad(m),
            other => AppError::Internal(other.to_string()),
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
        let request_id = matches!(self, AppError::Internal(_)).then(new_request_id);
        if let Some(id) = &request_id {
            self.log(id);
        }
        let page = ErrorPage { status: status.as_u16(), message: self.message(), request_id };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, self.message()).into_response(),
        }
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
        };
        (e.status(), axum::Json(body)).into_response()
    }
}
