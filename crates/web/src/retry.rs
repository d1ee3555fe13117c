//! Runs a request again when the database gave up on its transaction in a way
//! that a second run may not meet: a PostgreSQL deadlock (40P01) or
//! serialisation failure (40001), or SQLite busy.
//!
//! Guarantees: the request's transaction was rolled back before its response
//! was marked [`Retryable`] (handlers commit last), so running it again changes
//! nothing twice; a request runs at most [`ATTEMPTS`] times, with a short
//! randomised pause between runs; after the last one the person reads
//! "系统繁忙，请稍后重试" (503), never a 500. Bodies are read into memory once
//! (up to the upload limit) so that each run gets the same one.

use crate::AppState;
use crate::error::{AppError, Retryable};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// How many times a request runs at most.
pub const ATTEMPTS: u32 = 5;

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, state.config.max_upload_bytes).await {
        Ok(b) => b,
        Err(_) => {
            let limit = state.config.max_upload_bytes / 1024 / 1024;
            return AppError::BadRequest(axum::http::StatusCode::PAYLOAD_TOO_LARGE, format!("提交的内容过大（上限 {limit} MB）")).into_response();
        }
    };
    let mut attempt = 1;
    loop {
        let req = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
        let res = next.clone().run(req).await;
        if res.extensions().get::<Retryable>().is_none() || attempt == ATTEMPTS {
            return res;
        }
        tracing::debug!(attempt, "transaction deadlocked or could not be serialised; running the request again");
        tokio::time::sleep(pause(attempt)).await;
        attempt += 1;
    }
}

/// 10–40 ms, doubling with each attempt: enough for the other transaction to finish.
fn pause(attempt: u32) -> Duration {
    let jitter = rand::random::<u64>() % 30;
    Duration::from_millis((10 + jitter) << (attempt - 1).min(4))
}
