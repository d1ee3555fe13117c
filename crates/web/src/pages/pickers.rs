//! What the region and organisation pickers of the forms ask while a person
//! chooses (`static/app.js` builds them; without JavaScript the fields are
//! plain text that `duijie_app::pickers` reads by name or code).
//!
//! Guarantees: the region picker offers only regions inside the caller's
//! browsing root (the whole country to organisations and to a visitor on the
//! public application form); the organisation picker answers only logged-in
//! users, and only with the public registry (name, credit code, registering
//! region of approved organisations), at most ten at a time.

use crate::auth::CurrentUser;
use crate::{AppError, AppState};
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use duijie_app::pickers::{self, Picker};
use duijie_domain::Level;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new().route("/pick/regions", get(regions)).route("/pick/orgs", get(orgs))
}

#[derive(Deserialize)]
struct RegionQuery {
    #[serde(default)]
    code: String,
    /// `province`, `prefecture`, `county`, `township` or `village` (the default).
    #[serde(default)]
    deepest: String,
}

async fn regions(State(state): State<AppState>, cu: Result<CurrentUser, AppError>, Query(q): Query<RegionQuery>) -> Result<Json<Picker>, AppError> {
    let deepest = Level::parse(&q.deepest).filter(|l| *l != Level::National).unwrap_or(Level::Village);
    let who = cu.ok().map(|c| c.principal);
    Ok(Json(pickers::columns(&state, who.as_ref(), &q.code, deepest).await?))
}

#[derive(Deserialize)]
struct OrgQuery {
    #[serde(default)]
    q: String,
}

#[derive(Serialize)]
struct OrgChoice {
    name: String,
    credit_code: String,
    /// Where it is registered, by name.
    place: String,
}

async fn orgs(State(state): State<AppState>, _cu: CurrentUser, Query(q): Query<OrgQuery>) -> Result<Json<Vec<OrgChoice>>, AppError> {
    let text: String = q.q.trim().chars().take(50).collect();
    if text.is_empty() {
        return Ok(Json(Vec::new()));
    }
    let found = pickers::registered(&state, &text, 10).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|o| OrgChoice { place: state.tree.full_name(&o.region_code), name: o.name, credit_code: o.credit_code })
            .collect(),
    ))
}
