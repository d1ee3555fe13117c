//! The registry of social organisations: finding, viewing, registering and
//! editing them, credit lists, and deciding self-applications.
//!
//! Guarantees: an organisation is shown only through [`visible`] — the full
//! record to those with `ViewOrganization`, the public profile of an approved
//! one to anyone logged in, and 404 otherwise; every change asks
//! `authz::decide` on the organisation first ([`require_on`]); registration
//! facts (name, status, rating, party organisation) are changed only by the
//! registration authority; every field problem is named in Chinese and leaves
//! nothing written; an application is approved or returned (with a reason) only
//! by an officer allowed to, and only once.

use crate::pickers::Typed;
use crate::{Error, Platform, require};
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::org::{self, CreditList};
use duijie_domain::{Decision, FieldError, Level, OrgType, Principal, RegionCode, Role, Uscc};
use duijie_store::catalog::OrgFilter;
use duijie_store::orgs::{self, NewOrganization, OrgProfile, Organization};
use duijie_store::regions::RegionTree;
use duijie_store::{Actor, Db};

/// Organisations in `who`'s scope matching the filter, read from the
/// catalogue kept fresh by [`crate::derived`]: one page and the total.
pub async fn find(p: &Platform, who: &Principal, f: &OrgFilter, offset: usize, limit: usize) -> Result<(Vec<Organization>, usize), Error> {
    let (ids, total) = p.derived.catalog().await.search(f, &who.scope(), offset, limit);
    Ok((load_ids(&p.db, &ids).await?, total))
}

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
pub async fn load_ids(db: &Db, ids: &[i64]) -> Result<Vec<Organization>, Error> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(orgs::by_ids(db, chunk).await?);
    }
    Ok(out)
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
pub async fn visible(db: &Db, who: &Principal, id: i64) -> Result<(Organization, Visibility), Error> {
    let loaded = orgs::get(db, id).await?.ok_or(Error::NotFound)?;
    if loaded.decision(who, Action::ViewOrganization) == Decision::Allow {
        return Ok((loaded.check(who, Action::ViewOrganization).map_err(|_| Error::NotFound)?, Visibility::Full));
    }
    match loaded.check(who, Action::ViewOrgPublic) {
        Ok(o) if o.approval == duijie_domain::org::Approval::Approved => Ok((o, Visibility::Public)),
        _ => Err(Error::NotFound),
    }
}

/// Decides `action` on an organisation, mapping the answer to errors (404 when
/// the organisation is out of scope, 403 when visible but not permitted).
pub fn require_on(who: &Principal, action: Action, o: &Organization) -> Result<(), Error> {
    let region = o.region();
    require(decide(who, action, Target::Organization { id: o.id, region }))
}

/// Whether the caller may create organisations at all.
pub fn may_create(who: &Principal) -> bool {
    matches!(who.role(), Role::Admin | Role::CivilAffairs)
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
    let status = org::OrgStatus::parse(&f.status).unwrap_or_else(|e| {
        errors.push(FieldError::new("status", format!("状态：{e}")));
        org::OrgStatus::Active
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
        status,
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
/// The registering region may be given by name.
pub async fn check_new_org(p: &Platform, who: &Principal, f: &NewOrgForm) -> Result<NewOrganization, Vec<FieldError>> {
    let mut f = f.clone();
    let typed = Typed::region(&p.db, &p.tree, &mut f.region, &RegionCode::national(), Level::County).await;
    typed.over("region", check_codes(&p.tree, who, &f).map_err(Error::Invalid)).map_err(|e| match e {
        Error::Invalid(errors) => errors,
        other => vec![FieldError::new("region", other.message())],
    })
}

fn check_codes(tree: &RegionTree, who: &Principal, f: &NewOrgForm) -> Result<NewOrganization, Vec<FieldError>> {
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
        Ok(c) if c.level() == Level::National || (c.level() <= Level::County && tree.get(&c).is_some()) => Some(c),
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
            approval: duijie_domain::org::Approval::Approved,
            is_demo: false,
            provenance: String::new(),
        }),
        _ => Err(errors),
    }
}

/// Checks and saves a profile edit (pages and API).
pub async fn save_profile(db: &Db, who: &Principal, actor: &Actor, id: i64, mut form: ProfileForm) -> Result<(), Error> {
    let (o, _) = visible(db, who, id).await?;
    require_on(who, Action::EditOrganization, &o)?;
    if who.role() == Role::Organization {
        // Name and status are registration facts; only the registering authority changes them.
        form.name = o.name.clone();
        form.status = o.status.as_str().into();
    }
    let mut errors = Vec::new();
    let region = o.region();
    if !decide(who, Action::RecordOrgFacts, Target::Organization { id: o.id, region }).is_allowed() {
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
        return Err(Error::Invalid(errors));
    }
    let mut tx = db.begin().await?;
    orgs::update_profile(&mut tx, actor, id, &profile).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks and records a credit-list decision (pages and API).
pub async fn save_credit_list(db: &Db, who: &Principal, actor: &Actor, id: i64, list: &str, reason: &str) -> Result<Option<CreditList>, Error> {
    let (o, _) = visible(db, who, id).await?;
    require_on(who, Action::SetCreditList, &o)?;
    let list = CreditList::parse(list).map_err(|e| Error::field("list", format!("信用名单：{e}")))?;
    let reason = reason.trim();
    if list.is_some() && reason.is_empty() {
        return Err(Error::field("reason", "列入原因：列入信用名单时必须填写原因（例如决定文号）"));
    }
    if too_long(reason, 500) {
        return Err(Error::field("reason", "列入原因：不能超过 500 字"));
    }
    let mut tx = db.begin().await?;
    orgs::set_credit_list(&mut tx, actor, id, list, reason).await?;
    tx.commit().await?;
    Ok(list)
}

/// Loads an application the principal may decide on (404 out of scope, 403 without the right).
async fn application_for(db: &Db, who: &Principal, id: i64) -> Result<Organization, Error> {
    crate::open(orgs::get(db, id).await?, who, Action::ApproveOrganization)
}

/// Approves (`approve`) or returns an application with a reason (pages and API).
pub async fn decide_application(db: &Db, who: &Principal, actor: &Actor, id: i64, approve: bool, reason: &str) -> Result<Organization, Error> {
    let org = application_for(db, who, id).await?;
    if org.approval == duijie_domain::org::Approval::Approved {
        return Err(Error::Conflict(if approve { format!("{} 已审核通过", org.name) } else { format!("{} 已审核通过，不能退回", org.name) }));
    }
    let reason = reason.trim();
    if !approve {
        if reason.is_empty() {
            return Err(Error::field("reason", "请填写退回原因，申请人将据此修改后重新提交"));
        }
        if reason.chars().count() > 500 {
            return Err(Error::field("reason", "退回原因不能超过 500 字"));
        }
    }
    let mut tx = db.begin().await?;
    orgs::set_approval(&mut tx, actor, id, if approve { duijie_domain::org::Approval::Approved } else { duijie_domain::org::Approval::Returned }, if approve { "" } else { reason }).await?;
    tx.commit().await?;
    Ok(org)
}
