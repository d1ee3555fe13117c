//! Complaints and their investigation (投诉举报与查处), for the pages and the API.
//!
//! Guarantees:
//! - Filing ([`file`]) needs no account: every field is checked and each
//!   problem named in Chinese on its field; the organisation is read by name
//!   or credit code from the public registry (or the name of an unregistered
//!   group is kept as typed), the place by name or code down to the village;
//!   evidence is at most [`complaint::MAX_FILES`] JPG, PNG or PDF files of at
//!   most [`complaint::MAX_FILE_BYTES`] each, recognised by their bytes. The
//!   contact is sealed before it reaches the store; the receipt is random.
//!   (Throttling per client address is the web layer's, which knows the address.)
//! - Every other operation opens the complaint through `authz` (`open`):
//!   another county's office or another organisation gets `NotFound`; an
//!   office above the handling one sees but does not act (`Forbidden`).
//! - What an organisation is shown ([`detail`]) never holds the complainant's
//!   identity or the office's internal steps: only the complaint, the
//!   office's questions and its own answers, and the outcome. The
//!   complainant's contact is opened only by [`complainant`], for the
//!   handling office, and each opening is audited.
//! - [`public_status`] answers for a receipt with the status, the outcome, what
//!   the office tells the complainant and the dates; a receipt that does not
//!   read or names nothing is `NotFound` alike.

use crate::projects::{EvidenceFile, evidence_type};
use crate::{Error, Platform, open};
use duijie_domain::complaint::{self, Category, Outcome, OutcomeInput, Receipt};
use duijie_domain::{Action, FieldError, Level, Principal, RegionCode, Role};
use duijie_store::complaints::{self, Accused, Complaint, Contact, Entry, FileInfo, NewComplaint, PublicStatus, StoredFile, Upload};
use duijie_store::{Actor, Db};
use serde::Deserialize;

/// A complaint as typed on the public form or sent to the public API.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FilingInput {
    /// 类别：fees（乱收费）、fundraising（违规募捐）、levy（摊派）、false_claims（虚假宣传）、funds（违规使用资金）、illegal（冒用名义/非法社会组织）、other（其他），也可写中文名称。
    #[serde(default)]
    pub category: String,
    /// 被投诉的已登记社会组织：名称或统一社会信用代码（与 `unregistered_name` 二选一）。
    #[serde(default)]
    pub org: String,
    /// 未登记的组织或团体的名称（与 `org` 二选一）。
    #[serde(default)]
    pub unregistered_name: String,
    /// 发生地点：县（市、区）、乡镇或村的名称或区划代码。
    #[serde(default)]
    pub place: String,
    /// 情况描述。
    #[serde(default)]
    pub description: String,
    /// 是否匿名；实名投诉须填写姓名和电话（仅承办机关可见）。
    #[serde(default)]
    pub anonymous: bool,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
}

/// A filed complaint as its complainant is told.
#[derive(Debug, Clone)]
pub struct Filed {
    pub receipt: Receipt,
    pub due_on: chrono::NaiveDate,
    /// The handling office, in words (彝良县民政局).
    pub office: String,
}

fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

/// The types of evidence files, or each bad file named on `field`.
fn check_files(field: &str, files: &[EvidenceFile], errors: &mut Vec<FieldError>) -> Vec<&'static str> {
    if files.len() > complaint::MAX_FILES {
        errors.push(FieldError::new(field, format!("最多上传 {} 个文件", complaint::MAX_FILES)));
    }
    let mut kinds = Vec::new();
    for f in files {
        if f.bytes.len() > complaint::MAX_FILE_BYTES {
            errors.push(FieldError::new(field, format!("文件“{}”超过 {} MB", crate::files::clean_file_name(&f.name), complaint::MAX_FILE_BYTES / 1024 / 1024)));
            continue;
        }
        match evidence_type(&f.name, &f.bytes) {
            Ok(k) => kinds.push(k),
            Err(m) => errors.push(FieldError::new(field, m)),
        }
    }
    kinds
}

/// Files as the store keeps them (names cleaned, types decided).
fn uploads<'a>(files: &'a [EvidenceFile], kinds: &[&'static str], names: &'a [String]) -> Vec<Upload<'a>> {
    files.iter().zip(kinds).zip(names).map(|((f, k), n)| Upload { file_name: n, content_type: k, bytes: &f.bytes }).collect()
}

fn names(files: &[EvidenceFile]) -> Vec<String> {
    files.iter().map(|f| crate::files::clean_file_name(&f.name)).collect()
}

/// The office's name in words: 彝良县民政局, 民政部.
pub fn office_name(p: &Platform, office: &RegionCode) -> String {
    let full = if office.level() == Level::National { String::new() } else { p.tree.full_name(office) };
    duijie_domain::role::unit_name(Role::CivilAffairs, &full, office.level())
}

/// Files a complaint from anyone (see the module header).
pub async fn file(p: &Platform, input: &FilingInput, files: &[EvidenceFile]) -> Result<Filed, Error> {
    let mut errors = Vec::new();
    let category = Category::parse(&input.category);
    if category.is_none() {
        errors.push(FieldError::new("category", "请选择投诉举报类别"));
    }
    let (org_text, free) = (input.org.trim(), input.unregistered_name.trim());
    let accused = match (org_text.is_empty(), free.is_empty()) {
        (true, true) => {
            errors.push(FieldError::new("org", "请填写被投诉的社会组织（名称或统一社会信用代码），或填写未登记组织的名称"));
            None
        }
        (false, false) => {
            errors.push(FieldError::new("unregistered_name", "已填写登记在册的社会组织时，不用再填写未登记组织的名称"));
            None
        }
        (true, false) if too_long(free, 100) => {
            errors.push(FieldError::new("unregistered_name", "名称不能超过 100 字"));
            None
        }
        (true, false) => Some(Accused::Unregistered(free.to_string())),
        (false, true) => {
            let mut text = org_text.to_string();
            match crate::pickers::Typed::org(p, &mut text).await?.into_reason() {
                Some(why) => {
                    errors.push(FieldError::new("org", format!("{why}；如对方未在民政部门登记，请填写在“未登记组织名称”中")));
                    None
                }
                None => match crate::pickers::registered(p, &text, 5).await?.into_iter().find(|o| o.credit_code == text.trim()) {
                    Some(o) => Some(Accused::Registered(o.id)),
                    None => {
                        errors.push(FieldError::new("org", format!("没有统一社会信用代码为“{}”的已登记社会组织；如对方未在民政部门登记，请填写在“未登记组织名称”中", text.trim())));
                        None
                    }
                },
            }
        }
    };
    let mut place_text = input.place.clone();
    let place = match crate::pickers::Typed::region(&p.db, &p.tree, &mut place_text, &RegionCode::national(), Level::Village).await.into_reason() {
        Some(why) => {
            errors.push(FieldError::new("place", why));
            None
        }
        None if place_text.trim().is_empty() => {
            errors.push(FieldError::new("place", "请填写发生地点（县、乡镇或村的名称，或区划代码）"));
            None
        }
        None => match RegionCode::parse(&place_text) {
            Ok(c) if c.level() < Level::County => {
                errors.push(FieldError::new("place", "发生地点请填到县（市、区）、乡镇或村"));
                None
            }
            Ok(c) if c.level() == Level::Village || p.tree.get(&c).is_some() => Some(c),
            Ok(_) => {
                errors.push(FieldError::new("place", format!("没有区划代码 {}", place_text.trim())));
                None
            }
            Err(e) => {
                errors.push(FieldError::new("place", format!("{}：{e}", place_text.trim())));
                None
            }
        },
    };
    let description = input.description.trim();
    if description.is_empty() {
        errors.push(FieldError::new("description", "请描述发生了什么：时间、经过、涉及金额等"));
    } else if too_long(description, complaint::MAX_TEXT) {
        errors.push(FieldError::new("description", format!("情况描述不能超过 {} 字", complaint::MAX_TEXT)));
    }
    errors.extend(complaint::check_contact(input.anonymous, &input.contact_name, &input.contact_phone));
    let kinds = check_files("files", files, &mut errors);
    let (Some(category), Some(accused), Some(place), true) = (category, accused, place, errors.is_empty()) else {
        return Err(Error::Invalid(errors));
    };
    let contact = (!input.anonymous).then(|| Contact { name: input.contact_name.trim().into(), phone: input.contact_phone.trim().into() }.seal(&p.sealer));
    let receipt = Receipt::generate();
    let due_on = complaint::due_on(crate::today());
    let n = NewComplaint { receipt: receipt.clone(), category, accused, place, description: description.to_string(), contact, due_on };
    let names = names(files);
    let actor = Actor { user_id: None, name: "公众".into(), unit: "投诉举报人".into() };
    let mut tx = p.db.begin().await?;
    let (_, office) = complaints::file(&mut tx, &actor, &n, &uploads(files, &kinds, &names)).await.map_err(|e| match e {
        duijie_store::Error::Invalid(m) => Error::field("place", m),
        other => other.into(),
    })?;
    tx.commit().await?;
    Ok(Filed { receipt, due_on, office: office_name(p, &office) })
}

/// The public status of the complaint with this receipt (`NotFound` for a receipt that does not read or names nothing).
pub async fn public_status(db: &Db, receipt: &str) -> Result<PublicStatus, Error> {
    let receipt = Receipt::parse(receipt).ok_or(Error::NotFound)?;
    complaints::public_status(db, &receipt).await?.ok_or(Error::NotFound)
}

/// One page of the complaints the caller may list, newest first, and how
/// many there are in all: a civil-affairs office those handled in its
/// subtree, an organisation those it was asked to answer. Pages count from 1.
pub async fn list(db: &Db, who: &Principal, open_only: bool, page: i64, per_page: i64) -> Result<(Vec<Complaint>, i64), Error> {
    if !may_list(who) {
        return Err(Error::Forbidden);
    }
    let offset = (page.max(1) - 1).saturating_mul(per_page);
    Ok(complaints::list(db, &who.scope(), open_only, per_page, offset).await?)
}

/// Whether the caller has a list of complaints (the menu offers it).
pub fn may_list(who: &Principal) -> bool {
    matches!(who.role(), Role::CivilAffairs | Role::Organization)
}

/// A complaint as the caller may see it.
#[derive(Debug, Clone)]
pub struct Detail {
    pub complaint: Complaint,
    /// The steps the caller may read (an organisation: the questions and its answers).
    pub entries: Vec<Entry>,
    /// The files the caller may open, with the entry they belong to.
    pub files: Vec<FileInfo>,
    /// The handling office in words.
    pub office: String,
    /// Whether the caller handles it (assign, record, ask, close, follow up) and sees who complained.
    pub may_handle: bool,
    /// Whether the caller answers it (the organisation, while asked).
    pub may_answer: bool,
    /// Who may be assigned (for the handling office).
    pub handlers: Vec<(i64, String)>,
}

/// One complaint the caller may see.
pub async fn detail(p: &Platform, who: &Principal, id: i64) -> Result<Detail, Error> {
    let c = open(complaints::get(&p.db, id).await?, who, Action::ViewComplaint)?;
    let may_handle = duijie_domain::authz::Guarded::decide(&c, who, Action::HandleComplaint).is_allowed();
    let may_answer = duijie_domain::authz::Guarded::decide(&c, who, Action::AnswerComplaint).is_allowed()
        && c.status == complaint::Status::AwaitingAnswer;
    let officer = who.role() == Role::CivilAffairs;
    let entries: Vec<Entry> = complaints::entries(&p.db, id).await?.into_iter().filter(|e| officer || e.shown_to_org()).collect();
    let shown: Vec<i64> = entries.iter().map(|e| e.id).collect();
    let files = complaints::files(&p.db, id).await?.into_iter().filter(|f| f.entry_id.is_none_or(|e| shown.contains(&e))).collect();
    let handlers = if may_handle { complaints::handlers(&p.db, &c.office_code).await? } else { Vec::new() };
    Ok(Detail { office: office_name(p, &c.office_code), complaint: c, entries, files, may_handle, may_answer, handlers })
}

/// Opens the complainant's name and phone for the handling office, recorded
/// in the audit trail (`None` for an anonymous complaint).
pub async fn complainant(p: &Platform, who: &Principal, actor: &Actor, id: i64) -> Result<Option<Contact>, Error> {
    let c = open(complaints::get(&p.db, id).await?, who, Action::ViewComplainant)?;
    let mut tx = p.db.begin().await?;
    let contact = complaints::complainant(&mut tx, actor, &p.sealer, &c).await?;
    tx.commit().await?;
    Ok(contact)
}

/// A file of a complaint the caller may open (investigation files: the officers only).
pub async fn stored_file(db: &Db, who: &Principal, file_id: i64) -> Result<StoredFile, Error> {
    open(complaints::stored_file(db, file_id).await?, who, Action::ViewComplaint)
}

/// A store refusal of a step, on the form's field.
fn on_field(field: &'static str) -> impl Fn(duijie_store::Error) -> Error {
    move |e| match e {
        duijie_store::Error::Invalid(m) => Error::field(field, m),
        other => other.into(),
    }
}

fn check_note(field: &str, note: &str, required: &str) -> Result<(), Error> {
    let note = note.trim();
    if !required.is_empty() && note.is_empty() {
        return Err(Error::field(field, required));
    }
    if too_long(note, complaint::MAX_TEXT) {
        return Err(Error::field(field, format!("不能超过 {} 字", complaint::MAX_TEXT)));
    }
    Ok(())
}

async fn handled(db: &Db, who: &Principal, id: i64) -> Result<Complaint, Error> {
    open(complaints::get(db, id).await?, who, Action::HandleComplaint)
}

/// Assigns a handler of the office (the handling office).
pub async fn assign(db: &Db, who: &Principal, actor: &Actor, id: i64, handler: &str, note: &str) -> Result<Complaint, Error> {
    handled(db, who, id).await?;
    let handler: i64 = handler.trim().parse().map_err(|_| Error::field("handler", "请选择承办人"))?;
    check_note("note", note, "")?;
    let mut tx = db.begin().await?;
    let c = complaints::assign(&mut tx, actor, id, handler, note).await.map_err(on_field("handler"))?;
    tx.commit().await?;
    Ok(c)
}

/// Records an investigation step with its documents (the handling office).
pub async fn record_step(db: &Db, who: &Principal, actor: &Actor, id: i64, note: &str, files: &[EvidenceFile]) -> Result<Complaint, Error> {
    handled(db, who, id).await?;
    with_files(db, actor, id, FileStep::Record, note, files).await
}

/// Asks the organisation to answer (the handling office).
pub async fn ask_org(db: &Db, who: &Principal, actor: &Actor, id: i64, note: &str) -> Result<Complaint, Error> {
    handled(db, who, id).await?;
    check_note("note", note, "请写明要求组织说明的问题和答复期限")?;
    let mut tx = db.begin().await?;
    let c = complaints::ask_org(&mut tx, actor, id, note.trim()).await.map_err(on_field("note"))?;
    tx.commit().await?;
    Ok(c)
}

/// The organisation's answer with its evidence.
pub async fn answer(db: &Db, who: &Principal, actor: &Actor, id: i64, text: &str, files: &[EvidenceFile]) -> Result<Complaint, Error> {
    open(complaints::get(db, id).await?, who, Action::AnswerComplaint)?;
    with_files(db, actor, id, FileStep::Answer, text, files).await
}

/// Records the follow-up of a rectification, which closes the complaint (the handling office).
pub async fn follow_up(db: &Db, who: &Principal, actor: &Actor, id: i64, note: &str, files: &[EvidenceFile]) -> Result<Complaint, Error> {
    handled(db, who, id).await?;
    with_files(db, actor, id, FileStep::FollowUp, note, files).await
}

/// The steps that carry a text and documents.
#[derive(Clone, Copy)]
enum FileStep {
    Record,
    Answer,
    FollowUp,
}

impl FileStep {
    /// The form's field of the text, and what it says when the text is missing.
    fn field(self) -> (&'static str, &'static str) {
        match self {
            FileStep::Record => ("note", "请写明调查情况（时间、方式、查明的事实）"),
            FileStep::Answer => ("text", "请填写答复内容"),
            FileStep::FollowUp => ("note", "请写明整改复查的情况"),
        }
    }
}

/// Checks a text and its files, then takes the step in one transaction.
async fn with_files(db: &Db, actor: &Actor, id: i64, step: FileStep, text: &str, files: &[EvidenceFile]) -> Result<Complaint, Error> {
    let (field, required) = step.field();
    let mut errors = Vec::new();
    if let Err(Error::Invalid(e)) = check_note(field, text, required) {
        errors.extend(e);
    }
    let kinds = check_files("files", files, &mut errors);
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let names = names(files);
    let up = uploads(files, &kinds, &names);
    let text = text.trim();
    let mut tx = db.begin().await?;
    let c = match step {
        FileStep::Record => complaints::record(&mut tx, actor, id, text, &up).await,
        FileStep::Answer => complaints::answer(&mut tx, actor, id, text, &up).await,
        FileStep::FollowUp => complaints::follow_up(&mut tx, actor, id, text, &up).await,
    }
    .map_err(on_field(field))?;
    tx.commit().await?;
    Ok(c)
}

/// Closes with an outcome and, if chosen, puts the organisation on a credit list (the handling office).
pub async fn close(db: &Db, who: &Principal, actor: &Actor, id: i64, input: &OutcomeInput) -> Result<Complaint, Error> {
    let c = handled(db, who, id).await?;
    let closing = Outcome::parse(input, c.org_id.is_some(), crate::today()).map_err(Error::Invalid)?;
    let mut tx = db.begin().await?;
    let c = complaints::close(&mut tx, actor, id, &closing).await.map_err(on_field("outcome"))?;
    tx.commit().await?;
    Ok(c)
}
