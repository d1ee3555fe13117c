//! Demo data: officers at several levels and organisations with users, over the
//! real region tree, every record labelled 演示 and flagged `is_demo`.
//!
//! Guarantees: loads only once per database (`meta.demo_loaded`); every record is
//! created through the same audited functions the application uses.

use crate::audit::Actor;
use crate::db::Db;
use crate::orgs::{self, NewOrganization};
use crate::users::{self, NewUser};
use crate::{Error, Result};
use duijie_domain::{OrgType, RegionCode, Role, Uscc, crypto::hash_password};
use serde::Serialize;

/// The password of every demo account (demo only; change or delete them in production).
pub const DEMO_PASSWORD: &str = "Duijie2026";

/// A demo login as printed by `duijie serve --demo` and listed in the README.
#[derive(Debug, Clone, Serialize)]
pub struct DemoAccount {
    pub username: String,
    pub role: String,
    pub region: String,
    pub unit: String,
}

/// (organisation code body, type, registering region, name, fields, supervising unit)
const ORGS: &[(&str, OrgType, &str, &str, &str, &str)] = &[
    ("DJ000001", OrgType::SocialGroup, "530000", "演示·云南省乡村发展促进会", "产业、就业、消费", "云南省农业农村厅"),
    ("DJ000002", OrgType::ServiceInstitution, "530628", "演示·彝良县助学服务中心", "教育、特殊群体关爱", "彝良县教育体育局"),
    ("DJ000003", OrgType::Foundation, "320000", "演示·江苏省乡村振兴公益基金会", "产业、教育、健康", ""),
    ("DJ000004", OrgType::Foundation, "000000", "演示·中华乡村发展公益基金会", "教育、健康、养老", "国家乡村振兴局"),
];

/// (username, role, region, display name, organisation index)
const USERS: &[(&str, Role, &str, &str, Option<usize>)] = &[
    ("admin", Role::Admin, "000000", "平台管理员（演示）", None),
    ("yn_mz", Role::CivilAffairs, "53", "云南省民政厅·张敏（演示）", None),
    ("yn_xz", Role::RuralRevitalization, "53", "云南省乡村振兴局·李强（演示）", None),
    ("zt_mz", Role::CivilAffairs, "5306", "昭通市民政局·王芳（演示）", None),
    ("yl_xz", Role::RuralRevitalization, "530628", "彝良县乡村振兴局·赵磊（演示）", None),
    ("yl_mz", Role::CivilAffairs, "530628", "彝良县民政局·陈静（演示）", None),
    ("zx_xz", Role::RuralRevitalization, "530627", "镇雄县乡村振兴局·刘洋（演示）", None),
    ("gz_xz", Role::RuralRevitalization, "52", "贵州省乡村振兴局·杨帆（演示）", None),
    ("js_mz", Role::CivilAffairs, "32", "江苏省民政厅·周婷（演示）", None),
    ("jl_mz", Role::CivilAffairs, "22", "吉林省民政厅·孙浩（演示）", None),
    ("org_yn", Role::Organization, "53", "云南省乡村发展促进会·秘书处（演示）", Some(0)),
    ("org_yl", Role::Organization, "530628", "彝良县助学服务中心·秘书处（演示）", Some(1)),
    ("org_js", Role::Organization, "32", "江苏省乡村振兴公益基金会·秘书处（演示）", Some(2)),
    ("org_cn", Role::Organization, "000000", "中华乡村发展公益基金会·秘书处（演示）", Some(3)),
];

/// Loads the demo data unless this database already has it. Returns the accounts.
pub async fn ensure_loaded(db: &Db) -> Result<Vec<DemoAccount>> {
    let accounts = USERS
        .iter()
        .map(|(u, role, region, name, _)| DemoAccount {
            username: u.to_string(),
            role: role.as_str().into(),
            region: region.to_string(),
            unit: name.to_string(),
        })
        .collect();
    if db.meta("demo_loaded").await?.is_some() {
        return Ok(accounts);
    }
    let actor = Actor::system("演示数据");
    let hash = tokio::task::spawn_blocking(|| hash_password(DEMO_PASSWORD)).await.map_err(|e| Error::Invalid(e.to_string()))?;
    let mut tx = db.begin().await?;
    let mut org_ids = Vec::new();
    for (body, org_type, region, name, fields, supervisor) in ORGS {
        let region = RegionCode::parse(region).map_err(|e| Error::Invalid(e.to_string()))?;
        // National registrations carry 100000 (中华人民共和国) in the credit code.
        let region6 = if region.as_str().is_empty() { "100000".to_string() } else { region.padded6() };
        let first16 = format!("{}{}{}", org_type.code_prefix(), region6, body);
        let code = Uscc::complete(&first16).map_err(|e| Error::Invalid(e.to_string()))?;
        let profile = orgs::OrgProfile {
            name: name.to_string(),
            supervisor: supervisor.to_string(),
            fields: fields.to_string(),
            rating: "4A".into(),
            party_org: true,
            contact_name: "演示联系人".into(),
            contact_phone: "0870-0000000".into(),
            status: "active".into(),
            ..Default::default()
        };
        let new = NewOrganization { credit_code: code, org_type: *org_type, region, profile, approval: "approved", is_demo: true, provenance: "演示数据".into() };
        org_ids.push(orgs::create(&mut tx, &actor, &new).await?);
    }
    for (username, role, region, name, org) in USERS {
        let region = RegionCode::parse(region).map_err(|e| Error::Invalid(e.to_string()))?;
        let new = NewUser {
            username: username.to_string(),
            display_name: name.to_string(),
            role: *role,
            region,
            org_id: org.map(|i| org_ids[i]),
            password_hash: hash.clone(),
            is_demo: true,
        };
        users::create(&mut tx, &actor, &new).await?;
    }
    tx.set_meta("demo_loaded", "1").await?;
    tx.commit().await?;
    Ok(accounts)
}
