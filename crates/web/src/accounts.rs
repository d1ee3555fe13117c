//! Account operations shared by the administration pages and the API.
//!
//! Guarantees: an account is loaded for an administrator only through
//! [`managed`], which answers 404 for accounts outside the administrator's
//! region subtree (or for anyone who is not an administrator); sessions and
//! tokens are listed and ended only for such accounts, and every ending is
//! audited.

use crate::{AppError, AppState};
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::Principal;
use duijie_store::Actor;
use duijie_store::sessions::{self, Session};
use duijie_store::users::{self, User};

/// The account `id` if `who` administers it; 404 otherwise.
pub async fn managed(state: &AppState, who: &Principal, id: i64) -> Result<User, AppError> {
    let u = users::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let region = u.region();
    if decide(who, Action::ManageUser, Target::User { region: &region, org_id: u.org_id }).is_allowed() {
        Ok(u)
    } else {
        Err(AppError::NotFound)
    }
}

/// The live sessions and tokens of an account `who` administers.
pub async fn sessions_of(state: &AppState, who: &Principal, id: i64) -> Result<(User, Vec<Session>), AppError> {
    let u = managed(state, who, id).await?;
    let s = sessions::of_user(&state.db, u.id).await?;
    Ok((u, s))
}

/// Ends one session (by its public id) or all of them; 404 when there was none.
pub async fn revoke(state: &AppState, who: &Principal, actor: &Actor, id: i64, session: Option<&str>) -> Result<u64, AppError> {
    let u = managed(state, who, id).await?;
    if session.is_some_and(|s| s.len() != 16 || !s.chars().all(|c| c.is_ascii_hexdigit())) {
        return Err(AppError::NotFound);
    }
    let mut tx = state.db.begin().await?;
    let n = sessions::revoke(&mut tx, actor, &u, session).await?;
    tx.commit().await?;
    if n == 0 && session.is_some() {
        return Err(AppError::NotFound);
    }
    Ok(n)
}
