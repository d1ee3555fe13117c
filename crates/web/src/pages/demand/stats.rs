//! The success rate of matching (供需对接成功率): on the dashboard for the
//! current year, on `/stats/matching` for any region in scope and period,
//! and the list of demands published long ago and still unmatched.
//!
//! Guarantees: the numbers come from `duijie_app::demand::success_rate` (which
//! asks `authz` for `ViewMatchStats` and uses the one definition, shown
//! beside the number); a region outside the caller's scope is refused with a
//! message on the form, never computed.

use super::{DemandRow, PER_PAGE, demand_rows, pages, thousands};
use duijie_store::demand::{self, Demand};
use crate::auth::CurrentUser;
use crate::pages::{Layout, fmt_date};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use chrono::{Datelike, NaiveDate};
use duijie_domain::authz::{Action, Guarded, Target, decide};
use duijie_domain::{FieldError, Level, RegionCode};
use duijie_store::demand::catalog::{LONG_UNMATCHED_DAYS, Rate, SuccessRate};

pub fn router() -> Router<AppState> {
    Router::new().route("/stats/matching", get(matching)).route("/demands/unmatched", get(unmatched))
}

/// One line of a breakdown.
pub struct RateRow {
    pub key: String,
    pub name: String,
    pub published: String,
    pub matched: String,
    pub percent: String,
    /// Links further down (a child region).
    pub link: Option<String>,
}

/// The success rate as the dashboard and the statistics page show it.
pub struct RateView {
    pub region_name: String,
    pub period: String,
    pub percent: String,
    pub published: String,
    pub matched: String,
    pub definition: &'static str,
    pub by_region: Vec<RateRow>,
    pub by_field: Vec<RateRow>,
    pub long_unmatched: String,
    pub long_days: i64,
    pub has_data: bool,
}

fn rate_row(key: &str, name: String, r: &Rate, link: Option<String>) -> RateRow {
    RateRow { key: key.to_string(), name, published: thousands(r.published as i64), matched: thousands(r.matched as i64), percent: r.percent(), link }
}

fn view(state: &AppState, region: &RegionCode, from: NaiveDate, to: NaiveDate, s: &SuccessRate) -> RateView {
    let dates = format!("from={}&to={}", from.format("%Y-%m-%d"), to.format("%Y-%m-%d"));
    let by_region = s
        .by_region
        .iter()
        .map(|r| {
            let code = RegionCode::parse(&r.key).ok();
            let name = code.as_ref().and_then(|c| state.tree.get(c)).map(|n| n.name.clone()).unwrap_or_else(|| r.key.clone());
            let link = code.filter(|c| c.level() < Level::Village).map(|c| format!("/stats/matching?region={}&{dates}", c.as_str()));
            rate_row(&r.key, name, r, link)
        })
        .collect();
    let by_field = s.by_field.iter().filter(|r| r.published > 0).map(|r| rate_row(&r.key, r.key.clone(), r, None)).collect();
    RateView {
        region_name: state.tree.full_name(region),
        period: format!("{} 至 {}", fmt_date(&from), fmt_date(&to)),
        percent: s.total.percent(),
        published: thousands(s.total.published as i64),
        matched: thousands(s.total.matched as i64),
        definition: s.definition,
        by_region,
        by_field,
        long_unmatched: thousands(s.long_unmatched as i64),
        long_days: LONG_UNMATCHED_DAYS,
        has_data: s.total.published > 0,
    }
}

fn year_start(today: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today)
}

/// The dashboard's section: this year so far for the caller's own region, if
/// the caller may read match statistics there (government users).
pub async fn dashboard_rate(state: &AppState, cu: &CurrentUser) -> Result<Option<RateView>, AppError> {
    let who = &cu.principal;
    if !who.role().is_government() || !decide(who, Action::ViewMatchStats, Target::Region(who.region())).is_allowed() {
        return Ok(None);
    }
    let to = crate::pages::today();
    let from = year_start(to);
    let s = duijie_app::demand::success_rate(state, who, who.region(), from, to).await?;
    Ok(Some(view(state, who.region(), from, to, &s)))
}

#[derive(serde::Deserialize, Default)]
struct StatsQuery {
    #[serde(default)]
    region: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "demand_stats.html")]
struct StatsPage {
    layout: Layout,
    rate: Option<RateView>,
    region: String,
    from: String,
    to: String,
    choices: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

async fn matching(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<StatsQuery>) -> Result<StatsPage, AppError> {
    let who = &cu.principal;
    duijie_app::require(decide(who, Action::ViewMatchStats, Target::Region(who.region())))?;
    let mut errors = Vec::new();
    let region = if q.region.trim().is_empty() {
        who.region().clone()
    } else {
        match RegionCode::parse(&q.region) {
            Ok(r) if who.region().contains(&r) => r,
            Ok(_) => {
                errors.push(FieldError::new("region", "只能查看本单位管辖范围内的地区"));
                who.region().clone()
            }
            Err(e) => {
                errors.push(FieldError::new("region", e.to_string()));
                who.region().clone()
            }
        }
    };
    let today = crate::pages::today();
    let mut date = |field: &str, v: &str, dflt: NaiveDate| -> NaiveDate {
        if v.trim().is_empty() {
            return dflt;
        }
        duijie_store::imports::parse_date(v).unwrap_or_else(|| {
            errors.push(FieldError::new(field, "日期无效，例如 2026-12-31"));
            dflt
        })
    };
    let from = date("from", &q.from, year_start(today));
    let to = date("to", &q.to, today);
    let rate = if errors.is_empty() {
        match duijie_app::demand::success_rate(&state, who, &region, from, to).await.map_err(AppError::from) {
            Ok(s) => Some(view(&state, &region, from, to, &s)),
            Err(AppError::Invalid(mut fs)) => {
                errors.append(&mut fs);
                None
            }
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    let mut choices = vec![(who.region().as_str().to_string(), state.tree.full_name(who.region()))];
    choices.extend(state.tree.children(who.region()).into_iter().map(|n| (n.code.as_str().to_string(), n.full_name.clone())));
    if !choices.iter().any(|(c, _)| c == region.as_str()) {
        choices.push((region.as_str().to_string(), state.tree.full_name(&region)));
    }
    Ok(StatsPage {
        layout: Layout::new(&state, &cu, "demands", None).await,
        rate,
        region: region.as_str().to_string(),
        from: from.format("%Y-%m-%d").to_string(),
        to: to.format("%Y-%m-%d").to_string(),
        choices,
        errors,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "demand_unmatched.html")]
struct UnmatchedPage {
    layout: Layout,
    /// Each row with its number in the whole list and when it was published.
    rows: Vec<(i64, DemandRow, String)>,
    days: i64,
    region_name: String,
    total: i64,
    page: i64,
    pages: i64,
}

#[derive(serde::Deserialize)]
struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
}

/// Published demands without a match for more than `LONG_UNMATCHED_DAYS`, oldest first, a page at a time.
async fn unmatched(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<PageQuery>) -> Result<UnmatchedPage, AppError> {
    let who = &cu.principal;
    duijie_app::require(decide(who, Action::ViewMatchStats, Target::Region(who.region())))?;
    let (region, now) = (who.region().as_str(), duijie_store::now());
    let requested = q.page.unwrap_or(1).max(1);
    let (ids, total, page, pages) = {
        let cat = state.derived.matches().await;
        let slice = |page: i64| cat.long_unmatched(region, now, ((page - 1) * PER_PAGE) as usize, PER_PAGE as usize);
        let (ids, total) = slice(requested);
        let pages = pages(total as i64);
        // A page past the end shows the last one.
        if requested > pages { (slice(pages).0, total, pages, pages) } else { (ids, total, requested, pages) }
    };
    let first = (page - 1) * PER_PAGE;
    let demands: Vec<Demand> = demand::by_ids(&state.db, &ids)
        .await?
        .into_iter()
        .filter(|d| d.decide(who, Action::ViewDemand).is_allowed())
        .collect();
    let rows = demand_rows(&state, &demands).await;
    let published = demands.iter().map(|d| d.published_at.map(crate::pages::fmt_time).unwrap_or_default());
    Ok(UnmatchedPage {
        layout: Layout::new(&state, &cu, "demands", None).await,
        rows: rows.into_iter().zip(published).enumerate().map(|(i, (r, p))| (first + 1 + i as i64, r, p)).collect(),
        days: LONG_UNMATCHED_DAYS,
        total: total as i64,
        page,
        pages,
        region_name: state.tree.full_name(who.region()),
    })
}
