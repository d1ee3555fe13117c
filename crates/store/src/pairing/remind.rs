//! Chasing unsigned agreements: the pairings whose agreement is not signed as
//! their batch's deadline nears or has passed, and inbox reminders about them.
//!
//! Guarantees: a pairing is "unsigned" while it is agreed but has no signed
//! agreement (status 待签协议); [`due`] lists those of the caller's scope whose
//! deadline is within `window_days` or past, soonest first; [`remind`] tells the
//! organisation and the county's rural-revitalisation bureau once per pairing
//! and stage (approaching, overdue), however often it runs.

use super::{Pairing, SELECT};
use crate::db::{Db, Tx};
use crate::inbox::{self, Notice, Recipient};
use crate::{Result, on_db};
use chrono::NaiveDate;
use duijie_domain::{Role, Scope};
use serde::Serialize;

/// An unsigned pairing and its days left (negative: overdue).
#[derive(Debug, Clone, Serialize)]
pub struct Due {
    pub pairing: Pairing,
    pub deadline: NaiveDate,
    pub days_left: i64,
}

/// Unsigned pairings of the scope (its region's, by target or by the
/// organisation's seat, or its organisation's), with their batch's deadline.
async fn unsigned(db: &Db, scope: &Scope) -> Result<Vec<(Pairing, String)>> {
    let Some((clause, [low, high], org)) = super::within(scope, 1) else { return Ok(Vec::new()) };
    // One flat query (the batch is already joined as `b`): SQLite then reads the
    // scope through its region and organisation indexes instead of every pairing.
    let (columns, from) = SELECT.split_once(" FROM ").unwrap_or((SELECT, ""));
    let sql = sqlx::AssertSqlSafe(format!(
        "{columns}, b.sign_deadline FROM {from} WHERE p.status = 'consented' AND {clause} ORDER BY b.sign_deadline, p.id"
    ));
    let rows: Vec<PairingWithDeadline> = on_db!(db, p => sqlx::query_as(sql).bind(&low).bind(&high).bind(org).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|r| (r.pairing, r.sign_deadline)).collect())
}

#[derive(sqlx::FromRow)]
struct PairingWithDeadline {
    #[sqlx(flatten)]
    pairing: Pairing,
    sign_deadline: String,
}

/// Unsigned pairings in scope due within `window_days` of `today` or overdue.
pub async fn due(db: &Db, scope: &Scope, today: NaiveDate, window_days: i64) -> Result<Vec<Due>> {
    let mut out = Vec::new();
    for (p, deadline) in unsigned(db, scope).await? {
        let Ok(d) = NaiveDate::parse_from_str(&deadline, "%Y-%m-%d") else { continue };
        let days_left = (d - today).num_days();
        if days_left <= window_days {
            out.push(Due { pairing: p, deadline: d, days_left });
        }
    }
    Ok(out)
}

/// Sends the reminders due on `today`; returns how many notices were added.
pub async fn remind(tx: &mut Tx, db: &Db, today: NaiveDate, window_days: i64) -> Result<usize> {
    let all = Scope::everything();
    let mut added = 0;
    for d in due(db, &all, today, window_days).await? {
        let p = &d.pairing;
        let (stage, title) = if d.days_left < 0 {
            ("overdue", format!("结对帮扶协议已逾期未签订（截止 {}）", d.deadline.format("%Y年%m月%d日")))
        } else {
            ("soon", format!("结对帮扶协议将于 {} 截止签订，还剩 {} 天", d.deadline.format("%Y年%m月%d日"), d.days_left))
        };
        let body = format!("{}：{}（{}）", p.org_name, p.county_code, p.batch_name);
        for (who, to) in [("org", Recipient::Org(p.org_id)), ("county", Recipient::Unit { region: p.county_code.as_str().into(), role: Some(Role::RuralRevitalization) })] {
            let n = Notice {
                kind: format!("pairing.deadline_{stage}"),
                title: title.clone(),
                body: body.clone(),
                link: format!("/pairing/{}", p.id),
                dedup_key: Some(format!("pairing-deadline:{}:{}:{stage}:{who}", p.id, d.deadline)),
            };
            if inbox::notify(tx, &to, &n).await? {
                added += 1;
            }
        }
    }
    Ok(added)
}
