//! Full-text search (全文检索) over demands, offers and organisations, with
//! filters, for the search page and the API alike.
//!
//! Guarantees: results are limited to the caller's scope — officers: their
//! region subtree plus what is public; organisations: their own records plus
//! what is public — by the index itself, before counting; a search only
//! reads the index, and a result shows what the index holds of it, so a page
//! of results costs no database read. A wrong filter is a field error.

use crate::Error;
use duijie_domain::demand::Status;
use duijie_domain::{Principal, RegionCode};
use duijie_fulltext::{DocKind, FullText, Hit, Scope};
use duijie_store::regions::RegionTree;
use serde::Serialize;

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
    /// A village the result lies in: its name is not in the index ([`name_villages`]).
    #[serde(skip)]
    #[schema(ignore)]
    pub village: Option<RegionCode>,
}

/// One page of results for `who` on the platform's index (waiting for its
/// first load after a start), with villages named: what the search page and
/// the API show.
pub async fn find(p: &crate::Platform, who: &Principal, params: &SearchParams) -> Result<(Vec<Found>, usize), Error> {
    let (mut found, total) = run(p.derived.fulltext().await, &p.tree, who, params)?;
    name_villages(&p.db, &p.tree, &mut found).await?;
    Ok((found, total))
}

/// Puts the names of the villages results lie in in place of their codes (a
/// read by key for each village result; the others need none).
async fn name_villages(db: &duijie_store::Db, tree: &RegionTree, found: &mut [Found]) -> Result<(), Error> {
    for f in found.iter_mut() {
        if let Some(v) = f.village.take() {
            f.place = crate::regions_designations::place(db, tree, &v).await?;
        }
    }
    Ok(())
}

pub const PER_PAGE: usize = 20;

/// The caller's scope in the index.
fn scope_of(who: &Principal) -> Scope {
    if who.role().is_government() {
        Scope { region_prefix: Some(who.region().as_str().to_string()), org_id: None, include_public: true }
    } else {
        Scope { region_prefix: None, org_id: who.org_id(), include_public: true }
    }
}

/// Runs a search for `who` in `index`: one page of results and the total.
/// Everything a result shows comes from the index (no database read per hit),
/// except the name of a village a result lies in ([`name_villages`]).
pub fn run(index: &FullText, tree: &RegionTree, who: &Principal, p: &SearchParams) -> Result<(Vec<Found>, usize), Error> {
    let kinds = match p.kind.as_str() {
        "" => Vec::new(),
        "demand" => vec![DocKind::Demand],
        "offer" => vec![DocKind::Offer],
        "organization" => vec![DocKind::Organization],
        _ => return Err(Error::field("kind", "类别应为 demand、offer 或 organization")),
    };
    let region = if p.region.trim().is_empty() { None } else { Some(RegionCode::parse(&p.region).map_err(|e| Error::field("region", e.to_string()))?.as_str().to_string()) };
    let wan = |field: &str, v: &str| -> Result<Option<i64>, Error> {
        if v.trim().is_empty() { Ok(None) } else { duijie_domain::pairing::parse_wan(v).map(Some).map_err(|m| Error::field(field, m)) }
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
    let (hits, total) = index.search(&q).map_err(|e| Error::Internal(e.to_string()))?;
    let found = hits.into_iter().map(|h| found(tree, h)).collect();
    Ok((found, total))
}

/// A hit as a result list shows it.
fn found(tree: &RegionTree, h: Hit) -> Found {
    let region = RegionCode::parse(&h.region).ok();
    let village = region.clone().filter(|r| r.level() == duijie_domain::Level::Village);
    let place = || region.as_ref().map(|r| tree.full_name(r)).unwrap_or_default();
    let (kind, place, status, link) = match h.kind {
        DocKind::Demand => ("demand", place(), Status::parse(&h.status).map(|s| s.label()).unwrap_or(""), "demands"),
        DocKind::Offer => ("offer", h.place.clone(), duijie_domain::matching::OfferStatus::parse(&h.status).map(|s| s.label()).unwrap_or(""), "offers"),
        DocKind::Organization => ("organization", place(), duijie_domain::org::OrgStatus::parse(&h.status).map(|s| s.label()).unwrap_or(""), "orgs"),
    };
    Found { kind: kind.into(), kind_label: h.label, id: h.id, place, status: status.into(), link: format!("/{link}/{}", h.id), title: h.title, village }
}
