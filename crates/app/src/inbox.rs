//! The inbox (站内消息): notices addressed to an organisation or a government unit.
//!
//! Guarantees: a caller reads and marks read only the notices addressed to
//! them (the store filters by the caller); another recipient's notice answers
//! 404 like a missing one. Reading is not audited: notices are messages, not
//! records.

use crate::Error;
use duijie_domain::Principal;
use duijie_store::Db;
use duijie_store::inbox::{self, Notification};

/// Marks one of the caller's notices read (a second read keeps the first time).
pub async fn mark_read(db: &Db, who: &Principal, id: i64) -> Result<(), Error> {
    if inbox::mark_read(db, who, id).await? { Ok(()) } else { Err(Error::NotFound) }
}

/// Opens one of the caller's notices: loads it and marks it read.
pub async fn open(db: &Db, who: &Principal, id: i64) -> Result<Notification, Error> {
    let notice = inbox::get(db, who, id).await?.ok_or(Error::NotFound)?;
    mark_read(db, who, id).await?;
    Ok(notice)
}
