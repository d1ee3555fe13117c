//! Sessions (browser) and bearer tokens (API).
//!
//! Guarantees: only the SM3 hash of a token is stored, so a copy of the database
//! does not let anyone log in. A browser session ends after [`WEB_IDLE_SECONDS`]
//! without use or [`WEB_MAX_SECONDS`] after login, whichever comes first; an API
//! token after [`API_SECONDS`], and may be exchanged for a fresh one ([`refresh`],
//! which ends the old one) until [`API_REFRESH_SECONDS`] after login. Expired
//! rows are never returned. Each session has its own CSRF token. A session or
//! token can be ended by its holder ([`delete`]) or by an administrator
//! ([`revoke`], audited); disabling an account ends all of them.

use crate::audit::{self, Actor, Change};
use duijie_domain::authz::Unchecked;
use crate::db::{Db, Tx};
use crate::users::User;
use crate::{Result, on_db, on_db_exec, on_tx_exec};
use duijie_domain::crypto::{random_token, sm3_hex};

pub const WEB_IDLE_SECONDS: i64 = 30 * 60;
pub const WEB_MAX_SECONDS: i64 = 12 * 60 * 60;
pub const API_SECONDS: i64 = 60 * 60;
pub const API_REFRESH_SECONDS: i64 = 12 * 60 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Web,
    Api,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Web => "web",
            Kind::Api => "api",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    pub kind: String,
    pub csrf: String,
    pub created_at: i64,
    pub last_seen: i64,
    pub expires_at: i64,
    /// API tokens: refreshable until then; 0 for browser sessions.
    pub refresh_until: i64,
}

impl Session {
    /// What an administrator sees as the session's id (the start of its hash).
    pub fn public_id(&self) -> &str {
        &self.token_hash[..16.min(self.token_hash.len())]
    }
}

/// Opens a session for a user; returns the secret token (shown once) and the row.
pub async fn create(db: &Db, user_id: i64, kind: Kind) -> Result<(String, Session)> {
    let now = crate::now();
    let refresh_until = if kind == Kind::Api { now + API_REFRESH_SECONDS } else { 0 };
    insert(db, user_id, kind, now, refresh_until).await
}

async fn insert(db: &Db, user_id: i64, kind: Kind, now: i64, refresh_until: i64) -> Result<(String, Session)> {
    let token = random_token();
    let expires_at = match kind {
        Kind::Api => (now + API_SECONDS).min(refresh_until),
        Kind::Web => now + WEB_IDLE_SECONDS.min(WEB_MAX_SECONDS),
    };
    let s = Session {
        token_hash: sm3_hex(token.as_bytes()),
        user_id,
        kind: kind.as_str().into(),
        csrf: random_token(),
        created_at: now,
        last_seen: now,
        expires_at,
        refresh_until,
    };
    let sql = "INSERT INTO sessions (token_hash, user_id, kind, csrf, created_at, last_seen, expires_at, refresh_until) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)";
    on_db_exec!(db, p => sqlx::query(sql).bind(&s.token_hash).bind(s.user_id).bind(&s.kind).bind(&s.csrf)
        .bind(s.created_at).bind(s.last_seen).bind(s.expires_at).bind(s.refresh_until).execute(p).await)?;
    Ok((token, s))
}

/// Exchanges a live API token for a new one (the old one ends at once); `None`
/// when the token is not live or its login is too old to refresh.
pub async fn refresh(db: &Db, token: &str) -> Result<Option<(String, Session)>> {
    let now = crate::now();
    let sql = "DELETE FROM sessions WHERE token_hash = $1 AND kind = 'api' AND expires_at > $2 RETURNING user_id, refresh_until";
    let row: Option<(i64, i64)> = on_db!(db, p => sqlx::query_as(sql).bind(sm3_hex(token.as_bytes())).bind(now).fetch_optional(p).await)?;
    match row {
        Some((user_id, refresh_until)) if refresh_until > now => Ok(Some(insert(db, user_id, Kind::Api, now, refresh_until).await?)),
        _ => Ok(None),
    }
}

/// A user's live sessions and tokens, newest first.
pub async fn of_user(db: &Db, user_id: i64) -> Result<Vec<Session>> {
    let sql = "SELECT token_hash, user_id, kind, csrf, created_at, last_seen, expires_at, refresh_until FROM sessions \
               WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(user_id).bind(crate::now()).fetch_all(p).await)?)
}

/// Ends one of a user's sessions by its public id, or all of them (`None`);
/// audited. Returns how many ended.
pub async fn revoke(tx: &mut Tx, actor: &Actor, user: &User, public_id: Option<&str>) -> Result<u64> {
    let n = match public_id {
        Some(id) => {
            let sql = "DELETE FROM sessions WHERE user_id = $1 AND substr(token_hash, 1, 16) = $2";
            on_tx_exec!(tx, c => sqlx::query(sql).bind(user.id).bind(id).execute(c).await)?
        }
        None => on_tx_exec!(tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.id).execute(c).await)?,
    };
    if n > 0 {
        audit::append(tx, actor, Change {
            region: &user.region_code,
            action: "user.sessions_revoked",
            entity: "user",
            entity_id: &user.id.to_string(),
            before: None,
            after: Some(serde_json::json!({"sessions": n, "session": public_id})),
        })
        .await?;
    }
    Ok(n)
}

/// Finds a live session of the given kind and its active user; extends a browser
/// session's idle deadline (at most once a minute, to keep reads cheap).
pub async fn lookup(db: &Db, token: &str, kind: Kind) -> Result<Option<(Session, User)>> {
    let hash = sm3_hex(token.as_bytes());
    let now = crate::now();
    let sql = "SELECT token_hash, user_id, kind, csrf, created_at, last_seen, expires_at, refresh_until FROM sessions \
               WHERE token_hash = $1 AND kind = $2 AND expires_at > $3";
    let s: Option<Session> = on_db!(db, p => sqlx::query_as(sql).bind(&hash).bind(kind.as_str()).bind(now).fetch_optional(p).await)?;
    let Some(mut s) = s else { return Ok(None) };
    // The session itself is the proof of who this is.
    let Some(user) = crate::users::get(db, s.user_id).await?.map(Unchecked::unscoped) else { return Ok(None) };
    if !user.active {
        return Ok(None);
    }
    if kind == Kind::Web && now - s.last_seen >= 60 {
        s.last_seen = now;
        s.expires_at = (now + WEB_IDLE_SECONDS).min(s.created_at + WEB_MAX_SECONDS);
        let sql = "UPDATE sessions SET last_seen = $1, expires_at = $2 WHERE token_hash = $3";
        on_db_exec!(db, p => sqlx::query(sql).bind(s.last_seen).bind(s.expires_at).bind(&s.token_hash).execute(p).await)?;
    }
    Ok(Some((s, user)))
}

/// Ends a session (logout).
pub async fn delete(db: &Db, token: &str) -> Result<()> {
    let sql = "DELETE FROM sessions WHERE token_hash = $1";
    on_db_exec!(db, p => sqlx::query(sql).bind(sm3_hex(token.as_bytes())).execute(p).await)?;
    Ok(())
}

/// Removes expired rows; returns how many.
pub async fn purge_expired(db: &Db) -> Result<u64> {
    let sql = "DELETE FROM sessions WHERE expires_at <= $1";
    Ok(on_db_exec!(db, p => sqlx::query(sql).bind(crate::now()).execute(p).await)?)
}
