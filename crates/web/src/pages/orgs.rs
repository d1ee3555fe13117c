//! Organisation registry pages: list with search and filters, profile, create and edit, credit lists, export.
//!
//! Guarantees: the list, the export and the API search only return organisations
//! in the caller's scope (`OrgCatalog::search` filters by `Scope`); anyone logged
//! in sees an approved organisation's public profile, and only callers with
//! `ViewOrganization` see contacts, members, attachments and reasons; every
//! write is decided by `authz::decide` first, and an out-of-scope record answers
//! 404, never 403.

use super::{Layout, Toast, done, fmt_time};
use crate::auth::{CurrentUser, Posted};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::org::{self, CreditList, FIELDS};
use duijie_domain::{Decision, FieldError, OrgType, RegionCode, Role, Uscc};
use duijie_store::catalog::OrgFilter;
use duijie_store::orgs::{self, Organization};
use duijie_app::registry::find;
use duijie_app::registry::{NewOrgForm, ProfileForm, Visibility, check_new_org, filter_of, may_create, require_on, save_credit_list, save_profile, visible};
use duijie_store::{actions, imports, liaisons};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(list).post(create))
        .route("/orgs/new", get(new_form))
        .route("/orgs/export.xlsx", get(export))
        .route("/orgs/{id}", get(profile))
        .route("/orgs/{id}/profile", post(edit_profile))
        .route("/orgs/{id}/credit-list", post(set_credit))
        .route("/orgs/{id}/members", post(add_member))
        .route("/orgs/{id}/resubmit", post(resubmit))
        .route("/attachments/{id}", get(attachment))
}

/// Full name of an organisation's registering region.
fn region_name(state: &AppState, o: &Organization) -> String {
    state.tree.full_name(o.region())
}


/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 5987/6266).
pub fn content_disposition(file_name: &str, ascii_fallback: &str) -> HeaderValue {
    let mut enc = String::new();
    for b in file_name.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => enc.push(b as char),
            _ => enc.push_str(&format!("%{b:02X}")),
        }
    }
    let fallback: String = ascii_fallback.chars().filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).collect();
    HeaderValue::from_str(&format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{enc}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

// ---------------------------------------------------------------------------
// List and export
// ---------------------------------------------------------------------------

#[derive(serde::Deserialize, Default, Clone)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    region: String,
    #[serde(default, rename = "type")]
    org_type: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: String,
    #[serde(default)]
    ok: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> OrgFilter {
        filter_of(&self.q, &self.region, &self.org_type, &self.field, &self.action, &self.status)
    }

    /// The filters as a query string (without the page).
    fn qs(&self) -> String {
        let pairs: Vec<(&str, &str)> = [
            ("q", self.q.trim()),
            ("region", self.region.trim()),
            ("type", self.org_type.trim()),
            ("field", self.field.trim()),
            ("action", self.action.trim()),
            ("status", self.status.trim()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn opts(current: &str, items: impl IntoIterator<Item = (String, String)>) -> Vec<Opt> {
    items.into_iter().map(|(value, label)| Opt { selected: current.trim() == value || current.trim() == label, value, label }).collect()
}

/// A coloured tag: (extra CSS class, text).
pub struct Tag {
    pub class: &'static str,
    pub text: String,
}

/// Status tags of an organisation: approval, registry status, credit list.
pub fn tags_of(o: &Organization) -> Vec<Tag> {
    let mut tags = Vec::new();
    if o.approval != duijie_domain::org::Approval::Approved {
        tags.push(Tag { class: "tag-warn", text: o.approval.label().into() });
    }
    if o.status == duijie_domain::org::OrgStatus::Deregistered {
        tags.push(Tag { class: "tag-off", text: "已注销".into() });
    } else {
        tags.push(Tag { class: "tag-ok", text: "正常".into() });
    }
    if let Some(l) = o.credit_list() {
        tags.push(Tag { class: "tag-national_key credit-tag", text: format!("⚠ {}", l.label()) });
    }
    tags
}

pub struct Row {
    pub index: usize,
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub type_label: &'static str,
    pub region: String,
    pub fields: String,
    pub rating: String,
    pub tags: Vec<Tag>,
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs_list.html")]
struct ListPage {
    layout: Layout,
    q: String,
    region: String,
    types: Vec<Opt>,
    fields: Vec<Opt>,
    actions: Vec<Opt>,
    statuses: Vec<Opt>,
    region_error: Option<String>,
    rows: Vec<Row>,
    total: usize,
    page: usize,
    pages: usize,
    qs: String,
    can_create: bool,
}

const PAGE_SIZE: usize = 20;

async fn list(State(state): State<AppState>, cu: CurrentUser, Query(lq): Query<ListQuery>) -> Result<ListPage, AppError> {
    let mut filter = lq.filter();
    let region_error = match duijie_app::pickers::read_filter(&state, Some(&cu.principal), &filter.region).await {
        Ok(code) => {
            let bad = if code.is_empty() { None } else { RegionCode::parse(&code).err().map(|e| format!("登记地区划代码：{e}")) };
            filter.region = code;
            bad
        }
        Err(why) => Some(format!("登记地：{why}")),
    };
    let page = lq.page.trim().parse::<usize>().unwrap_or(1).max(1);
    let (found, total) = if region_error.is_some() {
        (Vec::new(), 0)
    } else {
        find(&state, &cu.principal, &filter, (page - 1) * PAGE_SIZE, PAGE_SIZE).await?
    };
    let rows = found
        .iter()
        .enumerate()
        .map(|(i, o)| Row {
            index: (page - 1) * PAGE_SIZE + i + 1,
            id: o.id,
            name: o.name.clone(),
            credit_code: o.credit_code.clone(),
            type_label: o.type_label(),
            region: region_name(&state, o),
            fields: o.fields.clone(),
            rating: if o.rating.is_empty() { "—".into() } else { o.rating.clone() },
            tags: tags_of(o),
        })
        .collect();
    let all_actions = actions::all(&state.db).await?;
    Ok(ListPage {
        layout: Layout::new(&state, &cu, "orgs", lq.ok.clone()).await,
        q: lq.q.trim().to_string(),
        region: lq.region.trim().to_string(),
        types: opts(&lq.org_type, OrgType::ALL.iter().map(|t| (t.as_str().to_string(), t.label().to_string()))),
        fields: opts(&lq.field, FIELDS.iter().map(|f| (f.to_string(), f.to_string()))),
        actions: opts(&lq.action, all_actions.iter().map(|a| {
            let scope = if a.province_code.is_empty() { "全国".to_string() } else { state.tree.full_name(&RegionCode::parse(&a.province_code).unwrap_or_else(|_| RegionCode::national())) };
            (a.id.to_string(), format!("{}（{scope}）", a.name))
        })),
        statuses: opts(&lq.status, [("active", "正常"), ("deregistered", "已注销"), ("listed", "信用名单"), ("pending", "待审核")].map(|(a, b)| (a.to_string(), b.to_string()))),
        region_error,
        rows,
        total,
        page,
        pages: total.div_ceil(PAGE_SIZE).max(1),
        qs: lq.qs(),
        can_create: may_create(&cu.principal),
    })
}

async fn export(State(state): State<AppState>, cu: CurrentUser, Query(lq): Query<ListQuery>) -> Result<Response, AppError> {
    let mut filter = lq.filter();
    filter.region = duijie_app::pickers::read_filter(&state, Some(&cu.principal), &filter.region).await.map_err(|why| AppError::field("region", format!("登记地：{why}")))?;
    if !filter.region.is_empty() {
        RegionCode::parse(&filter.region).map_err(|e| AppError::field("region", format!("登记地区划代码：{e}")))?;
    }
    let (found, _) = find(&state, &cu.principal, &filter, 0, usize::MAX).await?;
    let rows: Vec<Vec<String>> = found.iter().map(imports::org_export_row).collect();
    let bytes = duijie_office::template::table_xlsx("社会组织", "社会组织名录", imports::ORG_HEADERS, &rows).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
            (header::CONTENT_DISPOSITION, content_disposition("社会组织名录.xlsx", "organizations.xlsx")),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------------------
// Profile
// ---------------------------------------------------------------------------

pub struct MemberRow {
    pub name: String,
    pub credit_code: String,
    pub added: String,
}

pub struct AttachmentRow {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub size: String,
    pub uploaded: String,
}

pub struct LiaisonRow {
    pub region: String,
    pub department: &'static str,
    pub name: String,
    pub title: String,
    pub phone: String,
}

/// One piece of the organisation's work on its page: a pairing or a take/order.
pub struct WorkRow {
    pub href: String,
    pub what: String,
    pub status: &'static str,
    pub when: String,
}

/// A commendation of the organisation (表彰), as its page shows it.
struct CommendationRow {
    title: String,
    doc_no: String,
    issued_on: String,
    unit: String,
    citation: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs_profile.html")]
struct ProfilePage {
    layout: Layout,
    commendations: Vec<CommendationRow>,
    o: Organization,
    type_label: &'static str,
    reg_level: &'static str,
    region: String,
    status_label: &'static str,
    tags: Vec<Tag>,
    credit_label: Option<&'static str>,
    enrolled: Vec<String>,
    liaisons: Vec<LiaisonRow>,
    full: bool,
    approval: &'static str,
    members: Vec<MemberRow>,
    attachments: Vec<AttachmentRow>,
    can_edit: bool,
    /// Officers may also change name and status (registration facts).
    officer_edit: bool,
    can_list: bool,
    ratings: Vec<Opt>,
    fields_hint: String,
    /// Its pairings the caller may see (its own scope decides).
    pairings: Vec<WorkRow>,
    /// Its takes and orders (对接) and the projects they started, for whoever sees its whole record.
    matches: Vec<WorkRow>,
}

async fn profile(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, Query(t): Query<Toast>) -> Result<ProfilePage, AppError> {
    let (o, vis) = visible(&state.db, &cu.principal, id).await?;
    let full = matches!(vis, Visibility::Full);
    let region = o.region();
    let target = Target::Organization { id: o.id, region };
    let can_edit = full && decide(&cu.principal, Action::EditOrganization, target) == Decision::Allow;
    let can_list = full && decide(&cu.principal, Action::SetCreditList, target) == Decision::Allow;
    let enrolled = actions::of_org(&state.db, o.id).await?.into_iter().map(|e| e.action_name).collect();
    let liaisons = liaisons::for_region(&state.db, region)
        .await?
        .into_iter()
        .map(|l| LiaisonRow {
            region: RegionCode::parse(&l.region_code).map(|c| state.tree.full_name(&c)).unwrap_or(l.region_code.clone()),
            department: liaisons::department_label(&l.department),
            name: l.name,
            title: l.title,
            phone: l.phone,
        })
        .collect();
    let (members, attachments) = if full {
        let members = orgs::members_of(&state.db, o.id)
            .await?
            .into_iter()
            .map(|m| MemberRow { name: m.name, credit_code: if m.credit_code.is_empty() { "—".into() } else { m.credit_code }, added: fmt_time(m.created_at) })
            .collect();
        let attachments = orgs::attachments_of(&state.db, o.id)
            .await?
            .into_iter()
            .map(|a| AttachmentRow {
                id: a.id,
                kind: crate::format::attachment_kind(&a.kind).to_string(),
                file_name: a.file_name,
                size: format!("{:.1} KB", a.bytes.len() as f64 / 1024.0),
                uploaded: format!("{} {}", fmt_time(a.uploaded_at), a.uploaded_by),
            })
            .collect();
        (members, attachments)
    } else {
        (Vec::new(), Vec::new())
    };
    // Its work: the pairings within the caller's own scope, and — for whoever
    // sees its whole record — its takes and orders with the demands' counties.
    let mine = duijie_store::pairing::Filter { org_id: Some(o.id), ..Default::default() };
    let pairings = duijie_store::pairing::list(&state.db, &cu.principal.scope(), &mine, 100, 0)
        .await?
        .0
        .iter()
        .map(|p| WorkRow { href: format!("/pairing/{}", p.id), what: format!("{} · {}", p.place(&state.tree), p.batch_name), status: p.status().label(), when: fmt_time(p.proposed_at) })
        .collect();
    let matches = if full {
        duijie_store::demand::matching::of_org(&state.db, o.id)
            .await?
            .iter()
            .map(|m| WorkRow { href: format!("/demands/{}", m.demand_id), what: m.demand_title.clone(), status: m.status_label(), when: fmt_time(m.proposed_at) })
            .collect()
    } else {
        Vec::new()
    };
    let commendations = duijie_app::commendations::of_org(&state, o.id)
        .await?
        .into_iter()
        .map(|(c, citation)| CommendationRow { title: c.title, doc_no: c.doc_no, issued_on: c.issued_on, unit: c.created_unit, citation })
        .collect();
    Ok(ProfilePage {
        layout: Layout::new(&state, &cu, "orgs", t.ok).await,
        commendations,
        pairings,
        matches,
        type_label: o.type_label(),
        reg_level: orgs::reg_level_label(&o.reg_level),
        region: region_name(&state, &o),
        status_label: o.status.label(),
        tags: tags_of(&o),
        credit_label: o.credit_list().map(CreditList::label),
        enrolled,
        liaisons,
        full,
        approval: o.approval.label(),
        members,
        attachments,
        can_edit,
        officer_edit: can_edit && cu.principal.role() != Role::Organization,
        can_list,
        ratings: opts(&o.rating, ["", "1A", "2A", "3A", "4A", "5A"].map(|r| (r.to_string(), if r.is_empty() { "未评估".to_string() } else { r.to_string() }))),
        fields_hint: FIELDS.join("、"),
        o,
    })
}

async fn edit_profile(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<ProfileForm>) -> Result<Response, AppError> {
    let actor = super::designations::actor(&p.user);
    save_profile(&state.db, &p.user.principal, &actor, id, p.form.clone()).await?;
    Ok(done(&format!("/orgs/{id}"), "基本信息已保存"))
}

#[derive(serde::Deserialize)]
struct CreditForm {
    #[serde(default)]
    list: String,
    #[serde(default)]
    reason: String,
}

async fn set_credit(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<CreditForm>) -> Result<Response, AppError> {
    let actor = super::designations::actor(&p.user);
    let list = save_credit_list(&state.db, &p.user.principal, &actor, id, &p.form.list, &p.form.reason).await?;
    let msg = match list {
        Some(l) => format!("已列入{}", l.label()),
        None => "已移出信用名单".to_string(),
    };
    Ok(done(&format!("/orgs/{id}"), &msg))
}

#[derive(serde::Deserialize)]
struct ResubmitForm {}

/// A returned application goes back to the queue once the organisation has
/// corrected its profile (the officer sees the return reason in the history).
async fn resubmit(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<ResubmitForm>) -> Result<Response, AppError> {
    let (o, _) = visible(&state.db, &p.user.principal, id).await?;
    require_on(&p.user.principal, Action::EditOrganization, &o)?;
    if p.user.principal.org_id() != Some(id) {
        return Err(AppError::Forbidden);
    }
    if o.approval != duijie_domain::org::Approval::Returned {
        return Err(AppError::Conflict("只有被退回的申请可以重新提交".into()));
    }
    let mut tx = state.db.begin().await?;
    orgs::set_approval(&mut tx, &super::designations::actor(&p.user), id, duijie_domain::org::Approval::Pending, "").await?;
    tx.commit().await?;
    Ok(done(&format!("/orgs/{id}"), "已重新提交，等待民政部门审核"))
}

#[derive(serde::Deserialize)]
struct MemberForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    credit_code: String,
}

async fn add_member(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<MemberForm>) -> Result<Response, AppError> {
    let (o, _) = visible(&state.db, &p.user.principal, id).await?;
    require_on(&p.user.principal, Action::EditOrganization, &o)?;
    let mut errors = Vec::new();
    let name = p.form.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new("member_name", "会员单位名称：请填写（100 字以内）"));
    }
    let code = match p.form.credit_code.trim() {
        "" => String::new(),
        c => match Uscc::parse(c) {
            Ok(u) => u.to_string(),
            Err(e) => {
                errors.push(FieldError::new("member_credit_code", format!("会员单位信用代码：{e}")));
                String::new()
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let mut tx = state.db.begin().await?;
    orgs::add_member(&mut tx, &super::designations::actor(&p.user), &o, name, &code).await?;
    tx.commit().await?;
    Ok(done(&format!("/orgs/{id}"), &format!("会员单位 {name} 已添加")))
}

async fn attachment(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>) -> Result<Response, AppError> {
    let a = orgs::attachment(&state.db, id).await?.ok_or(AppError::NotFound)?;
    // The attachments of an organisation are for those who see its whole record.
    duijie_app::open(orgs::get(&state.db, a.org_id).await?, &cu.principal, Action::ViewOrganization).map_err(|_| AppError::NotFound)?;
    let ct = HeaderValue::from_str(&a.content_type)
        .ok()
        .filter(|_| !a.content_type.is_empty())
        .unwrap_or_else(|| HeaderValue::from_static("application/octet-stream"));
    let ext: String = a.file_name.rsplit_once('.').map(|(_, e)| e.to_string()).unwrap_or_default();
    let fallback = if ext.is_empty() { format!("attachment-{id}") } else { format!("attachment-{id}.{ext}") };
    Ok(([(header::CONTENT_TYPE, ct), (header::CONTENT_DISPOSITION, content_disposition(&a.file_name, &fallback))], a.bytes).into_response())
}

// ---------------------------------------------------------------------------
// Create
// ---------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "orgs_new.html")]
struct NewPage {
    layout: Layout,
    form: NewOrgForm,
    errors: Vec<FieldError>,
    types: Vec<Opt>,
    ratings: Vec<Opt>,
    party_yes: bool,
    fields_hint: String,
}

impl NewPage {
    fn err(&self, field: &str) -> Option<String> {
        let msgs: Vec<&str> = self.errors.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect();
        if msgs.is_empty() { None } else { Some(msgs.join("；")) }
    }
}

async fn new_page(state: &AppState, cu: &CurrentUser, form: NewOrgForm, errors: Vec<FieldError>) -> NewPage {
    NewPage {
        layout: Layout::new(state, cu, "orgs", None).await,
        types: opts(&form.org_type, OrgType::ALL.iter().map(|t| (t.as_str().to_string(), t.label().to_string()))),
        ratings: opts(&form.profile.rating, ["", "1A", "2A", "3A", "4A", "5A"].map(|r| (r.to_string(), if r.is_empty() { "未评估".to_string() } else { r.to_string() }))),
        party_yes: org::parse_yes_no(&form.profile.party_org).unwrap_or(false),
        fields_hint: FIELDS.join("、"),
        form,
        errors,
    }
}

async fn new_form(State(state): State<AppState>, cu: CurrentUser) -> Result<NewPage, AppError> {
    if !may_create(&cu.principal) {
        return Err(AppError::Forbidden);
    }
    let region = if cu.principal.region().as_str().is_empty() { "000000".to_string() } else { cu.principal.region().padded6() };
    Ok(new_page(&state, &cu, NewOrgForm { region, ..Default::default() }, Vec::new()).await)
}

async fn create(State(state): State<AppState>, p: Posted<NewOrgForm>) -> Result<Response, AppError> {
    if !may_create(&p.user.principal) {
        return Err(AppError::Forbidden);
    }
    let errors = match check_new_org(&state, &p.user.principal, &p.form).await {
        Ok(new) => {
            let mut tx = state.db.begin().await?;
            match orgs::create(&mut tx, &super::designations::actor(&p.user), &new).await {
                Ok(id) => {
                    tx.commit().await?;
                    return Ok(done(&format!("/orgs/{id}"), &format!("社会组织 {} 已登记", new.profile.name)));
                }
                Err(duijie_store::Error::Conflict(m)) => vec![FieldError::new("credit_code", m)],
                Err(duijie_store::Error::Invalid(m)) => vec![FieldError::new("org_type", m)],
                Err(e) => return Err(e.into()),
            }
        }
        Err(errors) => errors,
    };
    let page = new_page(&state, &p.user, p.form.clone(), errors).await;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
