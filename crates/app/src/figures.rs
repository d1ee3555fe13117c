//! The project figures of the 项目统计 dashboard, computed once and shared
//! while the projects do not change.
//!
//! At national scale one computation reads every project in the caller's
//! scope five times (totals, and by 项目性质, field, child region and start
//! month); thirty-two officers opening the dashboard at once would each pay
//! for it. Here the figures of one (role, scope, filter) are kept and handed
//! to everyone who asks the same question.
//!
//! Guarantees:
//! - Exact: before answering from kept figures, the projects table's
//!   [`Stamp`] is read again (two index seeks) and must equal the one read
//!   before those figures were computed, so a change committed through any
//!   process — this server, another one, the command line — is shown by the
//!   next request. The one change a stamp can miss (see [`Stamp`]) is shown
//!   once the kept figures are [`KEEP_FOR`] old.
//! - One computation at a time per question: requests asking the same
//!   question while it is computed wait for it and share its answer.
//! - Bounded: at most [`KEPT`] questions are kept; beyond that the oldest
//!   half is forgotten.
//! - Scope is not widened: the key holds everything an answer depends on
//!   (the caller's role, region and organisation, and the whole filter), and
//!   the figures are computed for that scope.

use duijie_store::Db;
use duijie_store::projects::{self, Filter, GroupBy, Group, Stamp, Totals};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Longest kept figures are shown without being computed again.
pub const KEEP_FOR: Duration = Duration::from_secs(60);
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
}

struct Entry {
    stamp: Stamp,
    at: Instant,
    figures: Arc<Figures>,
}

/// One question's slot: its lock is held while it is computed.
type Slot = Arc<tokio::sync::Mutex<Option<Entry>>>;

/// Figures kept per question (one per running server).
#[derive(Default)]
pub struct Kept {
    slots: Mutex<HashMap<String, (Instant, Slot)>>,
}

impl Kept {
    /// The figures of the projects `scope` sees under `f`, regions grouped by
    /// codes `child_len` long. `key` must name everything else the answer
    /// depends on (see [`crate::projects::dashboard`]).
    pub async fn figures(&self, db: &Db, key: String, scope: &duijie_domain::Scope, f: &Filter, child_len: usize) -> Result<Arc<Figures>, duijie_store::Error> {
        let key = format!("{key}|{scope:?}|{f:?}|{child_len}");
        let slot = self.slot(key);
        let mut entry = slot.lock().await;
        let stamp = projects::stamp(db).await?;
        if let Some(e) = entry.as_ref()
            && e.stamp == stamp
            && e.at.elapsed() < KEEP_FOR
        {
            return Ok(e.figures.clone());
        }
        let at = Instant::now();
        let figures = Arc::new(Figures {
            totals: projects::totals(db, scope, f).await?,
            by_nature: projects::breakdown(db, scope, f, GroupBy::Nature).await?,
            by_field: projects::breakdown(db, scope, f, GroupBy::Field).await?,
            by_region: projects::breakdown(db, scope, f, GroupBy::Region(child_len)).await?,
            by_month: projects::breakdown(db, scope, f, GroupBy::StartMonth).await?,
        });
        *entry = Some(Entry { stamp, at, figures: figures.clone() });
        Ok(figures)
    }

    /// The slot of `key`, made if new; forgets the older half when full.
    fn slot(&self, key: String) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if !slots.contains_key(&key) && slots.len() >= KEPT {
            let mut used: Vec<Instant> = slots.values().map(|(t, _)| *t).collect();
            used.sort();
            let cut = used[used.len() / 2];
            slots.retain(|_, (t, _)| *t > cut);
        }
        let (used, slot) = slots.entry(key).or_insert_with(|| (now, Slot::default()));
        *used = now;
        slot.clone()
    }
}
