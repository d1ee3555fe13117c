//! Read-your-writes for the derived data: a write request answers only once
//! the catalogues and the index include it (`duijie_app::derived::Derived::refresh`).

use duijie_app::derived::Derived;
use std::sync::Arc;

/// After a write request (any method but GET, HEAD and OPTIONS) that
/// succeeded, waits for the derived data to include it.
pub async fn layer(axum::extract::State(derived): axum::extract::State<Arc<Derived>>, req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let writes = !matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS);
    let res = next.run(req).await;
    if writes && (res.status().is_success() || res.status().is_redirection()) {
        derived.refresh().await;
    }
    res
}
