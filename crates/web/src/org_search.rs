//! The organisation search pages and the API share: it reads the in-memory
//! catalogue kept in [`AppState`], so it stays in the web layer until the
//! catalogue is no longer part of the web state.
//!
//! Guarantees: only organisations in the caller's scope are returned; the
//! catalogue is only read (it is kept fresh by `duijie_app::derived`).

use crate::{AppError, AppState};
use duijie_app::registry::load_ids;
use duijie_domain::Principal;
use duijie_store::catalog::OrgFilter;
use duijie_store::orgs::Organization;

/// Organisations in `who`'s scope matching the filter: one page and the total.
pub async fn find(state: &AppState, who: &Principal, f: &OrgFilter, offset: usize, limit: usize) -> Result<(Vec<Organization>, usize), AppError> {
    let (ids, total) = state.derived.catalog().await.search(f, &who.scope(), offset, limit);
    Ok((load_ids(&state.db, &ids).await?, total))
}

