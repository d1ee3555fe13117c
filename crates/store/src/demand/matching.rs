//! Matches (对接): an organisation takes a published demand (接单) and the
//! county confirms, or a county orders from an offer (点单) and the
//! organisation confirms. A confirmed match records both sides, the funds and
//! people committed, marks the demand taken and starts a project record.
//!
//! Guarantees: nobody is assigned — every match is proposed by one side and
//! confirmed by the other; an organisation on a credit list can neither take
//! nor be ordered from; an offer's capacity is never exceeded; a demand is
//! matched once: when one match is confirmed the other pending ones for the
//! same demand are declined with the reason; both sides are told in the inbox;
//! every change is audited.
//!
//! Under concurrency: every change here locks the demand first, then its
//! matches, then the offer ([`crate::db`] explains the order), and the database
//! holds the invariants itself (migration 0005): one confirmed match and one
//! project per demand, one pending match per organisation and demand, and an
//! offer's `taken` counter never above its capacity. Whoever comes second gets
//! `Changed` with the current state.

use super::supply;
use super::{Demand, get_tx as demand_tx};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, Locked, Tx};
use crate::inbox::{self, Notice, Recipient};
use crate::{Error, Result, on_db, on_tx, on_tx_exec};
use duijie_domain::RegionCode;
use duijie_domain::authz::{self, Action, Decision, Guarded, Principal, Unchecked};
use duijie_domain::Role;
use duijie_domain::demand::{Status, Step};
use duijie_domain::matching::{Initiator, MatchStatus, OfferStatus};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Match {
    pub id: i64,
    pub demand_id: i64,
    pub demand_title: String,
    #[sqlx(try_from = "String")]
    pub demand_region: RegionCode,
    pub org_id: i64,
    pub org_name: String,
    pub offer_id: Option<i64>,
    #[sqlx(try_from = "String")]
    pub initiated_by: Initiator,
    #[sqlx(try_from = "String")]
    pub status: MatchStatus,
    pub funds_fen: i64,
    pub people: i64,
    pub note: String,
    pub score: i64,
    /// JSON array of the recommendation's reasons, when it came from one.
    pub reasons: String,
    pub proposed_by: String,
    pub proposed_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decline_reason: String,
}

impl Guarded for Match {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        match action {
            Action::DecideMatch => authz::decide(who, action, authz::Target::Match { demand_region: &self.demand_region, org_id: self.org_id }),
            _ => authz::decide(who, action, authz::Target::Region(&self.demand_region)),
        }
    }
}

impl Match {
    pub fn status_label(&self) -> &'static str {
        self.status.label_for(self.initiated_by)
    }
}

const SELECT: &str = "SELECT m.id, m.demand_id, d.title AS demand_title, d.region_code AS demand_region, m.org_id, o.name AS org_name, \
    m.offer_id, m.initiated_by, m.status, m.funds_fen, m.people, m.note, m.score, m.reasons, m.proposed_by, m.proposed_at, \
    m.decided_by, m.decided_at, m.decline_reason FROM matches m JOIN demands d ON d.id = m.demand_id JOIN organizations o ON o.id = m.org_id";

/// Takes (接单) waiting for a county's confirmation, of demands within `region`'s subtree.
pub async fn pending_takes_within(db: &Db, region: &duijie_domain::RegionCode) -> Result<Vec<Match>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE m.status = 'pending' AND m.initiated_by = 'org' AND {} ORDER BY m.id", crate::in_subtree("d.region_code", 1)));
    let [low, high] = crate::subtree(region);
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(&low).bind(&high).fetch_all(p).await)?)
}

/// One match by id, to be opened by a decision (`Unchecked::check`).
pub async fn get(db: &Db, id: i64) -> Result<Option<Unchecked<Match>>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE m.id = $1"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?.map(Unchecked::new))
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Match>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE m.id = $1"));
    Ok(on_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// Matches of one demand, newest first.
pub async fn of_demand(db: &Db, demand_id: i64) -> Result<Vec<Match>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE m.demand_id = $1 ORDER BY m.id DESC"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(demand_id).fetch_all(p).await)?)
}

/// Matches of one organisation, newest first.
pub async fn of_org(db: &Db, org_id: i64) -> Result<Vec<Match>> {
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE m.org_id = $1 ORDER BY m.id DESC LIMIT 200"));
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(org_id).fetch_all(p).await)?)
}

/// A proposal from one side.
#[derive(Debug, Clone, Default)]
pub struct Proposal {
    pub demand_id: i64,
    pub org_id: i64,
    pub offer_id: Option<i64>,
    pub funds_fen: i64,
    pub people: i64,
    pub note: String,
    pub score: i64,
    pub reasons: String,
}

/// Proposes a match: `side` is who proposes (`Role::Organization` takes, a
/// county officer orders). The other side confirms.
pub async fn propose(tx: &mut Tx, actor: &Actor, side: Role, p: &Proposal) -> Result<i64> {
    tx.lock(Locked::Demand, p.demand_id).await?;
    let demand = demand_tx(tx, p.demand_id).await?.ok_or_else(|| Error::Invalid("需求不存在".into()))?;
    if demand.status() != Status::Published {
        return Err(super::changed(&demand, format!("该需求当前为“{}”，不能对接", demand.status().label())));
    }
    let org = crate::orgs::get_tx(tx, p.org_id).await?.ok_or_else(|| Error::Invalid("社会组织不存在".into()))?;
    if let Some(why) = crate::pairing::refusal(&org) {
        return Err(Error::Invalid(why));
    }
    if let Some(offer_id) = p.offer_id {
        let offer = supply::get_tx(tx, offer_id).await?.ok_or_else(|| Error::Invalid("供给项目不存在".into()))?;
        if offer.org_id != org.id || offer.status != OfferStatus::Published {
            return Err(Error::Invalid("该供给项目不可用".into()));
        }
        if offer.capacity_left() <= 0 {
            return Err(Error::Invalid("该供给项目可承接的需求数已满".into()));
        }
    }
    let dup = "SELECT COUNT(*) FROM matches WHERE demand_id = $1 AND org_id = $2 AND status = 'pending'";
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar(dup).bind(demand.id).bind(org.id).fetch_one(c).await)?;
    const DUPLICATE: &str = "该组织与该需求已有待确认的对接";
    if n > 0 {
        return Err(super::changed(&demand, DUPLICATE.into()));
    }
    let initiated = if side == Role::Organization { Initiator::Org } else { Initiator::County };
    let sql = "INSERT INTO matches (demand_id, org_id, offer_id, initiated_by, status, funds_fen, people, note, score, reasons, proposed_by, proposed_at) \
               VALUES ($1,$2,$3,$4,'pending',$5,$6,$7,$8,$9,$10,$11) RETURNING id";
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).bind(demand.id).bind(org.id).bind(p.offer_id).bind(initiated.as_str())
        .bind(p.funds_fen).bind(p.people).bind(p.note.trim()).bind(p.score).bind(&p.reasons).bind(&actor.unit).bind(crate::now())
        .fetch_one(c).await)
        .map_err(|e| Error::from(e).unique_as_changed(DUPLICATE, demand.status().as_str(), demand.status().label()))?;
    let after = get_tx(tx, id).await?;
    audit::append(tx, actor, Change { region: demand.region_code.as_str(), action: &format!("match.propose_by_{}", initiated.as_str()), entity: "match", entity_id: &id.to_string(), before: None, after: after.as_ref().map(|m| serde_json::json!(m)) }).await?;
    let link = format!("/demands/{}", demand.id);
    if initiated == Initiator::Org {
        let to = Recipient::Unit { region: demand.unit_region.as_str().into(), role: Some(Role::RuralRevitalization) };
        inbox::notify(tx, &to, &Notice { kind: "match.taken".into(), title: format!("{}申请承接需求，请确认：{}", org.name, demand.title), body: p.note.trim().to_string(), link, dedup_key: None }).await?;
    } else {
        inbox::notify(tx, &Recipient::Org(org.id), &Notice { kind: "match.ordered".into(), title: format!("县级点单，请确认是否承接：{}", demand.title), body: p.note.trim().to_string(), link, dedup_key: None }).await?;
    }
    Ok(id)
}

/// The other side confirms: the match is made, the demand taken, a project started.
pub async fn confirm(tx: &mut Tx, actor: &Actor, id: i64) -> Result<Match> {
    let before = lock(tx, id).await?;
    if before.status != MatchStatus::Pending {
        return Err(match_changed(&before, format!("该对接{}，不能再确认", before.status_label())));
    }
    let org = crate::orgs::get_tx(tx, before.org_id).await?.ok_or_else(|| Error::Invalid("社会组织不存在".into()))?;
    if let Some(why) = crate::pairing::refusal(&org) {
        return Err(Error::Invalid(why));
    }
    let now = crate::now();
    if let Some(offer_id) = before.offer_id {
        // The counter and its CHECK (taken <= capacity) decide; the row lock makes a second
        // confirmation wait and then find the offer full.
        let sql = "UPDATE offers SET taken = taken + 1, updated_at = $1 WHERE id = $2 AND taken < capacity";
        if on_tx_exec!(tx, c => sqlx::query(sql).bind(now).bind(offer_id).execute(c).await)? == 0 {
            let offer = supply::get_tx(tx, offer_id).await?.ok_or_else(|| Error::Invalid("供给项目不存在".into()))?;
            return Err(Error::Changed {
                message: "该供给项目可承接的需求数已满".into(),
                current: serde_json::json!({"status": offer.status, "status_label": offer.status_label(), "capacity": offer.capacity, "taken": offer.taken}),
            });
        }
    }
    let demand: Demand = super::step(tx, actor, before.demand_id, Step::Take, &format!("与{}对接成功", org.name), now).await?;
    let sql = "UPDATE matches SET status = 'confirmed', decided_by = $1, decided_at = $2 WHERE id = $3 AND status = 'pending'";
    let n = on_tx_exec!(tx, c => sqlx::query(sql).bind(&actor.unit).bind(now).bind(id).execute(c).await)
        .map_err(|e| Error::from(e).unique_as_changed(crate::CHANGED_BY_OTHERS, demand.status().as_str(), demand.status().label()))?;
    if n == 0 {
        return Err(super::changed(&demand, crate::CHANGED_BY_OTHERS.into()));
    }
    let others = "UPDATE matches SET status = 'declined', decided_by = $1, decided_at = $2, decline_reason = '该需求已由其他组织承接' \
                  WHERE demand_id = $3 AND status = 'pending' AND id <> $4";
    on_tx_exec!(tx, c => sqlx::query(others).bind(&actor.unit).bind(now).bind(before.demand_id).bind(id).execute(c).await)?;
    let project = "INSERT INTO projects (match_id, demand_id, org_id, region_code, title, field, funds_fen, people, beneficiaries, status, created_at, \
                   mode, created_by, is_demo, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,'planned',$10,$11,$12,$13,$10)";
    let funds = if before.funds_fen > 0 { before.funds_fen } else { demand.funds_fen };
    on_tx_exec!(tx, c => sqlx::query(project).bind(id).bind(demand.id).bind(org.id).bind(demand.region_code.as_str()).bind(&demand.title)
        .bind(&demand.field).bind(funds).bind(before.people).bind(demand.beneficiary_count).bind(now).bind(&demand.mode).bind(&actor.unit).bind(demand.is_demo).execute(c).await)
        .map_err(|e| Error::from(e).unique_as_changed(crate::CHANGED_BY_OTHERS, demand.status().as_str(), demand.status().label()))?;
    let after = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("对接记录不存在".into()))?;
    audit::append(tx, actor, Change { region: demand.region_code.as_str(), action: "match.confirm", entity: "match", entity_id: &id.to_string(), before: Some(serde_json::json!(before)), after: Some(serde_json::json!(after)) }).await?;
    let title = format!("对接成功：{} 承接“{}”", org.name, demand.title);
    let link = format!("/demands/{}", demand.id);
    inbox::notify(tx, &Recipient::Org(org.id), &Notice { kind: "match.confirmed".into(), title: title.clone(), body: String::new(), link: link.clone(), dedup_key: None }).await?;
    let unit = Recipient::Unit { region: demand.unit_region.as_str().into(), role: Some(Role::RuralRevitalization) };
    inbox::notify(tx, &unit, &Notice { kind: "match.confirmed".into(), title, body: String::new(), link, dedup_key: None }).await?;
    Ok(after)
}

/// The other side declines (or the proposer cancels) with a reason.
pub async fn decline(tx: &mut Tx, actor: &Actor, id: i64, cancel: bool, reason: &str) -> Result<Match> {
    let before = lock(tx, id).await?;
    if before.status != MatchStatus::Pending {
        return Err(match_changed(&before, format!("该对接{}，不能再变更", before.status_label())));
    }
    let status = if cancel { "cancelled" } else { "declined" };
    let sql = "UPDATE matches SET status = $1, decided_by = $2, decided_at = $3, decline_reason = $4 WHERE id = $5 AND status = 'pending'";
    let n = on_tx_exec!(tx, c => sqlx::query(sql).bind(status).bind(&actor.unit).bind(crate::now()).bind(reason.trim()).bind(id).execute(c).await)?;
    if n == 0 {
        return Err(match_changed(&before, crate::CHANGED_BY_OTHERS.into()));
    }
    let after = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("对接记录不存在".into()))?;
    audit::append(tx, actor, Change { region: before.demand_region.as_str(), action: &format!("match.{status}"), entity: "match", entity_id: &id.to_string(), before: Some(serde_json::json!(before)), after: Some(serde_json::json!(after)) }).await?;
    if !cancel {
        let to = match before.initiated_by {
            Initiator::Org => Recipient::Org(before.org_id),
            Initiator::County => Recipient::Unit { region: before.demand_region.as_str().chars().take(6).collect(), role: Some(Role::RuralRevitalization) },
        };
        inbox::notify(tx, &to, &Notice { kind: "match.declined".into(), title: format!("对接未达成：{}", before.demand_title), body: reason.trim().to_string(), link: format!("/demands/{}", before.demand_id), dedup_key: None }).await?;
    }
    Ok(after)
}

/// Dissolves the confirmed match `id` because the organisation stopped its
/// project: the match is cancelled with the reason, and the offer it came
/// from gets its place back. The caller holds the demand's lock and moves the
/// demand itself ([`super::step`] with `Step::Reopen`).
pub async fn release(tx: &mut Tx, actor: &Actor, id: i64, reason: &str, at: i64) -> Result<Match> {
    tx.lock(Locked::Match, id).await?;
    let before = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("对接记录不存在".into()))?;
    let sql = "UPDATE matches SET status = 'cancelled', decline_reason = $1 WHERE id = $2 AND status = 'confirmed'";
    if on_tx_exec!(tx, c => sqlx::query(sql).bind(reason).bind(id).execute(c).await)? == 0 {
        return Err(match_changed(&before, crate::CHANGED_BY_OTHERS.into()));
    }
    if let Some(offer_id) = before.offer_id {
        tx.lock(Locked::Offer, offer_id).await?;
        let sql = "UPDATE offers SET taken = taken - 1, updated_at = $1 WHERE id = $2 AND taken > 0";
        on_tx_exec!(tx, c => sqlx::query(sql).bind(at).bind(offer_id).execute(c).await)?;
    }
    let after = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("对接记录不存在".into()))?;
    audit::append(tx, actor, Change { region: before.demand_region.as_str(), action: "match.release", entity: "match", entity_id: &id.to_string(), before: Some(serde_json::json!(before)), after: Some(serde_json::json!(after)) }).await?;
    Ok(after)
}

/// Locks a match the way every change here does — its demand, then the
/// demand's pending matches and this one, in id order — and reads it.
async fn lock(tx: &mut Tx, id: i64) -> Result<Match> {
    let demand_id = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("对接记录不存在".into()))?.demand_id;
    tx.lock(Locked::Demand, demand_id).await?;
    tx.lock_all("SELECT id FROM matches WHERE demand_id = $1 AND status = 'pending' ORDER BY id", demand_id).await?;
    tx.lock(Locked::Match, id).await?;
    get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("对接记录不存在".into()))
}

fn match_changed(m: &Match, message: String) -> Error {
    Error::Changed { message, current: serde_json::json!({"status": m.status, "status_label": m.status_label()}) }
}

/// A project started by a confirmed match (the reporting work builds on it);
/// a demand reopened after its project stopped may have had several, the newest first.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Project {
    pub id: i64,
    pub match_id: i64,
    pub demand_id: i64,
    pub org_id: i64,
    pub region_code: String,
    pub title: String,
    pub field: String,
    pub funds_fen: i64,
    pub people: i64,
    pub beneficiaries: i64,
    #[sqlx(try_from = "String")]
    pub status: duijie_domain::project::Status,
    pub created_at: i64,
}

pub async fn project_of_demand(db: &Db, demand_id: i64) -> Result<Option<Project>> {
    let sql = "SELECT id, match_id, demand_id, org_id, region_code, title, field, funds_fen, people, beneficiaries, status, created_at \
               FROM projects WHERE demand_id = $1 ORDER BY id DESC LIMIT 1";
    Ok(on_db!(db, p => sqlx::query_as(sql).bind(demand_id).fetch_optional(p).await)?)
}

/// Marks the project of a demand started or done along with the demand (the
/// demand page's 开始实施 / 确认完成). The project moves only from a state the
/// step allows, in the same conditional way `projects::add_progress` and
/// `projects::confirm` move it: a stopped or finished project is not moved, and
/// the whole step is refused (the caller's transaction writes nothing).
pub async fn advance_project(tx: &mut Tx, actor: &Actor, demand_id: i64, step: Step) -> Result<Demand> {
    let now = crate::now();
    let d = super::step(tx, actor, demand_id, step, "", now).await?;
    let moved = match step {
        Step::Start => {
            let sql = "UPDATE projects SET status = 'in_progress', started_at = COALESCE(started_at, $1), updated_at = $1, version = version + 1 \
                       WHERE demand_id = $2 AND status = 'planned'";
            on_tx_exec!(tx, c => sqlx::query(sql).bind(now).bind(demand_id).execute(c).await)?
        }
        Step::Finish => {
            let sql = "UPDATE projects SET status = 'done', started_at = COALESCE(started_at, $1), done_at = $1, confirmed_by = $2, updated_at = $1, version = version + 1 \
                       WHERE demand_id = $3 AND status IN ('planned', 'in_progress')";
            on_tx_exec!(tx, c => sqlx::query(sql).bind(now).bind(&actor.unit).bind(demand_id).execute(c).await)?
        }
        _ => return Err(Error::Invalid("项目只能开始实施或确认完成".into())),
    };
    if moved == 0 {
        let sql = "SELECT status FROM projects WHERE demand_id = $1 ORDER BY id DESC LIMIT 1";
        let status: Option<String> = on_tx!(tx, c => sqlx::query_scalar(sql).bind(demand_id).fetch_optional(c).await)?;
        let label = status.as_deref().and_then(duijie_domain::project::Status::parse).map_or("不存在", |s| s.label());
        return Err(Error::Invalid(format!("该需求的帮扶项目{label}，不能{}", step.label())));
    }
    Ok(d)
}
