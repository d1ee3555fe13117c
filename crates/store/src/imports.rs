//! Planning an import of a designation list from an officer's spreadsheet.
//!
//! Guarantees: planning reads nothing but the table and the region tree and writes
//! nothing; every bad row yields an error naming its spreadsheet row and column in
//! Chinese; a plan with errors is never committed (the caller checks
//! [`Plan::errors`]); committing a plan is one transaction, and rows that are
//! already current are counted as unchanged, so importing the same file twice
//! changes nothing.

use crate::designations::NewDesignation;
use crate::regions::RegionTree;
use chrono::NaiveDate;
use duijie_domain::RegionCode;
use duijie_office::{RowError, Table};
use std::collections::HashSet;

/// Column aliases accepted in designation lists.
pub const CODE_COLUMN: &[&str] = &["区划代码", "行政区划代码", "代码", "code"];
const NAME_COLUMN: &[&str] = &["名称", "县名称", "县（市、区）", "县", "name"];
const DATE_COLUMN: &[&str] = &["认定日期", "日期", "valid_from"];
const SOURCE_COLUMN: &[&str] = &["依据", "来源", "文件", "source"];
const NOTE_COLUMN: &[&str] = &["备注", "note"];

/// The rows that would be written, and the problems found.
#[derive(Debug, Default)]
pub struct Plan {
    pub rows: Vec<(usize, NewDesignation)>,
    pub errors: Vec<RowError>,
}

/// Parses the date forms officers type: 2021-08-27, 2021/8/27, 2021年8月27日, 20210827.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return Some(d);
        }
    }
    None
}

/// Checks every row of `table` against the tree and the importer's region scope.
pub fn plan_designations(table: &Table, tree: &RegionTree, within: &RegionCode, kind: &str, default_source: &str) -> Plan {
    let mut plan = Plan::default();
    let code_col = table.col(CODE_COLUMN);
    let name_col = table.col(NAME_COLUMN);
    let date_col = table.col(DATE_COLUMN);
    let source_col = table.col(SOURCE_COLUMN);
    let note_col = table.col(NOTE_COLUMN);
    let code_header = code_col.map(|i| table.headers[i].trim().to_string()).unwrap_or_else(|| "区划代码".into());
    let mut seen = HashSet::new();
    for r in &table.rows {
        let mut err = |column: &str, message: String| plan.errors.push(RowError { row: r.row, column: column.into(), message });
        let raw = r.get(code_col);
        if raw.is_empty() {
            err(&code_header, "区划代码不能为空".into());
            continue;
        }
        let code = match RegionCode::parse(raw) {
            Ok(c) => c,
            Err(e) => {
                err(&code_header, format!("{raw}：{e}"));
                continue;
            }
        };
        let Some(node) = tree.get(&code) else {
            err(&code_header, format!("{raw}：没有这个区划代码（2023 年统计用区划代码）"));
            continue;
        };
        if !within.contains(&code) {
            err(&code_header, format!("{}（{raw}）不在您的管辖范围内", node.full_name));
            continue;
        }
        if !seen.insert(code.clone()) {
            err(&code_header, format!("{raw} 在文件中重复出现"));
            continue;
        }
        let name = r.get(name_col);
        if !name.is_empty() && name != node.name && !node.full_name.ends_with(name) {
            err(name_col.map(|i| table.headers[i].as_str()).unwrap_or("名称"), format!("名称“{name}”与区划代码不符（{raw} 是 {}）", node.full_name));
            continue;
        }
        let date_raw = r.get(date_col);
        let valid_from = if date_raw.is_empty() {
            None
        } else if let Some(d) = parse_date(date_raw) {
            Some(d)
        } else {
            err(date_col.map(|i| table.headers[i].as_str()).unwrap_or("认定日期"), format!("“{date_raw}”不是日期，请写成 2021-08-27"));
            continue;
        };
        let source = match r.get(source_col) {
            "" => default_source.trim().to_string(),
            s => s.to_string(),
        };
        if source.is_empty() {
            err("依据", "请填写认定依据（文件名称或文号）".into());
            continue;
        }
        plan.rows.push((r.row, NewDesignation {
            region_code: code.as_str().to_string(),
            kind: kind.to_string(),
            valid_from,
            source,
            note: r.get(note_col).to_string(),
        }));
    }
    plan
}
