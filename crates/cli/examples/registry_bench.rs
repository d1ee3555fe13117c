//! Registry benchmark tools (not tests; see BENCHMARKS.md and bench/registry.sh).
//!
//! `registry_bench generate N FILE.xlsx [SEED]` writes N organisations with valid,
//! unique credit codes in the registry layout, spread over real counties, with
//! names built from common words so that searches hit realistic result sizes.
//! `registry_bench search DATABASE_URL [QUERIES]` loads the catalogue and reports
//! the latency distribution of name searches (national scope, first page).

use duijie_domain::{OrgType, RegionCode, Scope};
use duijie_store::catalog::{OrgCatalog, OrgFilter};
use std::time::Instant;

const PLACES: &[&str] = &["北京", "云南", "彝良", "昭通", "江苏", "南京", "吉林", "长白山", "贵州", "遵义", "四川", "凉山", "甘肃", "定西"];
const SUBJECTS: &[&str] = &["教育", "乡村发展", "助学", "慈善", "青少年发展", "妇女儿童", "养老服务", "医疗救助", "农业技术", "生态保护", "文化传承", "科技创新", "残疾人", "社会工作", "志愿服务"];
const KINDS: &[(&str, OrgType)] = &[("基金会", OrgType::Foundation), ("促进会", OrgType::SocialGroup), ("协会", OrgType::SocialGroup), ("服务中心", OrgType::ServiceInstitution), ("研究院", OrgType::ServiceInstitution)];
const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() as usize) % xs.len()]
    }
}

fn counties() -> Vec<String> {
    let gz = duijie_store::regions::DIVISIONS_GZ;
    duijie_store::regions::parse_division_csv(gz)
        .expect("shipped divisions")
        .into_iter()
        .filter(|r| r.level == "county" && RegionCode::parse(&r.code).map(|c| c.as_str() == r.code).unwrap_or(false))
        .map(|r| r.code)
        .collect()
}

fn generate(n: usize, file: &str, seed: u64) {
    let mut rng = Lcg(seed);
    let counties = counties();
    let mut rows = Vec::with_capacity(n);
    for i in 0..n {
        let (suffix, org_type) = *rng.pick(KINDS);
        let county = rng.pick(&counties).clone();
        // The organisation-code body encodes i, so codes are unique.
        let mut body = String::new();
        let mut x = i as u64 + 1;
        for _ in 0..8 {
            body.insert(0, ALPHABET[(x % 31) as usize] as char);
            x /= 31;
        }
        let code = duijie_domain::Uscc::complete(&format!("{}{county}{body}", org_type.code_prefix())).expect("valid code");
        let name = format!("{}{}{}{}", rng.pick(PLACES), rng.pick(SUBJECTS), suffix, i);
        let field = *rng.pick(duijie_domain::org::FIELDS);
        rows.push(vec![
            code.to_string(), name, org_type.label().to_string(), county, String::new(), field.to_string(), "3A".into(), "是".into(),
            "联系人".into(), "0871-1234567".into(), String::new(), "正常".into(), String::new(),
        ]);
    }
    let bytes = duijie_office::template::table_xlsx("社会组织", "社会组织名录", duijie_store::imports::ORG_HEADERS, &rows).expect("xlsx");
    std::fs::write(file, bytes).expect("write");
    eprintln!("wrote {n} organisations to {file}");
}

async fn search(url: &str, queries: usize) {
    let db = duijie_store::Db::connect(url).await.expect("database");
    let started = Instant::now();
    let catalog = OrgCatalog::load(&db).await.expect("catalogue");
    eprintln!("catalogue of {} organisations loaded in {:.2} s", catalog.len(), started.elapsed().as_secs_f64());
    let admin = duijie_domain::Principal::platform();
    let scope: Scope = admin.scope();
    let mut rng = Lcg(7);
    let mut times = Vec::with_capacity(queries);
    let mut hits = 0usize;
    for _ in 0..queries {
        let q = match rng.next() % 3 {
            0 => rng.pick(SUBJECTS).to_string(),
            1 => format!("{} {}", rng.pick(PLACES), rng.pick(SUBJECTS)),
            _ => rng.pick(KINDS).0.to_string(),
        };
        let f = OrgFilter { q, ..Default::default() };
        let t = Instant::now();
        let (ids, total) = catalog.search(&f, &scope, 0, 20);
        let page = duijie_store::orgs::by_ids(&db, &ids).await.expect("page");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        hits += usize::from(total > 0 && !page.is_empty());
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!("name search over {} organisations, {queries} queries (word match + first page of 20 from the database):", catalog.len());
    println!("  p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {hits} queries had results", pct(0.5), pct(0.95), pct(0.99), pct(1.0));
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("generate") => generate(args[2].parse().expect("N"), &args[3], args.get(4).and_then(|s| s.parse().ok()).unwrap_or(42)),
        Some("search") => search(&args[2], args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2000)).await,
        _ => eprintln!("usage: registry_bench generate N FILE.xlsx [SEED] | search DATABASE_URL [QUERIES]"),
    }
}
