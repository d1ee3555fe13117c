//! Verifiable-log benchmark tools (not tests; see BENCHMARKS.md and bench/log.sh).
//!
//! - `log_bench fill DATABASE_URL N`: appends audited changes (public pairing
//!   entries, as the platform writes them: audit row, chain head, leaf and the
//!   subtrees it completes) until the log holds N entries, 10,000 per transaction.
//! - `log_bench writes DATABASE_URL SAMPLES`: the latency of one audited write
//!   (its own transaction, committed) at the log's current size.
//! - `log_bench proofs DATABASE_URL SAMPLES`: the latency of an inclusion proof
//!   at random indexes and of a consistency proof from a random size, each as
//!   `duijie_app::log` serves it (read from the stored subtrees and checked
//!   before it is given), at the log's current size.
//! - `log_bench sign DATABASE_URL`: the time to sign a checkpoint of the whole log.

use duijie_store::audit::{self, Actor, Change};
use duijie_store::{Db, log as store_log};
use std::time::{Duration, Instant};

struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) % n.max(1)
    }
}

async fn append(tx: &mut duijie_store::Tx, actor: &Actor, i: u64) {
    let after = serde_json::json!({"status": "active", "county": "530628", "funds_fen": i * 100});
    let change = Change { region: "530628", action: "pairing.activate", entity: "pairing", entity_id: &(i % 100_000).to_string(), before: None, after: Some(after) };
    audit::append(tx, actor, change).await.expect("append");
}

fn summary(name: &str, mut d: Vec<Duration>) {
    d.sort();
    let at = |q: f64| d[((d.len() as f64 * q) as usize).min(d.len() - 1)].as_secs_f64() * 1000.0;
    println!("{name}: n={} p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms", d.len(), at(0.5), at(0.95), at(0.99), at(1.0));
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: log_bench fill|writes|proofs|sign DATABASE_URL [N]";
    let (cmd, url) = (args.get(1).expect(usage), args.get(2).expect(usage));
    let n: u64 = args.get(3).map(|s| s.parse().expect("a number")).unwrap_or(1000);
    let db = Db::connect(url).await.expect("database");
    let actor = Actor::system("基准测试");
    let size = store_log::size(&db).await.unwrap();
    match cmd.as_str() {
        "fill" => {
            let started = Instant::now();
            let mut have = size;
            while have < n {
                let batch = (n - have).min(10_000);
                let mut tx = db.begin().await.unwrap();
                for i in have..have + batch {
                    append(&mut tx, &actor, i).await;
                }
                tx.commit().await.unwrap();
                have += batch;
                if have % 1_000_000 == 0 || have == n {
                    eprintln!("{have} entries, {:.0} appends/s", (have - size) as f64 / started.elapsed().as_secs_f64());
                }
            }
            println!("filled {} entries in {:.1} s", n.saturating_sub(size), started.elapsed().as_secs_f64());
        }
        "writes" => {
            let mut d = Vec::with_capacity(n as usize);
            for i in 0..n {
                let t = Instant::now();
                let mut tx = db.begin().await.unwrap();
                append(&mut tx, &actor, size + i).await;
                tx.commit().await.unwrap();
                d.push(t.elapsed());
            }
            summary(&format!("one audited write (own transaction) at {size} entries"), d);
        }
        "proofs" => {
            let mut rng = Lcg(7);
            let (mut inc, mut con) = (Vec::new(), Vec::new());
            for _ in 0..n {
                let index = rng.below(size);
                let t = Instant::now();
                duijie_app::log::inclusion(&db, index, size).await.expect("inclusion");
                inc.push(t.elapsed());
                let from = 1 + rng.below(size - 1);
                let t = Instant::now();
                duijie_app::log::consistency(&db, from, size).await.expect("consistency");
                con.push(t.elapsed());
            }
            summary(&format!("inclusion proof at {size} entries"), inc);
            summary(&format!("consistency proof to {size} entries"), con);
        }
        "sign" => {
            let key = duijie_tlog::note::PrivateKey::generate("duijie.bench/log").unwrap();
            let mut d = Vec::new();
            for _ in 0..n.min(50) {
                let t = Instant::now();
                duijie_app::log::sign_checkpoint(&db, &key).await.expect("sign");
                d.push(t.elapsed());
            }
            summary(&format!("signing a checkpoint of {size} entries"), d);
        }
        _ => panic!("{usage}"),
    }
}
