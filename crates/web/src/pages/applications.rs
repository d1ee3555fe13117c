//! Self-application by organisations and its approval by civil affairs; registry import with preview.

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
}
