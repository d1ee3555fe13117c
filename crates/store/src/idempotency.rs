//! Stored answers of writes sent with an `Idempotency-Key`, so that a client
//! that lost the answer (a cut connection) can send the same request again
//! without making a second record.
//!
//! Guarantees:
//! - A key belongs to one caller (user id) and one request (method, path and
//!   the SM3 of the body); it is kept for [`KEEP_SECONDS`] after it was first used.
//! - [`claim`] inserts the key as "running" under the primary key
//!   (user, key) before the request runs, so of two identical requests at
//!   the same moment only one runs; the other sees [`Claim::Running`].
//! - Keys are bookkeeping, not records: they are not audited.

use crate::db::Db;
use crate::{Result, on_db, on_db_exec};

/// How long a key is kept: 24 hours.
pub const KEEP_SECONDS: i64 = 24 * 3600;

/// The answer stored for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// What [`claim`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new: run the request, then [`finish`] or [`release`].
    Claimed,
    /// The same request ran before: here is its answer.
    Done(Answer),
    /// The same request is still running.
    Running,
    /// The key was used for a different request.
    Mismatch,
}

/// Claims `key` for `user_id`'s request (`request` is "METHOD /path",
/// `body_hash` the SM3 of the body).
pub async fn claim(db: &Db, user_id: i64, key: &str, request: &str, body_hash: &str) -> Result<Claim> {
    let now = crate::now();
    let purge = "DELETE FROM idempotency_keys WHERE user_id = $1 AND created_at < $2";
    on_db_exec!(db, p => sqlx::query(purge).bind(user_id).bind(now - KEEP_SECONDS).execute(p).await)?;
    let insert = "INSERT INTO idempotency_keys (user_id, idem_key, request, body_hash, created_at) VALUES ($1,$2,$3,$4,$5) \
                  ON CONFLICT (user_id, idem_key) DO NOTHING";
    let n = on_db_exec!(db, p => sqlx::query(insert).bind(user_id).bind(key).bind(request).bind(body_hash).bind(now).execute(p).await)?;
    if n == 1 {
        return Ok(Claim::Claimed);
    }
    let sql = "SELECT request, body_hash, status, content_type, body FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2";
    let row: Option<(String, String, i64, String, Vec<u8>)> = on_db!(db, p => sqlx::query_as(sql).bind(user_id).bind(key).fetch_optional(p).await)?;
    Ok(match row {
        // Released between our insert and this read: the caller may try again.
        None => Claim::Running,
        Some((r, h, _, _, _)) if r != request || h != body_hash => Claim::Mismatch,
        Some((_, _, 0, _, _)) => Claim::Running,
        Some((_, _, status, content_type, body)) => Claim::Done(Answer { status: u16::try_from(status).unwrap_or(500), content_type, body }),
    })
}

/// Stores the answer of a claimed key.
pub async fn finish(db: &Db, user_id: i64, key: &str, answer: &Answer) -> Result<()> {
    let sql = "UPDATE idempotency_keys SET status = $1, content_type = $2, body = $3 WHERE user_id = $4 AND idem_key = $5";
    on_db_exec!(db, p => sqlx::query(sql).bind(i64::from(answer.status)).bind(&answer.content_type).bind(&answer.body)
        .bind(user_id).bind(key).execute(p).await)?;
    Ok(())
}

/// Gives a claimed key up (the request failed in a way worth trying again).
pub async fn release(db: &Db, user_id: i64, key: &str) -> Result<()> {
    let sql = "DELETE FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2 AND status = 0";
    on_db_exec!(db, p => sqlx::query(sql).bind(user_id).bind(key).execute(p).await)?;
    Ok(())
}
