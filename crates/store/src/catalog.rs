//! The organisation catalogue used for finding organisations: every
//! organisation's searchable facts in memory, with a jieba word index on names.
//!
//! Guarantees: `sync` brings the catalogue up to date with the database (it
//! reads the organisations whose `updated_at` moved since the last sync,
//! including writes made by other processes such as `duijie import`, which
//! stamps its rows just before it commits); reading the changes
//! ([`OrgChanges::read`]) needs no access to the catalogue, so a shared one is
//! locked for writing only while they are applied;
//! results are filtered by the caller's scope before they are counted.

use crate::orgs::{self, Organization};
use crate::{Db, Result, actions};
use duijie_domain::Scope;
use duijie_search::TextIndex;
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone)]
struct Entry {
    region: String,
    org_type: String,
    status: String,
    credit_list: String,
    approval: String,
    fields: String,
    actions: Vec<i64>,
}

/// Filters of the organisation list; empty strings and `None` mean "any".
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct OrgFilter {
    /// Words of the name, or part of the credit code.
    #[serde(default)]
    pub q: String,
    /// Registering region subtree (any code form).
    #[serde(default)]
    pub region: String,
    /// `social_group`, `service_institution`, `foundation`.
    #[serde(default)]
    pub org_type: String,
    /// One field of work, e.g. 教育.
    #[serde(default)]
    pub field: String,
    /// Enrolled in this action.
    #[serde(default)]
    pub action: Option<i64>,
    /// `active`, `deregistered`, `listed` (on a credit list), `pending` (application).
    #[serde(default)]
    pub status: String,
}

/// How far before the last sync a sync looks again (see `sync`).
const SYNC_MARGIN_SECONDS: i64 = 2;

/// Organisations changed since a moment, with their enrolled actions; reading
/// them needs no access to the catalogue.
pub struct OrgChanges {
    read_at: i64,
    orgs: Vec<Organization>,
    actions: HashMap<i64, Vec<i64>>,
}

impl OrgChanges {
    /// Reads what was committed since `synced_at`, re-reading a short window
    /// before it: writes stamped in that second, and bulk imports, which stamp
    /// their rows just before they commit.
    pub async fn read(db: &Db, synced_at: i64) -> Result<OrgChanges> {
        let read_at = crate::now();
        let orgs = orgs::changed_since(db, synced_at - SYNC_MARGIN_SECONDS).await?;
        let mut actions: HashMap<i64, Vec<i64>> = HashMap::new();
        if orgs.len() > 200 {
            for (org, action) in actions::enrolled_actions(db).await? {
                actions.entry(org).or_default().push(action);
            }
        } else {
            for o in &orgs {
                let list = actions::of_org(db, o.id).await?;
                actions.insert(o.id, list.into_iter().map(|e| e.action_id).collect());
            }
        }
        Ok(OrgChanges { read_at, orgs, actions })
    }

    /// Whether no organisation changed.
    pub fn is_empty(&self) -> bool {
        self.orgs.is_empty()
    }
}

#[derive(Default)]
pub struct OrgCatalog {
    entries: HashMap<i64, Entry>,
    /// Every organisation by (region, id): a list without words reads only
    /// the organisations of the region it lists.
    by_region: BTreeSet<(String, i64)>,
    names: TextIndex,
    last_sync: i64,
}

impl OrgCatalog {
    /// Reads every organisation.
    pub async fn load(db: &Db) -> Result<OrgCatalog> {
        let mut c = OrgCatalog::default();
        c.sync(db).await?;
        Ok(c)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Applies the changes committed since the last sync.
    pub async fn sync(&mut self, db: &Db) -> Result<usize> {
        let changes = OrgChanges::read(db, self.last_sync).await?;
        Ok(self.apply(changes))
    }

    /// When the catalogue was last brought up to date: pass it to [`OrgChanges::read`].
    pub fn synced_at(&self) -> i64 {
        self.last_sync
    }

    /// Applies changes read with [`OrgChanges::read`]; returns how many organisations they held.
    pub fn apply(&mut self, mut c: OrgChanges) -> usize {
        let n = c.orgs.len();
        for o in std::mem::take(&mut c.orgs) {
            let acts = c.actions.remove(&o.id).unwrap_or_default();
            self.upsert(&o, acts);
        }
        self.last_sync = c.read_at;
        n
    }

    fn upsert(&mut self, o: &Organization, actions: Vec<i64>) {
        self.names.upsert(o.id, &format!("{} {}", o.name, o.credit_code));
        if let Some(old) = self.entries.get(&o.id) {
            self.by_region.remove(&(old.region.clone(), o.id));
        }
        self.by_region.insert((o.region_code.as_str().into(), o.id));
        self.entries.insert(
            o.id,
            Entry {
                region: o.region_code.as_str().into(),
                org_type: o.org_type.as_str().into(),
                status: o.status.as_str().into(),
                credit_list: o.credit_list.clone(),
                approval: o.approval.as_str().into(),
                fields: o.fields.clone(),
                actions,
            },
        );
    }

    /// Ids (ascending, at most `limit`) of registered organisations — approved,
    /// not deregistered — whose name or credit code matches `q`: the public
    /// registry, as a form's organisation picker offers it to anyone.
    pub fn registered(&self, q: &str, limit: usize) -> Vec<i64> {
        self.names
            .query(q)
            .into_iter()
            .filter(|id| self.entries.get(id).is_some_and(|e| e.approval == "approved" && e.status == "active"))
            .take(limit)
            .collect()
    }

    /// Ids (ascending) of the organisations in scope matching the filter: one
    /// page, and the total.
    pub fn search(&self, f: &OrgFilter, scope: &Scope, offset: usize, limit: usize) -> (Vec<i64>, usize) {
        let region_prefix = duijie_domain::RegionCode::parse(&f.region).map(|c| c.as_str().to_string()).unwrap_or_default();
        let keep = |id: &i64| -> bool {
            let Some(e) = self.entries.get(id) else { return false };
            let in_scope = match (scope.region(), scope.org_id()) {
                (Some(r), _) => e.region.starts_with(r.as_str()),
                (None, Some(own)) => *id == own,
                (None, None) => false,
            };
            in_scope
                && e.region.starts_with(&region_prefix)
                && (f.org_type.is_empty() || e.org_type == f.org_type)
                && (f.field.is_empty() || e.fields.split('、').any(|x| x == f.field))
                && f.action.is_none_or(|a| e.actions.contains(&a))
                && match f.status.as_str() {
                    "" => true,
                    "listed" => !e.credit_list.is_empty(),
                    "pending" => e.approval != "approved",
                    s => e.status == s && e.approval == "approved",
                }
        };
        let mut ids: Vec<i64> = if f.q.trim().is_empty() {
            // The narrower of the scope's region and the filter's (they nest, or nothing is kept).
            let scope_region = scope.region().map_or("", |r| r.as_str());
            let under = if region_prefix.len() > scope_region.len() { region_prefix.as_str() } else { scope_region };
            let mut all: Vec<i64> = match (scope.region(), scope.org_id()) {
                (None, Some(own)) => vec![own],
                _ => self.by_region.range((under.to_string(), i64::MIN)..).take_while(|(r, _)| r.starts_with(under)).map(|(_, id)| *id).collect(),
            };
            all.retain(|id| keep(id));
            all.sort_unstable();
            all
        } else {
            self.names.query(&f.q).into_iter().filter(|id| keep(id)).collect()
        };
        let total = ids.len();
        ids = ids.into_iter().skip(offset).take(limit).collect();
        (ids, total)
    }
}
