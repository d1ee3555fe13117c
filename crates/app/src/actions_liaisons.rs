//! Special actions (专项行动) with their enrolments, and the liaison officers
//! of prefectures and counties.
//!
//! Guarantees: an organisation user enrols only its own organisation, through
//! `authz::decide(Enrol, …)`, and a store refusal (credit list, unapproved,
//! deregistered, second enrolment) comes back with nothing written; officers
//! see only enrolments of organisations registered in their subtree; a
//! liaison officer is registered only for a prefecture or county that exists
//! and lies where `authz::decide(ManageLiaison, …)` allows, with every bad
//! field named in Chinese.

use crate::Error;
use duijie_domain::authz::{Action as AuthzAction, Target, decide};
use duijie_domain::{Decision, FieldError, Level, Principal, RegionCode, Role};
use duijie_store::actions::{self, Action, Enrolment, EnrolmentForm};
use duijie_store::liaisons::NewLiaison;
use duijie_store::regions::RegionTree;
use duijie_store::{Actor, Db, orgs};

/// Heading of a province's group of actions: 全国性行动, 吉林省, 云南省.
pub fn province_label(tree: &RegionTree, province_code: &str) -> String {
    if province_code.is_empty() {
        return "全国性行动".into();
    }
    match RegionCode::parse(province_code) {
        Ok(c) => tree.full_name(&c),
        Err(_) => province_code.to_string(),
    }
}

/// Full name of a stored region code ('' is 全国).
pub fn region_label(tree: &RegionTree, code: &str) -> String {
    match RegionCode::try_from(code.to_string()) {
        Ok(c) => tree.full_name(&c),
        Err(_) => code.to_string(),
    }
}

/// Checks the enrolment form (报名表); shared by the page and the API.
pub fn check_enrolment(contact_name: &str, contact_title: &str, contact_phone: &str, target_regions: &str, plan: &str) -> Result<EnrolmentForm, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = contact_name.trim();
    if name.is_empty() {
        errors.push(FieldError::new("contact_name", "请填写联系人"));
    } else if name.chars().count() > 30 {
        errors.push(FieldError::new("contact_name", "联系人不能超过 30 字"));
    }
    if contact_title.trim().chars().count() > 30 {
        errors.push(FieldError::new("contact_title", "职务不能超过 30 字"));
    }
    let phone = contact_phone.trim();
    check_phone(&mut errors, "contact_phone", phone);
    if target_regions.trim().chars().count() > 200 {
        errors.push(FieldError::new("target_regions", "拟帮扶地区不能超过 200 字"));
    }
    if plan.trim().chars().count() > 2000 {
        errors.push(FieldError::new("plan", "参与计划不能超过 2000 字"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(EnrolmentForm {
        contact_name: name.into(),
        contact_title: contact_title.trim().into(),
        contact_phone: phone.into(),
        target_regions: target_regions.trim().into(),
        plan: plan.trim().into(),
    })
}

/// A contact phone is required and must look like one.
fn check_phone(errors: &mut Vec<FieldError>, field: &str, phone: &str) {
    if phone.is_empty() {
        errors.push(FieldError::new(field, "请填写联系电话"));
    } else if !duijie_domain::org::is_phone(phone) {
        errors.push(FieldError::new(field, format!("“{phone}”不是有效的电话号码，例如 13800000000 或 0870-1234567")));
    }
}

/// Enrols the caller's own organisation in `action`. Store refusals come back
/// unchanged (`Invalid` for listed/unapproved/deregistered, `Conflict` for a
/// second enrolment) so that each face can show them its own way.
pub async fn enrol_own(db: &Db, who: &Principal, actor: &Actor, action: &Action, form: &EnrolmentForm) -> Result<Result<i64, duijie_store::Error>, Error> {
    let Some(org_id) = who.org_id().filter(|_| who.role() == Role::Organization) else {
        return Err(Error::Forbidden);
    };
    let org = crate::open(orgs::get(db, org_id).await?, who, AuthzAction::Enrol)?;
    let mut tx = db.begin().await?;
    match actions::enrol(&mut tx, actor, &org, action, form).await {
        Ok(id) => {
            tx.commit().await?;
            Ok(Ok(id))
        }
        Err(e @ (duijie_store::Error::Invalid(_) | duijie_store::Error::Conflict(_))) => Ok(Err(e)),
        Err(e) => Err(e.into()),
    }
}

/// The enrolments an officer may see: organisations registered in their subtree.
pub async fn visible_enrolments(db: &Db, who: &Principal, action: Option<i64>) -> Result<Vec<Enrolment>, Error> {
    if decide(who, AuthzAction::ViewEnrolments, Target::Region(who.region())) != Decision::Allow {
        return Err(Error::Forbidden);
    }
    let scope = who.scope();
    let region = scope.region().ok_or(Error::Forbidden)?;
    Ok(actions::in_scope(db, region, action).await?)
}

/// The two departments that name liaison officers, with their labels.
pub const DEPARTMENTS: [(&str, &str); 2] = [("civil_affairs", "民政部门"), ("rural_revitalization", "乡村振兴部门")];

/// Checks a new liaison officer for `who`; shared by the page and the API.
pub fn check_new(tree: &RegionTree, who: &Principal, region: &str, department: &str, name: &str, title: &str, phone: &str) -> Result<NewLiaison, Vec<FieldError>> {
    let mut errors = Vec::new();
    // A name (彝良县, 云南省昭通市彝良县) or a code, as the person types it.
    let parsed = match crate::pairing::parse_regions(tree, region, Level::County) {
        Ok(list) if list.len() > 1 => Err("只能填写一个市（州）或县（市、区）".to_string()),
        Ok(list) => list.into_iter().next().ok_or_else(String::new),
        Err(m) => Err(m),
    };
    let region = match parsed {
        Ok(c) if !matches!(c.level(), Level::Prefecture | Level::County) => {
            errors.push(FieldError::new("region", "联络员只登记到市（州）和县（市、区），请填写 4 位或 6 位区划代码"));
            None
        }
        Ok(c) if tree.get(&c).is_none() => {
            errors.push(FieldError::new("region", "没有这个区划代码"));
            None
        }
        Ok(c) => {
            if decide(who, AuthzAction::ManageLiaison, Target::Region(&c)) != Decision::Allow {
                errors.push(FieldError::new("region", "只能为本单位管辖范围内的市（州）、县（市、区）登记联络员"));
                None
            } else {
                Some(c)
            }
        }
        Err(_) if region.trim().is_empty() => {
            errors.push(FieldError::new("region", "请填写市（州）或县（市、区）的名称或区划代码"));
            None
        }
        Err(e) => {
            errors.push(FieldError::new("region", e));
            None
        }
    };
    if !DEPARTMENTS.iter().any(|(k, _)| *k == department) {
        errors.push(FieldError::new("department", "请选择部门：民政部门或乡村振兴部门"));
    }
    let name = name.trim();
    if name.is_empty() {
        errors.push(FieldError::new("name", "请填写姓名"));
    } else if name.chars().count() > 30 {
        errors.push(FieldError::new("name", "姓名不能超过 30 字"));
    }
    let title = title.trim();
    if title.chars().count() > 30 {
        errors.push(FieldError::new("title", "职务不能超过 30 字"));
    }
    let phone = phone.trim();
    check_phone(&mut errors, "phone", phone);
    match region {
        Some(region) if errors.is_empty() => Ok(NewLiaison { region, department: department.into(), name: name.into(), title: title.into(), phone: phone.into() }),
        _ => Err(errors),
    }
}

/// The region code an organisation looks up: a prefecture, county or township that exists.
pub fn lookup_code(tree: &RegionTree, raw: &str) -> Result<RegionCode, String> {
    let code = RegionCode::parse(raw).map_err(|e| e.to_string())?;
    if matches!(code.level(), Level::National | Level::Province) {
        return Err("请填写市（州）或县（市、区）的区划代码，如 530628".into());
    }
    if tree.get(&code).is_none() {
        return Err("没有这个区划代码".into());
    }
    Ok(code)
}
