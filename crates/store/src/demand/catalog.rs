//! The matching catalogue: what recommendations and the success rate need of
//! every demand, organisation and offer, in memory, kept up to date from the
//! database.
//!
//! Guarantees:
//! - [`MatchCatalog::sync`] applies everything committed since the last sync
//!   (demands, offers, organisations, 结对意愿, pairings, finished projects,
//!   east–west ties), so a committed change is seen by the next request;
//!   nothing is cached that the database does not hold.
//! - Recommendations never include an organisation that may not take new work
//!   (credit lists, unapproved, deregistered); every score comes from
//!   `duijie_domain::matching::score` with its reasons.
//! - The success rate for a region and period is defined once ([`DEFINITION`])
//!   and computed from the same facts as [`success_rate_sql`], which recomputes
//!   it directly in SQL so anyone can check it.

use super::Demand;
use super::supply::Offer;
use crate::db::Db;
use crate::{Result, on_db};
use duijie_domain::demand::Status;
use duijie_domain::matching::{self, DemandFacts, OfferFacts, Score, SupplierFacts};
use duijie_domain::org::FIELDS;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The success rate, as shown beside the number.
pub const DEFINITION: &str = "供需对接成功率 = 统计期内发布的需求中、截至期末已对接成功（社会组织承接并经双方确认）的需求数 ÷ 统计期内发布的需求数。\
    统计范围为所选地区及其下级地区；已撤回的需求仍计入分母。";

/// Published and not matched this long (days): flagged as long unmatched.
pub const LONG_UNMATCHED_DAYS: i64 = 60;

const SYNC_MARGIN_SECONDS: i64 = 2;

#[derive(Debug, Clone)]
struct DemandEntry {
    region: Box<str>,
    field: u8,
    status: Status,
    funds_fen: i64,
    urgency: u8,
    published_at: Option<i64>,
    matched_at: Option<i64>,
}

#[derive(Debug, Clone, Default)]
struct OrgEntry {
    region: String,
    fields: Vec<String>,
    eligible: bool,
    preferred: Vec<String>,
    paired: Vec<String>,
    delivered: u32,
}

#[derive(Debug, Clone)]
struct OfferEntry {
    org_id: i64,
    published: bool,
    fields: Vec<String>,
    regions: Vec<String>,
    funds_fen: i64,
    capacity_left: i64,
}

/// One recommended organisation or offer, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    pub org_id: i64,
    pub offer_id: Option<i64>,
    pub score: Score,
}

/// One recommended demand for an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemandRecommendation {
    pub demand_id: i64,
    pub score: Score,
}

/// Published, matched and the rate, for one group.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rate {
    pub key: String,
    pub published: u64,
    pub matched: u64,
    /// matched ÷ published, 0 when nothing was published.
    pub rate: f64,
}

impl Rate {
    fn add(&mut self, matched: bool) {
        self.published += 1;
        if matched {
            self.matched += 1;
        }
    }

    fn finish(mut self) -> Rate {
        self.rate = if self.published == 0 { 0.0 } else { self.matched as f64 / self.published as f64 };
        self
    }

    /// 62.5% as shown.
    pub fn percent(&self) -> String {
        format!("{:.1}%", self.rate * 100.0)
    }
}

/// The success rate of a region and period, broken down.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SuccessRate {
    pub region: String,
    pub from: i64,
    pub to: i64,
    pub total: Rate,
    /// By child region (code → counts), in code order.
    pub by_region: Vec<Rate>,
    /// By field, in the order of `FIELDS`.
    pub by_field: Vec<Rate>,
    /// Published demands without a match for more than `LONG_UNMATCHED_DAYS`.
    pub long_unmatched: u64,
    pub definition: &'static str,
}

#[derive(Default)]
pub struct MatchCatalog {
    demands: HashMap<i64, DemandEntry>,
    /// Published demands by field, for recommending demands to organisations.
    published_by_field: Vec<BTreeSet<i64>>,
    orgs: HashMap<i64, OrgEntry>,
    offers: HashMap<i64, OfferEntry>,
    /// Organisations and offers by field: a demand scores only those sharing its field.
    orgs_by_field: Vec<BTreeSet<i64>>,
    offers_by_field: Vec<BTreeSet<i64>>,
    /// (east province, west province).
    ties: HashSet<(String, String)>,
    last_sync: i64,
}

fn field_index(f: &str) -> u8 {
    FIELDS.iter().position(|x| *x == f).unwrap_or(FIELDS.len()) as u8
}

fn province(code: &str) -> &str {
    &code[..code.len().min(2)]
}

impl MatchCatalog {
    pub async fn load(db: &Db) -> Result<MatchCatalog> {
        let by_field = || vec![BTreeSet::new(); FIELDS.len() + 1];
        let mut c = MatchCatalog { published_by_field: by_field(), orgs_by_field: by_field(), offers_by_field: by_field(), last_sync: i64::MIN / 2, ..Default::default() };
        c.sync(db).await?;
        Ok(c)
    }

    pub fn demand_count(&self) -> usize {
        self.demands.len()
    }

    /// Applies what was committed since the last sync; returns how many rows were read.
    pub async fn sync(&mut self, db: &Db) -> Result<usize> {
        let now = crate::now();
        let since = self.last_sync - SYNC_MARGIN_SECONDS;
        let mut n = 0;
        for d in super::changed_since(db, since).await? {
            self.put_demand(&d);
            n += 1;
        }
        for o in crate::orgs::changed_since(db, since).await? {
            let e = self.orgs.entry(o.id).or_default();
            for f in &e.fields {
                self.orgs_by_field[field_index(f) as usize].remove(&o.id);
            }
            e.region = o.region_code.clone();
            e.fields = o.fields.split('、').filter(|s| !s.is_empty()).map(str::to_string).collect();
            e.eligible = crate::pairing::refusal(&o).is_none();
            for f in &e.fields {
                self.orgs_by_field[field_index(f) as usize].insert(o.id);
            }
            n += 1;
        }
        for f in super::supply::changed_since(db, since).await? {
            self.put_offer(&f);
            n += 1;
        }
        let intents: Vec<(i64, String)> = on_db!(db, p => sqlx::query_as("SELECT org_id, preferred FROM pairing_intents WHERE updated_at >= $1").bind(since).fetch_all(p).await)?;
        for (org, pref) in intents {
            self.orgs.entry(org).or_default().preferred = pref.split('、').filter(|s| !s.is_empty()).map(str::to_string).collect();
        }
        let touched: Vec<i64> = on_db!(db, p => sqlx::query_scalar("SELECT DISTINCT org_id FROM pairings WHERE updated_at >= $1").bind(since).fetch_all(p).await)?;
        if !touched.is_empty() {
            let all: Vec<(i64, String)> = if touched.len() > 500 {
                on_db!(db, p => sqlx::query_as("SELECT org_id, county_code FROM pairings WHERE kind = 'county' AND status IN ('consented','signed','active')").fetch_all(p).await)?
            } else {
                let mut v = Vec::new();
                for org in &touched {
                    let rows: Vec<(i64, String)> = on_db!(db, p => sqlx::query_as("SELECT org_id, county_code FROM pairings WHERE org_id = $1 AND kind = 'county' AND status IN ('consented','signed','active')").bind(*org).fetch_all(p).await)?;
                    v.extend(rows);
                }
                v
            };
            for org in &touched {
                self.orgs.entry(*org).or_default().paired.clear();
            }
            for (org, county) in all {
                self.orgs.entry(org).or_default().paired.push(county);
            }
        }
        let done: Vec<(i64, i64)> = on_db!(db, p => sqlx::query_as("SELECT org_id, COUNT(*) FROM projects WHERE status = 'done' AND org_id IN (SELECT org_id FROM projects WHERE done_at >= $1) GROUP BY org_id").bind(since).fetch_all(p).await)?;
        for (org, count) in done {
            self.orgs.entry(org).or_default().delivered = count as u32;
        }
        let ties: Vec<(String, String)> = on_db!(db, p => sqlx::query_as("SELECT east_code, west_code FROM cooperation_ties").fetch_all(p).await)?;
        self.ties = ties.into_iter().collect();
        self.last_sync = now;
        Ok(n)
    }

    fn put_demand(&mut self, d: &Demand) {
        let field = field_index(&d.field);
        if let Some(old) = self.demands.get(&d.id) {
            self.published_by_field[old.field as usize].remove(&d.id);
        }
        let status = d.status();
        if status == Status::Published {
            self.published_by_field[field as usize].insert(d.id);
        }
        self.demands.insert(d.id, DemandEntry {
            region: d.region_code.clone().into_boxed_str(),
            field,
            status,
            funds_fen: d.funds_fen,
            urgency: d.urgency.clamp(0, 9) as u8,
            published_at: d.published_at,
            matched_at: d.matched_at,
        });
    }

    fn put_offer(&mut self, f: &Offer) {
        if let Some(old) = self.offers.get(&f.id) {
            for x in &old.fields {
                self.offers_by_field[field_index(x) as usize].remove(&f.id);
            }
        }
        for x in f.fields_list() {
            self.offers_by_field[field_index(&x) as usize].insert(f.id);
        }
        self.offers.insert(f.id, OfferEntry {
            org_id: f.org_id,
            published: f.status == "published",
            fields: f.fields_list(),
            regions: f.regions_list(),
            funds_fen: f.funds_fen,
            capacity_left: f.capacity_left(),
        });
    }

    fn tied(&self, org_region: &str, demand_region: &str) -> bool {
        // A handful of ties: comparing in place beats allocating a key per candidate.
        let (o, d) = (province(org_region), province(demand_region));
        !o.is_empty() && self.ties.iter().any(|(east, west)| east == o && west == d)
    }

    fn supplier<'a>(&'a self, o: &'a OrgEntry, d: &DemandFacts, offer: Option<OfferFacts<'a>>, fields: &'a [String]) -> SupplierFacts<'a> {
        SupplierFacts {
            org_region: &o.region,
            fields,
            preferred: &o.preferred,
            paired_counties: &o.paired,
            tie: self.tied(&o.region, d.region),
            delivered: o.delivered,
            offer,
        }
    }

    /// Organisations and offers recommended for a demand, best first (`limit` of each).
    /// Every candidate is ranked by its total; only the best are explained.
    pub fn recommend_for_demand(&self, d: &Demand, limit: usize) -> (Vec<Recommendation>, Vec<Recommendation>) {
        let facts = DemandFacts { region: &d.region_code, field: &d.field, funds_fen: d.funds_fen };
        let field = field_index(&d.field) as usize;
        let mut orgs: Vec<(i32, i64)> = self.orgs_by_field[field]
            .iter()
            .filter_map(|id| self.orgs.get(id).filter(|o| o.eligible).map(|o| (id, o)))
            .filter_map(|(id, o)| matching::total(&facts, &self.supplier(o, &facts, None, &o.fields)).map(|t| (t, *id)))
            .collect();
        let mut offers: Vec<(i32, i64)> = self.offers_by_field[field]
            .iter()
            .filter_map(|id| self.offers.get(id).filter(|f| f.published).map(|f| (id, f)))
            .filter_map(|(id, f)| {
                let o = self.orgs.get(&f.org_id).filter(|o| o.eligible)?;
                matching::total(&facts, &self.supplier(o, &facts, Some(self.offer_facts(f)), &f.fields)).map(|t| (t, *id))
            })
            .collect();
        let best = |v: &mut Vec<(i32, i64)>| {
            let by = |a: &(i32, i64), b: &(i32, i64)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
            if v.len() > limit {
                v.select_nth_unstable_by(limit, by);
                v.truncate(limit);
            }
            v.sort_by(by);
        };
        best(&mut orgs);
        best(&mut offers);
        let orgs = orgs
            .into_iter()
            .filter_map(|(_, id)| {
                let o = self.orgs.get(&id)?;
                matching::score(&facts, &self.supplier(o, &facts, None, &o.fields)).map(|score| Recommendation { org_id: id, offer_id: None, score })
            })
            .collect();
        let offers = offers
            .into_iter()
            .filter_map(|(_, id)| {
                let f = self.offers.get(&id)?;
                let o = self.orgs.get(&f.org_id)?;
                matching::score(&facts, &self.supplier(o, &facts, Some(self.offer_facts(f)), &f.fields)).map(|score| Recommendation { org_id: f.org_id, offer_id: Some(id), score })
            })
            .collect();
        (orgs, offers)
    }

    fn offer_facts<'a>(&self, f: &'a OfferEntry) -> OfferFacts<'a> {
        OfferFacts { target_regions: &f.regions, funds_fen: f.funds_fen, capacity_left: f.capacity_left }
    }

    /// Published demands recommended to an organisation, best first; empty if it may not take work.
    pub fn recommend_for_org(&self, org_id: i64, limit: usize) -> Vec<DemandRecommendation> {
        let Some(o) = self.orgs.get(&org_id).filter(|o| o.eligible) else { return Vec::new() };
        let mut ranked: Vec<(i32, u8, i64)> = Vec::new();
        let mut seen = HashSet::new();
        for f in &o.fields {
            let Some(ids) = self.published_by_field.get(field_index(f) as usize) else { continue };
            for id in ids {
                let Some(d) = self.demands.get(id) else { continue };
                let facts = DemandFacts { region: &d.region, field: FIELDS.get(d.field as usize).copied().unwrap_or(""), funds_fen: d.funds_fen };
                if let Some(t) = matching::total(&facts, &self.supplier(o, &facts, None, &o.fields))
                    && seen.insert(*id)
                {
                    ranked.push((t, d.urgency, *id));
                }
            }
        }
        let by = |a: &(i32, u8, i64), b: &(i32, u8, i64)| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(b.2.cmp(&a.2));
        if ranked.len() > limit {
            ranked.select_nth_unstable_by(limit, by);
            ranked.truncate(limit);
        }
        ranked.sort_by(by);
        ranked
            .into_iter()
            .filter_map(|(_, _, id)| {
                let d = self.demands.get(&id)?;
                let facts = DemandFacts { region: &d.region, field: FIELDS.get(d.field as usize).copied().unwrap_or(""), funds_fen: d.funds_fen };
                matching::score(&facts, &self.supplier(o, &facts, None, &o.fields)).map(|score| DemandRecommendation { demand_id: id, score })
            })
            .collect()
    }

    /// The success rate of `region`'s subtree for demands published in `[from, to]` (see [`DEFINITION`]).
    pub fn success_rate(&self, region: &str, child_len: usize, from: i64, to: i64, now: i64) -> SuccessRate {
        let mut total = Rate { key: region.to_string(), ..Rate::default() };
        let mut by_region: HashMap<&str, Rate> = HashMap::new();
        let mut by_field: Vec<Rate> = FIELDS.iter().map(|f| Rate { key: f.to_string(), ..Rate::default() }).collect();
        let mut long = 0;
        let stale = now - LONG_UNMATCHED_DAYS * 86_400;
        for d in self.demands.values() {
            if !d.region.starts_with(region) {
                continue;
            }
            if d.status == Status::Published && d.published_at.is_some_and(|p| p < stale) {
                long += 1;
            }
            let Some(p) = d.published_at else { continue };
            if p < from || p > to {
                continue;
            }
            let matched = d.matched_at.is_some_and(|m| m <= to);
            total.add(matched);
            if d.region.len() >= child_len && child_len > region.len() {
                by_region.entry(&d.region[..child_len]).or_insert_with(|| Rate { key: d.region[..child_len].to_string(), ..Rate::default() }).add(matched);
            }
            if let Some(r) = by_field.get_mut(d.field as usize) {
                r.add(matched);
            }
        }
        let mut regions: Vec<Rate> = by_region.into_values().map(Rate::finish).collect();
        regions.sort_by(|a, b| a.key.cmp(&b.key));
        SuccessRate {
            region: region.to_string(),
            from,
            to,
            total: total.finish(),
            by_region: regions,
            by_field: by_field.into_iter().map(Rate::finish).collect(),
            long_unmatched: long,
            definition: DEFINITION,
        }
    }

    /// Ids of published demands in `region` unmatched for longer than `LONG_UNMATCHED_DAYS`, oldest first.
    pub fn long_unmatched(&self, region: &str, now: i64, limit: usize) -> Vec<i64> {
        let stale = now - LONG_UNMATCHED_DAYS * 86_400;
        let mut v: Vec<(i64, i64)> = self
            .demands
            .iter()
            .filter(|(_, d)| d.status == Status::Published && d.region.starts_with(region) && d.published_at.is_some_and(|p| p < stale))
            .map(|(id, d)| (d.published_at.unwrap_or(0), *id))
            .collect();
        v.sort_unstable();
        v.into_iter().take(limit).map(|(_, id)| id).collect()
    }
}

/// The success rate recomputed directly in SQL (the definition as a query).
pub async fn success_rate_sql(db: &Db, region: &str, from: i64, to: i64) -> Result<(i64, i64)> {
    let sql = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN matched_at IS NOT NULL AND matched_at <= $3 THEN 1 ELSE 0 END), 0) \
               FROM demands WHERE region_code LIKE $1 AND published_at IS NOT NULL AND published_at >= $2 AND published_at <= $3";
    let like = format!("{region}%");
    Ok(on_db!(db, p => sqlx::query_as::<_, (i64, i64)>(sql).bind(like).bind(from).bind(to).fetch_one(p).await)?)
}
