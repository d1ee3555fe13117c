//! User accounts, login state and lockout.
//!
//! Guarantees:
//! - Passwords are stored only as PBKDF2-HMAC-SM3 hashes; the hash never leaves
//!   this module in audit rows or listings ([`UserView`]).
//! - Wrong passwords slow further attempts down by exponential back-off
//!   ([`crate::throttle`]), per client and name, never locking the owner out
//!   of their usual places; an unknown name behaves exactly like a known one.
//!   The owner's unit is told in the inbox when its account is being guessed.
//! - Every create, change, failed login, unlock and login is audited.

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Tx};
use crate::inbox::{self, Notice, Recipient};
use crate::{Error, Result, on_db, on_tx, on_tx_exec, throttle};
use duijie_domain::authz::{self, Action, Decision, Guarded, Unchecked};
use duijie_domain::{Principal, RegionCode, Role};
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
    pub org_id: Option<i64>,
    pub password_hash: String,
    /// Until when logins from places other than the owner's usual ones wait (0: none).
    pub locked_until: i64,
    pub active: bool,
    pub is_demo: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// False for an organisation's account while its self-application is not approved.
    pub org_approved: bool,
}

impl Guarded for User {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        authz::decide(who, action, authz::Target::User { region: &self.region(), org_id: self.org_id })
    }
}

/// What may be shown or logged about a user (no password hash).
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
    pub org_id: Option<i64>,
    pub active: bool,
    pub locked: bool,
    pub is_demo: bool,
}

impl User {
    pub fn role(&self) -> Role {
        // Roles are written only through `Role::as_str`; an unknown value is
        // treated as the least privileged role.
        Role::parse(&self.role).unwrap_or(Role::Organization)
    }

    pub fn region(&self) -> RegionCode {
        RegionCode::try_from(self.region_code.clone()).unwrap_or_else(|_| RegionCode::national())
    }

    /// An organisation's account whose application is not yet approved: it may
    /// only follow its application.
    pub fn is_applicant(&self) -> bool {
        self.role() == Role::Organization && !self.org_approved
    }

    pub fn principal(&self) -> Principal {
        Principal::of_account(self.id, self.username.clone(), self.role(), self.region(), self.org_id)
    }

    pub fn view(&self) -> UserView {
        UserView {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role.clone(),
            region_code: self.region_code.clone(),
            org_id: self.org_id,
            active: self.active,
            locked: self.locked_until > crate::now(),
            is_demo: self.is_demo,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region: RegionCode,
    pub org_id: Option<i64>,
    /// Already hashed with `duijie_domain::crypto::hash_password`.
    pub password_hash: String,
    pub is_demo: bool,
}

const COLUMNS: &str = "id, username, display_name, role, region_code, org_id, password_hash, \
    COALESCE((SELECT t.blocked_until FROM login_throttle t WHERE t.key = 'name:' || users.username), 0) AS locked_until, \
    active, is_demo, created_at, updated_at, \
    COALESCE((SELECT o.approval = 'approved' FROM organizations o WHERE o.id = users.org_id), TRUE) AS org_approved";

/// Checks a username: 3–32 letters, digits, `_`, `-` or `.`.
pub fn username_problem(name: &str) -> Option<&'static str> {
    let ok_len = (3..=32).contains(&name.chars().count());
    let ok_chars = name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !ok_len || !ok_chars { Some("用户名应为 3–32 位字母、数字或 _ - .") } else { None }
}

pub async fn create(tx: &mut Tx, actor: &Actor, u: &NewUser) -> Result<i64> {
    if let Some(p) = username_problem(&u.username) {
        return Err(Error::Invalid(p.into()));
    }
    if u.role == Role::Organization && u.org_id.is_none() {
        return Err(Error::Invalid("社会组织用户必须关联一个社会组织".into()));
    }
    if u.role != Role::Organization && u.org_id.is_some() {
        return Err(Error::Invalid("政府部门用户不能关联社会组织".into()));
    }
    let now = crate::now();
    let sql = "INSERT INTO users (username, display_name, role, region_code, org_id, password_hash, is_demo, created_at, updated_at) \
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id";
    let res: std::result::Result<i64, sqlx::Error> = on_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(&u.username).bind(&u.display_name).bind(u.role.as_str()).bind(u.region.as_str())
        .bind(u.org_id).bind(&u.password_hash).bind(u.is_demo).bind(now).fetch_one(c).await);
    let id = match res.map_err(Error::from) {
        Err(e) if e.is_unique_violation() => return Err(Error::Conflict(format!("用户名 {} 已存在", u.username))),
        other => other?,
    };
    let after = get_tx(tx, id).await?.map(|u| serde_json::json!(u.view()));
    audit::append(tx, actor, Change {
        region: u.region.as_str(),
        action: "user.create",
        entity: "user",
        entity_id: &id.to_string(),
        before: None,
        after,
    })
    .await?;
    Ok(id)
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<User>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE id = $1"));
    Ok(on_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// One user by id, to be opened by a decision (`Unchecked::check`).
pub async fn get(db: &Db, id: i64) -> Result<Option<Unchecked<User>>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE id = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

pub async fn by_username(db: &Db, username: &str) -> Result<Option<User>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE username = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(username).fetch_optional(p).await)?)
}

/// Users whose unit lies in `region`'s subtree.
pub async fn list(db: &Db, region: &RegionCode, limit: i64, offset: i64) -> Result<(Vec<User>, i64)> {
    let [low, high] = crate::subtree(region);
    let within = crate::in_subtree("region_code", 1);
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users WHERE {within} ORDER BY region_code, id LIMIT $3 OFFSET $4"));
    let rows = on_db!(db, p => sqlx::query_as(sql).bind(&low).bind(&high).bind(limit).bind(offset).fetch_all(p).await)?;
    let count = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM users WHERE {within}"));
    let total = on_db!(db, p => sqlx::query_scalar(count).bind(&low).bind(&high).fetch_one(p).await)?;
    Ok((rows, total))
}

/// The outcome of a login attempt.
#[derive(Debug)]
pub enum Login {
    Ok(User),
    /// Unknown user or wrong password (indistinguishable to the caller).
    BadCredentials,
    /// Too many recent failures for this name or client: wait until the given instant
    /// (said the same way for unknown names).
    Throttled(i64),
    Disabled,
}

/// Checks a password from `client`, with back-off after failures ([`crate::throttle`]).
pub async fn login(db: &Db, username: &str, password: &str, client: &str) -> Result<Login> {
    let now = crate::now();
    let user = by_username(db, username).await?;
    let usual = match &user {
        Some(u) => throttle::is_usual_place(db, u.id, client).await?,
        None => false,
    };
    let until = throttle::blocked_until(db, username, client, usual, now).await?;
    if until > 0 {
        return Ok(Login::Throttled(until));
    }
    let (pw, hash) = (password.to_string(), user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| DUMMY_HASH.into()));
    // Unknown names spend the same time on a dummy hash, so they cannot be told apart by timing.
    let ok = tokio::task::spawn_blocking(move || duijie_domain::crypto::verify_password(&pw, &hash)).await.unwrap_or(false);
    let mut tx = db.begin().await?;
    match user {
        Some(user) if ok => {
            if !user.active {
                return Ok(Login::Disabled);
            }
            throttle::record_success(&mut tx, user.id, username, client, now).await?;
            let actor = Actor { user_id: Some(user.id), name: user.username.clone(), unit: "登录".into() };
            audit::append(&mut tx, &actor, Change {
                region: &user.region_code, action: "user.login", entity: "user", entity_id: &user.id.to_string(), before: None,
                after: Some(serde_json::json!({"client": client})),
            })
            .await?;
            tx.commit().await?;
            Ok(Login::Ok(user))
        }
        user => {
            let started = throttle::record_failure(&mut tx, username, client, usual, now).await?;
            if let Some(user) = user {
                let actor = Actor { user_id: Some(user.id), name: user.username.clone(), unit: "登录".into() };
                audit::append(&mut tx, &actor, Change {
                    region: &user.region_code, action: "user.login_failed", entity: "user", entity_id: &user.id.to_string(), before: None,
                    after: Some(serde_json::json!({"client": client, "throttled": started})),
                })
                .await?;
                if started {
                    warn_owner(&mut tx, &user, client, now).await?;
                }
            }
            tx.commit().await?;
            Ok(Login::BadCredentials)
        }
    }
}

/// Tells the account's unit (its organisation, or its government unit) that
/// its password is being guessed; once a day per account.
async fn warn_owner(tx: &mut Tx, user: &User, client: &str, now: i64) -> Result<()> {
    let to = match user.org_id {
        Some(org) => Recipient::Org(org),
        None => Recipient::Unit { region: user.region_code.clone(), role: Some(user.role()) },
    };
    let n = Notice {
        kind: "user.attacked".into(),
        title: format!("账号 {} 近期多次密码错误", user.username),
        body: format!("来自 {client} 的登录多次输错密码，该处的登录已被暂时延缓。如不是本人操作，请修改密码；如需立即解除，请联系管理员。"),
        link: String::new(),
        dedup_key: Some(format!("user.attacked:{}:{}", user.id, now / 86_400)),
    };
    inbox::notify(tx, &to, &n).await?;
    Ok(())
}

/// A valid hash of a random password, used to equalise timing for unknown users.
const DUMMY_HASH: &str = "pbkdf2-sm3$60000$00000000000000000000000000000000$0000000000000000000000000000000000000000000000000000000000000000";

/// What an administrator may change about an account.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub display_name: Option<String>,
    pub active: Option<bool>,
    /// A new password hash.
    pub password_hash: Option<String>,
    pub unlock: bool,
}

pub async fn update(tx: &mut Tx, actor: &Actor, id: i64, ch: &UserChange) -> Result<()> {
    let before = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("用户不存在".into()))?;
    let sql = "UPDATE users SET display_name = $1, active = $2, password_hash = $3, updated_at = $4 WHERE id = $5";
    on_tx_exec!(tx, c => sqlx::query(sql)
        .bind(ch.display_name.as_ref().unwrap_or(&before.display_name))
        .bind(ch.active.unwrap_or(before.active))
        .bind(ch.password_hash.as_ref().unwrap_or(&before.password_hash))
        .bind(crate::now()).bind(id).execute(c).await)?;
    if ch.unlock || ch.password_hash.is_some() {
        throttle::clear_name(tx, &before.username).await?;
    }
    if ch.active == Some(false) {
        on_tx_exec!(tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(c).await)?;
    }
    let after = get_tx(tx, id).await?;
    let mut after_json = serde_json::json!(after.map(|u| u.view()));
    if ch.password_hash.is_some() {
        after_json["password"] = serde_json::json!("已重置");
    }
    audit::append(tx, actor, Change {
        region: &before.region_code,
        action: "user.update",
        entity: "user",
        entity_id: &id.to_string(),
        before: Some(serde_json::json!(before.view())),
        after: Some(after_json),
    })
    .await?;
    Ok(())
}
