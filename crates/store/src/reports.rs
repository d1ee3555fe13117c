//! The half-year cycle (调度): reports a department collects, the units that
//! fill them, every step of every round, the records a unit's tables are
//! computed from, and the table definitions administrators upload.
//!
//! Guarantees:
//! - Every write appends its audit row in the same transaction.
//! - A unit's report changes state only by compare-and-set on its current
//!   status (`UPDATE … WHERE status = …`, rows affected checked) under the
//!   row's lock: of two approvals (or two submissions) at once exactly one
//!   wins and the other gets `Changed`. Corrections and the narrative are
//!   written only while the report is pending or returned.
//! - The figures a unit submitted are kept with the report and never move
//!   while it is approved: the code writes them only on submission, and the
//!   database's trigger `report_units_locked` refuses any other change.
//! - [`facts`] reads the projects that lie at a unit's own level in one
//!   query: those of its region's subtree (an index range) that belong to no
//!   unit below it that reports; [`org_facts`] an organisation's own.
//! - A unit is a region's offices or one organisation ([`UnitKey`]); the
//!   organisation's unit is told, and is reviewed, like any other, and its
//!   key (`org-ID`) lies outside every region's range, so a region's list
//!   of units never holds an organisation's by accident.

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx};
use crate::inbox::{self, Notice, Recipient};
use crate::{Error, Result, on_db, on_tx, on_tx_exec};
use duijie_domain::authz::{self, Action, Decision, Guarded, Principal, Unchecked};
use duijie_domain::report::{Correction, Fact, NewReport, OrgUnits, Step, TableDef, UnitKey, UnitScope, UnitStatus};
use duijie_domain::{Level, RegionCode};
use serde::Serialize;

/// A report as defined by its collecting department.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Report {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub collector_code: RegionCode,
    pub title: String,
    pub period_from: String,
    pub period_to: String,
    pub due_on: String,
    /// Comma-separated levels that report (`prefecture,county`).
    pub levels: String,
    /// The table definitions as they were when the report was defined (JSON array).
    #[serde(skip)]
    pub tables: String,
    pub created_by: String,
    pub created_at: i64,
}

impl Report {
    pub fn levels(&self) -> Vec<Level> {
        self.levels.split(',').filter_map(Level::parse).collect()
    }

    /// The organisations that report in it, if any.
    pub fn org_units(&self) -> Option<OrgUnits> {
        self.levels.split(',').find_map(OrgUnits::parse)
    }

    /// The report's tables; a stored definition that no longer parses is an error, never skipped.
    pub fn tables(&self) -> Result<Vec<TableDef>> {
        serde_json::from_str(&self.tables).map_err(|e| Error::Invalid(format!("报表 {} 的样式无法读取：{e}", self.id)))
    }

    /// The year the period ends in (for titles such as {year}年…).
    pub fn year(&self) -> &str {
        self.period_to.get(..4).unwrap_or("")
    }
}

impl Guarded for Report {
    /// A report is seen by the offices of its collector's subtree (its units
    /// and their reviewers) and by those above the collector.
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        let at = if self.collector_code.contains(who.region()) { who.region() } else { &self.collector_code };
        authz::decide(who, action, authz::Target::Report { unit: at, reviewer: &self.collector_code })
    }
}

/// One unit's report.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Unit {
    pub report_id: i64,
    #[sqlx(try_from = "String")]
    pub unit_code: UnitKey,
    #[sqlx(try_from = "String")]
    pub reviewer_code: RegionCode,
    #[sqlx(try_from = "String")]
    pub status: UnitStatus,
    /// How many times it was submitted.
    pub round: i64,
    pub progress: String,
    pub difficulties: String,
    pub experience: String,
    /// The unit's corrections (JSON array of `report::Correction`).
    pub corrections: String,
    /// The figures as submitted (JSON object: table key → `report::Figures`), or empty.
    pub figures: String,
    pub first_submitted_at: Option<i64>,
    pub submitted_at: Option<i64>,
    pub approved_at: Option<i64>,
    pub updated_at: i64,
}

impl Guarded for Unit {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        match &self.unit_code {
            UnitKey::Region(unit) => authz::decide(who, action, authz::Target::Report { unit, reviewer: &self.reviewer_code }),
            UnitKey::Org(org_id) => authz::decide(who, action, authz::Target::OrgReport { org_id: *org_id, reviewer: &self.reviewer_code }),
        }
    }
}

impl Unit {
    /// The region an audit row of this unit belongs to: its own, or for an
    /// organisation's unit the reviewing office's.
    fn audit_region(&self) -> &RegionCode {
        self.unit_code.region().unwrap_or(&self.reviewer_code)
    }
}

/// Who hears about a unit's report: the region's offices, or the organisation's users.
fn recipient(unit: &UnitKey) -> Recipient {
    match unit {
        UnitKey::Region(r) => Recipient::Unit { region: r.as_str().into(), role: None },
        UnitKey::Org(id) => Recipient::Org(*id),
    }
}

/// One step of one round.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct StepRow {
    pub round: i64,
    #[sqlx(try_from = "String")]
    pub step: Step,
    pub reason: String,
    pub actor: String,
    pub at: i64,
}

const REPORT: &str = "SELECT id, collector_code, title, period_from, period_to, due_on, levels, tables, created_by, created_at FROM reports";
const UNIT: &str = "SELECT report_id, unit_code, reviewer_code, status, round, progress, difficulties, experience, corrections, figures, \
    first_submitted_at, submitted_at, approved_at, updated_at FROM report_units";

/// Defines a report with its units (each with its reviewer); every unit is told.
pub async fn create(tx: &mut Tx, actor: &Actor, collector: &RegionCode, r: &NewReport, tables: &[TableDef], units: &[(UnitKey, RegionCode)]) -> Result<i64> {
    let now = crate::now();
    let levels = r.units_text();
    let tables_json = serde_json::to_string(tables).map_err(|e| Error::Invalid(e.to_string()))?;
    let sql = "INSERT INTO reports (collector_code, title, period_from, period_to, due_on, levels, tables, created_by, created_at) \
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id";
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).bind(collector.as_str()).bind(&r.title).bind(&r.period_from).bind(&r.period_to)
        .bind(&r.due_on).bind(&levels).bind(&tables_json).bind(&actor.unit).bind(now).fetch_one(c).await)?;
    let sql = "INSERT INTO report_units (report_id, unit_code, reviewer_code, updated_at) VALUES ($1,$2,$3,$4)";
    let notice = Notice {
        kind: "report.created".into(),
        title: format!("请报送：{}（截止 {}）", r.title, r.due_on),
        body: format!("统计期 {} 至 {}", r.period_from, r.period_to),
        link: format!("/reports/{id}"),
        dedup_key: None,
    };
    for (unit, reviewer) in units {
        on_tx_exec!(tx, c => sqlx::query(sql).bind(id).bind(unit.to_string()).bind(reviewer.as_str()).bind(now).execute(c).await)?;
        inbox::notify(tx, &recipient(unit), &notice).await?;
    }
    let keys: Vec<&str> = tables.iter().map(|t| t.key.as_str()).collect();
    let after = serde_json::json!({"title": r.title, "period_from": r.period_from, "period_to": r.period_to, "due_on": r.due_on, "levels": levels, "tables": keys, "units": units.len()});
    audit::append(tx, actor, Change { region: collector.as_str(), action: "report.create", entity: "report", entity_id: &id.to_string(), before: None, after: Some(after) }).await?;
    Ok(id)
}

/// One report by id, to be opened by a decision.
pub async fn get(db: &Db, id: i64) -> Result<Option<Unchecked<Report>>> {
    let sql = sqlx::AssertSqlSafe(format!("{REPORT} WHERE id = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

/// The reports an office at `region` takes part in: collected by its region
/// or a region above (it may be a unit), or within its subtree. Newest first.
pub async fn list(db: &Db, region: &RegionCode) -> Result<Vec<Report>> {
    let above: Vec<String> = region.ancestry().iter().map(|r| r.as_str().to_string()).collect();
    let [low, high] = crate::subtree(region);
    let marks: Vec<String> = (0..above.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = sqlx::AssertSqlSafe(format!("{REPORT} WHERE {} OR collector_code IN ({}) ORDER BY id DESC LIMIT 200", crate::in_subtree("collector_code", 1), marks.join(",")));
    Ok(on_db!(db, p => {
        let mut q = sqlx::query_as(sql).bind(low.clone()).bind(high.clone());
        for a in &above {
            q = q.bind(a.clone());
        }
        q.fetch_all(p).await
    })?)
}

/// The reports an organisation reports in, newest first.
pub async fn list_for_org(db: &Db, org_id: i64) -> Result<Vec<Report>> {
    let sql = sqlx::AssertSqlSafe(format!("{REPORT} WHERE id IN (SELECT report_id FROM report_units WHERE unit_code = $1) ORDER BY id DESC LIMIT 200"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(UnitKey::Org(org_id).to_string()).fetch_all(p).await)?)
}

/// One unit's report, to be opened by a decision.
pub async fn unit(db: &Db, report_id: i64, unit: &UnitKey) -> Result<Option<Unchecked<Unit>>> {
    let sql = sqlx::AssertSqlSafe(format!("{UNIT} WHERE report_id = $1 AND unit_code = $2"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(report_id).bind(unit.to_string()).fetch_optional(p).await)?.map(Unchecked::new))
}

/// A unit's report with the report it belongs to, opened by the unit's own
/// decision (an organisation sees its own report, not the whole report's
/// list of units).
#[derive(Debug, Clone)]
pub struct UnitInReport {
    pub report: Report,
    pub unit: Unit,
}

impl Guarded for UnitInReport {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        self.unit.decide(who, action)
    }
}

/// One unit's report and its report, to be opened by a decision on the unit.
pub async fn unit_in_report(db: &Db, report_id: i64, key: &UnitKey) -> Result<Option<Unchecked<UnitInReport>>> {
    let Some(unit) = unit(db, report_id, key).await?.map(Unchecked::unscoped) else { return Ok(None) };
    let Some(report) = get(db, report_id).await?.map(Unchecked::unscoped) else { return Ok(None) };
    Ok(Some(Unchecked::new(UnitInReport { report, unit })))
}

/// The organisations' units of a report reviewed by an office in `region`'s
/// subtree, in key order.
pub async fn org_units_within(db: &Db, report_id: i64, region: &RegionCode) -> Result<Vec<Unit>> {
    let [low, high] = crate::subtree(region);
    // Organisations' keys are `org-ID`: the range of text starting with "org-".
    let sql = sqlx::AssertSqlSafe(format!("{UNIT} WHERE report_id = $1 AND unit_code >= 'org-' AND unit_code < 'org.' AND {} ORDER BY unit_code", crate::in_subtree("reviewer_code", 2)));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(report_id).bind(low).bind(high).fetch_all(p).await)?)
}

/// The units of a report that lie in `region`'s subtree, in code order.
pub async fn units_within(db: &Db, report_id: i64, region: &RegionCode) -> Result<Vec<Unit>> {
    let [low, high] = crate::subtree(region);
    let sql = sqlx::AssertSqlSafe(format!("{UNIT} WHERE report_id = $1 AND {} ORDER BY unit_code", crate::in_subtree("unit_code", 2)));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(report_id).bind(low).bind(high).fetch_all(p).await)?)
}

/// The units `reviewer` reviews, in code order.
pub async fn reviewed_by(db: &Db, report_id: i64, reviewer: &RegionCode) -> Result<Vec<Unit>> {
    let sql = sqlx::AssertSqlSafe(format!("{UNIT} WHERE report_id = $1 AND reviewer_code = $2 ORDER BY unit_code"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(report_id).bind(reviewer.as_str()).fetch_all(p).await)?)
}

/// The steps of a unit's report, in order.
pub async fn steps(db: &Db, report_id: i64, unit: &UnitKey) -> Result<Vec<StepRow>> {
    let sql = "SELECT round, step, reason, actor, at FROM report_steps WHERE report_id = $1 AND unit_code = $2 ORDER BY id";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(report_id).bind(unit.to_string()).fetch_all(p).await)?)
}

#[derive(sqlx::FromRow)]
struct FactRow {
    project_id: i64,
    org_id: i64,
    org_name: String,
    #[sqlx(try_from = "String")]
    org_region: RegionCode,
    #[sqlx(try_from = "String")]
    region: RegionCode,
    title: String,
    nature: String,
    #[sqlx(try_from = "String")]
    status: duijie_domain::project::Status,
    funds_fen: i64,
    planned_funds_fen: i64,
    people: i64,
    beneficiaries: i64,
    start_date: String,
    end_date: String,
    last_progress: Option<String>,
}

/// The projects at `unit`'s own level for a period: in its subtree (by the
/// organisation's registration or by the helped region, as `scope` says),
/// outside the subtrees of `below` (the units it reviews, which report their
/// own), whose dates overlap [from, to] (an open end overlaps), except those
/// stopped before they began. `with_progress` also reads each one's latest
/// update. A region with no unit of its own (a 市辖区, a 省直辖县级行政区划)
/// thus counts at the nearest unit above it, never nowhere.
pub async fn facts(db: &Db, scope: UnitScope, unit: &RegionCode, below: &[RegionCode], from: &str, to: &str, with_progress: bool) -> Result<Vec<Fact>> {
    let column = match scope {
        UnitScope::Registered => "o.region_code",
        UnitScope::Helped => "p.region_code",
    };
    let [low, high] = crate::subtree(unit);
    let mut binds: Vec<String> = vec![to.to_string(), from.to_string(), low, high];
    let mut lengths: Vec<usize> = below.iter().map(|r| r.as_str().len()).collect();
    lengths.sort_unstable();
    lengths.dedup();
    let mut own = String::new();
    for len in lengths {
        let marks: Vec<String> = below
            .iter()
            .filter(|r| r.as_str().len() == len)
            .map(|r| {
                binds.push(r.as_str().to_string());
                format!("${}", binds.len())
            })
            .collect();
        own.push_str(&format!(" AND substr({column}, 1, {len}) NOT IN ({})", marks.join(",")));
    }
    read_facts(db, &format!("{}{own}", crate::in_subtree(column, 3)), &binds, with_progress).await
}

/// An organisation's own projects for a period, as [`facts`] reads them (its report in the organisations' annual report).
pub async fn org_facts(db: &Db, org_id: i64, from: &str, to: &str, with_progress: bool) -> Result<Vec<Fact>> {
    // Bound as text like the others; compared as the integer it is.
    let binds = vec![to.to_string(), from.to_string(), org_id.to_string()];
    read_facts(db, "p.org_id = CAST($3 AS BIGINT)", &binds, with_progress).await
}

/// The projects matching `cond` (its placeholders from `$3` on, bound to
/// `binds[2..]`) whose dates overlap [from = `binds[1]`, to = `binds[0]`],
/// except those stopped before they began.
async fn read_facts(db: &Db, cond: &str, binds: &[String], with_progress: bool) -> Result<Vec<Fact>> {
    let progress = if with_progress {
        "(SELECT g.reported_on || '：' || g.note FROM project_progress g WHERE g.project_id = p.id ORDER BY g.reported_on DESC, g.id DESC LIMIT 1)"
    } else {
        "NULL"
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT p.id AS project_id, p.org_id, o.name AS org_name, o.region_code AS org_region, p.region_code AS region, p.title, p.nature, \
         p.status, p.actual_funds_fen AS funds_fen, p.funds_fen AS planned_funds_fen, p.people, p.beneficiaries, p.start_date, p.end_date, \
         {progress} AS last_progress \
         FROM projects p JOIN organizations o ON o.id = p.org_id \
         WHERE {cond} AND (p.start_date = '' OR p.start_date <= $1) AND (p.end_date = '' OR p.end_date >= $2) \
         AND NOT (p.status = 'stopped' AND p.started_at IS NULL) ORDER BY p.id"
    ));
    let rows: Vec<FactRow> = on_db!(db, p => {
        let mut q = sqlx::query_as(sql);
        for b in binds {
            q = q.bind(b.clone());
        }
        q.fetch_all(p).await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| Fact {
            project_id: r.project_id,
            org_id: r.org_id,
            org_name: r.org_name,
            org_region: r.org_region,
            region: r.region,
            region_name: String::new(),
            title: r.title,
            nature: r.nature,
            status: r.status,
            funds_fen: r.funds_fen,
            planned_funds_fen: r.planned_funds_fen,
            people: r.people,
            beneficiaries: r.beneficiaries,
            start_date: r.start_date,
            end_date: r.end_date,
            last_progress: r.last_progress.unwrap_or_default(),
        })
        .collect())
}

/// Locks a unit's report for a change and reads it.
async fn lock(tx: &mut Tx, report_id: i64, unit: &UnitKey) -> Result<Unit> {
    let sql = sqlx::AssertSqlSafe(format!("{UNIT} WHERE report_id = $1 AND unit_code = $2{}", if tx.is_postgres() { " FOR UPDATE" } else { "" }));
    on_tx!(tx, c => sqlx::query_as(sql).bind(report_id).bind(unit.to_string()).fetch_optional(c).await)?.ok_or_else(|| Error::Invalid("没有这个报送单位".into()))
}

fn changed(u: &Unit, message: String) -> Error {
    Error::Changed { message, current: serde_json::json!({"status": u.status.as_str(), "status_label": u.status.label()}) }
}

/// Saves the unit's narrative (`None` keeps it) and changes its corrections
/// while its report is open: the corrections of `cleared` cells are dropped,
/// then `added` are kept — merged into what is stored under the row's lock,
/// so two corrections saved at once both stay. `action` names it in the audit
/// trail: `report.draft` (the page or the API), `report.upload` (a table filled
/// offline and uploaded).
#[allow(clippy::too_many_arguments)]
pub async fn save_draft(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    report_id: i64,
    unit: &UnitKey,
    narrative: Option<&duijie_domain::report::Narrative>,
    cleared: &[(String, usize, usize)],
    added: &[Correction],
) -> Result<Unit> {
    let before = lock(tx, report_id, unit).await?;
    if !before.status.is_open() {
        return Err(changed(&before, format!("报表当前为“{}”，不能修改", before.status.label())));
    }
    let mut corrections: Vec<Correction> = serde_json::from_str(&before.corrections).unwrap_or_default();
    corrections.retain(|k| !cleared.iter().any(|(t, r, c)| *t == k.table && *r == k.row && *c == k.column));
    corrections.extend(added.iter().cloned());
    let json = serde_json::to_string(&corrections).map_err(|e| Error::Invalid(e.to_string()))?;
    let (progress, difficulties, experience) = match narrative {
        Some(n) => (&n.progress, &n.difficulties, &n.experience),
        None => (&before.progress, &before.difficulties, &before.experience),
    };
    let sql = "UPDATE report_units SET progress = $1, difficulties = $2, experience = $3, corrections = $4, updated_at = $5 \
               WHERE report_id = $6 AND unit_code = $7 AND status IN ('pending', 'returned')";
    let n = on_tx_exec!(tx, c => sqlx::query(sql).bind(progress).bind(difficulties).bind(experience).bind(&json)
        .bind(crate::now()).bind(report_id).bind(unit.to_string()).execute(c).await)?;
    if n == 0 {
        return Err(changed(&before, crate::CHANGED_BY_OTHERS.into()));
    }
    let after = lock(tx, report_id, unit).await?;
    let change = serde_json::json!({"progress": after.progress, "difficulties": after.difficulties, "experience": after.experience, "corrections": corrections});
    audit::append(tx, actor, Change { region: after.audit_region().as_str(), action, entity: "report_unit", entity_id: &format!("{report_id}:{unit}"), before: None, after: Some(change) }).await?;
    Ok(after)
}

/// Takes `step` on a unit's report; `figures` (JSON) are stored on submission.
pub async fn step(tx: &mut Tx, actor: &Actor, report: &Report, unit: &UnitKey, step: Step, reason: &str, figures: Option<&str>) -> Result<Unit> {
    let before = lock(tx, report.id, unit).await?;
    let next = duijie_domain::report::advance(before.status, step).map_err(|m| changed(&before, m))?;
    if step.needs_reason() && reason.trim().is_empty() {
        return Err(Error::Invalid(format!("{}须写明原因", step.label())));
    }
    let now = crate::now();
    let n = match step {
        Step::Submit => {
            let figures = figures.ok_or_else(|| Error::Invalid("报送时缺少统计数字".into()))?;
            let sql = "UPDATE report_units SET status = 'submitted', figures = $1, round = round + 1, submitted_at = $2, \
                       first_submitted_at = COALESCE(first_submitted_at, $2), updated_at = $2 \
                       WHERE report_id = $3 AND unit_code = $4 AND status = $5";
            on_tx_exec!(tx, c => sqlx::query(sql).bind(figures).bind(now).bind(report.id).bind(unit.to_string()).bind(before.status.as_str()).execute(c).await)?
        }
        _ => {
            let sql = "UPDATE report_units SET status = $1, approved_at = CASE WHEN $2 THEN $3 ELSE approved_at END, updated_at = $3 \
                       WHERE report_id = $4 AND unit_code = $5 AND status = $6";
            on_tx_exec!(tx, c => sqlx::query(sql).bind(next.as_str()).bind(step == Step::Approve).bind(now).bind(report.id).bind(unit.to_string())
                .bind(before.status.as_str()).execute(c).await)?
        }
    };
    if n == 0 {
        return Err(changed(&before, crate::CHANGED_BY_OTHERS.into()));
    }
    let round = before.round + i64::from(step == Step::Submit);
    let sql = "INSERT INTO report_steps (report_id, unit_code, round, step, reason, actor, at) VALUES ($1,$2,$3,$4,$5,$6,$7)";
    on_tx_exec!(tx, c => sqlx::query(sql).bind(report.id).bind(unit.to_string()).bind(round).bind(step.as_str()).bind(reason.trim()).bind(&actor.unit).bind(now).execute(c).await)?;
    let after = lock(tx, report.id, unit).await?;
    let change = serde_json::json!({"step": step.as_str(), "reason": reason.trim(), "status": after.status.as_str(), "round": round,
        "figures": serde_json::from_str::<serde_json::Value>(&after.figures).unwrap_or_default()});
    audit::append(tx, actor, Change { region: after.audit_region().as_str(), action: &format!("report.{}", step.as_str()), entity: "report_unit", entity_id: &format!("{}:{unit}", report.id), before: Some(serde_json::json!({"status": before.status.as_str(), "round": before.round})), after: Some(change) }).await?;
    let (to, title) = if step.by_unit() {
        (recipient(&UnitKey::Region(before.reviewer_code.clone())), format!("{}：{}{}，请审核", report.title, if unit.org().is_some() { "社会组织" } else { "下级单位" }, step.label()))
    } else {
        (recipient(&before.unit_code), format!("{}：上级单位{}{}", report.title, step.label(), if reason.trim().is_empty() { String::new() } else { format!("（{}）", reason.trim()) }))
    };
    let notice = Notice { kind: format!("report.{}", step.as_str()), title, body: reason.trim().to_string(), link: format!("/reports/{}/units/{unit}", report.id), dedup_key: None };
    inbox::notify(tx, &to, &notice).await?;
    Ok(after)
}

/// Tells every unit of the report within `region` that has not submitted
/// (pending or returned) that it is due; `key` makes each notice once per unit.
pub async fn remind(tx: &mut Tx, report: &Report, units: &[Unit], title: &str, key: &str) -> Result<usize> {
    let mut sent = 0;
    for u in units.iter().filter(|u| u.status.is_open()) {
        let notice = Notice {
            kind: "report.remind".into(),
            title: title.to_string(),
            body: format!("统计期 {} 至 {}，报送截止 {}", report.period_from, report.period_to, report.due_on),
            link: format!("/reports/{}/units/{}", report.id, u.unit_code),
            dedup_key: Some(format!("report.remind:{}:{}:{key}", report.id, u.unit_code)),
        };
        if inbox::notify(tx, &recipient(&u.unit_code), &notice).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Reports whose due date is `on` (ISO), for the daily reminders.
pub async fn due_on(db: &Db, on: &str) -> Result<Vec<Report>> {
    let sql = sqlx::AssertSqlSafe(format!("{REPORT} WHERE due_on = $1 ORDER BY id"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(on).fetch_all(p).await)?)
}

/// Every unit of a report, in code order.
pub async fn all_units(db: &Db, report_id: i64) -> Result<Vec<Unit>> {
    let sql = sqlx::AssertSqlSafe(format!("{UNIT} WHERE report_id = $1 ORDER BY unit_code"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(report_id).fetch_all(p).await)?)
}

/// The table definitions administrators uploaded: (key, JSON).
pub async fn uploaded_tables(db: &Db) -> Result<Vec<(String, String)>> {
    Ok(on_db!(db, p => sqlx::query_as("SELECT key, definition FROM report_tables ORDER BY key").fetch_all(p).await)?)
}

/// Keeps an uploaded table definition (replacing one of the same key; a
/// report already defined keeps its own copy).
pub async fn save_table(tx: &mut Tx, actor: &Actor, region: &RegionCode, def: &TableDef, json: &str) -> Result<()> {
    let sql = "INSERT INTO report_tables (key, definition, uploaded_by, uploaded_at) VALUES ($1,$2,$3,$4) \
               ON CONFLICT (key) DO UPDATE SET definition = excluded.definition, uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at";
    on_tx_exec!(tx, c => sqlx::query(sql).bind(&def.key).bind(json).bind(&actor.unit).bind(crate::now()).execute(c).await)?;
    audit::append(tx, actor, Change { region: region.as_str(), action: "report.table", entity: "report_table", entity_id: &def.key, before: None, after: Some(serde_json::json!({"title": def.title, "source": def.source})) }).await?;
    Ok(())
}
