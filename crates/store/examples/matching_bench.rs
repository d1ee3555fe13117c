//! Matching benchmark (not a test; see BENCHMARKS.md and bench/matching.sh).
//!
//! `matching_bench DATABASE_URL [ORGS OFFERS DEMANDS [PAIRINGS]] [--fill-only]`
//! fills a fresh database (reference data loaded) with ORGS organisations
//! (valid, unique credit codes, real counties, fields, 结对意愿), OFFERS offers,
//! DEMANDS demands over real townships, 60% of them published and a fifth of
//! those matched, and PAIRINGS county pairings in every state (none by
//! default); with `--fill-only` it stops there (bench/http.sh), otherwise it
//! measures what a person waits for:
//! - loading the matching catalogue at start,
//! - recommendations for one published demand (organisations and offers, top 20
//!   each, with reasons), over random demands,
//! - recommendations of demands for one organisation,
//! - the success-rate dashboard of the whole country for this year so far
//!   (sync with the database, then the rate with its breakdown by province and
//!   field, and the long-unmatched count);
//!
//! and the process's peak memory.

use duijie_domain::OrgType;
use duijie_domain::org::FIELDS;
use duijie_store::demand::catalog::MatchCatalog;
use duijie_store::{Db, on_db};
use std::time::Instant;

const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() as usize) % n
    }
}

fn divisions(level: &str) -> Vec<String> {
    duijie_store::regions::parse_division_csv(duijie_store::regions::DIVISIONS_GZ)
        .expect("shipped divisions")
        .into_iter()
        .filter(|r| r.level == level && duijie_domain::RegionCode::parse(&r.code).map(|c| c.as_str() == r.code).unwrap_or(false))
        .map(|r| r.code)
        .collect()
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 * p) as usize).min(v.len() - 1)]
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<f64>().ok()))
        .unwrap_or(0.0)
        / 1024.0
}

async fn exec(tx: &mut duijie_store::Tx, sql: String) {
    let sql = sqlx::AssertSqlSafe(sql);
    duijie_store::on_tx_exec!(tx, c => sqlx::query(sql).execute(c).await).expect("insert");
}

/// Inserts rows in multi-row statements, one transaction per 50,000 rows.
async fn bulk(db: &Db, head: &str, rows: impl Iterator<Item = String>) {
    let mut batch: Vec<String> = Vec::with_capacity(500);
    let mut in_tx = 0;
    let mut tx = db.begin().await.expect("begin");
    for r in rows {
        batch.push(r);
        if batch.len() == 500 {
            exec(&mut tx, format!("{head} VALUES {}", batch.join(","))).await;
            batch.clear();
            in_tx += 500;
            if in_tx >= 50_000 {
                tx.commit().await.expect("commit");
                tx = db.begin().await.expect("begin");
                in_tx = 0;
            }
        }
    }
    if !batch.is_empty() {
        exec(&mut tx, format!("{head} VALUES {}", batch.join(","))).await;
    }
    tx.commit().await.expect("commit");
}

async fn fill(db: &Db, orgs: usize, offers: usize, demands: usize, pairings: usize) {
    let counties = divisions("county");
    let townships = divisions("township");
    let mut rng = Lcg(20261123);
    let now = duijie_store::now();
    let types = [OrgType::SocialGroup, OrgType::Foundation, OrgType::ServiceInstitution];
    let started = Instant::now();
    let mut org_county: Vec<&str> = Vec::with_capacity(orgs);
    let org_rows: Vec<String> = (0..orgs)
        .map(|i| {
            let t = types[i % 3];
            let county = &counties[rng.below(counties.len())];
            org_county.push(county);
            let mut body = String::new();
            let mut x = i as u64 + 1;
            for _ in 0..8 {
                body.insert(0, ALPHABET[(x % 31) as usize] as char);
                x /= 31;
            }
            let code = duijie_domain::Uscc::complete(&format!("{}{county}{body}", t.code_prefix())).expect("code");
            let (f1, f2) = (FIELDS[rng.below(FIELDS.len())], FIELDS[rng.below(FIELDS.len())]);
            let listed = if i % 97 == 0 { "abnormal" } else { "" };
            format!("('{code}','测试组织{i}','{}','county','{county}','active',FALSE,{now},'','{f1}、{f2}','3A',FALSE,'','','','{listed}','','approved','','',{now})", t.as_str())
        })
        .collect();
    bulk(db, "INSERT INTO organizations (credit_code, name, org_type, reg_level, region_code, status, is_demo, created_at, supervisor, fields, rating, party_org, contact_name, contact_phone, address, credit_list, credit_list_reason, approval, approval_note, provenance, updated_at)", org_rows.into_iter()).await;
    let first_org: i64 = on_db!(db, p => sqlx::query_scalar("SELECT MIN(id) FROM organizations WHERE name LIKE '测试组织%'").fetch_one(p).await).expect("ids");
    let intents = (0..orgs).step_by(3).map(|i| format!("({},{},'{}','',  'bench',{now})", first_org + i as i64, 1 + i % 5, &counties[i % counties.len()][..2]));
    bulk(db, "INSERT INTO pairing_intents (org_id, capacity, preferred, note, updated_by, updated_at)", intents).await;
    eprintln!("{orgs} organisations in {:.1} s", started.elapsed().as_secs_f64());
    let started = Instant::now();
    let mut rng2 = Lcg(7);
    let offer_rows = (0..offers).map(|i| {
        let org = first_org + (rng2.below(orgs)) as i64;
        let (f1, f2) = (FIELDS[rng2.below(FIELDS.len())], FIELDS[rng2.below(FIELDS.len())]);
        let region = &counties[rng2.below(counties.len())][..if i % 2 == 0 { 2 } else { 4 }];
        format!("({org},'','供给项目{i}','','{f1}、{f2}','{region}',{},{},'','',{},'published','',FALSE,'bench',{now},FALSE,{now})", (1 + rng2.below(100)) * 1_000_000, rng2.below(20), 1 + rng2.below(5))
    });
    bulk(db, "INSERT INTO offers (org_id, org_region, title, description, fields, target_regions, funds_fen, people, period_start, period_end, capacity, status, hidden_reason, featured, created_by, created_at, is_demo, updated_at)", offer_rows).await;
    eprintln!("{offers} offers in {:.1} s", started.elapsed().as_secs_f64());
    let started = Instant::now();
    let year = duijie_store::pairing::start_of_day(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"));
    let span = (now - year).max(86_400);
    let mut rng3 = Lcg(11);
    let demand_rows = (0..demands).map(|i| {
        let t = &townships[rng3.below(townships.len())];
        let field = FIELDS[rng3.below(FIELDS.len())];
        let roll = rng3.below(100);
        let published = roll < 60;
        let matched = roll < 12;
        let pub_at = year - 200 * 86_400 + (rng3.next() as i64 % (span + 200 * 86_400));
        let status = if matched { "taken" } else if published { "published" } else { "draft" };
        let p = if published { pub_at.to_string() } else { "NULL".into() };
        let m = if matched { (pub_at + (rng3.next() as i64 % (30 * 86_400))).min(now).to_string() } else { "NULL".into() };
        format!("('需求{i}','','{field}','township','{t}','{}','脱贫人口',{},{},'capacity',{},'',FALSE,'','','{status}','{}','bench',{now},{p},{p},'bench',{m},NULL,NULL,NULL,'','',FALSE,{now})", &t[..6], rng3.below(500), (1 + rng3.below(50)) * 1_000_000, 1 + rng3.below(3), &t[..6])
    });
    bulk(db, "INSERT INTO demands (title, description, field, target_kind, region_code, county_code, beneficiary_group, beneficiary_count, funds_fen, mode, urgency, deadline, is_wish, contact_name, contact_phone, status, unit_region, created_by, created_at, submitted_at, published_at, published_by, matched_at, started_at, done_at, closed_at, close_reason, provenance, is_demo, updated_at)", demand_rows).await;
    eprintln!("{demands} demands in {:.1} s", started.elapsed().as_secs_f64());
    if pairings > 0 {
        let started = Instant::now();
        let mut tx = db.begin().await.expect("begin");
        exec(&mut tx, format!("INSERT INTO pairing_batches (name, region_code, doc_no, sign_deadline, published_at, published_by, created_by, created_at) VALUES ('测试结对批次', '', '', '2027-06-30', {now}, 'bench', 'bench', {now})")).await;
        tx.commit().await.expect("commit");
        let batch: i64 = on_db!(db, p => sqlx::query_scalar("SELECT MAX(id) FROM pairing_batches").fetch_one(p).await).expect("batch");
        let statuses = ["proposed", "consented", "signed", "active"];
        let mut rng4 = Lcg(13);
        // Each organisation at most once (every second one), with a county of another province or its own.
        let rows = (0..pairings.min(orgs.div_ceil(2))).map(|i| {
            let o = i * 2;
            let county = &counties[rng4.below(counties.len())];
            format!("({batch},'county',{},'{}','{county}','{county}','{}','{}','bench',{now},{now},{now})", first_org + o as i64, org_county[o], FIELDS[rng4.below(FIELDS.len())], statuses[i % 4])
        });
        bulk(db, "INSERT INTO pairings (batch_id, kind, org_id, org_region, region_code, county_code, fields, status, proposed_by, proposed_at, listed_at, updated_at)", rows).await;
        eprintln!("{pairings} pairings in {:.1} s", started.elapsed().as_secs_f64());
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `--fill-only` anywhere: fill the database and stop (the front-door benchmark, bench/http.sh).
    let fill_only = args.iter().any(|a| a == "--fill-only");
    let args: Vec<&String> = args.iter().filter(|a| *a != "--fill-only").collect();
    let url = args.get(1).expect("usage: matching_bench DATABASE_URL [ORGS OFFERS DEMANDS [PAIRINGS]] [--fill-only]");
    let n = |i: usize, d: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (orgs, offers, demands, pairings) = (n(2, 100_000), n(3, 100_000), n(4, 1_000_000), n(5, 0));
    let db = Db::connect(url).await.expect("database");
    duijie_store::reference::ensure_loaded(&db).await.expect("reference data");
    let have: i64 = on_db!(&db, p => sqlx::query_scalar("SELECT COUNT(*) FROM demands").fetch_one(p).await).expect("count");
    if have == 0 {
        fill(&db, orgs, offers, demands, pairings).await;
    }
    if fill_only {
        return;
    }
    let started = Instant::now();
    let mut cat = MatchCatalog::load(&db).await.expect("catalogue");
    println!("- matching catalogue loaded at start: {:.2} s ({} demands)", started.elapsed().as_secs_f64(), cat.demand_count());
    let ids: Vec<i64> = on_db!(&db, p => sqlx::query_scalar("SELECT id FROM demands WHERE status = 'published' ORDER BY id").fetch_all(p).await).expect("ids");
    let mut rng = Lcg(3);
    let mut times = Vec::new();
    let mut found = 0usize;
    for _ in 0..1000 {
        let id = ids[rng.below(ids.len())];
        let t = Instant::now();
        let d = duijie_store::demand::get(&db, id).await.expect("get").expect("demand").unscoped();
        cat.sync(&db).await.expect("sync");
        let (o, f) = cat.recommend_for_demand(&d, 20);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        found += usize::from(!o.is_empty() || !f.is_empty());
    }
    println!(
        "- recommendations for one demand (load it, sync, score all organisations and offers, top 20 of each with reasons), 1000 random published demands: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms; {found} had recommendations",
        pct(&mut times, 0.5),
        pct(&mut times, 0.95),
        pct(&mut times, 0.99)
    );
    let org_ids: Vec<i64> = on_db!(&db, p => sqlx::query_scalar("SELECT id FROM organizations WHERE credit_list = '' ORDER BY id").fetch_all(p).await).expect("orgs");
    let mut times = Vec::new();
    for _ in 0..200 {
        let id = org_ids[rng.below(org_ids.len())];
        let t = Instant::now();
        cat.sync(&db).await.expect("sync");
        let _ = cat.recommend_for_org(id, 20);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!("- demands recommended to one organisation (sync, score every published demand of its fields), 200 organisations: p50 {:.1} ms, p99 {:.1} ms", pct(&mut times, 0.5), pct(&mut times, 0.99));
    let from = duijie_store::pairing::start_of_day(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date"));
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..50 {
        let t = Instant::now();
        cat.sync(&db).await.expect("sync");
        let r = cat.success_rate("", 2, from, duijie_store::now(), duijie_store::now());
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        last = Some(r);
    }
    let r = last.expect("a run");
    println!(
        "- success-rate dashboard, whole country, this year (sync, rate, by province and field, long unmatched), 50 runs: p50 {:.1} ms, max {:.1} ms — {} published, {} matched ({}), {} provinces, {} long unmatched",
        pct(&mut times, 0.5),
        pct(&mut times, 1.0),
        r.total.published,
        r.total.matched,
        r.total.percent(),
        r.by_region.len(),
        r.long_unmatched
    );
    let t = Instant::now();
    let sql = duijie_store::demand::catalog::success_rate_sql(&db, "", from, duijie_store::now()).await.expect("sql");
    println!("- the same rate straight from SQL (the definition as a query): {:.0} ms, ({}, {}) — agrees: {}", t.elapsed().as_secs_f64() * 1000.0, sql.0, sql.1, sql == (r.total.published as i64, r.total.matched as i64));
    println!("- peak memory of the process: {:.0} MB", peak_rss_mb());
}
