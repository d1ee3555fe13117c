//! User accounts: creating them, and the sessions and tokens of the accounts
//! an administrator manages.
//!
//! Guarantees: an account is loaded for an administrator only through
//! [`managed`], which answers 404 for accounts outside the administrator's
//! region subtree (or for anyone who is not an administrator); sessions and
//! tokens are listed and ended only for such accounts, and every ending is
//! audited. A new account is checked field by field ([`check_new_user`]): its
//! unit lies in the administrator's subtree, an organisation account binds
//! only to an organisation in that subtree, and its password meets the policy
//! and is hashed before it reaches the store.

use crate::pickers::Typed;
use crate::regions_designations::browse_root;
use crate::{Error, Platform};
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::crypto::{hash_password, password_problem};
use duijie_domain::{Decision, FieldError, Level, Principal, RegionCode, Role};
use duijie_store::regions::RegionTree;
use duijie_store::sessions::{self, Session};
use duijie_store::users::{self, NewUser, User};
use duijie_store::{Actor, Db};

/// The account `id` if `who` administers it; 404 otherwise.
pub async fn managed(db: &Db, who: &Principal, id: i64) -> Result<User, Error> {
    // Administrators only: a 403 would tell others that the account exists.
    crate::open(users::get(db, id).await?, who, Action::ManageUser).map_err(|_| Error::NotFound)
}

/// The live sessions and tokens of an account `who` administers.
pub async fn sessions_of(db: &Db, who: &Principal, id: i64) -> Result<(User, Vec<Session>), Error> {
    let u = managed(db, who, id).await?;
    let s = sessions::of_user(db, u.id).await?;
    Ok((u, s))
}

/// Ends one session (by its public id) or all of them; 404 when there was none.
pub async fn revoke(db: &Db, who: &Principal, actor: &Actor, id: i64, session: Option<&str>) -> Result<u64, Error> {
    let u = managed(db, who, id).await?;
    if session.is_some_and(|s| s.len() != 16 || !s.chars().all(|c| c.is_ascii_hexdigit())) {
        return Err(Error::NotFound);
    }
    let mut tx = db.begin().await?;
    let n = sessions::revoke(&mut tx, actor, &u, session).await?;
    tx.commit().await?;
    if n == 0 && session.is_some() {
        return Err(Error::NotFound);
    }
    Ok(n)
}

/// A new-user request as typed (page form or API body).
#[derive(Clone, Copy)]
pub struct NewUserInput<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub region: &'a str,
    pub org: &'a str,
    pub password: &'a str,
}

/// Validates a new-user request for `admin`; shared by the page and the API.
/// The region and the organisation may be given by name.
pub async fn check_new_user(p: &Platform, admin: &Principal, input: NewUserInput<'_>) -> Result<NewUser, Vec<FieldError>> {
    let (mut region, mut org) = (input.region.to_string(), input.org.to_string());
    let typed_region = Typed::region(&p.db, &p.tree, &mut region, &browse_root(admin), Level::County).await;
    let Ok(typed_org) = Typed::org(p, &mut org).await else { return Err(vec![FieldError::new("org", "暂时无法查询社会组织，请稍后再试")]) };
    let checked = check_codes(&p.db, &p.tree, admin, NewUserInput { region: &region, org: &org, ..input }).await.map_err(Error::Invalid);
    typed_org.over("org", typed_region.over("region", checked)).map_err(|e| match e {
        Error::Invalid(errors) => errors,
        other => vec![FieldError::new("org", other.message())],
    })
}

async fn check_codes(db: &Db, tree: &RegionTree, admin: &Principal, input: NewUserInput<'_>) -> Result<NewUser, Vec<FieldError>> {
    let NewUserInput { username, display_name, role, region, org, password } = input;
    let mut errors = Vec::new();
    let username = username.trim();
    if let Some(p) = users::username_problem(username) {
        errors.push(FieldError::new("username", p));
    }
    let display_name = display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 60 {
        errors.push(FieldError::new("display_name", "请填写姓名（60 字以内）"));
    }
    let role = Role::parse(role);
    if role.is_none() {
        errors.push(FieldError::new("role", "请选择角色"));
    }
    let region = match RegionCode::parse(region) {
        Ok(c) if c.level() == duijie_domain::Level::National || tree.get(&c).is_some() => Some(c),
        Ok(_) => {
            errors.push(FieldError::new("region", "没有这个区划代码"));
            None
        }
        Err(e) => {
            errors.push(FieldError::new("region", e.to_string()));
            None
        }
    };
    if let Some(r) = &region
        && decide(admin, Action::ManageUser, Target::User { region: r, org_id: None }) != Decision::Allow
    {
        errors.push(FieldError::new("region", "只能在本单位管辖范围内创建用户"));
    }
    let mut org_id = None;
    if role == Some(Role::Organization) {
        // An account acts for its organisation: only the administrators over the
        // organisation's registration authority may bind one. Unknown and
        // out-of-scope codes read the same, so codes cannot be probed.
        let in_scope = |o: &duijie_store::orgs::Organization| {
            decide(admin, Action::ManageUser, Target::User { region: &o.region_code, org_id: Some(o.id) }) == Decision::Allow
        };
        match duijie_store::orgs::by_credit_code(db, org.trim().to_ascii_uppercase().as_str()).await.map(|o| o.and_then(|o| o.check(admin, Action::ViewOrgPublic).ok())) {
            Ok(Some(o)) if in_scope(&o) => org_id = Some(o.id),
            Ok(_) => errors.push(FieldError::new("org", "请填写本单位管辖范围内已登记社会组织的统一社会信用代码")),
            Err(_) => errors.push(FieldError::new("org", "暂时无法查询社会组织，请稍后再试")),
        }
    } else if !org.trim().is_empty() {
        errors.push(FieldError::new("org", "政府部门用户不填写社会组织"));
    }
    if let Some(p) = password_problem(password) {
        errors.push(FieldError::new("password", p));
    }
    match (errors.is_empty(), role, region) {
        (true, Some(role), Some(region)) => {
            let pw = password.to_string();
            let hash = tokio::task::spawn_blocking(move || hash_password(&pw)).await.map_err(|_| vec![FieldError::new("password", "密码处理失败")])?;
            Ok(NewUser { username: username.into(), display_name: display_name.into(), role, region, org_id, password_hash: hash, is_demo: false })
        }
        _ => Err(errors),
    }
}
