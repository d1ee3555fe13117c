//! Demo data: officers at several levels and organisations with users, over the
//! real region tree, every record labelled 演示 and flagged `is_demo`.
//!
//! Guarantees: loads only once per database (`meta.demo_loaded`, and
//! `meta.demo_pairing_loaded` for the pairing part, so that a database made
//! before pairing existed gets it too, and likewise `demo_demand_loaded` and
//! `demo_project_loaded`); every record is created through the
//! same audited functions the application uses.

use crate::audit::Actor;
use crate::db::Db;
use crate::orgs::{self, NewOrganization};
use crate::users::{self, NewUser};
use crate::{Error, Result};
use duijie_domain::{OrgType, RegionCode, Role, Uscc, crypto::hash_password};
use duijie_domain::org::{Approval, OrgStatus};
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
    if db.meta("demo_loaded").await?.is_none() {
        load_core(db).await?;
    }
    if db.meta("demo_pairing_loaded").await?.is_none() {
        load_pairing(db).await?;
    }
    if db.meta("demo_demand_loaded").await?.is_none() {
        load_demands(db).await?;
    }
    if db.meta("demo_project_loaded").await?.is_none() {
        load_projects(db).await?;
    }
    Ok(accounts)
}

/// Officers, organisations and their users.
async fn load_core(db: &Db) -> Result<()> {
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
            status: OrgStatus::Active,
            ..Default::default()
        };
        let new = NewOrganization { credit_code: code, org_type: *org_type, region, profile, approval: Approval::Approved, is_demo: true, provenance: "演示数据".into() };
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
    Ok(())
}

/// Organisations without accounts that are willing to pair (they make a plan worth having).
/// No name or field holds 教育, which the registry tests search for.
const PAIRING_ORGS: &[(&str, OrgType, &str, &str, &str, &str)] = &[
    ("DJ000005", OrgType::SocialGroup, "530600", "演示·昭通市农业产业协会", "产业、消费", "昭通市农业农村局"),
    ("DJ000006", OrgType::Foundation, "310000", "演示·上海乡村振兴发展基金会", "产业、健康、养老", ""),
    ("DJ000007", OrgType::ServiceInstitution, "530000", "演示·云南省乡村医疗服务中心", "健康、养老", "云南省卫生健康委员会"),
    ("DJ000008", OrgType::SocialGroup, "530000", "演示·云南省电子商务协会", "消费、就业", "云南省商务厅"),
    ("DJ000009", OrgType::Foundation, "320000", "演示·江苏省慈善助困基金会", "特殊群体关爱、健康", ""),
    ("DJ000010", OrgType::SocialGroup, "530100", "演示·昆明市生态环保促进会", "生态、文化", "昆明市生态环境局"),
];

/// (organisation name, capacity, preferred regions)
const INTENTS: &[(&str, i64, &[&str])] = &[
    ("演示·云南省乡村发展促进会", 3, &["53"]),
    ("演示·彝良县助学服务中心", 1, &["5306"]),
    ("演示·江苏省乡村振兴公益基金会", 2, &["53", "45"]),
    ("演示·中华乡村发展公益基金会", 3, &[]),
    ("演示·昭通市农业产业协会", 2, &["5306"]),
    ("演示·上海乡村振兴发展基金会", 3, &["53"]),
    ("演示·云南省乡村医疗服务中心", 2, &["53"]),
    ("演示·云南省电子商务协会", 2, &["53"]),
    ("演示·江苏省慈善助困基金会", 2, &["53"]),
    ("演示·昆明市生态环保促进会", 1, &["5301"]),
];

/// (batch index, organisation name, county, final status: consented / proposed_by_org / active)
const PAIRINGS: &[(usize, &str, &str, &str)] = &[
    (0, "演示·彝良县助学服务中心", "530628", "active"),
    (0, "演示·云南省乡村发展促进会", "530621", "active"),
    (0, "演示·上海乡村振兴发展基金会", "530622", "active"),
    (0, "演示·云南省乡村医疗服务中心", "530381", "active"),
    (1, "演示·昭通市农业产业协会", "530602", "consented"),
    (1, "演示·江苏省乡村振兴公益基金会", "530326", "proposed_by_org"),
    (2, "演示·中华乡村发展公益基金会", "520526", "active"),
    (2, "演示·江苏省乡村振兴公益基金会", "450124", "active"),
];

/// A minimal PDF standing for a signed, stamped agreement scan.
const DEMO_SCAN: &[u8] = b"%PDF-1.4\n% demo scan of a signed agreement\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Pairing demo: willing organisations, county needs, east–west ties (labelled
/// demo), three batches (Yunnan's first, published; Yunnan's second, open, its
/// deadline near; a national one, published) with pairings at every stage.
async fn load_pairing(db: &Db) -> Result<()> {
    use crate::pairing::{self, NewBatch, NewPairing, plan};
    use chrono::NaiveDate;
    use duijie_domain::pairing::{Kind, Step};
    let actor = Actor::system("演示数据");
    let bad = |e: duijie_domain::region::RegionCodeError| Error::Invalid(e.to_string());
    let mut tx = db.begin().await?;
    for (body, org_type, region, name, fields, supervisor) in PAIRING_ORGS {
        let region = RegionCode::parse(region).map_err(bad)?;
        let code = Uscc::complete(&format!("{}{}{}", org_type.code_prefix(), region.padded6(), body)).map_err(|e| Error::Invalid(e.to_string()))?;
        let profile = orgs::OrgProfile {
            name: name.to_string(),
            supervisor: supervisor.to_string(),
            fields: fields.to_string(),
            rating: "3A".into(),
            party_org: true,
            contact_name: "演示联系人".into(),
            contact_phone: "0871-0000000".into(),
            status: OrgStatus::Active,
            ..Default::default()
        };
        orgs::create(&mut tx, &actor, &NewOrganization { credit_code: code, org_type: *org_type, region, profile, approval: Approval::Approved, is_demo: true, provenance: "演示数据".into() }).await?;
    }
    tx.commit().await?;
    let id_of = |all: &[orgs::Organization], name: &str| all.iter().find(|o| o.name == name).map(|o| o.id).ok_or_else(|| Error::Invalid(format!("演示组织缺失：{name}")));
    let all = orgs::all(db).await?;
    let mut tx = db.begin().await?;
    for (name, capacity, prefs) in INTENTS {
        let prefs: Vec<RegionCode> = prefs.iter().map(|p| RegionCode::parse(p)).collect::<std::result::Result<_, _>>().map_err(bad)?;
        plan::set_intent(&mut tx, &actor, id_of(&all, name)?, *capacity, &prefs, "演示数据").await?;
    }
    let need = |pairs: &[(&str, i64)]| pairs.iter().map(|(f, n)| (f.to_string(), *n)).collect::<Vec<_>>();
    plan::set_needs(&mut tx, &actor, &RegionCode::parse("530628").map_err(bad)?, &need(&[("教育", 3), ("健康", 2), ("产业", 2)])).await?;
    plan::set_needs(&mut tx, &actor, &RegionCode::parse("530627").map_err(bad)?, &need(&[("产业", 3), ("就业", 2), ("教育", 2), ("消费", 1)])).await?;
    let source = "演示数据：东西部协作结对关系以正式文件为准，请由管理员按文件录入";
    plan::add_tie(&mut tx, &actor, &RegionCode::parse("31").map_err(bad)?, &RegionCode::parse("53").map_err(bad)?, source, true).await?;
    plan::add_tie(&mut tx, &actor, &RegionCode::parse("32").map_err(bad)?, &RegionCode::parse("61").map_err(bad)?, source, true).await?;
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| Error::Invalid("演示日期无效".into()));
    let batches = [
        NewBatch { name: "第一批（演示）".into(), region: RegionCode::parse("53").map_err(bad)?, doc_no: "云民发〔2023〕123号".into(), sign_deadline: date(2023, 12, 31)?, is_demo: true },
        NewBatch { name: "第二批（演示）".into(), region: RegionCode::parse("53").map_err(bad)?, doc_no: String::new(), sign_deadline: date(2026, 12, 15)?, is_demo: true },
        NewBatch { name: "第一批（演示）".into(), region: RegionCode::national(), doc_no: "民发〔2023〕（演示）".into(), sign_deadline: date(2023, 8, 31)?, is_demo: true },
    ];
    let mut batch_ids = Vec::new();
    for b in &batches {
        batch_ids.push(pairing::create_batch(&mut tx, &actor, b).await?);
    }
    for (batch, name, county, stage) in PAIRINGS {
        let n = NewPairing {
            batch_id: batch_ids[*batch],
            kind: Some(Kind::County),
            org_id: id_of(&all, name)?,
            region: Some(RegionCode::parse(county).map_err(bad)?),
            org_consents: true,
            county_consents: *stage != "proposed_by_org",
            commitments: "演示数据：围绕县里提出的需求开展帮扶".into(),
            provenance: "演示数据".into(),
            is_demo: true,
            ..NewPairing::default()
        };
        let id = pairing::propose(&mut tx, &actor, &n).await?;
        if *stage == "active" {
            pairing::attach_signed(&mut tx, &actor, id, "结对帮扶协议（演示扫描件）.pdf", "application/pdf", DEMO_SCAN).await?;
            pairing::step(&mut tx, &actor, id, Step::Activate, "演示数据").await?;
        }
    }
    // Published lists, at the dates the real ones would have been.
    let at = |y, m, d| date(y, m, d).map(|d| crate::pairing::start_of_day(d) + 10 * 3600);
    pairing::publish_batch(&mut tx, &actor, batch_ids[0], at(2023, 11, 10)?).await?;
    pairing::publish_batch(&mut tx, &actor, batch_ids[2], at(2023, 6, 20)?).await?;
    tx.set_meta("demo_pairing_loaded", "1").await?;
    tx.commit().await?;
    Ok(())
}

/// (title, field, region, target, groups, beneficiaries, 万元, mode, urgency, deadline, published on, taken by, is a wish)
/// — one row of a table, read as one.
#[allow(clippy::type_complexity)]
type DemoDemand = (&'static str, &'static str, &'static str, &'static str, &'static str, i64, &'static str, &'static str, i64, &'static str, Option<&'static str>, Option<&'static str>, bool);

const DEMANDS: &[DemoDemand] = &[
    ("洛泽河镇留守儿童课后托管服务", "教育", "530628102", "township", "三留守人员", 120, "8", "capacity", 2, "2026-12-31", Some("2026-03-15"), Some("演示·彝良县助学服务中心"), false),
    ("海子镇高山冷凉蔬菜冷链仓储", "产业", "530628104", "township", "脱贫人口", 300, "45", "capacity", 2, "2027-03-31", Some("2026-05-10"), None, false),
    ("龙安镇独居老人助餐点", "养老", "530628106", "township", "特困人员", 40, "6", "relief", 3, "2026-12-20", Some("2026-08-01"), None, false),
    ("县城电商直播就业技能培训", "就业", "530628", "county", "脱贫人口", 200, "12", "capacity", 1, "2027-06-30", None, None, false),
    ("牛街镇乡村医生适宜技术培训", "健康", "530628103", "township", "农村低收入人口", 90, "7.5", "capacity", 2, "2027-05-31", None, None, false),
    ("芒部镇天麻种植技术指导", "产业", "530627108", "township", "脱贫人口", 500, "20", "capacity", 2, "2027-02-28", Some("2026-02-20"), Some("演示·昭通市农业产业协会"), false),
    ("以勒镇残疾人康复辅具适配", "特殊群体关爱", "530627106", "township", "残疾人", 60, "9", "relief", 3, "2027-01-31", Some("2026-06-18"), None, false),
    ("罗坎镇村级文化活动室设备", "文化", "530627110", "township", "农村低收入人口", 800, "5", "relief", 1, "2027-06-30", Some("2025-12-01"), None, false),
    ("海边街道易地搬迁社区就业服务站", "就业", "520526001", "township", "脱贫人口", 350, "15", "capacity", 2, "2027-04-30", Some("2026-04-08"), None, false),
    ("二道白河镇人参产业电商销售", "消费", "222426102", "township", "脱贫人口", 150, "10", "capacity", 1, "2027-03-31", Some("2026-07-01"), None, false),
    ("古零镇村卫生室标准化建设", "健康", "450124103", "township", "农村低收入人口", 2000, "30", "capacity", 2, "2027-01-31", Some("2026-01-15"), Some("演示·江苏省乡村振兴公益基金会"), false),
    ("白山镇留守儿童过冬棉衣", "特殊群体关爱", "450124100", "township", "三留守人员", 25, "0.3", "relief", 3, "2026-12-31", Some("2026-11-01"), None, true),
];

/// (organisation, title, fields, target regions, 万元, people, capacity)
type DemoOffer = (&'static str, &'static str, &'static str, &'static [&'static str], &'static str, i64, i64);

const OFFERS: &[DemoOffer] = &[
    ("演示·彝良县助学服务中心", "乡村学校课后托管与心理关爱", "教育、特殊群体关爱", &["5306"], "20", 8, 3),
    ("演示·云南省乡村发展促进会", "高原特色农产品产销对接", "产业、消费", &["53"], "50", 5, 5),
    ("演示·江苏省乡村振兴公益基金会", "东西部协作乡村医生能力提升", "健康、教育", &["53", "45", "61"], "40", 10, 4),
    ("演示·上海乡村振兴发展基金会", "沪滇协作老年助餐", "养老、健康", &["53"], "30", 4, 2),
    ("演示·中华乡村发展公益基金会", "乡村儿童营养改善", "教育、健康", &[], "100", 6, 10),
];

/// Demand and supply demo: demands of several provinces at every stage
/// (published on past dates so that the success rate has something to show),
/// offers of five organisations, and three confirmed matches.
async fn load_demands(db: &Db) -> Result<()> {
    use crate::demand::{self, NewDemand, matching, supply};
    use chrono::NaiveDate;
    use duijie_domain::demand::{Step, Target};
    let bad = |e: duijie_domain::region::RegionCodeError| Error::Invalid(e.to_string());
    let all = orgs::all(db).await?;
    let org = |name: &str| all.iter().find(|o| o.name == name).cloned().ok_or_else(|| Error::Invalid(format!("演示组织缺失：{name}")));
    let mut tx = db.begin().await?;
    for (name, title, fields, regions, wan, people, capacity) in OFFERS {
        let o = org(name)?;
        let n = supply::NewOffer {
            org_id: o.id,
            title: title.to_string(),
            description: "演示数据：组织可提供的帮扶项目".into(),
            fields: fields.to_string(),
            target_regions: regions.iter().map(|r| r.to_string()).collect(),
            funds_fen: duijie_domain::pairing::parse_wan(wan).map_err(Error::Invalid)?,
            people: *people,
            period_start: "2026-01-01".into(),
            period_end: "2027-12-31".into(),
            capacity: *capacity,
            is_demo: true,
        };
        supply::create(&mut tx, &Actor { user_id: None, name: "演示数据".into(), unit: format!("{name}（演示）") }, &n).await?;
    }
    for (title, field, region, target, groups, count, wan, mode, urgency, deadline, published, taken_by, wish) in DEMANDS {
        let region = RegionCode::parse(region).map_err(bad)?;
        let county: String = region.as_str().chars().take(6).collect();
        let unit = RegionCode::parse(&county).map_err(bad)?;
        let bureau = Actor { user_id: None, name: "演示数据".into(), unit: "县乡村振兴局（演示）".into() };
        let n = NewDemand {
            title: title.to_string(),
            description: format!("演示数据：{title}。由县乡村振兴局经入户走访、村两委摸底后提出。"),
            field: field.to_string(),
            target: Target::parse(target).unwrap_or(Target::County),
            region,
            beneficiary_group: groups.to_string(),
            beneficiary_count: *count,
            funds_fen: duijie_domain::pairing::parse_wan(wan).map_err(Error::Invalid)?,
            mode: mode.to_string(),
            urgency: *urgency,
            deadline: NaiveDate::parse_from_str(deadline, "%Y-%m-%d").ok(),
            is_wish: *wish,
            contact_name: "演示联系人".into(),
            contact_phone: "0870-0000000".into(),
            household: None,
            unit_region: unit,
            provenance: "演示数据".into(),
            is_demo: true,
        };
        let published = published.and_then(|p| NaiveDate::parse_from_str(p, "%Y-%m-%d").ok()).map(|day| crate::pairing::start_of_day(day) + 9 * 3600);
        // Recorded an hour before it was submitted, so that its history reads in order.
        let id = demand::create_at(&mut tx, &bureau, &n, published.map_or_else(crate::now, |at| at - 3600)).await?;
        let Some(at) = published else {
            if *title == "牛街镇乡村医生适宜技术培训" {
                demand::step(&mut tx, &bureau, id, Step::Submit, "", crate::now()).await?;
            }
            continue;
        };
        demand::step(&mut tx, &bureau, id, Step::Submit, "", at).await?;
        let approver = Actor { user_id: None, name: "演示数据".into(), unit: "县民政局（演示）".into() };
        demand::step(&mut tx, &approver, id, Step::Approve, "", at + 3600).await?;
        if let Some(name) = taken_by {
            let o = org(name)?;
            let p = matching::Proposal { demand_id: id, org_id: o.id, note: "演示数据：愿意承接".into(), ..Default::default() };
            let m = matching::propose(&mut tx, &Actor { user_id: None, name: "演示数据".into(), unit: format!("{name}（演示）") }, duijie_domain::Role::Organization, &p).await?;
            matching::confirm(&mut tx, &bureau, m).await?;
        }
    }
    tx.set_meta("demo_demand_loaded", "1").await?;
    tx.commit().await?;
    Ok(())
}

/// (title, helped region, nature, field, planned 万元, under its pairing, progress: (date, note, 万元 so far, people, beneficiaries))
#[allow(clippy::type_complexity)]
type DemoProject = (&'static str, &'static str, &'static str, &'static str, &'static str, bool, Option<(&'static str, &'static str, &'static str, i64, i64)>);

/// Projects of 演示·江苏省乡村振兴公益基金会, as a Jiangsu organisation fills 附件2: in the
/// province, out of it, and under its pairing with 马山县. None is done, so the
/// recommendations' record of delivered projects is unchanged.
const PROJECTS: &[DemoProject] = &[
    ("泗阳县特色果蔬产业帮扶", "321323", "产业帮扶", "产业", "20", false, Some(("2026-05-20", "完成 3 个村的种苗发放和技术培训", "8", 6, 180))),
    ("马山县村卫生室设备捐赠", "450124", "医疗卫生帮扶", "健康", "30", true, Some(("2026-06-10", "首批 10 个村卫生室设备到位", "12.5", 4, 2600))),
    ("略阳县留守儿童助学金", "610727", "教育帮扶", "教育", "5", false, None),
];

/// The demo organisation's projects, with progress where work has begun.
async fn load_projects(db: &Db) -> Result<()> {
    use crate::projects::{self, Recorded};
    use duijie_domain::project::{NewProgress, NewProject, Source};
    let name = "演示·江苏省乡村振兴公益基金会";
    let org = orgs::all(db).await?.into_iter().find(|o| o.name == name).ok_or_else(|| Error::Invalid(format!("演示组织缺失：{name}")))?;
    let actor = Actor { user_id: None, name: "演示数据".into(), unit: format!("{name}（演示）") };
    let mut tx = db.begin().await?;
    for (title, region, nature, field, wan, paired, progress) in PROJECTS {
        let region = RegionCode::parse(region).map_err(|e| Error::Invalid(e.to_string()))?;
        let pairing_id = if *paired {
            let sql = "SELECT MIN(id) FROM pairings WHERE org_id = $1 AND region_code = $2 AND status = 'active'";
            crate::on_tx!(&mut tx, c => sqlx::query_scalar::<_, Option<i64>>(sql).bind(org.id).bind(region.as_str()).fetch_one(c).await)?
        } else {
            None
        };
        let project = NewProject {
            title: title.to_string(),
            region,
            nature: nature.to_string(),
            field: field.to_string(),
            mode: "capacity".into(),
            planned_funds_fen: duijie_domain::pairing::parse_wan(wan).map_err(Error::Invalid)?,
            actual_funds_fen: 0,
            people: 0,
            beneficiaries: 0,
            beneficiary_groups: "脱贫人口".into(),
            start_date: "2026-03-01".into(),
            end_date: "2026-12-31".into(),
            description: format!("演示数据：{title}"),
        };
        let source = if pairing_id.is_some() { Source::Pairing } else { Source::Direct };
        let id = projects::create(&mut tx, &actor, &Recorded { org_id: org.id, source, pairing_id, action_id: None, project, is_demo: true }).await?;
        if let Some((on, note, so_far, people, beneficiaries)) = progress {
            let p = NewProgress { on: on.to_string(), note: note.to_string(), funds_fen: Some(duijie_domain::pairing::parse_wan(so_far).map_err(Error::Invalid)?), people: Some(*people), beneficiaries: Some(*beneficiaries) };
            projects::add_progress(&mut tx, &actor, id, &p, &[]).await?;
        }
    }
    tx.set_meta("demo_project_loaded", "1").await?;
    tx.commit().await?;
    Ok(())
}
