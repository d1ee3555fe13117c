//! Proposing pairings, their steps and agreements, batches (lists), coverage
//! and sending a plan's proposals: each asks `authz::decide` first, validates
//! what people typed (naming the field, in Chinese), then calls the store in
//! one transaction.
//!
//! Guarantees: a pairing the caller may not see answers 404 whatever the
//! operation; every state change goes through `duijie_store::pairing` (so it is
//! audited and notified); nothing here assigns a pairing — proposals wait for
//! both sides' consent.

use super::{form_error, visible};
use crate::{Error, Platform};
use crate::pickers::Typed;
use crate::regions_designations::browse_root;
use chrono::NaiveDate;
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::pairing::{Kind, Step, Targets};
use duijie_domain::{Decision, FieldError, Level, Principal, RegionCode, Role, Uscc};
use duijie_store::Actor;
use duijie_store::pairing::{self, Batch, NewPairing, Pairing};

use super::may;
use crate::require;

/// The steps `who` may take on `p` now (for the buttons).
pub fn steps_for(who: &Principal, p: &Pairing) -> Vec<Step> {
    let status = p.status();
    let mut out = Vec::new();
    let try_step = |s: Step| duijie_domain::pairing::advance(status, p.consents(), s).is_ok();
    if may(who, Action::ConsentAsOrg, p) && try_step(Step::OrgConsent) {
        out.push(Step::OrgConsent);
    }
    if may(who, Action::ConsentAsCounty, p) && try_step(Step::CountyConsent) {
        out.push(Step::CountyConsent);
    }
    if (may(who, Action::ConsentAsOrg, p) || may(who, Action::ConsentAsCounty, p)) && try_step(Step::Decline) {
        out.push(Step::Decline);
    }
    if may_withdraw(who, p) && try_step(Step::Withdraw) {
        out.push(Step::Withdraw);
    }
    if may(who, Action::ManagePairing, p) {
        if try_step(Step::Activate) && p.signed_file_id.is_some() {
            out.push(Step::Activate);
        }
        if try_step(Step::End) && p.listed_at.is_none() {
            out.push(Step::End);
        }
    }
    out
}

/// Whether `who` may withdraw a proposal: officers who manage the pairing, or
/// the organisation that proposed it itself.
fn may_withdraw(who: &Principal, p: &Pairing) -> bool {
    let proposed_by_org = p.org_consent_at == Some(p.proposed_at) && p.org_consent_by.as_deref() == Some(p.proposed_by.as_str());
    may(who, Action::ManagePairing, p) || (proposed_by_org && may(who, Action::ConsentAsOrg, p))
}

/// Takes a step on behalf of `who` (consent, decline, withdraw, activate, end).
pub async fn take_step(state: &Platform, who: &Principal, actor: &Actor, id: i64, step: Step, note: &str) -> Result<Pairing, Error> {
    let p = visible(&state.db, who, id).await?;
    let allowed = match step {
        Step::OrgConsent => may(who, Action::ConsentAsOrg, &p),
        Step::CountyConsent => may(who, Action::ConsentAsCounty, &p),
        Step::Decline => may(who, Action::ConsentAsOrg, &p) || may(who, Action::ConsentAsCounty, &p),
        Step::Withdraw => may_withdraw(who, &p),
        Step::Activate | Step::End => may(who, Action::ManagePairing, &p),
        // The signed agreement comes with its file; replacements go through adjustments.
        Step::Sign | Step::Replace => false,
    };
    if !allowed {
        return Err(Error::Forbidden);
    }
    if note.chars().count() > 500 {
        return Err(Error::field("note", "说明不能超过 500 字"));
    }
    let mut tx = state.db.begin().await?;
    let after = pairing::step(&mut tx, actor, id, step, note).await?;
    tx.commit().await?;
    Ok(after)
}

/// Stores the signed agreement scan (PDF or image).
pub async fn upload_signed(state: &Platform, who: &Principal, actor: &Actor, id: i64, file_name: &str, bytes: &[u8]) -> Result<Pairing, Error> {
    let p = visible(&state.db, who, id).await?;
    if !may(who, Action::SignAgreement, &p) {
        return Err(Error::Forbidden);
    }
    let Some(content_type) = crate::files::sniff_scan(bytes) else {
        return Err(Error::field("file", "已签协议请上传 PDF 或 JPG、PNG 扫描件"));
    };
    let name = crate::files::clean_file_name(file_name);
    let mut tx = state.db.begin().await?;
    let after = pairing::attach_signed(&mut tx, actor, id, if name.is_empty() { "已签协议" } else { &name }, content_type, bytes).await?;
    tx.commit().await?;
    Ok(after)
}

/// What a person types to propose a pairing (page form and API body).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ProposeInput {
    /// The batch (批次) id.
    #[serde(default)]
    #[schema(schema_with = crate::schema::integer)]
    pub batch_id: String,
    /// county, village, household, party_branch, enterprise_village.
    #[serde(default)]
    pub kind: String,
    /// The organisation's credit code (officers); organisations propose for themselves.
    #[serde(default)]
    pub credit_code: String,
    /// The county (6 digits) or village (12 digits) code.
    #[serde(default)]
    pub region: String,
    /// Household label, village party branch name (see the kind).
    #[serde(default)]
    pub target_label: String,
    /// Member enterprise id (一企帮一村).
    #[serde(default)]
    #[schema(schema_with = crate::schema::integer)]
    pub member_id: String,
    /// Fields, `、`-separated; empty takes the organisation's.
    #[serde(default)]
    pub fields: String,
    #[serde(default)]
    pub commitments: String,
    /// Planned funds in 万元, e.g. 50 or 12.5.
    #[serde(default)]
    #[schema(schema_with = crate::schema::wan)]
    pub funds_wan: String,
    #[serde(default)]
    #[schema(schema_with = crate::schema::integer)]
    pub people: String,
    /// 2026-01-01
    #[serde(default)]
    pub term_start: String,
    #[serde(default)]
    pub term_end: String,
}

fn parse_date_field(errors: &mut Vec<FieldError>, field: &str, v: &str) -> Option<NaiveDate> {
    if v.trim().is_empty() {
        return None;
    }
    let d = duijie_domain::date::parse_date(v);
    if d.is_none() {
        errors.push(FieldError::new(field, format!("“{}”不是有效日期，例如 2026-01-01", v.trim())));
    }
    d
}

/// The batch a new pairing or team goes into, by the id the form sent: it must
/// exist and not be published yet (after publication, changes go through an
/// adjustment request); otherwise the reason is put on `batch_id`.
pub(crate) async fn open_batch(state: &Platform, id: &str, errors: &mut Vec<FieldError>) -> Result<Option<Batch>, Error> {
    let batch = match id.trim().parse::<i64>() {
        Ok(id) => pairing::batch(&state.db, id).await?,
        Err(_) => None,
    };
    match &batch {
        None => errors.push(FieldError::new("batch_id", "请选择批次")),
        Some(b) if b.is_published() => errors.push(FieldError::new("batch_id", format!("“{}”名单已发布，新增结对请提交调整申请", b.name))),
        _ => {}
    }
    Ok(batch)
}

/// Checks a proposal for `who` and creates it; field problems come back as
/// `Error::Invalid`. The target and the organisation may be given by name.
pub async fn propose(state: &Platform, who: &Principal, actor: &Actor, input: &ProposeInput) -> Result<i64, Error> {
    let mut input = input.clone();
    let region = Typed::region(&state.db, &state.tree, &mut input.region, &browse_root(who), Level::Village).await;
    let org = Typed::org(state, &mut input.credit_code).await?;
    org.over("credit_code", region.over("region", propose_read(state, who, actor, &input).await))
}

async fn propose_read(state: &Platform, who: &Principal, actor: &Actor, input: &ProposeInput) -> Result<i64, Error> {
    let mut errors = Vec::new();
    let batch = open_batch(state, &input.batch_id, &mut errors).await?;
    let kind = Kind::parse(&input.kind);
    if kind.is_none() {
        errors.push(FieldError::new("kind", "请选择结对类型"));
    }
    let org = if who.role() == Role::Organization {
        match who.org_id() {
            Some(id) => Some(crate::open(duijie_store::orgs::get(&state.db, id).await?, who, Action::ViewOrganization)?),
            None => None,
        }
    } else {
        match Uscc::parse(&input.credit_code) {
            Ok(code) => {
                let o = duijie_store::orgs::by_credit_code(&state.db, code.as_str()).await?.and_then(|o| o.check(who, Action::ViewOrgPublic).ok());
                if o.is_none() {
                    errors.push(FieldError::new("credit_code", "该统一社会信用代码的组织尚未在平台登记"));
                }
                o
            }
            Err(e) => {
                errors.push(FieldError::new("credit_code", if input.credit_code.trim().is_empty() { "请填写社会组织的统一社会信用代码".to_string() } else { e.to_string() }));
                None
            }
        }
    };
    let region = match RegionCode::parse(&input.region) {
        Ok(r) => {
            if let Some(k) = kind
                && r.level() != k.target_level()
            {
                errors.push(FieldError::new("region", format!("{}应填写{}代码（{} 位）", k.label(), k.target_level().label(), k.target_level().code_len())));
            }
            if decide(who, Action::ProposePairing, Target::Region(&r)) != Decision::Allow {
                errors.push(FieldError::new("region", "只能为本单位管辖范围内的地区提出结对"));
            }
            if r.level() <= Level::County && state.tree.get(&r).is_none() {
                errors.push(FieldError::new("region", "没有这个区划代码"));
            }
            Some(r)
        }
        Err(_) if input.region.trim().is_empty() => {
            errors.push(FieldError::new("region", "请填写结对地区的区划代码"));
            None
        }
        Err(e) => {
            errors.push(FieldError::new("region", e.to_string()));
            None
        }
    };
    if !input.fields.trim().is_empty()
        && let Err(m) = duijie_domain::org::parse_fields(&input.fields)
    {
        errors.push(FieldError::new("fields", m));
    }
    let funds_fen = duijie_domain::pairing::parse_wan(&input.funds_wan).unwrap_or_else(|m| {
        errors.push(FieldError::new("funds_wan", m));
        0
    });
    let people = match input.people.trim() {
        "" => 0,
        p => p.parse::<i64>().ok().filter(|n| (0..=100_000).contains(n)).unwrap_or_else(|| {
            errors.push(FieldError::new("people", "派出人数应为 0–100000 的整数"));
            0
        }),
    };
    let term_start = parse_date_field(&mut errors, "term_start", &input.term_start);
    let term_end = parse_date_field(&mut errors, "term_end", &input.term_end);
    if input.commitments.chars().count() > 2000 {
        errors.push(FieldError::new("commitments", "帮扶内容与承诺不能超过 2000 字"));
    }
    let member_id = input.member_id.trim().parse::<i64>().ok();
    if kind == Some(Kind::EnterpriseVillage) && member_id.is_none() {
        errors.push(FieldError::new("member_id", "请选择会员企业：会员企业—村须选定社会组织登记的一家会员企业（先填写或选定社会组织）"));
    }
    if let (Some(b), Some(r)) = (&batch, &region)
        && !b.covers(r)
    {
        errors.push(FieldError::new("batch_id", format!("“{}”是{}的名单，只能包含该地区的结对", b.name, batch_issuer(state, b))));
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let (Some(batch), Some(org)) = (batch, org) else { return Err(Error::NotFound) };
    let is_org = who.role() == Role::Organization;
    let n = NewPairing {
        batch_id: batch.id,
        kind,
        org_id: org.id,
        region,
        target_label: input.target_label.clone(),
        member_id,
        fields: input.fields.clone(),
        commitments: input.commitments.clone(),
        funds_fen,
        people,
        term_start,
        term_end,
        org_consents: is_org,
        // A county bureau proposing for its own county agrees by proposing.
        county_consents: who.role() == Role::RuralRevitalization && who.region().level() == Level::County,
        ..NewPairing::default()
    };
    let mut tx = state.db.begin().await?;
    let id = pairing::propose(&mut tx, actor, &n).await.map_err(form_error)?;
    tx.commit().await?;
    Ok(id)
}

/// What a new batch needs (page form and API body).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct BatchInput {
    /// 第一批
    #[serde(default)]
    pub name: String,
    /// The issuing region: '' / 000000 national, 53 Yunnan; defaults to the caller's.
    #[serde(default)]
    pub region: String,
    /// Document number of the list (文号).
    #[serde(default)]
    pub doc_no: String,
    /// Signing deadline, e.g. 2026-12-31.
    #[serde(default)]
    pub sign_deadline: String,
}

pub async fn create_batch(state: &Platform, who: &Principal, actor: &Actor, input: &BatchInput) -> Result<i64, Error> {
    let mut errors = Vec::new();
    let region = if input.region.trim().is_empty() { Ok(who.region().clone()) } else { RegionCode::parse(&input.region) };
    let region = match region {
        Ok(r) if r.level() > Level::Province => {
            errors.push(FieldError::new("region", "结对名单由省级或国家级印发"));
            None
        }
        Ok(r) => {
            require(decide(who, Action::ManageBatch, Target::Region(&r)))?;
            Some(r)
        }
        Err(e) => {
            errors.push(FieldError::new("region", e.to_string()));
            None
        }
    };
    if input.name.trim().is_empty() {
        errors.push(FieldError::new("name", "请填写批次名称，例如“第一批”"));
    }
    let deadline = duijie_domain::date::parse_date(&input.sign_deadline);
    if deadline.is_none() {
        errors.push(FieldError::new("sign_deadline", "请填写协议签订截止日期，例如 2026-12-31"));
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let (Some(region), Some(sign_deadline)) = (region, deadline) else { return Err(Error::rejected("批次信息不完整")) };
    let b = pairing::NewBatch { name: input.name.trim().to_string(), region, doc_no: input.doc_no.trim().to_string(), sign_deadline, is_demo: false };
    let mut tx = state.db.begin().await?;
    let id = pairing::create_batch(&mut tx, actor, &b).await.map_err(form_error)?;
    tx.commit().await?;
    Ok(id)
}

pub async fn publish_batch(state: &Platform, who: &Principal, actor: &Actor, id: i64) -> Result<(Batch, usize), Error> {
    let b = pairing::batch(&state.db, id).await?.ok_or(Error::NotFound)?;
    require(decide(who, Action::ManageBatch, Target::Region(&b.region())))?;
    let mut tx = state.db.begin().await?;
    let n = pairing::publish_batch(&mut tx, actor, id, duijie_store::now()).await?;
    tx.commit().await?;
    Ok((b, n))
}

/// Parses a target spec for `who`, who must be able to see its region.
pub fn targets_for(who: &Principal, spec: &str) -> Result<Targets, Error> {
    let t = Targets::parse(spec).map_err(|m| Error::field("targets", m))?;
    require(decide(who, Action::ViewCoverage, Target::Region(t.within())))?;
    Ok(t)
}

/// The target set a person starts from: the national key counties of their province or prefecture.
pub fn default_targets(who: &Principal) -> String {
    match who.region().level() {
        Level::National => "national_key".into(),
        Level::Province | Level::Prefecture if who.role() != Role::Organization => format!("national_key:{}", who.region()),
        _ if who.role() == Role::Organization => "national_key".into(),
        _ => format!("national_key:{}", &who.region().as_str()[..4]),
    }
}

/// Coverage of `t` as `who` may see it: pairings on a published list, and
/// those the caller may open (an organisation: its own).
pub async fn coverage(state: &Platform, who: &Principal, t: &Targets) -> Result<Vec<duijie_store::pairing::coverage::CountyCoverage>, Error> {
    let visible = |c: &duijie_store::pairing::coverage::Covering| {
        let (Ok(org_region), Ok(target)) = (RegionCode::try_from(c.org_region.clone()), RegionCode::try_from(c.region_code.clone())) else {
            return false;
        };
        c.listed || decide(who, Action::ViewPairing, Target::Pairing { org_id: c.org_id, org_region: &org_region, target: &target }).is_allowed()
    };
    Ok(duijie_store::pairing::coverage::coverage(&state.db, &state.tree, t, visible).await?)
}

/// The issuing region of a batch as people read it.
pub fn batch_issuer(state: &Platform, b: &Batch) -> String {
    if b.region_code.is_empty() { "全国".into() } else { state.tree.full_name(&b.region()) }
}

/// Sends a draft plan's proposals into an unpublished batch.
pub async fn send_plan(state: &Platform, who: &Principal, actor: &Actor, plan_id: i64, batch_id: i64) -> Result<usize, Error> {
    let plan = crate::open(pairing::plan::get(&state.db, plan_id).await?, who, Action::PlanPairing)?;
    let batch = pairing::batch(&state.db, batch_id).await?.ok_or_else(|| Error::field("batch_id", "批次不存在"))?;
    if batch.is_published() {
        return Err(Error::field("batch_id", format!("“{}”名单已发布，请选择未发布的批次", batch.name)));
    }
    if !batch.covers(&plan.region_code) {
        return Err(Error::field("batch_id", format!("“{}”是{}的名单，不能包含本方案的地区", batch.name, batch_issuer(state, &batch))));
    }
    let mut tx = state.db.begin().await?;
    let n = pairing::plan::send(&mut tx, actor, plan_id, batch_id).await.map_err(form_error)?;
    tx.commit().await?;
    Ok(n)
}
