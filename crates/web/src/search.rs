//! The search the page and the API share, on the index the platform keeps
//! fresh (`duijie_app::derived`): waits for the index to be loaded, then asks
//! [`duijie_app::search::run`].

use crate::{AppError, AppState};
use duijie_app::search::{Found, SearchParams};
use duijie_domain::Principal;

/// One page of results for `who`, and the total.
pub async fn run(state: &AppState, who: &Principal, p: &SearchParams) -> Result<(Vec<Found>, usize), AppError> {
    let (mut found, total) = duijie_app::search::run(state.derived.fulltext().await, &state.tree, who, p)?;
    duijie_app::search::name_villages(&state.db, &state.tree, &mut found).await?;
    Ok((found, total))
}
