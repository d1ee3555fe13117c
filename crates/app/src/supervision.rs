//! Supervision (监管预警, issue 13): the daily run of the flag rules, the
//! offices' flag lists, and their handling of a flag.
//!
//! Guarantees:
//! - [`run_daily`] runs the rules at most once a day whichever server calls it
//!   (`store::supervision::claim_day`); [`run`] runs them now (the CLI, tests).
//!   Either is idempotent: running twice leaves the flags of one run.
//! - Listing decides access once: only the civil-affairs and
//!   rural-revitalisation offices and administrators list flags, and they list
//!   those over their own subtree (by the organisation's registering region or
//!   the region concerned); anyone else gets `Forbidden`, never a list.
//! - A flag is opened through `ViewFlag` and handled through `HandleFlag`; a
//!   flag outside the caller's scope is `NotFound`. Every step is checked by
//!   `duijie_domain::supervision::Status::after` and written with its audit row.

use crate::{Error, open};
use duijie_domain::authz::{Action, Decision};
use duijie_domain::supervision::{Rule, Status, Step};
use duijie_domain::{FieldError, Principal, Role};
use duijie_store::supervision::{self as store, Applied, Filter, Flag, FlagStep};
use duijie_store::{Actor, Db};

/// The daily job's name in `daily_jobs`.
pub const JOB: &str = "supervision_flags";

/// Runs the rules now and applies what they find.
pub async fn run(db: &Db) -> Result<Applied, Error> {
    let now = duijie_store::now();
    let today = crate::today().format("%Y-%m-%d").to_string();
    let found = store::findings(db, &today, now).await?;
    Ok(store::apply(db, &Actor::system("监管预警"), &found, now).await?)
}

/// Runs the rules if no server has run them today; `None` if one has.
pub async fn run_daily(db: &Db) -> Result<Option<Applied>, Error> {
    let today = crate::today().format("%Y-%m-%d").to_string();
    if !store::claim_day(db, JOB, &today, duijie_store::now()).await? {
        return Ok(None);
    }
    let applied = run(db).await?;
    store::finish_day(db, JOB, &today, duijie_store::now()).await?;
    Ok(Some(applied))
}

/// What a list asks for (page query, API query).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 预警规则代码（agreement_overdue、pairing_idle、listed_still_active、project_figures、report_overdue、complaint_overdue），不填为全部。
    #[serde(default)]
    pub rule: String,
    /// 填 all 时包括已消除和已办结的预警（历史）。
    #[serde(default)]
    pub show: String,
}

impl ListQuery {
    fn filter(&self) -> Result<Filter, Error> {
        let rule = match self.rule.trim() {
            "" => None,
            r => Some(Rule::parse(r).ok_or_else(|| Error::field("rule", format!("没有“{r}”这条预警规则")))?),
        };
        Ok(Filter { rule, all: self.show.trim() == "all" })
    }
}

/// The most flags one list shows.
pub const LIST_LIMIT: i64 = 500;

/// The flags the caller's office supervises, newest first.
pub async fn list(db: &Db, who: &Principal, q: &ListQuery) -> Result<Vec<Flag>, Error> {
    if !(who.role().is_department() || who.role() == Role::Admin) {
        return Err(Error::Forbidden);
    }
    Ok(store::list(db, who.region(), q.filter()?, LIST_LIMIT).await?)
}

/// A flag with its handling, and whether the caller may handle it.
pub struct FlagDetail {
    pub flag: Flag,
    pub steps: Vec<FlagStep>,
    pub may_handle: bool,
}

/// One flag, for its page and the API.
pub async fn detail(db: &Db, who: &Principal, id: i64) -> Result<FlagDetail, Error> {
    let loaded = store::get(db, id).await?;
    let may_handle = loaded.as_ref().is_some_and(|l| l.decision(who, Action::HandleFlag) == Decision::Allow);
    let flag = open(loaded, who, Action::ViewFlag)?;
    let steps = store::steps(db, flag.id).await?;
    Ok(FlagDetail { may_handle: may_handle && flag.status != Status::Closed, flag, steps })
}

/// A step an officer takes (page form, API body).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct StepInput {
    /// acknowledge（知悉）、note（备注）或 close（办结）。
    #[serde(default)]
    pub step: String,
    /// 说明：备注和办结必填（如何核实、如何处理）。
    #[serde(default)]
    pub note: String,
}

/// The most characters of a note.
const NOTE_MAX: usize = 2000;

/// Takes a step on a flag the caller may handle.
pub async fn step(db: &Db, who: &Principal, actor: &Actor, id: i64, input: &StepInput) -> Result<FlagDetail, Error> {
    let flag = open(store::get(db, id).await?, who, Action::HandleFlag)?;
    let mut errors = Vec::new();
    let step = Step::parse(&input.step);
    if step.is_none() {
        errors.push(FieldError::new("step", "请选择处理方式：知悉、备注或办结"));
    }
    let note = input.note.trim();
    if step.is_some_and(Step::needs_note) && note.is_empty() {
        errors.push(FieldError::new("note", "请填写说明（如何核实、如何处理）"));
    }
    if note.chars().count() > NOTE_MAX {
        errors.push(FieldError::new("note", format!("说明最多 {NOTE_MAX} 字")));
    }
    let Some(step) = step.filter(|_| errors.is_empty()) else { return Err(Error::Invalid(errors)) };
    let mut tx = db.begin().await?;
    store::step(&mut tx, actor, &flag, step, note).await?;
    tx.commit().await?;
    detail(db, who, id).await
}
