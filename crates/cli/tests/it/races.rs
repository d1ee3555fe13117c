//! Races through the API (issue 10), on SQLite and on PostgreSQL: the same
//! state change sent by 2 and by 16 callers at the same moment, many times.
//! Exactly one wins; every other gets a 409 `conflict` with the record's
//! current state; nothing answers 5xx; the invariants hold in the tables.
//! Also: a write sent twice with the same `Idempotency-Key` happens once.
//!
//! The long tier (`long_tier_…`, ignored by default and run by
//! `scripts/test.sh` in a second step): 32 clients for 60 seconds against a
//! real socket on PostgreSQL, a mix of every racing operation; it ends with no
//! server error and every invariant true.

use crate::support::{App, Reply, api_request, both, reply};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use duijie_store::{Db, on_db};
use serde_json::{Value, json};
use tower::ServiceExt;

const ROUNDS: usize = 10;
const SIZES: [usize; 2] = [2, 16];

both!(
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    a_demand_approved_at_once_is_approved_once,
    takes_confirmed_at_once_make_one_match_and_one_project,
    an_organisation_taking_at_once_takes_once,
    a_capacity_one_offer_confirmed_at_once_is_confirmed_once,
    a_write_repeated_with_its_idempotency_key_happens_once,
    a_project_confirmed_at_once_is_confirmed_once,
);

/// Sends every request at the same moment; the replies in the same order.
async fn at_once(a: &App, reqs: Vec<Request<Body>>) -> Vec<Reply> {
    let tasks: Vec<_> = reqs
        .into_iter()
        .map(|r| {
            let router = a.router.clone();
            tokio::spawn(async move { reply(router.oneshot(r).await.expect("infallible")).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("request task"));
    }
    out
}

/// Exactly one reply is `ok`; every other is a 409 naming the current state.
fn one_winner(replies: &[Reply], ok: StatusCode) {
    let statuses: Vec<u16> = replies.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(replies.iter().filter(|r| r.status == ok).count(), 1, "exactly one winner: {statuses:?}");
    for r in replies.iter().filter(|r| r.status != ok) {
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        let j = r.json();
        assert_eq!(j["code"], "conflict", "{}", r.body);
        assert!(j["current"]["status"].is_string() && !j["message"].as_str().unwrap_or("").is_empty(), "{}", r.body);
    }
}

async fn scalar(db: &Db, sql: &'static str, id: i64) -> i64 {
    on_db!(db, p => sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_one(p).await).unwrap()
}

fn demand_body(title: &str) -> Value {
    json!({"title": title, "field": "教育", "target_kind": "county", "region": "530628", "beneficiary_group": "三留守人员",
           "beneficiary_count": 10, "funds_wan": 1, "mode": "capacity", "urgency": 2, "deadline": "2030-12-31",
           "contact_name": "赵磊", "contact_phone": "0870-1234567"})
}

/// A demand recorded and submitted by yl_xz.
async fn submitted(a: &App, yl_xz: &str) -> i64 {
    let r = a.api("POST", "/api/v1/demands", Some(yl_xz), Some(demand_body("并发测试需求"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let s = a.api("POST", &format!("/api/v1/demands/{id}/steps"), Some(yl_xz), Some(json!({"step": "submit"}))).await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.body);
    id
}

/// A demand published by yl_xz and yl_mz.
async fn published(a: &App, yl_xz: &str, yl_mz: &str) -> i64 {
    let id = submitted(a, yl_xz).await;
    let p = a.api("POST", &format!("/api/v1/demands/{id}/steps"), Some(yl_mz), Some(json!({"step": "approve"}))).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    id
}

fn post(path: String, token: &str, body: Value) -> Request<Body> {
    api_request("POST", &path, Some(token), Some(body))
}

/// Every invariant of issue 10, over the whole database.
pub async fn assert_invariants(db: &Db) {
    let checks: [(&str, &'static str); 8] = [
        ("a demand with two confirmed matches", "SELECT COUNT(*) FROM (SELECT demand_id FROM matches WHERE status = 'confirmed' GROUP BY demand_id HAVING COUNT(*) > 1) x"),
        ("a demand with two projects", "SELECT COUNT(*) FROM (SELECT demand_id FROM projects WHERE demand_id IS NOT NULL GROUP BY demand_id HAVING COUNT(*) > 1) x"),
        ("an organisation with two pending takes of one demand", "SELECT COUNT(*) FROM (SELECT demand_id FROM matches WHERE status = 'pending' GROUP BY demand_id, org_id HAVING COUNT(*) > 1) x"),
        ("an offer confirmed beyond its capacity", "SELECT COUNT(*) FROM offers f WHERE (SELECT COUNT(*) FROM matches m WHERE m.offer_id = f.id AND m.status = 'confirmed') > f.capacity"),
        ("an offer whose counter disagrees", "SELECT COUNT(*) FROM offers f WHERE (SELECT COUNT(*) FROM matches m WHERE m.offer_id = f.id AND m.status = 'confirmed') <> f.taken"),
        ("a demand published twice", "SELECT COUNT(*) FROM (SELECT demand_id FROM demand_events WHERE to_status = 'published' GROUP BY demand_id HAVING COUNT(*) > 1) x"),
        ("a taken demand without exactly one confirmed match", "SELECT COUNT(*) FROM demands d WHERE d.status = 'taken' AND (SELECT COUNT(*) FROM matches m WHERE m.demand_id = d.id AND m.status = 'confirmed') <> 1"),
        ("a pending match of a demand no longer published", "SELECT COUNT(*) FROM matches m JOIN demands d ON d.id = m.demand_id WHERE m.status = 'pending' AND d.status <> 'published'"),
    ];
    for (what, sql) in checks {
        let n: i64 = on_db!(db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap();
        assert_eq!(n, 0, "{what}: {n}");
    }
    assert!(matches!(duijie_store::audit::verify(db).await.unwrap(), duijie_store::audit::Verification::Intact { .. }), "the audit chain is intact");
}

async fn a_demand_approved_at_once_is_approved_once(a: App) {
    let (yl_xz, yl_mz) = (a.token("yl_xz").await, a.token("yl_mz").await);
    for n in SIZES {
        for _ in 0..ROUNDS {
            let id = submitted(&a, &yl_xz).await;
            let reqs = (0..n).map(|_| post(format!("/api/v1/demands/{id}/steps"), &yl_mz, json!({"step": "approve"}))).collect();
            let replies = at_once(&a, reqs).await;
            one_winner(&replies, StatusCode::OK);
            let sql = "SELECT COUNT(*) FROM demand_events WHERE demand_id = $1 AND to_status = 'published'";
            assert_eq!(scalar(&a.t.db, sql, id).await, 1);
            let loser = replies.iter().find(|r| r.status == StatusCode::CONFLICT).unwrap().json();
            assert_eq!(loser["current"]["status"], "published", "the loser is told the demand is published now");
        }
    }
    assert_invariants(&a.t.db).await;
}

async fn takes_confirmed_at_once_make_one_match_and_one_project(a: App) {
    let (yl_xz, yl_mz, org_yl, org_yn) = (a.token("yl_xz").await, a.token("yl_mz").await, a.token("org_yl").await, a.token("org_yn").await);
    for n in SIZES {
        for _ in 0..ROUNDS {
            let id = published(&a, &yl_xz, &yl_mz).await;
            let mut takes = Vec::new();
            for org in [&org_yl, &org_yn] {
                let r = a.api("POST", &format!("/api/v1/demands/{id}/take"), Some(org), Some(json!({"note": "愿意承接"}))).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
                takes.push(r.json()["match_id"].as_i64().unwrap());
            }
            // The county confirms both takes, each several times, all at once.
            let reqs = (0..n).map(|i| post(format!("/api/v1/matches/{}/decision", takes[i % 2]), &yl_xz, json!({"confirm": true}))).collect();
            one_winner(&at_once(&a, reqs).await, StatusCode::OK);
            assert_eq!(scalar(&a.t.db, "SELECT COUNT(*) FROM matches WHERE demand_id = $1 AND status = 'confirmed'", id).await, 1);
            assert_eq!(scalar(&a.t.db, "SELECT COUNT(*) FROM projects WHERE demand_id = $1", id).await, 1);
        }
    }
    assert_invariants(&a.t.db).await;
}

async fn an_organisation_taking_at_once_takes_once(a: App) {
    let (yl_xz, yl_mz, org_yl) = (a.token("yl_xz").await, a.token("yl_mz").await, a.token("org_yl").await);
    for n in SIZES {
        for _ in 0..ROUNDS {
            let id = published(&a, &yl_xz, &yl_mz).await;
            let reqs = (0..n).map(|_| post(format!("/api/v1/demands/{id}/take"), &org_yl, json!({"note": "愿意承接"}))).collect();
            one_winner(&at_once(&a, reqs).await, StatusCode::CREATED);
            assert_eq!(scalar(&a.t.db, "SELECT COUNT(*) FROM matches WHERE demand_id = $1", id).await, 1);
        }
    }
    assert_invariants(&a.t.db).await;
}

async fn a_capacity_one_offer_confirmed_at_once_is_confirmed_once(a: App) {
    let (yl_xz, yl_mz, org_yl) = (a.token("yl_xz").await, a.token("yl_mz").await, a.token("org_yl").await);
    for n in SIZES {
        for _ in 0..ROUNDS {
            let o = a.api("POST", "/api/v1/offers", Some(&org_yl), Some(json!({"title": "乡村教师培训", "fields": "教育", "capacity": 1}))).await;
            assert_eq!(o.status, StatusCode::CREATED, "{}", o.body);
            let offer = o.json()["id"].as_i64().unwrap();
            let mut orders = Vec::new();
            for _ in 0..n {
                let id = published(&a, &yl_xz, &yl_mz).await;
                let r = a.api("POST", &format!("/api/v1/demands/{id}/order"), Some(&yl_xz), Some(json!({"offer_id": offer}))).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
                orders.push(r.json()["match_id"].as_i64().unwrap());
            }
            let reqs = orders.iter().map(|m| post(format!("/api/v1/matches/{m}/decision"), &org_yl, json!({"confirm": true}))).collect();
            one_winner(&at_once(&a, reqs).await, StatusCode::OK);
            assert_eq!(scalar(&a.t.db, "SELECT COUNT(*) FROM matches WHERE offer_id = $1 AND status = 'confirmed'", offer).await, 1);
            assert_eq!(scalar(&a.t.db, "SELECT taken FROM offers WHERE id = $1", offer).await, 1);
        }
    }
    assert_invariants(&a.t.db).await;
}

async fn titled(db: &Db, title: &str) -> i64 {
    on_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM demands WHERE title = $1").bind(title).fetch_one(p).await).unwrap()
}

fn with_key(mut req: Request<Body>, key: &str) -> Request<Body> {
    req.headers_mut().insert("idempotency-key", key.parse().unwrap());
    req
}

async fn a_write_repeated_with_its_idempotency_key_happens_once(a: App) {
    let (yl_xz, yl_mz) = (a.token("yl_xz").await, a.token("yl_mz").await);
    // Sent, answer lost, sent again: one demand, the same answer, marked as replayed.
    let first = a.send(with_key(post("/api/v1/demands".into(), &yl_xz, demand_body("幂等需求一")), "key-1")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = a.send(with_key(post("/api/v1/demands".into(), &yl_xz, demand_body("幂等需求一")), "key-1")).await;
    assert_eq!((again.status, &again.body), (StatusCode::CREATED, &first.body));
    assert_eq!(again.headers.get("idempotency-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert!(first.headers.get("idempotency-replayed").is_none());
    assert_eq!(titled(&a.t.db, "幂等需求一").await, 1);
    // The same key with another body is refused; another caller's same key is theirs.
    let other = a.send(with_key(post("/api/v1/demands".into(), &yl_xz, demand_body("幂等需求二")), "key-1")).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", other.body);
    assert!(other.json()["message"].as_str().unwrap().contains("Idempotency-Key"));
    assert_eq!(titled(&a.t.db, "幂等需求二").await, 0);
    // A refusal is kept too: the same step sent again answers as the first time did.
    let id = first.json()["id"].as_i64().unwrap();
    let approve = || with_key(post(format!("/api/v1/demands/{id}/steps"), &yl_mz, json!({"step": "approve"})), "key-2");
    let refused = a.send(approve()).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "a draft is not approved: {}", refused.body);
    assert_eq!(a.send(approve()).await.body, refused.body);
    // Sixteen copies at the same moment: one demand, sixteen identical answers.
    let reqs = (0..16).map(|_| with_key(post("/api/v1/demands".into(), &yl_xz, demand_body("幂等需求三")), "key-3")).collect();
    let replies = at_once(&a, reqs).await;
    assert!(replies.iter().all(|r| r.status == StatusCode::CREATED && r.body == replies[0].body), "{:?}", replies.iter().map(|r| (r.status, r.body.clone())).collect::<Vec<_>>());
    assert_eq!(titled(&a.t.db, "幂等需求三").await, 1);
    // Without the header nothing changes: two requests, two demands.
    for _ in 0..2 {
        assert_eq!(a.api("POST", "/api/v1/demands", Some(&yl_xz), Some(demand_body("幂等需求四"))).await.status, StatusCode::CREATED);
    }
    assert_eq!(titled(&a.t.db, "幂等需求四").await, 2);
}

// ---------------------------------------------------------------------------
// The long tier: 32 clients for 60 seconds on PostgreSQL over a real socket.
// ---------------------------------------------------------------------------

mod long {
    use axum::body::Bytes;
    use axum::http::{Method, Request, StatusCode, header};
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::connect::HttpConnector;
    use serde_json::{Value, json};
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    type Http = hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>;

    pub const CLIENTS: usize = 32;
    pub const RUN: Duration = Duration::from_secs(60);

    /// Records the clients share: the most recent ones are picked, so that
    /// several clients act on the same record at the same moment.
    #[derive(Default)]
    pub struct Pool {
        pub submitted: Vec<i64>,
        pub published: Vec<i64>,
        /// Takes by organisations (the county confirms).
        pub takes: Vec<i64>,
        /// Orders by the county (the organisation confirms).
        pub orders: Vec<i64>,
        pub offers: Vec<i64>,
    }

    pub struct Load {
        pub base: String,
        pub http: Http,
        pub tokens: BTreeMap<&'static str, String>,
        pub pool: Mutex<Pool>,
        /// Replies by status.
        pub statuses: Mutex<BTreeMap<u16, u64>>,
        /// The first few 5xx bodies, to show when the test fails.
        pub errors: Mutex<Vec<String>>,
    }

    impl Load {
        pub async fn call(&self, who: &str, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
            let req = Request::builder()
                .method(method)
                .uri(format!("{}{path}", self.base))
                .header(header::AUTHORIZATION, format!("Bearer {}", self.tokens[who]))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Full::new(Bytes::from(body.to_string())))
                .unwrap();
            let res = self.http.request(req).await.unwrap_or_else(|e| panic!("{path}: {e}"));
            let status = res.status();
            let bytes = res.into_body().collect().await.unwrap().to_bytes();
            *self.statuses.lock().unwrap().entry(status.as_u16()).or_default() += 1;
            if status.is_server_error() {
                let mut errors = self.errors.lock().unwrap();
                if errors.len() < 10 {
                    errors.push(format!("{status} {path}: {}", String::from_utf8_lossy(&bytes)));
                }
            }
            (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
        }
    }

    /// A small generator for the mix (no dependency needed for this).
    pub struct Rng(u64);

    impl Rng {
        pub fn new(seed: u64) -> Rng {
            Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
        }

        pub fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// One of the last three of `v`.
    fn recent(v: &[i64], rng: &mut Rng) -> Option<i64> {
        (!v.is_empty()).then(|| v[v.len() - 1 - rng.below(v.len().min(3))])
    }

    /// One client: a random operation at a time until the time is up.
    pub async fn client(load: Arc<Load>, seed: u64, until: Instant) {
        let mut rng = Rng::new(seed);
        while Instant::now() < until {
            let pick = |f: fn(&Pool) -> &Vec<i64>, rng: &mut Rng| recent(f(&load.pool.lock().unwrap()), rng);
            match rng.below(10) {
                0 | 1 => {
                    let body = json!({"title": "压力测试需求", "field": "教育", "target_kind": "county", "region": "530628",
                                      "beneficiary_count": 10, "funds_wan": 1, "mode": "capacity", "urgency": 2, "deadline": "2030-12-31"});
                    let (s, j) = load.call("yl_xz", Method::POST, "/api/v1/demands", body).await;
                    if let (StatusCode::CREATED, Some(id)) = (s, j["id"].as_i64()) {
                        let (s, _) = load.call("yl_xz", Method::POST, &format!("/api/v1/demands/{id}/steps"), json!({"step": "submit"})).await;
                        if s == StatusCode::OK {
                            load.pool.lock().unwrap().submitted.push(id);
                        }
                    }
                }
                2 => {
                    if let Some(id) = pick(|p| &p.submitted, &mut rng) {
                        let (s, _) = load.call("yl_mz", Method::POST, &format!("/api/v1/demands/{id}/steps"), json!({"step": "approve"})).await;
                        if s == StatusCode::OK {
                            load.pool.lock().unwrap().published.push(id);
                        }
                    }
                }
                3 | 4 => {
                    if let Some(id) = pick(|p| &p.published, &mut rng) {
                        let org = ["org_yl", "org_yn"][rng.below(2)];
                        let (s, j) = load.call(org, Method::POST, &format!("/api/v1/demands/{id}/take"), json!({"note": "压力测试"})).await;
                        if let (StatusCode::CREATED, Some(m)) = (s, j["match_id"].as_i64()) {
                            load.pool.lock().unwrap().takes.push(m);
                        }
                    }
                }
                5 => {
                    if let Some(m) = pick(|p| &p.takes, &mut rng) {
                        load.call("yl_xz", Method::POST, &format!("/api/v1/matches/{m}/decision"), json!({"confirm": true})).await;
                    }
                }
                6 => {
                    let body = json!({"title": "压力测试供给", "fields": "教育", "capacity": 1 + rng.below(2)});
                    let (s, j) = load.call("org_yl", Method::POST, "/api/v1/offers", body).await;
                    if let (StatusCode::CREATED, Some(id)) = (s, j["id"].as_i64()) {
                        load.pool.lock().unwrap().offers.push(id);
                    }
                }
                7 => {
                    if let (Some(id), Some(offer)) = (pick(|p| &p.published, &mut rng), pick(|p| &p.offers, &mut rng)) {
                        let (s, j) = load.call("yl_xz", Method::POST, &format!("/api/v1/demands/{id}/order"), json!({"offer_id": offer})).await;
                        if let (StatusCode::CREATED, Some(m)) = (s, j["match_id"].as_i64()) {
                            load.pool.lock().unwrap().orders.push(m);
                        }
                    }
                }
                8 => {
                    if let Some(m) = pick(|p| &p.orders, &mut rng) {
                        load.call("org_yl", Method::POST, &format!("/api/v1/matches/{m}/decision"), json!({"confirm": true})).await;
                    }
                }
                _ => {
                    // The county declines a take, racing with its own confirmations.
                    if let Some(m) = pick(|p| &p.takes, &mut rng) {
                        load.call("yl_xz", Method::POST, &format!("/api/v1/matches/{m}/decision"), json!({"confirm": false, "reason": "压力测试：不合适"})).await;
                    }
                }
            }
        }
    }
}

/// 32 clients, 60 seconds, PostgreSQL, a real socket: no server error and
/// every invariant true at the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "long tier: scripts/test.sh runs it in its second step"]
async fn long_tier_mixed_load_on_postgres_ends_without_server_errors_and_with_every_invariant() {
    use long::*;
    use std::future::IntoFuture;
    use std::sync::Arc;
    let a = crate::support::app_pg().await;
    let mut tokens = std::collections::BTreeMap::new();
    for user in ["yl_xz", "yl_mz", "org_yl", "org_yn"] {
        tokens.insert(user, a.token(user).await);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(axum::serve(listener, a.router.clone()).into_future());
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let load = Arc::new(Load { base, http, tokens, pool: Default::default(), statuses: Default::default(), errors: Default::default() });
    let until = std::time::Instant::now() + RUN;
    let clients: Vec<_> = (0..CLIENTS).map(|i| tokio::spawn(client(load.clone(), i as u64 + 1, until))).collect();
    for c in clients {
        c.await.expect("client");
    }
    server.abort();
    let statuses = load.statuses.lock().unwrap().clone();
    let total: u64 = statuses.values().sum();
    let server_errors: u64 = statuses.iter().filter(|(s, _)| **s >= 500).map(|(_, n)| n).sum();
    println!("{total} requests by status: {statuses:?}");
    assert_eq!(server_errors, 0, "server errors: {:?}", load.errors.lock().unwrap());
    assert!(statuses.get(&409).is_some_and(|n| *n > 0), "the mix did race: {statuses:?}");
    assert_invariants(&a.t.db).await;
}

async fn a_project_confirmed_at_once_is_confirmed_once(a: App) {
    let (yl_xz, org_yl) = (a.token("yl_xz").await, a.token("org_yl").await);
    for n in SIZES {
        for _ in 0..ROUNDS {
            let body = json!({"title": "并发确认的项目", "region": "530628", "nature": "民生帮扶", "planned_funds_wan": 1});
            let r = a.api("POST", "/api/v1/projects", Some(&org_yl), Some(body)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            let id = r.json()["id"].as_i64().unwrap();
            let p = a.api("POST", &format!("/api/v1/projects/{id}/progress"), Some(&org_yl), Some(json!({"on": "2026-06-01", "note": "完工", "funds_wan": 1}))).await;
            assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
            let reqs = (0..n).map(|_| post(format!("/api/v1/projects/{id}/confirm"), &yl_xz, json!({}))).collect();
            one_winner(&at_once(&a, reqs).await, StatusCode::OK);
            let sql = "SELECT COUNT(*) FROM audit_log WHERE entity = 'project' AND action = 'project.confirm' AND entity_id = CAST($1 AS TEXT)";
            assert_eq!(scalar(&a.t.db, sql, id).await, 1, "one confirmation recorded");
        }
    }
    assert_invariants(&a.t.db).await;
}
