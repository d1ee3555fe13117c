//! Server-rendered pages for people, in Simplified Chinese.
//!
//! Guarantees: every page handler authenticates through `CurrentUser` or
//! `Posted` (login and static files excepted), asks `authz::decide` before
//! showing or changing a record, and answers out-of-scope records with 404.
//! After a change the browser is redirected (POST → redirect → GET) with a
//! message shown as a toast.

pub mod actions;
pub mod admin;
pub mod applications;
pub mod commendations;
pub mod complaints;
pub mod demand;
pub mod demand_import;
pub mod designations;
pub mod import_errors;
pub mod inbox;
pub mod liaisons;
pub mod login;
pub mod monitoring;
pub mod orgs;
pub mod pairing;
pub mod pickers;
pub mod project_stats;
pub mod projects;
pub mod reports;
pub mod regions;
pub mod search;
pub mod supervision;
pub mod verify;

// The display helpers and the date of today, by the paths page modules use.
pub use crate::format::{fmt_date, fmt_time, wan};
pub use duijie_app::today;

use crate::AppState;
use crate::auth::CurrentUser;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use duijie_domain::Role;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/app.css", get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], include_str!("../../static/app.css")) }))
        .route("/static/favicon.svg", get(favicon))
        // Browsers ask for /favicon.ico on their own (a JSON answer, a download).
        .route("/favicon.ico", get(favicon))
        .route("/static/app.js", get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], include_str!("../../static/app.js")) }))
        .merge(login::router())
        .merge(regions::router())
        .merge(pickers::router())
        .merge(designations::router())
        .merge(admin::router())
        .merge(orgs::router())
        .merge(applications::router())
        .merge(actions::router())
        .merge(liaisons::router())
        .merge(inbox::router())
        .merge(demand::router())
        .merge(demand_import::router())
        .merge(import_errors::router())
        .merge(search::router())
        .merge(pairing::router())
        .merge(verify::router())
        .merge(projects::router())
        .merge(project_stats::router())
        .merge(reports::router())
        .merge(monitoring::router())
        .merge(supervision::router())
        .merge(commendations::router())
        .merge(complaints::router())
}

/// What the frame around every page shows: the unit, the user, the menu.
pub struct Layout {
    pub user_name: String,
    pub unit: String,
    pub role_label: &'static str,
    pub is_admin: bool,
    /// Whether the designation import is offered in the menu.
    pub can_import: bool,
    /// Whether registry approval and import are offered (admin, civil affairs).
    pub can_approve: bool,
    pub csrf: String,
    pub demo: bool,
    /// The menu entry to highlight.
    pub active: &'static str,
    /// A message from the previous action, shown as a toast.
    pub toast: Option<String>,
    /// Unread notices in the inbox (站内消息).
    pub unread: i64,
    /// The reports menu entry, if offered: 半年调度 for the departments and
    /// administrators, 工作报送 for an organisation (its annual reports).
    pub report_menu: Option<&'static str>,
    /// Whether 监测系统导出 is offered (rural-revitalisation offices and administrators).
    pub monitoring_menu: bool,
    /// Whether 监管预警 is offered (the two departments' offices and administrators).
    pub flags_menu: bool,
    /// Whether 投诉举报 is offered (civil-affairs offices and organisations).
    pub complaints_menu: bool,
}

impl Layout {
    pub async fn new(state: &AppState, cu: &CurrentUser, active: &'static str, toast: Option<String>) -> Layout {
        Layout {
            user_name: cu.user.display_name.clone(),
            unit: unit_of(state, cu).await,
            role_label: cu.principal.role().label(),
            is_admin: cu.principal.role() == Role::Admin,
            can_approve: matches!(cu.principal.role(), Role::Admin | Role::CivilAffairs),
            can_import: duijie_domain::authz::decide(
                &cu.principal,
                duijie_domain::Action::EditDesignation,
                duijie_domain::Target::Region(cu.principal.region()),
            )
            .is_allowed(),
            report_menu: match cu.principal.role() {
                Role::Organization => Some("工作报送"),
                r if r.is_department() || r == Role::Admin => Some("半年调度"),
                _ => None,
            },
            monitoring_menu: duijie_app::monitoring::may_export(&cu.principal),
            flags_menu: cu.principal.role().is_department() || cu.principal.role() == Role::Admin,
            complaints_menu: duijie_app::complaints::may_list(&cu.principal),
            csrf: cu.csrf.clone(),
            demo: state.demo,
            active,
            toast,
            unread: duijie_store::inbox::unread_count(&state.db, &cu.principal).await.unwrap_or(0),
        }
    }
}

/// The unit a user acts for: 彝良县乡村振兴局, or the organisation's name.
pub async fn unit_of(state: &AppState, cu: &CurrentUser) -> String {
    if let Some(id) = cu.principal.org_id()
        && let Ok(Some(name)) = duijie_store::orgs::name(&state.db, id).await
    {
        return name;
    }
    let region = &cu.principal.region();
    let full = if region.as_str().is_empty() { String::new() } else { state.tree.full_name(region) };
    duijie_domain::role::unit_name(cu.principal.role(), &full, region.level())
}

/// Optional `?ok=` message carried across a redirect.
#[derive(serde::Deserialize, Default)]
pub struct Toast {
    pub ok: Option<String>,
}

/// Redirect after a successful change, with a toast message.
pub fn done(to: &str, message: &str) -> axum::response::Response {
    let sep = if to.contains('?') { '&' } else { '?' };
    axum::response::Redirect::to(&format!("{to}{sep}ok={}", urlencode(message))).into_response()
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|v| v.trim_start_matches('=').to_string()).unwrap_or_default()
}

/// The platform's icon (the tab, the bookmarks), served from the binary.
async fn favicon() -> impl axum::response::IntoResponse {
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")], include_str!("../../static/favicon.svg"))
}
