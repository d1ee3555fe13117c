//! Complaints and their investigation (投诉举报与查处): filing, the handling
//! office's steps, the organisation's answer, the outcome, and what the
//! complainant reads back with the receipt number.
//!
//! Guarantees:
//! - The complainant's name and phone are written only sealed (SM4-GCM,
//!   `duijie_domain::sealing`); neither the audit trail nor any listing holds
//!   them, and [`complainant`] opens them only with an audit row
//!   (`complaint.complainant.view`) in the caller's transaction.
//! - Every change ([`file`], [`step`], [`close`]) appends its audit row and,
//!   for a step, its entry in the same transaction.
//! - A step is decided on the latest committed state (the complaint is
//!   locked before it is read) by `duijie_domain::complaint::advance`, and
//!   written as a compare-and-set on the status it was decided from, so of two
//!   closes at once exactly one wins; the other is `Changed`. The schema also
//!   refuses an open complaint with an outcome and a decided one without.
//! - An outcome that lists the organisation sets its credit list through
//!   [`crate::orgs::set_credit_list`] in the same transaction, so the
//!   registry's rules (no new enrolment, take or pairing) apply at once; an
//!   outcome never moves an organisation from the 严重违法失信名单 down to the
//!   活动异常名录 (taking it off a list is the registry's own decision).
//! - Only a civil-affairs user of the handling office can be assigned.
//! - Listings filter in SQL: an office's subtree by index range, an
//!   organisation's complaints only once the office asked it to answer.
//! - [`public_status`] reads by receipt only the public columns: status,
//!   outcome, what the office tells the complainant, and dates.

use crate::audit::{self, Actor, Change};
use crate::db::{Db, Locked, Tx};
use crate::inbox::{self, Notice, Recipient};
use crate::{Error, Result, on_db, on_tx, on_tx_exec};
use chrono::NaiveDate;
use duijie_domain::authz::{self, Action, Decision, Guarded, Principal, Unchecked};
use duijie_domain::complaint::{self, Category, Closing, Outcome, Receipt, Status, Step};
use duijie_domain::org::CreditList;
use duijie_domain::sealing::Sealer;
use duijie_domain::{RegionCode, Role, Scope};
use serde::Serialize;

/// A complaint as stored, without the complainant's sealed contact.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Complaint {
    pub id: i64,
    pub receipt: String,
    #[sqlx(try_from = "String")]
    pub category: Category,
    /// The registered organisation complained about, if any.
    pub org_id: Option<i64>,
    /// Its name as registered when the complaint was filed, or the name the complainant gave.
    pub org_name: String,
    /// Where it happened (county or below).
    #[sqlx(try_from = "String")]
    pub place_code: RegionCode,
    /// The region of the civil-affairs office handling it.
    #[sqlx(try_from = "String")]
    pub office_code: RegionCode,
    pub description: String,
    pub anonymous: bool,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub handler_id: Option<i64>,
    pub handler_name: String,
    /// Whether the office asked the organisation to answer (it sees the complaint from then on).
    pub shared_with_org: bool,
    pub filed_at: i64,
    /// The Beijing date by which it should be closed (`YYYY-MM-DD`).
    pub due_on: String,
    /// The outcome's key (`duijie_domain::complaint::OUTCOME_KINDS`), empty while open.
    pub outcome: String,
    /// What the office tells the complainant about the result.
    pub outcome_summary: String,
    pub rectify_deadline: String,
    pub doc_no: String,
    pub transfer_date: String,
    pub outcome_unit: String,
    /// The credit list the outcome put the organisation on (`abnormal`, `serious` or empty).
    pub credit_list: String,
    pub credit_doc_no: String,
    pub decided_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub updated_at: i64,
}

impl Complaint {
    fn target(&self) -> authz::Target<'_> {
        authz::Target::Complaint { office: &self.office_code, org_id: self.org_id, shared: self.shared_with_org }
    }

    /// The outcome's label (empty while open).
    pub fn outcome_label(&self) -> &'static str {
        complaint::kind_label(&self.outcome)
    }

    /// Whether it is open past its due date on `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_open() && duijie_domain::date::parse_date(&self.due_on).is_some_and(|d| d < today)
    }
}

impl Guarded for Complaint {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        authz::decide(who, action, self.target())
    }
}

const COLUMNS: &str = "id, receipt, category, org_id, org_name, place_code, office_code, description, anonymous, status, handler_id, \
    handler_name, shared_with_org, filed_at, due_on, outcome, outcome_summary, rectify_deadline, doc_no, transfer_date, outcome_unit, \
    credit_list, credit_doc_no, decided_at, closed_at, updated_at";

/// A complainant's contact as typed (never stored like this).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub name: String,
    pub phone: String,
}

/// A contact as stored: sealed.
#[derive(Debug, Clone)]
pub struct SealedContact {
    name_sealed: String,
    phone_sealed: String,
}

impl Contact {
    pub fn seal(&self, sealer: &Sealer) -> SealedContact {
        SealedContact { name_sealed: sealer.seal(self.name.trim()), phone_sealed: sealer.seal(self.phone.trim()) }
    }
}

/// Who a complaint is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accused {
    /// An organisation of the registry, by id.
    Registered(i64),
    /// A group the registry does not have, by the name the complainant gave.
    Unregistered(String),
}

/// A complaint as filed, checked by the application layer.
#[derive(Debug, Clone)]
pub struct NewComplaint {
    pub receipt: Receipt,
    pub category: Category,
    pub accused: Accused,
    /// Where it happened: a county or below.
    pub place: RegionCode,
    pub description: String,
    /// `None`: anonymous.
    pub contact: Option<SealedContact>,
    pub due_on: NaiveDate,
}

/// A file to keep, its type already decided by its bytes.
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// Records a complaint with its evidence, routed to its handling office
/// (`duijie_domain::complaint::office_for`: the registration authority read
/// from the registry in this transaction, or the county of the place), tells
/// that office, and returns the complaint's id and the office's region.
pub async fn file(tx: &mut Tx, actor: &Actor, n: &NewComplaint, files: &[Upload<'_>]) -> Result<(i64, RegionCode)> {
    let (org_id, org_name, office) = match &n.accused {
        Accused::Registered(id) => {
            let o = crate::orgs::get_tx(tx, *id).await?.ok_or_else(|| Error::Invalid("被投诉的社会组织不存在".into()))?;
            (Some(*id), o.name.clone(), complaint::office_for(Some(o.region()), &n.place))
        }
        Accused::Unregistered(name) => (None, name.clone(), complaint::office_for(None, &n.place)),
    };
    let office = office.ok_or_else(|| Error::Invalid("发生地点应为县级或以下的行政区划".into()))?;
    let now = crate::now();
    let (anonymous, name, phone) = match &n.contact {
        Some(c) => (false, c.name_sealed.as_str(), c.phone_sealed.as_str()),
        None => (true, "", ""),
    };
    let sql = "INSERT INTO complaints (receipt, category, org_id, org_name, place_code, office_code, description, anonymous, \
               contact_name_sealed, contact_phone_sealed, status, filed_at, due_on, updated_at) \
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$12) RETURNING id";
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(n.receipt.as_str()).bind(n.category.as_str()).bind(org_id).bind(&org_name).bind(n.place.as_str())
        .bind(office.as_str()).bind(&n.description).bind(anonymous).bind(name).bind(phone)
        .bind(Status::Received.as_str()).bind(now).bind(n.due_on.format("%Y-%m-%d").to_string())
        .fetch_one(c).await)?;
    add_files(tx, id, None, files, now).await?;
    audit::append(tx, actor, Change {
        region: office.as_str(),
        action: "complaint.create",
        entity: "complaint",
        entity_id: &id.to_string(),
        before: None,
        after: Some(serde_json::json!({
            "category": n.category.as_str(), "org_id": org_id, "org_name": org_name, "place_region": n.place.as_str(),
            "office_region": office.as_str(), "anonymous": anonymous, "files": files.len(), "due_on": n.due_on.format("%Y-%m-%d").to_string(),
        })),
    })
    .await?;
    let notice = Notice {
        kind: "complaint.filed".into(),
        title: format!("新投诉举报待分派：{org_name}（{}）", n.category.label()),
        body: format!("请在 {} 前办结。", n.due_on.format("%Y-%m-%d")),
        link: format!("/complaints/{id}"),
        dedup_key: Some(format!("complaint.filed:{id}")),
    };
    inbox::notify(tx, &Recipient::Unit { region: office.as_str().into(), role: Some(Role::CivilAffairs) }, &notice).await?;
    Ok((id, office))
}

async fn add_files(tx: &mut Tx, id: i64, entry: Option<i64>, files: &[Upload<'_>], now: i64) -> Result<()> {
    let sql = "INSERT INTO complaint_files (complaint_id, entry_id, file_name, content_type, bytes, uploaded_at) VALUES ($1,$2,$3,$4,$5,$6)";
    for f in files {
        on_tx_exec!(tx, c => sqlx::query(sql).bind(id).bind(entry).bind(f.file_name).bind(f.content_type).bind(f.bytes).bind(now).execute(c).await)?;
    }
    Ok(())
}

/// One complaint by id, to be opened by a decision (`Unchecked::check`).
pub async fn get(db: &Db, id: i64) -> Result<Option<Unchecked<Complaint>>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM complaints WHERE id = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Complaint>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM complaints WHERE id = $1"));
    Ok(on_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// The complaints `scope` may list, newest first, one page (`limit` from
/// `offset`) and how many there are in all: those handled in a region's
/// subtree, or an organisation's once it was asked to answer. `open_only`
/// leaves out the decided ones.
pub async fn list(db: &Db, scope: &Scope, open_only: bool, limit: i64, offset: i64) -> Result<(Vec<Complaint>, i64)> {
    let open = if open_only { " AND status IN ('received', 'investigating', 'awaiting_answer')" } else { "" };
    if let Some(region) = scope.region() {
        let [low, high] = crate::subtree(region);
        let filter = format!("{}{open}", crate::in_subtree("office_code", 1));
        let rows = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM complaints WHERE {filter} ORDER BY id DESC LIMIT $3 OFFSET $4"));
        let total = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM complaints WHERE {filter}"));
        let items = on_db!(db, p => sqlx::query_as(rows).bind(&low).bind(&high).bind(limit).bind(offset).fetch_all(p).await)?;
        let n: i64 = on_db!(db, p => sqlx::query_scalar(total).bind(&low).bind(&high).fetch_one(p).await)?;
        return Ok((items, n));
    }
    let Some(org) = scope.org_id() else { return Ok((Vec::new(), 0)) };
    let filter = format!("org_id = $1 AND shared_with_org{open}");
    let rows = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM complaints WHERE {filter} ORDER BY id DESC LIMIT $2 OFFSET $3"));
    let total = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM complaints WHERE {filter}"));
    let items = on_db!(db, p => sqlx::query_as(rows).bind(org).bind(limit).bind(offset).fetch_all(p).await)?;
    let n: i64 = on_db!(db, p => sqlx::query_scalar(total).bind(org).fetch_one(p).await)?;
    Ok((items, n))
}

/// How many complaints filed with the office of `office` wait for a handler (its 待办).
pub async fn waiting_assignment(db: &Db, office: &RegionCode) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM complaints WHERE office_code = $1 AND status = 'received'";
    Ok(on_db!(db, p => sqlx::query_scalar(sql).bind(office.as_str()).fetch_one(p).await)?)
}

/// How many complaints wait for organisation `org`'s answer (its 待办).
pub async fn awaiting_answer(db: &Db, org: i64) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM complaints WHERE org_id = $1 AND status = 'awaiting_answer'";
    Ok(on_db!(db, p => sqlx::query_scalar(sql).bind(org).fetch_one(p).await)?)
}

/// What anyone holding the receipt may read: no identity, no notes.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PublicStatus {
    pub receipt: String,
    #[sqlx(try_from = "String")]
    pub category: Category,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub filed_at: i64,
    pub due_on: String,
    pub outcome: String,
    pub outcome_summary: String,
    pub rectify_deadline: String,
    pub decided_at: Option<i64>,
    pub closed_at: Option<i64>,
}

/// The public status of the complaint with this receipt.
pub async fn public_status(db: &Db, receipt: &Receipt) -> Result<Option<PublicStatus>> {
    let sql = "SELECT receipt, category, status, filed_at, due_on, outcome, outcome_summary, rectify_deadline, decided_at, closed_at \
               FROM complaints WHERE receipt = $1";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(receipt.as_str()).fetch_optional(p).await)?)
}

/// Opens the complainant's contact for the handling office (the caller has
/// checked `ViewComplainant`) and records the view in the audit trail.
/// `None` for an anonymous complaint.
pub async fn complainant(tx: &mut Tx, actor: &Actor, sealer: &Sealer, c: &Complaint) -> Result<Option<Contact>> {
    if c.anonymous {
        return Ok(None);
    }
    let sql = "SELECT contact_name_sealed, contact_phone_sealed FROM complaints WHERE id = $1";
    let (n, p): (String, String) = on_tx!(tx, conn => sqlx::query_as(sql).bind(c.id).fetch_one(conn).await)?;
    let open = |s: &str| sealer.open(s).map_err(|e| Error::Invalid(e.to_string()));
    let contact = Contact { name: open(&n)?, phone: open(&p)? };
    audit::append(tx, actor, Change {
        region: c.office_code.as_str(),
        action: "complaint.complainant.view",
        entity: "complaint",
        entity_id: &c.id.to_string(),
        before: None,
        after: Some(serde_json::json!({"viewed": ["姓名", "电话"]})),
    })
    .await?;
    Ok(Some(contact))
}

/// The civil-affairs users of an office (who may be assigned), by id.
pub async fn handlers(db: &Db, office: &RegionCode) -> Result<Vec<(i64, String)>> {
    let sql = "SELECT id, display_name FROM users WHERE role = 'civil_affairs' AND region_code = $1 AND active ORDER BY id";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(office.as_str()).fetch_all(p).await)?)
}

/// One step of the handling.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    /// `assign`, `step`, `ask`, `answer`, `close` or `follow_up`.
    pub kind: String,
    pub note: String,
    pub actor: String,
    pub unit: String,
    pub at: i64,
}

impl Entry {
    /// Whether the organisation sees it: the office's question and its own answers.
    pub fn shown_to_org(&self) -> bool {
        shown_to_org(Some(&self.kind))
    }

    pub fn label(&self) -> &'static str {
        match self.kind.as_str() {
            "assign" => "分派",
            "step" => "调查记录",
            "ask" => "要求组织答复",
            "answer" => "组织答复",
            "close" => "办结",
            _ => "整改复查",
        }
    }
}

/// Whether files of an entry of this kind (`None`: the complainant's evidence) are the organisation's to see.
fn shown_to_org(kind: Option<&str>) -> bool {
    matches!(kind, None | Some("ask" | "answer"))
}

/// A complaint's steps, oldest first.
pub async fn entries(db: &Db, id: i64) -> Result<Vec<Entry>> {
    let sql = "SELECT id, kind, note, actor, unit, at FROM complaint_entries WHERE complaint_id = $1 ORDER BY id";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_all(p).await)?)
}

/// A file of a complaint, without its bytes.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct FileInfo {
    pub id: i64,
    /// The entry it belongs to; `None` for the complainant's evidence.
    pub entry_id: Option<i64>,
    pub file_name: String,
    pub content_type: String,
}

/// A complaint's files, in the order they came.
pub async fn files(db: &Db, id: i64) -> Result<Vec<FileInfo>> {
    let sql = "SELECT id, entry_id, file_name, content_type FROM complaint_files WHERE complaint_id = $1 ORDER BY id";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_all(p).await)?)
}

/// A file with its bytes and what deciding who may open it needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredFile {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub complaint_id: i64,
    #[sqlx(try_from = "String")]
    office_code: RegionCode,
    org_id: Option<i64>,
    shared_with_org: bool,
    entry_kind: Option<String>,
}

impl Guarded for StoredFile {
    /// As its complaint; an investigation file as if the organisation had
    /// never been asked, so that only the officers open it.
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        let shared = self.shared_with_org && shown_to_org(self.entry_kind.as_deref());
        authz::decide(who, action, authz::Target::Complaint { office: &self.office_code, org_id: self.org_id, shared })
    }
}

/// One file by id, to be opened by a decision.
pub async fn stored_file(db: &Db, id: i64) -> Result<Option<Unchecked<StoredFile>>> {
    let sql = "SELECT f.id, f.file_name, f.content_type, f.bytes, f.complaint_id, c.office_code, c.org_id, c.shared_with_org, e.kind AS entry_kind \
               FROM complaint_files f JOIN complaints c ON c.id = f.complaint_id LEFT JOIN complaint_entries e ON e.id = f.entry_id WHERE f.id = $1";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

fn changed(c: &Complaint, message: String) -> Error {
    Error::changed(message, c.status.as_str(), c.status.label())
}

/// Locks and reads a complaint for a step, and decides the status it moves to.
async fn begin_step(tx: &mut Tx, id: i64, step: Step) -> Result<(Complaint, Status)> {
    tx.lock(Locked::Complaint, id).await?;
    let before = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("投诉不存在".into()))?;
    let to = complaint::advance(before.status, step).map_err(|m| changed(&before, m))?;
    Ok((before, to))
}

/// Writes a step's entry, files and audit row (after the compare-and-set).
async fn finish_step(tx: &mut Tx, actor: &Actor, before: &Complaint, kind: &str, note: &str, files: &[Upload<'_>], now: i64) -> Result<Complaint> {
    let sql = "INSERT INTO complaint_entries (complaint_id, kind, note, actor, unit, at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id";
    let entry: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).bind(before.id).bind(kind).bind(note).bind(&actor.name).bind(&actor.unit).bind(now).fetch_one(c).await)?;
    add_files(tx, before.id, Some(entry), files, now).await?;
    let after = get_tx(tx, before.id).await?.ok_or_else(|| Error::Invalid("投诉不存在".into()))?;
    audit::append(tx, actor, Change {
        region: before.office_code.as_str(),
        action: &format!("complaint.{kind}"),
        entity: "complaint",
        entity_id: &before.id.to_string(),
        before: Some(serde_json::json!({"status": before.status.as_str()})),
        after: Some(serde_json::json!({
            "status": after.status.as_str(), "note": note, "files": files.len(), "handler": after.handler_name,
            "outcome": after.outcome, "credit_list": after.credit_list,
        })),
    })
    .await?;
    Ok(after)
}

/// Whether the compare-and-set found the complaint still in the status the step was decided from.
fn require_one(rows: u64, before: &Complaint) -> Result<()> {
    if rows == 1 { Ok(()) } else { Err(changed(before, crate::CHANGED_BY_OTHERS.into())) }
}

/// Assigns (or reassigns) a handler: a civil-affairs user of the handling office.
pub async fn assign(tx: &mut Tx, actor: &Actor, id: i64, handler: i64, note: &str) -> Result<Complaint> {
    let (before, to) = begin_step(tx, id, Step::Assign).await?;
    let sql = "SELECT display_name FROM users WHERE id = $1 AND role = 'civil_affairs' AND region_code = $2 AND active";
    let name: Option<String> = on_tx!(tx, c => sqlx::query_scalar(sql).bind(handler).bind(before.office_code.as_str()).fetch_optional(c).await)?;
    let name = name.ok_or_else(|| Error::Invalid("承办人应为本机关民政部门的在用账号".into()))?;
    let now = crate::now();
    let sql = "UPDATE complaints SET status = $1, handler_id = $2, handler_name = $3, updated_at = $4 WHERE id = $5 AND status = $6";
    let rows = on_tx_exec!(tx, c => sqlx::query(sql).bind(to.as_str()).bind(handler).bind(&name).bind(now).bind(id).bind(before.status.as_str()).execute(c).await)?;
    require_one(rows, &before)?;
    let note = if note.trim().is_empty() { format!("承办人：{name}") } else { format!("承办人：{name}。{}", note.trim()) };
    finish_step(tx, actor, &before, "assign", &note, &[], now).await
}

/// Records an investigation step with its documents (the status stays).
pub async fn record(tx: &mut Tx, actor: &Actor, id: i64, note: &str, files: &[Upload<'_>]) -> Result<Complaint> {
    simple_step(tx, actor, id, Step::Record, "step", note, files).await
}

/// Asks the organisation to answer: it sees the complaint (without the complainant) from now on and is told.
pub async fn ask_org(tx: &mut Tx, actor: &Actor, id: i64, note: &str) -> Result<Complaint> {
    let (before, to) = begin_step(tx, id, Step::AskOrg).await?;
    let Some(org) = before.org_id else {
        return Err(Error::Invalid("被投诉对象不是登记在册的社会组织，无法要求其答复".into()));
    };
    let now = crate::now();
    let sql = "UPDATE complaints SET status = $1, shared_with_org = TRUE, updated_at = $2 WHERE id = $3 AND status = $4";
    let rows = on_tx_exec!(tx, c => sqlx::query(sql).bind(to.as_str()).bind(now).bind(id).bind(before.status.as_str()).execute(c).await)?;
    require_one(rows, &before)?;
    let after = finish_step(tx, actor, &before, "ask", note, &[], now).await?;
    let notice = Notice {
        kind: "complaint.asked".into(),
        title: format!("投诉举报待答复：{}", before.category.label()),
        body: "登记管理机关要求贵组织就一件投诉举报作出答复并提供材料。".into(),
        link: format!("/complaints/{id}"),
        dedup_key: None,
    };
    inbox::notify(tx, &Recipient::Org(org), &notice).await?;
    Ok(after)
}

/// The organisation's answer with its evidence; the office is told.
pub async fn answer(tx: &mut Tx, actor: &Actor, id: i64, text: &str, files: &[Upload<'_>]) -> Result<Complaint> {
    let after = simple_step(tx, actor, id, Step::Answer, "answer", text, files).await?;
    let notice = Notice {
        kind: "complaint.answered".into(),
        title: format!("被投诉组织已答复：{}", after.org_name),
        body: String::new(),
        link: format!("/complaints/{id}"),
        dedup_key: None,
    };
    inbox::notify(tx, &Recipient::Unit { region: after.office_code.as_str().into(), role: Some(Role::CivilAffairs) }, &notice).await?;
    Ok(after)
}

/// Records the follow-up of a rectification, which closes the complaint.
pub async fn follow_up(tx: &mut Tx, actor: &Actor, id: i64, note: &str, files: &[Upload<'_>]) -> Result<Complaint> {
    simple_step(tx, actor, id, Step::FollowUp, "follow_up", note, files).await
}

/// A step that changes nothing but the status (and `closed_at` when it closes).
async fn simple_step(tx: &mut Tx, actor: &Actor, id: i64, step: Step, kind: &str, note: &str, files: &[Upload<'_>]) -> Result<Complaint> {
    let (before, to) = begin_step(tx, id, step).await?;
    let now = crate::now();
    let closed_at = (to == Status::Closed).then_some(now);
    let sql = "UPDATE complaints SET status = $1, updated_at = $2, closed_at = COALESCE($3, closed_at) WHERE id = $4 AND status = $5";
    let rows = on_tx_exec!(tx, c => sqlx::query(sql).bind(to.as_str()).bind(now).bind(closed_at).bind(id).bind(before.status.as_str()).execute(c).await)?;
    require_one(rows, &before)?;
    finish_step(tx, actor, &before, kind, note, files, now).await
}

/// Closes with an outcome (rectification: it waits for the follow-up) and,
/// when the outcome says so, puts the organisation on a credit list.
pub async fn close(tx: &mut Tx, actor: &Actor, id: i64, closing: &Closing) -> Result<Complaint> {
    let rectify = matches!(closing.outcome, Outcome::Rectification { .. });
    let (before, to) = begin_step(tx, id, Step::Close { rectify }).await?;
    let (mut deadline, mut doc_no, mut transfer_date, mut unit) = (String::new(), String::new(), String::new(), String::new());
    match &closing.outcome {
        Outcome::Unfounded => {}
        Outcome::Rectification { deadline: d } => deadline = d.format("%Y-%m-%d").to_string(),
        Outcome::Penalty { doc_no: d } => doc_no = d.clone(),
        Outcome::Transfer { on, unit: u } => (transfer_date, unit) = (on.format("%Y-%m-%d").to_string(), u.clone()),
        Outcome::IllegalOrg { unit: u } => unit = u.clone(),
    }
    let (list, credit_doc) = match &closing.credit {
        Some((l, _, d)) if before.org_id.is_some() => (l.as_str(), d.as_str()),
        Some(_) => return Err(Error::Invalid("被投诉对象不是登记在册的社会组织，不能列入信用名单".into())),
        None => ("", ""),
    };
    let now = crate::now();
    let closed_at = (to == Status::Closed).then_some(now);
    let sql = "UPDATE complaints SET status = $1, outcome = $2, outcome_summary = $3, rectify_deadline = $4, doc_no = $5, transfer_date = $6, \
               outcome_unit = $7, credit_list = $8, credit_doc_no = $9, decided_at = $10, closed_at = $11, updated_at = $10 \
               WHERE id = $12 AND status = $13";
    let rows = on_tx_exec!(tx, c => sqlx::query(sql)
        .bind(to.as_str()).bind(closing.outcome.kind()).bind(&closing.summary).bind(&deadline).bind(&doc_no).bind(&transfer_date)
        .bind(&unit).bind(list).bind(credit_doc).bind(now).bind(closed_at).bind(id).bind(before.status.as_str())
        .execute(c).await)?;
    require_one(rows, &before)?;
    if let (Some((l, reason, doc)), Some(org)) = (&closing.credit, before.org_id) {
        tx.lock(Locked::Organization, org).await?;
        let now_on = crate::orgs::get_tx(tx, org).await?.and_then(|o| o.credit_list());
        if now_on == Some(CreditList::Serious) && *l == CreditList::Abnormal {
            return Err(Error::Invalid("该组织已列入严重违法失信名单，不能改列活动异常名录（移出名单请在社会组织页面办理）".into()));
        }
        crate::orgs::set_credit_list(tx, actor, org, Some(*l), &format!("{reason}（{doc}）")).await?;
    }
    let note = format!("{}：{}", closing.outcome.label(), closing.summary);
    finish_step(tx, actor, &before, "close", &note, &[], now).await
}
