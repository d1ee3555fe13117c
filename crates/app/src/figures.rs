//! The project figures of the 项目统计 dashboard, computed once and shared
//! while the projects do not change.
//!
//! At national scale one computation reads every project in the caller's
//! scope five times (totals, and by 项目性质, field, child region and start
//! month): about 0.5 s for a province and 5 s for the whole country at
//! 1,000,000 projects. Here the figures of one (role, scope, filter) are
//! computed in the background, kept, and handed to everyone who asks the
//! same question.
//!
//! Guarantees:
//! - Exact while nothing changes: before answering from kept figures, the
//!   projects table's [`Stamp`] is read again (two index seeks); kept figures
//!   whose stamp equals it are shown as they are. The one change a stamp can
//!   miss (see [`Stamp`]) is caught by computing again in the background once
//!   kept figures are [`KEEP_FOR`] old (the kept ones are shown meanwhile).
//! - After a change, a request waits up to [`WAIT`] for figures that include
//!   it (a province's figures come well within it, so the person who just
//!   saved a project sees it counted); when the computation takes longer (the
//!   whole country), the figures kept from before are shown, marked with the
//!   time they were computed and as being updated ([`Shown::updating`]), and
//!   the next request after the computation gets the new ones. Only a
//!   question asked for the first time waits for its computation however
//!   long it takes.
//! - One computation at a time per question and stamp: requests asking the
//!   same question meanwhile wait for it or are shown the kept figures; a
//!   newer computation's figures are never replaced by an older one's.
//! - Bounded: at most [`KEPT`] questions are kept; beyond that the least
//!   recently asked half is forgotten.
//! - Scope is not widened: the key holds everything an answer depends on
//!   (the caller's role, region and organisation, and the whole filter), and
//!   the figures are computed for that scope.

use duijie_domain::Scope;
use duijie_store::Db;
use duijie_store::projects::{self, Filter, Group, GroupBy, Stamp, Totals};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Age after which kept figures are computed again even though the stamp did not change.
pub const KEEP_FOR: Duration = Duration::from_secs(60);
/// Longest a request waits for figures that include a change before it is
/// shown the figures kept from before.
pub const WAIT: Duration = Duration::from_secs(1);
/// Most questions kept at once.
pub const KEPT: usize = 512;

/// The figures of the projects a scope sees under a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub totals: Totals,
    pub by_nature: Vec<Group>,
    pub by_field: Vec<Group>,
    /// By the first `child_len` characters of the helped region's code.
    pub by_region: Vec<Group>,
    pub by_month: Vec<Group>,
    /// When the computation started (Unix seconds).
    pub computed_at: i64,
    /// The map the page draws from these figures, drawn once for everyone
    /// shown them (the whole country's is 370 outlines, 370 KB of SVG).
    pub map: std::sync::OnceLock<String>,
}

/// Figures as shown to one request.
#[derive(Debug, Clone)]
pub struct Shown {
    pub figures: Arc<Figures>,
    /// The projects changed since these figures were computed and newer ones
    /// are being computed.
    pub updating: bool,
}

struct Entry {
    stamp: Stamp,
    /// Order of the computation that made it (a later one wins).
    seq: u64,
    at: Instant,
    figures: Arc<Figures>,
}

/// A computation under way: its stamp and where its result appears.
struct Running {
    stamp: Stamp,
    done: watch::Receiver<Option<Arc<Entry>>>,
}

struct Slot {
    used: Instant,
    kept: Option<Arc<Entry>>,
    running: Option<Running>,
}

#[derive(Default)]
struct Slots {
    by_key: HashMap<String, Slot>,
    seq: u64,
}

/// Figures kept per question (one per running server).
pub struct Kept {
    slots: Arc<Mutex<Slots>>,
    /// [`WAIT`]; zero (tests) does not wait at all.
    wait: Duration,
}

impl Default for Kept {
    fn default() -> Kept {
        Kept { slots: Arc::default(), wait: WAIT }
    }
}

/// What a request needs to compute the figures of its question.
#[derive(Clone)]
struct Question {
    db: Db,
    key: String,
    scope: Scope,
    filter: Filter,
    child_len: usize,
}

impl Kept {
    /// The figures of the projects `scope` sees under `f`, regions grouped by
    /// codes `child_len` long. `key` must name everything else the answer
    /// depends on (see [`crate::projects::dashboard`]).
    pub async fn figures(&self, db: &Db, key: String, scope: &Scope, f: &Filter, child_len: usize) -> Result<Shown, duijie_store::Error> {
        let q = Question { db: db.clone(), key: format!("{key}|{scope:?}|{f:?}|{child_len}"), scope: scope.clone(), filter: f.clone(), child_len };
        let stamp = projects::stamp(db).await?;
        let (kept, mut done) = {
            let mut slots = lock(&self.slots);
            let slot = slots.slot(&q.key);
            let kept = slot.kept.clone();
            if let Some(k) = &kept
                && k.stamp == stamp
                && k.at.elapsed() < KEEP_FOR
            {
                return Ok(Shown { figures: k.figures.clone(), updating: false });
            }
            let running = slot.running.as_ref().filter(|r| r.stamp == stamp).map(|r| r.done.clone());
            let done = match running {
                Some(done) => done,
                None => start(&self.slots, &mut slots, &q, stamp),
            };
            (kept, done)
        };
        match kept {
            // Only old: shown while the background computation runs.
            Some(k) if k.stamp == stamp => Ok(Shown { figures: k.figures.clone(), updating: false }),
            Some(k) => {
                // None: not finished within the wait; Some(None): failed.
                let new = if self.wait.is_zero() {
                    done.borrow().clone().map(Some)
                } else {
                    match tokio::time::timeout(self.wait, done.wait_for(Option::is_some)).await {
                        Ok(new) => Some(new.ok().and_then(|new| new.clone())),
                        Err(_) => None,
                    }
                };
                match new {
                    Some(Some(e)) => Ok(Shown { figures: e.figures.clone(), updating: false }),
                    Some(None) => compute_here(&q).await,
                    None => Ok(Shown { figures: k.figures.clone(), updating: true }),
                }
            }
            None => {
                let new = done.wait_for(Option::is_some).await.ok().and_then(|new| new.clone());
                match new {
                    Some(e) => Ok(Shown { figures: e.figures.clone(), updating: false }),
                    None => compute_here(&q).await,
                }
            }
        }
    }
}

impl Slots {
    /// The slot of `key`, made if new; forgets the least recently used half when full.
    fn slot(&mut self, key: &str) -> &mut Slot {
        let now = Instant::now();
        if !self.by_key.contains_key(key) && self.by_key.len() >= KEPT {
            let mut used: Vec<Instant> = self.by_key.values().map(|s| s.used).collect();
            used.sort();
            let cut = used[used.len() / 2];
            self.by_key.retain(|_, s| s.used > cut);
        }
        let slot = self.by_key.entry(key.to_string()).or_insert_with(|| Slot { used: now, kept: None, running: None });
        slot.used = now;
        slot
    }
}

fn lock(slots: &Mutex<Slots>) -> std::sync::MutexGuard<'_, Slots> {
    slots.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts computing `q` in the background (its figures include everything
/// committed when `stamp` was read) and returns where the result appears.
fn start(shared: &Arc<Mutex<Slots>>, slots: &mut Slots, q: &Question, stamp: Stamp) -> watch::Receiver<Option<Arc<Entry>>> {
    slots.seq += 1;
    let seq = slots.seq;
    let (tx, rx) = watch::channel(None);
    slots.slot(&q.key).running = Some(Running { stamp, done: rx.clone() });
    let (shared, q) = (shared.clone(), q.clone());
    tokio::spawn(async move {
        let result = compute(&q).await;
        let mut slots = lock(&shared);
        let slot = slots.slot(&q.key);
        if slot.running.as_ref().is_some_and(|r| r.stamp == stamp) {
            slot.running = None;
        }
        match result {
            Ok(figures) => {
                let entry = Arc::new(Entry { stamp, seq, at: Instant::now(), figures: Arc::new(figures) });
                if slot.kept.as_ref().is_none_or(|k| k.seq < seq) {
                    slot.kept = Some(entry.clone());
                }
                let _ = tx.send(Some(entry));
            }
            // Waiting requests compute it themselves and answer the error.
            Err(e) => tracing::warn!("项目统计计算失败：{e}"),
        }
    });
    rx
}

/// Computes the figures in the request itself (after a failed background
/// computation, so that the request answers the store's error).
async fn compute_here(q: &Question) -> Result<Shown, duijie_store::Error> {
    Ok(Shown { figures: Arc::new(compute(q).await?), updating: false })
}

async fn compute(q: &Question) -> Result<Figures, duijie_store::Error> {
    let (db, scope, f) = (&q.db, &q.scope, &q.filter);
    Ok(Figures {
        computed_at: duijie_store::now(),
        totals: projects::totals(db, scope, f).await?,
        by_nature: projects::breakdown(db, scope, f, GroupBy::Nature).await?,
        by_field: projects::breakdown(db, scope, f, GroupBy::Field).await?,
        by_region: projects::breakdown(db, scope, f, GroupBy::Region(q.child_len)).await?,
        by_month: projects::breakdown(db, scope, f, GroupBy::StartMonth).await?,
        map: std::sync::OnceLock::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn number(db: &Db, sql: &'static str) -> i64 {
        duijie_store::on_db!(db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap()
    }

    /// Kept figures are shown, marked as being updated, when a change's
    /// computation takes longer than the wait (here: no wait at all); the
    /// request after it has finished shows the change.
    #[tokio::test]
    async fn after_a_change_the_old_figures_are_marked_until_the_new_ones_are_computed() {
        let t = duijie_store::testing::fresh_sqlite().await.unwrap();
        let kept = Kept { wait: Duration::ZERO, ..Kept::default() };
        let (scope, filter) = (Scope::everything(), Filter::default());
        let ask = || kept.figures(&t.db, "test".into(), &scope, &filter, 2);
        let sum = "SELECT CAST(COALESCE(SUM(beneficiaries), 0) AS BIGINT) FROM projects";
        assert!(number(&t.db, "SELECT COUNT(*) FROM projects").await > 0, "the demo has projects");

        let first = ask().await.unwrap();
        assert!(!first.updating);
        assert_eq!(first.figures.totals.beneficiaries, number(&t.db, sum).await);
        let again = ask().await.unwrap();
        assert!(Arc::ptr_eq(&first.figures, &again.figures), "asked again, the kept figures");

        // Another process changes a project (its stamp moves on).
        let change = "UPDATE projects SET beneficiaries = beneficiaries + 7, updated_at = updated_at + 100000, version = version + 1 \
                      WHERE id = (SELECT MIN(id) FROM projects)";
        duijie_store::on_db!(&t.db, p => sqlx::query(change).execute(p).await.map(|_| ())).unwrap();
        let during = ask().await.unwrap();
        assert!(during.updating, "marked as being updated");
        assert_eq!(during.figures.totals, first.figures.totals, "the figures from before");

        let key = lock(&kept.slots).by_key.keys().next().cloned().unwrap();
        let mut done = lock(&kept.slots).by_key[&key].running.as_ref().map(|r| r.done.clone()).expect("a computation runs");
        done.wait_for(Option::is_some).await.unwrap();
        let after = ask().await.unwrap();
        assert!(!after.updating);
        assert_eq!(after.figures.totals.beneficiaries, first.figures.totals.beneficiaries + 7);
        assert_eq!(after.figures.totals.beneficiaries, number(&t.db, sum).await);
    }
}
