//! The scope holes an adversarial review found, each reproduced as that user
//! would and now refused (404 or a field error, nothing written, nothing
//! listed), on SQLite and on PostgreSQL: pairings across provinces, accounts
//! bound to other regions' organisations, households shown outside their
//! county, account enumeration and lockout on demand, coverage and match
//! records shown to outsiders, registration facts edited by the organisation,
//! applicants' accounts, and tokens that could not be revoked.

use crate::support::{App, Reply, apps, csrf_of, multipart};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

const JIANGSU_FOUNDATION: &str = "演示·江苏省乡村振兴公益基金会";

async fn credit_code_of(a: &App, name: &str) -> String {
    let all = duijie_store::orgs::all(&a.t.db).await.unwrap();
    all.into_iter().find(|o| o.name == name).unwrap_or_else(|| panic!("demo organisation {name}")).credit_code
}

async fn batch_named(a: &App, token: &str, name: &str, region: &str) -> i64 {
    let all = a.api("GET", "/api/v1/pairing/batches", Some(token), None).await.json();
    all.as_array().unwrap().iter().find(|b| b["name"] == name && b["region_code"] == region).unwrap_or_else(|| panic!("batch {name} of {region}: {all}"))["id"]
        .as_i64()
        .unwrap()
}

fn first_field(r: &Reply) -> String {
    r.json()["fields"][0]["field"].as_str().unwrap_or("").to_string()
}

/// A request from a given client address (the test app trusts `X-Forwarded-For`).
async fn api_from(a: &App, client: &str, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
    let mut b = Request::builder().method(method).uri(path).header("x-forwarded-for", client);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let body = match body {
        Some(j) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(j.to_string())
        }
        None => Body::empty(),
    };
    a.send(b.body(body).unwrap()).await
}

async fn token_attempt(a: &App, client: &str, username: &str, password: &str) -> StatusCode {
    api_from(a, client, "POST", "/api/v1/auth/token", None, Some(json!({"username": username, "password": password}))).await.status
}

#[tokio::test]
async fn a_batch_takes_only_pairings_within_its_issuing_region() {
    for a in apps().await {
        let (gz, js_org, yn) = (a.token("gz_xz").await, a.token("org_js").await, a.token("yn_mz").await);
        let yunnan_open = batch_named(&a, &yn, "第二批（演示）", "53").await;
        let code = credit_code_of(&a, JIANGSU_FOUNDATION).await;
        let before = a.scalar("SELECT COUNT(*) FROM pairings").await;

        // 贵州省乡村振兴局 puts a Guizhou county on Yunnan's open list.
        let r = a.api("POST", "/api/v1/pairings", Some(&gz), Some(json!({"batch_id": yunnan_open, "kind": "county", "credit_code": code, "region": "520526"}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", a.backend(), r.body);
        assert_eq!(first_field(&r), "batch_id", "{}", r.body);
        // An organisation does the same for itself.
        let r = a.api("POST", "/api/v1/pairings", Some(&js_org), Some(json!({"batch_id": yunnan_open, "kind": "county", "region": "520526"}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", a.backend(), r.body);
        assert_eq!(first_field(&r), "batch_id");

        // A saved Yunnan plan sent into a Guizhou list.
        let guizhou = a.api("POST", "/api/v1/pairing/batches", Some(&gz), Some(json!({"name": "第一批", "region": "52", "sign_deadline": "2027-06-30"}))).await;
        assert_eq!(guizhou.status, StatusCode::CREATED, "{}", guizhou.body);
        let guizhou = guizhou.json()["id"].as_i64().unwrap();
        let plan = a.api("POST", "/api/v1/pairing/plans", Some(&yn), Some(json!({"targets": "national_key:53", "min": 1, "max": 2}))).await;
        assert_eq!(plan.status, StatusCode::CREATED, "{}", plan.body);
        let plan = plan.json()["id"].as_i64().unwrap();
        let sent = a.api("POST", &format!("/api/v1/pairing/plans/{plan}/send"), Some(&yn), Some(json!({"batch_id": guizhou}))).await;
        assert_eq!(sent.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", a.backend(), sent.body);
        assert_eq!(first_field(&sent), "batch_id");

        assert_eq!(a.scalar("SELECT COUNT(*) FROM pairings").await, before, "{}: nothing written", a.backend());
        // Within the region the same proposal is taken.
        let ok = a.api("POST", "/api/v1/pairings", Some(&js_org), Some(json!({"batch_id": yunnan_open, "kind": "county", "region": "530629"}))).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}: {}", a.backend(), ok.body);
    }
}

#[tokio::test]
async fn an_administrator_binds_accounts_only_to_organisations_of_its_region() {
    for a in apps().await {
        let root = a.token("admin").await;
        let made = a.api("POST", "/api/v1/users", Some(&root), Some(json!({"username": "yn_admin", "display_name": "云南管理员", "role": "admin", "region": "53", "password": "Yunnan-Admin-2026"}))).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let r = a.api("POST", "/api/v1/auth/token", None, Some(json!({"username": "yn_admin", "password": "Yunnan-Admin-2026"}))).await;
        let yn_admin = r.json()["token"].as_str().unwrap().to_string();
        let users_before = a.scalar("SELECT COUNT(*) FROM users").await;
        let jiangsu = credit_code_of(&a, JIANGSU_FOUNDATION).await;
        let r = a.api("POST", "/api/v1/users", Some(&yn_admin), Some(json!({"username": "js_proxy", "display_name": "冒名", "role": "organization", "region": "53", "org": jiangsu, "password": "Proxy-Passw0rd-1"}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", a.backend(), r.body);
        assert_eq!(first_field(&r), "org");
        // An unknown code reads the same, so codes cannot be probed.
        let unknown = a.api("POST", "/api/v1/users", Some(&yn_admin), Some(json!({"username": "js_proxy", "display_name": "冒名", "role": "organization", "region": "53", "org": "51110000MJ00000002", "password": "Proxy-Passw0rd-1"}))).await;
        assert_eq!(unknown.json()["fields"][0]["message"], r.json()["fields"][0]["message"]);
        assert_eq!(a.scalar("SELECT COUNT(*) FROM users").await, users_before, "{}: nothing written", a.backend());
        // A Yunnan organisation can be bound.
        let yunnan = credit_code_of(&a, "演示·云南省乡村发展促进会").await;
        let ok = a.api("POST", "/api/v1/users", Some(&yn_admin), Some(json!({"username": "yn_org2", "display_name": "秘书处", "role": "organization", "region": "53", "org": yunnan, "password": "Yunnan-Org-2026"}))).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}: {}", a.backend(), ok.body);
    }
}

/// A household demand of 彝良县 (a village added for the test), published, with one take.
async fn published_household_demand(a: &App) -> i64 {
    let row = duijie_store::regions::RegionRow { code: "530628102203".into(), name: "发路村民委员会".into(), level: "village".into(), parent_code: "530628102".into() };
    let mut tx = a.t.db.begin().await.unwrap();
    duijie_store::regions::insert_rows(&mut tx, &[row]).await.unwrap();
    tx.commit().await.unwrap();
    let (yl_xz, yl_mz, org_yl) = (a.token("yl_xz").await, a.token("yl_mz").await, a.token("org_yl").await);
    let body = json!({"title": "发路村困难户危房修缮", "field": "基础设施", "target_kind": "household", "region": "530628102203",
        "beneficiary_group": "突发严重困难户", "beneficiary_count": 4, "funds_wan": 3, "mode": "capacity", "urgency": 2, "deadline": "2027-12-31",
        "contact_name": "赵磊", "contact_phone": "0870-1234567", "household_name": "张小明", "household_id": "530628198001011238", "household_phone": "13812345678"});
    let r = a.api("POST", "/api/v1/demands", Some(&yl_xz), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    for (who, step) in [(&yl_xz, "submit"), (&yl_mz, "approve")] {
        let s = a.api("POST", &format!("/api/v1/demands/{id}/steps"), Some(who), Some(json!({"step": step}))).await;
        assert_eq!(s.status, StatusCode::OK, "{}", s.body);
    }
    let t = a.api("POST", &format!("/api/v1/demands/{id}/take"), Some(&org_yl), Some(json!({"funds_wan": 3, "people": 2, "note": "内部备注：可派两名社工"}))).await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.body);
    id
}

#[tokio::test]
async fn households_and_match_records_stay_with_the_demands_county_chain() {
    for a in apps().await {
        let id = published_household_demand(&a).await;
        let path = format!("/api/v1/demands/{id}");
        // Officers of another province, a neighbouring county and another prefecture.
        for outsider in ["gz_xz", "zx_xz", "js_mz"] {
            let t = a.token(outsider).await;
            let d = a.api("GET", &path, Some(&t), None).await;
            assert_eq!(d.status, StatusCode::OK, "{outsider}: {}", d.body);
            for secret in ["张*明", "1238", "5678", "530628********", "内部备注"] {
                assert!(!d.body.contains(secret), "{} {outsider} sees {secret}: {}", a.backend(), d.body);
            }
            let d = d.json();
            assert_eq!(d["household"]["name"], "（帮扶户）", "{outsider}");
            assert!(d["matches"].as_array().unwrap().is_empty(), "{outsider} reads others' match records: {d}");
            let (cookie, _) = a.login(outsider).await;
            let page = a.get(&format!("/demands/{id}"), &cookie).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(!page.body.contains("张*明") && !page.body.contains("内部备注"), "{outsider}'s page shows the household or match notes");
        }
        // The county chain: the county, its prefecture and its province see the household masked and every match.
        for insider in ["yl_xz", "zt_mz", "yn_mz"] {
            let t = a.token(insider).await;
            let d = a.api("GET", &path, Some(&t), None).await.json();
            assert_eq!(d["household"]["name"], "张*明", "{insider}");
            assert_eq!(d["matches"].as_array().unwrap().len(), 1, "{insider}");
        }
        // The organisation sees its own match, never the household.
        let org = a.token("org_yl").await;
        let d = a.api("GET", &path, Some(&org), None).await.json();
        assert_eq!(d["household"]["name"], "（帮扶户）");
        assert_eq!(d["matches"].as_array().unwrap().len(), 1);
        let other_org = a.token("org_yn").await;
        assert!(a.api("GET", &path, Some(&other_org), None).await.json()["matches"].as_array().unwrap().is_empty());
    }
}

#[tokio::test]
async fn unknown_and_throttled_names_answer_alike_and_the_owner_still_gets_in_from_home() {
    for a in apps().await {
        let home = "10.1.1.1";
        assert_eq!(token_attempt(&a, home, "yl_xz", crate::support::PASSWORD).await, StatusCode::OK, "the owner logs in from the office once");

        // From one strange place: a real name and an unknown one go the same way, step by step.
        let mut real = Vec::new();
        let mut ghost = Vec::new();
        for _ in 0..7 {
            real.push(token_attempt(&a, "203.0.113.5", "yl_xz", "wrong-Passw0rd").await);
            ghost.push(token_attempt(&a, "203.0.113.5", "no_such_user", "wrong-Passw0rd").await);
        }
        assert_eq!(real, ghost, "{}: a throttled account must look like an unknown name", a.backend());
        assert_eq!(real[0], StatusCode::UNAUTHORIZED);
        assert_eq!(*real.last().unwrap(), StatusCode::TOO_MANY_REQUESTS, "{real:?}");
        // Even the right password waits there…
        assert_eq!(token_attempt(&a, "203.0.113.5", "yl_xz", crate::support::PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
        // …while the owner's usual place is not affected.
        assert_eq!(token_attempt(&a, home, "yl_xz", crate::support::PASSWORD).await, StatusCode::OK);

        // Guessing from many places slows the name down everywhere but at home.
        for i in 0..12 {
            token_attempt(&a, &format!("198.51.100.{i}"), "yl_xz", "wrong-Passw0rd").await;
            token_attempt(&a, &format!("198.51.100.{i}"), "no_such_user", "wrong-Passw0rd").await;
        }
        assert_eq!(token_attempt(&a, "192.0.2.77", "yl_xz", crate::support::PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(token_attempt(&a, "192.0.2.77", "no_such_user", crate::support::PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
        let at_home = token_attempt(&a, home, "yl_xz", crate::support::PASSWORD).await;
        assert_eq!(at_home, StatusCode::OK, "{}: the owner is never locked out of the usual place", a.backend());

        // The owner's unit was told, once.
        let t = api_from(&a, home, "POST", "/api/v1/auth/token", None, Some(json!({"username": "yl_xz", "password": crate::support::PASSWORD}))).await.json();
        let inbox = a.api("GET", "/api/v1/inbox", t["token"].as_str(), None).await;
        assert_eq!(inbox.body.matches("账号 yl_xz 近期多次密码错误").count(), 1, "{}", inbox.body);

        // An administrator lifts the wait at once.
        let (cookie, _) = a.login("admin").await;
        let id = duijie_store::users::by_username(&a.t.db, "yl_xz").await.unwrap().unwrap().id;
        let page = a.get(&format!("/admin/users/{id}"), &cookie).await;
        assert!(page.body.contains("异地登录受限"), "the administrator sees the wait");
        let r = a.post_form(&format!("/admin/users/{id}"), &cookie, &[("_csrf", &csrf_of(&page.body)), ("display_name", "彝良县乡村振兴局"), ("active", "1"), ("unlock", "1")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(token_attempt(&a, "192.0.2.77", "yl_xz", crate::support::PASSWORD).await, StatusCode::OK);
    }
}

#[tokio::test]
async fn the_login_page_says_the_same_for_unknown_and_throttled_names() {
    let a = crate::support::app().await;
    let mut answers = Vec::new();
    for name in ["yl_mz", "nobody_here"] {
        let mut last = String::new();
        for _ in 0..6 {
            let page = a.send(Request::get("/login").header("x-forwarded-for", "203.0.113.9").body(Body::empty()).unwrap()).await;
            let pre = page.set_cookie("duijie_login_csrf").unwrap();
            let body = crate::support::serde_urlencoded_encode(&[("_csrf", &pre), ("username", name), ("password", "wrong-Passw0rd")]);
            let r = a
                .send(
                    Request::post("/login")
                        .header("x-forwarded-for", "203.0.113.9")
                        .header(header::COOKIE, format!("duijie_login_csrf={pre}"))
                        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .body(Body::from(body))
                        .unwrap(),
                )
                .await;
            let msg = r.body.split("class=\"form-error\"").nth(1).unwrap_or("").split('<').next().unwrap_or("").to_string();
            last = format!("{} {}", r.status, msg.split("请于").next().unwrap_or(""));
        }
        answers.push(last);
    }
    assert_eq!(answers[0], answers[1]);
    assert!(answers[0].starts_with("429"), "{answers:?}");
}

#[tokio::test]
async fn coverage_shows_an_organisation_only_published_pairings_and_its_own() {
    for a in apps().await {
        let org = a.token("org_yl").await;
        let c = a.api("GET", "/api/v1/pairing/coverage?targets=counties:5306", Some(&org), None).await;
        assert_eq!(c.status, StatusCode::OK, "{}", c.body);
        // 昭通市农业产业协会's pairing with 昭阳区 is consented on Yunnan's unpublished second list.
        assert!(!c.body.contains("昭通市农业产业协会"), "{}: an unpublished pairing of another organisation is shown", a.backend());
        assert!(c.body.contains("彝良县助学服务中心"), "its own published pairing is shown");
        // The province sees the consented pairing it may open.
        let yn = a.token("yn_xz").await;
        assert!(a.api("GET", "/api/v1/pairing/coverage?targets=counties:5306", Some(&yn), None).await.body.contains("昭通市农业产业协会"));
    }
}

#[tokio::test]
async fn rating_and_party_organisation_are_recorded_by_the_registration_authority_only() {
    for a in apps().await {
        let org = a.token("org_yl").await;
        let id = duijie_store::users::by_username(&a.t.db, "org_yl").await.unwrap().unwrap().org_id.unwrap();
        let path = format!("/api/v1/organizations/{id}");
        let before = a.api("GET", &path, Some(&org), None).await.json();
        let mut profile = json!({"supervisor": "彝良县民政局", "fields": "教育", "contact_name": "李秘书", "contact_phone": "0870-5123456", "address": "彝良县角奎镇"});
        profile["rating"] = json!("5A");
        let r = a.api("PUT", &format!("{path}/profile"), Some(&org), Some(profile.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", a.backend(), r.body);
        assert_eq!(first_field(&r), "rating");
        profile["rating"] = before["rating"].clone();
        profile["party_org"] = json!(!before["party_org"].as_bool().unwrap());
        let r = a.api("PUT", &format!("{path}/profile"), Some(&org), Some(profile.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(first_field(&r), "party_org");
        let after = a.api("GET", &path, Some(&org), None).await.json();
        assert_eq!(after["rating"], before["rating"]);
        // Leaving them out changes the rest and keeps them.
        let r = a.api("PUT", &format!("{path}/profile"), Some(&org), Some(json!({"supervisor": "彝良县民政局", "fields": "教育", "contact_name": "王秘书", "contact_phone": "0870-5123456"}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["rating"], before["rating"]);
        // The civil-affairs office records a new rating, audited.
        let mz = a.token("yl_mz").await;
        let mut officer = json!({"name": before["name"], "supervisor": "彝良县民政局", "fields": "教育", "rating": "4A", "party_org": true, "contact_name": "王秘书", "contact_phone": "0870-5123456", "status": "active"});
        officer["address"] = json!("彝良县角奎镇");
        let r = a.api("PUT", &format!("{path}/profile"), Some(&mz), Some(officer)).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", a.backend(), r.body);
        assert_eq!(r.json()["rating"], "4A");
        let (rows, _) = duijie_store::audit::recent(&a.t.db, &duijie_domain::RegionCode::parse("530628").unwrap(), 1, 0).await.unwrap();
        assert_eq!((rows[0].action.as_str(), rows[0].actor.as_str()), ("organization.update", "yl_mz"));
    }
}

/// Applies at `/apply` as a new organisation from `client`; returns the reply.
async fn apply(a: &App, client: &str, username: &str, credit_code: &str) -> Reply {
    let page = a.send(Request::get("/apply").header("x-forwarded-for", client).body(Body::empty()).unwrap()).await;
    let pre = page.set_cookie("duijie_apply_csrf").expect("apply csrf cookie");
    let pdf = b"%PDF-1.4\n%certificate\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
    let fields = [
        ("_csrf", pre.as_str()),
        ("credit_code", credit_code),
        ("name", "彝良县新苗助学社"),
        ("org_type", "social_group"),
        ("region", "530628"),
        ("fields", "教育"),
        ("contact_name", "陈老师"),
        ("contact_phone", "13987000000"),
        ("username", username),
        ("password", "Xinmiao-2026-ok"),
    ];
    let (ct, body) = multipart(&fields, "证书.pdf", pdf);
    a.send(
        Request::post("/apply")
            .header("x-forwarded-for", client)
            .header(header::COOKIE, format!("duijie_apply_csrf={pre}"))
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// A valid unregistered social-group credit code of 彝良县 (check digit completed).
fn fresh_code(n: u32) -> String {
    duijie_domain::Uscc::complete(&format!("51530628MJ{n:06}")).unwrap().to_string()
}

#[tokio::test]
async fn an_applicant_can_only_follow_its_application_and_usernames_are_not_told_before_it_is_in() {
    for a in apps().await {
        // "yl_xz" exists: the form does not say so; the application goes in under another name.
        let r = apply(&a, "203.0.113.20", "yl_xz", &fresh_code(1)).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", a.backend(), r.body);
        assert!(!r.body.contains("已被使用，请换一个"));
        assert!(r.body.contains("id=\"apply-renamed\""), "{}", r.body);
        let given = r.body.split("id=\"apply-username\">").nth(1).unwrap().split('<').next().unwrap().to_string();
        assert_eq!(given, "yl_xz-2");

        // The applicant's token opens its own application and nothing else.
        let t = a.api("POST", "/api/v1/auth/token", None, Some(json!({"username": given, "password": "Xinmiao-2026-ok"}))).await;
        assert_eq!(t.status, StatusCode::OK, "{}", t.body);
        let tok = t.json()["token"].as_str().unwrap().to_string();
        let me = a.api("GET", "/api/v1/me", Some(&tok), None).await.json();
        let org = me["org_id"].as_i64().unwrap();
        assert_eq!(a.api("GET", &format!("/api/v1/organizations/{org}"), Some(&tok), None).await.status, StatusCode::OK);
        for path in ["/api/v1/liaisons?region=53", "/api/v1/demands", "/api/v1/organizations?q=乡村", "/api/v1/pairing/batches", "/api/v1/inbox"] {
            let r = a.api("GET", path, Some(&tok), None).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{} applicant reads {path}: {}", a.backend(), r.body);
        }

        // Anonymous submissions are limited per client address.
        let mut last = StatusCode::OK;
        for i in 0..10 {
            last = apply(&a, "203.0.113.21", &format!("flood{i}"), &fresh_code(100 + i)).await.status;
        }
        assert_eq!(last, StatusCode::OK);
        assert_eq!(apply(&a, "203.0.113.21", "flood99", &fresh_code(200)).await.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(apply(&a, "203.0.113.22", "other1", &fresh_code(201)).await.status, StatusCode::OK, "another client is not affected");
    }
}

#[tokio::test]
async fn tokens_are_revoked_by_their_holder_and_by_an_administrator_and_refreshed() {
    for a in apps().await {
        let t1 = a.token("yl_xz").await;
        let out = a.api("POST", "/api/v1/auth/logout", Some(&t1), None).await;
        assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.body);
        assert_eq!(a.api("GET", "/api/v1/me", Some(&t1), None).await.status, StatusCode::UNAUTHORIZED, "{}", a.backend());

        let t2 = a.token("yl_xz").await;
        let fresh = a.api("POST", "/api/v1/auth/refresh", Some(&t2), None).await;
        assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
        let t3 = fresh.json()["token"].as_str().unwrap().to_string();
        assert!(fresh.json()["expires_at"].as_i64().unwrap() <= duijie_store::now() + 3600);
        assert_eq!(a.api("GET", "/api/v1/me", Some(&t2), None).await.status, StatusCode::UNAUTHORIZED, "the refreshed token ends");
        assert_eq!(a.api("GET", "/api/v1/me", Some(&t3), None).await.status, StatusCode::OK);

        // An administrator lists the account's sessions and revokes the token.
        let admin = a.token("admin").await;
        let id = duijie_store::users::by_username(&a.t.db, "yl_xz").await.unwrap().unwrap().id;
        let list = a.api("GET", &format!("/api/v1/users/{id}/sessions"), Some(&admin), None).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        let sessions = list.json();
        assert_eq!(sessions.as_array().unwrap().len(), 1, "{sessions}");
        let sid = sessions[0]["id"].as_str().unwrap().to_string();
        // Another region's administrator cannot see or revoke it.
        let made = a.api("POST", "/api/v1/users", Some(&admin), Some(json!({"username": "js_admin", "display_name": "江苏管理员", "role": "admin", "region": "32", "password": "Jiangsu-Admin-2026"}))).await;
        assert_eq!(made.status, StatusCode::CREATED);
        let js = a.api("POST", "/api/v1/auth/token", None, Some(json!({"username": "js_admin", "password": "Jiangsu-Admin-2026"}))).await.json()["token"].as_str().unwrap().to_string();
        assert_eq!(a.api("GET", &format!("/api/v1/users/{id}/sessions"), Some(&js), None).await.status, StatusCode::NOT_FOUND);
        assert_eq!(a.api("DELETE", &format!("/api/v1/users/{id}/sessions/{sid}"), Some(&js), None).await.status, StatusCode::NOT_FOUND);
        assert_eq!(a.api("GET", "/api/v1/me", Some(&t3), None).await.status, StatusCode::OK);
        let del = a.api("DELETE", &format!("/api/v1/users/{id}/sessions/{sid}"), Some(&admin), None).await;
        assert_eq!(del.status, StatusCode::NO_CONTENT, "{}", del.body);
        assert_eq!(a.api("GET", "/api/v1/me", Some(&t3), None).await.status, StatusCode::UNAUTHORIZED, "{}", a.backend());
        let (rows, _) = duijie_store::audit::recent(&a.t.db, &duijie_domain::RegionCode::parse("530628").unwrap(), 1, 0).await.unwrap();
        assert_eq!((rows[0].action.as_str(), rows[0].actor.as_str()), ("user.sessions_revoked", "admin"));
    }
}

#[tokio::test]
async fn cookies_are_secure_and_hsts_is_sent_when_the_request_came_over_https() {
    let a = crate::support::app().await;
    let over = |proto: &'static str| Request::get("/login").header("x-forwarded-proto", proto).body(Body::empty()).unwrap();
    let https = a.send(over("https")).await;
    let cookie = https.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(https.headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
    let http = a.send(over("http")).await;
    assert!(!http.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap().contains("Secure"));
    assert!(!http.headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
}
