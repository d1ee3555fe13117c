//! The export to the national monitoring system (全国防止返贫监测和衔接推进乡村振兴信息系统):
//! the statistical period (`2026H1`), the layout as data (which figure of a
//! county's records fills which column), the rows — one per county and
//! organisation — computed from the records, and the corrections between two
//! batches of the same region and period.
//!
//! Guarantees:
//! - A layout is read in one place ([`Layout::parse`]): every bad field is
//!   named in Chinese (`columns[3].figure` → “第 4 列的数据项…”), nothing of
//!   a bad file is kept; a column names one [`Figure`] of the closed list.
//! - [`rows`] is the one computation of what a batch contains: a row per
//!   (county, organisation) for each organisation in a pairing with the county
//!   (consented, signed or in force) or with a project helping a place in it
//!   during the period; its figures are the sums of those projects.
//! - [`corrections`] lists exactly the rows whose exported cells differ from
//!   the previous batch's (only the figures the layout exports are compared),
//!   the rows that are new, and the rows that vanished — nothing else.
//!
//! Pure: no I/O.

use crate::{FieldError, Level, RegionCode};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A half-year statistical period: `2026H1` (1 January – 30 June) or `2026H2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    half: u8,
}

impl Period {
    /// Reads `YYYYH1` or `YYYYH2` (a lower-case h too); the reason is Chinese.
    pub fn parse(text: &str) -> Result<Period, String> {
        let t = text.trim().to_ascii_uppercase();
        let bad = || format!("统计期“{}”应写作 年份H1（上半年）或 年份H2（下半年），例如 2026H1", text.trim());
        if t.is_empty() {
            return Err("请填写统计期，例如 2026H1（上半年）或 2026H2（下半年）".into());
        }
        let (year, half) = t.split_once('H').ok_or_else(bad)?;
        if year.len() != 4 || !year.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let half: u8 = match half {
            "1" => 1,
            "2" => 2,
            _ => return Err(bad()),
        };
        if !(2000..=2100).contains(&year) {
            return Err(format!("统计期的年份应在 2000 至 2100 之间，而不是 {year}"));
        }
        Ok(Period { year, half })
    }

    /// The first day, `2026-01-01` or `2026-07-01`.
    pub fn from(&self) -> String {
        format!("{}-{}", self.year, if self.half == 1 { "01-01" } else { "07-01" })
    }

    /// The last day, `2026-06-30` or `2026-12-31`.
    pub fn to(&self) -> String {
        format!("{}-{}", self.year, if self.half == 1 { "06-30" } else { "12-31" })
    }

    /// 2026年上半年.
    pub fn label(&self) -> String {
        format!("{}年{}", self.year, if self.half == 1 { "上半年" } else { "下半年" })
    }

    /// The half-year `today` (a Beijing date) lies in.
    pub fn containing(today: chrono::NaiveDate) -> Period {
        use chrono::Datelike;
        Period { year: today.year(), half: if today.month() <= 6 { 1 } else { 2 } }
    }

    /// The half-year before this one.
    pub fn previous(&self) -> Period {
        if self.half == 2 { Period { year: self.year, half: 1 } } else { Period { year: self.year - 1, half: 2 } }
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}H{}", self.year, self.half)
    }
}

impl TryFrom<String> for Period {
    type Error = crate::UnknownCode;
    fn try_from(code: String) -> Result<Self, Self::Error> {
        Period::parse(&code).map_err(|_| crate::UnknownCode { what: "统计期", code })
    }
}

/// What fills a column: one figure of a (county, organisation) row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    CountyCode,
    CountyName,
    OrgName,
    CreditCode,
    OrgType,
    PairingStatus,
    SignedOn,
    Pairings,
    Projects,
    ProjectsDone,
    Funds,
    PlannedFunds,
    People,
    Beneficiaries,
    Fields,
}

/// How a figure is written in a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Fen, written as 万元 with two decimals.
    Money,
    Count,
}

impl Figure {
    pub const ALL: [Figure; 15] = [
        Figure::CountyCode,
        Figure::CountyName,
        Figure::OrgName,
        Figure::CreditCode,
        Figure::OrgType,
        Figure::PairingStatus,
        Figure::SignedOn,
        Figure::Pairings,
        Figure::Projects,
        Figure::ProjectsDone,
        Figure::Funds,
        Figure::PlannedFunds,
        Figure::People,
        Figure::Beneficiaries,
        Figure::Fields,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Figure::CountyCode => "county_code",
            Figure::CountyName => "county_name",
            Figure::OrgName => "org_name",
            Figure::CreditCode => "credit_code",
            Figure::OrgType => "org_type",
            Figure::PairingStatus => "pairing_status",
            Figure::SignedOn => "signed_on",
            Figure::Pairings => "pairings",
            Figure::Projects => "projects",
            Figure::ProjectsDone => "projects_done",
            Figure::Funds => "funds",
            Figure::PlannedFunds => "planned_funds",
            Figure::People => "people",
            Figure::Beneficiaries => "beneficiaries",
            Figure::Fields => "fields",
        }
    }

    pub fn parse(s: &str) -> Option<Figure> {
        Figure::ALL.into_iter().find(|f| f.as_str() == s.trim())
    }

    /// What it is, in Chinese (the layout page and docs/monitoring-export.md say the same).
    pub fn label(self) -> &'static str {
        match self {
            Figure::CountyCode => "县级区划代码（6 位）",
            Figure::CountyName => "县（市、区）全称",
            Figure::OrgName => "社会组织名称",
            Figure::CreditCode => "统一社会信用代码",
            Figure::OrgType => "社会组织类型",
            Figure::PairingStatus => "与该县的结对状态（生效中、已签协议待确认、已同意待签协议；无结对为空）",
            Figure::SignedOn => "结对协议签订日期（最早一份）",
            Figure::Pairings => "与该县的结对数（已同意、已签协议或生效中）",
            Figure::Projects => "统计期内帮扶项目数",
            Figure::ProjectsDone => "其中受益方确认完成的项目数",
            Figure::Funds => "实际投入资金（万元）",
            Figure::PlannedFunds => "计划投入资金（万元）",
            Figure::People => "投入人员数",
            Figure::Beneficiaries => "受益人数",
            Figure::Fields => "帮扶领域（项目和结对的领域，以“、”分隔）",
        }
    }

    pub fn kind(self) -> Kind {
        match self {
            Figure::Funds | Figure::PlannedFunds => Kind::Money,
            Figure::Pairings | Figure::Projects | Figure::ProjectsDone | Figure::People | Figure::Beneficiaries => Kind::Count,
            _ => Kind::Text,
        }
    }
}

/// One column of the export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// The header as the national template writes it.
    pub header: String,
    pub figure: Figure,
    /// Width in characters (default 14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<f64>,
}

/// The layout of the export: the national system's template as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// The sheet's title.
    pub title: String,
    /// The worksheet's name.
    pub sheet: String,
    /// Whether it is an example (the real template is not public): the file and the page say so.
    #[serde(default)]
    pub example: bool,
    /// Lines under the table.
    #[serde(default)]
    pub notes: Vec<String>,
    pub columns: Vec<Column>,
}

impl Eq for Column {}

/// The largest layout file read.
pub const MAX_LAYOUT_BYTES: usize = 64 * 1024;
/// The most columns a layout has.
pub const MAX_COLUMNS: usize = 60;

/// The layout shipped with the platform: an example, until the real template arrives.
pub const DEFAULT_LAYOUT: &str = include_str!("../../../tables/monitoring-export.json");

impl Layout {
    /// The shipped example (checked by a unit test).
    pub fn default_layout() -> Layout {
        Layout::parse(DEFAULT_LAYOUT).expect("the shipped monitoring layout parses")
    }

    /// Reads a layout file (JSON); every bad field named in Chinese.
    pub fn parse(json: &str) -> Result<Layout, Vec<FieldError>> {
        let one = |field: &str, m: String| vec![FieldError::new(field, m)];
        if json.len() > MAX_LAYOUT_BYTES {
            return Err(one("layout", format!("模板文件超过 {} KB", MAX_LAYOUT_BYTES / 1024)));
        }
        let value: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| one("layout", format!("模板不是有效的 JSON（第 {} 行第 {} 列）", e.line(), e.column())))?;
        let Some(top) = value.as_object() else {
            return Err(one("layout", "模板应为一个 JSON 对象，含 title、sheet、columns 等字段".into()));
        };
        let mut errors = Vec::new();
        for k in top.keys() {
            if !["title", "sheet", "example", "notes", "columns"].contains(&k.as_str()) {
                errors.push(FieldError::new(k.clone(), format!("未知的字段“{k}”（可用的字段：title、sheet、example、notes、columns）")));
            }
        }
        let text = |errors: &mut Vec<FieldError>, key: &str, what: &str| -> String {
            match top.get(key) {
                Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
                Some(serde_json::Value::String(_)) | None => {
                    errors.push(FieldError::new(key, format!("请填写{what}（{key}）")));
                    String::new()
                }
                Some(_) => {
                    errors.push(FieldError::new(key, format!("{what}（{key}）应为文字")));
                    String::new()
                }
            }
        };
        let title = text(&mut errors, "title", "标题");
        if title.chars().count() > 100 {
            errors.push(FieldError::new("title", "标题（title）最多 100 个字"));
        }
        let sheet = text(&mut errors, "sheet", "工作表名称");
        if sheet.chars().count() > 31 || sheet.contains(['/', '\\', '?', '*', '[', ']', ':']) || sheet == "更正" {
            errors.push(FieldError::new("sheet", "工作表名称（sheet）应为 1–31 个字符，不含 / \\ ? * [ ] :，且不能是“更正”（更正清单单独成表）"));
        }
        let example = match top.get("example") {
            None => false,
            Some(serde_json::Value::Bool(b)) => *b,
            Some(_) => {
                errors.push(FieldError::new("example", "example 应为 true（示例模板）或 false"));
                false
            }
        };
        let mut notes = Vec::new();
        match top.get("notes") {
            None => {}
            Some(serde_json::Value::Array(items)) => {
                for (i, n) in items.iter().enumerate() {
                    match n.as_str() {
                        Some(s) if s.chars().count() <= 500 => notes.push(s.to_string()),
                        _ => errors.push(FieldError::new(format!("notes[{i}]"), format!("第 {} 条备注应为不超过 500 字的文字", i + 1))),
                    }
                }
            }
            Some(_) => errors.push(FieldError::new("notes", "备注（notes）应为文字的列表")),
        }
        let mut columns = Vec::new();
        match top.get("columns") {
            Some(serde_json::Value::Array(items)) if !items.is_empty() => {
                if items.len() > MAX_COLUMNS {
                    errors.push(FieldError::new("columns", format!("最多 {MAX_COLUMNS} 列，模板有 {} 列", items.len())));
                }
                let mut seen: BTreeSet<String> = BTreeSet::new();
                for (i, c) in items.iter().enumerate().take(MAX_COLUMNS) {
                    if let Some(col) = read_column(i, c, &mut errors) {
                        if !seen.insert(col.header.clone()) {
                            errors.push(FieldError::new(format!("columns[{i}].header"), format!("第 {} 列的表头“{}”与前面的列重复", i + 1, col.header)));
                        }
                        columns.push(col);
                    }
                }
            }
            Some(serde_json::Value::Array(_)) | None => errors.push(FieldError::new("columns", "模板至少要有一列（columns）")),
            Some(_) => errors.push(FieldError::new("columns", "列（columns）应为列表，每列写明 header（表头）和 figure（数据项）")),
        }
        if errors.is_empty() { Ok(Layout { title, sheet, example, notes, columns }) } else { Err(errors) }
    }

    /// The layout as a file (pretty JSON), as it is stored and offered for editing.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The figures the layout exports, in column order.
    pub fn figures(&self) -> Vec<Figure> {
        self.columns.iter().map(|c| c.figure).collect()
    }
}

fn read_column(i: usize, c: &serde_json::Value, errors: &mut Vec<FieldError>) -> Option<Column> {
    let n = i + 1;
    let Some(obj) = c.as_object() else {
        errors.push(FieldError::new(format!("columns[{i}]"), format!("第 {n} 列应写作 {{\"header\": 表头, \"figure\": 数据项}}")));
        return None;
    };
    let before = errors.len();
    for k in obj.keys() {
        if !["header", "figure", "width"].contains(&k.as_str()) {
            errors.push(FieldError::new(format!("columns[{i}].{k}"), format!("第 {n} 列有未知的字段“{k}”（可用：header、figure、width）")));
        }
    }
    let header = match obj.get("header").and_then(|h| h.as_str()).map(str::trim) {
        Some(h) if !h.is_empty() && h.chars().count() <= 60 => h.to_string(),
        Some(h) if !h.is_empty() => {
            errors.push(FieldError::new(format!("columns[{i}].header"), format!("第 {n} 列的表头最多 60 个字")));
            h.to_string()
        }
        _ => {
            errors.push(FieldError::new(format!("columns[{i}].header"), format!("第 {n} 列缺少表头（header）")));
            String::new()
        }
    };
    let figure = match obj.get("figure").and_then(|f| f.as_str()) {
        Some(f) => Figure::parse(f).or_else(|| {
            let known: Vec<String> = Figure::ALL.iter().map(|x| format!("{}（{}）", x.as_str(), short_label(*x))).collect();
            errors.push(FieldError::new(format!("columns[{i}].figure"), format!("第 {n} 列的数据项“{f}”不存在，可选：{}", known.join("、"))));
            None
        }),
        None => {
            errors.push(FieldError::new(format!("columns[{i}].figure"), format!("第 {n} 列缺少数据项（figure），例如 org_name、funds")));
            None
        }
    };
    let width = match obj.get("width") {
        None => None,
        Some(w) => match w.as_f64() {
            Some(x) if (2.0..=100.0).contains(&x) => Some(x),
            _ => {
                errors.push(FieldError::new(format!("columns[{i}].width"), format!("第 {n} 列的列宽（width）应为 2 到 100 之间的数")));
                None
            }
        },
    };
    match figure {
        Some(figure) if errors.len() == before => Some(Column { header, figure, width }),
        _ => None,
    }
}

/// A figure's label up to its first bracket.
fn short_label(f: Figure) -> &'static str {
    let l = f.label();
    l.split('（').next().unwrap_or(l)
}

/// The county a record belongs to: the deepest region at or above county
/// level on its path (a village's or township's county; a prefecture-level
/// record stays where it is).
pub fn county_of(code: &RegionCode) -> RegionCode {
    code.ancestry().into_iter().take_while(|c| c.level() <= Level::County).last().unwrap_or_else(|| code.clone())
}

/// One project as the export reads it (the store applies the period).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectLine {
    pub org: OrgLine,
    pub region: RegionCode,
    pub done: bool,
    pub field: String,
    pub funds_fen: i64,
    pub planned_funds_fen: i64,
    pub people: i64,
    pub beneficiaries: i64,
}

/// One pairing as the export reads it (consented, signed or in force).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingLine {
    pub org: OrgLine,
    pub region: RegionCode,
    pub status: crate::pairing::Status,
    /// The signing date (Beijing, `YYYY-MM-DD`), if signed.
    pub signed_on: Option<String>,
    /// '、'- or ','-separated fields.
    pub fields: String,
}

/// The organisation of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgLine {
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub org_type: String,
}

/// One row of the export: an organisation's work in one county.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub county_code: String,
    pub county_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub credit_code: String,
    pub org_type: String,
    pub pairing_status: String,
    pub signed_on: String,
    pub pairings: i64,
    pub projects: i64,
    pub projects_done: i64,
    pub funds_fen: i64,
    pub planned_funds_fen: i64,
    pub people: i64,
    pub beneficiaries: i64,
    pub fields: String,
}

/// A cell's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    /// Fen.
    Money(i64),
    Count(i64),
}

impl Cell {
    /// As people read it (万元 with two decimals).
    pub fn display(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Money(f) => crate::pairing::format_wan(*f),
            Cell::Count(n) => n.to_string(),
        }
    }
}

impl Row {
    /// The row's identity from batch to batch: county and organisation.
    pub fn key(&self) -> String {
        format!("{}/{}", self.county_code, self.org_id)
    }

    pub fn cell(&self, f: Figure) -> Cell {
        match f {
            Figure::CountyCode => Cell::Text(self.county_code.clone()),
            Figure::CountyName => Cell::Text(self.county_name.clone()),
            Figure::OrgName => Cell::Text(self.org_name.clone()),
            Figure::CreditCode => Cell::Text(self.credit_code.clone()),
            Figure::OrgType => Cell::Text(self.org_type.clone()),
            Figure::PairingStatus => Cell::Text(self.pairing_status.clone()),
            Figure::SignedOn => Cell::Text(self.signed_on.clone()),
            Figure::Pairings => Cell::Count(self.pairings),
            Figure::Projects => Cell::Count(self.projects),
            Figure::ProjectsDone => Cell::Count(self.projects_done),
            Figure::Funds => Cell::Money(self.funds_fen),
            Figure::PlannedFunds => Cell::Money(self.planned_funds_fen),
            Figure::People => Cell::Count(self.people),
            Figure::Beneficiaries => Cell::Count(self.beneficiaries),
            Figure::Fields => Cell::Text(self.fields.clone()),
        }
    }

    /// The row as stored with its batch (every figure, whatever the layout).
    pub fn content(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// SM3 of [`Row::content`], hex.
    pub fn digest(&self) -> String {
        crate::crypto::sm3_hex(self.content().as_bytes())
    }
}

/// The rank of a pairing status for 结对状态: the most advanced one is shown.
fn rank(s: crate::pairing::Status) -> u8 {
    use crate::pairing::Status::*;
    match s {
        Active => 3,
        Signed => 2,
        Consented => 1,
        _ => 0,
    }
}

fn split_fields(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(['、', ',', '，', ';', '；']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// The rows of a region and period, in order of county code, then
/// organisation name and id: one per (county, organisation) met in
/// `projects` (already limited to the period) or `pairings`; `name` gives a
/// county's full name.
pub fn rows(projects: &[ProjectLine], pairings: &[PairingLine], name: impl Fn(&RegionCode) -> String) -> Vec<Row> {
    #[derive(Default)]
    struct Acc {
        row: Option<Row>,
        fields: BTreeSet<String>,
        best: u8,
    }
    let mut acc: BTreeMap<(String, i64), Acc> = BTreeMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut entry = |org: &OrgLine, region: &RegionCode| -> (String, i64) {
        let county = county_of(region);
        let key = (county.as_str().to_string(), org.id);
        let county_name = names.entry(key.0.clone()).or_insert_with(|| name(&county)).clone();
        let a = acc.entry(key.clone()).or_default();
        a.row.get_or_insert_with(|| Row {
            county_code: key.0.clone(),
            county_name,
            org_id: org.id,
            org_name: org.name.clone(),
            credit_code: org.credit_code.clone(),
            org_type: org.org_type.clone(),
            pairing_status: String::new(),
            signed_on: String::new(),
            pairings: 0,
            projects: 0,
            projects_done: 0,
            funds_fen: 0,
            planned_funds_fen: 0,
            people: 0,
            beneficiaries: 0,
            fields: String::new(),
        });
        key
    };
    let mut keys = Vec::new();
    for p in projects {
        keys.push((entry(&p.org, &p.region), true));
    }
    for p in pairings {
        keys.push((entry(&p.org, &p.region), false));
    }
    for (p, (key, _)) in projects.iter().zip(keys.iter()) {
        let a = acc.get_mut(key).expect("entered");
        let r = a.row.as_mut().expect("entered");
        r.projects += 1;
        r.projects_done += i64::from(p.done);
        r.funds_fen += p.funds_fen;
        r.planned_funds_fen += p.planned_funds_fen;
        r.people += p.people;
        r.beneficiaries += p.beneficiaries;
        a.fields.extend(split_fields(&p.field));
    }
    for (p, (key, _)) in pairings.iter().zip(keys.iter().skip(projects.len())) {
        let a = acc.get_mut(key).expect("entered");
        let r = a.row.as_mut().expect("entered");
        r.pairings += 1;
        if rank(p.status) > a.best {
            a.best = rank(p.status);
            r.pairing_status = p.status.label().to_string();
        }
        if let Some(d) = &p.signed_on
            && (r.signed_on.is_empty() || *d < r.signed_on)
        {
            r.signed_on = d.clone();
        }
        a.fields.extend(split_fields(&p.fields));
    }
    let mut out: Vec<Row> = acc
        .into_values()
        .filter_map(|a| {
            let mut r = a.row?;
            r.fields = a.fields.into_iter().collect::<Vec<_>>().join("、");
            Some(r)
        })
        .collect();
    out.sort_by(|a, b| (&a.county_code, &a.org_name, a.org_id).cmp(&(&b.county_code, &b.org_name, b.org_id)));
    out
}

/// What happened to a row since the previous batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A row the previous batch did not have.
    Added,
    /// A row whose exported cells differ.
    Changed,
    /// A row of the previous batch that is no longer there.
    Removed,
}

impl ChangeKind {
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Added => "新增",
            ChangeKind::Changed => "修改",
            ChangeKind::Removed => "删除",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Changed => "changed",
            ChangeKind::Removed => "removed",
        }
    }
}

/// One correction of a batch against the previous one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    pub kind: ChangeKind,
    /// The row's key ([`Row::key`]).
    pub key: String,
    pub before: Option<Row>,
    pub after: Option<Row>,
    /// The exported figures that differ (a changed row only).
    #[serde(default)]
    pub changed: Vec<Figure>,
}

impl Correction {
    /// The row as it is now, or as it was for a removed one.
    pub fn row(&self) -> &Row {
        self.after.as_ref().or(self.before.as_ref()).expect("a correction has a row")
    }

    /// What changed, as people read it: `投入资金（万元）：1.25 → 3.00`.
    pub fn describe(&self, layout: &Layout) -> String {
        match (self.kind, &self.before, &self.after) {
            (ChangeKind::Added, _, _) => "上一批没有此行".into(),
            (ChangeKind::Removed, _, _) => "本批不再有此行（结对或项目已不在统计范围内）".into(),
            (ChangeKind::Changed, Some(b), Some(a)) => layout
                .columns
                .iter()
                .filter(|c| self.changed.contains(&c.figure))
                .map(|c| format!("{}：{} → {}", c.header, or_dash(b.cell(c.figure).display()), or_dash(a.cell(c.figure).display())))
                .collect::<Vec<_>>()
                .join("；"),
            _ => String::new(),
        }
    }
}

fn or_dash(s: String) -> String {
    if s.is_empty() { "（空）".into() } else { s }
}

/// The corrections of `now` against `before` (the previous batch's rows),
/// comparing only `figures` (what the layout exports), in order of key.
pub fn corrections(before: &[Row], now: &[Row], figures: &[Figure]) -> Vec<Correction> {
    let old: BTreeMap<String, &Row> = before.iter().map(|r| (r.key(), r)).collect();
    let new: BTreeMap<String, &Row> = now.iter().map(|r| (r.key(), r)).collect();
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut out = Vec::new();
    for k in keys {
        match (old.get(k), new.get(k)) {
            (None, Some(a)) => out.push(Correction { kind: ChangeKind::Added, key: k.clone(), before: None, after: Some((*a).clone()), changed: Vec::new() }),
            (Some(b), None) => out.push(Correction { kind: ChangeKind::Removed, key: k.clone(), before: Some((*b).clone()), after: None, changed: Vec::new() }),
            (Some(b), Some(a)) => {
                let changed: Vec<Figure> = figures.iter().copied().filter(|f| b.cell(*f) != a.cell(*f)).collect();
                if !changed.is_empty() {
                    out.push(Correction { kind: ChangeKind::Changed, key: k.clone(), before: Some((*b).clone()), after: Some((*a).clone()), changed });
                }
            }
            (None, None) => {}
        }
    }
    out
}

/// The digest of a batch's content: SM3 over its rows' keys and digests in order.
pub fn batch_digest(rows: &[Row]) -> String {
    let text: String = rows.iter().map(|r| format!("{}:{}\n", r.key(), r.digest())).collect();
    crate::crypto::sm3_hex(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairing::Status;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    fn org(id: i64) -> OrgLine {
        OrgLine { id, name: format!("组织{id}"), credit_code: format!("5153000000000000{id:02}"), org_type: "基金会".into() }
    }

    fn project(o: i64, region: &str, funds: i64, field: &str) -> ProjectLine {
        ProjectLine { org: org(o), region: code(region), done: false, field: field.into(), funds_fen: funds, planned_funds_fen: 2 * funds, people: 1, beneficiaries: 10 }
    }

    #[test]
    fn periods_read_as_officers_write_them() {
        let p = Period::parse("2026h1").unwrap();
        assert_eq!((p.from(), p.to(), p.to_string(), p.label()), ("2026-01-01".into(), "2026-06-30".into(), "2026H1".into(), "2026年上半年".into()));
        assert_eq!(Period::parse("2026H2").unwrap().from(), "2026-07-01");
        for bad in ["2026", "2026H3", "26H1", "2026-H1", "H1", "1999H2"] {
            let e = Period::parse(bad).unwrap_err();
            assert!(e.contains("统计期") || e.contains("年份"), "{bad}: {e}");
        }
        assert_eq!(Period::parse("2026H1").unwrap().previous().to_string(), "2025H2");
    }

    #[test]
    fn the_shipped_layout_is_an_example_and_parses() {
        let l = Layout::default_layout();
        assert!(l.example, "the real template is not public: the default says it is an example");
        for f in [Figure::OrgName, Figure::CreditCode, Figure::PairingStatus, Figure::SignedOn, Figure::Projects, Figure::Funds, Figure::People, Figure::Beneficiaries, Figure::Fields] {
            assert!(l.figures().contains(&f), "{f:?}");
        }
        assert_eq!(Layout::parse(&l.to_json()).unwrap(), l, "what is stored reads back the same");
    }

    #[test]
    fn every_bad_field_of_a_layout_is_named() {
        let json = r#"{"title": "", "sheet": "a/b", "colour": 1, "columns": [
            {"header": "名称", "figure": "org_name"},
            {"header": "名称", "figure": "org_name"},
            {"header": "资金", "figure": "fundz"},
            {"figure": "people", "wide": 3}
        ]}"#;
        let errors = Layout::parse(json).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in ["colour", "title", "sheet", "columns[1].header", "columns[2].figure", "columns[3].wide", "columns[3].header"] {
            assert!(fields.contains(&f), "{f} named: {errors:?}");
        }
        let figure = errors.iter().find(|e| e.field == "columns[2].figure").unwrap();
        assert!(figure.message.contains("第 3 列") && figure.message.contains("fundz") && figure.message.contains("funds"), "{}", figure.message);
        assert!(Layout::parse("[1,").unwrap_err()[0].message.contains("JSON"));
        assert_eq!(Layout::parse(r#"{"title":"t","sheet":"s","columns":[]}"#).unwrap_err()[0].field, "columns");
    }

    #[test]
    fn rows_are_one_per_county_and_organisation_with_the_sums_of_their_projects() {
        let projects = [project(1, "530628", 100, "教育"), project(1, "530628101201", 50, "产业、教育"), project(2, "530628", 7, ""), project(1, "530627", 1, "")];
        let pairings = [
            PairingLine { org: org(1), region: code("530628"), status: Status::Signed, signed_on: Some("2026-03-02".into()), fields: "健康".into() },
            PairingLine { org: org(1), region: code("530628"), status: Status::Active, signed_on: Some("2026-02-01".into()), fields: String::new() },
            PairingLine { org: org(3), region: code("530628"), status: Status::Consented, signed_on: None, fields: String::new() },
        ];
        let rows = rows(&projects, &pairings, |c| format!("县{c}"));
        let keys: Vec<String> = rows.iter().map(Row::key).collect();
        assert_eq!(keys, ["530627/1", "530628/1", "530628/2", "530628/3"]);
        let r = &rows[1];
        assert_eq!((r.projects, r.funds_fen, r.planned_funds_fen, r.people, r.beneficiaries), (2, 150, 300, 2, 20));
        assert_eq!((r.pairings, r.pairing_status.as_str(), r.signed_on.as_str(), r.fields.as_str()), (2, Status::Active.label(), "2026-02-01", "产业、健康、教育"));
        assert_eq!(r.county_name, "县530628");
        assert_eq!((rows[3].projects, rows[3].pairing_status.as_str()), (0, Status::Consented.label()));
    }

    #[test]
    fn corrections_are_exactly_the_rows_that_differ_in_what_is_exported() {
        let base = rows(&[project(1, "530628", 1_250_000, ""), project(2, "530628", 5, "")], &[], |_| "彝良县".into());
        assert!(corrections(&base, &base, &Layout::default_layout().figures()).is_empty());
        let mut now = base.clone();
        now[0].funds_fen = 3_000_000;
        now[1].planned_funds_fen = 1; // not exported by this layout
        now.push(rows(&[project(9, "530628", 1, "")], &[], |_| "彝良县".into()).remove(0));
        let figures = [Figure::OrgName, Figure::Funds];
        let c = corrections(&base, &now, &figures);
        assert_eq!(c.iter().map(|c| (c.kind, c.key.as_str())).collect::<Vec<_>>(), [(ChangeKind::Changed, "530628/1"), (ChangeKind::Added, "530628/9")]);
        assert_eq!(c[0].changed, [Figure::Funds]);
        let gone = corrections(&now, &base, &figures);
        assert!(gone.iter().any(|c| c.kind == ChangeKind::Removed && c.key == "530628/9"));
        let layout = Layout { title: "t".into(), sheet: "s".into(), example: true, notes: vec![], columns: vec![Column { header: "投入资金（万元）".into(), figure: Figure::Funds, width: None }] };
        assert_eq!(c[0].describe(&layout), "投入资金（万元）：1.25 → 3.00");
    }
}
