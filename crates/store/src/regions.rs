//! The administrative tree: loading it, and an in-memory index for reading it.
//!
//! Guarantees:
//! - The 44,703 divisions down to township level ship inside the binary and are
//!   loaded once, in one transaction, on first start (see [`crate::reference`]).
//! - Villages (620,573) ship compressed inside the binary and load on demand with
//!   [`load_villages`], in batches, with progress reported; loading twice is a no-op.
//! - [`RegionTree`] holds every division above village level in memory (a few MB)
//!   so that region pages, breadcrumbs and name search need no query; villages are
//!   read from the database.

use crate::db::{Db, Tx};
use crate::{Error, Result, on_db, on_tx_exec};
use duijie_domain::{Level, RegionCode};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Read;

/// The division file shipped in the binary (gzip of the shared CSV).
pub static DIVISIONS_GZ: &[u8] = include_bytes!("../data/divisions_2023.csv.gz");
/// The village file shipped in the binary (gzip of the shared CSV).
pub static VILLAGES_GZ: &[u8] = include_bytes!("../data/villages_2023.csv.gz");

/// One row of a division file.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: String,
}

/// Parses a `code,name,parent_code,level` CSV (gzip-compressed).
pub fn parse_division_csv(gz: &[u8]) -> Result<Vec<RegionRow>> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz).read_to_string(&mut text).map_err(|e| Error::Reference(e.to_string()))?;
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| Error::Reference(e.to_string()))?;
        rows.push(RegionRow {
            code: rec[0].to_string(),
            name: rec[1].to_string(),
            parent_code: rec[2].to_string(),
            level: rec[3].to_string(),
        });
    }
    Ok(rows)
}

/// Inserts rows in multi-row batches; existing codes are left as they are.
pub async fn insert_rows(tx: &mut Tx, rows: &[RegionRow]) -> Result<u64> {
    const BATCH: usize = 800;
    let mut inserted = 0;
    for chunk in rows.chunks(BATCH) {
        let mut sql = String::from("INSERT INTO regions (code, name, level, parent_code) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            let b = i * 4;
            sql.push_str(&format!("(${},${},${},${})", b + 1, b + 2, b + 3, b + 4));
        }
        sql.push_str(" ON CONFLICT (code) DO NOTHING");
                let res = on_tx_exec!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for r in chunk {
                q = q.bind(&r.code).bind(&r.name).bind(&r.level).bind(&r.parent_code);
            }
            q.execute(c).await
        })?;
        inserted += res;
    }
    Ok(inserted)
}

/// Loads the shipped villages. `progress(done, total)` is called after each batch.
/// Returns how many villages were newly inserted.
pub async fn load_villages(db: &Db, mut progress: impl FnMut(usize, usize)) -> Result<u64> {
    let rows = tokio::task::spawn_blocking(|| parse_division_csv(VILLAGES_GZ))
        .await
        .map_err(|e| Error::Reference(e.to_string()))??;
    let total = rows.len();
    let mut inserted = 0;
    // One transaction per 20,000 rows: progress is real and a crash loses little;
    // rerunning resumes because existing codes are skipped.
    for (i, part) in rows.chunks(20_000).enumerate() {
        let mut tx = db.begin().await?;
        inserted += insert_rows(&mut tx, part).await?;
        tx.commit().await?;
        progress((i * 20_000 + part.len()).min(total), total);
    }
    let mut tx = db.begin().await?;
    tx.set_meta("villages_loaded", &total.to_string()).await?;
    crate::audit::append(
        &mut tx,
        &crate::Actor::system("命令行"),
        crate::audit::Change {
            region: "",
            action: "load_villages",
            entity: "region",
            entity_id: "villages_2023",
            before: None,
            after: Some(serde_json::json!({"inserted": inserted, "total": total})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(inserted)
}

/// The number of villages in the database.
pub async fn village_count(db: &Db) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM regions WHERE level = 'village'";
    Ok(on_db!(db, p => sqlx::query_scalar(sql).fetch_one(p).await)?)
}

/// The villages under a township, from the database.
pub async fn villages_of(db: &Db, township: &RegionCode) -> Result<Vec<RegionRow>> {
    let sql = "SELECT code, name, level, parent_code FROM regions WHERE parent_code = $1 AND level = 'village' ORDER BY code";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(township.as_str()).fetch_all(p).await)?)
}

/// The villages of a township called `name`.
pub async fn villages_named(db: &Db, township: &RegionCode, name: &str) -> Result<Vec<RegionRow>> {
    let sql = "SELECT code, name, level, parent_code FROM regions WHERE parent_code = $1 AND level = 'village' AND name = $2 ORDER BY code";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(township.as_str()).bind(name).fetch_all(p).await)?)
}

/// One village by code.
pub async fn village(db: &Db, code: &RegionCode) -> Result<Option<RegionRow>> {
    let sql = "SELECT code, name, level, parent_code FROM regions WHERE code = $1 AND level = 'village'";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(code.as_str()).fetch_optional(p).await)?)
}

/// A node of the in-memory tree.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub code: RegionCode,
    pub name: String,
    pub level: Level,
    /// Names from the province down, without NBS placeholder levels (市辖区, 县…).
    pub full_name: String,
}

/// Every division above village level, indexed by code and by parent.
#[derive(Debug, Default)]
pub struct RegionTree {
    nodes: Vec<Node>,
    by_code: HashMap<String, usize>,
    children: HashMap<String, Vec<usize>>,
}

/// NBS grouping rows that are not real administrative units; they are skipped in
/// full names (北京市市辖区东城区 reads 北京市东城区).
fn is_placeholder(name: &str) -> bool {
    matches!(name, "市辖区" | "县" | "省直辖县级行政区划" | "自治区直辖县级行政区划")
}

impl RegionTree {
    /// Reads all non-village divisions from the database.
    pub async fn load(db: &Db) -> Result<RegionTree> {
        let sql = "SELECT code, name, level, parent_code FROM regions WHERE level <> 'village' ORDER BY code";
        let rows: Vec<RegionRow> = on_db!(db, p => sqlx::query_as(sql).fetch_all(p).await)?;
        Ok(RegionTree::from_rows(rows))
    }

    /// Builds the index from rows sorted by code (parents before children).
    pub fn from_rows(rows: Vec<RegionRow>) -> RegionTree {
        let mut tree = RegionTree::default();
        for r in rows {
            // NBS pseudo rows (the county row 441900 东莞市 repeating its city, the
            // township row 350527000 金门县) have no node of their own.
            let Ok(code) = RegionCode::parse(&r.code) else { continue };
            if code.as_str() != r.code {
                continue;
            }
            let parent_code = code.parent().map(|p| p.as_str().to_string()).unwrap_or_default();
            let level = Level::parse(&r.level).unwrap_or(code.level());
            let parent_full = tree.by_code.get(&parent_code).map(|&i| tree.nodes[i].full_name.clone()).unwrap_or_default();
            let full_name = if is_placeholder(&r.name) { parent_full } else { format!("{parent_full}{}", r.name) };
            let idx = tree.nodes.len();
            tree.by_code.insert(r.code.clone(), idx);
            tree.children.entry(parent_code).or_default().push(idx);
            tree.nodes.push(Node { code, name: r.name, level, full_name });
        }
        tree
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn get(&self, code: &RegionCode) -> Option<&Node> {
        self.by_code.get(code.as_str()).map(|&i| &self.nodes[i])
    }

    /// Children in code order; for the national root, the provinces.
    pub fn children(&self, code: &RegionCode) -> Vec<&Node> {
        self.children.get(code.as_str()).map(|v| v.iter().map(|&i| &self.nodes[i]).collect()).unwrap_or_default()
    }

    /// The known ancestors of `code` from the province down, excluding itself.
    pub fn ancestors(&self, code: &RegionCode) -> Vec<&Node> {
        code.ancestry().iter().filter(|c| *c != code).filter_map(|c| self.get(c)).collect()
    }

    /// Full name of any code, including a village whose township is known.
    pub fn full_name(&self, code: &RegionCode) -> String {
        if code.level() == Level::National {
            return "全国".into();
        }
        self.get(code).map(|n| n.full_name.clone()).unwrap_or_else(|| code.to_string())
    }

    /// The divisions in `within`'s subtree a person may mean by `text`: those
    /// whose name is `text`, whose full name is `text`, or whose full name ends
    /// with `text` where `text` ends with their name (彝良县洛泽河镇 for
    /// 云南省昭通市彝良县洛泽河镇); in code order.
    pub fn named(&self, text: &str, within: &RegionCode) -> Vec<&Node> {
        let t = text.trim();
        if t.is_empty() {
            return Vec::new();
        }
        self.nodes
            .iter()
            .filter(|n| n.name == t || n.full_name == t || (t.ends_with(&n.name) && n.full_name.ends_with(t)))
            .filter(|n| within.contains(&n.code))
            .collect()
    }

    /// Name search within `within`'s subtree: code prefix if the query is digits,
    /// otherwise substring of the name; higher levels first, then by code.
    pub fn search(&self, query: &str, within: &RegionCode, limit: usize) -> Vec<&Node> {
        let q = query.trim();
        if q.is_empty() {
            return Vec::new();
        }
        let digits = q.chars().all(|c| c.is_ascii_digit());
        let code_q = if digits { RegionCode::parse(q).map(|c| c.as_str().to_string()).unwrap_or(q.to_string()) } else { String::new() };
        let mut hits: Vec<&Node> = self
            .nodes
            .iter()
            .filter(|n| within.contains(&n.code))
            .filter(|n| if digits { n.code.as_str().starts_with(&code_q) } else { n.full_name.contains(q) || n.name.contains(q) })
            .collect();
        hits.sort_by(|a, b| a.level.cmp(&b.level).then(a.code.cmp(&b.code)));
        hits.truncate(limit);
        hits
    }
}
