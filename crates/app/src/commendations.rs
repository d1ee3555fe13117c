//! Commendations (表彰, issue 13): a civil-affairs or rural-revitalisation
//! office records a commendation — title, 文号, date — with the organisations
//! it commends and what each is commended for; commended organisations show it
//! on their profile.
//!
//! Guarantees:
//! - Recording is `Commend` on the office's own region (an office records in
//!   its own name only); every organisation named must be one the office sees
//!   (`ViewOrganization`: registered within its subtree), else that line is
//!   refused by name.
//! - [`check`] names every bad field in Chinese (title, 文号, a date that is
//!   not a date or lies ahead, each organisation line); nothing is written
//!   unless all are good, and then in one transaction with its audit row.
//! - Commendations are public acts: anyone logged in sees those on a profile.

use crate::{Error, Platform, require};
use duijie_domain::authz::{Action, Target, decide};
use duijie_domain::{FieldError, Principal};
use duijie_store::Actor;
use duijie_store::commendations::{self as store, Commendation, Commended, NewCommendation};

/// What an office records (page form, API body).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct CommendInput {
    /// 表彰名称，如“2026年度社会组织参与乡村振兴先进集体”。
    #[serde(default)]
    pub title: String,
    /// 文号，如“云民发〔2026〕12号”。
    #[serde(default)]
    pub doc_no: String,
    /// 表彰日期，YYYY-MM-DD。
    #[serde(default)]
    pub issued_on: String,
    /// 受表彰的社会组织，每行一个：组织全称或统一社会信用代码，空格后写受表彰的项目或事迹（选填）。
    #[serde(default)]
    pub orgs: String,
}

const TITLE_MAX: usize = 100;
const DOC_NO_MAX: usize = 50;
const CITATION_MAX: usize = 200;
/// The most commendations a list shows.
const LIST_LIMIT: i64 = 200;

/// The most organisations one commendation names.
pub const ORGS_MAX: usize = 500;

/// The commendation the input describes, or every bad field named.
pub async fn check(p: &Platform, who: &Principal, input: &CommendInput) -> Result<(String, String, String, Vec<(i64, String)>), Error> {
    let mut errors = Vec::new();
    let title = input.title.trim().to_string();
    if title.is_empty() {
        errors.push(FieldError::new("title", "请填写表彰名称"));
    } else if title.chars().count() > TITLE_MAX {
        errors.push(FieldError::new("title", format!("表彰名称最多 {TITLE_MAX} 字")));
    }
    let doc_no = input.doc_no.trim().to_string();
    if doc_no.is_empty() {
        errors.push(FieldError::new("doc_no", "请填写表彰文件的文号"));
    } else if doc_no.chars().count() > DOC_NO_MAX {
        errors.push(FieldError::new("doc_no", format!("文号最多 {DOC_NO_MAX} 字")));
    }
    let issued_on = match duijie_domain::date::parse_date(&input.issued_on) {
        Some(d) if d > crate::today() => {
            errors.push(FieldError::new("issued_on", "表彰日期不能晚于今天"));
            String::new()
        }
        Some(d) => d.format("%Y-%m-%d").to_string(),
        None => {
            errors.push(FieldError::new("issued_on", "请填写表彰日期（年-月-日，如 2026-11-20）"));
            String::new()
        }
    };
    let lines: Vec<&str> = input.orgs.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let mut orgs: Vec<(i64, String)> = Vec::new();
    let mut problems = Vec::new();
    if lines.is_empty() {
        problems.push("请至少填写一个受表彰的社会组织".to_string());
    } else if lines.len() > ORGS_MAX {
        problems.push(format!("一次最多 {ORGS_MAX} 个组织"));
    } else {
        for (n, line) in lines.iter().enumerate() {
            let (name, citation) = line.split_once(char::is_whitespace).map_or((*line, ""), |(a, b)| (a, b.trim()));
            let mut text = name.to_string();
            if let Some(why) = crate::pickers::Typed::org(p, &mut text).await?.into_reason() {
                problems.push(format!("第 {} 行：{why}", n + 1));
                continue;
            }
            let org = match duijie_store::orgs::by_credit_code(&p.db, text.trim()).await? {
                Some(loaded) => match loaded.check(who, Action::ViewOrganization) {
                    Ok(o) => o,
                    Err(_) => {
                        problems.push(format!("第 {} 行：“{name}”不在本单位登记管理范围内", n + 1));
                        continue;
                    }
                },
                None => {
                    problems.push(format!("第 {} 行：平台上没有统一社会信用代码为“{name}”的社会组织", n + 1));
                    continue;
                }
            };
            if citation.chars().count() > CITATION_MAX {
                problems.push(format!("第 {} 行：受表彰的项目或事迹最多 {CITATION_MAX} 字", n + 1));
            } else if orgs.iter().any(|(id, _)| *id == org.id) {
                problems.push(format!("第 {} 行：“{}”重复", n + 1, org.name));
            } else {
                orgs.push((org.id, citation.to_string()));
            }
        }
    }
    if !problems.is_empty() {
        errors.push(FieldError::new("orgs", problems.join("；")));
    }
    if errors.is_empty() { Ok((title, doc_no, issued_on, orgs)) } else { Err(Error::Invalid(errors)) }
}

/// Whether `who` records commendations (its own department's).
pub fn may_commend(who: &Principal) -> bool {
    decide(who, Action::Commend, Target::Region(who.region())).is_allowed()
}

/// Records a commendation in the name of the caller's office.
pub async fn record(p: &Platform, who: &Principal, actor: &Actor, input: &CommendInput) -> Result<i64, Error> {
    require(decide(who, Action::Commend, Target::Region(who.region())))?;
    let (title, doc_no, issued_on, orgs) = check(p, who, input).await?;
    let mut tx = p.db.begin().await?;
    let id = store::create(&mut tx, actor, &NewCommendation { region: who.region(), title: &title, doc_no: &doc_no, issued_on: &issued_on, orgs: &orgs }).await?;
    tx.commit().await?;
    Ok(id)
}

/// The commendations issued within the caller's region, with the organisations they name.
pub async fn list(p: &Platform, who: &Principal) -> Result<Vec<(Commendation, Vec<Commended>)>, Error> {
    if !(who.role().is_department() || who.role() == duijie_domain::Role::Admin) {
        return Err(Error::Forbidden);
    }
    let all = store::list(&p.db, who.region(), LIST_LIMIT).await?;
    let mut named: std::collections::HashMap<i64, Vec<Commended>> = std::collections::HashMap::new();
    for n in store::commended(&p.db, who.region(), LIST_LIMIT).await? {
        named.entry(n.commendation_id).or_default().push(n);
    }
    Ok(all
        .into_iter()
        .map(|c| {
            let orgs = named.remove(&c.id).unwrap_or_default();
            (c, orgs)
        })
        .collect())
}

/// An organisation's commendations (public acts: whoever may see its profile).
pub async fn of_org(p: &Platform, org_id: i64) -> Result<Vec<(Commendation, String)>, Error> {
    Ok(store::of_org(&p.db, org_id).await?)
}
