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
use duijie_domain::{Decision, FieldError, Level, OrgType, Principal, RegionCode, Role, Uscc};
use duijie_store::catalog::OrgFilter;
use duijie_store::orgs::{self, NewOrganization, OrgProfile, Organization};
use duijie_store::{Db, actions, imports, liaisons};

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

// ---------------------------------------------------------------------------
// Shared helpers (also used by the API)
// ---------------------------------------------------------------------------

/// Builds the catalogue filter from what a person typed or picked; Chinese
/// labels and keys are both accepted.
pub fn filter_of(q: &str, region: &str, org_type: &str, field: &str, action: &str, status: &str) -> OrgFilter {
    let org_type = match org_type.trim() {
        "" => String::new(),
        t => OrgType::parse(t).map(|t| t.as_str().to_string()).unwrap_or_else(|| t.to_string()),
    };
    let status = match status.trim() {
        "正常" => "active",
        "已注销" => "deregistered",
        "信用名单" | "列入信用名单" => "listed",
        "待审核" => "pending",
        s => s,
    }
    .to_string();
    OrgFilter {
        q: q.trim().chars().take(50).collect(),
        region: region.trim().to_string(),
        org_type,
        field: field.trim().to_string(),
        // An action that does not parse matches nothing rather than everything.
        action: match action.trim() {
            "" => None,
            a => Some(a.parse().unwrap_or(-1)),
        },
        status,
    }
}

/// Loads organisations by id in chunks (keeps the SQL parameter count small).
pub async fn load_ids(db: &Db, ids: &[i64]) -> Result<Vec<Organization>, AppError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(orgs::by_ids(db, chunk).await?);
    }
    Ok(out)
}

/// Organisations in `who`'s scope matching the filter: one page and the total.
pub async fn find(state: &AppState, who: &Principal, f: &OrgFilter, offset: usize, limit: usize) -> Result<(Vec<Organization>, usize), AppError> {
    let (ids, total) = state.derived.catalog().await.search(f, &who.scope(), offset, limit);
    Ok((load_ids(&state.db, &ids).await?, total))
}

/// Full name of an organisation's registering region.
pub fn region_name(state: &AppState, o: &Organization) -> String {
    state.tree.full_name(&o.region())
}

pub fn approval_label(a: &str) -> &'static str {
    match a {
        "approved" => "已通过",
        "pending" => "待审核",
        "returned" => "已退回",
        _ => "待审核",
    }
}

/// How much of an organisation the caller may see.
pub enum Visibility {
    /// The public profile only.
    Public,
    /// Everything (officers in scope, the organisation itself).
    Full,
}

/// Loads an organisation the caller may see at all; a missing one, or an
/// unapproved one out of the caller's scope, is `NotFound`.
pub async fn visible(state: &AppState, who: &Principal, id: i64) -> Result<(Organization, Visibility), AppError> {
    let o = orgs::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let region = o.region();
    let target = Target::Organization { id: o.id, region: &region };
    if decide(who, Action::ViewOrganization, target) == Decision::Allow {
        return Ok((o, Visibility::Full));
    }
    if o.approval == "approved" && decide(who, Action::ViewOrgPublic, target) == Decision::Allow {
        return Ok((o, Visibility::Public));
    }
    Err(AppError::NotFound)
}

/// Decides `action` on an organisation, mapping the answer to errors (404 when
/// the organisation is out of scope, 403 when visible but not permitted).
pub fn require(who: &Principal, action: Action, o: &Organization) -> Result<(), AppError> {
    let region = o.region();
    match decide(who, action, Target::Organization { id: o.id, region: &region }) {
        Decision::Allow => Ok(()),
        Decision::Forbidden => Err(AppError::Forbidden),
        Decision::NotFound => Err(AppError::NotFound),
    }
}

/// Whether the caller may create organisations at all.
pub fn may_create(who: &Principal) -> bool {
    matches!(who.role, Role::Admin | Role::CivilAffairs)
}

/// Accepts a form's 是/否 text or an API's JSON boolean for a yes/no field.
fn yes_no_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum YesNo {
        Bool(bool),
        Text(String),
    }
    Ok(match <YesNo as serde::Deserialize>::deserialize(d)? {
        YesNo::Bool(b) => if b { "是" } else { "否" }.to_string(),
        YesNo::Text(t) => t,
    })
}

/// The profile fields as typed.
#[derive(serde::Deserialize, Default, Clone, utoipa::ToSchema)]
pub struct ProfileForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub supervisor: String,
    #[serde(default)]
    pub fields: String,
    #[serde(default)]
    pub rating: String,
    /// 是/否 (also 1/0, or a JSON boolean).
    #[serde(default, deserialize_with = "yes_no_text")]
    pub party_org: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub address: String,
    /// 正常/已注销 (or active/deregistered).
    #[serde(default)]
    pub status: String,
}

fn too_long(s: &str, n: usize) -> bool {
    s.chars().count() > n
}

/// Checks the profile fields; each error names its field in Chinese.
pub fn check_profile(f: &ProfileForm, errors: &mut Vec<FieldError>) -> OrgProfile {
    let name = f.name.trim();
    if name.is_empty() || too_long(name, 100) {
        errors.push(FieldError::new("name", "名称：请填写社会组织名称（100 字以内）"));
    }
    let supervisor = f.supervisor.trim();
    if too_long(supervisor, 100) {
        errors.push(FieldError::new("supervisor", "业务主管单位：不能超过 100 字"));
    }
    let fields = org::parse_fields(&f.fields).unwrap_or_else(|e| {
        errors.push(FieldError::new("fields", format!("业务领域：{e}")));
        String::new()
    });
    let rating = org::parse_rating(&f.rating).unwrap_or_else(|e| {
        errors.push(FieldError::new("rating", format!("等级评估：{e}")));
        String::new()
    });
    let party_org = org::parse_yes_no(&f.party_org).unwrap_or_else(|e| {
        errors.push(FieldError::new("party_org", format!("是否建立党组织：{e}")));
        false
    });
    let contact_name = f.contact_name.trim();
    if too_long(contact_name, 60) {
        errors.push(FieldError::new("contact_name", "联系人：不能超过 60 字"));
    }
    let contact_phone = f.contact_phone.trim();
    if too_long(contact_phone, 40) || contact_phone.chars().any(|c| !(c.is_ascii_digit() || "-+ ()（）转,，、".contains(c))) {
        errors.push(FieldError::new("contact_phone", "联系电话：只能包含数字和 - + ( ) 等符号，40 字以内"));
    }
    let address = f.address.trim();
    if too_long(address, 200) {
        errors.push(FieldError::new("address", "地址：不能超过 200 字"));
    }
    let status = org::parse_status(&f.status).unwrap_or_else(|e| {
        errors.push(FieldError::new("status", format!("状态：{e}")));
        "active"
    });
    OrgProfile {
        name: name.into(),
        supervisor: supervisor.into(),
        fields,
        rating,
        party_org,
        contact_name: contact_name.into(),
        contact_phone: contact_phone.into(),
        address: address.into(),
        status: status.into(),
    }
}

/// A new organisation as typed (page form and API request).
#[derive(serde::Deserialize, Default, Clone, utoipa::ToSchema)]
pub struct NewOrgForm {
    #[serde(default)]
    pub credit_code: String,
    /// social_group / service_institution / foundation, or the Chinese label.
    #[serde(default)]
    pub org_type: String,
    /// Registering region code; 000000 for national registrations.
    #[serde(default)]
    pub region: String,
    #[serde(flatten)]
    pub profile: ProfileForm,
}

/// Validates a new organisation for `who`; shared by the page and the API.
pub fn check_new_org(state: &AppState, who: &Principal, f: &NewOrgForm) -> Result<NewOrganization, Vec<FieldError>> {
    let mut errors = Vec::new();
    let code = match Uscc::parse(&f.credit_code) {
        Ok(c) => Some(c),
        Err(e) => {
            errors.push(FieldError::new("credit_code", e.to_string()));
            None
        }
    };
    let org_type = OrgType::parse(f.org_type.trim());
    if org_type.is_none() {
        errors.push(FieldError::new("org_type", "类型：请选择社会团体、社会服务机构或基金会"));
    }
    if let (Some(c), Some(t)) = (&code, org_type)
        && let Err(e) = orgs::check_type(c, t)
    {
        errors.push(FieldError::new("org_type", format!("类型与信用代码不符：{e}")));
    }
    let region = match RegionCode::parse(&f.region) {
        Ok(c) if c.level() == Level::National || (c.level() <= Level::County && state.tree.get(&c).is_some()) => Some(c),
        Ok(_) => {
            errors.push(FieldError::new("region", "登记管理机关区划代码：没有这个区划代码（应为省、市或县级代码，全国填 000000）"));
            None
        }
        Err(e) => {
            errors.push(FieldError::new("region", format!("登记管理机关区划代码：{e}")));
            None
        }
    };
    if let Some(r) = &region
        && (!may_create(who) || decide(who, Action::EditOrganization, Target::Organization { id: 0, region: r }) != Decision::Allow)
    {
        errors.push(FieldError::new("region", "登记管理机关区划代码：只能在本单位管辖范围内登记社会组织"));
    }
    let profile = check_profile(&f.profile, &mut errors);
    match (errors.is_empty(), code, org_type, region) {
        (true, Some(credit_code), Some(org_type), Some(region)) => Ok(NewOrganization {
            credit_code,
            org_type,
            region,
            profile,
            approval: "approved",
            is_demo: false,
            provenance: String::new(),
        }),
        _ => Err(errors),
    }
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
    if o.approval != "approved" {
        tags.push(Tag { class: "tag-warn", text: approval_label(&o.approval).into() });
    }
    if o.status == "deregistered" {
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
    let filter = lq.filter();
    let region_error = match filter.region.as_str() {
        "" => None,
        r => RegionCode::parse(r).err().map(|e| format!("登记地区划代码：{e}")),
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
    let filter = lq.filter();
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

#[derive(Template, WebTemplate)]
#[template(path = "orgs_profile.html")]
struct ProfilePage {
    layout: Layout,
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
}

async fn profile(State(state): State<AppState>, cu: CurrentUser, Path(id): Path<i64>, Query(t): Query<Toast>) -> Result<ProfilePage, AppError> {
    let (o, vis) = visible(&state, &cu.principal, id).await?;
    let full = matches!(vis, Visibility::Full);
    let region = o.region();
    let target = Target::Organization { id: o.id, region: &region };
    let can_edit = full && decide(&cu.principal, Action::EditOrganization, target) == Decision::Allow;
    let can_list = full && decide(&cu.principal, Action::SetCreditList, target) == Decision::Allow;
    let enrolled = actions::of_org(&state.db, o.id).await?.into_iter().map(|e| e.action_name).collect();
    let liaisons = liaisons::for_region(&state.db, &region)
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
                kind: a.kind,
                file_name: a.file_name,
                size: format!("{:.1} KB", a.bytes.len() as f64 / 1024.0),
                uploaded: format!("{} {}", fmt_time(a.uploaded_at), a.uploaded_by),
            })
            .collect();
        (members, attachments)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(ProfilePage {
        layout: Layout::new(&state, &cu, "orgs", t.ok).await,
        type_label: o.type_label(),
        reg_level: orgs::reg_level_label(&o.reg_level),
        region: region_name(&state, &o),
        status_label: org::status_label(&o.status),
        tags: tags_of(&o),
        credit_label: o.credit_list().map(CreditList::label),
        enrolled,
        liaisons,
        full,
        approval: approval_label(&o.approval),
        members,
        attachments,
        can_edit,
        officer_edit: can_edit && cu.principal.role != Role::Organization,
        can_list,
        ratings: opts(&o.rating, ["", "1A", "2A", "3A", "4A", "5A"].map(|r| (r.to_string(), if r.is_empty() { "未评估".to_string() } else { r.to_string() }))),
        fields_hint: FIELDS.join("、"),
        o,
    })
}

async fn edit_profile(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<ProfileForm>) -> Result<Response, AppError> {
    let actor = super::designations::actor(&p.user);
    save_profile(&state, &p.user.principal, &actor, id, p.form.clone()).await?;
    Ok(done(&format!("/orgs/{id}"), "基本信息已保存"))
}

/// Checks and saves a profile edit (pages and API).
pub async fn save_profile(state: &AppState, who: &Principal, actor: &duijie_store::Actor, id: i64, mut form: ProfileForm) -> Result<(), AppError> {
    let (o, _) = visible(state, who, id).await?;
    require(who, Action::EditOrganization, &o)?;
    if who.role == Role::Organization {
        // Name and status are registration facts; only the registering authority changes them.
        form.name = o.name.clone();
        form.status = o.status.clone();
    }
    let mut errors = Vec::new();
    let region = o.region();
    if !decide(who, Action::RecordOrgFacts, Target::Organization { id: o.id, region: &region }).is_allowed() {
        // 等级评估 and 是否建立党组织 are recorded by the registration authority:
        // left out they stay as recorded; a different value is refused.
        if !form.rating.trim().is_empty() && org::parse_rating(&form.rating).ok().as_deref() != Some(o.rating.as_str()) {
            errors.push(FieldError::new("rating", "等级评估由登记管理机关记录，社会组织不能修改"));
        }
        if !form.party_org.trim().is_empty() && org::parse_yes_no(&form.party_org).ok() != Some(o.party_org) {
            errors.push(FieldError::new("party_org", "是否建立党组织由登记管理机关记录，社会组织不能修改"));
        }
        form.rating = o.rating.clone();
        form.party_org = if o.party_org { "是" } else { "否" }.to_string();
    }
    let profile = check_profile(&form, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let mut tx = state.db.begin().await?;
    orgs::update_profile(&mut tx, actor, id, &profile).await?;
    tx.commit().await?;
    Ok(())
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
    let list = save_credit_list(&state, &p.user.principal, &actor, id, &p.form.list, &p.form.reason).await?;
    let msg = match list {
        Some(l) => format!("已列入{}", l.label()),
        None => "已移出信用名单".to_string(),
    };
    Ok(done(&format!("/orgs/{id}"), &msg))
}

/// Checks and records a credit-list decision (pages and API).
pub async fn save_credit_list(state: &AppState, who: &Principal, actor: &duijie_store::Actor, id: i64, list: &str, reason: &str) -> Result<Option<CreditList>, AppError> {
    let (o, _) = visible(state, who, id).await?;
    require(who, Action::SetCreditList, &o)?;
    let list = CreditList::parse(list).map_err(|e| AppError::field("list", format!("信用名单：{e}")))?;
    let reason = reason.trim();
    if list.is_some() && reason.is_empty() {
        return Err(AppError::field("reason", "列入原因：列入信用名单时必须填写原因（例如决定文号）"));
    }
    if too_long(reason, 500) {
        return Err(AppError::field("reason", "列入原因：不能超过 500 字"));
    }
    let mut tx = state.db.begin().await?;
    orgs::set_credit_list(&mut tx, actor, id, list, reason).await?;
    tx.commit().await?;
    Ok(list)
}

#[derive(serde::Deserialize)]
struct ResubmitForm {}

/// A returned application goes back to the queue once the organisation has
/// corrected its profile (the officer sees the return reason in the history).
async fn resubmit(State(state): State<AppState>, Path(id): Path<i64>, p: Posted<ResubmitForm>) -> Result<Response, AppError> {
    let (o, _) = visible(&state, &p.user.principal, id).await?;
    require(&p.user.principal, Action::EditOrganization, &o)?;
    if p.user.principal.org_id != Some(id) {
        return Err(AppError::Forbidden);
    }
    if o.approval != "returned" {
        return Err(AppError::Conflict("只有被退回的申请可以重新提交".into()));
    }
    let mut tx = state.db.begin().await?;
    orgs::set_approval(&mut tx, &super::designations::actor(&p.user), id, "pending", "").await?;
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
    let (o, _) = visible(&state, &p.user.principal, id).await?;
    require(&p.user.principal, Action::EditOrganization, &o)?;
    let mut errors = Vec::new();
    let name = p.form.name.trim();
    if name.is_empty() || too_long(name, 100) {
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
    let o = orgs::get(&state.db, a.org_id).await?.ok_or(AppError::NotFound)?;
    let region = o.region();
    if decide(&cu.principal, Action::ViewOrganization, Target::Organization { id: o.id, region: &region }) != Decision::Allow {
        return Err(AppError::NotFound);
    }
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
    let region = if cu.principal.region.as_str().is_empty() { "000000".to_string() } else { cu.principal.region.padded6() };
    Ok(new_page(&state, &cu, NewOrgForm { region, ..Default::default() }, Vec::new()).await)
}

async fn create(State(state): State<AppState>, p: Posted<NewOrgForm>) -> Result<Response, AppError> {
    if !may_create(&p.user.principal) {
        return Err(AppError::Forbidden);
    }
    let errors = match check_new_org(&state, &p.user.principal, &p.form) {
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
