//! Recommendations and matching: 接单 (an organisation takes a demand, the county confirms), 点单 (a county orders from an offer, the organisation confirms), and the other side's decision.

use super::*;

/// Recommendations for a demand the caller may see.
pub async fn recommend_for_demand(state: &Platform, d: &Demand, limit: usize) -> Result<(Vec<Recommendation>, Vec<Recommendation>), Error> {
    let cat = state.derived.matches().await;
    Ok(cat.recommend_for_demand(d, limit))
}

/// An organisation's own fit for a demand and that of its offers (what it may
/// learn of the demand's recommendations).
pub async fn fit_for_org(state: &Platform, d: &Demand, org_id: i64) -> (Option<Recommendation>, Vec<Recommendation>) {
    state.derived.matches().await.fit_for_org(d, org_id)
}

/// Demands recommended to the caller's organisation.
pub async fn recommend_for_org(state: &Platform, who: &Principal, limit: usize) -> Result<Vec<DemandRecommendation>, Error> {
    let org = who.org_id().filter(|_| who.role() == Role::Organization).ok_or(Error::Forbidden)?;
    let cat = state.derived.matches().await;
    Ok(cat.recommend_for_org(org, limit))
}

/// What a side says when proposing a match.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct MatchInput {
    /// The offer the match uses (点单 always names one; 接单 may).
    #[serde(default)]
    pub offer_id: Option<i64>,
    /// Funds committed in 万元.
    #[serde(default)]
    #[schema(schema_with = crate::schema::wan)]
    pub funds_wan: String,
    #[serde(default)]
    #[schema(schema_with = crate::schema::integer)]
    pub people: String,
    #[serde(default)]
    pub note: String,
}

pub(super) fn proposal(d: &Demand, org_id: i64, i: &MatchInput) -> Result<Proposal, Error> {
    let funds_fen = duijie_domain::pairing::parse_wan(&i.funds_wan).map_err(|m| Error::field("funds_wan", m))?;
    let people = match i.people.trim() {
        "" => 0,
        p => p.parse::<i64>().ok().filter(|n| (0..=100_000).contains(n)).ok_or_else(|| Error::field("people", "派出人数应为整数"))?,
    };
    if i.note.chars().count() > 1000 {
        return Err(Error::field("note", "说明不能超过 1000 字"));
    }
    Ok(Proposal { demand_id: d.id, org_id, offer_id: i.offer_id, funds_fen, people, note: i.note.clone(), ..Proposal::default() })
}

/// The caller's organisation takes a published demand (接单); the county confirms.
pub async fn take(state: &Platform, who: &Principal, actor: &Actor, demand_id: i64, i: &MatchInput) -> Result<i64, Error> {
    let d = visible(state, who, demand_id).await?;
    let org_id = who.org_id().filter(|_| who.role() == Role::Organization).ok_or(Error::Forbidden)?;
    crate::open(duijie_store::orgs::get(&state.db, org_id).await?, who, Action::TakeDemand)?;
    let mut p = proposal(&d, org_id, i)?;
    if let (Some(r), _) = fit_for_org(state, &d, org_id).await {
        p.score = i64::from(r.score.total);
        p.reasons = serde_json::to_string(&r.score.reasons).unwrap_or_default();
    }
    let mut tx = state.db.begin().await?;
    let id = matching::propose(&mut tx, actor, Role::Organization, &p).await.map_err(crate::pairing::form_error)?;
    tx.commit().await?;
    Ok(id)
}

/// A county orders from an offer for one of its demands (点单); the organisation confirms.
pub async fn order(state: &Platform, who: &Principal, actor: &Actor, demand_id: i64, i: &MatchInput) -> Result<i64, Error> {
    let d = visible(state, who, demand_id).await?;
    require(decide(who, Action::OrderOffer, Target::Region(d.region())))?;
    let offer_id = i.offer_id.ok_or_else(|| Error::field("offer_id", "请选择供给项目"))?;
    let offer = crate::open(supply::get(&state.db, offer_id).await?, who, Action::ViewOffer).map_err(|_| Error::field("offer_id", "供给项目不存在"))?;
    let p = proposal(&d, offer.org_id, i)?;
    let mut tx = state.db.begin().await?;
    let id = matching::propose(&mut tx, actor, Role::RuralRevitalization, &p).await.map_err(crate::pairing::form_error)?;
    tx.commit().await?;
    Ok(id)
}

/// The side that did not propose confirms or declines; the proposer may cancel.
pub async fn decide_match(state: &Platform, who: &Principal, actor: &Actor, match_id: i64, confirm: bool, reason: &str) -> Result<Match, Error> {
    let m = crate::open(matching::get(&state.db, match_id).await?, who, Action::DecideMatch)?;
    let county_side = decide(who, Action::OrderOffer, Target::Region(&m.demand_region)).is_allowed();
    let org_side = who.is_org(m.org_id);
    let proposer = match m.initiated_by {
        Initiator::Org => org_side,
        Initiator::County => county_side,
    };
    let mut tx = state.db.begin().await?;
    let after = if proposer {
        if confirm {
            return Err(Error::rejected("对接须由另一方确认"));
        }
        matching::decline(&mut tx, actor, match_id, true, reason).await
    } else if confirm {
        matching::confirm(&mut tx, actor, match_id).await
    } else {
        if reason.trim().is_empty() {
            return Err(Error::field("reason", "请写明不能对接的原因"));
        }
        matching::decline(&mut tx, actor, match_id, false, reason).await
    }
    .map_err(crate::pairing::form_error)?;
    tx.commit().await?;
    Ok(after)
}
