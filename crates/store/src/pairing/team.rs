//! Group pairing (组团式帮扶, "一对多"、"多对一"): a team (帮扶团) of organisations
//! with a lead, for one or several counties of one batch. A team is a
//! `pairing_teams` row and the ordinary county pairings that carry its id, one
//! per member and county; each states the member's share (its role, and its
//! funds in `funds_fen`).
//!
//! Guarantees:
//! - [`create`] writes the team and every member × county pairing in the
//!   caller's transaction, each through [`super::propose`] (so every check,
//!   event, audit row and notice of a single proposal applies), plus the
//!   team's own audit row `pairing_team.create`; one refused pairing refuses
//!   the whole team. A team's name is unique in its batch and a member pairs
//!   once with each county of its team (unique indexes, so concurrent
//!   submissions cannot both pass).
//! - The team adds no state of its own: each member pairing moves through the
//!   ordinary steps (`super::step`), consented to by its organisation and its
//!   county.
//! - [`attach_signed`] stores the team's signed agreement once and takes the
//!   `Sign` step on each given pairing, all or nothing; audited as
//!   `pairing_team.sign` besides each pairing's own `pairing.sign`.
//! - A loaded team is opened by `Action::ViewTeam` (whoever may see one of
//!   its pairings sees the team — its members, shares and steps, since they
//!   are parties to one agreement); each member pairing is still opened, and
//!   acted on, only as its own decisions allow.

use super::{NewPairing, Pairing, SELECT};
use crate::audit::{self, Actor, Change};
use crate::db::{Db, Locked, Tx};
use crate::{Error, Result, on_db, on_tx, on_tx_exec};
use duijie_domain::authz::{self, Action, Decision, Guarded, Principal, Target, TeamParty, Unchecked};
use duijie_domain::pairing::{Kind, Step, advance};
use duijie_domain::RegionCode;
use serde::Serialize;

/// A team with its member pairings (in the order they were proposed).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Team {
    pub id: i64,
    pub batch_id: i64,
    pub batch_name: String,
    pub name: String,
    /// The county, or the smallest region holding all its counties.
    pub region_code: String,
    pub lead_org_id: i64,
    pub lead_name: String,
    pub created_by: String,
    pub created_at: i64,
    #[sqlx(skip)]
    #[serde(skip)]
    pub pairings: Vec<Pairing>,
}

impl Guarded for Team {
    fn decide(&self, who: &Principal, action: Action) -> Decision {
        let parties: Vec<TeamParty> = self.pairings.iter().map(|p| TeamParty { org_id: p.org_id, org_region: p.org_region().clone(), target: p.target().clone() }).collect();
        authz::decide(who, action, Target::Team { lead_org_id: self.lead_org_id, pairings: &parties })
    }
}

impl Team {
    /// "组团：镇雄县教育帮扶团（牵头：…）", as lists show a team.
    pub fn label(&self) -> String {
        label(&self.name, &self.lead_name)
    }

    /// The counties of the team, in the order of its pairings.
    pub fn counties(&self) -> Vec<RegionCode> {
        let mut out: Vec<RegionCode> = Vec::new();
        for p in &self.pairings {
            let c = p.county();
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }
}

/// How lists name a team and its lead.
pub fn label(team: &str, lead: &str) -> String {
    format!("组团：{team}（牵头：{lead}）")
}

const COLUMNS: &str = "SELECT t.id, t.batch_id, b.name AS batch_name, t.name, t.region_code, t.lead_org_id, o.name AS lead_name, \
    t.created_by, t.created_at FROM pairing_teams t JOIN pairing_batches b ON b.id = t.batch_id JOIN organizations o ON o.id = t.lead_org_id";

/// One team by id with its pairings, to be opened by a decision.
pub async fn get(db: &Db, id: i64) -> Result<Option<Unchecked<Team>>> {
    let sql = sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE t.id = $1"));
    let Some(mut team): Option<Team> = on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)? else { return Ok(None) };
    let sql = sqlx::AssertSqlSafe(format!("{SELECT} WHERE p.team_id = $1 ORDER BY p.id"));
    team.pairings = on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_all(p).await)?;
    Ok(Some(Unchecked::new(team)))
}

async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<Team>> {
    let sql = sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE t.id = $1"));
    Ok(on_tx!(tx, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await)?)
}

/// One member of a new team and its share.
#[derive(Debug, Clone, Default)]
pub struct NewMember {
    pub org_id: i64,
    /// 分工, e.g. "产业帮扶".
    pub role: String,
    pub funds_fen: i64,
}

/// What a new team needs.
#[derive(Debug, Clone, Default)]
pub struct NewTeam {
    pub batch_id: i64,
    pub name: String,
    pub lead_org_id: i64,
    pub members: Vec<NewMember>,
    pub counties: Vec<RegionCode>,
    /// The team's common commitments, written into every member pairing.
    pub commitments: String,
    /// The organisation that forms the team itself (its consent is given).
    pub org_consents: Option<i64>,
    /// The county whose officer forms the team (that county's consent is given).
    pub county_consents: Option<RegionCode>,
}

/// The smallest region holding every county.
fn common_region(counties: &[RegionCode]) -> RegionCode {
    let Some(first) = counties.first() else { return RegionCode::national() };
    first.ancestry().into_iter().rev().find(|a| counties.iter().all(|c| a.contains(c))).unwrap_or_else(RegionCode::national)
}

/// Creates the team and its proposed pairings (see the module header).
pub async fn create(tx: &mut Tx, actor: &Actor, n: &NewTeam) -> Result<i64> {
    let name = n.name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(Error::Invalid("帮扶团名称应为 1–40 字".into()));
    }
    if n.members.is_empty() || n.counties.is_empty() {
        return Err(Error::Invalid("帮扶团须有成员和结对县".into()));
    }
    if !n.members.iter().any(|m| m.org_id == n.lead_org_id) {
        return Err(Error::Invalid("牵头单位须是帮扶团成员".into()));
    }
    let region = common_region(&n.counties);
    let sql = "INSERT INTO pairing_teams (batch_id, name, region_code, lead_org_id, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id";
    let res: std::result::Result<i64, sqlx::Error> = on_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(n.batch_id).bind(name).bind(region.as_str()).bind(n.lead_org_id).bind(&actor.unit).bind(crate::now()).fetch_one(c).await);
    let id = match res.map_err(Error::from) {
        Err(e) if e.is_unique_violation() => return Err(Error::Conflict(format!("本批次已有名为“{name}”的帮扶团"))),
        other => other?,
    };
    let team = get_tx(tx, id).await?.ok_or_else(|| Error::Invalid("帮扶团不存在".into()))?;
    let mut after = serde_json::json!(team);
    after["members"] = serde_json::json!(n.members.iter().map(|m| serde_json::json!({"org_id": m.org_id, "team_role": m.role.trim(), "funds_fen": m.funds_fen})).collect::<Vec<_>>());
    after["regions"] = serde_json::json!(n.counties.iter().map(|c| c.as_str()).collect::<Vec<_>>());
    audit::append(tx, actor, Change { region: region.as_str(), action: "pairing_team.create", entity: "pairing_team", entity_id: &id.to_string(), before: None, after: Some(after) }).await?;
    for county in &n.counties {
        for m in &n.members {
            let p = NewPairing {
                batch_id: n.batch_id,
                kind: Some(Kind::County),
                org_id: m.org_id,
                region: Some(county.clone()),
                team_id: Some(id),
                team_role: m.role.clone(),
                commitments: n.commitments.clone(),
                funds_fen: m.funds_fen,
                org_consents: n.org_consents == Some(m.org_id),
                county_consents: n.county_consents.as_ref() == Some(county),
                provenance: format!("组团：{name}"),
                ..NewPairing::default()
            };
            match super::propose(tx, actor, &p).await {
                Ok(_) => {}
                Err(Error::Invalid(m2) | Error::Conflict(m2)) => {
                    let org: Option<String> = on_tx!(tx, c => sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1").bind(m.org_id).fetch_optional(c).await)?;
                    let place = super::region_name(tx, county).await?;
                    return Err(Error::Invalid(format!("{}与{place}：{m2}", org.unwrap_or_default())));
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(id)
}

/// Stores the team's signed agreement once and signs each of `pairing_ids`
/// (pairings of this team, consented or already signed); returns them signed.
pub async fn attach_signed(tx: &mut Tx, actor: &Actor, team_id: i64, pairing_ids: &[i64], file_name: &str, content_type: &str, bytes: &[u8]) -> Result<Vec<Pairing>> {
    let mut ids = pairing_ids.to_vec();
    ids.sort_unstable();
    for id in &ids {
        tx.lock(Locked::Pairing, *id).await?;
        let p = super::get_tx(tx, *id).await?.filter(|p| p.team_id == Some(team_id)).ok_or_else(|| Error::Invalid("结对不属于该帮扶团".into()))?;
        advance(p.status(), p.consents(), Step::Sign).map_err(|m| Error::changed(format!("{}：{m}", p.org_name), p.status().as_str(), p.status().label()))?;
    }
    let sql = "INSERT INTO pairing_files (team_id, kind, file_name, content_type, bytes, uploaded_by, uploaded_at) VALUES ($1,'signed_agreement',$2,$3,$4,$5,$6) RETURNING id";
    let file: i64 = on_tx!(tx, c => sqlx::query_scalar(sql).bind(team_id).bind(file_name).bind(content_type).bind(bytes)
        .bind(&actor.unit).bind(crate::now()).fetch_one(c).await)?;
    let mut out = Vec::new();
    for id in &ids {
        let sql = "UPDATE pairings SET signed_file_id = $1 WHERE id = $2";
        on_tx_exec!(tx, c => sqlx::query(sql).bind(file).bind(*id).execute(c).await)?;
        out.push(super::apply_step(tx, actor, *id, Step::Sign, &format!("上传帮扶团已签协议：{file_name}"), crate::now()).await?);
    }
    let team = get_tx(tx, team_id).await?.ok_or_else(|| Error::Invalid("帮扶团不存在".into()))?;
    audit::append(tx, actor, Change {
        region: team.region_code.as_str(),
        action: "pairing_team.sign",
        entity: "pairing_team",
        entity_id: &team_id.to_string(),
        before: None,
        after: Some(serde_json::json!({"signed_file_id": file, "file_name": file_name, "pairing_ids": ids})),
    })
    .await?;
    Ok(out)
}
