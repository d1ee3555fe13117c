//! Adjustments of a published pairing list (新增、调整、终止结对).
//!
//! Guarantees:
//! - After a batch is published, a pairing is added, changed or ended only by a
//!   formal request (document number, reason, attachments) that both the civil
//!   affairs and the rural revitalisation department of the level that issued
//!   the list approve (云民发〔2023〕123号: "由本单位正式文件上报省民政厅、省乡村振兴局").
//!   Who may approve is decided by `authz` (`ApproveAdjustment`); each department
//!   approves once; one rejection closes the request.
//! - The change takes effect when the second approval lands, at that moment:
//!   the old pairing is delisted (status 已调整 or 已终止) and the new one listed,
//!   so [`super::list_as_of`] shows the list before and after.
//! - Every request, approval and rejection is audited, and the requester and
//!   approvers are told in the inbox.
//! - Under concurrency a decision locks the request before it reads it, so two
//!   departments approving at once apply the change exactly once, and a second
//!   decision of the same kind is `Changed` with the request's current state.

use super::{Batch, NewPairing, Pairing, add_file, apply_step, batch_tx, get_tx, insert};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, Locked, Tx};
use crate::inbox::{self, Notice, Recipient};
use crate::{Error, Result, on_db, on_tx, on_tx_exec};
use duijie_domain::authz::{self, Action, Decision, Guarded, Unchecked};
use duijie_domain::pairing::{Kind, Step};
use duijie_domain::{Principal, RegionCode, Role};
use serde::Serialize;

pub use duijie_domain::pairing::{AdjustmentStatus, Op};

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Adjustment {
    pub id: i64,
    pub batch_id: i64,
    pub batch_name: String,
    #[sqlx(try_from = "String")]
    pub batch_region: RegionCode,
    #[sqlx(try_from = "String")]
    pub op: Op,
    pub pairing_id: Option<i64>,
    pub org_id: i64,
    pub org_name: String,
    #[sqlx(try_from = "String")]
    pub kind: Kind,
    #[sqlx(try_from = "String")]
    pub region_code: RegionCode,
    pub target_label: String,
    pub fields: String,
    pub doc_no: String,
    pub reason: String,
    #[sqlx(try_from = "String")]
    pub status: AdjustmentStatus,
    pub requested_by: String,
    pub requested_at: i64,
    pub civil_by: Option<String>,
    pub civil_at: Option<i64>,
    pub rural_by: Option<String>,
    pub rural_at: Option<i64>,
    pub rejected_by: Option<String>,
    pub rejected_at: Option<i64>,
    pub reject_reason: String,
    pub result_pairing_id: Option<i64>,
}

impl Guarded for Adjustment {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        match action {
            Action::ViewAdjustment => authz::decide(who, action, authz::Target::Adjustment { org_id: self.org_id, target: &self.region_code, batch_region: &self.batch_region }),
            _ => authz::decide(who, action, authz::Target::Region(&self.batch_region)),
        }
    }
}

impl Adjustment {
    pub fn op(&self) -> Op {
        self.op
    }

    pub fn status_label(&self) -> &'static str {
        match self.status {
            AdjustmentStatus::Approved | AdjustmentStatus::Rejected => self.status.label(),
            AdjustmentStatus::Pending => match (self.civil_at.is_some(), self.rural_at.is_some()) {
                (true, false) => "民政已同意，待乡村振兴部门审批",
                (false, true) => "乡村振兴部门已同意，待民政审批",
                _ => "待审批",
            },
        }
    }
}

const SELECT: &str = "SELECT a.id, a.batch_id, b.name AS batch_name, b.region_code AS batch_region, a.op, a.pairing_id, a.org_id, \
    o.name AS org_name, a.kind, a.region_code, a.target_label, a.fields, a.doc_no, a.reason, a.status, a.requested_by, \
    a.requested_at, a.civil_by, a.civil_at, a.rural_by, a.rural_at, a.rejected_by, a.rejected_at, a.reject_reason, \
    a.result_pairing_id FROM pairing_adjustments a JOIN pairing_batches b ON b.id = a.batch_id \
    JOIN organizations o ON o.id = a.org_id";

/// A request as submitted.
#[derive(Debug, Clone)]
pub struct NewAdjustment {
    pub batch_id: i64,
    pub op: Op,
    /// The listed pairing to change or end.
    pub pairing_id: Option<i64>,
    /// For `Add`: the organisation; otherwise taken from the pairing.
    pub org_id: i64,
    pub kind: Kind,
    /// For `Add` and `Change`: the new county or village.
    pub region: Option<RegionCode>,
    pub target_label: String,
    pub fields: String,
    pub doc_no: String,
    pub reason: String,
}

/// An uploaded document (the formal request letter and the like).
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// One adjustment by id, to be opened by a decision (`Unchecked::check`).
pub async fn get(db: &Db, id: i64) -> Result<Option<Unchecked<Adjustment>>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE a.id = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

async fn get_tx_adj(tx: &mut Tx, id: i64) -> Result<Option<Adjustment>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE a.id = $1"));
    Ok(on_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// Requests visible to `who`: its organisation's; for officers, those of lists
/// issued at its own region (to approve) and those whose target lies in its subtree.
pub async fn list(db: &Db, who: &Principal, status: &str) -> Result<Vec<Adjustment>> {
    let status_clause = match status {
        "pending" | "approved" | "rejected" => "AND a.status = $3",
        _ => "AND $3 = $3",
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE (a.org_id = $1 OR b.region_code = $2 OR {} OR {}) {status_clause} ORDER BY a.id DESC",
        crate::in_subtree("a.region_code", 4),
        crate::in_subtree("o.region_code", 4),
    ));
    // An organisation reads its own requests only: no region, and a subtree range that holds nothing.
    let (org, region, [low, high]) = if who.role() == Role::Organization {
        (who.org_id().unwrap_or(-1), "x".to_string(), ["x".to_string(), "x".to_string()])
    } else {
        (-1, who.region().as_str().to_string(), crate::subtree(who.region()))
    };
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(org).bind(&region).bind(status).bind(&low).bind(&high).fetch_all(p).await)?)
}

/// Files attached to a request (without their bytes).
pub async fn files_of(db: &Db, id: i64) -> Result<Vec<(i64, String)>> {
    let sql = "SELECT id, file_name FROM pairing_files WHERE adjustment_id = $1 ORDER BY id";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_all(p).await)?)
}

/// Submits a request. Checks that the batch is published, that a change or end
/// names an open listed pairing of that batch, and that an addition's
/// organisation may take new work.
pub async fn request(tx: &mut Tx, actor: &Actor, n: &NewAdjustment, files: &[Upload<'_>]) -> Result<i64> {
    let batch: Batch = batch_tx(tx, n.batch_id).await?.ok_or_else(|| Error::Invalid("批次不存在".into()))?;
    if !batch.is_published() {
        return Err(Error::Invalid("该批次名单尚未发布，可直接增删结对，无需调整申请".into()));
    }
    let doc_no = n.doc_no.trim();
    if doc_no.is_empty() {
        return Err(Error::Invalid("请填写正式文件的文号".into()));
    }
    let reason = n.reason.trim();
    if reason.chars().count() < 5 {
        return Err(Error::Invalid("请写明调整理由（至少 5 个字）".into()));
    }
    if files.is_empty() {
        return Err(Error::Invalid("请上传正式文件（盖章扫描件）".into()));
    }
    let (org_id, kind, region, label, fields) = match n.op {
        Op::Add => {
            let org = crate::orgs::get_tx(tx, n.org_id).await?.ok_or_else(|| Error::Invalid("社会组织不存在".into()))?;
            if let Some(why) = super::refusal(&org) {
                return Err(Error::Invalid(why));
            }
            let region = n.region.clone().ok_or_else(|| Error::Invalid("请选择新增结对的地区".into()))?;
            (org.id, n.kind, region, n.target_label.trim().to_string(), n.fields.clone())
        }
        Op::Change | Op::End => {
            let pid = n.pairing_id.ok_or_else(|| Error::Invalid("请选择要调整的结对".into()))?;
            // One pending request per pairing: the lock makes the check below see any other.
            tx.lock(Locked::Pairing, pid).await?;
            let p: Pairing = get_tx(tx, pid).await?.ok_or_else(|| Error::Invalid("结对不存在".into()))?;
            if p.batch_id != batch.id || p.listed_at.is_none() || p.delisted_at.is_some() || p.status().is_closed() {
                return Err(Error::Invalid("只能调整本批次名单中现有的结对".into()));
            }
            let region = if n.op == Op::Change {
                let r = n.region.clone().ok_or_else(|| Error::Invalid("请选择调整后的结对地区".into()))?;
                if &r == p.target() && n.target_label.trim() == p.target_label {
                    return Err(Error::Invalid("调整后的结对对象与原来相同".into()));
                }
                r
            } else {
                p.target().clone()
            };
            let label = if n.op == Op::Change { n.target_label.trim().to_string() } else { p.target_label.clone() };
            (p.org_id, p.kind(), region, label, if n.fields.trim().is_empty() { p.fields.clone() } else { n.fields.clone() })
        }
    };
    if region.level() != kind.target_level() {
        return Err(Error::Invalid(format!("{}结对应选择{}", kind.label(), kind.target_level().label())));
    }
    let pending = "SELECT COUNT(*) FROM pairing_adjustments WHERE status = 'pending' AND pairing_id = $1";
    if let Some(pid) = n.pairing_id.filter(|_| n.op != Op::Add) {
        let k: i64 = on_tx!(tx, c => sqlx::query_scalar(pending).bind(pid).fetch_one(c).await)?;
        if k > 0 {
            return Err(Error::changed("该结对已有待审批的调整申请", "pending", "待审批"));
        }
    }
    let sql = "INSERT INTO pairing_adjustments (batch_id, op, pairing_id, org_id, kind, region_code, target_label, fields, doc_no, \
               reason, status, requested_by, requested_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'pending',$11,$12) RETURNING id";
    let pairing_id = if n.op == Op::Add { None } else { n.pairing_id };
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).bind(batch.id).bind(n.op.as_str()).bind(pairing_id).bind(org_id)
        .bind(kind.as_str()).bind(region.as_str()).bind(&label).bind(fields.trim()).bind(doc_no).bind(reason)
        .bind(&actor.unit).bind(crate::now()).fetch_one(c).await)?;
    for f in files {
        add_file(tx, actor, None, Some(id), "adjustment_document", f.file_name, f.content_type, f.bytes).await?;
    }
    let after = get_tx_adj(tx, id).await?;
    audit::append(tx, actor, Change {
        region: region.as_str(),
        action: "pairing_adjustment.request",
        entity: "pairing_adjustment",
        entity_id: &id.to_string(),
        before: None,
        after: after.as_ref().map(|a| serde_json::json!(a)),
    })
    .await?;
    for role in [Role::CivilAffairs, Role::RuralRevitalization] {
        let to = Recipient::Unit { region: batch.region_code.as_str().into(), role: Some(role) };
        let title = format!("结对调整申请待审批：{}（{}）", n.op.label(), doc_no);
        inbox::notify(tx, &to, &Notice { kind: "adjustment.requested".into(), title, body: reason.to_string(), link: format!("/pairing/adjustments/{id}"), dedup_key: None }).await?;
    }
    Ok(id)
}

/// Records one department's approval (`dept` is the approver's role, civil
/// affairs or rural revitalisation); applies the change at `at` once both
/// have approved. Returns the request as it now stands.
pub async fn approve(tx: &mut Tx, actor: &Actor, dept: Role, id: i64, at: i64) -> Result<Adjustment> {
    tx.lock(Locked::Adjustment, id).await?;
    let before = get_tx_adj(tx, id).await?.ok_or_else(|| Error::Invalid("调整申请不存在".into()))?;
    if before.status != AdjustmentStatus::Pending {
        return Err(changed(&before, format!("该申请{}，不能再审批", before.status.label())));
    }
    let (set, unset) = match dept {
        Role::CivilAffairs if before.civil_at.is_none() => ("civil_by = $1, civil_at = $2", "civil_at"),
        Role::RuralRevitalization if before.rural_at.is_none() => ("rural_by = $1, rural_at = $2", "rural_at"),
        Role::CivilAffairs | Role::RuralRevitalization => return Err(changed(&before, "本部门已审批过该申请".into())),
        _ => return Err(Error::Invalid("调整申请由民政部门和乡村振兴部门审批".into())),
    };
    let sql = sqlx::AssertSqlSafe(format!("UPDATE pairing_adjustments SET {set} WHERE id = $3 AND status = 'pending' AND {unset} IS NULL"));
    if on_tx_exec!(tx, c => sqlx::query(sql).bind(&actor.unit).bind(at).bind(id).execute(c).await)? == 0 {
        return Err(changed(&before, crate::CHANGED_BY_OTHERS.into()));
    }
    let mut now = get_tx_adj(tx, id).await?.ok_or_else(|| Error::Invalid("调整申请不存在".into()))?;
    if now.civil_at.is_some() && now.rural_at.is_some() {
        let result = apply(tx, actor, &now, at).await?;
        let sql = "UPDATE pairing_adjustments SET status = 'approved', result_pairing_id = $1 WHERE id = $2 AND status = 'pending'";
        on_tx_exec!(tx, c => sqlx::query(sql).bind(result).bind(id).execute(c).await)?;
        now = get_tx_adj(tx, id).await?.ok_or_else(|| Error::Invalid("调整申请不存在".into()))?;
        let title = format!("结对调整申请已批准：{}（{}）", now.op().label(), now.doc_no);
        inbox::notify(tx, &Recipient::Org(now.org_id), &Notice { kind: "adjustment.approved".into(), title, body: now.reason.clone(), link: format!("/pairing/adjustments/{id}"), dedup_key: None }).await?;
    }
    audit::append(tx, actor, Change {
        region: before.region_code.as_str(),
        action: "pairing_adjustment.approve",
        entity: "pairing_adjustment",
        entity_id: &id.to_string(),
        before: Some(serde_json::json!(before)),
        after: Some(serde_json::json!(now)),
    })
    .await?;
    Ok(now)
}

/// `Changed` with the request's current state.
fn changed(a: &Adjustment, message: String) -> Error {
    Error::changed(message, a.status.as_str(), a.status_label())
}

/// Applies an approved request at `at`; returns the new pairing, if one was made.
async fn apply(tx: &mut Tx, actor: &Actor, a: &Adjustment, at: i64) -> Result<Option<i64>> {
    let note = format!("调整申请 {}（{}）批准", a.id, a.doc_no);
    let new = |org_id: i64, fields: &str, from: Option<&Pairing>| NewPairing {
        batch_id: a.batch_id,
        kind: Some(a.kind),
        org_id,
        region: Some(a.region_code.clone()),
        target_label: a.target_label.clone(),
        fields: fields.to_string(),
        commitments: from.map(|p| p.commitments.clone()).unwrap_or_default(),
        funds_fen: from.map(|p| p.funds_fen).unwrap_or(0),
        people: from.map(|p| p.people).unwrap_or(0),
        // The formal request carries both sides' will; the agreement is signed next.
        org_consents: true,
        county_consents: true,
        provenance: note.clone(),
        ..NewPairing::default()
    };
    match a.op() {
        Op::Add => Ok(Some(insert(tx, actor, &new(a.org_id, &a.fields, None), Some(at)).await?)),
        Op::End => {
            let pid = a.pairing_id.ok_or_else(|| Error::Invalid("调整申请缺少结对".into()))?;
            apply_step(tx, actor, pid, Step::End, &note, at).await?;
            Ok(None)
        }
        Op::Change => {
            let pid = a.pairing_id.ok_or_else(|| Error::Invalid("调整申请缺少结对".into()))?;
            let old = apply_step(tx, actor, pid, Step::Replace, &note, at).await?;
            Ok(Some(insert(tx, actor, &new(old.org_id, &a.fields, Some(&old)), Some(at)).await?))
        }
    }
}

/// Rejects a pending request with a reason.
pub async fn reject(tx: &mut Tx, actor: &Actor, id: i64, reason: &str) -> Result<Adjustment> {
    tx.lock(Locked::Adjustment, id).await?;
    let before = get_tx_adj(tx, id).await?.ok_or_else(|| Error::Invalid("调整申请不存在".into()))?;
    if before.status != AdjustmentStatus::Pending {
        return Err(changed(&before, "该申请已办结，不能驳回".into()));
    }
    if reason.trim().is_empty() {
        return Err(Error::Invalid("请填写驳回理由".into()));
    }
    let sql = "UPDATE pairing_adjustments SET status = 'rejected', rejected_by = $1, rejected_at = $2, reject_reason = $3 WHERE id = $4 AND status = 'pending'";
    if on_tx_exec!(tx, c => sqlx::query(sql).bind(&actor.unit).bind(crate::now()).bind(reason.trim()).bind(id).execute(c).await)? == 0 {
        return Err(changed(&before, crate::CHANGED_BY_OTHERS.into()));
    }
    let after = get_tx_adj(tx, id).await?.ok_or_else(|| Error::Invalid("调整申请不存在".into()))?;
    audit::append(tx, actor, Change {
        region: before.region_code.as_str(),
        action: "pairing_adjustment.reject",
        entity: "pairing_adjustment",
        entity_id: &id.to_string(),
        before: Some(serde_json::json!(before)),
        after: Some(serde_json::json!(after)),
    })
    .await?;
    let title = format!("结对调整申请被驳回（{}）", after.doc_no);
    inbox::notify(tx, &Recipient::Org(after.org_id), &Notice { kind: "adjustment.rejected".into(), title, body: reason.trim().to_string(), link: format!("/pairing/adjustments/{id}"), dedup_key: None }).await?;
    Ok(after)
}
