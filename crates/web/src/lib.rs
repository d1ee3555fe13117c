//! Duijie's HTTP face.
//!
//! Guarantees:
//! - Pages (server-rendered, Simplified Chinese) and the `/api/v1` JSON API share
//!   one router, one authorisation decision (`duijie_domain::authz::decide`) and
//!   one error type; the API is described by `/api/openapi.json` and explorable
//!   offline at `/api/docs`.
//! - A handler can obtain a `Scope` only from an authenticated user ([`auth`]);
//!   every form POST is CSRF-checked ([`auth::CsrfForm`]); every response carries
//!   the security headers of [`security`].
//! - Nothing is loaded from outside the server: styles and scripts are served
//!   from the binary.
//! - Requests only read the catalogues and the full-text index; a background
//!   task keeps them fresh, and a write request answers once they include it
//!   ([`fresh`], over `duijie_app::derived`).
//! - A write whose transaction deadlocked is run again ([`retry`]); an API
//!   write sent with an `Idempotency-Key` happens once however often it is
//!   sent ([`idempotency`]).

pub mod agreement;
pub mod api;
pub mod audit_words;
pub mod auth;
pub mod error;
pub mod format;
pub mod fresh;
pub mod idempotency;
pub mod pages;
pub mod previews;
pub mod retry;
pub mod security;
pub mod uploads;

use duijie_app::Platform;
use duijie_app::derived::Derived;
use duijie_store::Db;
use duijie_store::regions::RegionTree;
use std::sync::{Arc, RwLock};

pub use error::AppError;

/// Settings the web layer needs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Treat every request as HTTPS: cookies `Secure`, HSTS (set when served
    /// over HTTPS without a proxy that says so).
    pub cookie_secure: bool,
    /// Behind a reverse proxy: take the client's address from
    /// `X-Forwarded-For` and HTTPS from `X-Forwarded-Proto`.
    pub trust_proxy: bool,
    /// Largest accepted upload, in bytes.
    pub max_upload_bytes: usize,
    /// Seals households' personal data.
    pub sealer: duijie_domain::sealing::Sealer,
    /// Who publishes demands.
    pub demand_approval: duijie_domain::authz::DemandApproval,
    /// Where the full-text index lives; `None` keeps it in memory (tests).
    pub search_dir: Option<std::path::PathBuf>,
    /// How large an imported spreadsheet may be, per import kind.
    pub import_limits: duijie_office::ImportLimits,
    /// The platform's public address (`https://duijie.yn.gov.cn`), put in the
    /// QR codes of log receipts; empty: the codes hold the path alone.
    pub public_url: String,
}

impl Default for WebConfig {
    /// Test settings: a fresh random data key.
    fn default() -> Self {
        let sealer = duijie_domain::sealing::Sealer::from_hex(&duijie_domain::sealing::Sealer::generate_key_hex());
        WebConfig {
            cookie_secure: false,
            trust_proxy: false,
            max_upload_bytes: 20 * 1024 * 1024,
            sealer: sealer.unwrap_or_else(|_| unreachable!("a generated key is always valid")),
            demand_approval: duijie_domain::authz::DemandApproval::default(),
            search_dir: None,
            import_limits: duijie_office::ImportLimits::default(),
            public_url: String::new(),
        }
    }
}

/// Shared state of the running platform: what the operations run against
/// ([`duijie_app::Platform`], reached through `Deref`: `state.db`,
/// `state.tree`, `state.derived`) and what only the web layer keeps.
#[derive(Clone)]
pub struct AppState {
    pub platform: Arc<Platform>,
    pub config: Arc<WebConfig>,
    /// Whether the demo data is present (pages show a 演示数据 banner).
    pub demo: bool,
    /// Uploaded designation lists waiting for the officer's confirmation.
    pub pending: Arc<previews::Previews<Vec<duijie_store::designations::NewDesignation>>>,
    /// Uploaded registry files waiting for the officer's confirmation (file name, plan).
    pub org_previews: Arc<previews::Previews<(String, duijie_store::imports::OrgPlan)>>,
    /// Uploaded pairing lists waiting for confirmation (batch id, checked rows).
    pub pairing_previews: Arc<previews::Previews<(i64, duijie_store::pairing::list::ImportPlan)>>,
    /// Uploaded demand lists waiting for confirmation.
    pub demand_previews: Arc<previews::Previews<duijie_app::demand::DemandImport>>,
    /// Uploads with errors, kept so that their full error list can be downloaded.
    pub error_files: Arc<previews::Previews<pages::import_errors::ErrorSource>>,
    /// Result of the last audit-chain check, shown to administrators.
    pub last_audit_check: Arc<RwLock<Option<(i64, duijie_store::audit::Verification)>>>,
}

impl std::ops::Deref for AppState {
    type Target = Platform;

    fn deref(&self) -> &Platform {
        &self.platform
    }
}

impl AppState {
    /// Loads the region tree and builds the state.
    pub async fn new(db: Db, config: WebConfig) -> Result<AppState, duijie_store::Error> {
        let tree = RegionTree::load(&db).await?;
        let demo = db.meta("demo_loaded").await?.is_some();
        let fulltext = match &config.search_dir {
            Some(dir) => duijie_store::search::open_for(&db, dir).await?,
            None => duijie_fulltext::FullText::in_memory().map_err(|e| duijie_store::Error::Invalid(e.to_string()))?,
        };
        let derived = Derived::start(&db, fulltext);
        let platform = Platform { db, tree: Arc::new(tree), derived, sealer: config.sealer.clone(), demand_approval: config.demand_approval, figures: Default::default() };
        Ok(AppState {
            platform: Arc::new(platform),
            config: Arc::new(config),
            demo,
            pending: Arc::default(),
            org_previews: Arc::default(),
            pairing_previews: Arc::default(),
            demand_previews: Arc::default(),
            error_files: Arc::default(),
            last_audit_check: Arc::default(),
        })
    }
}

/// The path of every route, pages and API (with `{parameter}` placeholders),
/// sorted: for tools that walk the routes, such as the front-door benchmark.
pub fn route_paths() -> Vec<String> {
    let debug = format!("{:?}", pages::router().merge(api::router()));
    let mut paths: Vec<String> = debug.split('"').filter(|s| s.starts_with('/') && !s.contains("__private__") && !s.contains(' ')).map(str::to_string).collect();
    paths.push("/healthz".into());
    paths.sort();
    paths.dedup();
    paths
}

/// The whole application: pages, API, static files, health check.
pub fn router(state: AppState) -> axum::Router {
    let max_upload = state.config.max_upload_bytes;
    pages::router()
        .merge(api::router())
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        // Inside retry and idempotency: a write is waited for once it has committed.
        .layer(axum::middleware::from_fn_with_state(state.derived.clone(), fresh::layer))
        // Idempotency outside retry: the answer kept for a key is the one after any reruns.
        .layer(axum::middleware::from_fn_with_state(max_upload, retry::layer))
        .layer(axum::middleware::from_fn_with_state(state.clone(), idempotency::layer))
        .layer(axum::extract::DefaultBodyLimit::max(max_upload))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::headers))
        .with_state(state)
}

/// An .xlsx file to download, named `name` (Chinese names survive through RFC 5987's `filename*`).
pub fn xlsx_download(name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let encoded = crate::pages::urlencode(name);
    (
        [
            (axum::http::header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"table.xlsx\"; filename*=UTF-8''{encoded}")),
        ],
        bytes,
    )
        .into_response()
}
