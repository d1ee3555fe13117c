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

use crate::error::{AppError, Retryable};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// How many times a request runs at most.
pub const ATTEMPTS: u32 = 5;

/// The middleware; its state is the largest body accepted, in bytes.
pub async fn layer(State(limit): State<usize>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            let mb = limit / 1024 / 1024;
            return AppError::BadRequest(axum::http::StatusCode::PAYLOAD_TOO_LARGE, format!("提交的内容过大（上限 {mb} MB）")).into_response();
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    use tower::ServiceExt;

    /// A handler whose first `busy` runs deadlock; counts its runs and checks the body each time.
    fn app(busy: u32, runs: Arc<AtomicU32>) -> axum::Router {
        let handler = move |body: String| {
            let runs = runs.clone();
            async move {
                assert_eq!(body, "同一个请求体", "every run gets the same body");
                if runs.fetch_add(1, Ordering::SeqCst) < busy {
                    Err(AppError::Busy("deadlock detected".into()))
                } else {
                    Ok("done")
                }
            }
        };
        axum::Router::new().route("/w", axum::routing::post(handler)).layer(axum::middleware::from_fn_with_state(1024usize, layer))
    }

    async fn post(app: axum::Router) -> Response {
        app.oneshot(Request::post("/w").body(Body::from("同一个请求体")).unwrap()).await.unwrap()
    }

    #[tokio::test]
    async fn a_deadlocked_request_runs_again_until_it_succeeds() {
        let runs = Arc::new(AtomicU32::new(0));
        let res = post(app(2, runs.clone())).await;
        assert_eq!(res.status(), axum::http::StatusCode::OK);
        assert_eq!(runs.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_request_that_keeps_deadlocking_stops_after_the_last_attempt_with_503() {
        let runs = Arc::new(AtomicU32::new(0));
        let res = post(app(u32::MAX, runs.clone())).await;
        assert_eq!(res.status(), axum::http::StatusCode::SERVICE_UNAVAILABLE, "busy, never a 500");
        assert_eq!(runs.load(Ordering::SeqCst), ATTEMPTS);
    }
}
