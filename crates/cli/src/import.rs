//! `duijie import …` and `duijie export …`: the same checks and layouts as the
//! web pages, for operators' scripts.
//!
//! Guarantees: nothing is written when any row is bad (exit 1), when the file
//! is refused (beyond the configured import limits, not a spreadsheet, formula
//! cells…; exit 1 with the Chinese reason) or with `--dry-run`; `--json` prints
//! `{"rows": N, "errors": [{"row", "column", "message"}], "more_errors": M}` with
//! spreadsheet row numbers, at most 1,000 errors listed and `M` counting the
//! rest; a good file is committed in one transaction and importing it again
//! changes nothing.

use anyhow::{Context, Result};
use clap::Subcommand;
use duijie_domain::RegionCode;
use duijie_office::{ImportLimits, Limits, MAX_SHOWN_ERRORS};
use duijie_store::regions::RegionTree;
use duijie_store::{Actor, Db, designations, imports};

#[derive(Subcommand)]
pub enum ImportCommand {
    /// The organisation registry from .xlsx or .csv (the layout `export organisations` writes).
    Organisations {
        /// The spreadsheet.
        file: String,
        /// Check only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print `{"rows": N, "errors": [{"row", "column", "message"}]}`.
        #[arg(long)]
        json: bool,
    },
    /// A designation list (e.g. national key counties) from .xlsx or .csv.
    Designations {
        /// The spreadsheet.
        file: String,
        /// Designation kind key, e.g. national_key, provincial_key, former_poverty.
        #[arg(long)]
        kind: String,
        /// Default source (notice or document) for rows without one.
        #[arg(long, default_value = "")]
        source: String,
        /// Check only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(db: &Db, command: ImportCommand, limits: &ImportLimits) -> Result<i32> {
    match command {
        ImportCommand::Organisations { file, dry_run, json } => organisations(db, &file, dry_run, json, &limits.registry()).await,
        ImportCommand::Designations { file, kind, source, dry_run, json } => {
            designations(db, &file, &kind, &source, dry_run, json, &limits.designations()).await
        }
    }
}

/// The file's table, or the reason it was refused (already reported).
fn read(file: &str, required: &[&[&str]], limits: &Limits, json: bool) -> Result<Option<duijie_office::Table>> {
    let name = std::path::Path::new(file).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or(file.to_string());
    // A file larger than anything it may inflate to is refused before it is read.
    let size = std::fs::metadata(file).with_context(|| format!("无法读取文件 {file}"))?.len();
    let read = if size > limits.max_uncompressed_bytes {
        Err(duijie_office::OfficeError::TooLarge(format!("文件有 {} MB，超过上限 {} MB", size / (1024 * 1024), limits.max_uncompressed_bytes / (1024 * 1024))))
    } else {
        let bytes = std::fs::read(file).with_context(|| format!("无法读取文件 {file}"))?;
        duijie_office::read_table_limited(&name, &bytes, required, limits)
    };
    match read {
        Ok(t) => Ok(Some(t)),
        Err(e) => {
            let message = e.to_string();
            if json {
                println!("{}", serde_json::json!({"rows": 0, "errors": [{"row": 0, "column": "", "message": message}], "more_errors": 0}));
            }
            eprintln!("{file}：{message}；未写入任何数据");
            Ok(None)
        }
    }
}

fn report(rows: usize, errors: &[duijie_office::RowError], more_errors: usize, json: bool) {
    if json {
        let errors: Vec<_> = errors.iter().map(|e| serde_json::json!({"row": e.row, "column": e.column, "message": e.message})).collect();
        println!("{}", serde_json::json!({"rows": rows, "errors": errors, "more_errors": more_errors}));
    } else {
        for e in errors {
            eprintln!("第 {} 行「{}」：{}", e.row, e.column, e.message);
        }
        if more_errors > 0 {
            eprintln!("另有 {more_errors} 处错误未列出");
        }
    }
}

async fn organisations(db: &Db, file: &str, dry_run: bool, json: bool, limits: &Limits) -> Result<i32> {
    let Some(table) = read(file, imports::ORG_REQUIRED, limits, json)? else { return Ok(1) };
    let tree = RegionTree::load(db).await?;
    let existing = duijie_store::orgs::all(db).await?.into_iter().map(|o| (o.credit_code.clone(), o)).collect();
    let plan = imports::plan_organizations(&table, &tree, &RegionCode::national(), &existing, MAX_SHOWN_ERRORS);
    report(plan.rows, &plan.errors, plan.more_errors, json);
    if !plan.errors.is_empty() {
        eprintln!("{} 处错误，未写入任何数据", plan.errors.len() + plan.more_errors);
        return Ok(1);
    }
    eprintln!("检查通过：新增 {}，更新 {}，未变 {}", plan.create.len(), plan.update.len(), plan.unchanged);
    if dry_run {
        eprintln!("--dry-run：未写入");
        return Ok(0);
    }
    let name = std::path::Path::new(file).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (created, updated) = imports::commit_organizations(db, &Actor::system("命令行导入"), &name, &plan, |done, total| {
        eprintln!("写入 {done}/{total}");
    })
    .await?;
    eprintln!("导入完成：新增 {created} 条，更新 {updated} 条，{} 条未变", plan.unchanged);
    Ok(0)
}

async fn designations(db: &Db, file: &str, kind: &str, source: &str, dry_run: bool, json: bool, limits: &Limits) -> Result<i32> {
    let kinds = designations::kinds(db).await?;
    if !kinds.iter().any(|k| k.key == kind) {
        let keys: Vec<_> = kinds.iter().map(|k| format!("{}（{}）", k.key, k.name)).collect();
        anyhow::bail!("未知的认定类别 {kind}，可选：{}", keys.join("、"));
    }
    let Some(table) = read(file, &[imports::CODE_COLUMN], limits, json)? else { return Ok(1) };
    let tree = RegionTree::load(db).await?;
    let plan = imports::plan_designations(&table, &tree, &RegionCode::national(), kind, source, MAX_SHOWN_ERRORS);
    report(table.rows.len(), &plan.errors, plan.more_errors, json);
    if !plan.errors.is_empty() {
        eprintln!("{} 处错误，未写入任何数据", plan.errors.len() + plan.more_errors);
        return Ok(1);
    }
    if dry_run {
        eprintln!("检查通过：{} 行（--dry-run，未写入）", plan.rows.len());
        return Ok(0);
    }
    let list: Vec<_> = plan.rows.into_iter().map(|(_, d)| d).collect();
    let mut tx = db.begin().await?;
    let (added, unchanged) = designations::add_many(&mut tx, &Actor::system("命令行导入"), &list).await?;
    tx.commit().await?;
    eprintln!("导入完成：新增 {added} 条，{unchanged} 条已存在未改动");
    Ok(0)
}

#[derive(Subcommand)]
pub enum ExportCommand {
    /// The organisation registry as .xlsx, in the layout `import organisations` reads.
    Organisations {
        /// The file to write.
        #[arg(long)]
        out: String,
        /// Only organisations registered in this region's subtree.
        #[arg(long)]
        region: Option<String>,
    },
    /// The next batch of a region for the national monitoring system (全国防止返贫监测和衔接推进乡村振兴信息系统),
    /// as .xlsx in the export layout, with its corrections and its log receipt; the batch is recorded as the platform's.
    Monitoring {
        /// The region: a county (or above) code, e.g. 530628.
        #[arg(long)]
        region: String,
        /// The half-year: YYYYH1 or YYYYH2, e.g. 2026H1.
        #[arg(long)]
        period: String,
        /// The file to write.
        #[arg(long)]
        out: String,
    },
}

/// `public_url`: where the QR codes of log receipts send people (the `public_url` setting).
pub async fn export(db: &Db, command: ExportCommand, public_url: &str) -> Result<i32> {
    let (out, region) = match command {
        ExportCommand::Organisations { out, region } => (out, region),
        ExportCommand::Monitoring { region, period, out } => return monitoring(db, &region, &period, &out, public_url).await,
    };
    let within = match region {
        Some(r) => RegionCode::parse(&r).map_err(|e| anyhow::anyhow!("区划代码 {r}：{e}"))?,
        None => RegionCode::national(),
    };
    let orgs = duijie_store::orgs::in_region(db, &within).await?;
    let rows: Vec<Vec<String>> = orgs.iter().map(imports::org_export_row).collect();
    let bytes = duijie_office::template::table_xlsx("社会组织", "社会组织名录", imports::ORG_HEADERS, &rows)?;
    std::fs::write(&out, bytes).with_context(|| format!("无法写入 {out}"))?;
    eprintln!("已导出 {} 个社会组织到 {out}", rows.len());
    Ok(0)
}

/// `export monitoring`: the same checks, batch and file as the page, as the platform.
async fn monitoring(db: &Db, region: &str, period: &str, out: &str, public_url: &str) -> Result<i32> {
    use duijie_app::monitoring as ops;
    let tree = RegionTree::load(db).await?;
    let records = duijie_app::reports::Records { db, tree: &tree };
    let who = duijie_domain::Principal::platform();
    let input = ops::ExportInput { region: region.to_string(), period: period.to_string() };
    if region.trim().is_empty() {
        eprintln!("导出失败：请用 --region 指定县（市、区）或以上的区划代码，例如 530628");
        return Ok(1);
    }
    let done = async {
        let (region, period) = ops::check(records, &who, &input).await?;
        let batch = ops::export(records, &who, &Actor::system("命令行导出"), &region, &period).await?;
        let file = ops::file(records, &who, batch.id, public_url).await?;
        Ok::<_, duijie_app::Error>((batch, file))
    };
    match done.await {
        Ok((batch, (_, bytes))) => {
            std::fs::write(out, bytes).with_context(|| format!("无法写入 {out}"))?;
            eprintln!(
                "已导出 {} {} 第 {} 批：{} 行，{} 行更正，文件 {out}",
                tree.full_name(&batch.region_code),
                batch.period,
                batch.number,
                batch.row_count,
                batch.correction_count
            );
            Ok(0)
        }
        Err(duijie_app::Error::Invalid(fields)) => {
            for f in fields {
                eprintln!("导出失败：{}（--{}）", f.message, f.field);
            }
            Ok(1)
        }
        Err(e) => {
            eprintln!("导出失败：{}", e.message());
            Ok(1)
        }
    }
}
