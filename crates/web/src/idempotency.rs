//! `Idempotency-Key` for the API's writes: a client that lost the answer to a
//! POST, PUT, PATCH or DELETE under `/api/v1/` (a cut connection) sends the
//! same request with the same key again and gets the first answer, without the
//! write happening twice.
//!
//! Guarantees:
//! - A key is the caller's own (by user id) and kept 24 hours
//!   ([`duijie_store::idempotency`]); it binds the method, path and body: the
//!   same key with another request is refused (422).
//! - The key is claimed before the handler runs, so two identical requests at
//!   the same moment do not both run: the second waits for the first answer
//!   (up to [`WAIT`]) and otherwise gets a 409.
//! - Once claimed, the handler runs to the end and its answer is stored even
//!   if the client goes away meanwhile. Answers of 500 and above are not
//!   stored: the key is released and the request may be sent again.
//! - Requests without the header, reads, and callers without a valid token
//!   pass through untouched (the handler answers 401 as usual).

use crate::AppState;
use crate::error::{ApiError, AppError};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use duijie_store::idempotency::{self, Answer, Claim};
use duijie_store::sessions::{self, Kind};
use std::time::Duration;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// Set on an answer that was stored earlier and is sent again.
pub const REPLAYED: &str = "idempotency-replayed";
/// How long a repeat waits for the first request's answer.
pub const WAIT: Duration = Duration::from_secs(10);
/// Largest answer kept.
const ANSWER_LIMIT: usize = 16 * 1024 * 1024;

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let write = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
    let key = req.headers().get(HEADER).and_then(|v| v.to_str().ok()).map(str::trim).unwrap_or("").to_string();
    if !write || key.is_empty() || !req.uri().path().starts_with("/api/v1/") {
        return next.run(req).await;
    }
    if key.chars().count() > 200 {
        return ApiError(AppError::bad("Idempotency-Key 不能超过 200 个字符")).into_response();
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("")
        .to_string();
    let user_id = match sessions::lookup(&state.db, &token, Kind::Api).await {
        Ok(Some((_, user))) => user.id,
        Ok(None) => return next.run(req).await,
        Err(e) => return ApiError(e.into()).into_response(),
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, state.config.max_upload_bytes).await else {
        return ApiError(AppError::BadRequest(StatusCode::PAYLOAD_TOO_LARGE, "提交的内容过大".into())).into_response();
    };
    let request = format!("{} {}", parts.method, parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or(""));
    let body_hash = duijie_domain::crypto::sm3_hex(&bytes);
    let started = tokio::time::Instant::now();
    loop {
        match idempotency::claim(&state.db, user_id, &key, &request, &body_hash).await {
            Ok(Claim::Claimed) => break,
            Ok(Claim::Done(answer)) => return replay(answer),
            Ok(Claim::Mismatch) => {
                let msg = "该 Idempotency-Key 已用于另一个请求（方法、路径或内容不同）；每个新请求请使用新的键";
                return ApiError(AppError::BadRequest(StatusCode::UNPROCESSABLE_ENTITY, msg.into())).into_response();
            }
            Ok(Claim::Running) if started.elapsed() < WAIT => tokio::time::sleep(Duration::from_millis(50)).await,
            Ok(Claim::Running) => return ApiError(AppError::Conflict("使用该 Idempotency-Key 的请求仍在处理中，请稍后再发送".into())).into_response(),
            Err(e) => return ApiError(e.into()).into_response(),
        }
    }
    let db = state.db.clone();
    let req = Request::from_parts(parts, Body::from(bytes));
    // Its own task: the answer is stored even if the client hangs up and this future is dropped.
    let run = tokio::spawn(async move {
        let res = next.run(req).await;
        let (parts, body) = res.into_parts();
        let Ok(body) = axum::body::to_bytes(body, ANSWER_LIMIT).await else {
            let _ = idempotency::release(&db, user_id, &key).await;
            return ApiError(AppError::Internal("answer too large to keep for Idempotency-Key".into())).into_response();
        };
        let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let kept = if parts.status.is_server_error() {
            idempotency::release(&db, user_id, &key).await
        } else {
            idempotency::finish(&db, user_id, &key, &Answer { status: parts.status.as_u16(), content_type, body: body.to_vec() }).await
        };
        if let Err(e) = kept {
            tracing::warn!("could not keep the answer of an Idempotency-Key: {e}");
        }
        Response::from_parts(parts, Body::from(body))
    });
    match run.await {
        Ok(res) => res,
        Err(e) => ApiError(AppError::Internal(format!("request task failed: {e}"))).into_response(),
    }
}

fn replay(a: Answer) -> Response {
    let status = StatusCode::from_u16(a.status).unwrap_or(StatusCode::OK);
    let mut res = (status, a.body).into_response();
    if let Ok(v) = HeaderValue::from_str(&a.content_type) {
        res.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    res.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
    res
}
