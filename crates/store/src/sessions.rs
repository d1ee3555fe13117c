//! Sessions (browser) and bearer tokens (API).
//!
//! Guarantees: only the SM3 hash of a token is stored, so a copy of the database
//! does not let anyone log in. A browser session ends after [`WEB_IDLE_SECONDS`]
//! without use or [`WEB_MAX_SECONDS`] after login, whichever comes first; an API
//! token after [`API_SECONDS`]. Expired rows are never returned. Each session has
//! its own CSRF token.

use crate::db::Db;
use crate::users::User;
use crate::{Result, on_db, on_db_exec};
use duijie_domain::crypto::{random_token, sm3_hex};

pub const WEB_IDLE_SECONDS: i64 = 30 * 60;
pub const WEB_MAX_SECONDS: i64 = 12 * 60 * 60;
pub const API_SECONDS: i64 = 8 * 60 * 60;

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
}

fn first_expiry(kind: Kind, created: i64, now: i64) -> i64 {
    match kind {
        Kind::Web => (now + WEB_IDLE_SECONDS).min(created + WEB_MAX_SECONDS),
        Kind::Api => created + API_SECONDS,
    }
}

/// Opens a session for a user; returns the secret token (shown once) and the row.
pub async fn create(db: &Db, user_id: i64, kind: Kind) -> Result<(String, Session)> {
    let token = random_token();
    let now = crate::now();
    let s = Session {
        token_hash: sm3_hex(token.as_bytes()),
        user_id,
        kind: kind.as_str().into(),
        csrf: random_token(),
        created_at: now,
        last_seen: now,
        expires_at: first_expiry(kind, now, now),
    };
    let sql = "INSERT INTO sessions (token_hash, user_id, kind, csrf, created_at, last_seen, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7)";
    on_db_exec!(db, p => sqlx::query(sql).bind(&s.token_hash).bind(s.user_id).bind(&s.kind).bind(&s.csrf)
        .bind(s.created_at).bind(s.last_seen).bind(s.expires_at).execute(p).await)?;
    Ok((token, s))
}

/// Finds a live session of the given kind and its active user; extends a browser
/// session's idle deadline (at most once a minute, to keep reads cheap).
pub async fn lookup(db: &Db, token: &str, kind: Kind) -> Result<Option<(Session, User)>> {
    let hash = sm3_hex(token.as_bytes());
    let now = crate::now();
    let sql = "SELECT token_hash, user_id, kind, csrf, created_at, last_seen, expires_at FROM sessions \
               WHERE token_hash = $1 AND kind = $2 AND expires_at > $3";
    let s: Option<Session> = on_db!(db, p => sqlx::query_as(sql).bind(&hash).bind(kind.as_str()).bind(now).fetch_optional(p).await)?;
    let Some(mut s) = s else { return Ok(None) };
    let Some(user) = crate::users::get(db, s.user_id).await? else { return Ok(None) };
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
