//! Special actions and enrolment; the liaison list (联络清单) export.

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
}
