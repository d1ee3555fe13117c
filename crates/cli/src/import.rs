//! `duijie import …`: the same checks as the web import, for operators' scripts.
//!
//! Guarantees: nothing is written when any row is bad (exit 1) or with
//! `--dry-run`; `--json` prints `{"rows": N, "errors": [{"row", "column", "message"}]}`
//! with spreadsheet row numbers; a good file is committed in one transaction and
//! importing it again changes nothing.

use anyhow::{Context, Result};
use clap::Subcommand;
use duijie_domain::RegionCode;
use duijie_store::regions::RegionTree;
use duijie_store::{Actor, Db, designations, imports};

#[derive(Subcommand)]
pub enum ImportCommand {
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

pub async fn run(db: &Db, command: ImportCommand) -> Result<i32> {
    let ImportCommand::Designations { file, kind, source, dry_run, json } = command;
    let kinds = designations::kinds(db).await?;
    if !kinds.iter().any(|k| k.key == kind) {
        let keys: Vec<_> = kinds.iter().map(|k| format!("{}（{}）", k.key, k.name)).collect();
        anyhow::bail!("未知的认定类别 {kind}，可选：{}", keys.join("、"));
    }
    let bytes = std::fs::read(&file).with_context(|| format!("无法读取文件 {file}"))?;
    let name = std::path::Path::new(&file).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or(file.clone());
    let table = duijie_office::read_table(&name, &bytes, &[imports::CODE_COLUMN])?;
    let tree = RegionTree::load(db).await?;
    let plan = imports::plan_designations(&table, &tree, &RegionCode::national(), &kind, &source);
    if json {
        let errors: Vec<_> = plan.errors.iter().map(|e| serde_json::json!({"row": e.row, "column": e.column, "message": e.message})).collect();
        println!("{}", serde_json::json!({"rows": table.rows.len(), "errors": errors}));
    } else {
        for e in &plan.errors {
            eprintln!("第 {} 行「{}」：{}", e.row, e.column, e.message);
        }
    }
    if !plan.errors.is_empty() {
        eprintln!("{} 处错误，未写入任何数据", plan.errors.len());
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
