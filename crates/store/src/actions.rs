//! Special actions (专项行动) and organisations' enrolment in them.
//!
//! Guarantees: the catalogue is data per province (the national three, Jilin's
//! six and Yunnan's four ship as presets; provinces add their own); an
//! organisation on a credit list cannot enrol (`duijie_domain::org::may_take_new_work`);
//! an organisation enrols in an action once; enrolments are listed by the
//! organisations' region scope; every enrolment is audited.

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx};
use crate::orgs::Organization;
use crate::{Error, Result, on_db, on_tx, on_tx_exec};
use duijie_domain::org::{Approval, OrgStatus};
use serde::Serialize;

/// (province code, key, name, description); '' is national.
pub const PRESETS: &[(&str, &str, &str, &str)] = &[
    ("", "pairing", "结对帮扶行动", "全国性和东部地区社会组织与国家乡村振兴重点帮扶县结对"),
    ("", "brand", "公益品牌行动", "培育社会组织参与乡村振兴公益品牌"),
    ("", "village_tour", "社会组织乡村行", "组织社会组织深入乡村开展对接活动"),
    ("22", "employment", "创业就业", "吉林省：助力农村创业就业"),
    ("22", "talent", "人才培育", "吉林省：培育乡村人才"),
    ("22", "relief", "扶弱济困", "吉林省：帮扶困难群众"),
    ("22", "care", "医护康养", "吉林省：医疗护理与康养服务"),
    ("22", "governance", "社会治理", "吉林省：参与乡村社会治理"),
    ("22", "consumption", "消费帮扶", "吉林省：消费帮扶"),
    ("53", "hundred_counties", "百会结百县", "云南省：百家社会组织与县结对"),
    ("53", "thousand_villages", "百会助千村", "云南省：社会组织帮扶村"),
    ("53", "ten_thousand_households", "百会兴万户", "云南省：社会组织帮扶户"),
    ("53", "party_branches", "双百结对共建", "云南省：社会组织党组织与村党组织结对共建"),
];

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Action {
    pub id: i64,
    pub province_code: String,
    pub key: String,
    pub name: String,
    pub description: String,
    pub sort: i64,
}

/// Inserts the presets that are missing.
pub async fn ensure_presets(tx: &mut Tx) -> Result<()> {
    for (i, (prov, key, name, desc)) in PRESETS.iter().enumerate() {
        let sql = "INSERT INTO actions (province_code, key, name, description, sort) VALUES ($1,$2,$3,$4,$5) \
                   ON CONFLICT (province_code, key) DO NOTHING";
        on_tx_exec!(tx, c => sqlx::query(sql).bind(prov).bind(key).bind(name).bind(desc).bind(i as i64).execute(c).await)?;
    }
    Ok(())
}

/// The whole catalogue, national first, then by province.
pub async fn all(db: &Db) -> Result<Vec<Action>> {
    let sql = "SELECT id, province_code, key, name, description, sort FROM actions ORDER BY province_code, sort, id";
    Ok(on_db!(db, p => sqlx::query_as(sql).fetch_all(p).await)?)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Action>> {
    let sql = "SELECT id, province_code, key, name, description, sort FROM actions WHERE id = $1";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?)
}

/// The fields of the enrolment form (报名表).
#[derive(Debug, Clone, Default, Serialize)]
pub struct EnrolmentForm {
    pub contact_name: String,
    pub contact_title: String,
    pub contact_phone: String,
    /// Regions the organisation intends to help, as written.
    pub target_regions: String,
    /// What it plans to do.
    pub plan: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Enrolment {
    pub id: i64,
    pub org_id: i64,
    pub action_id: i64,
    pub contact_name: String,
    pub contact_title: String,
    pub contact_phone: String,
    pub target_regions: String,
    pub plan: String,
    pub created_by: String,
    pub created_at: i64,
    pub org_name: String,
    pub credit_code: String,
    pub org_region: String,
    pub org_type: String,
    pub action_name: String,
    pub action_province: String,
}

const ENROLMENT: &str = "SELECT e.id, e.org_id, e.action_id, e.contact_name, e.contact_title, e.contact_phone, e.target_regions, \
    e.plan, e.created_by, e.created_at, o.name AS org_name, o.credit_code, o.region_code AS org_region, o.org_type, \
    a.name AS action_name, a.province_code AS action_province \
    FROM enrolments e JOIN organizations o ON o.id = e.org_id JOIN actions a ON a.id = e.action_id";

/// Enrols an organisation; refuses listed organisations and second enrolments.
pub async fn enrol(tx: &mut Tx, actor: &Actor, org: &Organization, action: &Action, f: &EnrolmentForm) -> Result<i64> {
    duijie_domain::org::may_take_new_work(org.credit_list()).map_err(Error::Invalid)?;
    if org.approval != Approval::Approved {
        return Err(Error::Invalid("组织登记尚未审核通过，暂不能报名".into()));
    }
    if org.status != OrgStatus::Active {
        return Err(Error::Invalid("组织已注销，不能报名".into()));
    }
    let sql = "INSERT INTO enrolments (org_id, action_id, contact_name, contact_title, contact_phone, target_regions, plan, created_by, created_at) \
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id";
    let res: std::result::Result<i64, sqlx::Error> = on_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(org.id).bind(action.id).bind(&f.contact_name).bind(&f.contact_title).bind(&f.contact_phone)
        .bind(&f.target_regions).bind(&f.plan).bind(&actor.name).bind(crate::now()).fetch_one(c).await);
    let id = match res.map_err(Error::from) {
        Err(e) if e.is_unique_violation() => return Err(Error::Conflict(format!("已报名“{}”，无需重复报名", action.name))),
        other => other?,
    };
    crate::orgs::touch(tx, org.id).await?;
    audit::append(tx, actor, Change {
        region: org.region_code.as_str(),
        action: "enrolment.create",
        entity: "enrolment",
        entity_id: &id.to_string(),
        before: None,
        after: Some(serde_json::json!({"org_id": org.id, "action": action.name, "form": f})),
    })
    .await?;
    Ok(id)
}

/// Enrolments of organisations registered in `region`'s subtree, optionally of one action.
pub async fn in_scope(db: &Db, region: &duijie_domain::RegionCode, action_id: Option<i64>) -> Result<Vec<Enrolment>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "{ENROLMENT} WHERE {} AND ($3 = 0 OR e.action_id = $3) ORDER BY a.province_code, a.sort, o.region_code, e.id",
        crate::in_subtree("o.region_code", 1)
    ));
    let [low, high] = crate::subtree(region);
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(&low).bind(&high).bind(action_id.unwrap_or(0)).fetch_all(p).await)?)
}

pub async fn of_org(db: &Db, org_id: i64) -> Result<Vec<Enrolment>> {
    let sql = sqlx::AssertSqlSafe(format!("{ENROLMENT} WHERE e.org_id = $1 ORDER BY e.id"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(org_id).fetch_all(p).await)?)
}

/// Action ids each organisation is enrolled in (for search filters).
pub async fn enrolled_actions(db: &Db) -> Result<Vec<(i64, i64)>> {
    let sql = "SELECT org_id, action_id FROM enrolments";
    Ok(on_db!(db, p => sqlx::query_as(sql).fetch_all(p).await)?)
}
