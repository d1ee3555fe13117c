//! Derived data — the organisation catalogue, the matching catalogue and the
//! full-text index — kept in step with the database by one background task.
//!
//! Guarantees:
//! - Requests only read derived data, through [`Derived::catalog`],
//!   [`Derived::matches`] and [`Derived::fulltext`]: no request can take a
//!   catalogue's write lock or write the index. Only [`Derived::sync`] changes
//!   them; it reads the database first and takes a write lock only to apply
//!   news in memory (none when nothing changed).
//! - The server answers at once after start: the first full load runs in the
//!   background, and a request that needs derived data waits until it is
//!   complete (it never sees a half-loaded catalogue).
//! - Read-your-writes: after a write succeeds, [`Derived::refresh`] returns
//!   only once a sync that started after the write finished (the web layer
//!   calls it after every write request), so the writer's next request sees
//!   the change; writers waiting at the same time share one sync.
//!   Until the first load is complete, writes do not wait; reads wait for the
//!   load and for a sync that covers those writes (see [`Derived::refresh`]).
//! - Writes of other processes (the CLI's imports, other servers) are picked
//!   up within [`INTERVAL`].
//! - A failed sync is logged and tried again on the next tick; writers waiting
//!   for it are released (their change shows after the next good sync).
//! - The background task ends when the last [`Derived`] handle is dropped.

use duijie_fulltext::FullText;
use duijie_store::Db;
use duijie_store::catalog::{OrgCatalog, OrgChanges};
use duijie_store::demand::catalog::{MatchCatalog, MatchChanges, SuccessRate};
use duijie_store::search::Indexer;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{Notify, RwLock, RwLockReadGuard, watch};

/// How often the background task looks for changes made elsewhere.
pub const INTERVAL: Duration = Duration::from_secs(1);
/// Longest a request waits for a sync before going on without it.
const WAIT_LIMIT: Duration = Duration::from_secs(120);

/// The derived data of one database and what keeps it fresh.
pub struct Derived {
    db: Db,
    catalog: RwLock<OrgCatalog>,
    matches: RwLock<MatchCatalog>,
    fulltext: FullText,
    indexer: Indexer,
    /// Syncs asked for (a counter: each write request takes the next number).
    requested: AtomicU64,
    /// The highest number taken by a write that did not wait because the first
    /// load was still running: readers wait for it too.
    during_load: AtomicU64,
    /// The highest request number a finished sync covers; 0 until the first
    /// full load is complete, which covers number 1.
    finished: watch::Sender<u64>,
    wake: Arc<Notify>,
    /// One sync at a time.
    running: tokio::sync::Mutex<()>,
    /// Success rates computed for the current matching catalogue.
    rates: std::sync::Mutex<RateCache>,
}

/// Success rates by (region, child code length, from, to), with the catalogue
/// generation and the minute they were computed for.
type RateCache = std::collections::HashMap<(String, usize, i64, i64), (u64, i64, SuccessRate)>;
/// Most success rates kept; the cache is emptied when it would grow beyond.
const RATES_KEPT: usize = 1_000;

impl Derived {
    /// Starts the background task, whose first sync loads everything.
    pub fn start(db: &Db, fulltext: FullText) -> Arc<Derived> {
        let derived = Arc::new(Derived {
            db: db.clone(),
            catalog: RwLock::new(OrgCatalog::default()),
            matches: RwLock::new(MatchCatalog::empty()),
            fulltext,
            indexer: Indexer::default(),
            // Number 1 stands for the first load.
            requested: AtomicU64::new(1),
            during_load: AtomicU64::new(1),
            finished: watch::Sender::new(0),
            wake: Arc::new(Notify::new()),
            running: tokio::sync::Mutex::new(()),
            rates: std::sync::Mutex::default(),
        });
        derived.wake.notify_one();
        tokio::spawn(run(Arc::downgrade(&derived), derived.wake.clone()));
        derived
    }

    /// Waits until the sync numbered `ticket` (or a later one) has finished.
    async fn wait_for(&self, ticket: u64) {
        let mut done = self.finished.subscribe();
        if tokio::time::timeout(WAIT_LIMIT, done.wait_for(|n| *n >= ticket)).await.is_err() {
            tracing::warn!("派生数据同步超过 {} 秒未完成", WAIT_LIMIT.as_secs());
        }
    }

    /// Waits until the first load is complete and includes every write
    /// answered while it ran.
    async fn loaded(&self) {
        self.wait_for(self.during_load.load(Ordering::SeqCst)).await;
    }

    /// The organisation catalogue, once loaded.
    pub async fn catalog(&self) -> RwLockReadGuard<'_, OrgCatalog> {
        self.loaded().await;
        self.catalog.read().await
    }

    /// The matching catalogue, once loaded.
    pub async fn matches(&self) -> RwLockReadGuard<'_, MatchCatalog> {
        self.loaded().await;
        self.matches.read().await
    }

    /// The success rate of `region` (broken down by children whose codes are
    /// `child_len` long) for demands published between `from` and `to`. The
    /// same question asked again within the minute, with nothing changed in
    /// between, is answered from the previous computation.
    pub async fn success_rate(&self, region: &str, child_len: usize, from: i64, to: i64) -> SuccessRate {
        let cat = self.matches().await;
        let (generation, minute) = (cat.generation(), duijie_store::now() / 60);
        let key = (region.to_string(), child_len, from, to);
        let lock = || self.rates.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((g, m, rate)) = lock().get(&key)
            && (*g, *m) == (generation, minute)
        {
            return rate.clone();
        }
        let rate = cat.success_rate(region, child_len, from, to, minute * 60);
        let mut rates = lock();
        if rates.len() >= RATES_KEPT {
            rates.clear();
        }
        rates.insert(key, (generation, minute, rate.clone()));
        rate
    }

    /// The full-text index, once caught up with the database.
    pub async fn fulltext(&self) -> &FullText {
        self.loaded().await;
        &self.fulltext
    }

    /// Brings everything up to date with what is committed now.
    pub async fn sync(&self) -> Result<(), duijie_store::Error> {
        let _one = self.running.lock().await;
        let since = self.catalog.read().await.synced_at();
        let orgs = OrgChanges::read(&self.db, since).await?;
        if !orgs.is_empty() {
            self.catalog.write().await.apply(orgs);
        }
        if self.matches.read().await.is_unloaded() {
            // Nobody reads the catalogue before the first load is complete.
            *self.matches.write().await = MatchCatalog::load(&self.db).await?;
        }
        let since = self.matches.read().await.synced_at();
        let changes = MatchChanges::read(&self.db, since).await?;
        if self.matches.read().await.is_news(&changes) {
            self.matches.write().await.apply(changes);
        }
        self.indexer.sync(&self.db, &self.fulltext).await?;
        Ok(())
    }

    /// Returns once a sync that started after this call has finished — or at
    /// once while the first load is still running: a write in the first minute
    /// after a start (a login, say) does not wait for millions of rows to load;
    /// readers wait instead, for the first load and the sync after it.
    pub async fn refresh(&self) {
        let ticket = self.requested.fetch_add(1, Ordering::SeqCst) + 1;
        self.wake.notify_one();
        if *self.finished.borrow() == 0 {
            self.during_load.fetch_max(ticket, Ordering::SeqCst);
            // The load may have finished meanwhile; then wait as usual.
            if *self.finished.borrow() == 0 {
                return;
            }
        }
        self.wait_for(ticket).await;
    }
}

/// The background task: a sync on every wake-up and every [`INTERVAL`].
async fn run(derived: Weak<Derived>, wake: Arc<Notify>) {
    let started = std::time::Instant::now();
    loop {
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(INTERVAL) => {}
        }
        let Some(d) = derived.upgrade() else { return };
        // Read before syncing: every request numbered up to here committed before this sync began.
        let covers = d.requested.load(Ordering::SeqCst);
        match d.sync().await {
            Ok(()) => {
                if *d.finished.borrow() == 0 {
                    tracing::info!("目录与全文索引已加载，用时 {:.1} 秒", started.elapsed().as_secs_f64());
                    give_back_memory();
                }
                d.finished.send_modify(|n| *n = (*n).max(covers));
            }
            // The first load must succeed before anyone is served from it.
            Err(e) if *d.finished.borrow() == 0 => tracing::warn!("派生数据首次加载失败（稍后重试）：{e}"),
            Err(e) => {
                tracing::warn!("派生数据同步失败（下次重试）：{e}");
                d.finished.send_modify(|n| *n = (*n).max(covers));
            }
        }
    }
}

/// Returns to the system the memory the first load used and freed (pages of
/// rows, index buffers): the allocator keeps freed memory for reuse, and after
/// a load of millions of rows that is hundreds of megabytes nobody needs again.
fn give_back_memory() {
    // SAFETY: malloc_trim only releases free memory of glibc's own heaps; it takes no pointers.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    let _released = unsafe { libc::malloc_trim(0) };
}
