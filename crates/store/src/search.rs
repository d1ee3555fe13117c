//! Keeping the full-text index (`duijie_fulltext`) in step with the database:
//! demands, offers and organisations as searchable documents.
//!
//! Guarantees: [`Indexer::sync`] indexes every row changed since the index's
//! watermark for its kind (minus a small margin, as writers stamp rows just
//! before they commit), so after a restart the index catches up with whatever
//! was written while it was down, and it writes (commits) only documents that
//! differ from what it indexed — a sync that finds nothing new writes nothing;
//! [`rebuild`] empties the index and indexes everything. Each document carries
//! what a result list shows (title, label, place, region, status), so a list
//! needs no database read per hit.
//! Personal data never enters the index: a demand's document is its title,
//! description and beneficiary groups, never its household.

use crate::db::Db;
use crate::demand::supply::Offer;
use crate::demand::{self, Demand};
use crate::orgs::Organization;
use crate::{Error, Result};
use duijie_domain::matching::OfferStatus;
use duijie_fulltext::{Doc, DocKind, FullText};
use std::collections::HashMap;

/// How far before the watermark a sync looks again.
const MARGIN_SECONDS: i64 = 2;
/// Rows read, and documents committed, at a time when catching up.
const PAGE: i64 = 50_000;

fn fields(s: &str) -> Vec<String> {
    s.split('、').filter(|f| !f.is_empty()).map(str::to_string).collect()
}

pub fn demand_doc(d: &Demand) -> Doc {
    Doc {
        kind: DocKind::Demand,
        id: d.id,
        title: d.title.clone(),
        body: format!("{} {}", d.description, d.beneficiary_group),
        code: String::new(),
        region: d.region_code.as_str().into(),
        fields: vec![d.field.clone()],
        status: d.status.as_str().into(),
        amount_fen: d.funds_fen,
        owner_org: 0,
        public: d.status().is_public(),
        updated_at: d.updated_at,
        label: if d.is_wish { "微心愿" } else { "需求" }.into(),
        place: String::new(),
    }
}

pub fn offer_doc(o: &Offer) -> Doc {
    Doc {
        kind: DocKind::Offer,
        id: o.id,
        title: o.title.clone(),
        body: format!("{} {}", o.description, o.org_name),
        code: String::new(),
        region: o.org_region.as_str().into(),
        fields: fields(&o.fields),
        status: o.status.as_str().into(),
        amount_fen: o.funds_fen,
        owner_org: o.org_id,
        public: o.status == OfferStatus::Published,
        updated_at: o.updated_at,
        label: "供给项目".into(),
        place: o.org_name.clone(),
    }
}

pub fn org_doc(o: &Organization) -> Doc {
    Doc {
        kind: DocKind::Organization,
        id: o.id,
        title: o.name.clone(),
        body: format!("{} {}", o.supervisor, o.fields),
        code: o.credit_code.clone(),
        region: o.region_code.as_str().into(),
        fields: fields(&o.fields),
        status: o.status.as_str().into(),
        amount_fen: 0,
        owner_org: o.id,
        public: o.approval == duijie_domain::org::Approval::Approved,
        updated_at: o.updated_at,
        label: "社会组织".into(),
        place: String::new(),
    }
}

fn index_err(e: duijie_fulltext::Error) -> Error {
    Error::Invalid(e.to_string())
}

/// Keeps an index in step with the database, writing only what changed.
///
/// Each sync re-reads a short window before the watermark (rows stamped just
/// before a commit that an earlier sync could not yet see); the documents
/// indexed inside that window are remembered, so a re-read row whose document
/// is the same is not written again and a sync that finds nothing new makes
/// no commit.
#[derive(Default)]
pub struct Indexer {
    /// Documents indexed with `updated_at` inside the re-read window, by (kind, id).
    recent: std::sync::Mutex<HashMap<(DocKind, i64), Doc>>,
}

impl Indexer {
    /// Indexes what changed since the index's watermarks; returns how many documents were written.
    /// Rows are read and written a page at a time in order of change, so a
    /// first load of millions of rows holds one page in memory, and an
    /// interrupted one resumes from the last page committed.
    pub async fn sync(&self, db: &Db, ft: &FullText) -> Result<usize> {
        let since = |k| ft.watermark(k) - MARGIN_SECONDS;
        let mut n = 0;
        let mut write = |docs: Vec<Doc>| -> Result<()> {
            n += self.write(ft, docs)?;
            Ok(())
        };
        demand::changed_in_pages(db, since(DocKind::Demand), PAGE, |rows| write(rows.iter().map(demand_doc).collect())).await?;
        demand::supply::changed_in_pages(db, since(DocKind::Offer), PAGE, |rows| write(rows.iter().map(offer_doc).collect())).await?;
        crate::orgs::changed_in_pages(db, since(DocKind::Organization), PAGE, |rows| write(rows.iter().map(org_doc).collect())).await?;
        Ok(n)
    }

    /// Writes the documents that differ from what was last indexed of them;
    /// returns how many were written.
    fn write(&self, ft: &FullText, mut docs: Vec<Doc>) -> Result<usize> {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        docs.retain(|d| recent.get(&(d.kind, d.id)) != Some(d));
        ft.upsert(&docs).map_err(index_err)?;
        let n = docs.len();
        for d in docs {
            recent.insert((d.kind, d.id), d);
        }
        recent.retain(|(kind, _), d| d.updated_at >= ft.watermark(*kind) - MARGIN_SECONDS);
        Ok(n)
    }
}

/// Indexes what changed since the index's watermarks, re-writing the whole
/// re-read window (for one-off catch-ups; a running server keeps an [`Indexer`]).
pub async fn sync(db: &Db, ft: &FullText) -> Result<usize> {
    Indexer::default().sync(db, ft).await
}

/// Empties the index and indexes every demand, offer and organisation.
pub async fn rebuild(db: &Db, ft: &FullText) -> Result<usize> {
    ft.clear().map_err(index_err)?;
    sync(db, ft).await
}

/// Opens the index of this database in `dir`: an index made for another
/// database (told by an identity kept in both) or an unusable one is emptied,
/// and the next [`sync`] fills it again — it is derived data.
pub async fn open_for(db: &Db, dir: &std::path::Path) -> Result<FullText> {
    let id = match db.meta("database_id").await? {
        Some(id) => id,
        None => {
            let mut tx = db.begin().await?;
            let id = duijie_domain::crypto::random_token();
            tx.set_meta("database_id", &id).await?;
            tx.commit().await?;
            id
        }
    };
    // Beside the index, not in it: the index directory holds index files only.
    let stamp = dir.with_extension("database-id");
    let ft = open(dir)?;
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(id.as_str()) {
        if !ft.is_empty() {
            tracing::warn!("全文索引 {} 属于另一个数据库，将清空重建", dir.display());
        }
        ft.clear().map_err(index_err)?;
        std::fs::write(&stamp, &id).map_err(|e| Error::Invalid(format!("无法写入 {}：{e}", stamp.display())))?;
    }
    Ok(ft)
}

/// Opens the index in `dir`, recreating it when it is unusable (it is derived
/// data: the next sync fills it again).
pub fn open(dir: &std::path::Path) -> Result<FullText> {
    match FullText::open(dir) {
        Ok(ft) => Ok(ft),
        Err(e) if e.needs_rebuild() => {
            tracing::warn!("全文索引不可用（{e}），将重建");
            FullText::recreate(dir).map_err(index_err)
        }
        Err(e) => Err(index_err(e)),
    }
}
