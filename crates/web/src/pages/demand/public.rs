//! The public view of the two libraries, without login: published demands and
//! offers, so that organisations and citizens can find where help is needed.
//!
//! Guarantees: no `CurrentUser` is taken, so nothing here depends on a session;
//! only demands whose status is public are listed or shown (404 otherwise);
//! no household block, no household data and no files are ever rendered —
//! the pages are built from `DemandRow` and the demand's own public fields
//! (title, place, field, counts, funds, the county's contact).

use super::offers::{OfferRow, offer_row};
use super::{DemandRow, PER_PAGE, demand_row, demand_rows, mode_label, pages, query_string};
use crate::pages::fmt_time;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use duijie_domain::demand::Status;
use duijie_domain::Scope;
use duijie_store::demand::{self, Filter};

pub fn router() -> Router<AppState> {
    Router::new().route("/public/demands", get(demands)).route("/public/demands/{id}", get(demand_page)).route("/public/offers", get(offers))
}

/// The listing scope of an anonymous visitor: no region, no organisation, so
/// the store answers published records only.
fn public_scope() -> Scope {
    Scope::public()
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "public_demands.html")]
struct DemandsPage {
    rows: Vec<DemandRow>,
    total: i64,
    page: i64,
    pages: i64,
    qs: String,
    status: String,
    field: String,
    region: String,
    statuses: Vec<(&'static str, &'static str)>,
    fields: &'static [&'static str],
}

async fn demands(State(state): State<AppState>, Query(q): Query<ListQuery>) -> Result<DemandsPage, AppError> {
    // Published (open for matching) unless another public status is chosen.
    let status = match Status::parse(&q.status) {
        Some(s) if s.is_public() => s.as_str().to_string(),
        _ if q.status == "all" => String::new(),
        _ => Status::Published.as_str().to_string(),
    };
    let region = duijie_app::pickers::read_filter(&state, None, &q.region).await.unwrap_or_else(|_| q.region.clone());
    let filter = Filter { status: status.clone(), field: q.field.clone(), region, wish: None };
    let page = q.page.unwrap_or(1).max(1);
    let (items, total) = duijie_app::demand::list(&state, &public_scope(), &filter, PER_PAGE, (page - 1) * PER_PAGE).await?;
    let shown = if q.status == "all" { "all".to_string() } else { status };
    Ok(DemandsPage {
        rows: demand_rows(&state, &items).await,
        total,
        page,
        pages: pages(total),
        qs: query_string(&[("status", &shown), ("field", &q.field), ("region", &q.region)]),
        status: shown,
        field: q.field,
        region: q.region,
        statuses: Status::ALL.iter().filter(|s| s.is_public()).map(|s| (s.as_str(), s.label())).collect(),
        fields: duijie_domain::org::FIELDS,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "public_demand.html")]
struct DemandPage {
    r: DemandRow,
    title: String,
    description: String,
    beneficiary_group: String,
    mode: &'static str,
    contact: String,
    published_at: String,
    taken_by: Option<String>,
}

async fn demand_page(State(state): State<AppState>, Path(id): Path<i64>) -> Result<DemandPage, AppError> {
    let d = demand::get(&state.db, id).await?.and_then(|d| d.public()).ok_or(AppError::NotFound)?;
    let taken_by = match duijie_store::demand::matching::project_of_demand(&state.db, id).await? {
        Some(p) => duijie_store::orgs::name(&state.db, p.org_id).await?,
        None => None,
    };
    let contact = match (d.contact_name.trim(), d.contact_phone.trim()) {
        ("", "") => String::new(),
        (n, "") => n.to_string(),
        ("", p) => p.to_string(),
        (n, p) => format!("{n}，{p}"),
    };
    Ok(DemandPage {
        r: demand_row(&state, &d).await,
        title: d.title.clone(),
        description: d.description.clone(),
        beneficiary_group: d.beneficiary_group.clone(),
        mode: mode_label(&d.mode),
        contact,
        published_at: d.published_at.map(fmt_time).unwrap_or_default(),
        taken_by,
    })
}

#[derive(serde::Deserialize, Default)]
struct OffersQuery {
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "public_offers.html")]
struct OffersPage {
    rows: Vec<OfferRow>,
    total: i64,
    page: i64,
    pages: i64,
}

async fn offers(State(state): State<AppState>, Query(q): Query<OffersQuery>) -> Result<OffersPage, AppError> {
    let page = q.page.unwrap_or(1).max(1);
    let (items, total) = duijie_app::demand::offers(&state, None, None, true, PER_PAGE, (page - 1) * PER_PAGE).await?;
    Ok(OffersPage { rows: items.iter().map(|o| offer_row(&state, o)).collect(), total, page, pages: pages(total) })
}
