//! The matching catalogue: what recommendations and the success rate need of
//! every demand, organisation and offer, in memory, kept up to date from the
//! database.
//!
//! Guarantees:
//! - [`MatchCatalog::sync`] applies everything committed since the last sync
//!   (demands, offers, organisations, 结对意愿, pairings, finished projects,
//!   east–west ties); nothing is cached that the database does not hold. The
//!   sync is two steps — [`MatchChanges::read`] (database reads, no access to
//!   the catalogue) and [`MatchCatalog::apply`] (memory only) — so a shared
//!   catalogue is locked for writing only while changes are applied.
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
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

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
    wish: bool,
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

/// What changed in the database since a moment, as [`MatchCatalog::apply`] needs it.
/// Reading it needs no access to the catalogue.
pub struct MatchChanges {
    read_at: i64,
    demands: Vec<Demand>,
    orgs: Vec<crate::orgs::Organization>,
    offers: Vec<Offer>,
    intents: Vec<(i64, String)>,
    /// Organisations whose pairings changed, and all their current county pairings.
    pairings_touched: Vec<i64>,
    paired: Vec<(i64, String)>,
    delivered: Vec<(i64, i64)>,
    ties: Vec<(String, String)>,
}

impl MatchChanges {
    /// Reads what was committed since `synced_at` (a short margin before it
    /// included: writers stamp rows just before they commit).
    pub async fn read(db: &Db, synced_at: i64) -> Result<MatchChanges> {
        let read_at = crate::now();
        let since = synced_at - SYNC_MARGIN_SECONDS;
        let demands = super::changed_since(db, since).await?;
        let orgs = crate::orgs::changed_since(db, since).await?;
        let offers = super::supply::changed_since(db, since).await?;
        let intents: Vec<(i64, String)> = on_db!(db, p => sqlx::query_as("SELECT org_id, preferred FROM pairing_intents WHERE updated_at >= $1").bind(since).fetch_all(p).await)?;
        let touched: Vec<i64> = on_db!(db, p => sqlx::query_scalar("SELECT DISTINCT org_id FROM pairings WHERE updated_at >= $1").bind(since).fetch_all(p).await)?;
        let mut paired = Vec::new();
        if touched.len() > 500 {
            paired = on_db!(db, p => sqlx::query_as("SELECT org_id, county_code FROM pairings WHERE kind = 'county' AND status IN ('consented','signed','active')").fetch_all(p).await)?;
        } else {
            for org in &touched {
                let rows: Vec<(i64, String)> = on_db!(db, p => sqlx::query_as("SELECT org_id, county_code FROM pairings WHERE org_id = $1 AND kind = 'county' AND status IN ('consented','signed','active')").bind(*org).fetch_all(p).await)?;
                paired.extend(rows);
            }
        }
        let delivered: Vec<(i64, i64)> = on_db!(db, p => sqlx::query_as("SELECT org_id, COUNT(*) FROM projects WHERE status = 'done' AND org_id IN (SELECT org_id FROM projects WHERE done_at >= $1) GROUP BY org_id").bind(since).fetch_all(p).await)?;
        let ties: Vec<(String, String)> = on_db!(db, p => sqlx::query_as("SELECT east_code, west_code FROM cooperation_ties").fetch_all(p).await)?;
        Ok(MatchChanges { read_at, demands, orgs, offers, intents, pairings_touched: touched, paired, delivered, ties })
    }
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
    /// Counts the applies that changed something: equal generations, equal contents.
    generation: u64,
    /// Every demand by its county (region code cut to six digits; shorter codes as they are).
    by_county: BTreeMap<Box<str>, County>,
}

/// The demands of one county: their ids, and how many there are of each
/// (status, field, 微心愿 or not).
#[derive(Default)]
struct County {
    ids: BTreeSet<i64>,
    counts: Vec<u32>,
}

/// Cells of a county's count table.
const CELLS: usize = Status::ALL.len() * (FIELDS.len() + 1) * 2;

fn cell(status: Status, field: u8, wish: bool) -> usize {
    let s = Status::ALL.iter().position(|x| *x == status).unwrap_or(0);
    (s * (FIELDS.len() + 1) + field as usize) * 2 + usize::from(wish)
}

fn county_key(region: &str) -> &str {
    &region[..region.len().min(6)]
}

impl DemandQuery {
    /// What [`super::list`] shows `scope` with filter `f`, as a catalogue
    /// query: officers see their subtree, everyone else the public statuses;
    /// a status, field or region the list would ignore is ignored here too.
    /// `None` when the filter's region lies outside the scope (nothing to show).
    pub fn new(scope: &duijie_domain::Scope, f: &super::Filter) -> Option<DemandQuery> {
        let mut statuses: Vec<Status> = match scope.region() {
            Some(_) => Vec::new(),
            None => Status::ALL.into_iter().filter(|s| s.is_public()).collect(),
        };
        if let Some(s) = Status::parse(&f.status) {
            if !statuses.is_empty() && !statuses.contains(&s) {
                return None;
            }
            statuses = vec![s];
        }
        let field = Some(f.field.clone()).filter(|x| FIELDS.contains(&x.as_str()));
        let mut under = scope.region().map(|r| r.as_str().to_string()).unwrap_or_default();
        if let Ok(r) = duijie_domain::RegionCode::parse(&f.region) {
            match r.as_str() {
                within if within.starts_with(under.as_str()) => under = within.to_string(),
                wider if under.starts_with(wider) => {}
                _ => return None,
            }
        }
        Some(DemandQuery { under, statuses, field, wish: f.wish })
    }
}

/// Which demands a list shows, as the catalogue answers it ([`MatchCatalog::list_demands`]).
#[derive(Debug, Clone, Default)]
pub struct DemandQuery {
    /// Only demands whose region lies under this one (natural code; "" = everywhere).
    pub under: String,
    /// Only these statuses (empty = any).
    pub statuses: Vec<Status>,
    /// Only this field.
    pub field: Option<String>,
    /// Only 微心愿 (true) or only other demands (false).
    pub wish: Option<bool>,
}

fn field_index(f: &str) -> u8 {
    FIELDS.iter().position(|x| *x == f).unwrap_or(FIELDS.len()) as u8
}

fn province(code: &str) -> &str {
    &code[..code.len().min(2)]
}

impl MatchCatalog {
    /// Reads everything.
    pub async fn load(db: &Db) -> Result<MatchCatalog> {
        let mut c = MatchCatalog::empty();
        c.sync(db).await?;
        Ok(c)
    }

    /// A catalogue that holds nothing yet: its first sync reads everything.
    pub fn empty() -> MatchCatalog {
        let by_field = || vec![BTreeSet::new(); FIELDS.len() + 1];
        MatchCatalog { published_by_field: by_field(), orgs_by_field: by_field(), offers_by_field: by_field(), last_sync: i64::MIN / 2, ..Default::default() }
    }

    pub fn demand_count(&self) -> usize {
        self.demands.len()
    }

    /// Applies what was committed since the last sync; returns how many rows were read.
    pub async fn sync(&mut self, db: &Db) -> Result<usize> {
        let changes = MatchChanges::read(db, self.last_sync).await?;
        Ok(self.apply(changes))
    }

    /// When the catalogue was last brought up to date (unix seconds): pass it
    /// to [`MatchChanges::read`].
    pub fn synced_at(&self) -> i64 {
        self.last_sync
    }

    /// Changes whenever the catalogue's contents may have: a result computed
    /// from the catalogue holds as long as this is unchanged.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether applying these changes would change the catalogue (a row
    /// changed, or the east–west ties differ).
    pub fn is_news(&self, c: &MatchChanges) -> bool {
        !(c.demands.is_empty() && c.orgs.is_empty() && c.offers.is_empty() && c.intents.is_empty() && c.pairings_touched.is_empty() && c.delivered.is_empty())
            || c.ties.len() != self.ties.len()
            || c.ties.iter().any(|t| !self.ties.contains(t))
    }

    /// Applies changes read with [`MatchChanges::read`]; returns how many rows they held.
    /// Only this step needs the catalogue mutably, so a caller that shares it
    /// behind a lock holds the write lock for the apply alone, not for the reads.
    pub fn apply(&mut self, c: MatchChanges) -> usize {
        let mut n = 0;
        for d in &c.demands {
            self.put_demand(d);
            n += 1;
        }
        for o in &c.orgs {
            let e = self.orgs.entry(o.id).or_default();
            for f in &e.fields {
                self.orgs_by_field[field_index(f) as usize].remove(&o.id);
            }
            e.region = o.region_code.clone();
            e.fields = o.fields.split('、').filter(|s| !s.is_empty()).map(str::to_string).collect();
            e.eligible = crate::pairing::refusal(o).is_none();
            for f in &e.fields {
                self.orgs_by_field[field_index(f) as usize].insert(o.id);
            }
            n += 1;
        }
        for f in &c.offers {
            self.put_offer(f);
            n += 1;
        }
        for (org, pref) in c.intents {
            self.orgs.entry(org).or_default().preferred = pref.split('、').filter(|s| !s.is_empty()).map(str::to_string).collect();
        }
        // Every organisation whose pairings were read is reset first (the full
        // re-read after many changes holds organisations that were not touched).
        for org in c.pairings_touched.iter().chain(c.paired.iter().map(|(o, _)| o)) {
            self.orgs.entry(*org).or_default().paired.clear();
        }
        for (org, county) in c.paired {
            self.orgs.entry(org).or_default().paired.push(county);
        }
        for (org, count) in c.delivered {
            self.orgs.entry(org).or_default().delivered = count as u32;
        }
        self.ties = c.ties.into_iter().collect();
        self.last_sync = c.read_at;
        self.generation += 1;
        n
    }
    fn put_demand(&mut self, d: &Demand) {
        let field = field_index(&d.field);
        if let Some(old) = self.demands.get(&d.id) {
            self.published_by_field[old.field as usize].remove(&d.id);
            if let Some(c) = self.by_county.get_mut(county_key(&old.region)) {
                c.ids.remove(&d.id);
                c.counts[cell(old.status, old.field, old.wish)] -= 1;
            }
        }
        let county = self.by_county.entry(county_key(&d.region_code).into()).or_insert_with(|| County { ids: BTreeSet::new(), counts: vec![0; CELLS] });
        county.ids.insert(d.id);
        county.counts[cell(d.status(), field, d.is_wish)] += 1;
        let status = d.status();
        if status == Status::Published {
            self.published_by_field[field as usize].insert(d.id);
        }
        self.demands.insert(d.id, DemandEntry {
            region: d.region_code.clone().into_boxed_str(),
            field,
            wish: d.is_wish,
            status,
            funds_fen: d.funds_fen,
            urgency: d.urgency.clamp(0, 9) as u8,
            published_at: d.published_at,
            matched_at: d.matched_at,
        });
    }

    /// One page of the demands a list shows (ids, newest first) and how many
    /// there are in all — the same as the database's list for the same
    /// conditions, from memory: a page costs about its length whatever the
    /// number of demands, and the total is added up from per-county counts.
    pub fn list_demands(&self, q: &DemandQuery, offset: usize, limit: usize) -> (Vec<i64>, usize) {
        let field = q.field.as_deref().map(field_index);
        let county = county_key(&q.under);
        let counties: Vec<&County> = self.by_county.range::<str, _>((std::ops::Bound::Included(county), std::ops::Bound::Unbounded)).take_while(|(k, _)| k.starts_with(county)).map(|(_, c)| c).collect();
        let keep = |id: &i64| {
            self.demands.get(id).is_some_and(|e| {
                e.region.starts_with(q.under.as_str())
                    && (q.statuses.is_empty() || q.statuses.contains(&e.status))
                    && field.is_none_or(|f| f == e.field)
                    && q.wish.is_none_or(|w| w == e.wish)
            })
        };
        // Newest first across the counties: a merge of their id sets, each walked from its end.
        let mut walks: Vec<_> = counties.iter().map(|c| c.ids.iter().rev().peekable()).collect();
        let mut heap: std::collections::BinaryHeap<(i64, usize)> = walks.iter_mut().enumerate().filter_map(|(i, w)| w.peek().map(|id| (**id, i))).collect();
        let mut page = Vec::with_capacity(limit);
        let mut skipped = 0;
        while page.len() < limit {
            let Some((id, i)) = heap.pop() else { break };
            walks[i].next();
            if let Some(next) = walks[i].peek() {
                heap.push((**next, i));
            }
            if keep(&id) {
                if skipped < offset {
                    skipped += 1;
                } else {
                    page.push(id);
                }
            }
        }
        let total = if q.under.len() <= 6 {
            let statuses: &[Status] = if q.statuses.is_empty() { &Status::ALL } else { &q.statuses };
            let fields: Vec<u8> = field.map_or_else(|| (0..=FIELDS.len() as u8).collect(), |f| vec![f]);
            let wishes: &[bool] = match q.wish {
                Some(true) => &[true],
                Some(false) => &[false],
                None => &[false, true],
            };
            let cells: Vec<usize> = statuses.iter().flat_map(|s| fields.iter().flat_map(move |f| wishes.iter().map(move |w| cell(*s, *f, *w)))).collect();
            counties.iter().map(|c| cells.iter().map(|i| c.counts[*i] as usize).sum::<usize>()).sum()
        } else {
            counties.iter().map(|c| c.ids.iter().filter(|id| keep(id)).count()).sum()
        };
        (page, total)
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
