//! The supply library's pages: published offers (officers curate those of
//! their region's organisations; organisations see everyone's and their own),
//! publishing an offer, an offer's page, closing, republishing, hiding and
//! featuring.
//!
//! Guarantees: an offer that is not published is seen only by its own
//! organisation and by officers who may manage it (404 for anyone else);
//! every change goes through `duijie_app::demand::set_offer_status`, and an
//! organisation cannot republish an offer an officer has hidden.

use super::{PER_PAGE, pages, query_string, wan};
use crate::auth::{CurrentUser, Posted};
use duijie_app::demand::{self as ops, OfferInput};
use crate::pages::designations::actor;
use crate::pages::{Layout, Toast, done, fmt_time};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duijie_domain::authz::Action;
use duijie_domain::matching::OfferStatus;
use duijie_domain::{FieldError, RegionCode, Role};
use duijie_store::demand::supply::{self, Offer};

pub fn router() -> Router<AppState> {
    Router::new().route("/offers", get(list)).route("/offers/new", get(new_form).post(new_submit)).route("/offers/{id}", get(detail)).route("/offers/{id}/status", post(set_status))
}

/// An offer as a table row.
pub struct OfferRow {
    pub id: i64,
    pub title: String,
    pub featured: bool,
    pub org_id: i64,
    pub org_name: String,
    pub fields: String,
    pub regions: String,
    pub funds: String,
    pub people: String,
    pub capacity: String,
    pub period: String,
    pub status: &'static str,
    pub status_class: &'static str,
}

/// 2026年12月31日 from a stored ISO date.
fn day(iso: &str) -> Option<String> {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").ok().map(|d| crate::pages::fmt_date(&d))
}

pub fn offer_row(state: &AppState, o: &Offer) -> OfferRow {
    let regions: Vec<String> = o.regions_list().iter().map(|c| RegionCode::parse(c).map(|r| state.tree.full_name(&r)).unwrap_or_else(|_| c.clone())).collect();
    OfferRow {
        id: o.id,
        title: o.title.clone(),
        featured: o.featured,
        org_id: o.org_id,
        org_name: o.org_name.clone(),
        fields: o.fields.clone(),
        regions: if regions.is_empty() { "不限".into() } else { regions.join("、") },
        funds: wan(o.funds_fen),
        people: if o.people > 0 { o.people.to_string() } else { "—".into() },
        capacity: format!("{}/{}", o.capacity_left().max(0), o.capacity),
        period: match (day(&o.period_start), day(&o.period_end)) {
            (None, None) => "—".into(),
            (a, b) => format!("{} 至 {}", a.unwrap_or_default(), b.unwrap_or_else(|| "长期".into())),
        },
        status: o.status_label(),
        status_class: match o.status {
            OfferStatus::Published => "tag-ok",
            OfferStatus::Closed => "tag-grey",
            OfferStatus::Hidden => "tag-warn",
        },
    }
}

#[derive(serde::Deserialize, Default)]
struct ListQuery {
    /// Officers: `local` (organisations of the region, published), `local_all` (any status), `all` (published anywhere).
    #[serde(default)]
    view: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    ok: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "offer_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<OfferRow>,
    own: Vec<OfferRow>,
    total: i64,
    page: i64,
    pages: i64,
    view: String,
    qs: String,
    is_org: bool,
    region_name: String,
}

async fn list(State(state): State<AppState>, cu: CurrentUser, Query(q): Query<ListQuery>) -> Result<ListPage, AppError> {
    let who = &cu.principal;
    let is_org = who.role() == Role::Organization;
    let page = q.page.unwrap_or(1).max(1);
    let offset = (page - 1) * PER_PAGE;
    let view = if is_org {
        "all".to_string()
    } else if q.view.is_empty() {
        "local".to_string()
    } else {
        q.view.clone()
    };
    let ((items, total), own) = if is_org {
        let all = duijie_app::demand::offers(&state, None, None, true, PER_PAGE, offset).await?;
        let own = match who.org_id() {
            Some(org) => duijie_app::demand::offers(&state, Some(org), None, false, 200, 0).await?.0,
            None => Vec::new(),
        };
        (all, own)
    } else {
        let l = match view.as_str() {
            "all" => duijie_app::demand::offers(&state, None, None, true, PER_PAGE, offset).await?,
            "local_all" => duijie_app::demand::offers(&state, None, Some(who.region()), false, PER_PAGE, offset).await?,
            _ => duijie_app::demand::offers(&state, None, Some(who.region()), true, PER_PAGE, offset).await?,
        };
        (l, Vec::new())
    };
    Ok(ListPage {
        layout: Layout::new(&state, &cu, "offers", q.ok.clone()).await,
        rows: items.iter().map(|o| offer_row(&state, o)).collect(),
        own: own.iter().map(|o| offer_row(&state, o)).collect(),
        total,
        page,
        pages: pages(total),
        qs: query_string(&[("view", &view)]),
        view,
        is_org,
        region_name: state.tree.full_name(who.region()),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "offer_new.html")]
struct NewPage {
    layout: Layout,
    form: OfferInput,
    errors: Vec<FieldError>,
    fields_hint: String,
}

impl NewPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

async fn new_page(state: &AppState, cu: &CurrentUser, form: OfferInput, errors: Vec<FieldError>) -> Result<NewPage, AppError> {
    if cu.principal.role() != Role::Organization || cu.principal.org_id().is_none() {
        return Err(AppError::Forbidden);
    }
    Ok(NewPage { layout: Layout::new(state, cu, "offers", None).await, form, errors, fields_hint: duijie_domain::org::FIELDS.join("、") })
}

async fn new_form(State(state): State<AppState>, cu: CurrentUser) -> Result<NewPage, AppError> {
    let form = OfferInput { capacity: "1".into(), ..OfferInput::default() };
    new_page(&state, &cu, form, Vec::new()).await
}

async fn new_submit(State(state): State<AppState>, p: Posted<OfferInput>) -> Result<Response, AppError> {
    let cu = p.user;
    match ops::create_offer(&state, &cu.principal, &actor(&cu), &p.form).await.map_err(AppError::from) {
        Ok(id) => Ok(done(&format!("/offers/{id}"), "供给项目已发布")),
        Err(AppError::Invalid(errors)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, new_page(&state, &cu, p.form, errors).await?).into_response()),
        Err(e @ (AppError::BadRequest(..) | AppError::Conflict(_))) => {
            let errors = vec![FieldError::new("form", e.message())];
            Ok((StatusCode::UNPROCESSABLE_ENTITY, new_page(&state, &cu, p.form, errors).await?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "offer_detail.html")]
struct DetailPage {
    layout: Layout,
    o: Offer,
    r: OfferRow,
    org_region: String,
    created_at: String,
    own: bool,
    curate: bool,
    error: Option<String>,
}

/// The offer if `cu` may see it: published ones to everyone logged in, others to who may manage them.
async fn visible(state: &AppState, cu: &CurrentUser, id: i64) -> Result<(Offer, bool, bool), AppError> {
    let who = &cu.principal;
    let loaded = supply::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let manage = loaded.decision(who, Action::ManageOffer).is_allowed();
    let o = duijie_app::open(Some(loaded), who, Action::ViewOffer)?;
    let own = who.is_org(o.org_id);
    Ok((o, own, manage && !own))
}

async fn detail_page(state: &AppState, cu: &CurrentUser, id: i64, toast: Option<String>, error: Option<String>) -> Result<DetailPage, AppError> {
    let (o, own, curate) = visible(state, cu, id).await?;
    let region = o.org_region.clone();
    Ok(DetailPage {
        layout: Layout::new(state, cu, "offers", toast).await,
        r: offer_row(state, &o),
        org_region: state.tree.full_name(&region),
        created_at: fmt_time(o.created_at),
        own,
        curate,
        error,
        o,
    })
}

async fn detail(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, Query(t): Query<Toast>) -> Result<DetailPage, AppError> {
    detail_page(&state, &cu, id, t.ok, None).await
}

#[derive(serde::Deserialize)]
struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
    /// "true" / "false" to feature or unfeature; empty leaves it.
    #[serde(default)]
    featured: String,
}

async fn set_status(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<StatusForm>) -> Result<Response, AppError> {
    let cu = p.user;
    let (o, own, _) = visible(&state, &cu, id).await?;
    if own && o.status == OfferStatus::Hidden && p.form.status == "published" {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, detail_page(&state, &cu, id, None, Some("该项目已被管理部门下架，请联系下架部门处理".into())).await?).into_response());
    }
    let featured = match p.form.featured.trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    };
    let status = match p.form.status.trim() {
        "" => o.status,
        s => OfferStatus::parse(s).ok_or_else(|| AppError::field("status", "无法识别的状态"))?,
    };
    match ops::set_offer_status(&state, &cu.principal, &actor(&cu), id, status, &p.form.reason, featured).await.map_err(AppError::from) {
        Ok(after) => {
            let msg = match (featured, after.status) {
                (Some(true), _) => "已设为推荐项目".to_string(),
                (Some(false), _) => "已取消推荐".to_string(),
                (None, OfferStatus::Hidden) => "已下架".to_string(),
                (None, OfferStatus::Closed) => "已关闭，不再接受点单".to_string(),
                _ => "已发布".to_string(),
            };
            Ok(done(&format!("/offers/{id}"), &msg))
        }
        Err(e @ (AppError::Invalid(_) | AppError::BadRequest(..) | AppError::Conflict(_))) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, detail_page(&state, &cu, id, None, Some(e.message())).await?).into_response())
        }
        Err(e) => Err(e),
    }
}
