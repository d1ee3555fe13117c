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
//!   `duijie_domain::matching::score` with its reasons. They score only the
//!   candidates that can rank ([`RecommendIndex`]) and answer exactly as
//!   scoring every candidate would (a unit test holds the two equal).
//! - Lists of demands, offers and long-unmatched demands answer from memory
//!   as the database's lists would for the same conditions (storage tests
//!   compare them), at a cost of about a page whatever the number of rows.
//! - The first load reads the demands a page at a time.
//! - The success rate for a region and period is defined once ([`DEFINITION`])
//!   and computed from the same facts as [`success_rate_sql`], which recomputes
//!   it directly in SQL so anyone can check it.

use super::Demand;
use super::supply::Offer;
use crate::db::Db;
use crate::{Result, on_db};
use duijie_domain::demand::Status;
use duijie_domain::matching::{self, OfferStatus, DELIVERY_EACH, DELIVERY_MAX, DemandFacts, OfferFacts, Score, SupplierFacts};
use duijie_domain::org::FIELDS;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The success rate, as shown beside the number.
pub const DEFINITION: &str = "供需对接成功率 = 统计期内发布的需求中、截至期末已对接成功（社会组织承接并经双方确认）的需求数 ÷ 统计期内发布的需求数。\
    统计范围为所选地区及其下级地区；已撤回的需求仍计入分母。";

/// Published and not matched this long (days): flagged as long unmatched.
pub const LONG_UNMATCHED_DAYS: i64 = 60;

const SYNC_MARGIN_SECONDS: i64 = 2;
/// When an empty catalogue was last synced: before any row was written.
const NEVER: i64 = i64::MIN / 2;

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

impl DemandEntry {
    fn of(d: &Demand) -> DemandEntry {
        DemandEntry {
            region: d.region_code.as_str().into(),
            field: field_index(&d.field),
            wish: d.is_wish,
            status: d.status(),
            funds_fen: d.funds_fen,
            urgency: d.urgency.clamp(0, 9) as u8,
            published_at: d.published_at,
            matched_at: d.matched_at,
        }
    }
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
    /// Where the organisation is registered (natural code).
    org_region: Box<str>,
    featured: bool,
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
    /// Of the period's demands, those still published without a match more
    /// than `LONG_UNMATCHED_DAYS` after publication (never more than its unmatched ones).
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
        let demands = super::changed_since(db, synced_at - SYNC_MARGIN_SECONDS).await?;
        Self::read_besides(db, synced_at, demands).await
    }

    /// Reads everything but the demands since `synced_at`, around the demands given.
    async fn read_besides(db: &Db, synced_at: i64, demands: Vec<Demand>) -> Result<MatchChanges> {
        let read_at = crate::now();
        let since = synced_at - SYNC_MARGIN_SECONDS;
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
    orgs: HashMap<i64, OrgEntry>,
    offers: HashMap<i64, OfferEntry>,
    /// The indexes that let a recommendation score only the candidates that
    /// can earn regional points, and walk the rest in the order they rank.
    index: RecommendIndex,
    /// (east province, west province).
    ties: HashSet<(String, String)>,
    last_sync: i64,
    /// Counts the applies that changed something: equal generations, equal contents.
    generation: u64,
    /// Every demand by its county (region code cut to six digits; shorter codes as they are).
    by_county: BTreeMap<Box<str>, County>,
    /// Every offer in the order lists show them — featured first, then the
    /// newest (walked from the end) — per province of the organisation's seat
    /// ("" holds them all); and how many there are per seat (all, published).
    offers_listed: BTreeMap<Box<str>, BTreeSet<(bool, i64)>>,
    offer_counts: BTreeMap<Box<str>, [u32; 2]>,
}

/// What recommendations look up instead of scoring every candidate of a field.
///
/// A supplier earns points beyond its field and its completed projects only
/// through the demand's region: pairing with its county, a preferred region
/// above it, an east–west tie or a seat in its province. So for a demand the
/// catalogue scores exactly the organisations that could earn such points
/// (found here by province, tied province, paired county and preferred
/// region) and takes the rest in rank order from `orgs_ranked`, where every
/// one of them scores the field's points plus its own delivery points. The
/// same reasoning, turned around, serves demands to an organisation. A unit
/// test holds both equal to scoring everything.
#[derive(Default)]
struct RecommendIndex {
    /// Eligible organisations per field, by (delivery points short of the
    /// maximum, id): the order in which organisations without regional points rank.
    orgs_ranked: BTreeSet<(u8, u8, i64)>,
    /// Organisations per (field, province of their seat).
    orgs_by_province: BTreeSet<(u8, Box<str>, i64)>,
    /// Organisations per preferred region (结对意愿) and per paired county.
    orgs_by_preferred: HashMap<Box<str>, BTreeSet<i64>>,
    orgs_by_paired: HashMap<Box<str>, BTreeSet<i64>>,
    /// Offers per (field, target region); offers for anywhere under "".
    offers_by_target: BTreeSet<(u8, Box<str>, i64)>,
    /// Published demands per (field, province), and per field by (urgency, id).
    published_by_province: BTreeSet<(u8, Box<str>, i64)>,
    published_ranked: BTreeSet<(u8, u8, i64)>,
    /// Published demands by (publication time, id), for the long unmatched.
    published_by_time: BTreeSet<(i64, i64)>,
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

fn demand_facts(d: &DemandEntry) -> DemandFacts<'_> {
    DemandFacts { region: &d.region, field: FIELDS.get(d.field as usize).copied().unwrap_or(""), funds_fen: d.funds_fen }
}

/// Every non-empty beginning of a region code, shortest first.
fn prefixes(region: &str) -> impl Iterator<Item = &str> {
    (1..=region.len()).filter(|n| region.is_char_boundary(*n)).map(|n| &region[..n])
}

/// Best first by total, then the lower id; at most `limit`.
fn best(v: &mut Vec<(i32, i64)>, limit: usize) {
    let by = |a: &(i32, i64), b: &(i32, i64)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
    if v.len() > limit {
        v.select_nth_unstable_by(limit, by);
        v.truncate(limit);
    }
    v.sort_by(by);
}

fn toggle<K: Ord>(set: &mut BTreeSet<K>, key: K, add: bool) {
    if add {
        set.insert(key);
    } else {
        set.remove(&key);
    }
}

fn toggle_under(map: &mut HashMap<Box<str>, BTreeSet<i64>>, key: &str, id: i64, add: bool) {
    if add {
        map.entry(key.into()).or_default().insert(id);
    } else if let Some(ids) = map.get_mut(key) {
        ids.remove(&id);
        if ids.is_empty() {
            map.remove(key);
        }
    }
}

impl RecommendIndex {
    /// Adds (or removes) an organisation as it is now; only organisations that
    /// may take new work are indexed.
    fn org(&mut self, id: i64, e: &OrgEntry, add: bool) {
        if !e.eligible {
            return;
        }
        let points = (e.delivered.min(DELIVERY_MAX as u32) as i32 * DELIVERY_EACH).min(DELIVERY_MAX);
        let short_of_best = (DELIVERY_MAX - points) as u8;
        let prov: Box<str> = province(&e.region).into();
        let fields: BTreeSet<u8> = e.fields.iter().map(|f| field_index(f)).collect();
        for f in fields {
            toggle(&mut self.orgs_by_province, (f, prov.clone(), id), add);
            toggle(&mut self.orgs_ranked, (f, short_of_best, id), add);
        }
        for r in e.preferred.iter().filter(|r| !r.is_empty()) {
            toggle_under(&mut self.orgs_by_preferred, r, id, add);
        }
        for c in &e.paired {
            toggle_under(&mut self.orgs_by_paired, c, id, add);
        }
    }

    /// Adds (or removes) an offer; only published offers are indexed.
    fn offer(&mut self, id: i64, e: &OfferEntry, add: bool) {
        if !e.published {
            return;
        }
        let fields: BTreeSet<u8> = e.fields.iter().map(|f| field_index(f)).collect();
        let anywhere = [String::new()];
        let targets = if e.regions.is_empty() { &anywhere[..] } else { &e.regions[..] };
        for f in fields {
            for r in targets {
                toggle(&mut self.offers_by_target, (f, r.as_str().into(), id), add);
            }
        }
    }

    /// Adds (or removes) a demand; only published demands are indexed.
    fn demand(&mut self, id: i64, e: &DemandEntry, add: bool) {
        if e.status != Status::Published {
            return;
        }
        toggle(&mut self.published_by_province, (e.field, province(&e.region).into(), id), add);
        toggle(&mut self.published_ranked, (e.field, e.urgency, id), add);
        toggle(&mut self.published_by_time, (e.published_at.unwrap_or(0), id), add);
    }

    fn orgs_in(&self, field: u8, province: &str) -> impl Iterator<Item = i64> + '_ {
        self.orgs_by_province.range((field, Box::from(province), i64::MIN)..=(field, Box::from(province), i64::MAX)).map(|k| k.2)
    }

    /// Published demands of a field in the provinces whose code begins with `prefix`.
    fn published_under<'a>(&'a self, field: u8, prefix: &'a str) -> impl Iterator<Item = i64> + 'a {
        let from = self.published_by_province.range((field, Box::from(prefix), i64::MIN)..);
        from.take_while(move |k| k.0 == field && k.1.starts_with(prefix)).map(|k| k.2)
    }

    fn offers_for(&self, field: u8, region: &str) -> impl Iterator<Item = i64> + '_ {
        self.offers_by_target.range((field, Box::from(region), i64::MIN)..=(field, Box::from(region), i64::MAX)).map(|k| k.2)
    }
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
    /// Reads everything: the demands a page at a time, so that memory holds
    /// the catalogue and one page rather than every row at once; then the rest.
    pub async fn load(db: &Db) -> Result<MatchCatalog> {
        let mut c = MatchCatalog::empty();
        let started = crate::now();
        super::changed_in_pages(db, c.last_sync, crate::db::PAGE, |rows| {
            for d in &rows {
                c.put_demand(d.id, DemandEntry::of(d));
            }
            Ok(())
        })
        .await?;
        let mut rest = MatchChanges::read_besides(db, c.last_sync, Vec::new()).await?;
        // Whatever changed while the demands were read is read again by the next sync.
        rest.read_at = started;
        c.apply(rest);
        Ok(c)
    }

    /// Whether nothing has been read yet.
    pub fn is_unloaded(&self) -> bool {
        self.last_sync == NEVER
    }

    /// A catalogue that holds nothing yet: its first sync reads everything.
    pub fn empty() -> MatchCatalog {
        MatchCatalog { last_sync: NEVER, ..Default::default() }
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
            self.put_demand(d.id, DemandEntry::of(d));
            n += 1;
        }
        for o in &c.orgs {
            self.update_org(o.id, |e| {
                e.region = o.region_code.as_str().into();
                e.fields = o.fields.split('、').filter(|s| !s.is_empty()).map(str::to_string).collect();
                e.eligible = crate::pairing::refusal(o).is_none();
            });
            n += 1;
        }
        for f in &c.offers {
            self.put_offer(f.id, OfferEntry {
                org_id: f.org_id,
                org_region: f.org_region.as_str().into(),
                featured: f.featured,
                published: f.status == OfferStatus::Published,
                fields: f.fields_list(),
                regions: f.regions_list(),
                funds_fen: f.funds_fen,
                capacity_left: f.capacity_left(),
            });
            n += 1;
        }
        for (org, pref) in c.intents {
            self.update_org(org, |e| e.preferred = pref.split('、').filter(|s| !s.is_empty()).map(str::to_string).collect());
        }
        // Every organisation whose pairings were read gets exactly the counties
        // read (the full re-read after many changes holds organisations that were not touched).
        let mut paired: BTreeMap<i64, Vec<String>> = c.pairings_touched.iter().map(|o| (*o, Vec::new())).collect();
        for (org, county) in c.paired {
            paired.entry(org).or_default().push(county);
        }
        for (org, counties) in paired {
            self.update_org(org, |e| e.paired = counties);
        }
        for (org, count) in c.delivered {
            self.update_org(org, |e| e.delivered = count as u32);
        }
        self.ties = c.ties.into_iter().collect();
        self.last_sync = c.read_at;
        self.generation += 1;
        n
    }

    /// Changes one organisation, keeping the indexes in step.
    fn update_org(&mut self, id: i64, change: impl FnOnce(&mut OrgEntry)) {
        let e = self.orgs.entry(id).or_default();
        self.index.org(id, e, false);
        change(e);
        self.index.org(id, e, true);
    }

    fn put_offer(&mut self, id: i64, entry: OfferEntry) {
        if let Some(old) = self.offers.remove(&id) {
            self.index.offer(id, &old, false);
            self.list_offer(id, &old, false);
        }
        self.index.offer(id, &entry, true);
        self.list_offer(id, &entry, true);
        self.offers.insert(id, entry);
    }

    fn list_offer(&mut self, id: i64, e: &OfferEntry, add: bool) {
        for key in ["", province(&e.org_region)] {
            toggle(self.offers_listed.entry(key.into()).or_default(), (e.featured, id), add);
        }
        let counts = self.offer_counts.entry(e.org_region.clone()).or_default();
        for (i, counted) in [true, e.published].into_iter().enumerate() {
            if counted {
                counts[i] = if add { counts[i] + 1 } else { counts[i] - 1 };
            }
        }
    }

    /// One page of the offers of organisations registered under `under`
    /// (natural code; "" = everywhere), only published ones if asked: their
    /// ids (featured first, then newest) and how many there are in all — the
    /// same as `supply::list` for the same conditions, from memory.
    pub fn list_offers(&self, under: &str, published_only: bool, offset: usize, limit: usize) -> (Vec<i64>, usize) {
        let key = if under.len() >= 2 { province(under) } else { "" };
        let page = self.offers_listed.get(key).into_iter().flat_map(|set| set.iter().rev()).map(|(_, id)| *id);
        let page = page.filter(|id| self.offers.get(id).is_some_and(|e| e.org_region.starts_with(under) && (e.published || !published_only)));
        let page = page.skip(offset).take(limit).collect();
        let counts = self.offer_counts.range::<str, _>((std::ops::Bound::Included(under), std::ops::Bound::Unbounded)).take_while(|(k, _)| k.starts_with(under));
        let total = counts.map(|(_, c)| c[usize::from(published_only)] as usize).sum();
        (page, total)
    }

    fn put_demand(&mut self, id: i64, entry: DemandEntry) {
        if let Some(old) = self.demands.get(&id) {
            self.index.demand(id, old, false);
            if let Some(c) = self.by_county.get_mut(county_key(&old.region)) {
                c.ids.remove(&id);
                c.counts[cell(old.status, old.field, old.wish)] -= 1;
            }
        }
        let county = self.by_county.entry(county_key(&entry.region).into()).or_insert_with(|| County { ids: BTreeSet::new(), counts: vec![0; CELLS] });
        county.ids.insert(id);
        county.counts[cell(entry.status, entry.field, entry.wish)] += 1;
        self.index.demand(id, &entry, true);
        self.demands.insert(id, entry);
    }

    /// One page of the demands a list shows (ids, newest first) and how many
    /// there are in all — the same as the database's list for the same
    /// conditions, from memory: a page costs about its length whatever the
    /// number of demands, and the total is added up from per-county counts.
    pub fn list_demands(&self, q: &DemandQuery, offset: usize, limit: usize) -> (Vec<i64>, usize) {
        let field = q.field.as_deref().map(field_index);
        let counties: Vec<&County> = self.counties_under(&q.under).collect();
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

    fn offer_facts<'a>(&self, f: &'a OfferEntry) -> OfferFacts<'a> {
        OfferFacts { target_regions: &f.regions, funds_fen: f.funds_fen, capacity_left: f.capacity_left }
    }

    /// Organisations and offers recommended for a demand, best first (`limit` of each).
    /// Only the candidates that can rank are scored (see [`RecommendIndex`]); only the best are explained.
    pub fn recommend_for_demand(&self, d: &Demand, limit: usize) -> (Vec<Recommendation>, Vec<Recommendation>) {
        let facts = DemandFacts { region: d.region_code.as_str(), field: &d.field, funds_fen: d.funds_fen };
        let field = field_index(&d.field);
        let orgs = self.ranked_orgs(&facts, field, limit).into_iter().filter_map(|(_, id)| self.explain_org(&facts, id)).collect();
        let offers = self.ranked_offers(&facts, field, None, limit).into_iter().filter_map(|(_, id)| self.explain_offer(&facts, id)).collect();
        (orgs, offers)
    }

    /// One organisation's own fit for a demand (if it is recommended at all)
    /// and that of its offers, best first: all an organisation may learn of a
    /// demand's recommendations.
    pub fn fit_for_org(&self, d: &Demand, org_id: i64) -> (Option<Recommendation>, Vec<Recommendation>) {
        let facts = DemandFacts { region: d.region_code.as_str(), field: &d.field, funds_fen: d.funds_fen };
        let own = self.orgs.get(&org_id).filter(|o| o.eligible).and_then(|_| self.explain_org(&facts, org_id));
        let offers = self
            .ranked_offers(&facts, field_index(&d.field), Some(org_id), usize::MAX)
            .into_iter()
            .filter_map(|(_, id)| self.explain_offer(&facts, id))
            .collect();
        (own, offers)
    }

    fn explain_org(&self, d: &DemandFacts, id: i64) -> Option<Recommendation> {
        let o = self.orgs.get(&id)?;
        matching::score(d, &self.supplier(o, d, None, &o.fields)).map(|score| Recommendation { org_id: id, offer_id: None, score })
    }

    fn explain_offer(&self, d: &DemandFacts, id: i64) -> Option<Recommendation> {
        let f = self.offers.get(&id)?;
        let o = self.orgs.get(&f.org_id)?;
        matching::score(d, &self.supplier(o, d, Some(self.offer_facts(f)), &f.fields)).map(|score| Recommendation { org_id: f.org_id, offer_id: Some(id), score })
    }

    /// The best `limit` organisations for a demand as (total, id), best first.
    /// Those that can earn regional points — seated in the demand's province
    /// or a province tied to it, paired with its county, preferring a region
    /// above it — are scored; every other one scores the field's points plus
    /// its delivery points, so the first `limit` of `orgs_ranked` are the best of them.
    fn ranked_orgs(&self, d: &DemandFacts, field: u8, limit: usize) -> Vec<(i32, i64)> {
        let prov = province(d.region);
        let mut special: BTreeSet<i64> = self.index.orgs_in(field, prov).collect();
        for (east, west) in &self.ties {
            if west == prov {
                special.extend(self.index.orgs_in(field, east));
            }
        }
        if let Some(ids) = self.index.orgs_by_paired.get(county_key(d.region)) {
            special.extend(ids);
        }
        for prefix in prefixes(d.region) {
            if let Some(ids) = self.index.orgs_by_preferred.get(prefix) {
                special.extend(ids);
            }
        }
        let score = |id: i64| {
            let o = self.orgs.get(&id).filter(|o| o.eligible)?;
            matching::total(d, &self.supplier(o, d, None, &o.fields)).map(|t| (t, id))
        };
        let mut ranked: Vec<(i32, i64)> = special.iter().filter_map(|id| score(*id)).collect();
        let rest = self.index.orgs_ranked.range((field, 0, i64::MIN)..=(field, u8::MAX, i64::MAX)).map(|k| k.2);
        ranked.extend(rest.filter(|id| !special.contains(id)).filter_map(score).take(limit));
        best(&mut ranked, limit);
        ranked
    }

    /// The best `limit` offers for a demand as (total, id), best first: an
    /// offer is a candidate only if it is for anywhere or for a region above
    /// the demand's, and every candidate (of `only_org`, when given) is scored.
    fn ranked_offers(&self, d: &DemandFacts, field: u8, only_org: Option<i64>, limit: usize) -> Vec<(i32, i64)> {
        let mut candidates: BTreeSet<i64> = self.index.offers_for(field, "").collect();
        for prefix in prefixes(d.region) {
            candidates.extend(self.index.offers_for(field, prefix));
        }
        let mut ranked: Vec<(i32, i64)> = candidates
            .into_iter()
            .filter_map(|id| {
                let f = self.offers.get(&id).filter(|f| f.published && only_org.is_none_or(|o| o == f.org_id))?;
                let o = self.orgs.get(&f.org_id).filter(|o| o.eligible)?;
                matching::total(d, &self.supplier(o, d, Some(self.offer_facts(f)), &f.fields)).map(|t| (t, id))
            })
            .collect();
        best(&mut ranked, limit);
        ranked
    }

    /// Published demands recommended to an organisation, best first (then the
    /// more urgent, then the newer); empty if it may not take work.
    ///
    /// Demands in the provinces where this organisation can earn regional
    /// points (its own, the west provinces tied to it, those of its paired
    /// counties and preferred regions) are scored; every other demand of its
    /// fields scores the same, so the most urgent and newest of them follow
    /// from `published_ranked`.
    pub fn recommend_for_org(&self, org_id: i64, limit: usize) -> Vec<DemandRecommendation> {
        let Some(o) = self.orgs.get(&org_id).filter(|o| o.eligible) else { return Vec::new() };
        let own = province(&o.region);
        let mut provinces: BTreeSet<&str> = BTreeSet::new();
        if o.region.len() >= 2 {
            provinces.insert(own);
        }
        for (east, west) in &self.ties {
            if !own.is_empty() && east == own {
                provinces.insert(west);
            }
        }
        provinces.extend(o.paired.iter().chain(o.preferred.iter()).filter(|r| r.len() >= 2).map(|r| province(r)));
        // A preferred region shorter than a province covers every province it begins.
        let short: BTreeSet<&str> = o.preferred.iter().filter(|r| !r.is_empty() && r.len() < 2).map(String::as_str).collect();
        let special = |p: &str| provinces.contains(p) || short.iter().any(|r| p.starts_with(r));
        let fields: BTreeSet<u8> = o.fields.iter().map(|f| field_index(f)).collect();
        let mut candidates: BTreeSet<i64> = BTreeSet::new();
        for f in &fields {
            for p in provinces.iter().chain(short.iter()) {
                candidates.extend(self.index.published_under(*f, p));
            }
        }
        let score = |id: i64| {
            let d = self.demands.get(&id)?;
            let facts = demand_facts(d);
            matching::total(&facts, &self.supplier(o, &facts, None, &o.fields)).map(|t| (t, d.urgency, id))
        };
        let mut ranked: Vec<(i32, u8, i64)> = candidates.into_iter().filter_map(score).collect();
        for f in fields {
            let rest = self.index.published_ranked.range((f, 0, i64::MIN)..=(f, u8::MAX, i64::MAX)).rev().map(|k| k.2);
            let rest = rest.filter(|id| self.demands.get(id).is_some_and(|d| !special(province(&d.region))));
            ranked.extend(rest.filter_map(score).take(limit));
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
                let facts = demand_facts(self.demands.get(&id)?);
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
            let Some(p) = d.published_at else { continue };
            if p < from || p > to {
                continue;
            }
            if d.status == Status::Published && p < stale {
                long += 1;
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

    /// One page of the published demands in `region` unmatched for longer
    /// than `LONG_UNMATCHED_DAYS` (ids, oldest first) and how many there are:
    /// a county's are read from its own demands, a wider region's from the
    /// published demands in order of publication.
    pub fn long_unmatched(&self, region: &str, now: i64, offset: usize, limit: usize) -> (Vec<i64>, usize) {
        let stale = now - LONG_UNMATCHED_DAYS * 86_400;
        let since = |id: &i64| {
            let d = self.demands.get(id).filter(|d| d.status == Status::Published && d.region.starts_with(region))?;
            d.published_at.filter(|p| *p < stale).map(|p| (p, *id))
        };
        let mut found: Vec<(i64, i64)> = if region.len() >= 6 {
            self.counties_under(region).flat_map(|c| c.ids.iter()).filter_map(since).collect()
        } else {
            self.index.published_by_time.range(..(stale, i64::MIN)).filter_map(|(_, id)| since(id)).collect()
        };
        found.sort_unstable();
        let total = found.len();
        (found.into_iter().skip(offset).take(limit).map(|(_, id)| id).collect(), total)
    }

    /// The counties whose demands may lie under `region` (its own county, or every county below it).
    fn counties_under<'a>(&'a self, region: &str) -> impl Iterator<Item = &'a County> + 'a {
        let county: Box<str> = county_key(region).into();
        let from = self.by_county.range::<str, _>((std::ops::Bound::Included(&*county), std::ops::Bound::Unbounded));
        from.take_while(move |(k, _)| k.starts_with(&*county)).map(|(_, c)| c)
    }
}

/// The success rate recomputed directly in SQL (the definition as a query).
pub async fn success_rate_sql(db: &Db, region: &str, from: i64, to: i64) -> Result<(i64, i64)> {
    let sql = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN matched_at IS NOT NULL AND matched_at <= $3 THEN 1 ELSE 0 END), 0) \
               FROM demands WHERE region_code LIKE $1 AND published_at IS NOT NULL AND published_at >= $2 AND published_at <= $3";
    let like = format!("{region}%");
    Ok(on_db!(db, p => sqlx::query_as::<_, (i64, i64)>(sql).bind(like).bind(from).bind(to).fetch_one(p).await)?)
}

#[cfg(test)]
mod tests {
    //! The indexed recommendations against scoring every candidate, on random
    //! catalogues and after random changes (a stale index entry shows up as a
    //! difference).
    use super::*;

    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n
        }
        fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
            v[self.below(v.len())]
        }
        fn some(&mut self, v: &[&str], most: usize) -> Vec<String> {
            (0..self.below(most + 1)).map(|_| self.pick(v).to_string()).collect()
        }
    }

    const PROVINCES: &[&str] = &["53", "52", "32", "31", "11", "45"];
    const ABOVE: &[&str] = &["53", "52", "32", "5306", "5203", "3201", "5", "530628"];
    const COUNTIES: &[&str] = &["530628", "530102", "520302", "320106", "310101", "110101"];
    const PLACES: &[&str] = &["530628", "530628101", "530628101201", "530102", "520302", "520302100001", "320106", "310101", "110101", "5306", "450102"];
    const SEATS: &[&str] = &["", "53", "5306", "530628", "530102", "52", "520302", "32", "320106", "31", "310101", "11", "440106", "44"];

    fn change_org(c: &mut MatchCatalog, rng: &mut Rng, id: i64) {
        let fields = rng.some(&FIELDS[..4], 2);
        let (region, eligible, preferred, paired, delivered) = (rng.pick(SEATS).to_string(), rng.below(10) != 0, rng.some(ABOVE, 2), rng.some(COUNTIES, 2), rng.below(8) as u32);
        c.update_org(id, |e| *e = OrgEntry { region, fields, eligible, preferred, paired, delivered });
    }

    fn change_offer(c: &mut MatchCatalog, rng: &mut Rng, id: i64) {
        let e = OfferEntry {
            org_id: 1 + rng.below(300) as i64,
            org_region: rng.pick(SEATS).into(),
            featured: rng.below(5) == 0,
            published: rng.below(8) != 0,
            fields: rng.some(&FIELDS[..4], 2),
            regions: rng.some(ABOVE, 2),
            funds_fen: rng.below(5) as i64 * 1_000_000,
            capacity_left: rng.below(3) as i64,
        };
        c.put_offer(id, e);
    }

    fn change_demand(c: &mut MatchCatalog, rng: &mut Rng, id: i64) {
        let e = DemandEntry {
            region: rng.pick(PLACES).into(),
            field: rng.below(5) as u8,
            wish: false,
            status: Status::ALL[rng.below(Status::ALL.len())],
            funds_fen: rng.below(4) as i64 * 1_000_000,
            urgency: rng.below(10) as u8,
            published_at: Some(1_700_000_000),
            matched_at: None,
        };
        c.put_demand(id, e);
    }

    fn every_org(c: &MatchCatalog, d: &DemandFacts, limit: usize) -> Vec<(i32, i64)> {
        let mut v: Vec<(i32, i64)> = c.orgs.iter().filter(|(_, o)| o.eligible).filter_map(|(id, o)| matching::total(d, &c.supplier(o, d, None, &o.fields)).map(|t| (t, *id))).collect();
        best(&mut v, limit);
        v
    }

    fn every_offer(c: &MatchCatalog, d: &DemandFacts, limit: usize) -> Vec<(i32, i64)> {
        let mut v: Vec<(i32, i64)> = c
            .offers
            .iter()
            .filter(|(_, f)| f.published)
            .filter_map(|(id, f)| {
                let o = c.orgs.get(&f.org_id).filter(|o| o.eligible)?;
                matching::total(d, &c.supplier(o, d, Some(c.offer_facts(f)), &f.fields)).map(|t| (t, *id))
            })
            .collect();
        best(&mut v, limit);
        v
    }

    fn every_demand(c: &MatchCatalog, org_id: i64, limit: usize) -> Vec<(i64, i32)> {
        let Some(o) = c.orgs.get(&org_id).filter(|o| o.eligible) else { return Vec::new() };
        let mut v: Vec<(i32, u8, i64)> = c
            .demands
            .iter()
            .filter(|(_, d)| d.status == Status::Published)
            .filter_map(|(id, d)| {
                let facts = demand_facts(d);
                matching::total(&facts, &c.supplier(o, &facts, None, &o.fields)).map(|t| (t, d.urgency, *id))
            })
            .collect();
        v.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(b.2.cmp(&a.2)));
        v.into_iter().take(limit).map(|(t, _, id)| (id, t)).collect()
    }

    fn agree(c: &MatchCatalog, rng: &mut Rng) {
        for _ in 0..300 {
            let region = rng.pick(PLACES);
            let field = FIELDS[rng.below(5)];
            let d = DemandFacts { region, field, funds_fen: rng.below(4) as i64 * 1_000_000 };
            for limit in [1, 2, 3, 5, 10, 20, usize::MAX] {
                assert_eq!(c.ranked_orgs(&d, field_index(field), limit), every_org(c, &d, limit), "organisations for {region} {field}, {limit}");
                assert_eq!(c.ranked_offers(&d, field_index(field), None, limit), every_offer(c, &d, limit), "offers for {region} {field}, {limit}");
            }
        }
        for org in 1..=300 {
            for limit in [1, 5, 20, usize::MAX] {
                let got: Vec<(i64, i32)> = c.recommend_for_org(org, limit).into_iter().map(|r| (r.demand_id, r.score.total)).collect();
                assert_eq!(got, every_demand(c, org, limit), "demands for organisation {org}, {limit}");
            }
        }
    }

    #[test]
    fn indexed_recommendations_equal_scoring_every_candidate() {
        let mut rng = Rng(20261202);
        let mut c = MatchCatalog::empty();
        // 广西 (45) has no organisation of its own here, only its tied province's (44).
        c.ties = [("32", "53"), ("31", "52"), ("11", "53"), ("44", "45")].iter().map(|(e, w)| (e.to_string(), w.to_string())).collect();
        for id in 1..=300 {
            change_org(&mut c, &mut rng, id);
            change_offer(&mut c, &mut rng, id);
        }
        for id in 1..=2000 {
            change_demand(&mut c, &mut rng, id);
        }
        agree(&c, &mut rng);
        // Every kind of entry changes, some several times: the indexes follow.
        for _ in 0..400 {
            let id = 1 + rng.below(300) as i64;
            change_org(&mut c, &mut rng, id);
            change_offer(&mut c, &mut rng, id);
            let demand = 1 + rng.below(2000) as i64;
            change_demand(&mut c, &mut rng, demand);
        }
        agree(&c, &mut rng);
        assert!(PROVINCES.iter().all(|p| c.index.published_by_province.iter().any(|k| *k.1 == **p)), "the random catalogue covers every province");
    }
}
