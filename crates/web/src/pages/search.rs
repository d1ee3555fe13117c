//! Full-text search (全文检索) over demands, offers and organisations, with filters.
//!
//! Guarantees: the index is synced with the database before each search, so a
//! committed change is found; results are limited to the caller's scope —
//! officers: their region subtree plus what is public; organisations: their
//! own records plus what is public — by the index itself, before counting;
//! what a hit shows is loaded from the database, never from the index.

use super::Layout;
use crate::auth::CurrentUser;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use duijie_domain::{Principal, RegionCode, Role};
use duijie_fulltext::{DocKind, Scope};
use serde::Serialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(page))
}

/// What a search asks for (page query and API query).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct SearchParams {
    /// Words to find (Chinese word segmentation), or a credit code.
    #[serde(default)]
    pub q: String,
    /// demand, offer or organization; empty: all.
    #[serde(default)]
    pub kind: String,
    /// Region subtree, any code form.
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub status: String,
    /// Amount at least, in 万元.
    #[serde(default)]
    pub min_wan: String,
    /// Amount at most, in 万元.
    #[serde(default)]
    pub max_wan: String,
    #[serde(default)]
    pub page: Option<usize>,
}

/// One result as people read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Found {
    /// demand, offer or organization.
    pub kind: String,
    pub kind_label: String,
    pub id: i64,
    pub title: String,
    pub place: String,
    pub status: String,
    pub link: String,
}

pub const PER_PAGE: usize = 20;

/// The caller's scope in the index.
fn scope_of(who: &Principal) -> Scope {
    if who.role.is_government() {
        Scope { region_prefix: Some(who.region.as_str().to_string()), org_id: None, include_public: true }
    } else {
        Scope { region_prefix: None, org_id: who.org_id, include_public: true }
    }
}

/// Runs a search for `who`: one page of results and the total.
pub async fn run(state: &AppState, who: &Principal, p: &SearchParams) -> Result<(Vec<Found>, usize), AppError> {
    let kinds = match p.kind.as_str() {
        "" => Vec::new(),
        "demand" => vec![DocKind::Demand],
        "offer" => vec![DocKind::Offer],
        "organization" => vec![DocKind::Organization],
        _ => return Err(AppError::field("kind", "类别应为 demand、offer 或 organization")),
    };
    let region = if p.region.trim().is_empty() { None } else { Some(RegionCode::parse(&p.region).map_err(|e| AppError::field("region", e.to_string()))?.as_str().to_string()) };
    let wan = |field: &str, v: &str| -> Result<Option<i64>, AppError> {
        if v.trim().is_empty() { Ok(None) } else { duijie_domain::pairing::parse_wan(v).map(Some).map_err(|m| AppError::field(field, m)) }
    };
    let page = p.page.unwrap_or(1).clamp(1, 1_000_000);
    let q = duijie_fulltext::Query {
        text: p.q.trim().chars().take(100).collect(),
        kinds,
        scope: scope_of(who),
        region,
        field: Some(p.field.trim().to_string()).filter(|f| !f.is_empty()),
        status: Some(p.status.trim().to_string()).filter(|s| !s.is_empty()),
        min_amount_fen: wan("min_wan", &p.min_wan)?,
        max_amount_fen: wan("max_wan", &p.max_wan)?,
        offset: (page - 1) * PER_PAGE,
        limit: PER_PAGE,
    };
    duijie_store::search::sync(&state.db, &state.fulltext).await?;
    let (hits, total) = state.fulltext.search(&q).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut out = Vec::with_capacity(hits.len());
    for h in hits {
        let found = match h.kind {
            DocKind::Demand => duijie_store::demand::get(&state.db, h.id).await?.map(|d| Found {
                kind: "demand".into(),
                kind_label: if d.is_wish { "微心愿".into() } else { "需求".into() },
                id: d.id,
                place: state.tree.full_name(&d.region()),
                status: crate::demand::status_label(&d).into(),
                link: format!("/demands/{}", d.id),
                title: d.title,
            }),
            DocKind::Offer => duijie_store::demand::supply::get(&state.db, h.id).await?.map(|o| Found {
                kind: "offer".into(),
                kind_label: "供给项目".into(),
                id: o.id,
                place: o.org_name.clone(),
                status: o.status_label().into(),
                link: format!("/offers/{}", o.id),
                title: o.title,
            }),
            DocKind::Organization => duijie_store::orgs::get(&state.db, h.id).await?.map(|o| Found {
                kind: "organization".into(),
                kind_label: "社会组织".into(),
                id: o.id,
                place: state.tree.full_name(&o.region()),
                status: duijie_domain::org::status_label(&o.status).into(),
                link: format!("/orgs/{}", o.id),
                title: o.name,
            }),
        };
        out.extend(found);
    }
    Ok((out, total))
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
        match run(&state, &cu.principal, &p).await {
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
        is_org: cu.principal.role == Role::Organization,
        p,
    })
}
