//! Planning an import of a designation list from an officer's spreadsheet.
//!
//! Guarantees: planning reads nothing but the table and the region tree and writes
//! nothing; every bad row yields an error naming its spreadsheet row and column in
//! Chinese, of which the first `keep` are kept and the rest counted
//! (`more_errors`), so a plan's size never grows with its errors; a plan with
//! errors is never committed (the caller checks
//! [`Plan::errors`]); committing a plan is one transaction, and rows that are
//! already current are counted as unchanged, so importing the same file twice
//! changes nothing.

use crate::designations::NewDesignation;
use crate::regions::RegionTree;
use duijie_domain::RegionCode;
use duijie_office::{RowError, Table, keep_error};
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
    /// The first errors found (at most the `keep` the plan was made with).
    pub errors: Vec<RowError>,
    /// Errors found beyond those kept.
    pub more_errors: usize,
}

/// Dates are parsed in the domain; re-exported for the importers here and their callers.
pub use duijie_domain::date::parse_date;

/// Checks every row of `table` against the tree and the importer's region
/// scope, keeping at most `keep` errors.
pub fn plan_designations(table: &Table, tree: &RegionTree, within: &RegionCode, kind: &str, default_source: &str, keep: usize) -> Plan {
    let mut plan = Plan::default();
    let code_col = table.col(CODE_COLUMN);
    let name_col = table.col(NAME_COLUMN);
    let date_col = table.col(DATE_COLUMN);
    let source_col = table.col(SOURCE_COLUMN);
    let note_col = table.col(NOTE_COLUMN);
    let code_header = code_col.map(|i| table.headers[i].trim().to_string()).unwrap_or_else(|| "区划代码".into());
    let mut seen = HashSet::new();
    for r in &table.rows {
        let mut err = |column: &str, message: String| keep_error(&mut plan.errors, &mut plan.more_errors, keep, RowError { row: r.row, column: column.into(), message });
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

// ---------------------------------------------------------------------------
// Organisations
// ---------------------------------------------------------------------------

use crate::orgs::{NewOrganization, OrgProfile, Organization};
use duijie_domain::{OrgType, Uscc};
use std::collections::HashMap;

/// The columns of the registry file, in export order. Import accepts these
/// headers (and the aliases in [`org_column`]) in any order.
pub const ORG_HEADERS: &[&str] = &[
    "统一社会信用代码", "名称", "类型", "登记管理机关区划代码", "业务主管单位", "业务领域", "等级评估", "是否建立党组织",
    "联系人", "联系电话", "地址", "状态", "信用名单",
];

/// The aliases of each column (the first is the exported header).
fn org_column(name: &str) -> &'static [&'static str] {
    match name {
        "统一社会信用代码" => &["统一社会信用代码", "信用代码", "credit_code"],
        "名称" => &["名称", "社会组织名称", "组织名称", "name"],
        "类型" => &["类型", "社会组织类型", "组织类型", "type"],
        "登记管理机关区划代码" => &["登记管理机关区划代码", "登记地区划代码", "区划代码", "region"],
        "业务主管单位" => &["业务主管单位"],
        "业务领域" => &["业务领域", "帮扶领域", "fields"],
        "等级评估" => &["等级评估", "评估等级", "rating"],
        "是否建立党组织" => &["是否建立党组织", "党组织"],
        "联系人" => &["联系人"],
        "联系电话" => &["联系电话", "电话"],
        "地址" => &["地址", "住所"],
        "状态" => &["状态"],
        _ => &[],
    }
}

/// The headers that must be present to recognise a registry file.
pub const ORG_REQUIRED: &[&[&str]] = &[&["统一社会信用代码", "信用代码", "credit_code"], &["名称", "社会组织名称", "组织名称", "name"]];

/// One good row of a registry file.
#[derive(Debug, Clone)]
pub struct OrgRow {
    pub row: usize,
    pub credit_code: Uscc,
    pub org_type: OrgType,
    pub region: RegionCode,
    pub profile: OrgProfile,
}

/// What a registry import would do.
#[derive(Debug, Default)]
pub struct OrgPlan {
    pub rows: usize,
    pub create: Vec<OrgRow>,
    /// Rows that change an existing organisation, with its id.
    pub update: Vec<(i64, OrgRow)>,
    pub unchanged: usize,
    /// The first errors found (at most the `keep` the plan was made with), by row.
    pub errors: Vec<RowError>,
    /// Errors found beyond those kept.
    pub more_errors: usize,
}

fn parse_type(s: &str) -> Option<OrgType> {
    match s.trim() {
        "民办非企业单位" | "民非" => Some(OrgType::ServiceInstitution),
        "A" | "社团" => Some(OrgType::SocialGroup),
        t => OrgType::parse(t),
    }
}

/// Checks every row of a registry file, keeping at most `keep` errors;
/// `existing` maps credit codes already registered to their records.
pub fn plan_organizations(table: &Table, tree: &RegionTree, within: &RegionCode, existing: &HashMap<String, Organization>, keep: usize) -> OrgPlan {
    let mut plan = OrgPlan { rows: table.rows.len(), ..Default::default() };
    let col = |name: &str| table.col(org_column(name));
    let header = |name: &str| col(name).map(|i| table.headers[i].trim().to_string()).unwrap_or_else(|| name.to_string());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in &table.rows {
        let mut errs: Vec<RowError> = Vec::new();
        let mut err = |name: &str, message: String| errs.push(RowError { row: r.row, column: header(name), message });
        let code_raw = r.get(col("统一社会信用代码"));
        let name = r.get(col("名称")).to_string();
        let type_raw = r.get(col("类型"));
        let region_raw = r.get(col("登记管理机关区划代码"));
        let code = if code_raw.is_empty() {
            err("统一社会信用代码", "统一社会信用代码不能为空".into());
            None
        } else {
            match Uscc::parse(code_raw) {
                Ok(c) => {
                    if let Some(first) = seen.insert(c.as_str().to_string(), r.row) {
                        err("统一社会信用代码", format!("{code_raw} 与第 {first} 行重复"));
                    }
                    Some(c)
                }
                Err(e) => {
                    err("统一社会信用代码", format!("{code_raw}：{e}"));
                    None
                }
            }
        };
        if name.is_empty() {
            err("名称", "名称不能为空".into());
        } else if name.chars().count() > 100 {
            err("名称", "名称不能超过 100 字".into());
        }
        let org_type = match parse_type(type_raw) {
            Some(t) => Some(t),
            None if type_raw.is_empty() => {
                err("类型", "类型不能为空（社会团体、基金会或社会服务机构）".into());
                None
            }
            None => {
                err("类型", format!("“{type_raw}”不是社会组织类型（社会团体、基金会、社会服务机构）"));
                None
            }
        };
        if let (Some(c), Some(t)) = (&code, org_type)
            && let Err(m) = crate::orgs::check_type(c, t)
        {
            err("类型", format!("类型为{}，但{m}", t.label()));
        }
        let region = if region_raw.is_empty() {
            err("登记管理机关区划代码", "登记管理机关区划代码不能为空".into());
            None
        } else {
            match RegionCode::parse(region_raw) {
                Ok(c) if c.level() == duijie_domain::Level::National || tree.get(&c).is_some() => {
                    if within.contains(&c) {
                        Some(c)
                    } else {
                        err("登记管理机关区划代码", format!("{}（{region_raw}）不在您的管辖范围内", tree.full_name(&c)));
                        None
                    }
                }
                Ok(_) => {
                    err("登记管理机关区划代码", format!("{region_raw}：没有这个区划代码"));
                    None
                }
                Err(e) => {
                    err("登记管理机关区划代码", format!("{region_raw}：{e}"));
                    None
                }
            }
        };
        let fields = duijie_domain::org::parse_fields(r.get(col("业务领域"))).unwrap_or_else(|m| {
            err("业务领域", m);
            String::new()
        });
        let rating = duijie_domain::org::parse_rating(r.get(col("等级评估"))).unwrap_or_else(|m| {
            err("等级评估", m);
            String::new()
        });
        let party_org = duijie_domain::org::parse_yes_no(r.get(col("是否建立党组织"))).unwrap_or_else(|m| {
            err("是否建立党组织", m);
            false
        });
        let status = duijie_domain::org::OrgStatus::parse(r.get(col("状态"))).unwrap_or_else(|m| {
            err("状态", m);
            duijie_domain::org::OrgStatus::Active
        });
        let phone = r.get(col("联系电话"));
        if !phone.is_empty() && !duijie_domain::org::is_phone(phone) {
            err("联系电话", format!("“{phone}”不是电话号码"));
        }
        if !errs.is_empty() {
            for e in errs {
                keep_error(&mut plan.errors, &mut plan.more_errors, keep, e);
            }
            continue;
        }
        let (Some(credit_code), Some(org_type), Some(region)) = (code, org_type, region) else { continue };
        let row = OrgRow {
            row: r.row,
            credit_code,
            org_type,
            region,
            profile: OrgProfile {
                name,
                supervisor: r.get(col("业务主管单位")).to_string(),
                fields,
                rating,
                party_org,
                contact_name: r.get(col("联系人")).to_string(),
                contact_phone: phone.to_string(),
                address: r.get(col("地址")).to_string(),
                status,
            },
        };
        match existing.get(row.credit_code.as_str()) {
            None => plan.create.push(row),
            Some(o) if o.profile() == row.profile && o.org_type == row.org_type && o.region_code == row.region => plan.unchanged += 1,
            Some(o) => {
                if o.org_type != row.org_type || o.region_code != row.region {
                    let e = RowError {
                        row: row.row,
                        column: header("登记管理机关区划代码"),
                        message: "已登记组织的类型或登记机关不能通过导入修改，请在组织页面办理".into(),
                    };
                    keep_error(&mut plan.errors, &mut plan.more_errors, keep, e);
                } else {
                    plan.update.push((o.id, row));
                }
            }
        }
    }
    plan.errors.sort_by_key(|e| e.row);
    plan
}

/// Writes a clean plan in one transaction: new organisations, then changed
/// ones (each audited with before and after), and one audit row for the batch.
/// `progress(done, total)` is called as rows are written.
pub async fn commit_organizations(
    db: &crate::Db,
    actor: &crate::Actor,
    file: &str,
    plan: &OrgPlan,
    mut progress: impl FnMut(usize, usize),
) -> crate::Result<(usize, usize)> {
    if !plan.errors.is_empty() {
        return Err(crate::Error::Invalid("文件有错误，未写入任何数据".into()));
    }
    let total = plan.create.len() + plan.update.len();
    let started = crate::now();
    let mut tx = db.begin().await?;
    let mut done = 0;
    for r in &plan.create {
        let new = NewOrganization {
            credit_code: r.credit_code.clone(),
            org_type: r.org_type,
            region: r.region.clone(),
            profile: r.profile.clone(),
            approval: duijie_domain::org::Approval::Approved,
            is_demo: false,
            provenance: format!("{file} 第 {} 行", r.row),
        };
        crate::orgs::insert(&mut tx, &new).await?;
        done += 1;
        if done % 1000 == 0 {
            progress(done, total);
        }
    }
    for (id, r) in &plan.update {
        crate::orgs::update_profile(&mut tx, actor, *id, &r.profile).await?;
        done += 1;
        if done % 1000 == 0 {
            progress(done, total);
        }
    }
    // A long import commits well after its rows were written; stamp them with the
    // commit-time clock so that the search catalogue, which follows `updated_at`,
    // does not skip rows that became visible after its last sync.
    let stamp = "UPDATE organizations SET updated_at = $1 WHERE updated_at >= $2";
    crate::on_tx_exec!(&mut tx, c => sqlx::query(stamp).bind(crate::now()).bind(started).execute(c).await)?;
    let created: Vec<&str> = plan.create.iter().map(|r| r.credit_code.as_str()).collect();
    crate::audit::append(&mut tx, actor, crate::audit::Change {
        region: "",
        action: "organization.import",
        entity: "import",
        entity_id: file,
        before: None,
        after: Some(serde_json::json!({"file": file, "created": created, "updated": plan.update.len(), "unchanged": plan.unchanged})),
    })
    .await?;
    tx.commit().await?;
    if !total.is_multiple_of(1000) {
        progress(total, total);
    }
    Ok((plan.create.len(), plan.update.len()))
}

/// The registry rows for export, in [`ORG_HEADERS`] order.
pub fn org_export_row(o: &Organization) -> Vec<String> {
    vec![
        o.credit_code.clone(),
        o.name.clone(),
        o.type_label().to_string(),
        o.region_code.to_string(),
        o.supervisor.clone(),
        o.fields.clone(),
        o.rating.clone(),
        if o.party_org { "是".into() } else { "否".into() },
        o.contact_name.clone(),
        o.contact_phone.clone(),
        o.address.clone(),
        o.status.label().to_string(),
        o.credit_list().map(|l| l.label().to_string()).unwrap_or_default(),
    ]
}
