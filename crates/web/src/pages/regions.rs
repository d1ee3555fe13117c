//! Browsing the administrative tree: a node's page with its designations and
//! children, and search by name or code.
//!
//! Guarantees: a node outside the caller's scope answers 404 (`authz`); search
//! only returns nodes in scope; ancestors above the caller's scope appear in the
//! breadcrumb as plain text, never as links; a designation the officer sent
//! with bad fields comes back on the page with each error under its field.

use super::{Layout, Toast, fmt_date, fmt_time};
use crate::auth::CurrentUser;
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Redirect;
use axum::routing::get;
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::{Decision, FieldError, Level, Principal, RegionCode};
use duijie_store::designations::{self, Designation, Kind};
use duijie_app::regions_designations::browse_root;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/regions", get(my_root))
        .route("/regions/search", get(search))
        .route("/regions/{code}", get(region_page))
}

/// Opens the region the caller starts browsing at.
async fn my_root(cu: CurrentUser) -> Redirect {
    Redirect::to(&format!("/regions/{}", browse_root(&cu.principal)))
}

/// Parses a code from a URL; a malformed one is a plain 404 with no detail.
pub fn code_from_path(raw: &str) -> Result<RegionCode, AppError> {
    RegionCode::parse(raw).map_err(|_| AppError::NotFound)
}

pub struct Crumb {
    pub name: String,
    pub href: Option<String>,
}

pub struct ChildRow {
    pub code: String,
    pub name: String,
    pub level: &'static str,
    pub tags: Vec<String>,
}

pub struct DesignationRow {
    pub id: i64,
    pub kind: String,
    pub kind_name: String,
    pub valid_from: String,
    pub source: String,
    pub note: String,
    pub created: String,
    pub ended: Option<String>,
}

impl DesignationRow {
    fn from(d: &Designation) -> DesignationRow {
        DesignationRow {
            id: d.id,
            kind: d.kind.clone(),
            kind_name: d.kind_name.clone(),
            valid_from: d.valid_from.as_ref().map(fmt_date).unwrap_or_else(|| "—".into()),
            source: d.source.clone(),
            note: d.note.clone(),
            created: format!("{} {}", fmt_time(d.created_at), display_actor(&d.created_by)),
            ended: d.ended_at.map(|t| {
                let by = d.ended_by.as_deref().map(display_actor).unwrap_or_default();
                format!("{} 由 {by} 撤销：{}", fmt_time(t), d.end_reason.clone().unwrap_or_default())
            }),
        }
    }
}

/// The platform's own actor reads as such in Chinese.
fn display_actor(name: &str) -> String {
    if name == "system" { "系统（随产品发布）".into() } else { name.to_string() }
}

#[derive(Template, WebTemplate)]
#[template(path = "region.html")]
pub struct RegionPage {
    layout: Layout,
    code: String,
    code12: String,
    full_name: String,
    level: &'static str,
    crumbs: Vec<Crumb>,
    current: Vec<DesignationRow>,
    history: Vec<DesignationRow>,
    children: Vec<ChildRow>,
    child_level: &'static str,
    villages_missing: bool,
    can_edit: bool,
    kinds: Vec<Kind>,
    /// The designation being added, as typed, and what is wrong with it.
    draft: DesignationDraft,
    errors: Vec<FieldError>,
}

impl RegionPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

/// A designation as the officer typed it on the region page.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DesignationDraft {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub note: String,
}

/// Breadcrumbs from the root to `code`; only nodes in scope are links.
pub fn crumbs(state: &AppState, p: &Principal, code: &RegionCode) -> Vec<Crumb> {
    let mut out = Vec::new();
    for c in code.ancestry() {
        let name = if c.level() == Level::National {
            "全国".to_string()
        } else {
            state.tree.get(&c).map(|n| n.name.clone()).unwrap_or_else(|| c.to_string())
        };
        let visible = decide(p, Action::ViewRegion, Target::Region(&c)) == Decision::Allow;
        out.push(Crumb { name, href: (visible && &c != code).then(|| format!("/regions/{c}")) });
    }
    out
}

async fn region_page(
    State(state): State<AppState>,
    cu: CurrentUser,
    Path(raw): Path<String>,
    Query(t): Query<Toast>,
) -> Result<RegionPage, AppError> {
    let code = code_from_path(&raw)?;
    region_view(&state, &cu, &code, t.ok, DesignationDraft::default(), Vec::new()).await
}

/// The page of one region, with the designation form holding `draft` and its `errors`.
pub async fn region_view(state: &AppState, cu: &CurrentUser, code: &RegionCode, toast: Option<String>, draft: DesignationDraft, errors: Vec<FieldError>) -> Result<RegionPage, AppError> {
    if decide(&cu.principal, Action::ViewRegion, Target::Region(code)) != Decision::Allow {
        return Err(AppError::NotFound);
    }
    let full_name = match code.level() {
        Level::National => "全国".to_string(),
        Level::Village => {
            let v = duijie_store::regions::village(&state.db, code).await?.ok_or(AppError::NotFound)?;
            let parent = code.parent().map(|p| state.tree.full_name(&p)).unwrap_or_default();
            format!("{parent}{}", v.name)
        }
        _ => {
            state.tree.get(code).ok_or(AppError::NotFound)?.full_name.clone()
        }
    };
    let all = designations::of_region(&state.db, code.as_str()).await?;
    let (current, history): (Vec<_>, Vec<_>) = all.iter().partition(|d| d.ended_at.is_none());
    let (children, villages_missing) = children_of(state, code).await?;
    let can_edit = code.level() != Level::National && decide(&cu.principal, Action::EditDesignation, Target::Region(code)) == Decision::Allow;
    let kinds = if can_edit { designations::kinds(&state.db).await? } else { Vec::new() };
    Ok(RegionPage {
        layout: Layout::new(state, cu, "regions", toast).await,
        crumbs: crumbs(state, &cu.principal, code),
        code: code.to_string(),
        code12: code.padded12(),
        full_name,
        level: code.level().label(),
        current: current.into_iter().map(DesignationRow::from).collect(),
        history: history.into_iter().map(DesignationRow::from).collect(),
        children,
        child_level: code.level().child().map(|l| l.label()).unwrap_or(""),
        villages_missing,
        can_edit,
        kinds,
        draft,
        errors,
    })
}

/// The children of a node with their current designations as tags.
async fn children_of(state: &AppState, code: &RegionCode) -> Result<(Vec<ChildRow>, bool), AppError> {
    match code.level() {
        Level::Village => Ok((Vec::new(), false)),
        Level::Township => {
            let rows = duijie_store::regions::villages_of(&state.db, code).await?;
            let missing = rows.is_empty() && duijie_store::regions::village_count(&state.db).await? == 0;
            let rows = rows
                .into_iter()
                .map(|r| ChildRow { code: r.code, name: r.name, level: Level::Village.label(), tags: Vec::new() })
                .collect();
            Ok((rows, missing))
        }
        level => {
            let child_len = level.child().map(|l| l.code_len()).unwrap_or(0) as i64;
            let current = designations::current_under(&state.db, code.as_str(), child_len).await?;
            let mut tags: HashMap<String, Vec<String>> = HashMap::new();
            for d in current {
                tags.entry(d.region_code).or_default().push(d.kind_name);
            }
            let rows = state
                .tree
                .children(code)
                .into_iter()
                .map(|n| ChildRow {
                    code: n.code.to_string(),
                    name: n.name.clone(),
                    level: n.level.label(),
                    tags: tags.remove(n.code.as_str()).unwrap_or_default(),
                })
                .collect();
            Ok((rows, false))
        }
    }
}

#[derive(serde::Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub struct Hit {
    pub code: String,
    pub full_name: String,
    pub level: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "region_search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    hits: Vec<Hit>,
    truncated: bool,
}

const SEARCH_LIMIT: usize = 200;

async fn search(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<SearchQuery>) -> Result<SearchPage, AppError> {
    let root = browse_root(&cu.principal);
    let q_trim: String = q.q.trim().chars().take(50).collect();
    let found = state.tree.search(&q_trim, &root, SEARCH_LIMIT + 1);
    let truncated = found.len() > SEARCH_LIMIT;
    let hits = found
        .into_iter()
        .take(SEARCH_LIMIT)
        .map(|n| Hit { code: n.code.to_string(), full_name: n.full_name.clone(), level: n.level.label() })
        .collect();
    Ok(SearchPage { layout: Layout::new(&state, &cu, "regions", None).await, q: q_trim, hits, truncated })
}
