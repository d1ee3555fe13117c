//! Reference data that ships with the product and loads on first start.
//!
//! Guarantees: on an empty database, one transaction loads the 44,703 divisions,
//! the designation kinds, the 832 former poverty counties, the confirmed national
//! key counties and the east/central/west zones, and records one audit row; a
//! database that already has them is not touched (`meta.reference_version`).

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx};
use crate::designations::{BUILTIN_KINDS, NewDesignation};
use crate::regions::{DIVISIONS_GZ, insert_rows, parse_division_csv};
use crate::{Error, Result, on_tx, on_tx_exec};
use chrono::NaiveDate;

/// Version of the shipped reference data.
pub const REFERENCE_VERSION: &str = "nbs-2023.1";

static POVERTY_832: &str = include_str!("../data/poverty_counties_832.csv");
static KEY_COUNTIES: &str = include_str!("../data/key_counties_160_partial.csv");
static ZONES: &str = include_str!("../data/zones.csv");

fn csv_rows(text: &str) -> Result<Vec<csv::StringRecord>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::Reference(e.to_string()))
}

/// Loads the reference data if this database does not have it yet.
/// Returns whether it was loaded now.
pub async fn ensure_loaded(db: &Db) -> Result<bool> {
    if db.meta("actions_loaded").await?.is_none() {
        let mut tx = db.begin().await?;
        crate::actions::ensure_presets(&mut tx).await?;
        tx.set_meta("actions_loaded", "1").await?;
        tx.commit().await?;
    }
    if db.meta("reference_version").await?.is_some() {
        return Ok(false);
    }
    let rows = tokio::task::spawn_blocking(|| parse_division_csv(DIVISIONS_GZ))
        .await
        .map_err(|e| Error::Reference(e.to_string()))??;
    let mut tx = db.begin().await?;
    // Another process may have loaded it between the check and the lock.
    let done: Option<String> = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT value FROM meta WHERE key = 'reference_version'")
        .fetch_optional(c).await)?;
    if done.is_some() {
        return Ok(false);
    }
    // The national root, so that national-level records can refer to a region.
    let root = "INSERT INTO regions (code, name, level, parent_code) VALUES ('', '全国', 'national', '') ON CONFLICT (code) DO NOTHING";
    on_tx_exec!(&mut tx, c => sqlx::query(root).execute(c).await)?;
    insert_rows(&mut tx, &rows).await?;
    for (i, (key, name, desc)) in BUILTIN_KINDS.iter().enumerate() {
        let sql = "INSERT INTO designation_kinds (key, name, description, sort) VALUES ($1,$2,$3,$4) ON CONFLICT (key) DO NOTHING";
        on_tx_exec!(&mut tx, c => sqlx::query(sql).bind(key).bind(name).bind(desc).bind(i as i64 * 10).execute(c).await)?;
    }
    let list = shipped_designations()?;
    insert_designations(&mut tx, &list).await?;
    audit::append(&mut tx, &Actor::system("参考数据"), Change {
        region: "",
        action: "reference.load",
        entity: "reference",
        entity_id: REFERENCE_VERSION,
        before: None,
        after: Some(serde_json::json!({"regions": rows.len(), "designations": list.len()})),
    })
    .await?;
    tx.set_meta("reference_version", REFERENCE_VERSION).await?;
    tx.commit().await?;
    Ok(true)
}

/// The designations in the shipped files.
fn shipped_designations() -> Result<Vec<NewDesignation>> {
    let mut out = Vec::new();
    for r in csv_rows(POVERTY_832)? {
        let code = &r[6];
        if code.is_empty() {
            continue; // 冷湖行委: no 2023 code (see SOURCES.md)
        }
        out.push(NewDesignation {
            region_code: code.to_string(),
            kind: "former_poverty".into(),
            valid_from: None,
            source: "832 个原国家级贫困县名单（随产品发布的参考数据）".into(),
            note: format!("{}年脱贫摘帽", &r[5]),
        });
    }
    let notice = NaiveDate::from_ymd_opt(2021, 8, 27);
    for r in csv_rows(KEY_COUNTIES)? {
        out.push(NewDesignation {
            region_code: r[3].to_string(),
            kind: "national_key".into(),
            valid_from: notice,
            source: "中央农办、国家乡村振兴局《关于公布国家乡村振兴重点帮扶县名单的通知》".into(),
            note: String::new(),
        });
    }
    for r in csv_rows(ZONES)? {
        out.push(NewDesignation {
            region_code: r[0].to_string(),
            kind: format!("zone_{}", &r[2]),
            valid_from: None,
            source: r[3].to_string(),
            note: String::new(),
        });
    }
    Ok(out)
}

/// Bulk insert without per-row audit (the load itself is audited once).
async fn insert_designations(tx: &mut Tx, list: &[NewDesignation]) -> Result<()> {
    let now = crate::now();
    for chunk in list.chunks(500) {
        let mut sql = String::from("INSERT INTO designations (region_code, kind, valid_from, source, note, created_by, created_at) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            let b = i * 7;
            sql.push_str(&format!("(${},${},${},${},${},${},${})", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7));
        }
                on_tx_exec!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for d in chunk {
                q = q.bind(&d.region_code).bind(&d.kind).bind(d.valid_from).bind(&d.source).bind(&d.note).bind("system").bind(now);
            }
            q.execute(c).await
        })?;
    }
    Ok(())
}
