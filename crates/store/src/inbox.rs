//! The in-app inbox (站内消息): short notices telling a recipient that
//! something needs their attention, with a link to where it is.
//!
//! Guarantees:
//! - A notice has exactly one recipient unit: an organisation (`org_id` set,
//!   seen by every user of that organisation), or the government units of one
//!   region (`region_code` set to the region's natural-length code, '' for the
//!   national level; `role` NULL for every government role at that region, or
//!   one role key). A region notice reaches that region only, never the regions
//!   above or below it.
//! - Every read and write here is filtered in SQL by the principal's address
//!   (see [`list`]): a user never sees, counts or marks a notice addressed to
//!   someone else, and a notice that is not theirs looks the same as a missing one.
//! - Read state belongs to the notice, i.e. to its recipient unit: when one
//!   user of an organisation reads it, it is read for all of them.
//! - A notice carrying a `dedup_key` is added at most once ([`notify`]), so a
//!   step that is retried does not notify twice.
//! - Notices are messages, not records: adding one happens inside the caller's
//!   transaction (whose change is audited there), and reading or marking them
//!   read is deliberately not audited.

use crate::db::{Db, Tx};
use crate::{Error, Result, on_db, on_db_exec, on_tx_exec};
use duijie_domain::{Principal, RegionCode, Role};
use serde::Serialize;

/// Who a notice is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// Every user of this organisation.
    Org(i64),
    /// The government units of one region: `region` in any form
    /// [`RegionCode::parse`] accepts, or '' for the national level; `role`
    /// `None` for every government role there, or only that role.
    Unit { region: String, role: Option<Role> },
}

/// A notice to add.
#[derive(Debug, Clone, Default)]
pub struct Notice {
    /// A short machine key of what happened, e.g. `pairing.proposed`.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// Where the notice leads: a relative path such as `/pairing/12`.
    pub link: String,
    /// With a key already used, [`notify`] adds nothing.
    pub dedup_key: Option<String>,
}

/// A notice as its recipient sees it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; `None` while unread.
    pub read_at: Option<i64>,
}

const COLUMNS: &str = "id, kind, title, body, link, created_at, read_at";

/// Adds a notice inside the caller's transaction; with a dedup_key already used,
/// adds nothing and returns false.
pub async fn notify(tx: &mut Tx, to: &Recipient, n: &Notice) -> Result<bool> {
    let (org_id, region, role): (Option<i64>, Option<String>, Option<&'static str>) = match to {
        Recipient::Org(id) => (Some(*id), None, None),
        Recipient::Unit { region, role } => {
            if role.is_some_and(|r| !r.is_government()) {
                return Err(Error::Invalid("单位消息只能发给政府部门角色".into()));
            }
            let code = if region.trim().is_empty() {
                RegionCode::national()
            } else {
                RegionCode::parse(region).map_err(|e| Error::Invalid(format!("消息接收地区“{region}”无效：{e}")))?
            };
            (None, Some(code.as_str().to_string()), role.map(Role::as_str))
        }
    };
    if n.title.trim().is_empty() {
        return Err(Error::Invalid("消息标题不能为空".into()));
    }
    let sql = "INSERT INTO notifications (org_id, region_code, role, kind, title, body, link, dedup_key, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (dedup_key) DO NOTHING";
    let added = on_tx_exec!(tx, c => sqlx::query(sql)
        .bind(org_id)
        .bind(region.as_deref())
        .bind(role)
        .bind(&n.kind)
        .bind(&n.title)
        .bind(&n.body)
        .bind(&n.link)
        .bind(n.dedup_key.as_deref())
        .bind(crate::now())
        .execute(c)
        .await)?;
    Ok(added > 0)
}

/// The recipient address of a principal, as bound into the SQL filter.
enum Address<'a> {
    Org(i64),
    Unit { region: &'a str, role: &'static str },
}

impl Address<'_> {
    /// `None` for an organisation user without an organisation: such a user has no inbox.
    fn of(who: &Principal) -> Option<Address<'_>> {
        if who.role().is_government() { Some(Address::Unit { region: who.region().as_str(), role: who.role().as_str() }) } else { who.org_id().map(Address::Org) }
    }

    /// The SQL condition selecting this address's notices, with placeholders
    /// numbered from `first`. Each form matches one of the table's indexes.
    fn filter(&self, first: usize) -> String {
        match self {
            Address::Org(_) => format!("org_id = ${first}"),
            Address::Unit { .. } => format!("org_id IS NULL AND region_code = ${first} AND (role IS NULL OR role = ${})", first + 1),
        }
    }
}

/// Binds an [`Address`]'s values onto a query, in the order [`Address::filter`] numbers them.
macro_rules! bind_address {
    ($q:expr, $a:expr) => {
        match $a {
            Address::Org(id) => $q.bind(*id),
            Address::Unit { region, role } => $q.bind(*region).bind(*role),
        }
    };
}

/// The notices addressed to this principal (organisation user: its
/// organisation's; government user: its region with role NULL or its own
/// role), newest first; `unread_only` filters. Returns one page and the total
/// under the same filter.
pub async fn list(db: &Db, who: &Principal, unread_only: bool, limit: i64, offset: i64) -> Result<(Vec<Notification>, i64)> {
    let Some(a) = Address::of(who) else { return Ok((Vec::new(), 0)) };
    let unread = if unread_only { " AND read_at IS NULL" } else { "" };
    let count_sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM notifications WHERE {}{unread}", a.filter(1)));
    let total: i64 = on_db!(db, p => bind_address!(sqlx::query_scalar(count_sql), &a).fetch_one(p).await)?;
    let list_sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM notifications WHERE {}{unread} ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2", a.filter(3)));
    let rows = on_db!(db, p => bind_address!(sqlx::query_as(list_sql).bind(limit.max(0)).bind(offset.max(0)), &a).fetch_all(p).await)?;
    Ok((rows, total))
}

/// Unread notices addressed to this principal: one indexed count (it runs on every page).
pub async fn unread_count(db: &Db, who: &Principal) -> Result<i64> {
    let Some(a) = Address::of(who) else { return Ok(0) };
    let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM notifications WHERE {} AND read_at IS NULL", a.filter(1)));
    Ok(on_db!(db, p => bind_address!(sqlx::query_scalar(sql), &a).fetch_one(p).await)?)
}

/// Loads one notice if it is addressed to `who`.
pub async fn get(db: &Db, who: &Principal, id: i64) -> Result<Option<Notification>> {
    let Some(a) = Address::of(who) else { return Ok(None) };
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM notifications WHERE id = $1 AND {}", a.filter(2)));
    Ok(on_db!(db, p => bind_address!(sqlx::query_as(sql).bind(id), &a).fetch_optional(p).await)?)
}

/// Marks one notice read if it is addressed to `who`; false when it is not
/// theirs (or missing). A notice already read keeps its first read time.
pub async fn mark_read(db: &Db, who: &Principal, id: i64) -> Result<bool> {
    let Some(a) = Address::of(who) else { return Ok(false) };
    let sql = sqlx::AssertSqlSafe(format!("UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND {}", a.filter(3)));
    let n = on_db_exec!(db, p => bind_address!(sqlx::query(sql).bind(crate::now()).bind(id), &a).execute(p).await)?;
    Ok(n > 0)
}

/// Marks every unread notice addressed to `who` read; returns how many.
pub async fn mark_all_read(db: &Db, who: &Principal) -> Result<u64> {
    let Some(a) = Address::of(who) else { return Ok(0) };
    let sql = sqlx::AssertSqlSafe(format!("UPDATE notifications SET read_at = $1 WHERE read_at IS NULL AND {}", a.filter(2)));
    Ok(on_db_exec!(db, p => bind_address!(sqlx::query(sql).bind(crate::now()), &a).execute(p).await)?)
}
