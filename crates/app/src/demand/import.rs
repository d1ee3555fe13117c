//! The county demand list import (需求清单): the layout, every row checked as the form checks it, and the drafts written in one transaction.

use super::*;

/// The county demand list layout (需求清单), as the import template and the import read it.
pub const IMPORT_HEADERS: &[(&str, bool)] = &[
    ("需求名称", true),
    ("帮扶领域", true),
    ("需求对象", true),
    ("区划代码", true),
    ("受益群体", false),
    ("受益人数", false),
    ("预计资金（万元）", false),
    ("帮扶方式", false),
    ("紧急程度", false),
    ("截止日期", false),
    ("是否微心愿", false),
    ("需求说明", false),
    ("联系人", false),
    ("联系电话", false),
    ("户主姓名", false),
    ("户主身份证号", false),
    ("户主电话", false),
];

/// The form field each column fills (same order as `IMPORT_HEADERS`).
pub(super) const IMPORT_FIELDS: &[&str] = &[
    "title", "field", "target_kind", "region", "beneficiary_group", "beneficiary_count", "funds_wan", "mode", "urgency", "deadline", "is_wish",
    "description", "contact_name", "contact_phone", "household_name", "household_id", "household_phone",
];

/// An example row for the template (a township demand of 彝良县).
pub const IMPORT_EXAMPLE: &[&str] =
    &["洛泽河镇留守儿童课后托管", "教育", "乡镇", "530628102", "三留守人员", "120", "8", "造血", "较急", "2026-12-31", "否", "示例行，导入前请删除", "张三", "0870-1234567", "", "", ""];

/// A checked import: the drafts to write and every problem by row and column.
#[derive(Debug, Clone, Default)]
pub struct DemandImport {
    pub file_name: String,
    pub rows: Vec<(usize, NewDemand)>,
    /// The first errors found (at most the `keep` the plan was made with).
    pub errors: Vec<duijie_office::RowError>,
    /// Errors found beyond those kept.
    pub more_errors: usize,
}

/// Checks every row of an uploaded demand list with the same rules as the form
/// (`check_demand`), keeping at most `keep` errors; writes nothing.
pub fn plan_import(state: &Platform, who: &Principal, file_name: &str, table: &duijie_office::Table, keep: usize) -> DemandImport {
    let cols: Vec<Option<usize>> = IMPORT_HEADERS.iter().map(|(h, _)| table.col(&[h])).collect();
    let mut out = DemandImport { file_name: file_name.to_string(), ..DemandImport::default() };
    for row in &table.rows {
        let get = |i: usize| row.get(cols[i]).to_string();
        let mode = match get(7).as_str() {
            "输血" => "relief".to_string(),
            "造血" => "capacity".to_string(),
            other => other.to_string(),
        };
        let urgency = match get(8).as_str() {
            "一般" => "1".to_string(),
            "较急" => "2".to_string(),
            "紧急" => "3".to_string(),
            other => other.to_string(),
        };
        let input = DemandInput {
            title: get(0),
            field: get(1),
            target_kind: get(2),
            region: get(3),
            beneficiary_group: get(4),
            beneficiary_count: get(5),
            funds_wan: get(6),
            mode,
            urgency,
            deadline: get(9),
            is_wish: get(10),
            description: get(11),
            contact_name: get(12),
            contact_phone: get(13),
            household_name: get(14),
            household_id: get(15),
            household_phone: get(16),
        };
        match check_demand(state, who, &input) {
            Ok(mut n) => {
                n.provenance = format!("{file_name} {} 第{}行", table.sheet, row.row);
                out.rows.push((row.row, n));
            }
            Err(Error::Invalid(fs)) => {
                for f in fs {
                    let column = IMPORT_FIELDS.iter().position(|x| *x == f.field).map(|i| IMPORT_HEADERS[i].0).unwrap_or("");
                    let e = duijie_office::RowError { row: row.row, column: column.to_string(), message: f.message };
                    duijie_office::keep_error(&mut out.errors, &mut out.more_errors, keep, e);
                }
            }
            Err(e) => {
                let e = duijie_office::RowError { row: row.row, column: String::new(), message: e.message() };
                duijie_office::keep_error(&mut out.errors, &mut out.more_errors, keep, e);
            }
        }
    }
    out
}

/// Writes a checked import as drafts in one transaction; nothing is written if any row is bad.
pub async fn commit_import(state: &Platform, actor: &Actor, plan: &DemandImport) -> Result<usize, Error> {
    if !plan.errors.is_empty() {
        return Err(Error::rejected("清单中还有错误，请修改后重新上传"));
    }
    for (row, n) in &plan.rows {
        check_village(state, n).await.map_err(|e| Error::rejected(format!("第 {row} 行：{}", e.message())))?;
    }
    let mut tx = state.db.begin().await?;
    for (_, n) in &plan.rows {
        demand::create(&mut tx, actor, n).await?;
    }
    tx.commit().await?;
    Ok(plan.rows.len())
}
