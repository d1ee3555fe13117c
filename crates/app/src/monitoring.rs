//! The export to the national monitoring system (全国防止返贫监测和衔接推进乡村振兴信息系统):
//! a rural-revitalisation office exports its region's records for a
//! half-year as a numbered batch, in the layout an administrator keeps (the
//! shipped example until the real template arrives); each batch lists the
//! corrections against the previous batch of the same region and period and
//! carries its log receipt.
//!
//! Guarantees:
//! - Every operation decides access first: exporting and seeing batches is
//!   `ExportMonitoring` on the region (the county's office and those above it;
//!   another county or an organisation never sees a batch: `NotFound` /
//!   `Forbidden`), replacing the layout is `ManageMonitoringLayout`.
//! - [`export`] is one transaction under the region's lock: the records are
//!   read, the rows computed by `duijie_domain::monitoring::rows`, the previous
//!   batch of the region and period read, the corrections computed against it
//!   (exactly the rows that differ in what the layout exports, the new and the
//!   vanished ones), and the batch written with its rows and audit row. Two
//!   exports at once get consecutive numbers.
//! - A batch's file ([`file`]) is written from what the batch stored — its
//!   rows, its corrections, the layout it was made with — never recomputed, so
//!   it is the same file every time it is downloaded; it carries the batch's
//!   receipt as `app::log::receipt_of` gives it.
//! - The CLI and the pages share [`check`]: every bad field named in Chinese.

use crate::log::receipt_of;
use crate::reports::Records;
use crate::{Error, require};
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::monitoring::{self as m, Correction, Layout, Period, Row};
use duijie_domain::{FieldError, Level, Principal, RegionCode};
use duijie_store::Actor;
use duijie_store::monitoring::{self as store, Batch, NewBatch};

/// The entity of a batch in the audit trail and the verifiable log.
pub const ENTITY: &str = "monitoring_batch";

/// What an officer asks to export (page form, API body, CLI flags).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ExportInput {
    /// 导出地区：县（市、区）或以上的区划代码或名称；不填为本单位所在地区。
    #[serde(default)]
    pub region: String,
    /// 统计期：年份H1（上半年）或 年份H2（下半年），如 2026H1。
    #[serde(default)]
    pub period: String,
}

/// The region and period asked for, or every bad field named (a period that has not begun is refused).
pub async fn check(p: Records<'_>, who: &Principal, input: &ExportInput) -> Result<(RegionCode, Period), Error> {
    let mut errors = Vec::new();
    let region = match input.region.trim() {
        "" => Some(who.region().clone()),
        t => {
            let mut text = t.to_string();
            let typed = crate::pickers::Typed::region(p.db, p.tree, &mut text, who.region(), Level::County).await;
            match typed.into_reason() {
                Some(why) => {
                    errors.push(FieldError::new("region", why));
                    None
                }
                None => match RegionCode::parse(text.trim()) {
                    Ok(r) if r.level() <= Level::County && (r.level() == Level::National || p.tree.get(&r).is_some()) => Some(r),
                    Ok(r) if r.level() > Level::County => {
                        errors.push(FieldError::new("region", format!("“{t}”在县级以下：请选择县（市、区）或以上的地区")));
                        None
                    }
                    _ => {
                        errors.push(FieldError::new("region", format!("没有区划代码或名称为“{t}”的地区")));
                        None
                    }
                },
            }
        }
    };
    let period = match Period::parse(&input.period) {
        Ok(p) if p.from() > crate::today().format("%Y-%m-%d").to_string() => {
            errors.push(FieldError::new("period", format!("统计期 {p}（{}）尚未开始，不能导出", p.label())));
            None
        }
        Ok(p) => Some(p),
        Err(m) => {
            errors.push(FieldError::new("period", m));
            None
        }
    };
    match (region, period) {
        (Some(r), Some(p)) if errors.is_empty() => Ok((r, p)),
        _ => Err(Error::Invalid(errors)),
    }
}

/// The layout in use, and where it comes from.
#[derive(Debug, Clone)]
pub struct CurrentLayout {
    pub layout: Layout,
    /// Whether it is the shipped example (no administrator saved one).
    pub shipped: bool,
    /// Who saved it, and when (empty / `None` for the shipped one).
    pub saved_by: String,
    pub saved_at: Option<i64>,
}

/// The layout exports use now: the newest saved by an administrator, else the shipped example.
pub async fn layout(p: Records<'_>) -> Result<CurrentLayout, Error> {
    if let Some((json, by, at)) = store::layout(p.db).await?
        && let Ok(layout) = Layout::parse(&json)
    {
        return Ok(CurrentLayout { layout, shipped: false, saved_by: by, saved_at: Some(at) });
    }
    Ok(CurrentLayout { layout: Layout::default_layout(), shipped: true, saved_by: String::new(), saved_at: None })
}

/// Whether the caller may replace the layout (the page offers the form).
pub fn may_edit_layout(who: &Principal) -> bool {
    decide(who, Action::ManageMonitoringLayout, Target::Region(who.region())).is_allowed()
}

/// Whether the caller exports for its region (the menu offers the page).
pub fn may_export(who: &Principal) -> bool {
    decide(who, Action::ExportMonitoring, Target::Region(who.region())).is_allowed()
}

/// A national administrator replaces the layout with `json` (checked field by field; nothing kept if any is bad).
pub async fn save_layout(p: Records<'_>, who: &Principal, actor: &Actor, json: &str) -> Result<Layout, Error> {
    // The caller's own region: nothing to hide, so a refusal is 403.
    require(decide(who, Action::ManageMonitoringLayout, Target::Region(who.region()))).map_err(|_| Error::Forbidden)?;
    let layout = Layout::parse(json).map_err(Error::Invalid)?;
    let mut tx = p.db.begin().await?;
    store::save_layout(&mut tx, actor, &layout.to_json()).await?;
    tx.commit().await?;
    Ok(layout)
}

/// Exports `region`'s records for `period` as its next batch (see the module header).
pub async fn export(p: Records<'_>, who: &Principal, actor: &Actor, region: &RegionCode, period: &Period) -> Result<Batch, Error> {
    require(decide(who, Action::ExportMonitoring, Target::Region(region)))?;
    if region.level() > Level::County || (region.level() != Level::National && p.tree.get(region).is_none()) {
        return Err(Error::field("region", format!("没有可导出的地区“{region}”：请选择县（市、区）或以上的地区")));
    }
    let layout = layout(p).await?.layout;
    let mut tx = p.db.begin().await?;
    store::lock_region(&mut tx, region).await?;
    let (projects, pairings) = store::lines(&mut tx, region, period).await?;
    let rows = m::rows(&projects, &pairings, |c| p.tree.full_name(c));
    let previous = store::latest(&mut tx, region, period).await?;
    let corrections = match &previous {
        Some(b) => m::corrections(&store::rows_tx(&mut tx, b.id).await?, &rows, &layout.figures()),
        None => Vec::new(),
    };
    let digest = m::batch_digest(&rows);
    let json = layout.to_json();
    let batch = store::create(&mut tx, actor, &NewBatch { region, period, layout: &json, rows: &rows, corrections: &corrections, previous: previous.as_ref(), digest: &digest }).await?;
    tx.commit().await?;
    Ok(batch)
}

/// The batches the caller may see (its region's subtree), newest first.
pub async fn list(p: Records<'_>, who: &Principal) -> Result<Vec<Batch>, Error> {
    require(decide(who, Action::ExportMonitoring, Target::Region(who.region()))).map_err(|_| Error::Forbidden)?;
    Ok(store::list(p.db, who.region(), 200).await?)
}

/// One batch with what it contained, for its page and the API.
#[derive(Debug, Clone)]
pub struct BatchDetail {
    pub batch: Batch,
    pub region_name: String,
    /// The previous batch's number (same region and period), if any.
    pub previous_number: Option<i64>,
    pub corrections: Vec<Correction>,
    pub layout: Layout,
    /// (entry index, leaf hash), once recorded in the log.
    pub receipt: Option<crate::log::Receipt>,
}

/// A batch the caller may see.
pub async fn batch(p: Records<'_>, who: &Principal, id: i64) -> Result<BatchDetail, Error> {
    let batch = crate::open(store::get(p.db, id).await?, who, Action::ExportMonitoring)?;
    let previous_number = match batch.previous_id {
        Some(prev) => Some(crate::open(store::get(p.db, prev).await?, who, Action::ExportMonitoring)?.number),
        None => None,
    };
    let layout = Layout::parse(&batch.layout).map_err(|_| Error::Internal(format!("批次 {id} 保存的导出模板无法读取")))?;
    let receipt = receipt_of(p.db, ENTITY, id).await?;
    Ok(BatchDetail { region_name: p.tree.full_name(&batch.region_code), previous_number, corrections: batch.corrections()?, layout, receipt, batch })
}

/// A Beijing time of an instant, `2026-07-02 10:05`.
fn beijing(at: i64) -> String {
    chrono::DateTime::from_timestamp(at + 8 * 3600, 0).map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
}

/// A batch's file: (file name, .xlsx bytes), written from what the batch
/// stored, with its log receipt (the QR code opening the 核验 page under `public_url`).
pub async fn file(p: Records<'_>, who: &Principal, id: i64, public_url: &str) -> Result<(String, Vec<u8>), Error> {
    let d = batch(p, who, id).await?;
    let rows: Vec<Row> = store::rows(p.db, id).await?;
    let b = &d.batch;
    let example = if d.layout.example { "　（按示例模板导出：全国系统正式模板未公开）" } else { "" };
    let info = format!(
        "填报地区：{}（{}）　统计期：{}（{}）　批次：第 {} 批　导出：{} {}（{}）{example}",
        d.region_name,
        b.region_code.padded12().get(..6).unwrap_or_default(),
        b.period.label(),
        b.period,
        b.number,
        beijing(b.created_at),
        b.created_unit,
        b.created_by
    );
    let corrections_title = match d.previous_number {
        Some(n) => format!("第 {} 批更正清单：相对第 {n} 批有变化的记录（共 {} 行）", b.number, d.corrections.len()),
        None => format!("第 {} 批为本地区{}的首批导出，无更正", b.number, b.period.label()),
    };
    let receipt = d.receipt.clone().map(|r| r.printed(public_url));
    let bytes = duijie_office::monitoring_sheet::write(&duijie_office::monitoring_sheet::Sheet {
        layout: &d.layout,
        info,
        receipt: receipt.as_ref(),
        rows: &rows,
        corrections_title,
        corrections: &d.corrections,
    })
    .map_err(|e| Error::Internal(e.to_string()))?;
    Ok((format!("{}监测系统导出_{}_第{}批.xlsx", d.region_name, b.period, b.number), bytes))
}
