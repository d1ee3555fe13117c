//! Duijie's application layer: the operations that pages and the API share.
//!
//! Guarantees:
//! - Nothing here knows HTTP. An operation takes what it needs explicitly (the
//!   caller's [`Principal`](duijie_domain::Principal), the [`Db`](duijie_store::Db),
//!   the [`RegionTree`](duijie_store::regions::RegionTree), the parsed input —
//!   or the [`Platform`] when it reads the catalogues or the search index),
//!   asks `duijie_domain::authz::decide` before it shows or changes a record,
//!   and answers a record outside the caller's scope with [`Error::NotFound`].
//! - Changes are written through `duijie_store` in one transaction, so they are
//!   audited; a refusal leaves nothing written.
//! - Failures are one [`Error`] type that the web layer turns into a page or a
//!   JSON answer.
//!
//! One module per area: [`regions_designations`], [`accounts`], [`registry`],
//! [`actions_liaisons`], [`demand`] (demands, the supply library and matching),
//! [`pairing`], [`projects`] (帮扶项目 and their progress), [`inbox`], [`search`], [`todo`] (待办), [`log`] (the verifiable log), [`monitoring`] (the export to the national monitoring system), [`complaints`] (投诉举报与查处: public filing, the handling office's investigation, the organisation's answer, outcomes and credit lists), [`supervision`] (监管预警: the daily flag rules and the offices' handling), [`commendations`] (表彰); [`derived`] keeps the catalogues and the
//! index in step with the database, [`figures`] keeps the dashboard's project figures, [`files`] names and recognises uploads, [`thumbnail`] makes evidence pictures'
//! thumbnails, and [`schema`] describes the inputs'
//! numeric fields to the API. The areas that come next get their own module here
//! beside them: `reports` (reporting), `cases` and `portal` (cases and the
//! public portal).

pub mod accounts;
pub mod actions_liaisons;
pub mod commendations;
pub mod complaints;
pub mod demand;
pub mod derived;
pub mod figures;
pub mod files;
pub mod inbox;
pub mod log;
pub mod monitoring;
pub mod pairing;
pub mod pickers;
pub mod projects;
pub mod reports;
pub mod registry;
pub mod regions_designations;
pub mod schema;
pub mod search;
pub mod supervision;
pub mod thumbnail;
pub mod todo;

use duijie_store::Db;
use duijie_store::regions::RegionTree;
use std::sync::Arc;

/// What the operations that need more than the database run against: the
/// database, the region tree, the derived data (catalogues and the full-text
/// index) and the platform's settings. One per running server.
pub struct Platform {
    pub db: Db,
    pub tree: Arc<RegionTree>,
    pub derived: Arc<derived::Derived>,
    /// Seals households' personal data.
    pub sealer: duijie_domain::sealing::Sealer,
    /// Who publishes demands.
    pub demand_approval: duijie_domain::authz::DemandApproval,
    /// The dashboard's project figures, kept while the projects do not change.
    pub figures: figures::Kept,
}

use duijie_domain::authz::{Action, Guarded, Unchecked};
use duijie_domain::{Decision, FieldError, Principal};

/// Why an operation did not happen.
#[derive(Debug)]
pub enum Error {
    /// Missing, or outside the caller's scope (the two are indistinguishable).
    NotFound,
    /// Visible to the caller but not permitted.
    Forbidden,
    /// Field-level validation failures, in Chinese.
    Invalid(Vec<FieldError>),
    /// The record's state does not allow the operation (message in Chinese).
    Conflict(String),
    /// What the store answered.
    Store(duijie_store::Error),
    /// A request refused as a whole, with the reason in Chinese (an offer
    /// taken off the shelf by the department, a match the proposer tries to
    /// confirm itself).
    Rejected(String),
    /// The platform itself failed (the search index could not be read): not
    /// the caller's doing.
    Internal(String),
}

impl Error {
    /// A refusal of the whole request.
    pub fn rejected(message: impl Into<String>) -> Error {
        Error::Rejected(message.into())
    }

    /// What a person reads about it, in Chinese (a row of an import names it so).
    pub fn message(&self) -> String {
        use duijie_store::Error as S;
        match self {
            Error::NotFound => "页面或记录不存在，或不在您的管辖范围内".into(),
            Error::Forbidden => "您没有执行此操作的权限".into(),
            Error::Invalid(fs) => fs.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("；"),
            Error::Conflict(m) | Error::Rejected(m) | Error::Store(S::Conflict(m) | S::Invalid(m) | S::Changed { message: m, .. }) => m.clone(),
            Error::Store(e) if e.is_retryable() => "系统繁忙，请稍后重试".into(),
            Error::Store(e) if e.is_unique_violation() => duijie_store::CHANGED_BY_OTHERS.into(),
            Error::Store(_) | Error::Internal(_) => "系统内部错误，请稍后再试".into(),
        }
    }

    /// One bad field.
    pub fn field(field: &str, message: impl Into<String>) -> Error {
        Error::Invalid(vec![FieldError::new(field, message)])
    }
}

impl From<duijie_store::Error> for Error {
    fn from(e: duijie_store::Error) -> Error {
        Error::Store(e)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NotFound => f.write_str("not found"),
            Error::Forbidden => f.write_str("forbidden"),
            Error::Invalid(fs) => f.write_str(&fs.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")),
            Error::Conflict(m) | Error::Rejected(m) => f.write_str(m),
            Error::Store(e) => e.fmt(f),
            Error::Internal(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

/// An authorisation decision as a result: allow, or the matching error (404
/// for what the caller may not see, 403 for what it sees but may not do).
pub fn require(d: Decision) -> Result<(), Error> {
    match d {
        Decision::Allow => Ok(()),
        Decision::Forbidden => Err(Error::Forbidden),
        Decision::NotFound => Err(Error::NotFound),
    }
}

/// Opens a record the store loaded by id for `who` doing `action`: a missing
/// record and one the caller may not see are both `NotFound`, one it sees but
/// may not act on is `Forbidden`. The only way from `store::…::get` to a
/// record on a person's behalf.
pub fn open<T: Guarded>(loaded: Option<Unchecked<T>>, who: &Principal, action: Action) -> Result<T, Error> {
    let record = loaded.ok_or(Error::NotFound)?;
    record.check(who, action).map_err(|d| require(d).expect_err("check refused"))
}

/// Today's date in Beijing time (deadlines and reporting periods are Beijing dates).
pub fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}
