//! Duijie's application layer: the operations that pages and the API share.
//!
//! Guarantees:
//! - Nothing here knows HTTP. An operation takes what it needs explicitly (the
//!   caller's [`Principal`](duijie_domain::Principal), the [`Db`](duijie_store::Db),
//!   the [`RegionTree`](duijie_store::regions::RegionTree), the parsed input),
//!   asks `duijie_domain::authz::decide` before it shows or changes a record,
//!   and answers a record outside the caller's scope with [`Error::NotFound`].
//! - Changes are written through `duijie_store` in one transaction, so they are
//!   audited; a refusal leaves nothing written.
//! - Failures are one [`Error`] type that the web layer turns into a page or a
//!   JSON answer.
//!
//! One module per area: [`regions_designations`], [`accounts`], [`registry`],
//! [`actions_liaisons`], [`demand`], [`supply`], [`matching`], [`pairing`],
//! [`inbox`], [`search`]. The areas that come next get their own module here
//! beside them: `reports` (reporting), `cases` and `portal` (cases and the
//! public portal), `supervision`, and `log` (the verifiable log).

pub mod accounts;
pub mod actions_liaisons;
pub mod demand;
pub mod inbox;
pub mod matching;
pub mod pairing;
pub mod registry;
pub mod regions_designations;
pub mod search;
pub mod supply;

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
    /// The platform itself failed (the search index could not be read): not
    /// the caller's doing.
    Internal(String),
}

impl Error {
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
            Error::Conflict(m) => f.write_str(m),
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
