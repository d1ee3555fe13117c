//! The half-year cycle (调度): a report a department collects, the units that
//! fill it, how a unit's report moves up the tree, and the official tables as
//! data.
//!
//! Guarantees:
//! - A unit's report moves only along [`advance`]: pending or returned →
//!   submitted (the unit) → approved or returned with a reason (the level
//!   above); an approved report is reopened only by a request the level above
//!   grants (→ returned) or refuses (→ approved again). Nothing else moves it.
//! - [`reviewer`] is the one answer to "who reviews this unit": the nearest
//!   region above it that reports in the same report, else the collecting
//!   department's region; an organisation's report ([`UnitKey::Org`], the
//!   organisations' annual report) is reviewed by the office of the region it
//!   is registered in when that office reports too, else in the same way
//!   ([`org_reviewer`]).
//! - A table's layout and how each figure is computed are data
//!   ([`TableDef`], JSON, documented in `docs/report-tables.md`); [`TableDef::parse`]
//!   refuses a definition whose header does not cover its columns, whose
//!   rows or columns are empty, or whose keys repeat, with a Chinese reason.
//! - [`compute`] is pure: the same facts give the same figures. Money is
//!   integer fen, counts are integers; a unit's figures are its own records'
//!   plus, for every column that is not 其中：本级, the approved figures of
//!   the units below it ([`Figures::add_child`]) — so a total is never more
//!   than what was approved below plus what lies at the unit's own level.
//! - [`NewReport::parse`] is the one reading of a report's definition form.

use crate::{FieldError, Level, RegionCode};
use serde::{Deserialize, Serialize};

/// Where one unit's report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitStatus {
    Pending,
    Submitted,
    Returned,
    Approved,
    ReopenRequested,
}

impl UnitStatus {
    pub const ALL: [UnitStatus; 5] = [UnitStatus::Pending, UnitStatus::Submitted, UnitStatus::Returned, UnitStatus::Approved, UnitStatus::ReopenRequested];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitStatus::Pending => "pending",
            UnitStatus::Submitted => "submitted",
            UnitStatus::Returned => "returned",
            UnitStatus::Approved => "approved",
            UnitStatus::ReopenRequested => "reopen_requested",
        }
    }

    pub fn parse(s: &str) -> Option<UnitStatus> {
        UnitStatus::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            UnitStatus::Pending => "未报送",
            UnitStatus::Submitted => "已报送，待审核",
            UnitStatus::Returned => "已退回，待修改",
            UnitStatus::Approved => "已审核通过",
            UnitStatus::ReopenRequested => "已申请重新打开",
        }
    }

    /// Whether the unit may still change its corrections and narrative.
    pub fn is_open(self) -> bool {
        matches!(self, UnitStatus::Pending | UnitStatus::Returned)
    }

    /// Whether the figures count in the level above (approved, and kept
    /// approved while a reopening is only requested).
    pub fn counts_above(self) -> bool {
        matches!(self, UnitStatus::Approved | UnitStatus::ReopenRequested)
    }
}

crate::stored_as_text!(UnitStatus, "报表状态");

/// Something done to a unit's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The unit submits (报送).
    Submit,
    /// The level above approves (审核通过).
    Approve,
    /// The level above returns it with a reason (退回).
    Return,
    /// The unit asks to reopen an approved report, with a reason.
    RequestReopen,
    /// The level above grants the reopening: the report is returned to the unit.
    GrantReopen,
    /// The level above refuses: the report stays approved.
    RefuseReopen,
}

impl Step {
    pub const ALL: [Step; 6] = [Step::Submit, Step::Approve, Step::Return, Step::RequestReopen, Step::GrantReopen, Step::RefuseReopen];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Submit => "submit",
            Step::Approve => "approve",
            Step::Return => "return",
            Step::RequestReopen => "request_reopen",
            Step::GrantReopen => "grant_reopen",
            Step::RefuseReopen => "refuse_reopen",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::Submit => "报送",
            Step::Approve => "审核通过",
            Step::Return => "退回修改",
            Step::RequestReopen => "申请重新打开",
            Step::GrantReopen => "同意重新打开",
            Step::RefuseReopen => "不同意重新打开",
        }
    }

    /// Whether the unit itself takes this step (else the level above does).
    pub fn by_unit(self) -> bool {
        matches!(self, Step::Submit | Step::RequestReopen)
    }

    /// Whether the step must give a reason.
    pub fn needs_reason(self) -> bool {
        matches!(self, Step::Return | Step::RequestReopen | Step::RefuseReopen)
    }
}

crate::stored_as_text!(Step, "报表操作");

/// The status after `step`, or why it is not possible now.
pub fn advance(status: UnitStatus, step: Step) -> Result<UnitStatus, String> {
    use UnitStatus::*;
    match (status, step) {
        (Pending | Returned, Step::Submit) => Ok(Submitted),
        (Submitted, Step::Approve) => Ok(Approved),
        (Submitted, Step::Return) => Ok(Returned),
        (Approved, Step::RequestReopen) => Ok(ReopenRequested),
        (ReopenRequested, Step::GrantReopen) => Ok(Returned),
        (ReopenRequested, Step::RefuseReopen) => Ok(Approved),
        _ => Err(format!("报表当前为“{}”，不能{}", status.label(), step.label())),
    }
}

/// Who fills one unit's report: the offices of a region, or one organisation
/// (Yunnan: 全省性社会组织每年12月15日前报送参与乡村振兴工作情况). Stored, and
/// written in addresses, as the region's code or `org-` and the
/// organisation's id; region codes are digits, so the two never meet.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnitKey {
    Region(RegionCode),
    Org(i64),
}

impl UnitKey {
    pub fn parse(text: &str) -> Option<UnitKey> {
        let t = text.trim();
        match t.strip_prefix("org-") {
            Some(id) => id.parse::<i64>().ok().filter(|i| *i > 0).map(UnitKey::Org),
            None => RegionCode::parse(t).ok().map(UnitKey::Region),
        }
    }

    /// The region whose offices fill it, for a region's unit.
    pub fn region(&self) -> Option<&RegionCode> {
        match self {
            UnitKey::Region(r) => Some(r),
            UnitKey::Org(_) => None,
        }
    }

    /// The organisation that fills it, for an organisation's unit.
    pub fn org(&self) -> Option<i64> {
        match self {
            UnitKey::Org(id) => Some(*id),
            UnitKey::Region(_) => None,
        }
    }
}

impl std::fmt::Display for UnitKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnitKey::Region(r) => write!(f, "{r}"),
            UnitKey::Org(id) => write!(f, "org-{id}"),
        }
    }
}

impl Serialize for UnitKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

crate::stored_as_text!(UnitKey, "报送单位");

/// Which organisations report in a report, beside (or instead of) the offices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgUnits {
    /// Those registered at the collector's own level (a province's 全省性社会组织).
    Registered,
    /// Every organisation registered in the collector's region.
    Within,
}

impl OrgUnits {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgUnits::Registered => "orgs_registered",
            OrgUnits::Within => "orgs_within",
        }
    }

    pub fn parse(s: &str) -> Option<OrgUnits> {
        [OrgUnits::Registered, OrgUnits::Within].into_iter().find(|o| o.as_str() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            OrgUnits::Registered => "本级登记的社会组织",
            OrgUnits::Within => "辖区内登记的全部社会组织",
        }
    }
}

/// Who reviews an organisation's report: the office of the region it is
/// registered in, when that region reports in the same report (its
/// registration authority supervises it), else as [`reviewer`] says.
pub fn org_reviewer(registered: &RegionCode, collector: &RegionCode, reports: impl Fn(&RegionCode) -> bool) -> RegionCode {
    if registered != collector && collector.contains(registered) && reports(registered) {
        return registered.clone();
    }
    reviewer(registered, collector, reports)
}

/// Who reviews `unit`: the nearest region above it, below the collecting
/// department's `collector`, that reports too (`reports`), else the collector.
pub fn reviewer(unit: &RegionCode, collector: &RegionCode, reports: impl Fn(&RegionCode) -> bool) -> RegionCode {
    let mut at = unit.parent();
    while let Some(r) = at {
        if !collector.contains(&r) || r == *collector {
            break;
        }
        if reports(&r) {
            return r;
        }
        at = r.parent();
    }
    collector.clone()
}

/// The levels a report may ask to report.
pub const UNIT_LEVELS: [Level; 2] = [Level::Prefecture, Level::County];

/// A report's definition as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub title: String,
    /// ISO dates.
    pub period_from: String,
    pub period_to: String,
    pub due_on: String,
    pub levels: Vec<Level>,
    /// Organisations that report too, if any.
    pub orgs: Option<OrgUnits>,
    pub tables: Vec<String>,
}

impl NewReport {
    /// The stored form of who reports: the levels, then the organisations (`prefecture,county,orgs_registered`).
    pub fn units_text(&self) -> String {
        let mut parts: Vec<&str> = self.levels.iter().map(|l| l.as_str()).collect();
        parts.extend(self.orgs.map(OrgUnits::as_str));
        parts.join(",")
    }
}

/// What a person typed to define a report.
#[derive(Debug, Clone, Copy, Default)]
pub struct TypedReport<'a> {
    pub title: &'a str,
    pub period_from: &'a str,
    pub period_to: &'a str,
    pub due_on: &'a str,
    /// `prefecture`, `county`, and at most one of `orgs_registered`, `orgs_within`.
    pub levels: &'a [String],
    pub tables: &'a [String],
}

impl NewReport {
    /// Reads a report's definition; `known_tables` are the table keys on offer.
    pub fn parse(t: &TypedReport<'_>, known_tables: &[String]) -> Result<NewReport, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = t.title.trim();
        if title.is_empty() || title.chars().count() > 100 {
            errors.push(FieldError::new("title", "请填写报表名称（100 字以内），例如 2026年上半年社会组织参与乡村振兴工作调度"));
        }
        let day = |errors: &mut Vec<FieldError>, field: &str, label: &str, text: &str| match crate::project::parse_day(field, label, text) {
            Ok(d) if d.is_empty() => {
                errors.push(FieldError::new(field, format!("请填写{label}")));
                d
            }
            Ok(d) => d,
            Err(e) => {
                errors.push(e);
                String::new()
            }
        };
        let from = day(&mut errors, "period_from", "统计期起始日期", t.period_from);
        let to = day(&mut errors, "period_to", "统计期截止日期", t.period_to);
        let due = day(&mut errors, "due_on", "报送截止日期", t.due_on);
        if !from.is_empty() && !to.is_empty() && to < from {
            errors.push(FieldError::new("period_to", "统计期截止日期不能早于起始日期"));
        }
        let mut levels = Vec::new();
        let mut orgs: Option<OrgUnits> = None;
        for l in t.levels.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if let Some(o) = OrgUnits::parse(l) {
                // 辖区内全部 includes 本级登记.
                orgs = Some(if orgs.is_some_and(|had| had != o) { OrgUnits::Within } else { o });
                continue;
            }
            match Level::parse(l).filter(|l| UNIT_LEVELS.contains(l)) {
                Some(l) if !levels.contains(&l) => levels.push(l),
                Some(_) => {}
                None => errors.push(FieldError::new("levels", format!("未知的报送单位“{l}”，可选：地市级、县级、本级登记的社会组织、辖区内全部社会组织"))),
            }
        }
        if levels.is_empty() && orgs.is_none() && !errors.iter().any(|e| e.field == "levels") {
            errors.push(FieldError::new("levels", "请选择报送单位（地市级、县级或社会组织）"));
        }
        levels.sort();
        let mut tables: Vec<String> = Vec::new();
        for k in t.tables.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if !known_tables.iter().any(|t| t == k) {
                errors.push(FieldError::new("tables", format!("没有名为“{k}”的报表样式")));
            } else if !tables.iter().any(|t| t == k) {
                tables.push(k.to_string());
            }
        }
        if tables.is_empty() && !errors.iter().any(|e| e.field == "tables") {
            errors.push(FieldError::new("tables", "请至少选择一张统计表"));
        }
        if errors.is_empty() {
            Ok(NewReport { title: title.to_string(), period_from: from, period_to: to, due_on: due, levels, orgs, tables })
        } else {
            Err(errors)
        }
    }
}

/// The three narrative parts every seed asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Narrative {
    /// 工作进展
    pub progress: String,
    /// 困难问题
    pub difficulties: String,
    /// 经验做法
    pub experience: String,
}

impl Narrative {
    /// Checks lengths; a submission also needs 工作进展.
    pub fn check(&self, submitting: bool) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        for (field, label, text) in [("progress", "工作进展", &self.progress), ("difficulties", "困难问题", &self.difficulties), ("experience", "经验做法", &self.experience)] {
            if text.chars().count() > 5000 {
                errors.push(FieldError::new(field, format!("{label}不能超过 5000 字")));
            }
        }
        if submitting && self.progress.trim().is_empty() {
            errors.push(FieldError::new("progress", "报送前请填写工作进展"));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

// ---------------------------------------------------------------------------
// Tables as data

/// The largest definition file accepted.
pub const MAX_DEFINITION_BYTES: usize = 256 * 1024;
/// The most columns, header rows and fixed rows a table may have (an official form has far fewer).
pub const MAX_COLUMNS: usize = 100;
pub const MAX_HEADER_ROWS: usize = 10;
pub const MAX_ROWS: usize = 500;

/// A header cell laid out: (row, column, rows spanned, columns spanned, text).
pub type Placed<'a> = (usize, usize, usize, usize, &'a str);

/// One official table: its layout and how each figure is computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableDef {
    /// Stable key (letters, digits, `-`), e.g. `jiangsu-1`.
    pub key: String,
    /// The title; `{year}` becomes the report period's year.
    pub title: String,
    /// The sheet's name in the workbook (at most 31 characters).
    pub sheet: String,
    /// Where the layout comes from, e.g. 苏社管〔2021〕14号 附件1.
    #[serde(default)]
    pub source: String,
    /// Lines printed above the header, e.g. 单位（盖章）：{unit}, 联系人：, 电话：.
    #[serde(default)]
    pub lines: Vec<String>,
    /// Header rows; each cell spans `cols` columns and `rows` rows.
    pub header: Vec<Vec<HeaderCell>>,
    pub body: Body,
    /// The 备注 lines under the table.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Column widths in characters, left to right (missing ones are 14).
    #[serde(default)]
    pub widths: Vec<f64>,
}

/// A header cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderCell {
    pub text: String,
    #[serde(default = "one")]
    pub cols: u16,
    #[serde(default = "one")]
    pub rows: u16,
}

fn one() -> u16 {
    1
}

/// Which records belong to a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitScope {
    /// Projects of the organisations registered in the unit's region (the
    /// civil-affairs view: Jiangsu's 附件1 and 附件2).
    Registered,
    /// Projects helping the unit's region (the rural-revitalisation view).
    Helped,
}

/// The table's body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Body {
    /// Fixed rows (with their group in the first column) × computed columns.
    Grid { scope: UnitScope, rows: Vec<RowDef>, columns: Vec<ColumnDef> },
    /// One line per project.
    List { scope: UnitScope, columns: Vec<ListColumn> },
}

/// A fixed row of a grid and which projects it counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowDef {
    /// The group shown merged in the first column (e.g. 省外), or none.
    #[serde(default)]
    pub group: String,
    pub label: String,
    #[serde(rename = "match")]
    pub matches: RowMatch,
}

/// Which projects a row counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case", deny_unknown_fields)]
pub enum RowMatch {
    /// Projects helping any of these regions (codes, natural length).
    Regions { regions: Vec<String> },
    /// Projects outside the unit's province and outside every `Regions` row.
    OutsideOther,
    /// Projects inside the unit's province.
    InsideProvince,
    /// Projects of these natures (项目性质).
    Natures { natures: Vec<String> },
    /// Every project.
    All,
}

/// A computed column of a grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnDef {
    pub key: String,
    pub measure: Measure,
    /// 其中：本级 — only the records at the unit's own level, never added up from below.
    #[serde(default)]
    pub own_level: bool,
}

/// What a column counts or sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Distinct organisations.
    Organisations,
    Projects,
    /// Projects the helped county confirmed done.
    ProjectsDone,
    /// Funds spent (实际投入), fen, shown in 万元.
    Funds,
    /// Planned funds, fen, shown in 万元.
    PlannedFunds,
    People,
    Beneficiaries,
}

impl Measure {
    pub fn is_money(self) -> bool {
        matches!(self, Measure::Funds | Measure::PlannedFunds)
    }
}

/// A column of a list table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListColumn {
    pub field: ListField,
}

/// A project's field in a list table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListField {
    OrgName,
    /// 省/市/县 names of the helped region.
    Region,
    Title,
    Nature,
    Status,
    Funds,
    PlannedFunds,
    People,
    Beneficiaries,
    StartDate,
    EndDate,
    /// Date and text of the latest progress update.
    LastProgress,
}

impl ListField {
    pub fn is_money(self) -> bool {
        matches!(self, ListField::Funds | ListField::PlannedFunds)
    }

    pub fn is_count(self) -> bool {
        matches!(self, ListField::People | ListField::Beneficiaries)
    }
}

impl TableDef {
    /// Reads a definition file (JSON) and checks it; the reason is Chinese.
    /// Nothing is allocated in proportion to what the file declares: its size,
    /// its columns, header rows and rows are bounded before the header is laid out.
    pub fn parse(json: &str) -> Result<TableDef, String> {
        if json.len() > MAX_DEFINITION_BYTES {
            return Err(format!("报表样式文件超过 {} KB", MAX_DEFINITION_BYTES / 1024));
        }
        let def: TableDef = serde_json::from_str(json).map_err(|e| format!("报表样式文件格式有误（第 {} 行第 {} 列）：{}", e.line(), e.column(), describe(&e)))?;
        def.check()?;
        Ok(def)
    }

    fn check(&self) -> Result<(), String> {
        if self.key.is_empty() || self.key.len() > 40 || !self.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err("报表样式的 key 应为 1–40 个字母、数字或“-”".into());
        }
        if self.title.trim().is_empty() {
            return Err("报表样式缺少标题（title）".into());
        }
        if self.sheet.trim().is_empty() || self.sheet.chars().count() > 31 || self.sheet.contains(['/', '\\', '?', '*', '[', ']', ':']) {
            return Err("工作表名称（sheet）应为 1–31 个字符，且不含 / \\ ? * [ ] :".into());
        }
        let width = self.width();
        if width == 0 {
            return Err("报表样式没有任何列".into());
        }
        let rows = match &self.body {
            Body::Grid { rows, .. } => rows.len(),
            Body::List { .. } => 0,
        };
        if width > MAX_COLUMNS || self.header.len() > MAX_HEADER_ROWS || rows > MAX_ROWS {
            return Err(format!("报表样式最多 {MAX_COLUMNS} 列、{MAX_HEADER_ROWS} 行表头、{MAX_ROWS} 个固定行"));
        }
        if let Body::Grid { rows, columns, .. } = &self.body {
            if rows.is_empty() {
                return Err("统计表至少要有一行".into());
            }
            let mut keys: Vec<&str> = columns.iter().map(|c| c.key.as_str()).collect();
            keys.sort();
            if keys.windows(2).any(|w| w[0] == w[1]) {
                return Err("统计表的列 key 不能重复".into());
            }
        }
        if self.header.is_empty() {
            return Err("报表样式缺少表头（header）".into());
        }
        self.layout().map(|_| ())
    }

    /// How many columns the sheet has (a grid's two label columns included).
    pub fn width(&self) -> usize {
        match &self.body {
            Body::Grid { columns, .. } => columns.len() + 2,
            Body::List { columns, .. } => columns.len(),
        }
    }

    pub fn scope(&self) -> UnitScope {
        match &self.body {
            Body::Grid { scope, .. } | Body::List { scope, .. } => *scope,
        }
    }

    /// The title for a period ending in `year`.
    pub fn title_for(&self, year: &str) -> String {
        self.title.replace("{year}", year)
    }

    /// Header cells with their position: (row, column, rows, columns, text)
    /// (empty for a definition [`TableDef::parse`] would refuse).
    pub fn header_cells(&self) -> Vec<Placed<'_>> {
        self.layout().unwrap_or_default()
    }

    /// Lays the header out left to right, each cell after those spanning down
    /// from the rows above; every header row must cover the width exactly.
    fn layout(&self) -> Result<Vec<Placed<'_>>, String> {
        let width = self.width();
        let mut taken = vec![vec![false; width]; self.header.len()];
        let mut out = Vec::new();
        for (r, cells) in self.header.iter().enumerate() {
            let mut c = 0;
            for cell in cells {
                while c < width && taken[r][c] {
                    c += 1;
                }
                let (cols, rows) = (cell.cols as usize, cell.rows as usize);
                if cols == 0 || rows == 0 || c + cols > width || r + rows > self.header.len() {
                    return Err(format!("表头第 {} 行的“{}”超出了表格的 {width} 列或表头的 {} 行", r + 1, cell.text, self.header.len()));
                }
                for row in taken.iter_mut().skip(r).take(rows) {
                    for slot in row.iter_mut().skip(c).take(cols) {
                        *slot = true;
                    }
                }
                out.push((r, c, rows, cols, cell.text.as_str()));
                c += cols;
            }
            if taken[r].iter().any(|t| !t) {
                return Err(format!("表头第 {} 行没有覆盖全部 {width} 列", r + 1));
            }
        }
        Ok(out)
    }
}

/// serde's message without its English framing: the kind of mistake in Chinese.
fn describe(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let text = e.to_string();
    let field = text.split('`').nth(1).map(|f| format!("“{f}”")).unwrap_or_default();
    match e.classify() {
        Category::Syntax | Category::Eof => "不是有效的 JSON".into(),
        Category::Data if text.starts_with("unknown field") => format!("未知的字段{field}"),
        Category::Data if text.starts_with("missing field") => format!("缺少字段{field}"),
        Category::Data if text.starts_with("unknown variant") => format!("未知的取值{field}"),
        _ => "字段的类型或取值不对".into(),
    }
}

/// One project as a report sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    pub project_id: i64,
    pub org_id: i64,
    pub org_name: String,
    /// Where the organisation is registered.
    pub org_region: RegionCode,
    /// The helped region.
    pub region: RegionCode,
    /// 省/市/县 names of the helped region.
    pub region_name: String,
    pub title: String,
    pub nature: String,
    pub status: crate::project::Status,
    pub funds_fen: i64,
    pub planned_funds_fen: i64,
    pub people: i64,
    pub beneficiaries: i64,
    pub start_date: String,
    pub end_date: String,
    /// `YYYY-MM-DD：what was done`, or empty.
    pub last_progress: String,
}

impl Fact {
    /// The region that decides which unit the project belongs to.
    pub fn unit_region(&self, scope: UnitScope) -> &RegionCode {
        match scope {
            UnitScope::Registered => &self.org_region,
            UnitScope::Helped => &self.region,
        }
    }
}

/// One figure: what the records give, and the unit's correction with its reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    pub computed: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrected: Option<i64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

impl Figure {
    /// The figure the report states.
    pub fn value(&self) -> i64 {
        self.corrected.unwrap_or(self.computed)
    }
}

/// A table's figures for one unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Figures {
    /// `cells[row][column]` in the definition's order.
    Grid { cells: Vec<Vec<Figure>> },
    List { lines: Vec<Fact> },
}

/// A unit's correction of one grid figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    pub table: String,
    pub row: usize,
    pub column: usize,
    pub value: i64,
    pub reason: String,
}

/// The figures of `def` for `unit` from `facts` — the records that lie at the
/// unit's own level (those below, in units that report, come through
/// [`Figures::add_child`]). `province` is the unit's province (for 省内/省外).
pub fn compute(def: &TableDef, unit: &RegionCode, facts: &[Fact]) -> Figures {
    let scope = def.scope();
    let province: String = unit.as_str().chars().take(2).collect();
    match &def.body {
        Body::List { .. } => Figures::List { lines: facts.to_vec() },
        Body::Grid { rows, columns, .. } => {
            let named: Vec<&str> = rows
                .iter()
                .filter_map(|r| match &r.matches {
                    RowMatch::Regions { regions } => Some(regions.iter().map(String::as_str).collect::<Vec<_>>()),
                    _ => None,
                })
                .flatten()
                .collect();
            let in_row = |row: &RowDef, f: &Fact| {
                let code = f.region.as_str();
                match &row.matches {
                    RowMatch::Regions { regions } => regions.iter().any(|r| code.starts_with(r.as_str())),
                    RowMatch::OutsideOther => !province.is_empty() && !code.starts_with(province.as_str()) && !named.iter().any(|r| code.starts_with(r)),
                    RowMatch::InsideProvince => !province.is_empty() && code.starts_with(province.as_str()),
                    RowMatch::Natures { natures } => natures.contains(&f.nature),
                    RowMatch::All => true,
                }
            };
            let cells = rows
                .iter()
                .map(|row| {
                    let matching: Vec<&Fact> = facts.iter().filter(|f| in_row(row, f)).collect();
                    columns
                        .iter()
                        .map(|col| {
                            let counted: Vec<&&Fact> = matching.iter().filter(|f| !col.own_level || f.unit_region(scope) == unit).collect();
                            let computed = match col.measure {
                                Measure::Organisations => {
                                    let mut ids: Vec<i64> = counted.iter().map(|f| f.org_id).collect();
                                    ids.sort_unstable();
                                    ids.dedup();
                                    ids.len() as i64
                                }
                                Measure::Projects => counted.len() as i64,
                                Measure::ProjectsDone => counted.iter().filter(|f| f.status == crate::project::Status::Done).count() as i64,
                                Measure::Funds => counted.iter().map(|f| f.funds_fen).sum(),
                                Measure::PlannedFunds => counted.iter().map(|f| f.planned_funds_fen).sum(),
                                Measure::People => counted.iter().map(|f| f.people).sum(),
                                Measure::Beneficiaries => counted.iter().map(|f| f.beneficiaries).sum(),
                            };
                            Figure { computed, ..Figure::default() }
                        })
                        .collect()
                })
                .collect();
            Figures::Grid { cells }
        }
    }
}

impl Figures {
    /// Adds an approved report of a unit below: its stated figures (corrections
    /// included) to every column that is not 其中：本级; its lines to a list.
    pub fn add_child(&mut self, def: &TableDef, child: &Figures) {
        match (self, child, &def.body) {
            (Figures::Grid { cells }, Figures::Grid { cells: theirs }, Body::Grid { columns, .. }) => {
                for (mine, their) in cells.iter_mut().zip(theirs) {
                    for ((m, t), col) in mine.iter_mut().zip(their).zip(columns) {
                        if !col.own_level {
                            m.computed += t.value();
                        }
                    }
                }
            }
            (Figures::List { lines }, Figures::List { lines: theirs }, _) => lines.extend(theirs.iter().cloned()),
            _ => {}
        }
    }

    /// Applies the unit's corrections of this table (out-of-range ones are ignored).
    pub fn correct(&mut self, table: &str, corrections: &[Correction]) {
        if let Figures::Grid { cells } = self {
            for c in corrections.iter().filter(|c| c.table == table) {
                if let Some(f) = cells.get_mut(c.row).and_then(|r| r.get_mut(c.column)) {
                    f.corrected = Some(c.value);
                    f.reason = c.reason.clone();
                }
            }
        }
    }
}

/// Reads a correction typed into a grid cell: money in 万元 or a whole count,
/// and a reason (required: a correction never silently overwrites).
pub fn parse_correction(def: &TableDef, row: usize, column: usize, value: &str, reason: &str) -> Result<Correction, Vec<FieldError>> {
    let Body::Grid { rows, columns, .. } = &def.body else {
        return Err(vec![FieldError::new("value", "清单类报表不能直接修改数字，请修改对应的项目记录")]);
    };
    let (Some(r), Some(col)) = (rows.get(row), columns.get(column)) else {
        return Err(vec![FieldError::new("value", "没有这个单元格")]);
    };
    let label = format!("“{}”的第 {} 个数", r.label, column + 1);
    let mut errors = Vec::new();
    let parsed = if col.measure.is_money() { crate::project::parse_money("value", &label, value) } else { crate::project::parse_count("value", &label, value) };
    let value = parsed.unwrap_or_else(|e| {
        errors.push(e);
        0
    });
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        errors.push(FieldError::new("reason", "修改统计数字必须写明原因（500 字以内）"));
    }
    if errors.is_empty() { Ok(Correction { table: def.key.clone(), row, column, value, reason: reason.to_string() }) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Status;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn a_unit_report_moves_up_and_reopens_only_through_the_level_above() {
        use UnitStatus::*;
        assert_eq!(advance(Pending, Step::Submit), Ok(Submitted));
        assert_eq!(advance(Submitted, Step::Return), Ok(Returned));
        assert_eq!(advance(Returned, Step::Submit), Ok(Submitted));
        assert_eq!(advance(Submitted, Step::Approve), Ok(Approved));
        assert!(advance(Approved, Step::Submit).is_err(), "an approved report is locked");
        assert_eq!(advance(Approved, Step::RequestReopen), Ok(ReopenRequested));
        assert_eq!(advance(ReopenRequested, Step::RefuseReopen), Ok(Approved));
        assert_eq!(advance(ReopenRequested, Step::GrantReopen), Ok(Returned));
        assert!(advance(Pending, Step::Approve).is_err());
        assert!(advance(Submitted, Step::Submit).is_err(), "a second submission of the same round is refused");
        assert!(ReopenRequested.counts_above() && !Returned.counts_above());
        assert_eq!(UnitStatus::try_from("approved".to_string()), Ok(Approved));
        assert!(UnitStatus::try_from("ok".to_string()).is_err());
    }

    #[test]
    fn the_reviewer_is_the_nearest_reporting_level_above_or_the_collector() {
        let all = |r: &RegionCode| matches!(r.level(), Level::Prefecture | Level::County);
        assert_eq!(reviewer(&code("530628"), &code("53"), all), code("5306"));
        assert_eq!(reviewer(&code("5306"), &code("53"), all), code("53"));
        assert_eq!(reviewer(&code("530628"), &code("53"), |r: &RegionCode| r.level() == Level::County), code("53"));
    }

    #[test]
    fn an_organisation_reports_to_the_office_it_is_registered_with_when_that_office_reports() {
        let all = |r: &RegionCode| matches!(r.level(), Level::Prefecture | Level::County);
        let none = |_: &RegionCode| false;
        assert_eq!(org_reviewer(&code("530628"), &code("53"), all), code("530628"), "a county-registered organisation: the county office");
        assert_eq!(org_reviewer(&code("530628"), &code("53"), none), code("53"), "no office reports: the collector");
        assert_eq!(org_reviewer(&code("53"), &code("53"), all), code("53"), "全省性社会组织: the province");
        assert_eq!(org_reviewer(&code("530628"), &code("53"), |r: &RegionCode| r.level() == Level::Prefecture), code("5306"));
    }

    #[test]
    fn a_unit_is_a_region_or_an_organisation_and_reads_back_as_written() {
        for (text, key) in [("530628", UnitKey::Region(code("530628"))), ("org-12", UnitKey::Org(12))] {
            assert_eq!(UnitKey::parse(text), Some(key.clone()));
            assert_eq!(key.to_string(), text);
            assert_eq!(UnitKey::try_from(text.to_string()).ok(), Some(key));
        }
        for bad in ["org-", "org-0", "org-x", "orgs", ""] {
            assert_eq!(UnitKey::parse(bad), None, "{bad}");
        }
        let typed = |levels: &[&str]| {
            let levels: Vec<String> = levels.iter().map(|s| s.to_string()).collect();
            let t = TypedReport { title: "2026年社会组织年度报告", period_from: "2026-01-01", period_to: "2026-12-31", due_on: "2026-12-15", levels: &levels, tables: &["jiangsu-2".to_string()] };
            NewReport::parse(&t, &["jiangsu-2".to_string()])
        };
        let r = typed(&["orgs_registered"]).unwrap();
        assert_eq!((r.levels.len(), r.orgs, r.units_text().as_str()), (0, Some(OrgUnits::Registered), "orgs_registered"));
        assert_eq!(typed(&["county", "orgs_registered", "orgs_within"]).unwrap().units_text(), "county,orgs_within");
        assert_eq!(typed(&[]).unwrap_err()[0].message, "请选择报送单位（地市级、县级或社会组织）");
    }

    fn jiangsu_1() -> TableDef {
        TableDef::parse(include_str!("../../../tables/jiangsu-1.json")).unwrap()
    }

    fn fact(id: i64, org: i64, org_region: &str, region: &str, funds_fen: i64) -> Fact {
        Fact {
            project_id: id,
            org_id: org,
            org_name: format!("组织{org}"),
            org_region: code(org_region),
            region: code(region),
            region_name: String::new(),
            title: format!("项目{id}"),
            nature: "教育帮扶".into(),
            status: Status::InProgress,
            funds_fen,
            planned_funds_fen: 0,
            people: 2,
            beneficiaries: 10,
            start_date: String::new(),
            end_date: String::new(),
            last_progress: String::new(),
        }
    }

    #[test]
    fn jiangsu_form_1_counts_by_where_help_goes_with_the_prefectures_own_level_apart() {
        let def = jiangsu_1();
        assert_eq!(def.width(), 12);
        let unit = code("3213"); // 宿迁市
        let facts = [
            fact(1, 1, "3213", "653001", 1_000_000), // 克州, an organisation of the prefecture itself
            fact(2, 2, "321323", "653022", 500_000), // 克州, a county's organisation
            fact(3, 2, "321323", "610727", 300_000), // 陕西
            fact(4, 3, "321323", "450124", 200_000), // 广西: 省外其它地区
            fact(5, 3, "321323", "321323", 100_000), // 省内
        ];
        let Figures::Grid { cells } = compute(&def, &unit, &facts) else { panic!("a grid") };
        let row = |label: &str| {
            let Body::Grid { rows, .. } = &def.body else { unreachable!() };
            let i = rows.iter().position(|r| r.label == label).unwrap();
            cells[i].iter().map(Figure::value).collect::<Vec<_>>()
        };
        // 组织数 总数, 市本级; 项目数 总数, 市本级; 资金; 人员; 受益人数
        assert_eq!(row("新疆克州"), [2, 1, 2, 1, 1_500_000, 1_000_000, 4, 2, 20, 10]);
        assert_eq!(row("陕西省"), [1, 0, 1, 0, 300_000, 0, 2, 0, 10, 0]);
        assert_eq!(row("省外其它地区"), [1, 0, 1, 0, 200_000, 0, 2, 0, 10, 0]);
        assert_eq!(row("省内"), [1, 0, 1, 0, 100_000, 0, 2, 0, 10, 0]);
        assert_eq!(row("新疆伊犁州"), [0; 10]);
    }

    #[test]
    fn a_total_adds_what_was_approved_below_but_never_their_own_level() {
        let def = jiangsu_1();
        let unit = code("3213");
        let mut mine = compute(&def, &unit, &[fact(1, 1, "3213", "653001", 1_000_000)]);
        let mut county = compute(&def, &code("321323"), &[fact(2, 2, "321323", "653022", 500_000)]);
        county.correct("jiangsu-1", &[Correction { table: "jiangsu-1".into(), row: 0, column: 4, value: 600_000, reason: "补录一笔".into() }]);
        mine.add_child(&def, &county);
        let Figures::Grid { cells } = &mine else { panic!() };
        assert_eq!(cells[0][4].value(), 1_600_000, "the county's corrected figure is what rolls up");
        assert_eq!(cells[0][5].value(), 1_000_000, "其中：市本级 stays the prefecture's own");
        assert_eq!(cells[0][0].value(), 2);
    }

    #[test]
    fn a_correction_needs_a_number_of_the_column_kind_and_a_reason() {
        let def = jiangsu_1();
        let c = parse_correction(&def, 6, 4, "12.5", "漏报一个项目").unwrap();
        assert_eq!((c.row, c.column, c.value), (6, 4, 12_500_000));
        let e = parse_correction(&def, 6, 0, "三个", "").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["value", "reason"]);
        assert!(parse_correction(&def, 99, 0, "1", "x").is_err());
    }

    #[test]
    fn a_definition_whose_header_does_not_cover_its_columns_is_refused_in_chinese() {
        let mut json: serde_json::Value = serde_json::from_str(include_str!("../../../tables/jiangsu-1.json")).unwrap();
        json["header"][1].as_array_mut().unwrap().pop();
        let e = TableDef::parse(&json.to_string()).unwrap_err();
        assert!(e.contains("表头第 2 行没有覆盖全部 12 列"), "{e}");
        json["colour"] = "red".into();
        let e = TableDef::parse(&json.to_string()).unwrap_err();
        assert!(e.contains("未知的字段“colour”"), "{e}");
        assert!(TableDef::parse("{").unwrap_err().contains("不是有效的 JSON"));
        // A small file declaring a huge layout is refused before anything is laid out.
        let wide = serde_json::json!({"key": "x", "title": "t", "sheet": "s", "header": vec![vec![serde_json::json!({"text": "a", "cols": 65535})]; 10],
            "body": {"kind": "list", "scope": "helped", "columns": vec![serde_json::json!({"field": "title"}); 5000]}});
        assert!(TableDef::parse(&wide.to_string()).unwrap_err().contains("最多 100 列"));
        assert!(TableDef::parse(&" ".repeat(MAX_DEFINITION_BYTES + 1)).unwrap_err().contains("超过"));
    }

    #[test]
    fn every_shipped_definition_parses() {
        for json in [
            include_str!("../../../tables/jiangsu-1.json"),
            include_str!("../../../tables/jiangsu-2.json"),
            include_str!("../../../tables/jilin-4.json"),
            include_str!("../../../tables/jilin-5.json"),
            include_str!("../../../tables/yunnan-half-year.json"),
        ] {
            let def = TableDef::parse(json).unwrap();
            assert!(!def.header_cells().is_empty());
        }
    }

    #[test]
    fn a_report_definition_names_every_bad_field() {
        let known = vec!["jiangsu-1".to_string()];
        let levels = vec!["county".to_string(), "prefecture".to_string()];
        let tables = vec!["jiangsu-1".to_string()];
        let ok = NewReport::parse(&TypedReport { title: "2026年上半年调度", period_from: "2026-01-01", period_to: "2026-06-30", due_on: "2026-07-15", levels: &levels, tables: &tables }, &known).unwrap();
        assert_eq!(ok.levels, [Level::Prefecture, Level::County]);
        let bad_tables = vec!["nope".to_string()];
        let e = NewReport::parse(&TypedReport { title: "", period_from: "2026-07-01", period_to: "2026-06-30", due_on: "明天", levels: &[], tables: &bad_tables }, &known).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "due_on", "period_to", "levels", "tables"]);
    }
}
