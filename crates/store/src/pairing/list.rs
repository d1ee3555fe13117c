//! The official pairing list (结对帮扶名单) as exchanged in Excel: checking an
//! uploaded list against the registry and the region tree, committing it into a
//! batch, and the rows of an export.
//!
//! Guarantees: [`plan_import`] writes nothing and reports every bad row with the
//! spreadsheet's row number and the column to fix; [`commit_import`] writes the
//! checked rows in the caller's transaction (one audit row per pairing), skips
//! rows already in the batch, and refuses a published batch (a published list
//! changes only by adjustment); an exported list imports back unchanged.
//! A team (组团式) shows as one unit: [`group_teams`] puts its members
//! together where its first member stands, and each member's 备注 names the
//! team, its lead and the member's share.

use super::{Batch, NewPairing, Pairing};
use crate::audit::Actor;
use crate::db::{Db, Tx};
use crate::regions::RegionTree;
use crate::{Error, Result, on_db};
use duijie_domain::pairing::{Kind, Status};
use duijie_domain::authz::Unchecked;
use duijie_domain::{Level, RegionCode, Scope, Uscc};
use duijie_office::RowError;
use duijie_office::pairing_list::ListRow;

/// A checked row: which organisation pairs with which county.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub row: usize,
    pub org_id: i64,
    pub org_name: String,
    pub county: RegionCode,
    pub county_name: String,
    /// Already in the batch (nothing will be written).
    pub existing: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    pub file_name: String,
    pub rows: Vec<ImportRow>,
    /// The first errors by row (at most the `keep` the plan was made with).
    pub errors: Vec<RowError>,
    /// Errors found beyond those kept.
    pub more_errors: usize,
}

impl ImportPlan {
    pub fn new_rows(&self) -> usize {
        self.rows.iter().filter(|r| !r.existing).count()
    }
}

const ORG_COLUMN: &str = "社会组织名称";
const CODE_COLUMN: &str = "统一社会信用代码";
const PROVINCE_COLUMN: &str = "结对县（市、区）所在省份";
const COUNTY_COLUMN: &str = "结对县（市、区）";
const BATCH_COLUMN: &str = "批次";

/// Finds a county by name within a province (by name or code), or nationwide when unique.
fn find_county(tree: &RegionTree, province: &str, county: &str) -> std::result::Result<RegionCode, (String, String)> {
    if let Ok(code) = RegionCode::parse(county)
        && code.level() == Level::County
        && tree.get(&code).is_some()
    {
        return Ok(code);
    }
    let within = if province.is_empty() {
        RegionCode::national()
    } else {
        let hits: Vec<_> = tree.search(province, &RegionCode::national(), 50).into_iter().filter(|n| n.level == Level::Province && (n.name == province || n.name.starts_with(province))).collect();
        match hits.as_slice() {
            [one] => one.code.clone(),
            _ => return Err((PROVINCE_COLUMN.into(), format!("找不到省份“{province}”"))),
        }
    };
    let hits: Vec<_> = tree.search(county, &within, 200).into_iter().filter(|n| n.level == Level::County && n.name == county).collect();
    match hits.as_slice() {
        [one] => Ok(one.code.clone()),
        [] => Err((COUNTY_COLUMN.into(), format!("在{}找不到县（市、区）“{county}”", if province.is_empty() { "全国" } else { province }))),
        _ => Err((PROVINCE_COLUMN.into(), format!("“{county}”有重名，请填写所在省份"))),
    }
}

/// Checks every row of an uploaded list against the registry, the tree and the
/// batch; `errors` are the reader's, and at most `keep` errors (the first by
/// row) are kept, the rest counted. A list has at most a few errors per row
/// and its rows are bounded by the reader's limits.
pub async fn plan_import(db: &Db, tree: &RegionTree, batch: &Batch, file_name: &str, rows: &[(usize, ListRow)], mut errors: Vec<RowError>, keep: usize) -> Result<ImportPlan> {
    let mut plan = ImportPlan { file_name: file_name.to_string(), ..ImportPlan::default() };
    let in_batch: Vec<(i64, String)> = {
        let sql = "SELECT org_id, county_code FROM pairings WHERE batch_id = $1 AND kind = 'county' AND status IN ('proposed','consented','signed','active')";
        on_db!(db, p => sqlx::query_as(sql).bind(batch.id).fetch_all(p).await)?
    };
    let mut seen: Vec<(i64, String)> = Vec::new();
    for (row, r) in rows {
        let err = |column: &str, message: String| RowError { row: *row, column: column.into(), message };
        let code = match Uscc::parse(&r.credit_code) {
            Ok(c) => c,
            Err(e) => {
                errors.push(err(CODE_COLUMN, format!("统一社会信用代码无效：{e}")));
                continue;
            }
        };
        // The list being imported names the organisation; the importing officer's scope was decided before.
        let Some(org) = crate::orgs::by_credit_code(db, code.as_str()).await?.map(Unchecked::unscoped) else {
            errors.push(err(CODE_COLUMN, format!("{code} 尚未在平台登记，请先登记该组织")));
            continue;
        };
        if !r.org_name.trim().is_empty() && r.org_name.trim() != org.name {
            errors.push(err(ORG_COLUMN, format!("名称与登记信息“{}”不符", org.name)));
            continue;
        }
        if let Some(why) = super::refusal(&org) {
            errors.push(err(ORG_COLUMN, why));
            continue;
        }
        let county = match find_county(tree, r.province.trim(), r.county.trim()) {
            Ok(c) => c,
            Err((column, message)) => {
                errors.push(err(&column, message));
                continue;
            }
        };
        if !batch.region().contains(&county) {
            errors.push(err(COUNTY_COLUMN, format!("“{}”不在本批次名单的范围内", r.county.trim())));
            continue;
        }
        if !r.batch.trim().is_empty() && r.batch.trim() != batch.name {
            errors.push(err(BATCH_COLUMN, format!("批次“{}”与所选批次“{}”不一致", r.batch.trim(), batch.name)));
            continue;
        }
        let key = (org.id, county.as_str().to_string());
        if seen.contains(&key) {
            errors.push(err(COUNTY_COLUMN, "与前面的行重复".into()));
            continue;
        }
        seen.push(key.clone());
        plan.rows.push(ImportRow {
            row: *row,
            org_id: org.id,
            org_name: org.name.clone(),
            county_name: tree.full_name(&county),
            existing: in_batch.contains(&key),
            county,
        });
    }
    errors.sort_by_key(|e| e.row);
    plan.more_errors = errors.len().saturating_sub(keep);
    errors.truncate(keep);
    plan.errors = errors;
    Ok(plan)
}

/// Writes the new rows of a checked list into the batch as agreed pairings
/// (the list records both sides' consent); returns how many were written.
pub async fn commit_import(tx: &mut Tx, actor: &Actor, batch: &Batch, plan: &ImportPlan) -> Result<usize> {
    if batch.is_published() {
        return Err(Error::Invalid("该批次名单已发布，不能再导入；新增结对请提交调整申请".into()));
    }
    if !plan.errors.is_empty() {
        return Err(Error::Invalid("名单中还有错误，请修改后重新上传".into()));
    }
    let mut written = 0;
    for r in plan.rows.iter().filter(|r| !r.existing) {
        let n = NewPairing {
            batch_id: batch.id,
            kind: Some(Kind::County),
            org_id: r.org_id,
            region: Some(r.county.clone()),
            org_consents: true,
            county_consents: true,
            provenance: format!("{} 第{}行", plan.file_name, r.row),
            ..NewPairing::default()
        };
        super::propose(tx, actor, &n).await?;
        written += 1;
    }
    Ok(written)
}

/// The export row of a pairing (the layout `plan_import` reads back).
pub fn export_row(tree: &RegionTree, p: &Pairing) -> ListRow {
    let county = p.county();
    let province = county.ancestry().into_iter().find(|c| c.level() == Level::Province);
    let name_of = |c: &RegionCode| tree.get(c).map(|n| n.name.clone()).unwrap_or_else(|| c.to_string());
    let status = p.status();
    let mut note = String::new();
    if p.kind() != Kind::County {
        note = format!("{}：{}{}", p.kind().label(), p.place(tree), if p.target_label.is_empty() { String::new() } else { format!("（{}）", p.target_label) });
    }
    if !p.team_name.is_empty() {
        let share = match (p.team_role.is_empty(), p.funds_fen) {
            (true, 0) => String::new(),
            (false, 0) => format!("；分工：{}", p.team_role),
            (true, f) => format!("；承担{}万元", duijie_domain::pairing::format_wan(f)),
            (false, f) => format!("；分工：{}，承担{}万元", p.team_role, duijie_domain::pairing::format_wan(f)),
        };
        let team = format!("组团式：{}（牵头：{}{share}）", p.team_name, p.team_lead);
        note = if note.is_empty() { team } else { format!("{note}；{team}") };
    }
    if status != Status::Active {
        note = if note.is_empty() { status.label().to_string() } else { format!("{note}；{}", status.label()) };
    }
    ListRow {
        org_name: p.org_name.clone(),
        credit_code: p.org_credit_code.clone(),
        supervisor: p.org_supervisor.clone(),
        province: province.map(|c| name_of(&c)).unwrap_or_default(),
        county: name_of(&county),
        batch: p.batch_name.clone(),
        note,
    }
}

/// The pairings of a batch an export shows now: listed ones once published,
/// every open one before.
pub async fn current_rows(db: &Db, scope: &Scope, batch: &Batch) -> Result<Vec<Pairing>> {
    if batch.is_published() {
        return super::list_as_of(db, scope, batch.id, crate::now()).await;
    }
    let Some((clause, [low, high], org)) = super::within(scope, 2) else { return Ok(Vec::new()) };
    let sql = sqlx::AssertSqlSafe(format!(
        "{} WHERE +p.batch_id = $1 AND p.status IN ('proposed','consented','signed','active') AND {clause} ORDER BY p.county_code, o.name, p.id",
        super::SELECT
    ));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(batch.id).bind(&low).bind(&high).bind(org).fetch_all(p).await)?)
}

/// The same pairings with each team's members moved up to stand together
/// where its first member stands; everything else keeps its order.
pub fn group_teams(rows: Vec<Pairing>) -> Vec<Pairing> {
    let mut teams: std::collections::HashMap<i64, Vec<Pairing>> = std::collections::HashMap::new();
    let mut order: Vec<std::result::Result<Pairing, i64>> = Vec::with_capacity(rows.len());
    for p in rows {
        match p.team_id {
            Some(t) => {
                let members = teams.entry(t).or_default();
                if members.is_empty() {
                    order.push(Err(t));
                }
                members.push(p);
            }
            None => order.push(Ok(p)),
        }
    }
    let mut out = Vec::new();
    for item in order {
        match item {
            Ok(p) => out.push(p),
            Err(t) => out.extend(teams.remove(&t).unwrap_or_default()),
        }
    }
    out
}
