//! Organisation registry pages: list with search and filters, profile, create and edit, credit lists, export.

use crate::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
}
