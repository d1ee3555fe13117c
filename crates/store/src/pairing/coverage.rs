//! Coverage of a set of target counties by county pairings (百会结百县, the
//! national 160-county list, Yunnan's "129 个县全覆盖").
//!
//! Guarantees: the target set is read from current designations (dated data) or
//! from the region tree (every county of a province or prefecture, statistical
//! functional zones excluded); a county counts as covered by the organisations
//! whose county pairing is agreed, signed or active (`Status::covers`); every
//! target county appears once, covered or not, in code order; a covering
//! pairing is counted and shown only when the caller's `visible` test lets it
//! (the web layer: on a published list, or a pairing the caller may open);
//! a team's members (组团式) stand together under the team's name.

use crate::db::Db;
use crate::regions::RegionTree;
use crate::{Result, designations, on_db};
use duijie_domain::pairing::{Targets, is_functional_zone};
use duijie_domain::{Level, RegionCode};
use serde::Serialize;
use std::collections::BTreeMap;

/// A target county.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetCounty {
    pub code: String,
    pub name: String,
    pub full_name: String,
}

/// The counties a target spec names, in code order.
pub async fn target_counties(db: &Db, tree: &RegionTree, targets: &Targets) -> Result<Vec<TargetCounty>> {
    let node = |code: &RegionCode| {
        tree.get(code).map(|n| TargetCounty { code: n.code.to_string(), name: n.name.clone(), full_name: n.full_name.clone() })
    };
    let mut out: Vec<TargetCounty> = match targets {
        Targets::Designated { kind, within } => designations::current_of_kind(db, kind, within)
            .await?
            .into_iter()
            .filter_map(|d| RegionCode::try_from(d.region_code).ok())
            .filter(|c| c.level() == Level::County)
            .filter_map(|c| node(&c))
            .collect(),
        Targets::Counties { within } => {
            let mut v = Vec::new();
            let mut stack = vec![within.clone()];
            while let Some(c) = stack.pop() {
                for child in tree.children(&c) {
                    match child.level {
                        Level::County if !is_functional_zone(child.code.as_str()) => v.extend(node(&child.code)),
                        Level::Province | Level::Prefecture => stack.push(child.code.clone()),
                        _ => {}
                    }
                }
            }
            v
        }
    };
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out.dedup_by(|a, b| a.code == b.code);
    Ok(out)
}

/// One organisation covering a county.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Covering {
    pub pairing_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub fields: String,
    pub status: String,
    pub county_code: String,
    /// The pairing's organisation's registering region and its target, for
    /// deciding who may see it.
    pub org_region: String,
    pub region_code: String,
    /// On a published list (public from then on).
    pub listed: bool,
    /// Group pairing: the team, its name and its lead's name ("" outside a team).
    pub team_id: Option<i64>,
    pub team_name: String,
    pub team_lead: String,
}

/// A target county and who covers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountyCoverage {
    #[serde(flatten)]
    pub county: TargetCounty,
    pub organizations: Vec<Covering>,
}

impl CountyCoverage {
    /// 0 (未结对), 1 (一家), 2+ (多家).
    pub fn count(&self) -> usize {
        self.organizations.len()
    }
}

/// How many target counties have no, one, or several organisations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub targets: usize,
    pub none: usize,
    pub one: usize,
    pub several: usize,
}

impl Summary {
    pub fn of(rows: &[CountyCoverage]) -> Summary {
        let mut s = Summary { targets: rows.len(), ..Summary::default() };
        for r in rows {
            match r.count() {
                0 => s.none += 1,
                1 => s.one += 1,
                _ => s.several += 1,
            }
        }
        s
    }
}

/// Every target county with the organisations covering it, as far as
/// `visible` lets the caller see each pairing.
pub async fn coverage(db: &Db, tree: &RegionTree, targets: &Targets, visible: impl Fn(&Covering) -> bool) -> Result<Vec<CountyCoverage>> {
    let counties = target_counties(db, tree, targets).await?;
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT p.id AS pairing_id, p.org_id, o.name AS org_name, p.fields, p.status, p.county_code, p.org_region, p.region_code, \
         p.listed_at IS NOT NULL AS listed, p.team_id, COALESCE(t.name, '') AS team_name, COALESCE(lo.name, '') AS team_lead FROM pairings p \
         JOIN organizations o ON o.id = p.org_id LEFT JOIN pairing_teams t ON t.id = p.team_id LEFT JOIN organizations lo ON lo.id = t.lead_org_id \
         WHERE p.kind = 'county' AND p.status IN ('consented','signed','active') \
         AND {} ORDER BY p.county_code, COALESCE(t.name, o.name), o.name",
        crate::in_subtree("p.county_code", 1)
    ));
    let [low, high] = crate::subtree(targets.within());
    let rows: Vec<Covering> = on_db!(db, p => sqlx::query_as(sql).bind(&low).bind(&high).fetch_all(p).await)?;
    let mut by_county: BTreeMap<String, Vec<Covering>> = BTreeMap::new();
    for r in rows.into_iter().filter(|r| visible(r)) {
        by_county.entry(r.county_code.clone()).or_default().push(r);
    }
    Ok(counties.into_iter().map(|c| CountyCoverage { organizations: by_county.remove(&c.code).unwrap_or_default(), county: c }).collect())
}
