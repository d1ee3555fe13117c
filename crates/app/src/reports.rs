//! The half-year cycle (调度): a department defines a report, every unit below
//! it (prefecture and county offices, and organisations for the
//! organisations' annual report) gets its tables pre-filled from the
//! records, corrects what it must
//! (beside the computed figure, with a reason), writes the three narrative
//! parts and submits; the level above approves or returns; approved figures
//! roll up and stay as approved; reopening needs the level above. Also the
//! table definitions (shipped in `tables/`, or uploaded by an administrator)
//! and the exports.
//!
//! Guarantees:
//! - Every unit's report is opened through [`crate::open`] with the action
//!   its step needs (`ViewReport`, `FillReport` for the unit's own offices,
//!   `ReviewReport` for the reviewing unit's); a report is defined only by its
//!   collecting office (`DefineReport`).
//! - [`prefill`] is the one computation of a unit's figures, used by the
//!   page, the API, the submission and the export alike: the unit's own
//!   records plus the approved figures of the regions' units it reviews, then
//!   its corrections (an organisation's unit: its own projects). What a unit
//!   submits is exactly what it was shown. An organisation's approved report
//!   never rolls up into its reviewer's figures: those count every project
//!   from the records already, so nothing is counted twice.
//! - A report that is submitted or approved shows and exports the figures as
//!   submitted, never a recomputation; `--draft` (or a report still open)
//!   shows the pre-filled ones and says so.
//! - A unit's corrections change in one way ([`save`], merged under the row's
//!   lock), whether typed on the page, sent to the API or read from a grid
//!   table filled offline and uploaded ([`import_table`]: all cells good or
//!   nothing written).

use crate::{Error, Platform, require};
use duijie_domain::authz::{Action, Guarded, Target};
use duijie_domain::report::{self, Body, Correction, Figures, Narrative, NewReport, OrgUnits, Step, TableDef, TypedReport, UnitKey};
use duijie_domain::{FieldError, Level, Principal, RegionCode, Role};
use duijie_office::report_table_read::Refused;
use duijie_office::{Limits, MAX_SHOWN_ERRORS, RowError};
use duijie_store::Actor;
use duijie_store::reports::{self as store, Report, StepRow, Unit};
use std::collections::BTreeMap;

/// What the reporting operations read: the database and the region tree
/// (not the catalogues, so the command line can export without loading them).
#[derive(Clone, Copy)]
pub struct Records<'a> {
    pub db: &'a duijie_store::Db,
    pub tree: &'a duijie_store::regions::RegionTree,
}

impl<'a> Records<'a> {
    pub fn of(p: &'a Platform) -> Records<'a> {
        Records { db: &p.db, tree: &p.tree }
    }
}

/// The table definitions shipped with the platform (`tables/*.json`).
const SHIPPED: [&str; 5] = [
    include_str!("../../../tables/jiangsu-1.json"),
    include_str!("../../../tables/jiangsu-2.json"),
    include_str!("../../../tables/jilin-4.json"),
    include_str!("../../../tables/jilin-5.json"),
    include_str!("../../../tables/yunnan-half-year.json"),
];

/// The shipped definitions (each is checked by a unit test in `domain::report`).
pub fn shipped_tables() -> Vec<TableDef> {
    SHIPPED.iter().filter_map(|j| TableDef::parse(j).ok()).collect()
}

/// Every table a report may use: the shipped ones, then those uploaded.
pub async fn tables(p: Records<'_>) -> Result<Vec<TableDef>, Error> {
    let mut all = shipped_tables();
    for (_, json) in store::uploaded_tables(p.db).await? {
        if let Ok(def) = TableDef::parse(&json) {
            all.retain(|t| t.key != def.key);
            all.push(def);
        }
    }
    Ok(all)
}

/// An administrator adds a province's form from a definition file (JSON).
pub async fn upload_table(p: Records<'_>, who: &Principal, actor: &Actor, json: &str) -> Result<TableDef, Error> {
    // The caller's own region: nothing to hide, so a refusal is 403.
    require(duijie_domain::authz::decide(who, Action::ManageReportTables, Target::Region(who.region()))).map_err(|_| Error::Forbidden)?;
    let def = TableDef::parse(json).map_err(|m| Error::field("file", m))?;
    if shipped_tables().iter().any(|t| t.key == def.key) {
        return Err(Error::field("file", format!("“{}”是平台自带的样式，请换一个 key", def.key)));
    }
    let mut tx = p.db.begin().await?;
    store::save_table(&mut tx, actor, who.region(), &def, json).await?;
    tx.commit().await?;
    Ok(def)
}

/// What a department types to define a report.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ReportInput {
    /// 报表名称，例如 2026年上半年社会组织参与乡村振兴工作调度。
    #[serde(default)]
    pub title: String,
    /// 统计期起止日期（如 2026-01-01、2026-06-30）。
    #[serde(default)]
    pub period_from: String,
    #[serde(default)]
    pub period_to: String,
    /// 报送截止日期。
    #[serde(default)]
    pub due_on: String,
    /// 报送单位：prefecture（地市级）、county（县级），以及社会组织：orgs_registered（本级登记的社会组织，如全省性社会组织）或 orgs_within（辖区内登记的全部社会组织）。
    #[serde(default)]
    pub levels: Vec<String>,
    /// 统计表样式的 key，如 jiangsu-1、jiangsu-2。
    #[serde(default)]
    pub tables: Vec<String>,
}

/// Defines a report collected by the caller's office; every prefecture and
/// county office below it (at the chosen levels) becomes a unit, and so does
/// every approved, active organisation asked (registered at the collector's
/// level, or anywhere in its region), reviewed by its registration office
/// when that office reports too, else by the office above.
pub async fn create(p: Records<'_>, who: &Principal, actor: &Actor, input: &ReportInput) -> Result<i64, Error> {
    let collector = who.region().clone();
    // The caller's own region: nothing to hide, so a refusal is 403.
    require(duijie_domain::authz::decide(who, Action::DefineReport, Target::Region(&collector))).map_err(|_| Error::Forbidden)?;
    let offered = tables(p).await?;
    let keys: Vec<String> = offered.iter().map(|t| t.key.clone()).collect();
    let typed = TypedReport { title: &input.title, period_from: &input.period_from, period_to: &input.period_to, due_on: &input.due_on, levels: &input.levels, tables: &input.tables };
    let new = NewReport::parse(&typed, &keys).map_err(Error::Invalid)?;
    let defs: Vec<TableDef> = new.tables.iter().filter_map(|k| offered.iter().find(|t| &t.key == k).cloned()).collect();
    let units = units_below(p, &collector, &new.levels);
    let is_unit = |r: &RegionCode| units.binary_search(r).is_ok();
    let mut pairs: Vec<(UnitKey, RegionCode)> = units.iter().map(|u| (UnitKey::Region(u.clone()), report::reviewer(u, &collector, is_unit))).collect();
    if let Some(asked) = new.orgs {
        for (id, region) in duijie_store::orgs::reporting(p.db, &collector, asked == OrgUnits::Within).await? {
            let region = RegionCode::parse(&region).unwrap_or_else(|_| collector.clone());
            pairs.push((UnitKey::Org(id), report::org_reviewer(&region, &collector, is_unit)));
        }
    }
    if pairs.is_empty() {
        return Err(Error::field("levels", "所选范围内没有报送单位"));
    }
    let mut tx = p.db.begin().await?;
    let id = store::create(&mut tx, actor, &collector, &new, &defs, &pairs).await?;
    tx.commit().await?;
    Ok(id)
}

/// The regions at `levels` under `collector`, in code order (NBS grouping
/// rows such as 省直辖县级行政区划 have no office and are skipped).
fn units_below(p: Records<'_>, collector: &RegionCode, levels: &[Level]) -> Vec<RegionCode> {
    let mut out = Vec::new();
    let mut stack = vec![collector.clone()];
    while let Some(r) = stack.pop() {
        for child in p.tree.children(&r) {
            if child.level > Level::County {
                continue;
            }
            if levels.contains(&child.level) && !child.name.contains("直辖") && child.name != "市辖区" {
                out.push(child.code.clone());
            }
            stack.push(child.code.clone());
        }
    }
    out.sort();
    out
}

/// The reports the caller takes part in (an organisation: those it reports in).
pub async fn list(p: Records<'_>, who: &Principal) -> Result<Vec<Report>, Error> {
    if let (Role::Organization, Some(org)) = (who.role(), who.org_id()) {
        return Ok(store::list_for_org(p.db, org).await?);
    }
    if !(who.role().is_department() || who.role() == Role::Admin) {
        return Ok(Vec::new());
    }
    Ok(store::list(p.db, who.region()).await?)
}

/// A report as its collector or a unit sees it: the units within the
/// caller's view, with the completeness and on-time rates.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Overview {
    pub report: Report,
    pub units: Vec<UnitLine>,
    /// Units that submitted at least once / all units shown.
    pub submitted: usize,
    pub approved: usize,
    pub returned: usize,
    /// Pending or returned after the due date.
    pub late: usize,
    /// First submitted on or before the due date.
    pub on_time: usize,
    /// The caller's own unit in this report, if it is one.
    pub own_unit: Option<String>,
    /// Whether the caller collects this report (may remind late units).
    pub collects: bool,
}

/// One unit in an overview.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnitLine {
    pub unit: Unit,
    pub name: String,
    pub late: bool,
}

/// Whether a unit is late on `today`: not yet submitted in this round and past the due date.
fn is_late(u: &Unit, report: &Report, today: &str) -> bool {
    u.status.is_open() && today > report.due_on.as_str()
}

/// Beijing's end of the due day, in epoch seconds.
fn due_end(report: &Report) -> i64 {
    chrono::NaiveDate::parse_from_str(&report.due_on, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|t| t.and_utc().timestamp() - 8 * 3600)
        .unwrap_or(i64::MAX)
}

/// The report with its units as the caller may see them.
pub async fn overview(p: Records<'_>, who: &Principal, id: i64) -> Result<Overview, Error> {
    let report = crate::open(store::get(p.db, id).await?, who, Action::ViewReport)?;
    let within = if report.collector_code.contains(who.region()) { who.region().clone() } else { report.collector_code.clone() };
    let mut units = store::units_within(p.db, id, &within).await?;
    units.extend(store::org_units_within(p.db, id, &within).await?);
    let today = crate::today().format("%Y-%m-%d").to_string();
    let end = due_end(&report);
    let lines = lines(p, &report, units, &today).await?;
    let own_unit = lines.iter().find(|l| l.unit.unit_code.region() == Some(who.region())).map(|l| l.unit.unit_code.to_string());
    Ok(Overview {
        submitted: lines.iter().filter(|l| l.unit.first_submitted_at.is_some()).count(),
        approved: lines.iter().filter(|l| l.unit.status.counts_above()).count(),
        returned: lines.iter().filter(|l| l.unit.status == report::UnitStatus::Returned).count(),
        late: lines.iter().filter(|l| l.late).count(),
        on_time: lines.iter().filter(|l| l.unit.first_submitted_at.is_some_and(|t| t <= end)).count(),
        collects: duijie_domain::authz::decide(who, Action::DefineReport, Target::Region(&report.collector_code)) == duijie_domain::Decision::Allow,
        own_unit,
        units: lines,
        report,
    })
}

/// A unit's name: its region's (云南省昭通市彝良县), or its organisation's.
async fn unit_name(p: Records<'_>, key: &UnitKey) -> Result<String, Error> {
    Ok(match key {
        UnitKey::Region(r) => p.tree.full_name(r),
        UnitKey::Org(id) => duijie_store::orgs::name(p.db, *id).await?.unwrap_or_else(|| format!("社会组织 {id}")),
    })
}

/// Units as listed, with their names (organisations' read in one query) and whether each is late.
async fn lines(p: Records<'_>, report: &Report, units: Vec<Unit>, today: &str) -> Result<Vec<UnitLine>, Error> {
    let ids: Vec<i64> = units.iter().filter_map(|u| u.unit_code.org()).collect();
    let orgs: BTreeMap<i64, String> = if ids.is_empty() { BTreeMap::new() } else { duijie_store::orgs::by_ids(p.db, &ids).await?.into_iter().map(|o| (o.id, o.name)).collect() };
    Ok(units
        .into_iter()
        .map(|u| {
            let name = match &u.unit_code {
                UnitKey::Region(r) => p.tree.full_name(r),
                UnitKey::Org(id) => orgs.get(id).cloned().unwrap_or_else(|| format!("社会组织 {id}")),
            };
            UnitLine { late: is_late(&u, report, today), name, unit: u }
        })
        .collect())
}

/// One unit's report with everything its page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnitView {
    pub report: Report,
    pub unit: Unit,
    pub unit_name: String,
    pub reviewer_name: String,
    /// Each table with its figures: as submitted once submitted, else pre-filled.
    pub tables: Vec<(TableDef, Figures)>,
    /// Whether the figures are the pre-filled ones (the report is open).
    pub draft: bool,
    /// The units this one reviews, with whether their figures count yet.
    pub below: Vec<UnitLine>,
    pub steps: Vec<StepRow>,
    pub narrative: Narrative,
    pub may_fill: bool,
    pub may_review: bool,
}

/// Loads a unit's report for `who` doing `action`. The collecting region
/// itself is the top of the tree: its figures are its own records plus its
/// units' approved ones, and nobody fills or reviews them.
async fn open_unit(p: Records<'_>, who: &Principal, id: i64, key: &UnitKey, action: Action) -> Result<(Report, Unit), Error> {
    let UnitKey::Region(unit) = key else {
        // An organisation's unit: its own decision opens the report with it.
        let opened = crate::open(store::unit_in_report(p.db, id, key).await?, who, action)?;
        return Ok((opened.report, opened.unit));
    };
    let report = crate::open(store::get(p.db, id).await?, who, Action::ViewReport)?;
    if &report.collector_code == unit {
        if action != Action::ViewReport {
            return Err(Error::Forbidden);
        }
        let top = Unit {
            report_id: id,
            unit_code: key.clone(),
            reviewer_code: unit.clone(),
            status: report::UnitStatus::Pending,
            round: 0,
            progress: String::new(),
            difficulties: String::new(),
            experience: String::new(),
            corrections: "[]".into(),
            figures: String::new(),
            first_submitted_at: None,
            submitted_at: None,
            approved_at: None,
            updated_at: 0,
        };
        return Ok((report, top));
    }
    let u = crate::open(store::unit(p.db, id, key).await?, who, action)?;
    Ok((report, u))
}

/// Whether the unit is the collecting region itself (the top of the tree, filled by nobody).
fn is_top(report: &Report, key: &UnitKey) -> bool {
    key.region() == Some(&report.collector_code)
}

/// The unit's page.
pub async fn unit_view(p: Records<'_>, who: &Principal, id: i64, unit: &UnitKey) -> Result<UnitView, Error> {
    let (report, u) = open_unit(p, who, id, unit, Action::ViewReport).await?;
    let top = is_top(&report, unit);
    let draft = u.status.is_open() && !top;
    let tables = if u.status.is_open() { prefill(p, &report, &u, None).await? } else { submitted(&report, &u)? };
    let today = crate::today().format("%Y-%m-%d").to_string();
    let below = match unit {
        UnitKey::Region(r) => lines(p, &report, store::reviewed_by(p.db, id, r).await?, &today).await?,
        UnitKey::Org(_) => Vec::new(),
    };
    let decide = |a| !top && u.decide(who, a) == duijie_domain::Decision::Allow;
    Ok(UnitView {
        unit_name: unit_name(p, &u.unit_code).await?,
        reviewer_name: p.tree.full_name(&u.reviewer_code),
        steps: store::steps(p.db, id, unit).await?,
        narrative: Narrative { progress: u.progress.clone(), difficulties: u.difficulties.clone(), experience: u.experience.clone() },
        may_fill: decide(Action::FillReport),
        may_review: decide(Action::ReviewReport),
        tables,
        draft,
        below,
        unit: u,
        report,
    })
}

/// The figures as the unit submitted them.
fn submitted(report: &Report, u: &Unit) -> Result<Vec<(TableDef, Figures)>, Error> {
    let mut kept: BTreeMap<String, Figures> = serde_json::from_str(&u.figures).map_err(|e| Error::Internal(format!("报表 {} 单位 {} 的数字无法读取：{e}", report.id, u.unit_code)))?;
    Ok(report.tables()?.into_iter().filter_map(|d| kept.remove(&d.key).map(|f| (d, f))).collect())
}

/// The one computation of a unit's figures: its own records, plus the
/// approved figures of the units it reviews, then its corrections. `only`
/// limits it to one table (an export). The projects are read once per scope,
/// whatever the number of tables.
pub async fn prefill(p: Records<'_>, report: &Report, u: &Unit, only: Option<&str>) -> Result<Vec<(TableDef, Figures)>, Error> {
    let all = report.tables()?;
    let defs: Vec<&TableDef> = all.iter().filter(|d| only.is_none_or(|k| d.key == k)).collect();
    // The regions' units it reviews (organisations' reports do not roll up).
    let reviewed: Vec<Unit> = match &u.unit_code {
        UnitKey::Region(r) => store::reviewed_by(p.db, report.id, r).await?.into_iter().filter(|c| c.unit_code.region().is_some()).collect(),
        UnitKey::Org(_) => Vec::new(),
    };
    let below: Vec<RegionCode> = reviewed.iter().filter_map(|c| c.unit_code.region().cloned()).collect();
    // The approved figures below, read once for every table.
    let approved: Vec<BTreeMap<String, Figures>> = reviewed.iter().filter(|c| c.status.counts_above()).map(|c| serde_json::from_str(&c.figures).unwrap_or_default()).collect();
    let corrections: Vec<Correction> = serde_json::from_str(&u.corrections).unwrap_or_default();
    let needs_progress = |d: &TableDef| matches!(&d.body, report::Body::List { columns, .. } if columns.iter().any(|c| c.field == report::ListField::LastProgress));
    let mut read: Vec<(report::UnitScope, Vec<report::Fact>)> = Vec::new();
    let mut out = Vec::new();
    for def in defs {
        let scope = def.scope();
        if !read.iter().any(|(s, _)| *s == scope) {
            let with_progress = all.iter().any(|d| d.scope() == scope && needs_progress(d));
            let mut facts = match &u.unit_code {
                UnitKey::Region(r) => store::facts(p.db, scope, r, &below, &report.period_from, &report.period_to, with_progress).await?,
                UnitKey::Org(id) => store::org_facts(p.db, *id, &report.period_from, &report.period_to, with_progress).await?,
            };
            for f in &mut facts {
                f.region_name = county_name(p, &f.region);
            }
            read.push((scope, facts));
        }
        let facts = &read.iter().find(|(s, _)| *s == scope).expect("read above").1;
        // An organisation's figures are placed at the region it is registered in.
        let at = u.unit_code.region().or_else(|| facts.first().map(|f| &f.org_region)).unwrap_or(&u.reviewer_code);
        let mut figures = report::compute(def, at, facts);
        for theirs in &approved {
            if let Some(f) = theirs.get(&def.key) {
                figures.add_child(def, f);
            }
        }
        figures.correct(&def.key, &corrections);
        out.push((def.clone(), figures));
    }
    Ok(out)
}

/// 省/市/县 of a helped region (a village or township reads as its county).
fn county_name(p: Records<'_>, code: &RegionCode) -> String {
    let mut c = code.clone();
    while c.level() > Level::County {
        match c.parent() {
            Some(parent) => c = parent,
            None => break,
        }
    }
    p.tree.full_name(&c)
}

/// What a unit types on its page: the narrative and, per grid cell, a correction.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct DraftInput {
    /// 工作进展、困难问题、经验做法：三者都不给时保留已保存的文字。
    #[serde(default)]
    pub progress: Option<String>,
    #[serde(default)]
    pub difficulties: Option<String>,
    #[serde(default)]
    pub experience: Option<String>,
    /// 对统计数字的修改（可空）；value 留空表示撤销该格的修改。
    #[serde(default)]
    pub corrections: Vec<CorrectionInput>,
}

/// A correction of one figure, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct CorrectionInput {
    /// 统计表样式的 key。
    pub table: String,
    /// 行、列序号（从 0 开始，不含表头和左侧两列）。
    pub row: usize,
    pub column: usize,
    /// 修改后的数字：金额以万元计，人数、个数为整数；留空为撤销修改。
    #[serde(default)]
    pub value: String,
    /// 修改原因（必填）。
    #[serde(default)]
    pub reason: String,
}

/// Saves the unit's narrative and corrections (merged with those it made before).
pub async fn save_draft(p: Records<'_>, who: &Principal, actor: &Actor, id: i64, unit: &UnitKey, input: &DraftInput) -> Result<Unit, Error> {
    let (report, u) = open_unit(p, who, id, unit, Action::FillReport).await?;
    save(p, actor, "report.draft", &report, &u, input).await
}

/// The one way a unit's narrative and corrections change (the page, the API
/// and an uploaded table alike): every correction read by
/// `report::parse_correction`, then merged under the row's lock;
/// `action` names the change in the audit trail.
async fn save(p: Records<'_>, actor: &Actor, action: &str, report: &Report, u: &Unit, input: &DraftInput) -> Result<Unit, Error> {
    still_open(u)?;
    let given = input.progress.is_some() || input.difficulties.is_some() || input.experience.is_some();
    let text = |t: &Option<String>| t.as_deref().unwrap_or("").trim().to_string();
    let narrative = given.then(|| Narrative { progress: text(&input.progress), difficulties: text(&input.difficulties), experience: text(&input.experience) });
    let mut errors: Vec<FieldError> = narrative.as_ref().and_then(|n| n.check(false).err()).unwrap_or_default();
    let defs = report.tables()?;
    let (mut cleared, mut added) = (Vec::new(), Vec::new());
    for (i, c) in input.corrections.iter().enumerate() {
        let Some(def) = defs.iter().find(|d| d.key == c.table) else {
            errors.push(FieldError::new(format!("corrections[{i}]"), format!("报表中没有“{}”这张表", c.table)));
            continue;
        };
        cleared.push((c.table.clone(), c.row, c.column));
        if c.value.trim().is_empty() {
            continue;
        }
        match report::parse_correction(def, c.row, c.column, &c.value, &c.reason) {
            Ok(ok) => added.push(ok),
            Err(es) => errors.extend(es.into_iter().map(|e| FieldError::new(format!("corrections[{i}].{}", e.field), e.message))),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let mut tx = p.db.begin().await?;
    let after = store::save_draft(&mut tx, actor, action, report.id, &u.unit_code, narrative.as_ref(), &cleared, &added).await?;
    tx.commit().await?;
    Ok(after)
}

/// A unit may change its figures only while its report is open (the store checks again under the lock).
fn still_open(u: &Unit) -> Result<(), Error> {
    if u.status.is_open() { Ok(()) } else { Err(Error::Conflict(format!("报表当前为“{}”，不能修改", u.status.label()))) }
}

/// What an uploaded table did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableImport {
    /// Taken: `corrected` figures now state what the file says (beside the
    /// computed figure, with the file named as the reason); `restored`
    /// earlier corrections were dropped because the file gives the computed
    /// figure again. Both 0: the file says what the report already says.
    Saved { corrected: usize, restored: usize },
    /// The file is not this table, or some cells are wrong: the first 1,000
    /// problems by row and column, and how many more. Nothing was written.
    Refused { errors: Vec<RowError>, more: usize },
}

/// A grid table of the unit's report, downloaded, filled offline and
/// uploaded back: the unit's own offices only, while the report is open.
/// Every cell is checked (`duijie_office::report_table_read`); only a
/// wholly good file changes anything. Each figure that differs from what the
/// report states becomes the unit's correction with the reason
/// 线下填报上传（file name）; a figure equal to the computed one takes an
/// earlier correction back; a figure equal to an earlier correction keeps it
/// with its reason. The change is saved as the page saves a correction
/// ([`save`]), recorded as `report.upload`.
///
/// A file that cannot be read at all is `Invalid` on the field `file`.
#[allow(clippy::too_many_arguments)]
pub async fn import_table(p: Records<'_>, who: &Principal, actor: &Actor, id: i64, unit: &UnitKey, key: &str, file_name: &str, bytes: &[u8], limits: &Limits) -> Result<TableImport, Error> {
    let (report, u) = open_unit(p, who, id, unit, Action::FillReport).await?;
    still_open(&u)?;
    let (def, figures) = prefill(p, &report, &u, Some(key)).await?.into_iter().find(|(d, _)| d.key == key).ok_or(Error::NotFound)?;
    let (Body::Grid { columns, .. }, Figures::Grid { cells }) = (&def.body, &figures) else {
        return Err(Error::field("file", duijie_office::OfficeError::NotGrid.to_string()));
    };
    let read = match duijie_office::report_table_read::read_grid_table(&def, report.year(), &figures, file_name, bytes, limits, MAX_SHOWN_ERRORS) {
        Ok(read) => read,
        Err(Refused::File(e)) => return Err(Error::field("file", e.to_string())),
        Err(Refused::Cells { errors, more }) => return Ok(TableImport::Refused { errors, more }),
    };
    let reason = format!("线下填报上传（{}）", crate::files::clean_file_name(file_name));
    let (mut corrections, mut restored) = (Vec::new(), 0);
    for (row, (line, shown)) in read.iter().zip(cells).enumerate() {
        for (column, ((&value, figure), col)) in line.iter().zip(shown).zip(columns).enumerate() {
            let typed = if value == figure.value() {
                continue;
            } else if value == figure.computed {
                restored += 1;
                String::new()
            } else if col.measure.is_money() {
                // The reader lets a changed figure have at most two decimals of 万元: exact.
                format!("{}.{:02}", value / 1_000_000, value % 1_000_000 / 10_000)
            } else {
                value.to_string()
            };
            corrections.push(CorrectionInput { table: def.key.clone(), row, column, value: typed, reason: reason.clone() });
        }
    }
    if corrections.is_empty() {
        return Ok(TableImport::Saved { corrected: 0, restored: 0 });
    }
    let corrected = corrections.len() - restored;
    save(p, actor, "report.upload", &report, &u, &DraftInput { corrections, ..DraftInput::default() }).await?;
    Ok(TableImport::Saved { corrected, restored })
}

/// Takes a step on a unit's report: the unit submits (its figures are
/// computed now and kept) or asks to reopen; the level above approves,
/// returns, grants or refuses.
pub async fn act(p: Records<'_>, who: &Principal, actor: &Actor, id: i64, unit: &UnitKey, step: Step, reason: &str) -> Result<Unit, Error> {
    let action = if step.by_unit() { Action::FillReport } else { Action::ReviewReport };
    let (report, u) = open_unit(p, who, id, unit, action).await?;
    if step.needs_reason() && reason.trim().is_empty() {
        return Err(Error::field("reason", format!("{}须写明原因", step.label())));
    }
    let figures = if step == Step::Submit {
        let narrative = Narrative { progress: u.progress.clone(), difficulties: u.difficulties.clone(), experience: u.experience.clone() };
        narrative.check(true).map_err(Error::Invalid)?;
        let computed: BTreeMap<String, Figures> = prefill(p, &report, &u, None).await?.into_iter().map(|(d, f)| (d.key, f)).collect();
        Some(serde_json::to_string(&computed).map_err(|e| Error::Internal(e.to_string()))?)
    } else {
        None
    };
    let mut tx = p.db.begin().await?;
    let after = store::step(&mut tx, actor, &report, unit, step, reason, figures.as_deref()).await?;
    tx.commit().await?;
    Ok(after)
}

/// The collecting department reminds every late unit at once; returns how many were told.
pub async fn remind_late(p: Records<'_>, who: &Principal, id: i64) -> Result<usize, Error> {
    let report = crate::open(store::get(p.db, id).await?, who, Action::ViewReport)?;
    require(duijie_domain::authz::decide(who, Action::DefineReport, Target::Region(&report.collector_code)))?;
    let today = crate::today().format("%Y-%m-%d").to_string();
    let late: Vec<Unit> = store::all_units(p.db, id).await?.into_iter().filter(|u| is_late(u, &report, &today)).collect();
    let mut tx = p.db.begin().await?;
    let n = store::remind(&mut tx, &report, &late, &format!("催报：{}已过报送截止日期（{}），请尽快报送", report.title, report.due_on), &today).await?;
    tx.commit().await?;
    Ok(n)
}

/// The daily reminders: units that have not submitted hear a week before
/// the due date and on the day; each notice once.
pub async fn remind_due(db: &duijie_store::Db, today: chrono::NaiveDate) -> Result<usize, Error> {
    let mut n = 0;
    for (days, what) in [(7, "一周后"), (0, "今天")] {
        let due = (today + chrono::Duration::days(days)).format("%Y-%m-%d").to_string();
        for report in store::due_on(db, &due).await? {
            let units = store::all_units(db, report.id).await?;
            let mut tx = db.begin().await?;
            n += store::remind(&mut tx, &report, &units, &format!("{}{}截止报送，请按时报送", report.title, what), &format!("due{days}")).await?;
            tx.commit().await?;
        }
    }
    Ok(n)
}

/// A table as a file: (file name, .xlsx bytes). Without `draft`, a report
/// that is not yet submitted is refused (there are no submitted figures yet).
/// An approved report's table carries the log receipt of the unit's approval
/// (sheet 核验回执), its QR code opening the 核验 page under `public_url`.
pub async fn export(p: Records<'_>, who: &Principal, id: i64, unit: &UnitKey, key: &str, draft: bool, public_url: &str) -> Result<(String, Vec<u8>), Error> {
    let (report, u) = open_unit(p, who, id, unit, Action::ViewReport).await?;
    let top = is_top(&report, unit);
    let tables = if draft || top || u.status.is_open() {
        if !draft && !top {
            return Err(Error::rejected(format!("该单位的报表当前为“{}”，还没有报送的数字；要导出预填数字，请选择导出草稿", u.status.label())));
        }
        prefill(p, &report, &u, Some(key)).await?
    } else {
        submitted(&report, &u)?
    };
    let (def, figures) = tables.into_iter().find(|(d, _)| d.key == key).ok_or(Error::NotFound)?;
    let name = unit_name(p, unit).await?;
    let period = format!("{} 至 {}", report.period_from, report.period_to);
    let approved = !draft && !top && u.status == report::UnitStatus::Approved;
    let receipt = match approved {
        true => crate::log::receipt_of(p.db, "report_unit", &format!("{id}:{unit}")).await?.map(|r| r.printed(public_url)),
        false => None,
    };
    let bytes = duijie_office::report_table::write_with_receipt(&def, &figures, &name, report.year(), &period, receipt.as_ref()).map_err(|e| Error::Internal(e.to_string()))?;
    let file = format!("{}-{}{}.xlsx", def.title_for(report.year()), name, if draft { "（草稿）" } else { "" });
    Ok((file, bytes))
}
