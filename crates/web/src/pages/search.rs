//! The search page (全文检索): the form, one page of results, the pager.
//!
//! Guarantees: what is found and shown is decided by [`duijie_app::search::find`],
//! the same as the API's; a wrong filter is shown beside the form, not as an
//! error page.

use super::Layout;
use crate::auth::CurrentUser;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use duijie_app::search::find;
use duijie_app::search::{Found, PER_PAGE, SearchParams};
use duijie_domain::Role;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(page))
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    p: SearchParams,
    results: Vec<Found>,
    total: usize,
    page: usize,
    pages: usize,
    error: Option<String>,
    fields: &'static [&'static str],
    is_org: bool,
}

async fn page(State(state): State<AppState>, cu: CurrentUser, Query(p): Query<SearchParams>) -> Result<SearchPage, AppError> {
    let searched = !(p.q.trim().is_empty() && p.kind.is_empty() && p.region.is_empty() && p.field.is_empty() && p.status.is_empty());
    let (results, total, error) = if searched {
        // The region may be typed by name; the page keeps showing what was typed.
        let mut asked = p.clone();
        let found = match duijie_app::pickers::read_filter(&state, Some(&cu.principal), &p.region).await {
            Ok(code) => {
                asked.region = code;
                find(&state, &cu.principal, &asked).await.map_err(AppError::from)
            }
            Err(why) => Err(AppError::field("region", why)),
        };
        match found {
            Ok((r, t)) => (r, t, None),
            Err(AppError::Invalid(fs)) => (Vec::new(), 0, Some(fs.into_iter().map(|f| f.message).collect::<Vec<_>>().join("；"))),
            Err(e) => return Err(e),
        }
    } else {
        (Vec::new(), 0, None)
    };
    let page = p.page.unwrap_or(1).max(1);
    Ok(SearchPage {
        layout: Layout::new(&state, &cu, "search", None).await,
        pages: total.div_ceil(PER_PAGE).max(1),
        page,
        results,
        total,
        error,
        fields: duijie_domain::org::FIELDS,
        is_org: cu.principal.role() == Role::Organization,
        p,
    })
}
