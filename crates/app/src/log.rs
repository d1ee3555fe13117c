//! The verifiable log (issue 14): signed checkpoints, proofs, and the public
//! projection of the entries. Formats: `docs/verifiable-log.md`.
//!
//! Guarantees:
//! - A checkpoint states the tree as stored at one size, signed with the
//!   operator's SM2 key; it is kept and served exactly as signed, followed by
//!   the co-signature lines of the witnesses that co-signed it.
//! - Every proof served is first checked here with the verifier's own
//!   algorithms (`duijie_tlog::verify`) against the root it claims: a damaged
//!   stored tree answers an internal error, never a wrong proof.
//! - The public projection never carries who acted, their unit, or the record
//!   before and after (only their SM3 digest, inside the entry); an entry of a
//!   kind that is not public ([`PUBLIC_ENTITIES`]) is given by its leaf hash only.
//!   Ranges are bounded ([`MAX_ENTRIES`]).

use crate::Error;
use base64::Engine;
use duijie_domain::FieldError;
use duijie_store::Db;
use duijie_store::log::{self as store_log, StoredCheckpoint};
use duijie_tlog::note::{Checkpoint, PrivateKey};
use duijie_tlog::{Hash, verify};
use serde::Serialize;
use utoipa::ToSchema;

/// Kinds of record whose log entries are shown in full to anyone: reference
/// data and designations, the organisation registry, and pairing (batches,
/// pairings, teams, adjustments) — what the platform publishes anyway.
pub const PUBLIC_ENTITIES: &[&str] =
    &["reference", "region", "designation", "cooperation_tie", "organization", "pairing", "pairing_batch", "pairing_team", "pairing_adjustment"];

/// Most entries one request may ask for.
pub const MAX_ENTRIES: u64 = 1000;

fn invalid(field: &str, message: impl Into<String>) -> Error {
    Error::Invalid(vec![FieldError::new(field, message)])
}

/// Signs the tree as it is now and keeps the checkpoint.
pub async fn sign_checkpoint(db: &Db, key: &PrivateKey) -> Result<StoredCheckpoint, Error> {
    let size = store_log::size(db).await.map_err(Error::Store)?;
    let root = store_log::root(db, size).await.map_err(Error::Store)?;
    let note = key.sign(&Checkpoint { origin: key.public().name, size, root }.body());
    store_log::save_checkpoint(db, size, &root, &note).await.map_err(Error::Store)
}

/// Signs a checkpoint if the tree grew since the last one (or there is none).
pub async fn sign_if_grown(db: &Db, key: &PrivateKey) -> Result<Option<StoredCheckpoint>, Error> {
    let size = store_log::size(db).await.map_err(Error::Store)?;
    match store_log::latest_checkpoint(db).await.map_err(Error::Store)? {
        Some(last) if last.size as u64 >= size => Ok(None),
        _ => sign_checkpoint(db, key).await.map(Some),
    }
}

/// The newest signed checkpoint.
pub async fn latest(db: &Db) -> Result<StoredCheckpoint, Error> {
    store_log::latest_checkpoint(db).await.map_err(Error::Store)?.ok_or(Error::NotFound)
}

/// The newest checkpoint as published: the signed note followed by the
/// co-signature lines its witnesses have given (C2SP: more signature lines
/// on the same note text; a verifier ignores lines of keys it does not know).
pub async fn latest_cosigned(db: &Db) -> Result<String, Error> {
    let cp = latest(db).await?;
    let lines = store_log::cosignatures(db, cp.id).await.map_err(Error::Store)?;
    Ok(lines.iter().fold(cp.note, |note, c| note + &c.line))
}

/// 包含证明（RFC 9162 §2.1.3）：第 `index` 条记录在前 `size` 条记录构成的树中。
#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionProof {
    /// 记录序号（从 0 开始）。
    pub index: u64,
    /// 树的大小（记录条数）。
    pub size: u64,
    /// 该记录的叶哈希（SM3，十六进制）。
    pub leaf_hash: String,
    /// 该大小的树根（SM3，十六进制）。
    pub root: String,
    /// 证明路径，自叶向根（SM3，十六进制）。
    pub hashes: Vec<String>,
}

/// 一致性证明（RFC 9162 §2.1.4）：前 `from` 条记录构成的树是前 `to` 条的前缀。
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    /// 两棵树的树根（SM3，十六进制）。
    pub from_root: String,
    pub to_root: String,
    /// 证明（SM3，十六进制）。
    pub hashes: Vec<String>,
}

fn hexes(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(duijie_tlog::hex).collect()
}

async fn current_size(db: &Db) -> Result<u64, Error> {
    store_log::size(db).await.map_err(Error::Store)
}

/// The inclusion proof of entry `index` at tree size `size` (checked before it is given).
pub async fn inclusion(db: &Db, index: u64, size: u64) -> Result<InclusionProof, Error> {
    let tree = current_size(db).await?;
    if size == 0 || size > tree {
        return Err(invalid("size", format!("树的大小应在 1 到 {tree} 之间")));
    }
    if index >= size {
        return Err(invalid("index", format!("记录序号应小于树的大小 {size}")));
    }
    let leaf = store_log::leaf(db, index).await.map_err(Error::Store)?.ok_or(Error::NotFound)?;
    let hashes = store_log::inclusion(db, index, size).await.map_err(Error::Store)?;
    let root = store_log::root(db, size).await.map_err(Error::Store)?;
    if !verify::inclusion(index, size, &leaf, &hashes, &root) {
        return Err(Error::Internal(format!("日志树的存储不一致：第 {index} 条的包含证明未通过自检")));
    }
    Ok(InclusionProof { index, size, leaf_hash: duijie_tlog::hex(&leaf), root: duijie_tlog::hex(&root), hashes: hexes(&hashes) })
}

/// The consistency proof between tree sizes `from` and `to` (checked before it is given).
pub async fn consistency(db: &Db, from: u64, to: u64) -> Result<ConsistencyProof, Error> {
    let tree = current_size(db).await?;
    if to == 0 || to > tree {
        return Err(invalid("to", format!("树的大小应在 1 到 {tree} 之间")));
    }
    if from == 0 || from > to {
        return Err(invalid("from", "from 应在 1 到 to 之间"));
    }
    let hashes = store_log::consistency(db, from, to).await.map_err(Error::Store)?;
    let (a, b) = (store_log::root(db, from).await.map_err(Error::Store)?, store_log::root(db, to).await.map_err(Error::Store)?);
    if !verify::consistency(from, to, &a, &b, &hashes) {
        return Err(Error::Internal(format!("日志树的存储不一致：{from} 到 {to} 的一致性证明未通过自检")));
    }
    Ok(ConsistencyProof { from, to, from_root: duijie_tlog::hex(&a), to_root: duijie_tlog::hex(&b), hashes: hexes(&hashes) })
}

/// 日志中的一条记录（公开投影）。
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicEntry {
    /// 记录序号（从 0 开始）。
    pub index: u64,
    /// 叶哈希 SM3(0x00 ‖ 条目字节)，十六进制。
    pub leaf_hash: String,
    /// 是否公开：不公开的记录只给出叶哈希，以下字段为空。
    pub public: bool,
    /// 条目的规范字节（base64），按 docs/verifiable-log.md 编码。
    pub entry: Option<String>,
    /// 记录时间（Unix 秒）。
    pub at: Option<i64>,
    /// 所涉记录的区划代码。
    pub region_code: Option<String>,
    /// 操作，例如 pairing.signed。
    pub action: Option<String>,
    /// 记录类型与编号。
    pub entity: Option<String>,
    pub entity_id: Option<String>,
}

/// 一段日志记录。
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryPage {
    /// 起止序号（含 start，不含 end）。
    pub start: u64,
    pub end: u64,
    /// 日志目前的记录条数。
    pub size: u64,
    pub entries: Vec<PublicEntry>,
}

/// Entries `[start, end)` in their public projection.
pub async fn entries(db: &Db, start: u64, end: u64) -> Result<EntryPage, Error> {
    let size = current_size(db).await?;
    if end > size {
        return Err(invalid("end", format!("end 不能超过日志的记录条数 {size}")));
    }
    if start >= end {
        return Err(invalid("start", "start 应小于 end"));
    }
    if end - start > MAX_ENTRIES {
        return Err(invalid("end", format!("一次最多取 {MAX_ENTRIES} 条")));
    }
    let rows = store_log::rows(db, start, end).await.map_err(Error::Store)?;
    let entries = rows
        .iter()
        .map(|r| {
            let e = store_log::entry_of(r);
            let bytes = e.encode();
            let leaf_hash = duijie_tlog::hex(&duijie_tlog::leaf_hash(&bytes));
            if PUBLIC_ENTITIES.contains(&r.entity.as_str()) {
                PublicEntry {
                    index: e.index,
                    leaf_hash,
                    public: true,
                    entry: Some(base64::engine::general_purpose::STANDARD.encode(&bytes)),
                    at: Some(e.at),
                    region_code: Some(e.region),
                    action: Some(e.action),
                    entity: Some(e.entity),
                    entity_id: Some(e.entity_id),
                }
            } else {
                PublicEntry { index: e.index, leaf_hash, public: false, entry: None, at: None, region_code: None, action: None, entity: None, entity_id: None }
            }
        })
        .collect();
    Ok(EntryPage { start, end, size, entries })
}

/// Appends leaves `[start, end)` to a compact export ([`duijie_tlog::export`]):
/// the same projection as [`entries`] — a public entry's bytes, any other
/// entry's leaf hash only — without the API's JSON around it.
pub async fn export_compact(db: &Db, start: u64, end: u64, out: &mut Vec<u8>) -> Result<(), Error> {
    for r in store_log::rows(db, start, end).await.map_err(Error::Store)? {
        let bytes = store_log::entry_of(&r).encode();
        if PUBLIC_ENTITIES.contains(&r.entity.as_str()) {
            duijie_tlog::export::put_public(out, &bytes);
        } else {
            duijie_tlog::export::put_hidden(out, &duijie_tlog::leaf_hash(&bytes));
        }
    }
    Ok(())
}

/// What checking the stored tree against the newest checkpoint found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum TreeVerdict {
    /// No checkpoint has been signed yet: the tree was recomputed up to its size.
    NoCheckpoint { size: u64 },
    /// The audit rows give the checkpoint's root.
    Matches { size: u64 },
    /// The first entry that breaks it, and why (in Chinese).
    Broken { index: u64, reason: String },
}

/// Recomputes the first `checkpoint.size` leaves from the audit rows and
/// compares the root with the checkpoint (whose signature the caller checked).
pub async fn check_against(db: &Db, checkpoint: &Checkpoint) -> Result<TreeVerdict, Error> {
    let size = current_size(db).await?;
    if checkpoint.size > size {
        return Ok(TreeVerdict::Broken { index: size, reason: format!("检查点有 {} 条记录，日志树只有 {size} 条（尾部被删除）", checkpoint.size) });
    }
    match store_log::recompute(db, checkpoint.size).await.map_err(Error::Store)? {
        store_log::TreeCheck::Broken { index, reason } => Ok(TreeVerdict::Broken { index, reason }),
        store_log::TreeCheck::Intact { root, .. } if root != checkpoint.root => Ok(TreeVerdict::Broken {
            index: checkpoint.size.saturating_sub(1),
            reason: "前面各条记录算出的树根与检查点不符（记录被改写或重排）".into(),
        }),
        store_log::TreeCheck::Intact { size, .. } => Ok(TreeVerdict::Matches { size }),
    }
}

/// Recomputes the whole stored tree from the audit rows (no checkpoint yet).
pub async fn check_all(db: &Db) -> Result<TreeVerdict, Error> {
    let size = current_size(db).await?;
    match store_log::recompute(db, size).await.map_err(Error::Store)? {
        store_log::TreeCheck::Broken { index, reason } => Ok(TreeVerdict::Broken { index, reason }),
        store_log::TreeCheck::Intact { size, .. } => Ok(TreeVerdict::NoCheckpoint { size }),
    }
}

/// Who has co-signed the newest checkpoint, and the witnesses' refusals.
#[derive(Debug, Clone)]
pub struct Witnessing {
    /// The newest checkpoint's size (none signed yet: 0).
    pub size: u64,
    /// (witness key name, the time inside its co-signature), by name.
    pub cosigned_by: Vec<(String, i64)>,
    /// The newest refusals as forks (at most [`ALARMS_SHOWN`]), newest first.
    pub alarms: Vec<store_log::Alarm>,
}

/// Most alarms [`witnessing`] gives.
pub const ALARMS_SHOWN: i64 = 10;

/// The newest checkpoint's co-signers and the witnesses' alarms — public: a
/// fork of the log is what every reader of a receipt must know about.
pub async fn witnessing(db: &Db) -> Result<Witnessing, Error> {
    let latest = store_log::latest_checkpoint(db).await.map_err(Error::Store)?;
    let cosigned_by = match &latest {
        Some(cp) => store_log::cosignatures(db, cp.id).await.map_err(Error::Store)?.into_iter().map(|c| (c.witness, c.signed_time)).collect(),
        None => Vec::new(),
    };
    let alarms = store_log::alarms(db, ALARMS_SHOWN).await.map_err(Error::Store)?;
    Ok(Witnessing { size: latest.map_or(0, |c| c.size as u64), cosigned_by, alarms })
}

/// A record's receipt: the log entry of its newest recorded change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub index: u64,
    /// Hex.
    pub leaf_hash: String,
}

impl Receipt {
    /// The receipt as documents print it (line and QR code), the 核验 page under `public_url`.
    pub fn printed(self, public_url: &str) -> duijie_office::receipt::Receipt {
        duijie_office::receipt::Receipt { index: self.index, leaf_hash: self.leaf_hash, base_url: public_url.to_string() }
    }
}

/// The receipt of one record (`entity` and `entity_id` as the audit trail names them), if it has been recorded.
pub async fn receipt_of(db: &Db, entity: &str, entity_id: impl std::fmt::Display) -> Result<Option<Receipt>, Error> {
    let found = store_log::latest_leaf_of(db, entity, &entity_id.to_string()).await.map_err(Error::Store)?;
    Ok(found.map(|(index, leaf)| Receipt { index, leaf_hash: duijie_tlog::hex(&leaf) }))
}

/// What checking a receipt (entry index and leaf hash) against the newest checkpoint found.
#[derive(Debug)]
pub enum ReceiptCheck {
    /// The receipt's leaf is in the checkpoint's tree at its index, and the audit row still gives it.
    Included { checkpoint: StoredCheckpoint, proof: InclusionProof },
    /// The checkpoint includes the receipt, but the audit row no longer gives its leaf: the record was changed.
    Altered { checkpoint: StoredCheckpoint, proof: InclusionProof },
    /// The receipt is not in the checkpoint's tree (wrong receipt, or a rewritten log).
    NotIncluded { checkpoint: StoredCheckpoint },
    /// The entry is newer than the newest checkpoint.
    Pending { checkpoint: StoredCheckpoint },
}

/// Checks a receipt against the newest signed checkpoint, with a proof computed from the stored tree.
pub async fn check_receipt(db: &Db, index: u64, leaf: &Hash) -> Result<ReceiptCheck, Error> {
    let checkpoint = latest(db).await?;
    let size = checkpoint.size as u64;
    let root = duijie_tlog::parse_hex(&checkpoint.root).ok_or_else(|| Error::Internal("检查点树根无效".into()))?;
    if index >= size {
        return Ok(ReceiptCheck::Pending { checkpoint });
    }
    let hashes = store_log::inclusion(db, index, size).await.map_err(Error::Store)?;
    if !verify::inclusion(index, size, leaf, &hashes, &root) {
        return Ok(ReceiptCheck::NotIncluded { checkpoint });
    }
    let proof = InclusionProof { index, size, leaf_hash: duijie_tlog::hex(leaf), root: checkpoint.root.clone(), hashes: hexes(&hashes) };
    let row = store_log::rows(db, index, index + 1).await.map_err(Error::Store)?;
    match row.first() {
        Some(r) if store_log::entry_of(r).leaf_hash() == *leaf => Ok(ReceiptCheck::Included { checkpoint, proof }),
        _ => Ok(ReceiptCheck::Altered { checkpoint, proof }),
    }
}
