//! Login throttling: exponential back-off instead of a hard lock.
//!
//! Guarantees:
//! - Failures are counted under three keys: the (client address, name) pair,
//!   the name alone, and the client address alone. Each key allows a few free
//!   failures, then makes its next attempt wait 2, 4, 8 … times its base delay,
//!   up to [`MAX_WAIT`]; a key forgets its failures [`FORGET_AFTER`] after the
//!   last one.
//! - The name-wide count does not apply at the owner's usual places (client
//!   addresses the account has logged in from before), so somebody guessing an
//!   account's password elsewhere cannot keep its owner out.
//! - Names are counted whether or not an account has them, so an unknown name
//!   and a throttled account answer alike: usernames cannot be probed.
//! - Counts live in the database, so every server of a deployment sees them;
//!   [`allow`] gives other anonymous actions (self-application) a fixed-window
//!   rate limit in the same table.

use crate::db::{Db, Tx};
use crate::{Result, on_db, on_tx, on_tx_exec};

/// Longest wait, in seconds.
pub const MAX_WAIT: i64 = 60 * 60;
/// A key forgets its failures this long after the last one.
pub const FORGET_AFTER: i64 = 24 * 60 * 60;

/// One counter: its key, free failures, and base delay in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Counter {
    /// One client trying one name.
    Pair,
    /// One name from anywhere but its usual places.
    Name,
    /// One client trying any names.
    Client,
}

impl Counter {
    fn key(self, name: &str, client: &str) -> String {
        match self {
            Counter::Pair => format!("pair:{client}|{name}"),
            Counter::Name => format!("name:{name}"),
            Counter::Client => format!("client:{client}"),
        }
    }

    fn free(self) -> i64 {
        match self {
            Counter::Pair => 5,
            Counter::Name => 10,
            Counter::Client => 30,
        }
    }

    fn base(self) -> i64 {
        match self {
            Counter::Pair => 15,
            Counter::Name => 30,
            Counter::Client => 5,
        }
    }

    /// How long the attempt after `failures` failures must wait.
    fn wait(self, failures: i64) -> i64 {
        if failures < self.free() {
            return 0;
        }
        let doublings = (failures - self.free()).min(20) as u32;
        (self.base() << doublings).min(MAX_WAIT)
    }
}

fn counters(usual_place: bool) -> &'static [Counter] {
    if usual_place { &[Counter::Pair, Counter::Client] } else { &[Counter::Pair, Counter::Name, Counter::Client] }
}

/// Whether `client` is one of the account's usual places.
pub async fn is_usual_place(db: &Db, user_id: i64, client: &str) -> Result<bool> {
    let sql = "SELECT COUNT(*) FROM login_places WHERE user_id = $1 AND client = $2";
    let n: i64 = on_db!(db, p => sqlx::query_scalar(sql).bind(user_id).bind(client).fetch_one(p).await)?;
    Ok(n > 0)
}

/// Until when (Unix seconds) a login for `name` from `client` must wait; 0 when it may be tried now.
pub async fn blocked_until(db: &Db, name: &str, client: &str, usual_place: bool, now: i64) -> Result<i64> {
    let mut until = 0;
    for c in counters(usual_place) {
        let sql = "SELECT blocked_until FROM login_throttle WHERE key = $1 AND updated_at > $2";
        let b: Option<i64> = on_db!(db, p => sqlx::query_scalar(sql).bind(c.key(name, client)).bind(now - FORGET_AFTER).fetch_optional(p).await)?;
        until = until.max(b.unwrap_or(0));
    }
    Ok(if until > now { until } else { 0 })
}

/// Counts a failed attempt; returns whether it started a wait for the name
/// (from this client or from anywhere), which the owner is told about.
pub async fn record_failure(tx: &mut Tx, name: &str, client: &str, usual_place: bool, now: i64) -> Result<bool> {
    let mut started = false;
    for &c in counters(usual_place) {
        let key = c.key(name, client);
        let sql = "INSERT INTO login_throttle (key, failures, blocked_until, updated_at) VALUES ($1, 1, 0, $2) \
                   ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN login_throttle.updated_at <= $3 THEN 1 \
                   ELSE login_throttle.failures + 1 END, updated_at = $2 RETURNING failures";
        let failures: i64 = on_tx!(tx, t => sqlx::query_scalar(sql).bind(&key).bind(now).bind(now - FORGET_AFTER).fetch_one(t).await)?;
        let wait = c.wait(failures);
        if wait > 0 {
            on_tx_exec!(tx, t => sqlx::query("UPDATE login_throttle SET blocked_until = $1 WHERE key = $2").bind(now + wait).bind(&key).execute(t).await)?;
            started |= c != Counter::Client && failures == c.free();
        }
    }
    Ok(started)
}

/// A successful login: the pair's count is cleared and the place remembered as usual.
pub async fn record_success(tx: &mut Tx, user_id: i64, name: &str, client: &str, now: i64) -> Result<()> {
    on_tx_exec!(tx, t => sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(Counter::Pair.key(name, client)).execute(t).await)?;
    let sql = "INSERT INTO login_places (user_id, client, last_ok_at) VALUES ($1, $2, $3) \
               ON CONFLICT (user_id, client) DO UPDATE SET last_ok_at = excluded.last_ok_at";
    on_tx_exec!(tx, t => sqlx::query(sql).bind(user_id).bind(client).bind(now).execute(t).await)?;
    Ok(())
}

/// An administrator's unlock: every wait on the name is lifted.
pub async fn clear_name(tx: &mut Tx, name: &str) -> Result<()> {
    let pattern = format!("pair:%|{}", name.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let sql = "DELETE FROM login_throttle WHERE key = $1 OR key LIKE $2 ESCAPE '\\'";
    on_tx_exec!(tx, t => sqlx::query(sql).bind(Counter::Name.key(name, "")).bind(pattern).execute(t).await)?;
    Ok(())
}

/// A fixed-window rate limit under the same table: whether one more use of
/// `key` is allowed now, at most `max` per `window` seconds. Each call counts.
pub async fn allow(db: &Db, key: &str, max: i64, window: i64, now: i64) -> Result<bool> {
    let sql = "INSERT INTO login_throttle (key, failures, blocked_until, updated_at) VALUES ($1, 1, 0, $2) \
               ON CONFLICT (key) DO UPDATE SET \
               failures = CASE WHEN login_throttle.updated_at <= $3 THEN 1 ELSE login_throttle.failures + 1 END, \
               updated_at = CASE WHEN login_throttle.updated_at <= $3 THEN $2 ELSE login_throttle.updated_at END \
               RETURNING failures";
    let used: i64 = on_db!(db, p => sqlx::query_scalar(sql).bind(key).bind(now).bind(now - window).fetch_one(p).await)?;
    Ok(used <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_exponentially_after_the_free_failures_and_are_capped() {
        assert_eq!(Counter::Pair.wait(4), 0);
        assert_eq!(Counter::Pair.wait(5), 15);
        assert_eq!(Counter::Pair.wait(6), 30);
        assert_eq!(Counter::Pair.wait(7), 60);
        assert_eq!(Counter::Pair.wait(60), MAX_WAIT);
        assert_eq!(Counter::Name.wait(9), 0);
        assert_eq!(Counter::Name.wait(10), 30);
    }

    #[test]
    fn the_name_wide_count_does_not_apply_at_usual_places() {
        assert!(!counters(true).contains(&Counter::Name));
        assert!(counters(false).contains(&Counter::Name));
    }
}
