//! Projects (帮扶项目) and their progress: the rows a confirmed match starts
//! (`demand::matching::confirm`), and those an organisation records under an
//! active pairing or directly; progress updates with their evidence files
//! (and pictures' thumbnails); the helped county's confirmation; edits by
//! the organisation; stopping with a reason; the natures (项目性质) each
//! province uses and its provincial office keeps.
//!
//! Guarantees:
//! - Every write appends its audit row in the same transaction.
//! - State changes are compare-and-set in the database: a progress update
//!   writes only while the project is planned or in progress, a confirmation
//!   only while it is in progress (`UPDATE … WHERE status = …`, rows affected
//!   checked), so of two confirmations at once exactly one wins and the other
//!   gets `Changed` with the current state. Every change raises the row's
//!   `version`; an edit writes only at the version its form was read from. A project of a demand moves its
//!   demand along in the same transaction (started, done), its demand locked
//!   first as every demand change does ([`crate::db`] gives the order);
//!   stopping it dissolves its match and publishes the demand again.
//! - Lists take the caller's [`Scope`] and filter in SQL: an organisation its
//!   own projects, an officer those whose region lies in its subtree (an index
//!   range, never `LIKE`).
//! - An imported 附件2 file is recorded once per organisation by its SM3
//!   digest ([`import`]): the `project_imports` row is written first, in the
//!   same transaction as the projects, so a second upload of the same file —
//!   after the first or at the same moment — meets the unique index and
//!   writes nothing ([`Error::Conflict`]).

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Locked, Tx};
use crate::inbox::{self, Notice, Recipient};
use crate::{Error, Result, on_db, on_tx, on_tx_exec};
use duijie_domain::authz::{self, Action, Decision, Guarded, Principal, Unchecked};
use duijie_domain::project::{NewProgress, NewProject, Source, Status, Step};
use duijie_domain::{RegionCode, Role, Scope};
use serde::Serialize;

/// A project as stored, with its organisation's name.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Project {
    pub id: i64,
    /// `match`, `pairing` or `direct`.
    pub source: String,
    pub match_id: Option<i64>,
    pub demand_id: Option<i64>,
    pub pairing_id: Option<i64>,
    /// The special action (专项行动) it is carried out under, if named.
    pub action_id: Option<i64>,
    pub action_name: Option<String>,
    pub org_id: i64,
    pub org_name: String,
    /// The helped region (province down to village).
    #[sqlx(try_from = "String")]
    pub region_code: RegionCode,
    pub title: String,
    pub nature: String,
    pub field: String,
    pub mode: String,
    /// Planned funds, fen.
    pub funds_fen: i64,
    /// Funds spent so far, fen (the latest progress update's figure).
    pub actual_funds_fen: i64,
    pub people: i64,
    pub beneficiaries: i64,
    pub beneficiary_groups: String,
    pub start_date: String,
    pub end_date: String,
    pub description: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub stop_reason: String,
    pub created_by: String,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub done_at: Option<i64>,
    pub confirmed_by: String,
    pub is_demo: bool,
    pub updated_at: i64,
    /// Raised by every change: an edit names the version it was made from.
    pub version: i64,
}

impl Project {
    pub fn status(&self) -> Status {
        self.status
    }

    fn changed(&self, message: String) -> Error {
        Error::Changed { message, current: serde_json::json!({"status": self.status.as_str(), "status_label": self.status.label()}) }
    }
}

impl Guarded for Project {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        authz::decide(who, action, authz::Target::Project { org_id: self.org_id, region: &self.region_code })
    }
}

const SELECT: &str = "SELECT p.id, p.source, p.match_id, p.demand_id, p.pairing_id, p.action_id, a.name AS action_name, p.org_id, o.name AS org_name, p.region_code, p.title, \
    p.nature, p.field, p.mode, p.funds_fen, p.actual_funds_fen, p.people, p.beneficiaries, p.beneficiary_groups, p.start_date, \
    p.end_date, p.description, p.status, p.stop_reason, p.created_by, p.created_at, p.started_at, p.done_at, p.confirmed_by, \
    p.is_demo, p.updated_at, p.version FROM projects p JOIN organizations o ON o.id = p.org_id LEFT JOIN actions a ON a.id = p.action_id";

/// One project by id, to be opened by a decision.
pub async fn get(db: &Db, id: i64) -> Result<Option<Unchecked<Project>>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE p.id = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Project> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE p.id = $1"));
    on_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?.ok_or_else(|| Error::Invalid("项目不存在".into()))
}

/// What a list asks for, beside the caller's scope.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only projects helping this region's subtree.
    pub region: Option<RegionCode>,
    pub nature: Option<String>,
    pub field: Option<String>,
    /// Only projects carried out under this special action.
    pub action: Option<i64>,
    pub status: Option<Status>,
    /// ISO dates: projects whose period overlaps [from, to] (an open end counts as overlapping).
    pub from: Option<String>,
    pub to: Option<String>,
    /// `YYYY-MM`: only projects starting in that month (a dashboard's month bar).
    pub started: Option<String>,
}

enum Bind {
    Text(String),
    Int(i64),
}

/// `$q` with the filter's values bound in order.
macro_rules! bound {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Int(i) => q.bind(*i),
            };
        }
        q
    }};
}

/// The `WHERE` clause and its values for `scope` and `f`; `None` when the scope sees nothing.
fn conditions(scope: &Scope, f: &Filter) -> Option<(String, Vec<Bind>)> {
    let mut cond = Vec::new();
    let mut binds = Vec::new();
    let region = |cond: &mut Vec<String>, binds: &mut Vec<Bind>, r: &RegionCode| {
        let [low, high] = crate::subtree(r);
        binds.push(Bind::Text(low));
        binds.push(Bind::Text(high));
        cond.push(crate::in_subtree("p.region_code", binds.len() - 1));
    };
    match (scope.region(), scope.org_id()) {
        (Some(r), _) => region(&mut cond, &mut binds, r),
        (None, Some(org)) => {
            binds.push(Bind::Int(org));
            cond.push(format!("p.org_id = ${}", binds.len()));
        }
        (None, None) => return None,
    }
    if let Some(r) = &f.region {
        region(&mut cond, &mut binds, r);
    }
    for (column, value) in [("p.nature", &f.nature), ("p.field", &f.field)] {
        if let Some(v) = value {
            binds.push(Bind::Text(v.clone()));
            cond.push(format!("{column} = ${}", binds.len()));
        }
    }
    if let Some(a) = f.action {
        binds.push(Bind::Int(a));
        cond.push(format!("p.action_id = ${}", binds.len()));
    }
    if let Some(s) = f.status {
        binds.push(Bind::Text(s.as_str().into()));
        cond.push(format!("p.status = ${}", binds.len()));
    }
    if let Some(to) = &f.to {
        binds.push(Bind::Text(to.clone()));
        cond.push(format!("(p.start_date = '' OR p.start_date <= ${})", binds.len()));
    }
    if let Some(from) = &f.from {
        binds.push(Bind::Text(from.clone()));
        cond.push(format!("(p.end_date = '' OR p.end_date >= ${})", binds.len()));
    }
    if let Some(month) = &f.started {
        binds.push(Bind::Text(month.clone()));
        cond.push(format!("substr(p.start_date, 1, 7) = ${}", binds.len()));
    }
    Some((cond.join(" AND "), binds))
}

/// One page of the projects `scope` sees that match `f`, newest first, and how many there are.
pub async fn list(db: &Db, scope: &Scope, f: &Filter, limit: i64, offset: i64) -> Result<(Vec<Project>, i64)> {
    let Some((cond, binds)) = conditions(scope, f) else { return Ok((Vec::new(), 0)) };
    let count = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM projects p WHERE {cond}"));
    let total: i64 = on_db!(db, p => {
        bound!(sqlx::query_scalar(count), &binds).fetch_one(p).await
    })?;
    let n = binds.len();
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE {cond} ORDER BY p.id DESC LIMIT ${} OFFSET ${}", n + 1, n + 2));
    let rows: Vec<Project> = on_db!(db, p => {
        bound!(sqlx::query_as(sql), &binds).bind(limit).bind(offset).fetch_all(p).await
    })?;
    Ok((rows, total))
}

/// The natures (项目性质) a province uses: its own list, or the platform's default.
pub async fn natures(db: &Db, province: &str) -> Result<Vec<String>> {
    let own = own_natures(db, province).await?;
    if !own.is_empty() {
        return Ok(own);
    }
    own_natures(db, "").await
}

const NATURES: &str = "SELECT name FROM project_natures WHERE province_code = $1 ORDER BY position, id";

/// A province's own list of natures, in order (empty: it uses the platform's
/// default, which is the list of province '').
pub async fn own_natures(db: &Db, province: &str) -> Result<Vec<String>> {
    Ok(on_db!(db, p => sqlx::query_scalar(NATURES).bind(province).fetch_all(p).await)?)
}

/// Replaces a province's list of natures with `names` (checked by the
/// caller: non-empty, distinct). Projects keep the nature they were recorded
/// with: it is text on the project, not a reference to the list. Two
/// replacements at once are taken one after the other (the province's list
/// is locked by name), so the list is always one of them whole.
pub async fn set_natures(tx: &mut Tx, actor: &Actor, province: &str, names: &[String]) -> Result<()> {
    if province.len() != 2 || names.is_empty() {
        return Err(Error::Invalid("项目性质列表属于一个省，且至少有一项".into()));
    }
    tx.lock_name(&format!("project_natures:{province}")).await?;
    let before: Vec<String> = on_tx!(tx, c => sqlx::query_scalar(NATURES).bind(province).fetch_all(c).await)?;
    on_tx_exec!(tx, c => sqlx::query("DELETE FROM project_natures WHERE province_code = $1").bind(province).execute(c).await)?;
    let sql = "INSERT INTO project_natures (province_code, name, position) VALUES ($1, $2, $3)";
    for (i, name) in names.iter().enumerate() {
        on_tx_exec!(tx, c => sqlx::query(sql).bind(province).bind(name).bind(i as i64 + 1).execute(c).await)?;
    }
    let change = |list: Vec<String>| Some(serde_json::json!({"natures": list}));
    audit::append(tx, actor, Change { region: province, action: "project.natures", entity: "project_natures", entity_id: province, before: change(before), after: change(names.to_vec()) }).await?;
    Ok(())
}

/// A project about to be recorded by its organisation.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub org_id: i64,
    /// `Pairing` (with its id) or `Direct`; match projects start in `matching::confirm`.
    pub source: Source,
    pub pairing_id: Option<i64>,
    /// The special action it is carried out under (checked by the caller to be national or the helped province's).
    pub action_id: Option<i64>,
    pub project: NewProject,
    pub is_demo: bool,
}

/// Records a project; the helped county's rural-revitalisation office is told.
pub async fn create(tx: &mut Tx, actor: &Actor, r: &Recorded) -> Result<i64> {
    let org = crate::orgs::get_tx(tx, r.org_id).await?.ok_or_else(|| Error::Invalid("社会组织不存在".into()))?;
    if let Some(why) = crate::pairing::refusal(&org) {
        return Err(Error::Invalid(why));
    }
    if r.source == Source::Match {
        return Err(Error::Invalid("对接项目在对接确认时生成".into()));
    }
    let n = &r.project;
    let now = crate::now();
    let sql = "INSERT INTO projects (source, pairing_id, org_id, region_code, title, nature, field, mode, funds_fen, actual_funds_fen, people, \
               beneficiaries, beneficiary_groups, start_date, end_date, description, status, created_by, created_at, is_demo, updated_at, action_id) \
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,'planned',$17,$18,$19,$18,$20) RETURNING id";
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).bind(r.source.as_str()).bind(r.pairing_id).bind(org.id).bind(n.region.as_str())
        .bind(&n.title).bind(&n.nature).bind(&n.field).bind(&n.mode).bind(n.planned_funds_fen).bind(n.actual_funds_fen).bind(n.people)
        .bind(n.beneficiaries).bind(&n.beneficiary_groups).bind(&n.start_date).bind(&n.end_date).bind(&n.description).bind(&actor.unit)
        .bind(now).bind(r.is_demo).bind(r.action_id).fetch_one(c).await)?;
    let after = get_tx(tx, id).await?;
    audit::append(tx, actor, Change { region: n.region.as_str(), action: "project.create", entity: "project", entity_id: &id.to_string(), before: None, after: Some(serde_json::json!(after)) }).await?;
    let notice = Notice { kind: "project.created".into(), title: format!("{}录入了帮扶项目：{}", org.name, n.title), body: String::new(), link: format!("/projects/{id}"), dedup_key: None };
    inbox::notify(tx, &county_office(&n.region), &notice).await?;
    Ok(id)
}

/// A 附件2 file an organisation imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ListImport {
    pub id: i64,
    pub org_id: i64,
    /// SM3 of the file's bytes, in hex.
    pub digest: String,
    pub file_name: String,
    pub project_count: i64,
    pub imported_by: String,
    pub imported_at: i64,
}

/// The import of the file with `digest` by organisation `org_id`, if there was one.
pub async fn imported(db: &Db, org_id: i64, digest: &str) -> Result<Option<ListImport>> {
    let sql = "SELECT id, org_id, digest, file_name, project_count, imported_by, imported_at FROM project_imports WHERE org_id = $1 AND digest = $2";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(org_id).bind(digest).fetch_optional(p).await)?)
}

/// What a repeated import is told.
pub const ALREADY_IMPORTED: &str = "这个文件已经导入过，其中的项目不会重复录入；如需补充项目，请只填写新增的项目后另存为新文件上传";

/// Records the projects of one imported 附件2 file (each through [`create`],
/// with its audit row), after the file's row in `project_imports`; the file
/// once more from the same organisation is [`Error::Conflict`] and writes
/// nothing. Returns the projects' ids in the order given.
pub async fn import(tx: &mut Tx, actor: &Actor, org_id: i64, digest: &str, file_name: &str, rows: &[Recorded]) -> Result<Vec<i64>> {
    if rows.is_empty() || rows.iter().any(|r| r.org_id != org_id) {
        return Err(Error::Invalid("导入的项目应属于导入的组织，且至少有一个".into()));
    }
    let sql = "INSERT INTO project_imports (org_id, digest, file_name, project_count, imported_by, imported_at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id";
    let inserted: Result<i64> = on_tx!(tx, c => sqlx::query_scalar::<_, i64>(sql).bind(org_id).bind(digest).bind(file_name).bind(rows.len() as i64)
        .bind(&actor.unit).bind(crate::now()).fetch_one(c).await).map_err(Error::from);
    let import_id = match inserted {
        Ok(id) => id,
        Err(e) if e.is_unique_violation() => return Err(Error::Conflict(ALREADY_IMPORTED.into())),
        Err(e) => return Err(e),
    };
    let mut ids = Vec::with_capacity(rows.len());
    for r in rows {
        ids.push(create(tx, actor, r).await?);
    }
    let org = crate::orgs::get_tx(tx, org_id).await?.ok_or_else(|| Error::Invalid("社会组织不存在".into()))?;
    let after = serde_json::json!({"org_id": org_id, "file_name": file_name, "digest": digest, "project_count": ids.len(), "project_ids": ids});
    audit::append(tx, actor, Change { region: org.region_code.as_str(), action: "project.import", entity: "project_import", entity_id: &import_id.to_string(), before: None, after: Some(after) }).await?;
    Ok(ids)
}

/// The rural-revitalisation office that confirms a project helping `region`.
fn county_office(region: &RegionCode) -> Recipient {
    Recipient::Unit { region: region.as_str().chars().take(6).collect(), role: Some(Role::RuralRevitalization) }
}

/// One progress update.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Progress {
    pub id: i64,
    pub project_id: i64,
    /// ISO date.
    pub reported_on: String,
    pub note: String,
    pub funds_fen: i64,
    pub people: i64,
    pub beneficiaries: i64,
    pub created_by: String,
    pub created_at: i64,
}

/// An evidence file (without its bytes).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct EvidenceInfo {
    pub id: i64,
    pub progress_id: i64,
    pub file_name: String,
    pub content_type: String,
    /// Whether a thumbnail was made (pictures within the size bound).
    pub has_thumbnail: bool,
}

/// An evidence file with its bytes, and the project it belongs to (for the decision).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Evidence {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub org_id: i64,
    pub region_code: String,
}

impl Guarded for Evidence {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        let Ok(region) = RegionCode::parse(&self.region_code) else { return Decision::NotFound };
        authz::decide(who, action, authz::Target::Project { org_id: self.org_id, region: &region })
    }
}

/// A file to keep with a progress update, its type already decided by its bytes.
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
    /// A picture's thumbnail (JPEG), if one was made.
    pub thumbnail: Option<&'a [u8]>,
}

/// Locks a project for a change — its demand first, if it has one — and reads it.
async fn lock(tx: &mut Tx, id: i64) -> Result<Project> {
    let demand = get_tx(tx, id).await?.demand_id;
    if let Some(d) = demand {
        tx.lock(Locked::Demand, d).await?;
    }
    tx.lock_all("SELECT id FROM projects WHERE id = $1", id).await?;
    get_tx(tx, id).await
}

/// Adds a progress update with its files: the project's figures become the
/// update's, and a planned project starts (its demand too).
pub async fn add_progress(tx: &mut Tx, actor: &Actor, id: i64, p: &NewProgress, files: &[Upload<'_>]) -> Result<i64> {
    let before = lock(tx, id).await?;
    if before.status().is_closed() {
        return Err(before.changed(format!("该项目{}，不能再添加进展", before.status().label())));
    }
    let now = crate::now();
    // An empty figure keeps the project's current one.
    let sql = "UPDATE projects SET actual_funds_fen = COALESCE($1, actual_funds_fen), people = COALESCE($2, people), \
               beneficiaries = COALESCE($3, beneficiaries), updated_at = $4, version = version + 1, \
               started_at = COALESCE(started_at, $4), status = 'in_progress' WHERE id = $5 AND status IN ('planned', 'in_progress')";
    let n = on_tx_exec!(tx, c => sqlx::query(sql).bind(p.funds_fen).bind(p.people).bind(p.beneficiaries).bind(now).bind(id).execute(c).await)?;
    if n == 0 {
        return Err(before.changed(crate::CHANGED_BY_OTHERS.into()));
    }
    if before.status() == Status::Planned
        && let Some(d) = before.demand_id
    {
        crate::demand::step(tx, actor, d, duijie_domain::demand::Step::Start, "", now).await?;
    }
    // The update keeps the figures as they stand after it.
    let after = get_tx(tx, id).await?;
    let sql = "INSERT INTO project_progress (project_id, reported_on, note, funds_fen, people, beneficiaries, created_by, created_at) \
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id";
    let progress: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).bind(id).bind(&p.on).bind(&p.note).bind(after.actual_funds_fen).bind(after.people)
        .bind(after.beneficiaries).bind(&actor.unit).bind(now).fetch_one(c).await)?;
    let sql = "INSERT INTO project_files (project_id, progress_id, file_name, content_type, bytes, uploaded_by, uploaded_at, thumbnail) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)";
    for f in files {
        on_tx_exec!(tx, c => sqlx::query(sql).bind(id).bind(progress).bind(f.file_name).bind(f.content_type).bind(f.bytes).bind(&actor.unit).bind(now).bind(f.thumbnail).execute(c).await)?;
    }
    let names: Vec<&str> = files.iter().map(|f| f.file_name).collect();
    let change = serde_json::json!({"progress_id": progress, "on": p.on, "note": p.note, "funds_fen": after.actual_funds_fen, "people": after.people,
        "beneficiaries": after.beneficiaries, "files": names, "status": after.status});
    audit::append(tx, actor, Change { region: before.region_code.as_str(), action: "project.progress", entity: "project", entity_id: &id.to_string(), before: Some(serde_json::json!(before)), after: Some(change) }).await?;
    let notice = Notice {
        kind: "project.progress".into(),
        title: format!("帮扶项目有新进展，完成后请确认：{}", before.title),
        body: p.note.clone(),
        link: format!("/projects/{id}"),
        dedup_key: Some(format!("project.progress:{id}")),
    };
    inbox::notify(tx, &county_office(&before.region_code), &notice).await?;
    Ok(progress)
}

/// The helped county confirms the project done (受益方确认); its demand is done too.
pub async fn confirm(tx: &mut Tx, actor: &Actor, id: i64) -> Result<Project> {
    let before = lock(tx, id).await?;
    duijie_domain::project::advance(before.status(), Step::Confirm).map_err(|m| before.changed(m))?;
    let now = crate::now();
    let sql = "UPDATE projects SET status = 'done', done_at = $1, confirmed_by = $2, updated_at = $1, version = version + 1 WHERE id = $3 AND status = 'in_progress'";
    let n = on_tx_exec!(tx, c => sqlx::query(sql).bind(now).bind(&actor.unit).bind(id).execute(c).await)?;
    if n == 0 {
        return Err(before.changed(crate::CHANGED_BY_OTHERS.into()));
    }
    if let Some(d) = before.demand_id {
        crate::demand::step(tx, actor, d, duijie_domain::demand::Step::Finish, "受益方确认帮扶项目完成", now).await?;
    }
    let after = get_tx(tx, id).await?;
    audit::append(tx, actor, Change { region: before.region_code.as_str(), action: "project.confirm", entity: "project", entity_id: &id.to_string(), before: Some(serde_json::json!(before)), after: Some(serde_json::json!(after)) }).await?;
    let notice = Notice { kind: "project.confirmed".into(), title: format!("受益方已确认项目完成：{}", before.title), body: String::new(), link: format!("/projects/{id}"), dedup_key: None };
    inbox::notify(tx, &Recipient::Org(before.org_id), &notice).await?;
    Ok(after)
}

/// The organisation edits its planned or running project's fields, from a
/// form read at `version`: written only if the project is still at that
/// version and open (compare-and-set under the row lock), else `Changed`
/// with the current state; so of two edits from the same reading one is
/// written and the other is told, never silently overwritten.
pub async fn edit(tx: &mut Tx, actor: &Actor, id: i64, version: i64, n: &NewProject, action_id: Option<i64>) -> Result<Project> {
    let before = lock(tx, id).await?;
    if before.status().is_closed() {
        return Err(before.changed(format!("该项目{}，不能再修改", before.status().label())));
    }
    if before.version != version {
        return Err(before.changed(EDITED_BY_OTHERS.into()));
    }
    let sql = "UPDATE projects SET title = $1, region_code = $2, nature = $3, field = $4, mode = $5, funds_fen = $6, actual_funds_fen = $7, \
               people = $8, beneficiaries = $9, beneficiary_groups = $10, start_date = $11, end_date = $12, description = $13, updated_at = $14, \
               action_id = $17, version = version + 1 WHERE id = $15 AND version = $16 AND status IN ('planned', 'in_progress')";
    let changed = on_tx_exec!(tx, c => sqlx::query(sql).bind(&n.title).bind(n.region.as_str()).bind(&n.nature).bind(&n.field).bind(&n.mode)
        .bind(n.planned_funds_fen).bind(n.actual_funds_fen).bind(n.people).bind(n.beneficiaries).bind(&n.beneficiary_groups).bind(&n.start_date)
        .bind(&n.end_date).bind(&n.description).bind(crate::now()).bind(id).bind(version).bind(action_id).execute(c).await)?;
    if changed == 0 {
        return Err(before.changed(EDITED_BY_OTHERS.into()));
    }
    let after = get_tx(tx, id).await?;
    audit::append(tx, actor, Change { region: before.region_code.as_str(), action: "project.edit", entity: "project", entity_id: &id.to_string(), before: Some(serde_json::json!(before)), after: Some(serde_json::json!(after)) }).await?;
    if after.region_code != before.region_code {
        let notice = Notice { kind: "project.moved".into(), title: format!("{}的帮扶项目改为帮扶本地：{}", before.org_name, n.title), body: String::new(), link: format!("/projects/{id}"), dedup_key: None };
        inbox::notify(tx, &county_office(&n.region), &notice).await?;
    }
    Ok(after)
}

/// What an edit from a stale form is told.
pub const EDITED_BY_OTHERS: &str = "该项目在您打开修改页面后已被修改（或有了新进展），请刷新后在最新内容上修改";

/// The organisation stops a planned or running project, with a reason. A
/// project of a confirmed match gives its demand back: the match is
/// dissolved (cancelled with the reason, its offer's place freed) and the
/// demand is published again for other organisations, and the county office
/// that recorded it is told.
pub async fn stop(tx: &mut Tx, actor: &Actor, id: i64, reason: &str) -> Result<Project> {
    let before = lock(tx, id).await?;
    duijie_domain::project::advance(before.status(), Step::Stop).map_err(|m| before.changed(m))?;
    if reason.trim().is_empty() {
        return Err(Error::Invalid("请写明终止的原因".into()));
    }
    let now = crate::now();
    let sql = "UPDATE projects SET status = 'stopped', stop_reason = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND status IN ('planned', 'in_progress')";
    let n = on_tx_exec!(tx, c => sqlx::query(sql).bind(reason.trim()).bind(now).bind(id).execute(c).await)?;
    if n == 0 {
        return Err(before.changed(crate::CHANGED_BY_OTHERS.into()));
    }
    let after = get_tx(tx, id).await?;
    audit::append(tx, actor, Change { region: before.region_code.as_str(), action: "project.stop", entity: "project", entity_id: &id.to_string(), before: Some(serde_json::json!(before)), after: Some(serde_json::json!(after)) }).await?;
    if let Some(d) = before.demand_id {
        let why = format!("帮扶项目已由{}终止：{}", before.org_name, reason.trim());
        if let Some(m) = before.match_id {
            crate::demand::matching::release(tx, actor, m, &why, now).await?;
        }
        let demand = crate::demand::step(tx, actor, d, duijie_domain::demand::Step::Reopen, &why, now).await?;
        let notice = Notice { kind: "project.stopped".into(), title: format!("帮扶项目已终止，需求已重新发布：{}", demand.title), body: why, link: format!("/demands/{d}"), dedup_key: None };
        inbox::notify(tx, &Recipient::Unit { region: demand.unit_region.as_str().into(), role: Some(Role::RuralRevitalization) }, &notice).await?;
    }
    Ok(after)
}

/// A project's progress updates, newest first.
pub async fn progress_of(db: &Db, id: i64) -> Result<Vec<Progress>> {
    let sql = "SELECT id, project_id, reported_on, note, funds_fen, people, beneficiaries, created_by, created_at FROM project_progress \
               WHERE project_id = $1 ORDER BY reported_on DESC, id DESC";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_all(p).await)?)
}

/// A project's evidence files, without their bytes.
pub async fn files_of(db: &Db, id: i64) -> Result<Vec<EvidenceInfo>> {
    let sql = "SELECT id, progress_id, file_name, content_type, thumbnail IS NOT NULL AS has_thumbnail FROM project_files WHERE project_id = $1 ORDER BY id";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_all(p).await)?)
}

/// One evidence file by id, to be opened by a decision on its project.
pub async fn file(db: &Db, id: i64) -> Result<Option<Unchecked<Evidence>>> {
    let sql = "SELECT f.id, f.file_name, f.content_type, f.bytes, p.org_id, p.region_code FROM project_files f JOIN projects p ON p.id = f.project_id WHERE f.id = $1";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

/// The thumbnail of evidence picture `id` (as a JPEG file named after the
/// picture), if it has one, to be opened by a decision on its project.
pub async fn thumbnail(db: &Db, id: i64) -> Result<Option<Unchecked<Evidence>>> {
    let sql = "SELECT f.id, f.file_name, 'image/jpeg' AS content_type, f.thumbnail AS bytes, p.org_id, p.region_code FROM project_files f \
               JOIN projects p ON p.id = f.project_id WHERE f.id = $1 AND f.thumbnail IS NOT NULL";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

/// Figures of a set of projects (a dashboard's card or a group's row).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Totals {
    /// Distinct organisations.
    pub orgs: i64,
    pub projects: i64,
    /// Confirmed done by the helped county.
    pub done: i64,
    /// Funds spent, fen.
    pub funds_fen: i64,
    pub people: i64,
    pub beneficiaries: i64,
}

/// One group of a breakdown: its key (a nature, a field, a region code prefix, a month) and figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Group {
    pub key: String,
    #[sqlx(flatten)]
    pub totals: Totals,
}

const TOTALS: &str = "COUNT(DISTINCT p.org_id) AS orgs, COUNT(*) AS projects, CAST(COALESCE(SUM(CASE WHEN p.status = 'done' THEN 1 ELSE 0 END), 0) AS BIGINT) AS done, \
    CAST(COALESCE(SUM(p.actual_funds_fen), 0) AS BIGINT) AS funds_fen, CAST(COALESCE(SUM(p.people), 0) AS BIGINT) AS people, \
    CAST(COALESCE(SUM(p.beneficiaries), 0) AS BIGINT) AS beneficiaries";

/// What the projects `scope` sees that match `f` add up to — the same rows
/// [`list`] shows for the same filter, so every figure links to its list.
pub async fn totals(db: &Db, scope: &Scope, f: &Filter) -> Result<Totals> {
    let Some((cond, binds)) = conditions(scope, f) else { return Ok(Totals::default()) };
    let sql = sqlx::AssertSqlSafe(format!("SELECT {TOTALS} FROM projects p WHERE {cond}"));
    Ok(on_db!(db, p => {
        bound!(sqlx::query_as(sql), &binds).fetch_one(p).await
    })?)
}

/// What the projects table looks like from outside, cheaply: the newest
/// `updated_at`, how many rows carry it and the sum of their versions. Every
/// write to a project stamps it with the current second and raises its
/// version, so any change committed since an earlier stamp was read changes
/// the stamp — unless it was stamped in an earlier second than the newest
/// row and committed after that row (a transaction that stays open across a
/// second while others commit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Stamp {
    pub newest: i64,
    pub rows: i64,
    pub versions: i64,
}

/// The projects table's [`Stamp`] now: two seeks on the `updated_at` index.
pub async fn stamp(db: &Db) -> Result<Stamp> {
    let sql = "SELECT CAST(COALESCE(MAX(updated_at), 0) AS BIGINT) AS newest, COUNT(*) AS rows, CAST(COALESCE(SUM(version), 0) AS BIGINT) AS versions \
               FROM projects WHERE updated_at = (SELECT MAX(updated_at) FROM projects)";
    Ok(on_db!(db, p => sqlx::query_as(sql).fetch_one(p).await)?)
}

/// How a breakdown groups projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Nature,
    Field,
    /// The first `n` characters of the helped region's code (the child regions of a level).
    Region(usize),
    /// The month the project starts (`YYYY-MM`; '' for no start date).
    StartMonth,
}

/// The same projects as [`totals`], grouped, in key order.
pub async fn breakdown(db: &Db, scope: &Scope, f: &Filter, by: GroupBy) -> Result<Vec<Group>> {
    let Some((cond, binds)) = conditions(scope, f) else { return Ok(Vec::new()) };
    let key = match by {
        GroupBy::Nature => "p.nature".to_string(),
        GroupBy::Field => "p.field".to_string(),
        GroupBy::Region(n) => format!("substr(p.region_code, 1, {})", n.min(12)),
        GroupBy::StartMonth => "substr(p.start_date, 1, 7)".to_string(),
    };
    let sql = sqlx::AssertSqlSafe(format!("SELECT {key} AS key, {TOTALS} FROM projects p WHERE {cond} GROUP BY {key} ORDER BY {key}"));
    Ok(on_db!(db, p => {
        bound!(sqlx::query_as(sql), &binds).fetch_all(p).await
    })?)
}
