//! Who is asking: browser sessions, API bearer tokens, and CSRF-checked forms.
//!
//! Guarantees:
//! - [`CurrentUser`] (pages) and [`ApiUser`] (API) are the only ways a handler
//!   learns who the caller is, and so the only source of a `Principal` and its
//!   `Scope`; both refuse expired sessions and disabled accounts.
//! - An applicant (an organisation's account whose self-application is not yet
//!   approved) gets through them only to follow its application
//!   ([`applicant_may`]): everything else any logged-in user may read stays
//!   closed to it, whatever the handler.
//! - [`Posted`] (forms) and [`PostedUpload`] (multipart forms with a file) are
//!   the only extractors for state-changing page requests: they authenticate,
//!   check the `_csrf` field against the session's token, and turn malformed
//!   or oversized bodies into a Chinese message, never a 500. Before login,
//!   [`LoginPosted`], [`ApplicationUpload`] and [`ComplaintUpload`] check the
//!   field against a pre-login cookie instead.

use crate::error::{ApiError, AppError};
use crate::AppState;
use crate::uploads::{MultipartForm, read_multipart};
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use duijie_domain::Principal;
use duijie_store::sessions::{self, Kind};
use duijie_store::users::User;
use serde::de::DeserializeOwned;

pub const SESSION_COOKIE: &str = "duijie_session";
pub const LOGIN_CSRF_COOKIE: &str = "duijie_login_csrf";
/// The CSRF cookie of the self-application form (`/apply`), set when it is shown.
pub const APPLY_CSRF_COOKIE: &str = "duijie_apply_csrf";
/// The CSRF cookie of the public complaint form (`/public/complaints/new`), set when it is shown.
pub const COMPLAINT_CSRF_COOKIE: &str = "duijie_complaint_csrf";

/// Reads one cookie from the request headers.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value with the attributes every Duijie cookie carries
/// (`Secure` is added by `security::headers` for requests over HTTPS).
pub fn set_cookie(name: &str, value: &str, max_age: i64) -> String {
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}")
}

/// The logged-in browser user.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub principal: Principal,
    /// The session's CSRF token, to embed in forms.
    pub csrf: String,
    /// The session token (for logout).
    pub token: String,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(u) = parts.extensions.get::<CurrentUser>() {
            return Ok(u.clone());
        }
        let token = cookie(parts, SESSION_COOKIE).ok_or(AppError::Unauthenticated)?;
        let (session, user) = sessions::lookup(&state.db, &token, Kind::Web).await?.ok_or(AppError::Unauthenticated)?;
        refuse_applicant(&user, parts.uri.path())?;
        let current = CurrentUser { principal: user.principal(), user, csrf: session.csrf, token };
        parts.extensions.insert(current.clone());
        Ok(current)
    }
}

/// The caller of an `/api/v1` route, by `Authorization: Bearer TOKEN`.
#[derive(Debug, Clone)]
pub struct ApiUser {
    pub user: User,
    pub principal: Principal,
    /// The bearer token (for logout and refresh).
    pub token: String,
}

impl ApiUser {
    /// The audit actor for this caller.
    pub fn actor(&self) -> duijie_store::Actor {
        duijie_store::Actor { user_id: Some(self.user.id), name: self.user.username.clone(), unit: self.user.display_name.clone() }
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
        let token = header.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()).ok_or(AppError::Unauthenticated)?;
        let (_, user) = sessions::lookup(&state.db, token, Kind::Api).await?.ok_or(AppError::Unauthenticated)?;
        refuse_applicant(&user, parts.uri.path())?;
        Ok(ApiUser { principal: user.principal(), user, token: token.to_string() })
    }
}

/// Whether an applicant of organisation `org` may open `path`: its own
/// application (the organisation's page, profile, resubmission and
/// attachments), who it is, and logging out.
pub fn applicant_may(path: &str, org: i64) -> bool {
    let own = format!("/orgs/{org}");
    let api_own = format!("/api/v1/organizations/{org}");
    matches!(path, "/" | "/dashboard" | "/logout" | "/api/v1/me" | "/api/v1/auth/logout")
        || path == own
        || path == api_own
        || path.strip_prefix(&own).is_some_and(|rest| matches!(rest, "/profile" | "/resubmit"))
        || path.strip_prefix("/attachments/").is_some_and(|id| id.parse::<i64>().is_ok())
}

/// What a throttled login is told, on the page and over the API (the same for every name).
pub fn throttled_message(until: i64) -> String {
    format!("登录尝试过于频繁，请于 {} 后再试；如需立即解除，请联系管理员", crate::format::fmt_time(until))
}

fn refuse_applicant(user: &User, path: &str) -> Result<(), AppError> {
    match user.org_id {
        Some(org) if user.is_applicant() && !applicant_may(path, org) => Err(AppError::BadRequest(
            StatusCode::FORBIDDEN,
            "注册申请审核通过后才能使用此功能，请在“我的组织”页查看审核进度".into(),
        )),
        _ => Ok(()),
    }
}

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// Reads a urlencoded body, mapping every failure to a Chinese message.
async fn read_form<T: DeserializeOwned>(req: Request, limit: usize) -> Result<(Parts, String, T), AppError> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        AppError::BadRequest(StatusCode::PAYLOAD_TOO_LARGE, format!("提交的内容过大（上限 {} KB）", limit / 1024))
    })?;
    let token = serde_urlencoded::from_bytes::<CsrfField>(&bytes).map(|c| c.csrf).unwrap_or_default();
    let form = serde_urlencoded::from_bytes::<T>(&bytes).map_err(|e| AppError::bad(format!("表单内容无效：{e}")))?;
    Ok((parts, token, form))
}

/// Largest ordinary form body.
pub const FORM_LIMIT: usize = 64 * 1024;

/// A CSRF-checked form posted by a logged-in user.
pub struct Posted<T> {
    pub user: CurrentUser,
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Posted<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, token, form) = read_form::<T>(req, FORM_LIMIT).await?;
        let user = CurrentUser::from_request_parts(&mut parts, state).await?;
        if !duijie_domain::crypto::constant_time_eq(token.as_bytes(), user.csrf.as_bytes()) {
            return Err(AppError::Csrf);
        }
        Ok(Posted { user, form })
    }
}

/// Reads a multipart body; a broken or oversized one is a Chinese message.
async fn read_upload(parts: Parts, body: axum::body::Body, state: &AppState) -> Result<MultipartForm, AppError> {
    let mut mp = Multipart::from_request(Request::from_parts(parts, body), state)
        .await
        .map_err(|e| AppError::BadRequest(e.status(), format!("上传失败：{}", e.body_text())))?;
    read_multipart(&mut mp).await
}

/// A CSRF-checked multipart form (with a file) posted by a logged-in user.
pub struct PostedUpload {
    pub user: CurrentUser,
    pub form: MultipartForm,
}

impl FromRequest<AppState> for PostedUpload {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let user = CurrentUser::from_request_parts(&mut parts, state).await?;
        let form = read_upload(parts, body, state).await?;
        if !duijie_domain::crypto::constant_time_eq(form.get("_csrf").as_bytes(), user.csrf.as_bytes()) {
            return Err(AppError::Csrf);
        }
        Ok(PostedUpload { user, form })
    }
}

/// The self-application form (multipart, before any account exists), checked
/// against the application's CSRF cookie.
pub struct ApplicationUpload {
    pub form: MultipartForm,
}

impl FromRequest<AppState> for ApplicationUpload {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ApplicationUpload { form: pre_login_upload(req, state, APPLY_CSRF_COOKIE).await? })
    }
}

/// The public complaint form (multipart, no account), checked against the
/// complaint form's CSRF cookie.
pub struct ComplaintUpload {
    pub form: MultipartForm,
}

impl FromRequest<AppState> for ComplaintUpload {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ComplaintUpload { form: pre_login_upload(req, state, COMPLAINT_CSRF_COOKIE).await? })
    }
}

/// A multipart form posted before login, whose `_csrf` field must equal the cookie `name` its page set.
async fn pre_login_upload(req: Request, state: &AppState, name: &str) -> Result<MultipartForm, AppError> {
    let (parts, body) = req.into_parts();
    let expected = cookie(&parts, name).unwrap_or_default();
    let form = read_upload(parts, body, state).await?;
    if expected.is_empty() || !duijie_domain::crypto::constant_time_eq(form.get("_csrf").as_bytes(), expected.as_bytes()) {
        return Err(AppError::Csrf);
    }
    Ok(form)
}

/// The login form, checked against the pre-login CSRF cookie.
pub struct LoginPosted<T> {
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for LoginPosted<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, _state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, token, form) = read_form::<T>(req, FORM_LIMIT).await?;
        let expected = cookie(&parts, LOGIN_CSRF_COOKIE).unwrap_or_default();
        if expected.is_empty() || !duijie_domain::crypto::constant_time_eq(token.as_bytes(), expected.as_bytes()) {
            return Err(AppError::Csrf);
        }
        Ok(LoginPosted { form })
    }
}

#[cfg(test)]
mod tests {
    use super::applicant_may;

    #[test]
    fn an_applicant_may_only_follow_its_own_application() {
        for ok in ["/orgs/7", "/orgs/7/resubmit", "/orgs/7/profile", "/attachments/3", "/logout", "/api/v1/me", "/api/v1/organizations/7", "/api/v1/auth/logout"] {
            assert!(applicant_may(ok, 7), "{ok}");
        }
        for no in ["/orgs/8", "/orgs/70", "/orgs/7/members", "/orgs", "/api/v1/liaisons", "/api/v1/organizations/8", "/demands", "/attachments/x", "/inbox"] {
            assert!(!applicant_may(no, 7), "{no}");
        }
    }
}
