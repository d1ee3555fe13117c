//! Supervision flags (监管预警): what the rules find in the records, raising
//! and clearing flags, the offices' handling, and the once-a-day claim of the
//! job that runs the rules.
//!
//! Guarantees:
//! - [`findings`] evaluates every rule of `duijie_domain::supervision` in SQL,
//!   one statement per rule; only rows that break a rule leave the database.
//! - [`apply`] raises each finding that has no standing flag and clears each
//!   standing flag whose finding is gone, in one transaction with one audit
//!   row for the run. The partial unique index `supervision_flags_standing`
//!   makes a flag raised twice at once a no-op (`ON CONFLICT DO NOTHING`), so
//!   two runs at once leave the same flags as one.
//! - [`step`] moves a flag forward with an update conditional on the status it
//!   was read with: of two officers closing one flag at once, one wins and the
//!   other is told (`Error::Changed`); the step and its audit row are written
//!   in the same transaction.
//! - [`claim_day`]: of any number of servers, exactly one claims a job for a
//!   day; a claim left unfinished for an hour (its server died) may be taken over.
//! - [`list`] filters by a region subtree over the organisation's registering
//!   region or the region concerned (index ranges, never `LIKE`); its cost
//!   follows what the office sees, not how many flags the country holds.

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx};
use crate::{Error, Result, on_db, on_db_exec, on_tx, on_tx_exec};
use duijie_domain::authz::{self, Action, Decision, Guarded, Principal, Unchecked};
use duijie_domain::supervision::{FAR_ABOVE_PLAN, IDLE_DAYS, RETURNS_FLAGGED, Rule, Status, Step};
use duijie_domain::RegionCode;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// The entity of a flag in the audit trail.
pub const ENTITY: &str = "supervision_flag";

/// A record that breaks a rule, as the daily job found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub entity: &'static str,
    pub entity_id: String,
    pub org_id: Option<i64>,
    pub org_region: Option<String>,
    pub region_code: String,
    /// What was found, in Chinese, as it stood when found.
    pub evidence: String,
}

/// One row of a rule's query: the record, its parties, and what the evidence says.
#[derive(sqlx::FromRow)]
struct Found {
    entity_id: String,
    org_id: Option<i64>,
    org_region: Option<String>,
    region_code: String,
    d1: String,
    d2: String,
    n1: i64,
    n2: i64,
}

/// A Beijing date of an instant.
fn day(at: i64) -> String {
    chrono::DateTime::from_timestamp(at + 8 * 3600, 0).map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

fn wan(fen: i64) -> String {
    format!("{:.2} 万元", fen as f64 / 1_000_000.0)
}

/// Every rule's findings on `today` (Beijing, `YYYY-MM-DD`) at instant `now`.
pub async fn findings(db: &Db, today: &str, now: i64) -> Result<Vec<Finding>> {
    let cutoff = now - IDLE_DAYS * 86_400;
    let mut out = Vec::new();
    let queries: [(Rule, &'static str, &'static str); 6] = [
        (
            Rule::AgreementOverdue,
            "pairing",
            "SELECT CAST(p.id AS TEXT) AS entity_id, p.org_id, p.org_region, p.county_code AS region_code, o.name AS d1, \
             b.name || '（' || b.sign_deadline || '）' AS d2, CAST(0 AS BIGINT) AS n1, CAST(0 AS BIGINT) AS n2 \
             FROM pairings p JOIN pairing_batches b ON b.id = p.batch_id JOIN organizations o ON o.id = p.org_id \
             WHERE p.status IN ('proposed', 'consented') AND b.sign_deadline < $1",
        ),
        (
            Rule::PairingIdle,
            "pairing",
            "SELECT CAST(p.id AS TEXT) AS entity_id, p.org_id, p.org_region, p.county_code AS region_code, o.name AS d1, \
             COALESCE(r.name, p.county_code) AS d2, COALESCE(p.activated_at, p.proposed_at) AS n1, \
             COALESCE((SELECT MAX(pr.updated_at) FROM projects pr WHERE pr.org_id = p.org_id AND substr(pr.region_code, 1, 6) = p.county_code), 0) AS n2 \
             FROM pairings p JOIN organizations o ON o.id = p.org_id LEFT JOIN regions r ON r.code = p.county_code \
             WHERE p.status = 'active' AND COALESCE(p.activated_at, p.proposed_at) < $1 \
             AND NOT EXISTS (SELECT 1 FROM projects pr WHERE pr.org_id = p.org_id AND substr(pr.region_code, 1, 6) = p.county_code AND pr.updated_at >= $1)",
        ),
        (
            Rule::ListedStillActive,
            "organization",
            "SELECT CAST(o.id AS TEXT) AS entity_id, o.id AS org_id, o.region_code AS org_region, o.region_code, o.name AS d1, o.credit_list AS d2, \
             (SELECT COUNT(*) FROM pairings p WHERE p.org_id = o.id AND p.status = 'active') AS n1, \
             (SELECT COUNT(*) FROM matches m WHERE m.org_id = o.id AND m.status = 'pending') AS n2 \
             FROM organizations o WHERE o.credit_list <> '' \
             AND (EXISTS (SELECT 1 FROM pairings p WHERE p.org_id = o.id AND p.status = 'active') \
                  OR EXISTS (SELECT 1 FROM matches m WHERE m.org_id = o.id AND m.status = 'pending'))",
        ),
        (
            Rule::ProjectFigures,
            "project",
            "SELECT CAST(p.id AS TEXT) AS entity_id, p.org_id, o.region_code AS org_region, p.region_code, p.title AS d1, \
             CASE WHEN EXISTS (SELECT 1 FROM project_files f WHERE f.project_id = p.id) THEN 'files' ELSE '' END AS d2, \
             p.actual_funds_fen AS n1, p.funds_fen AS n2 \
             FROM projects p JOIN organizations o ON o.id = p.org_id \
             WHERE p.status <> 'stopped' AND p.started_at IS NOT NULL AND ( \
               ((p.actual_funds_fen > 0 OR p.beneficiaries > 0) AND NOT EXISTS (SELECT 1 FROM project_files f WHERE f.project_id = p.id)) \
               OR (p.funds_fen > 0 AND p.actual_funds_fen > $1 * p.funds_fen))",
        ),
        (
            Rule::ReportOverdue,
            "report_unit",
            "SELECT CAST(u.report_id AS TEXT) || ':' || u.unit_code AS entity_id, CAST(NULL AS BIGINT) AS org_id, CAST(NULL AS TEXT) AS org_region, \
             u.unit_code AS region_code, r.title AS d1, r.due_on AS d2, \
             CAST(CASE WHEN u.status IN ('pending', 'returned') AND r.due_on < $1 THEN 1 ELSE 0 END AS BIGINT) AS n1, \
             (SELECT COUNT(*) FROM report_steps s WHERE s.report_id = u.report_id AND s.unit_code = u.unit_code AND s.step = 'return') AS n2 \
             FROM report_units u JOIN reports r ON r.id = u.report_id \
             WHERE u.status <> 'approved' AND ((u.status IN ('pending', 'returned') AND r.due_on < $1) \
               OR (SELECT COUNT(*) FROM report_steps s WHERE s.report_id = u.report_id AND s.unit_code = u.unit_code AND s.step = 'return') >= $2)",
        ),
        (
            Rule::ComplaintOverdue,
            "complaint",
            "SELECT CAST(c.id AS TEXT) AS entity_id, c.org_id, o.region_code AS org_region, c.office_code AS region_code, c.org_name AS d1, \
             c.category || ':' || c.due_on AS d2, CAST(0 AS BIGINT) AS n1, CAST(0 AS BIGINT) AS n2 \
             FROM complaints c LEFT JOIN organizations o ON o.id = c.org_id \
             WHERE c.status IN ('received', 'investigating', 'awaiting_answer') AND c.due_on < $1",
        ),
    ];
    for (rule, entity, sql) in queries {
        // Each statement binds only what it uses (PostgreSQL refuses extra parameters).
        let rows: Vec<Found> = on_db!(db, p => {
            let q = sqlx::query_as(sql);
            match rule {
                Rule::AgreementOverdue => q.bind(today),
                Rule::PairingIdle => q.bind(cutoff),
                Rule::ListedStillActive => q,
                Rule::ProjectFigures => q.bind(FAR_ABOVE_PLAN),
                Rule::ReportOverdue => q.bind(today).bind(RETURNS_FLAGGED),
                Rule::ComplaintOverdue => q.bind(today),
            }
            .fetch_all(p)
            .await
        })?;
        out.extend(rows.into_iter().map(|f| {
            let evidence = evidence(rule, &f);
            Finding { rule, entity, entity_id: f.entity_id, org_id: f.org_id, org_region: f.org_region, region_code: f.region_code, evidence }
        }));
    }
    Ok(out)
}

fn evidence(rule: Rule, f: &Found) -> String {
    match rule {
        Rule::AgreementOverdue => format!("{}：结对名单{}签订截止日期已过，协议尚未签订", f.d1, f.d2),
        Rule::PairingIdle => {
            let last = if f.n2 == 0 { "从未在该县建立帮扶项目".to_string() } else { format!("最近一次项目更新在 {}", day(f.n2)) };
            format!("{}与{}的结对自 {} 起生效，{}", f.d1, f.d2, day(f.n1), last)
        }
        Rule::ListedStillActive => {
            let list = duijie_domain::org::CreditList::parse(&f.d2).ok().flatten().map_or(f.d2.clone(), |l| l.label().to_string());
            format!("{}已列入{}，仍有生效结对 {} 个、待确认对接 {} 个", f.d1, list, f.n1, f.n2)
        }
        Rule::ProjectFigures if f.d2.is_empty() => format!("项目“{}”报送资金 {}，没有任何佐证材料", f.d1, wan(f.n1)),
        Rule::ProjectFigures => format!("项目“{}”报送资金 {}，超过计划 {} 的{FAR_ABOVE_PLAN}倍", f.d1, wan(f.n1), wan(f.n2)),
        Rule::ReportOverdue => {
            let mut why = Vec::new();
            if f.n1 == 1 {
                why.push(format!("报送截止日期 {} 已过仍未报送", f.d2));
            }
            if f.n2 >= RETURNS_FLAGGED {
                why.push(format!("已被退回 {} 次", f.n2));
            }
            format!("“{}”：{}", f.d1, why.join("，"))
        }
        Rule::ComplaintOverdue => {
            let (category, due) = f.d2.split_once(':').unwrap_or((&f.d2, ""));
            let category = duijie_domain::complaint::Category::parse(category).map_or(category, |c| c.label());
            format!("对“{}”的投诉举报（{category}）应于 {due} 前办结，仍未作出处理结论", f.d1)
        }
    }
}

/// What a run of the rules changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub raised: usize,
    pub cleared: usize,
    /// Flags standing after the run.
    pub standing: usize,
}

/// Raises what is new, clears what is gone (see the module header).
pub async fn apply(db: &Db, actor: &Actor, found: &[Finding], now: i64) -> Result<Applied> {
    let mut tx = db.begin().await?;
    let standing: Vec<(i64, String, String, String)> =
        on_tx!(&mut tx, c => sqlx::query_as("SELECT id, rule, entity, entity_id FROM supervision_flags WHERE cleared_at IS NULL").fetch_all(c).await)?;
    let keys: HashSet<(&str, &str, &str)> = found.iter().map(|f| (f.rule.as_str(), f.entity, f.entity_id.as_str())).collect();
    let held: HashMap<(&str, &str, &str), i64> = standing.iter().map(|(id, r, e, i)| ((r.as_str(), e.as_str(), i.as_str()), *id)).collect();
    let mut applied = Applied { raised: 0, cleared: 0, standing: 0 };
    let insert = "INSERT INTO supervision_flags (rule, entity, entity_id, org_id, org_region, region_code, evidence, raised_at, updated_at) \
                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (rule, entity, entity_id) WHERE cleared_at IS NULL DO NOTHING";
    for f in found {
        if held.contains_key(&(f.rule.as_str(), f.entity, f.entity_id.as_str())) {
            continue;
        }
        applied.raised += on_tx_exec!(&mut tx, c => sqlx::query(insert).bind(f.rule.as_str()).bind(f.entity).bind(&f.entity_id).bind(f.org_id)
            .bind(&f.org_region).bind(&f.region_code).bind(&f.evidence).bind(now).execute(c).await)? as usize;
    }
    let clear = "UPDATE supervision_flags SET cleared_at = $1, updated_at = $1 WHERE id = $2 AND cleared_at IS NULL";
    for (key, id) in &held {
        if !keys.contains(key) {
            applied.cleared += on_tx_exec!(&mut tx, c => sqlx::query(clear).bind(now).bind(id).execute(c).await)? as usize;
        }
    }
    applied.standing = on_tx!(&mut tx, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM supervision_flags WHERE cleared_at IS NULL").fetch_one(c).await)? as usize;
    if applied.raised + applied.cleared > 0 {
        let after = serde_json::to_value(applied).map_err(|e| Error::Invalid(e.to_string()))?;
        audit::append(&mut tx, actor, Change { region: "", action: "supervision_flag.run", entity: ENTITY, entity_id: "", before: None, after: Some(after) }).await?;
    }
    tx.commit().await?;
    Ok(applied)
}

/// Claims `job` for `day` (see the module header): true for exactly one caller.
pub async fn claim_day(db: &Db, job: &str, day: &str, now: i64) -> Result<bool> {
    on_db_exec!(db, p => sqlx::query("INSERT INTO daily_jobs (name, day, claimed_at) VALUES ($1, '', 0) ON CONFLICT (name) DO NOTHING").bind(job).execute(p).await)?;
    let sql = "UPDATE daily_jobs SET day = $2, claimed_at = $3, finished_at = NULL \
               WHERE name = $1 AND (day < $2 OR (day = $2 AND finished_at IS NULL AND claimed_at < $4))";
    Ok(on_db_exec!(db, p => sqlx::query(sql).bind(job).bind(day).bind(now).bind(now - 3600).execute(p).await)? == 1)
}

/// Marks the claimed run of `job` for `day` done.
pub async fn finish_day(db: &Db, job: &str, day: &str, now: i64) -> Result<()> {
    on_db_exec!(db, p => sqlx::query("UPDATE daily_jobs SET finished_at = $3 WHERE name = $1 AND day = $2").bind(job).bind(day).bind(now).execute(p).await)?;
    Ok(())
}

/// A flag as stored, with the organisation's name.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Flag {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub rule: Rule,
    pub entity: String,
    pub entity_id: String,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub org_region: Option<String>,
    #[sqlx(try_from = "String")]
    #[serde(serialize_with = "code_text")]
    pub region_code: RegionCode,
    pub evidence: String,
    pub raised_at: i64,
    pub cleared_at: Option<i64>,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub updated_at: i64,
}

fn code_text<S: serde::Serializer>(c: &RegionCode, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(c.as_str())
}

impl Guarded for Flag {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        let org_region = self.org_region.as_deref().and_then(|r| RegionCode::parse(r).ok());
        authz::decide(who, action, authz::Target::Flag { org_region: org_region.as_ref(), region: &self.region_code })
    }
}

const FLAG: &str = "SELECT f.id, f.rule, f.entity, f.entity_id, f.org_id, o.name AS org_name, f.org_region, f.region_code, f.evidence, \
    f.raised_at, f.cleared_at, f.status, f.updated_at FROM supervision_flags f LEFT JOIN organizations o ON o.id = f.org_id";

/// One flag by id, to be opened by a decision.
pub async fn get(db: &Db, id: i64) -> Result<Option<Unchecked<Flag>>> {
    let sql = sqlx::AssertSqlSafe(format!("{FLAG} WHERE f.id = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

/// Which flags a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filter {
    pub rule: Option<Rule>,
    /// Also flags that cleared or were closed (the history).
    pub all: bool,
}

/// The flags over `region`'s subtree (by the organisation's registering
/// region or the region concerned), newest (highest id) first, at most
/// `limit`. The ids are found first and only those rows are read: for a
/// county or prefecture from each region column's index range (a small share
/// of all flags), for a province or the country by walking the newest flags
/// (a large share: the first `limit` matches come soon); either way the cost
/// follows what the office sees, not how many flags the country holds.
pub async fn list(db: &Db, region: &RegionCode, filter: Filter, limit: i64) -> Result<Vec<Flag>> {
    let [low, high] = crate::subtree(region);
    let standing = if filter.all { "" } else { " AND cleared_at IS NULL AND status <> 'closed'" };
    let ids = if region.level() <= duijie_domain::Level::Province {
        // `|| ''` keeps the planner off the region indexes: the newest flags are walked.
        format!(
            "SELECT id FROM supervision_flags WHERE (((region_code || '') >= $1 AND (region_code || '') < $2) \
             OR ((org_region || '') >= $1 AND (org_region || '') < $2)){standing} AND ($4 = '' OR rule = $4) ORDER BY id DESC LIMIT $3"
        )
    } else {
        let branch = |column: &str| {
            format!("SELECT * FROM (SELECT id FROM supervision_flags WHERE {column} >= $1 AND {column} < $2{standing} AND ($4 = '' OR rule = $4) ORDER BY id DESC LIMIT $3) AS {column}s")
        };
        format!("SELECT id FROM ({} UNION {}) AS newest ORDER BY id DESC LIMIT $3", branch("region_code"), branch("org_region"))
    };
    let sql = sqlx::AssertSqlSafe(format!("{FLAG} WHERE f.id IN ({ids}) ORDER BY f.id DESC"));
    let rule = filter.rule.map(Rule::as_str).unwrap_or("");
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(&low).bind(&high).bind(limit).bind(rule).fetch_all(p).await)?)
}

/// One step of a flag's handling.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct FlagStep {
    #[sqlx(try_from = "String")]
    pub step: Step,
    pub note: String,
    pub actor: String,
    pub unit: String,
    pub at: i64,
}

/// A flag's handling, oldest first.
pub async fn steps(db: &Db, flag_id: i64) -> Result<Vec<FlagStep>> {
    let sql = "SELECT step, note, actor, unit, at FROM supervision_flag_steps WHERE flag_id = $1 ORDER BY id";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(flag_id).fetch_all(p).await)?)
}

/// Takes `step` on `flag` (as read by the caller; see the module header).
pub async fn step(tx: &mut Tx, actor: &Actor, flag: &Flag, step: Step, note: &str) -> Result<Status> {
    let to = flag.status.after(step).map_err(|why| Error::changed(why, flag.status.as_str(), flag.status.label()))?;
    let now = crate::now();
    let sql = "UPDATE supervision_flags SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4";
    let n = on_tx_exec!(tx, c => sqlx::query(sql).bind(to.as_str()).bind(now).bind(flag.id).bind(flag.status.as_str()).execute(c).await)?;
    if n == 0 {
        let current: String = on_tx!(tx, c => sqlx::query_scalar("SELECT status FROM supervision_flags WHERE id = $1").bind(flag.id).fetch_one(c).await)?;
        let label = Status::parse(&current).map_or("", Status::label);
        return Err(Error::changed(crate::CHANGED_BY_OTHERS, &current, label));
    }
    let sql = "INSERT INTO supervision_flag_steps (flag_id, step, note, actor, unit, at) VALUES ($1, $2, $3, $4, $5, $6)";
    on_tx_exec!(tx, c => sqlx::query(sql).bind(flag.id).bind(step.as_str()).bind(note).bind(&actor.name).bind(&actor.unit).bind(now).execute(c).await)?;
    let after = serde_json::json!({"status": to.as_str(), "note": note, "rule": flag.rule.as_str(), "entity": flag.entity, "entity_id": flag.entity_id});
    audit::append(tx, actor, Change {
        region: flag.region_code.as_str(),
        action: match step {
            Step::Acknowledge => "supervision_flag.acknowledge",
            Step::Note => "supervision_flag.note",
            Step::Close => "supervision_flag.close",
        },
        entity: ENTITY,
        entity_id: &flag.id.to_string(),
        before: Some(serde_json::json!({"status": flag.status.as_str()})),
        after: Some(after),
    })
    .await?;
    Ok(to)
}
