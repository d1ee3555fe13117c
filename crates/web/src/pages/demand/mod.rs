//! Pages of the demand library (需求项目库), the supply library (供给项目库),
//! matching (接单 / 点单), the success rate, and the public view of both
//! libraries.
//!
//! Guarantees: every logged-in handler authenticates through `CurrentUser` or
//! `Posted` and goes through `duijie_app::demand` (authorisation, validation, the
//! store), so a demand the caller may not see answers 404 and organisations
//! never receive a household's personal data; the full view of a household is
//! shown only on the page answering its CSRF-checked POST (and is audited by
//! the operations layer). The public pages take no user at all and show
//! published records without any household block. After a change the browser
//! is redirected with a toast; forms show what is wrong under each field and
//! keep what was typed.

pub(crate) mod demands;
pub(crate) mod offers;
pub(crate) mod public;
pub(crate) mod stats;

use crate::AppState;
use axum::Router;
use duijie_domain::demand::{MODES, Status, URGENCIES};
use duijie_domain::RegionCode;
use duijie_store::demand::Demand;

pub use stats::{RateView, dashboard_rate};
// Display helpers by the paths the demand pages use.
pub use crate::format::{thousands, wan_or_dash as wan};

pub fn router() -> Router<AppState> {
    Router::new().merge(demands::router()).merge(offers::router()).merge(public::router()).merge(stats::router())
}

/// Rows per page of every list here.
pub(crate) const PER_PAGE: i64 = 20;

/// The colour of a demand's status tag.
pub fn status_class(s: Status) -> &'static str {
    match s {
        Status::Draft => "tag-grey",
        Status::Submitted => "tag-warn",
        Status::Published => "",
        Status::Taken | Status::InProgress | Status::Done => "tag-ok",
        Status::Withdrawn | Status::Expired => "tag-grey",
    }
}

pub fn urgency_label(u: i64) -> &'static str {
    URGENCIES.iter().find(|(k, _)| *k == u).map(|(_, l)| *l).unwrap_or("一般")
}

fn urgency_class(u: i64) -> &'static str {
    match u {
        3 => "tag-danger",
        2 => "tag-warn",
        _ => "tag-grey",
    }
}

pub fn mode_label(m: &str) -> &'static str {
    MODES.iter().find(|(k, _)| *k == m).map(|(_, l)| *l).unwrap_or("—")
}

/// The full name of a region, a village's included (`regions_designations::place`).
pub async fn place(state: &AppState, code: &RegionCode) -> String {
    duijie_app::regions_designations::place(&state.db, &state.tree, code).await.unwrap_or_else(|_| state.tree.full_name(code))
}

/// A demand as a table row: nothing personal in it, so lists and the public view share it.
pub struct DemandRow {
    pub id: i64,
    pub title: String,
    pub is_wish: bool,
    pub region: String,
    pub field: String,
    pub target: &'static str,
    pub beneficiaries: String,
    pub funds: String,
    pub urgency: &'static str,
    pub urgency_class: &'static str,
    pub deadline: String,
    pub status: &'static str,
    pub status_class: &'static str,
}

pub async fn demand_row(state: &AppState, d: &Demand) -> DemandRow {
    let status = d.status();
    DemandRow {
        id: d.id,
        title: d.title.clone(),
        is_wish: d.is_wish,
        region: place(state, d.region()).await,
        field: d.field.clone(),
        target: d.target_kind.label(),
        beneficiaries: if d.beneficiary_count > 0 { thousands(d.beneficiary_count) } else { "—".into() },
        funds: wan(d.funds_fen),
        urgency: urgency_label(d.urgency),
        urgency_class: urgency_class(d.urgency),
        deadline: d.deadline().map(|x| super::fmt_date(&x)).unwrap_or_else(|| "—".into()),
        status: status.label(),
        status_class: status_class(status),
    }
}

pub async fn demand_rows(state: &AppState, ds: &[Demand]) -> Vec<DemandRow> {
    let mut out = Vec::with_capacity(ds.len());
    for d in ds {
        out.push(demand_row(state, d).await);
    }
    out
}

/// `a=1&b=2` for pagination links (values encoded).
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", super::urlencode(v))).collect::<Vec<_>>().join("&")
}

/// Pages for `total` rows.
pub fn pages(total: i64) -> i64 {
    ((total + PER_PAGE - 1) / PER_PAGE).max(1)
}
