//! The verifiable log's storage: every audit row is a leaf of an SM3 Merkle
//! tree (formats in `docs/verifiable-log.md`, maths in `duijie_tlog`).
//!
//! Guarantees:
//! - Leaf `i` is audit row `seq = i + 1`, written by [`add_leaf`] in the same
//!   transaction as the row, while that transaction holds the audit head's row
//!   lock: leaves are appended one at a time in order, on both backends. The
//!   schema refuses a leaf whose predecessor is missing, a repeated index, and
//!   any UPDATE or DELETE (migration 0010).
//! - An append reads at most `trailing_ones(i)` stored subtrees (one query) and
//!   inserts the leaf and the subtrees it completes (amortised one): no scan.
//! - Every complete subtree is stored, so a root, an inclusion proof or a
//!   consistency proof reads O(log n) rows in two queries ([`root`],
//!   [`inclusion`], [`consistency`]), never the leaves.
//! - Audit rows written before the log existed (or by an older version) are
//!   carried over in order by [`catch_up`], which [`Db::connect`] runs after
//!   migrating; it is idempotent, and [`add_leaf`] runs it itself if it finds
//!   its predecessor missing.
//! - [`recompute`] recomputes leaves from the audit rows themselves and reports
//!   the first that differs from the stored tree.
//! - Witnesses: a co-signature is kept once per checkpoint and witness (the
//!   first one received stays); [`witnessed`] gives the newest checkpoint a
//!   witness co-signed, from which the next proof to it starts. Alarms are
//!   only ever added.

use crate::audit::AuditRow;
use crate::db::{Db, Tx};
use crate::{Error, Result, on_db, on_db_exec, on_tx, on_tx_exec};
use duijie_tlog::tree::{self, NodeId};
use duijie_tlog::{Entry, Hash};
use std::collections::HashMap;

/// The entry an audit row is committed as.
pub fn entry_of(r: &AuditRow) -> Entry {
    Entry {
        index: (r.seq - 1) as u64,
        at: r.at,
        region: r.region_code.clone(),
        action: r.action.clone(),
        entity: r.entity.clone(),
        entity_id: r.entity_id.clone(),
        detail: duijie_tlog::entry::detail_digest(r.actor_id, &r.actor, &r.unit, r.before_json.as_deref(), r.after_json.as_deref()),
    }
}

fn unhex(s: &str) -> Result<Hash> {
    duijie_tlog::parse_hex(s).ok_or_else(|| Error::Invalid(format!("日志中的哈希无效：{s}")))
}

/// The two statements that read `ids` (leaves, then nodes), with their bind values.
fn node_queries(ids: &[NodeId]) -> (String, Vec<i64>, String, Vec<i64>) {
    let leaves: Vec<i64> = ids.iter().filter(|n| n.level == 0).map(|n| n.index as i64).collect();
    let nodes: Vec<&NodeId> = ids.iter().filter(|n| n.level > 0).collect();
    let marks: Vec<String> = (1..=leaves.len()).map(|i| format!("${i}")).collect();
    let leaf_sql = format!("SELECT CAST(0 AS BIGINT), idx, hash FROM log_leaves WHERE idx IN ({})", if marks.is_empty() { "NULL".into() } else { marks.join(",") });
    let conds: Vec<String> = (0..nodes.len()).map(|i| format!("(level = ${} AND idx = ${})", 2 * i + 1, 2 * i + 2)).collect();
    let node_sql = format!("SELECT level, idx, hash FROM log_nodes WHERE {}", if conds.is_empty() { "1 = 0".into() } else { conds.join(" OR ") });
    let node_binds = nodes.iter().flat_map(|n| [i64::from(n.level), n.index as i64]).collect();
    (leaf_sql, leaves, node_sql, node_binds)
}

fn to_map(rows: Vec<(i64, i64, String)>, into: &mut HashMap<NodeId, Hash>) -> Result<()> {
    for (level, index, hash) in rows {
        into.insert(NodeId { level: level as u8, index: index as u64 }, unhex(&hash)?);
    }
    Ok(())
}

macro_rules! read_nodes {
    ($run:ident, $target:expr, $ids:expr) => {{
        let (leaf_sql, leaf_binds, node_sql, node_binds) = node_queries($ids);
        let mut found = HashMap::new();
        for (sql, binds) in [(leaf_sql, leaf_binds), (node_sql, node_binds)] {
            let rows: Vec<(i64, i64, String)> = $run!($target, c => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
                for b in &binds {
                    q = q.bind(*b);
                }
                q.fetch_all(c).await
            })?;
            to_map(rows, &mut found)?;
        }
        found
    }};
}

async fn nodes_tx(tx: &mut Tx, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>> {
    Ok(read_nodes!(on_tx, tx, ids))
}

async fn nodes(db: &Db, ids: &[NodeId]) -> Result<HashMap<NodeId, Hash>> {
    Ok(read_nodes!(on_db, db, ids))
}

/// Inserts leaves `(index, hash)` (consecutive, in order) and complete subtrees.
async fn insert(tx: &mut Tx, leaves: &[(u64, Hash)], subtrees: &[(NodeId, Hash)]) -> Result<()> {
    const CHUNK: usize = 500;
    for part in leaves.chunks(CHUNK) {
        let values: Vec<String> = (0..part.len()).map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3)).collect();
        let sql = format!("INSERT INTO log_leaves (idx, prev_idx, hash) VALUES {}", values.join(","));
        on_tx_exec!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (index, hash) in part {
                let index = *index as i64;
                q = q.bind(index).bind((index > 0).then_some(index - 1)).bind(duijie_tlog::hex(hash));
            }
            q.execute(c).await
        })?;
    }
    for part in subtrees.chunks(CHUNK) {
        let values: Vec<String> = (0..part.len()).map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3)).collect();
        let sql = format!("INSERT INTO log_nodes (level, idx, hash) VALUES {}", values.join(","));
        on_tx_exec!(tx, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (id, hash) in part {
                q = q.bind(i64::from(id.level)).bind(id.index as i64).bind(duijie_tlog::hex(hash));
            }
            q.execute(c).await
        })?;
    }
    Ok(())
}

/// Adds audit row `row` (just inserted, head lock held) as the next leaf.
pub(crate) async fn add_leaf(tx: &mut Tx, row: &AuditRow) -> Result<()> {
    let index = (row.seq - 1) as u64;
    let needs = tree::append_needs(index);
    let mut ask = needs.clone();
    if index > 0 {
        ask.push(NodeId { level: 0, index: index - 1 });
    }
    let found = nodes_tx(tx, &ask).await?;
    if index > 0 && !found.contains_key(&NodeId { level: 0, index: index - 1 }) {
        // Rows written before the log existed: carry them over, this one included.
        catch_up_tx(tx).await?;
        return Ok(());
    }
    let needed: Option<Vec<Hash>> = needs.iter().map(|id| found.get(id).copied()).collect();
    let needed = needed.ok_or_else(|| Error::Invalid("日志树缺少子树哈希".into()))?;
    let leaf = entry_of(row).leaf_hash();
    insert(tx, &[(index, leaf)], &tree::append(index, &needed, leaf)).await
}

async fn size_tx(tx: &mut Tx) -> Result<u64> {
    let sql = "SELECT COALESCE(MAX(idx) + 1, 0) FROM log_leaves";
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).fetch_one(c).await)?;
    Ok(n as u64)
}

/// The number of leaves.
pub async fn size(db: &Db) -> Result<u64> {
    let sql = "SELECT COALESCE(MAX(idx) + 1, 0) FROM log_leaves";
    let n: i64 = on_db!(db, p => sqlx::query_scalar(sql).fetch_one(p).await)?;
    Ok(n as u64)
}

const AUDIT_COLUMNS: &str = "seq, at, actor_id, actor, unit, region_code, action, entity, entity_id, before_json, after_json, prev_hash, hash";

/// Carries audit rows that have no leaf yet over into the tree, in order, in
/// the caller's transaction (which holds the audit head's lock). Stops at a
/// missing audit row. Returns how many leaves it added.
async fn catch_up_tx(tx: &mut Tx) -> Result<u64> {
    const PAGE: i64 = 5_000;
    let start = size_tx(tx).await?;
    let mut frontier: Vec<(NodeId, Hash)> = {
        let ids = tree::subtrees(0, start);
        let found = nodes_tx(tx, &ids).await?;
        ids.into_iter().map(|id| found.get(&id).map(|h| (id, *h)).ok_or_else(|| Error::Invalid("日志树缺少子树哈希".into()))).collect::<Result<_>>()?
    };
    let mut next = start;
    loop {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"));
        let rows: Vec<AuditRow> = on_tx!(tx, c => sqlx::query_as(sql).bind(next as i64).bind(PAGE).fetch_all(c).await)?;
        let full = rows.len() as i64 == PAGE;
        let (mut leaves, mut subtrees) = (Vec::new(), Vec::new());
        for row in &rows {
            if row.seq as u64 != next + 1 {
                tracing::warn!(missing = next + 1, "审计记录缺失，日志树只接续到此前");
                insert(tx, &leaves, &subtrees).await?;
                return Ok(next - start);
            }
            let leaf = entry_of(row).leaf_hash();
            let merges = next.trailing_ones() as usize;
            let needed: Vec<Hash> = frontier[frontier.len() - merges..].iter().map(|(_, h)| *h).collect();
            let made = tree::append(next, &needed, leaf);
            frontier.truncate(frontier.len() - merges);
            frontier.push(made.last().copied().unwrap_or((NodeId { level: 0, index: next }, leaf)));
            leaves.push((next, leaf));
            subtrees.extend(made);
            next += 1;
        }
        insert(tx, &leaves, &subtrees).await?;
        if !full {
            return Ok(next - start);
        }
    }
}

/// Carries over audit rows that have no leaf yet (see the module header);
/// returns how many it added. Safe to run at any time, by several servers.
pub async fn catch_up(db: &Db) -> Result<u64> {
    let mut tx = db.begin().await?;
    // Appends take this lock first; holding it, nobody appends meanwhile.
    let lock = "UPDATE audit_head SET seq = seq WHERE id = 1";
    on_tx_exec!(&mut tx, c => sqlx::query(lock).execute(c).await)?;
    let added = catch_up_tx(&mut tx).await?;
    tx.commit().await?;
    Ok(added)
}

fn check_size(size: u64, tree: u64) -> Result<()> {
    if size > tree {
        return Err(Error::Invalid(format!("日志目前只有 {tree} 条记录，不能按 {size} 条计算")));
    }
    Ok(())
}

async fn hashes_of(db: &Db, ranges: &[tree::Range]) -> Result<Vec<Hash>> {
    let found = nodes(db, &tree::nodes_of(ranges)).await?;
    tree::hashes_of(ranges, |id| found.get(&id).copied()).ok_or_else(|| Error::Invalid("日志树缺少子树哈希".into()))
}

/// The root of the first `size` leaves.
pub async fn root(db: &Db, size: u64) -> Result<Hash> {
    check_size(size, self::size(db).await?)?;
    if size == 0 {
        return Ok(duijie_tlog::hash::empty_root());
    }
    Ok(hashes_of(db, &[(0, size)]).await?[0])
}

/// Leaf `index`'s stored hash.
pub async fn leaf(db: &Db, index: u64) -> Result<Option<Hash>> {
    let found = nodes(db, &[NodeId { level: 0, index }]).await?;
    Ok(found.get(&NodeId { level: 0, index }).copied())
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1).
pub async fn inclusion(db: &Db, index: u64, size: u64) -> Result<Vec<Hash>> {
    check_size(size, self::size(db).await?)?;
    if index >= size {
        return Err(Error::Invalid(format!("第 {index} 条不在前 {size} 条记录之内")));
    }
    hashes_of(db, &tree::inclusion_ranges(index, size)).await
}

/// The consistency proof from the tree of `from` leaves to that of `to` (RFC 9162 §2.1.4.1).
pub async fn consistency(db: &Db, from: u64, to: u64) -> Result<Vec<Hash>> {
    check_size(to, self::size(db).await?)?;
    if from == 0 || from > to {
        return Err(Error::Invalid("一致性证明要求 0 < from ≤ to".into()));
    }
    hashes_of(db, &tree::consistency_ranges(from, to)).await
}

/// The audit rows of leaves `[start, end)`, in order.
pub async fn rows(db: &Db, start: u64, end: u64) -> Result<Vec<AuditRow>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(start as i64).bind(end as i64).fetch_all(p).await)?)
}

/// The outcome of recomputing the tree from the audit rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeCheck {
    /// The first `size` audit rows give the stored leaves, and this root.
    Intact { size: u64, root: Hash },
    /// The first leaf that the audit rows do not give, and why.
    Broken { index: u64, reason: String },
}

/// Recomputes the first `size` leaves from the audit rows, compares each with
/// the stored leaf, and gives the root they make.
pub async fn recompute(db: &Db, size: u64) -> Result<TreeCheck> {
    const PAGE: u64 = 5_000;
    let mut root = duijie_tlog::verify::Root::new();
    let mut next = 0u64;
    while next < size {
        let end = (next + PAGE).min(size);
        let audit = rows(db, next, end).await?;
        let sql = "SELECT idx, hash FROM log_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx";
        let stored: Vec<(i64, String)> = on_db!(db, p => sqlx::query_as(sql).bind(next as i64).bind(end as i64).fetch_all(p).await)?;
        let stored: HashMap<u64, String> = stored.into_iter().map(|(i, h)| (i as u64, h)).collect();
        let mut audit = audit.into_iter();
        for index in next..end {
            let Some(row) = audit.next().filter(|r| r.seq as u64 == index + 1) else {
                return Ok(TreeCheck::Broken { index, reason: format!("第 {} 条审计记录缺失", index + 1) });
            };
            let leaf = entry_of(&row).leaf_hash();
            if stored.get(&index).map(String::as_str) != Some(duijie_tlog::hex(&leaf).as_str()) {
                return Ok(TreeCheck::Broken { index, reason: format!("第 {} 条审计记录与日志树中的叶哈希不符（被改动）", index + 1) });
            }
            root.push(leaf);
        }
        next = end;
    }
    Ok(TreeCheck::Intact { size, root: root.root() })
}

/// The index and stored leaf hash of the newest audit row about one record.
pub async fn latest_leaf_of(db: &Db, entity: &str, entity_id: &str) -> Result<Option<(u64, Hash)>> {
    let sql = "SELECT seq FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY seq DESC LIMIT 1";
    let seq: Option<i64> = on_db!(db, p => sqlx::query_scalar(sql).bind(entity).bind(entity_id).fetch_optional(p).await)?;
    let Some(index) = seq.map(|s| (s - 1) as u64) else { return Ok(None) };
    Ok(leaf(db, index).await?.map(|h| (index, h)))
}

/// A stored signed checkpoint.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredCheckpoint {
    pub id: i64,
    pub size: i64,
    /// The root, hex.
    pub root: String,
    pub signed_at: i64,
    /// The signed note, as published.
    pub note: String,
}

/// Keeps a signed checkpoint.
pub async fn save_checkpoint(db: &Db, size: u64, root: &Hash, note: &str) -> Result<StoredCheckpoint> {
    let sql = "INSERT INTO log_checkpoints (size, root, signed_at, note) VALUES ($1, $2, $3, $4) \
               RETURNING id, size, root, signed_at, note";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(size as i64).bind(duijie_tlog::hex(root)).bind(crate::now()).bind(note).fetch_one(p).await)?)
}

/// The newest signed checkpoint.
pub async fn latest_checkpoint(db: &Db) -> Result<Option<StoredCheckpoint>> {
    let sql = "SELECT id, size, root, signed_at, note FROM log_checkpoints ORDER BY id DESC LIMIT 1";
    Ok(on_db!(db, p => sqlx::query_as(sql).fetch_optional(p).await)?)
}

/// A checkpoint by its id.
pub async fn checkpoint(db: &Db, id: i64) -> Result<Option<StoredCheckpoint>> {
    let sql = "SELECT id, size, root, signed_at, note FROM log_checkpoints WHERE id = $1";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?)
}

/// A witness's co-signature of a checkpoint.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Cosignature {
    pub checkpoint_id: i64,
    /// The witness key's name.
    pub witness: String,
    /// The time inside the co-signature (Unix seconds).
    pub signed_time: i64,
    /// The signature line (C2SP tlog-cosignature), ending in a newline.
    pub line: String,
    pub received_at: i64,
}

/// Keeps a co-signature (a second one of the same witness for the same checkpoint is ignored).
pub async fn save_cosignature(db: &Db, checkpoint_id: i64, witness: &str, signed_time: u64, line: &str) -> Result<()> {
    let sql = "INSERT INTO log_cosignatures (checkpoint_id, witness, signed_time, line, received_at) VALUES ($1, $2, $3, $4, $5) \
               ON CONFLICT (checkpoint_id, witness) DO NOTHING";
    on_db_exec!(db, p => sqlx::query(sql).bind(checkpoint_id).bind(witness).bind(signed_time as i64).bind(line).bind(crate::now()).execute(p).await)?;
    Ok(())
}

/// The co-signatures of one checkpoint, by witness name.
pub async fn cosignatures(db: &Db, checkpoint_id: i64) -> Result<Vec<Cosignature>> {
    let sql = "SELECT checkpoint_id, witness, signed_time, line, received_at FROM log_cosignatures WHERE checkpoint_id = $1 ORDER BY witness";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(checkpoint_id).fetch_all(p).await)?)
}

/// The newest checkpoint `witness` co-signed.
pub async fn witnessed(db: &Db, witness: &str) -> Result<Option<StoredCheckpoint>> {
    let sql = "SELECT c.id, c.size, c.root, c.signed_at, c.note FROM log_cosignatures w JOIN log_checkpoints c ON c.id = w.checkpoint_id \
               WHERE w.witness = $1 ORDER BY w.checkpoint_id DESC LIMIT 1";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(witness).fetch_optional(p).await)?)
}

/// A witness's refusal of a checkpoint as a fork.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Alarm {
    pub id: i64,
    pub witness: String,
    pub checkpoint_id: i64,
    /// Why, in Chinese (the witness's answer included).
    pub reason: String,
    pub raised_at: i64,
}

/// Records an alarm.
pub async fn raise_alarm(db: &Db, witness: &str, checkpoint_id: i64, reason: &str) -> Result<Alarm> {
    let sql = "INSERT INTO log_alarms (witness, checkpoint_id, reason, raised_at) VALUES ($1, $2, $3, $4) \
               RETURNING id, witness, checkpoint_id, reason, raised_at";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(witness).bind(checkpoint_id).bind(reason).bind(crate::now()).fetch_one(p).await)?)
}

/// The alarm already raised about `witness` refusing checkpoint `checkpoint_id`, if any.
pub async fn alarm_of(db: &Db, witness: &str, checkpoint_id: i64) -> Result<Option<Alarm>> {
    let sql = "SELECT id, witness, checkpoint_id, reason, raised_at FROM log_alarms WHERE witness = $1 AND checkpoint_id = $2 ORDER BY id LIMIT 1";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(witness).bind(checkpoint_id).fetch_optional(p).await)?)
}

/// The newest alarms, at most `limit`.
pub async fn alarms(db: &Db, limit: i64) -> Result<Vec<Alarm>> {
    let sql = "SELECT id, witness, checkpoint_id, reason, raised_at FROM log_alarms ORDER BY id DESC LIMIT $1";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(limit).fetch_all(p).await)?)
}
