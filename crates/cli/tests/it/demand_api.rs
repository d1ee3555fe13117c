//! The demand library, the supply library and matching over the API: the loop
//! from recording to a project and the success rate, recommendations that skip
//! organisations on a credit list, scope and household data, the success rate
//! against a hand count and SQL, the public lists without a token, and the
//! OpenAPI description.
//!
//! Every test runs on SQLite and on PostgreSQL (`support::both!`)
//! except the check of the OpenAPI description, which reads no table.

use crate::support::{App, Reply, app, both};
use axum::http::StatusCode;
use serde_json::{Value, json};

both!(
    a_demand_goes_from_recording_to_a_project_and_counts_in_the_success_rate,
    an_organisation_on_a_credit_list_is_not_recommended_and_cannot_take,
    drafts_and_household_data_stay_within_the_county,
    the_success_rate_of_a_township_matches_a_hand_count_and_sql,
    offers_are_published_ordered_from_and_curated,
    the_public_lists_need_no_token_and_carry_no_personal_data,
    the_demo_histories_read_in_time_order,
);

const ORG_YL: &str = "演示·彝良县助学服务中心";
const ORG_YN: &str = "演示·云南省乡村发展促进会";
const HOUSEHOLD_NAME: &str = "张小明";
const HOUSEHOLD_ID: &str = "530628198001011238";
const HOUSEHOLD_PHONE: &str = "13812345678";

async fn org_id_of(a: &App, username: &str) -> i64 {
    duijie_store::users::by_username(&a.t.db, username).await.unwrap().unwrap().org_id.expect("organisation user")
}

/// Today in Beijing, as the server counts it.
fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// Two villages of 洛泽河镇 (the test database holds regions down to townships only).
async fn add_villages(a: &App) {
    let row = |code: &str, name: &str| duijie_store::regions::RegionRow { code: code.into(), name: name.into(), level: "village".into(), parent_code: "530628102".into() };
    let mut tx = a.t.db.begin().await.unwrap();
    duijie_store::regions::insert_rows(&mut tx, &[row("530628102203", "发路村民委员会"), row("530628102204", "仓盈村民委员会")]).await.unwrap();
    tx.commit().await.unwrap();
}

/// A draft recorded by yl_xz; returns its id.
async fn record(a: &App, yl_xz: &str, body: Value) -> i64 {
    let r = a.api("POST", "/api/v1/demands", Some(yl_xz), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

fn demand_body(title: &str, field: &str, target: &str, region: &str) -> Value {
    json!({"title": title, "field": field, "target_kind": target, "region": region, "beneficiary_group": "三留守人员",
           "beneficiary_count": 120, "funds_wan": 5, "mode": "capacity", "urgency": 2, "deadline": "2027-12-31",
           "contact_name": "赵磊", "contact_phone": "0870-1234567"})
}

async fn step(a: &App, token: &str, id: i64, step: &str) -> Reply {
    a.api("POST", &format!("/api/v1/demands/{id}/steps"), Some(token), Some(json!({"step": step}))).await
}

/// yl_xz submits and yl_mz approves: the demand is published.
async fn publish(a: &App, yl_xz: &str, yl_mz: &str, id: i64) {
    let s = step(a, yl_xz, id, "submit").await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.body);
    assert_eq!(s.json()["status"], "submitted");
    let p = step(a, yl_mz, id, "approve").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(p.json()["status"], "published");
}

/// org takes, yl_xz confirms; returns the match.
async fn take_and_confirm(a: &App, org: &str, yl_xz: &str, id: i64) -> Value {
    let t = a.api("POST", &format!("/api/v1/demands/{id}/take"), Some(org), Some(json!({"funds_wan": 3, "people": 2, "note": "可派两名社工"}))).await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.body);
    let m = t.json()["match_id"].as_i64().unwrap();
    let c = a.api("POST", &format!("/api/v1/matches/{m}/decision"), Some(yl_xz), Some(json!({"confirm": true}))).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.body);
    c.json()
}

async fn recommendations(a: &App, token: &str, id: i64) -> Value {
    let r = a.api("GET", &format!("/api/v1/demands/{id}/recommendations?limit=50"), Some(token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

fn recommended_org<'a>(recs: &'a Value, name: &str) -> Option<&'a Value> {
    recs["organizations"].as_array().unwrap().iter().find(|o| o["org_name"] == name)
}

async fn stats(a: &App, token: &str, query: &str) -> Reply {
    a.api("GET", &format!("/api/v1/stats/matching{query}"), Some(token), None).await
}

fn counts(rate: &Value) -> (u64, u64) {
    (rate["published"].as_u64().unwrap(), rate["matched"].as_u64().unwrap())
}

async fn list_ids(a: &App, token: Option<&str>, path: &str) -> Vec<i64> {
    let r = a.api("GET", path, token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["items"].as_array().unwrap().iter().map(|d| d["id"].as_i64().unwrap()).collect()
}

async fn a_demand_goes_from_recording_to_a_project_and_counts_in_the_success_rate(a: App) {
    let (yl_xz, yl_mz, org_yl, org_yn) = (a.token("yl_xz").await, a.token("yl_mz").await, a.token("org_yl").await, a.token("org_yn").await);
    let before = stats(&a, &yl_xz, "").await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    let before = before.json();
    assert_eq!(before["region"], "530628", "the caller's region by default");
    assert_eq!(before["from"], format!("{}-01-01", chrono::Datelike::year(&today())));
    assert_eq!(before["to"], today().format("%Y-%m-%d").to_string());

    let id = record(&a, &yl_xz, demand_body("彝良县留守儿童课后辅导", "教育", "county", "530628")).await;
    let d = a.api("GET", &format!("/api/v1/demands/{id}"), Some(&yl_xz), None).await.json();
    // The fields integrators read, exactly (a contract: none lost, none renamed).
    let mut keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "beneficiary_count", "beneficiary_group", "close_reason", "closed_at", "contact_name", "contact_phone", "county_code", "created_at",
            "created_by", "deadline", "description", "done_at", "events", "field", "files", "funds_wan", "household", "id", "is_demo",
            "is_household", "is_wish", "matched_at", "matches", "may_view_household", "mode", "project", "provenance", "published_at",
            "published_by", "region_code", "region_name", "started_at", "status", "status_label", "steps", "submitted_at", "target_kind",
            "target_label", "title", "unit_region", "updated_at", "urgency",
        ]
    );
    assert_eq!(d["status"], "draft");
    assert_eq!(d["funds_wan"], "5.00");
    assert_eq!(d["beneficiary_count"], 120);
    assert_eq!(d["region_name"], "云南省昭通市彝良县");
    let steps: Vec<&str> = d["steps"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(steps.contains(&"submit") && !steps.contains(&"approve"), "{steps:?}");
    assert!(d["household"].is_null() && d["events"].as_array().unwrap().len() == 1);
    // The recording bureau does not approve under the default rule.
    assert_eq!(step(&a, &yl_xz, id, "submit").await.status, StatusCode::OK);
    assert_eq!(step(&a, &yl_xz, id, "approve").await.status, StatusCode::FORBIDDEN);
    let seen_by_mz = a.api("GET", &format!("/api/v1/demands/{id}"), Some(&yl_mz), None).await.json();
    assert!(seen_by_mz["steps"].as_array().unwrap().iter().any(|s| s == "approve"));
    let p = step(&a, &yl_mz, id, "approve").await;
    assert_eq!(p.json()["status"], "published");
    assert_eq!(p.json()["events"].as_array().unwrap().len(), 3);

    let recs = recommendations(&a, &yl_xz, id).await;
    let yl = recommended_org(&recs, ORG_YL).unwrap_or_else(|| panic!("{ORG_YL} is recommended: {recs}"));
    let reasons = yl["reasons"].as_array().unwrap();
    assert!(reasons.iter().any(|r| r["label"] == "业务领域包含“教育”" && r["points"] == 40), "{reasons:?}");
    let sum: i64 = reasons.iter().map(|r| r["points"].as_i64().unwrap()).sum();
    assert_eq!(yl["score"].as_i64().unwrap(), sum, "the reasons add up to the score");
    assert!(recommended_org(&recs, ORG_YN).is_none(), "{ORG_YN} has no 教育: {recs}");
    for o in recs["offers"].as_array().unwrap() {
        let sum: i64 = o["reasons"].as_array().unwrap().iter().map(|r| r["points"].as_i64().unwrap()).sum();
        assert_eq!(o["score"].as_i64().unwrap(), sum);
        assert_ne!(o["org_name"], ORG_YN);
    }
    // An organisation learns its own fit only.
    let own = recommendations(&a, &org_yl, id).await;
    assert_eq!(own["organizations"].as_array().unwrap().len(), 1);
    assert_eq!(own["organizations"][0]["score"], yl["score"]);
    assert!(recommendations(&a, &org_yn, id).await["organizations"].as_array().unwrap().is_empty());
    let for_org = a.api("GET", "/api/v1/recommendations/demands?limit=100", Some(&org_yl), None).await;
    assert_eq!(for_org.status, StatusCode::OK, "{}", for_org.body);
    let mine = for_org.json().as_array().unwrap().iter().find(|r| r["demand_id"] == id).cloned().expect("the demand is recommended to org_yl");
    assert_eq!(mine["title"], "彝良县留守儿童课后辅导");
    assert_eq!(mine["region"], "530628");
    assert_eq!(mine["score"], yl["score"]);
    assert_eq!(a.api("GET", "/api/v1/recommendations/demands", Some(&yl_xz), None).await.status, StatusCode::FORBIDDEN);

    let m = take_and_confirm(&a, &org_yl, &yl_xz, id).await;
    assert_eq!(m["status"], "confirmed");
    assert_eq!(m["kind_label"], "接单");
    assert_eq!(m["funds_wan"], "3.00");
    assert_eq!(m["score"], yl["score"], "the match keeps the recommendation's score");
    let d = a.api("GET", &format!("/api/v1/demands/{id}"), Some(&org_yl), None).await.json();
    assert_eq!(d["status"], "taken");
    assert_eq!(d["project"]["org_name"], ORG_YL);
    assert_eq!(d["project"]["funds_wan"], "3.00");
    assert_eq!(d["matches"].as_array().unwrap().len(), 1);
    assert!(d["steps"].as_array().unwrap().iter().any(|s| s == "start"), "the confirmed organisation starts the work: {}", d["steps"]);
    let s = step(&a, &org_yl, id, "start").await;
    assert_eq!(s.json()["status"], "in_progress");
    assert_eq!(s.json()["project"]["status"], "in_progress");

    let after = stats(&a, &yl_xz, "?region=530628").await.json();
    let (p0, m0) = counts(&before["total"]);
    assert_eq!(counts(&after["total"]), (p0 + 1, m0 + 1), "published 1, matched 1 more");
    let edu = |s: &Value| counts(s["by_field"].as_array().unwrap().iter().find(|r| r["key"] == "教育").unwrap());
    assert_eq!(edu(&after), (edu(&before).0 + 1, edu(&before).1 + 1));
    assert!(after["definition"].as_str().unwrap().starts_with("供需对接成功率"));
    let sql = duijie_store::demand::catalog::success_rate_sql(&a.t.db, "530628", after["from_ts"].as_i64().unwrap(), after["to_ts"].as_i64().unwrap()).await.unwrap();
    assert_eq!((sql.0 as u64, sql.1 as u64), counts(&after["total"]));
}

async fn an_organisation_on_a_credit_list_is_not_recommended_and_cannot_take(a: App) {
    let (yl_xz, yl_mz, org_yl, yn_mz) = (a.token("yl_xz").await, a.token("yl_mz").await, a.token("org_yl").await, a.token("yn_mz").await);
    let id = record(&a, &yl_xz, demand_body("洛泽河镇乡村学校阅读角", "教育", "township", "530628102")).await;
    publish(&a, &yl_xz, &yl_mz, id).await;
    assert!(recommended_org(&recommendations(&a, &yl_xz, id).await, ORG_YL).is_some());

    let org = org_id_of(&a, "org_yl").await;
    let listed = a.api("PUT", &format!("/api/v1/organizations/{org}/credit-list"), Some(&yn_mz), Some(json!({"list": "serious", "reason": "云民发〔2026〕9号"}))).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);

    let recs = recommendations(&a, &yl_xz, id).await;
    assert!(recommended_org(&recs, ORG_YL).is_none(), "listed organisations are not recommended: {recs}");
    assert!(recs["offers"].as_array().unwrap().iter().all(|o| o["org_name"] != ORG_YL), "nor their offers");
    assert!(recommended_org(&recs, "演示·江苏省乡村振兴公益基金会").is_some(), "others still are");
    let for_org = a.api("GET", "/api/v1/recommendations/demands", Some(&org_yl), None).await;
    assert_eq!(for_org.json(), json!([]));
    let t = a.api("POST", &format!("/api/v1/demands/{id}/take"), Some(&org_yl), Some(json!({}))).await;
    assert!(matches!(t.status, StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY), "{} {}", t.status, t.body);
    assert!(t.json()["message"].as_str().unwrap().contains("名单"), "{}", t.body);
    let d = a.api("GET", &format!("/api/v1/demands/{id}"), Some(&yl_xz), None).await.json();
    assert_eq!(d["status"], "published");
    assert!(d["matches"].as_array().unwrap().is_empty());
}

async fn drafts_and_household_data_stay_within_the_county(a: App) {
    let (yl_xz, yl_mz, zx_xz, org_yl) = (a.token("yl_xz").await, a.token("yl_mz").await, a.token("zx_xz").await, a.token("org_yl").await);
    let mut body = demand_body("发路村困难户危房修缮", "基础设施", "household", "530628102203");
    body["household_name"] = json!(HOUSEHOLD_NAME);
    body["household_id"] = json!(HOUSEHOLD_ID);
    body["household_phone"] = json!(HOUSEHOLD_PHONE);
    // A village the database does not know is a problem with the region, not a fault of ours.
    let unknown = a.api("POST", "/api/v1/demands", Some(&yl_xz), Some(body.clone())).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unknown.body);
    assert_eq!(unknown.json()["fields"][0]["field"], "region");
    add_villages(&a).await;
    let id = record(&a, &yl_xz, body).await;
    let path = format!("/api/v1/demands/{id}");

    // A draft of 彝良县: 404 for 镇雄县 and organisations, and not in their lists.
    assert_eq!(a.api("GET", &path, Some(&zx_xz), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(a.api("GET", &path, Some(&org_yl), None).await.status, StatusCode::NOT_FOUND);
    assert!(!list_ids(&a, Some(&zx_xz), "/api/v1/demands?per_page=200").await.contains(&id));
    assert!(!list_ids(&a, Some(&org_yl), "/api/v1/demands?per_page=200&region=530628").await.contains(&id));
    assert!(list_ids(&a, Some(&yl_xz), "/api/v1/demands?status=draft&field=基础设施").await.contains(&id));
    assert_eq!(step(&a, &zx_xz, id, "submit").await.status, StatusCode::NOT_FOUND);
    for who in [&zx_xz, &org_yl] {
        let h = a.api("POST", &format!("{path}/household"), Some(who), None).await;
        assert!(matches!(h.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", h.body);
    }
    let list = a.api("GET", "/api/v1/demands?per_page=200", Some(&yl_xz), None).await.body;
    assert!(!list.contains(HOUSEHOLD_NAME) && !list.contains("张*明") && !list.contains("5678"), "lists carry no household data");

    // Officers see the household masked; the full view is audited.
    let d = a.api("GET", &path, Some(&yl_xz), None).await;
    assert!(!d.body.contains(HOUSEHOLD_NAME) && !d.body.contains(HOUSEHOLD_ID) && !d.body.contains(HOUSEHOLD_PHONE), "{}", d.body);
    let d = d.json();
    assert_eq!(d["region_name"], "云南省昭通市彝良县洛泽河镇发路村民委员会");
    assert_eq!(d["household"]["name"], "张*明");
    assert_eq!(d["household"]["id_number"], "530628********1238");
    assert_eq!(d["household"]["phone"], "138****5678");
    assert_eq!(d["household"]["full"], false);
    assert_eq!(d["may_view_household"], true);
    let full = a.api("POST", &format!("{path}/household"), Some(&yl_xz), None).await;
    assert_eq!(full.status, StatusCode::OK, "{}", full.body);
    assert_eq!(full.json(), json!({"name": HOUSEHOLD_NAME, "id_number": HOUSEHOLD_ID, "phone": HOUSEHOLD_PHONE, "full": true}));
    let (rows, _) = duijie_store::audit::recent(&a.t.db, &duijie_domain::RegionCode::parse("530628").unwrap(), 1, 0).await.unwrap();
    assert_eq!((rows[0].action.as_str(), rows[0].entity_id.as_str(), rows[0].actor.as_str()), ("demand.household.view", id.to_string().as_str(), "yl_xz"));

    // Published: organisations and 镇雄县 see the demand, never the household.
    publish(&a, &yl_xz, &yl_mz, id).await;
    let seen = a.api("GET", &path, Some(&org_yl), None).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    for secret in [HOUSEHOLD_NAME, "张*明", "1238", HOUSEHOLD_PHONE, "5678"] {
        assert!(!seen.body.contains(secret), "an organisation sees {secret}: {}", seen.body);
    }
    let seen = seen.json();
    assert_eq!(seen["household"], json!({"name": "（帮扶户）", "id_number": "", "phone": "", "full": false}));
    assert_eq!(seen["may_view_household"], false);
    assert!(seen["steps"].as_array().unwrap().is_empty());
    assert!(list_ids(&a, Some(&org_yl), "/api/v1/demands?per_page=200&region=530628").await.contains(&id));
    assert!(list_ids(&a, Some(&org_yl), "/api/v1/demands?per_page=200&region=530628&status=draft").await.is_empty(), "organisations never list drafts");
    assert_eq!(a.api("POST", &format!("{path}/household"), Some(&org_yl), None).await.status, StatusCode::FORBIDDEN);
    let zx = a.api("POST", &format!("{path}/household"), Some(&zx_xz), None).await;
    assert!(matches!(zx.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}", zx.body);
    assert!(!zx.body.contains(HOUSEHOLD_NAME));
    assert_eq!(step(&a, &zx_xz, id, "withdraw").await.status, StatusCode::FORBIDDEN);
    // Bad input names the field.
    let bad = a.api("POST", "/api/v1/demands", Some(&yl_xz), Some(json!({"title": "", "field": "天文", "target_kind": "county", "region": "530627"}))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = bad.json()["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_string()).collect();
    assert!(["title", "field", "region"].iter().all(|f| fields.contains(&f.to_string())), "{fields:?}");
    assert_eq!(a.api("GET", "/api/v1/demands?status=nonsense", Some(&yl_xz), None).await.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn the_success_rate_of_a_township_matches_a_hand_count_and_sql(a: App) {
    let (yl_xz, yl_mz, org_yl, zx_xz) = (a.token("yl_xz").await, a.token("yl_mz").await, a.token("org_yl").await, a.token("zx_xz").await);
    // 钟鸣镇 has no demo demands: everything counted here is ours.
    let town = "530628107";
    let day = today().format("%Y-%m-%d").to_string();
    let query = format!("?region={town}&from={day}&to={day}");
    let empty = stats(&a, &yl_xz, &query).await.json();
    assert_eq!(counts(&empty["total"]), (0, 0));
    let mut ids = Vec::new();
    for i in 1..=4 {
        let id = record(&a, &yl_xz, demand_body(&format!("钟鸣镇留守儿童关爱第{i}期"), "特殊群体关爱", "township", town)).await;
        publish(&a, &yl_xz, &yl_mz, id).await;
        ids.push(id);
    }
    take_and_confirm(&a, &org_yl, &yl_xz, ids[0]).await;
    // Withdrawn after publication: still counted as published (see the definition).
    assert_eq!(step(&a, &yl_xz, ids[3], "withdraw").await.json()["status"], "withdrawn");
    // A draft and a submitted demand are not published: not counted.
    let draft = record(&a, &yl_xz, demand_body("钟鸣镇草稿", "特殊群体关爱", "township", town)).await;
    assert_eq!(step(&a, &yl_xz, draft, "submit").await.status, StatusCode::OK);
    record(&a, &yl_xz, demand_body("钟鸣镇草稿二", "特殊群体关爱", "township", town)).await;

    let r = stats(&a, &yl_xz, &query).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = r.json();
    assert_eq!(r["region_name"], "云南省昭通市彝良县钟鸣镇");
    assert_eq!(counts(&r["total"]), (4, 1));
    assert_eq!(r["total"]["rate"], 0.25);
    assert_eq!(r["total"]["percent"], "25.0%");
    let field = r["by_field"].as_array().unwrap().iter().find(|x| x["key"] == "特殊群体关爱").unwrap();
    assert_eq!((counts(field), field["rate"].as_f64()), ((4, 1), Some(0.25)));
    let sql = duijie_store::demand::catalog::success_rate_sql(&a.t.db, town, r["from_ts"].as_i64().unwrap(), r["to_ts"].as_i64().unwrap()).await.unwrap();
    assert_eq!(sql, (4, 1), "the definition as SQL agrees");
    let start = duijie_store::pairing::start_of_day(today());
    assert_eq!((r["from_ts"].as_i64().unwrap(), r["to_ts"].as_i64().unwrap()), (start, start + 86_399));

    // The county's breakdown by township shows 钟鸣镇 with the same counts.
    let county = stats(&a, &yl_mz, &format!("?region=530628&from={day}&to={day}")).await.json();
    let row = county["by_region"].as_array().unwrap().iter().find(|x| x["key"] == town).cloned().expect("钟鸣镇 in the breakdown");
    assert_eq!((counts(&row), row["name"].as_str()), ((4, 1), Some("钟鸣镇")));
    // A period before today counts nothing.
    let yesterday = (today() - chrono::Duration::days(1)).format("%Y-%m-%d").to_string();
    assert_eq!(counts(&stats(&a, &yl_xz, &format!("?region={town}&from=2026-01-01&to={yesterday}")).await.json()["total"]), (0, 0));

    assert_eq!(stats(&a, &org_yl, "").await.status, StatusCode::FORBIDDEN);
    assert_eq!(stats(&a, &zx_xz, &query).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stats(&a, &yl_xz, "?region=53").await.status, StatusCode::NOT_FOUND);
    assert_eq!(stats(&a, &a.token("yn_mz").await, &query).await.status, StatusCode::OK, "the province sees its counties");
    let bad = stats(&a, &yl_xz, "?from=2026-13-45").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["fields"][0]["field"], "from");
    assert_eq!(stats(&a, &yl_xz, "?from=2026-06-01&to=2026-05-01").await.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn offers_are_published_ordered_from_and_curated(a: App) {
    let (yl_xz, yl_mz, org_yl, zx_xz) = (a.token("yl_xz").await, a.token("yl_mz").await, a.token("org_yl").await, a.token("zx_xz").await);
    let body = json!({"title": "彝良县乡村教师培训", "fields": "教育", "target_regions": "530628", "funds_wan": 10, "people": 4, "capacity": 1,
                      "period_start": "2026-01-01", "period_end": "2027-12-31"});
    let r = a.api("POST", "/api/v1/offers", Some(&org_yl), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let offer = r.json()["id"].as_i64().unwrap();
    assert_eq!(a.api("POST", "/api/v1/offers", Some(&yl_xz), Some(json!({"title": "x", "fields": "教育"}))).await.status, StatusCode::FORBIDDEN);
    let bad = a.api("POST", "/api/v1/offers", Some(&org_yl), Some(json!({"title": "", "fields": "天文"}))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let id = record(&a, &yl_xz, demand_body("彝良县教师能力提升", "教育", "county", "530628")).await;
    publish(&a, &yl_xz, &yl_mz, id).await;
    let recs = recommendations(&a, &yl_xz, id).await;
    let rec = recs["offers"].as_array().unwrap().iter().find(|o| o["offer_id"] == offer).cloned().expect("the new offer is recommended");
    assert_eq!((rec["org_name"].as_str(), rec["title"].as_str()), (Some(ORG_YL), Some("彝良县乡村教师培训")));
    assert!(rec["reasons"].as_array().unwrap().iter().any(|r| r["label"] == "供给项目面向该地区"));

    // 点单: the county orders, the organisation confirms.
    assert_eq!(a.api("POST", &format!("/api/v1/demands/{id}/order"), Some(&yl_xz), Some(json!({}))).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.api("POST", &format!("/api/v1/demands/{id}/order"), Some(&zx_xz), Some(json!({"offer_id": offer}))).await.status, StatusCode::NOT_FOUND);
    let o = a.api("POST", &format!("/api/v1/demands/{id}/order"), Some(&yl_xz), Some(json!({"offer_id": offer, "funds_wan": "8"}))).await;
    assert_eq!(o.status, StatusCode::CREATED, "{}", o.body);
    let m = o.json()["match_id"].as_i64().unwrap();
    let own = a.api("POST", &format!("/api/v1/matches/{m}/decision"), Some(&yl_xz), Some(json!({"confirm": true}))).await;
    assert_eq!(own.status, StatusCode::BAD_REQUEST, "the proposer does not confirm its own order");
    let c = a.api("POST", &format!("/api/v1/matches/{m}/decision"), Some(&org_yl), Some(json!({"confirm": true}))).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.body);
    assert_eq!((c.json()["status"].as_str(), c.json()["kind_label"].as_str(), c.json()["offer_id"].as_i64()), (Some("confirmed"), Some("点单"), Some(offer)));
    let f = a.api("GET", &format!("/api/v1/offers/{offer}"), Some(&zx_xz), None).await.json();
    assert_eq!((f["taken"].as_i64(), f["capacity"].as_i64()), (Some(1), Some(1)));

    // Closed by the organisation: gone from the public list, kept in its own.
    let closed = a.api("POST", &format!("/api/v1/offers/{offer}/status"), Some(&org_yl), Some(json!({"status": "closed"}))).await;
    assert_eq!(closed.json()["status"], "closed", "{}", closed.body);
    let org = org_id_of(&a, "org_yl").await;
    assert!(!list_ids(&a, Some(&zx_xz), &format!("/api/v1/offers?org_id={org}")).await.contains(&offer));
    assert!(list_ids(&a, Some(&org_yl), &format!("/api/v1/offers?org_id={org}")).await.contains(&offer));
    assert_eq!(a.api("GET", &format!("/api/v1/offers/{offer}"), Some(&zx_xz), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(a.api("GET", &format!("/api/v1/offers/{offer}"), Some(&org_yl), None).await.status, StatusCode::OK);
    let hide = a.api("POST", &format!("/api/v1/offers/{offer}/status"), Some(&org_yl), Some(json!({"status": "hidden", "reason": "x"}))).await;
    assert_eq!(hide.status, StatusCode::FORBIDDEN, "organisations do not hide offers");
    let hidden = a.api("POST", &format!("/api/v1/offers/{offer}/status"), Some(&yl_mz), Some(json!({"status": "hidden", "reason": "内容不实"}))).await;
    assert_eq!((hidden.json()["status"].as_str(), hidden.json()["hidden_reason"].as_str()), (Some("hidden"), Some("内容不实")), "{}", hidden.body);
    let back = a.api("POST", &format!("/api/v1/offers/{offer}/status"), Some(&org_yl), Some(json!({"status": "published"}))).await;
    assert_eq!(back.status, StatusCode::BAD_REQUEST, "an organisation does not undo a takedown: {}", back.body);
    let wrong = a.api("POST", &format!("/api/v1/offers/{offer}/status"), Some(&yl_mz), Some(json!({"status": "gone"}))).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn the_public_lists_need_no_token_and_carry_no_personal_data(a: App) {
    let (yl_xz, yl_mz) = (a.token("yl_xz").await, a.token("yl_mz").await);
    let mut body = demand_body("仓盈村困难户微心愿：冬季棉被", "特殊群体关爱", "household", "530628102204");
    body["funds_wan"] = json!("0.2");
    body["is_wish"] = json!(true);
    body["household_name"] = json!(HOUSEHOLD_NAME);
    body["household_id"] = json!(HOUSEHOLD_ID);
    body["household_phone"] = json!(HOUSEHOLD_PHONE);
    add_villages(&a).await;
    let id = record(&a, &yl_xz, body).await;
    let draft = record(&a, &yl_xz, demand_body("尚未发布的需求", "教育", "county", "530628")).await;
    assert_eq!(a.api("GET", &format!("/api/v1/public/demands/{id}"), None, None).await.status, StatusCode::NOT_FOUND, "not yet published");
    publish(&a, &yl_xz, &yl_mz, id).await;

    let list = a.api("GET", "/api/v1/public/demands?per_page=200&region=530628", None, None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let ids: Vec<i64> = list.json()["items"].as_array().unwrap().iter().map(|d| d["id"].as_i64().unwrap()).collect();
    assert!(ids.contains(&id) && !ids.contains(&draft), "{ids:?}");
    assert!(list.json()["items"].as_array().unwrap().iter().all(|d| d["status"] == "published"));
    let one = a.api("GET", &format!("/api/v1/public/demands/{id}"), None, None).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!((one.json()["is_wish"].as_bool(), one.json()["funds_wan"].as_str()), (Some(true), Some("0.20")));
    for body in [&list.body, &one.body] {
        for secret in [HOUSEHOLD_NAME, "张*明", HOUSEHOLD_ID, "1238", HOUSEHOLD_PHONE, "5678", "household_name", "id_number"] {
            assert!(!body.contains(secret), "the public answer carries {secret}");
        }
    }
    assert_eq!(a.api("GET", &format!("/api/v1/public/demands/{draft}"), None, None).await.status, StatusCode::NOT_FOUND);
    let all = a.api("GET", "/api/v1/public/demands?status=all&per_page=200", None, None).await.json();
    assert!(all["items"].as_array().unwrap().iter().all(|d| ["published", "taken", "in_progress", "done"].contains(&d["status"].as_str().unwrap())));
    assert_eq!(a.api("GET", "/api/v1/public/demands?status=draft", None, None).await.status, StatusCode::UNPROCESSABLE_ENTITY);

    let offers = a.api("GET", "/api/v1/public/offers", None, None).await;
    assert_eq!(offers.status, StatusCode::OK, "{}", offers.body);
    let offers = offers.json();
    assert!(offers["total"].as_i64().unwrap() >= 5, "the demo offers: {offers}");
    assert!(offers["items"].as_array().unwrap().iter().all(|o| o["status"] == "published"));
    // The authenticated routes still want a token.
    assert_eq!(a.api("GET", "/api/v1/demands", None, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.api("GET", "/api/v1/offers", None, None).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_demand_route_is_in_the_openapi_description() {
    let a = app().await;
    let doc = a.api("GET", "/api/openapi.json", None, None).await.json();
    let routes = [
        ("get", "/api/v1/demands"),
        ("post", "/api/v1/demands"),
        ("get", "/api/v1/demands/{id}"),
        ("post", "/api/v1/demands/{id}/steps"),
        ("post", "/api/v1/demands/{id}/household"),
        ("get", "/api/v1/demands/{id}/recommendations"),
        ("get", "/api/v1/recommendations/demands"),
        ("post", "/api/v1/demands/{id}/take"),
        ("post", "/api/v1/demands/{id}/order"),
        ("post", "/api/v1/matches/{id}/decision"),
        ("get", "/api/v1/offers"),
        ("post", "/api/v1/offers"),
        ("get", "/api/v1/offers/{id}"),
        ("post", "/api/v1/offers/{id}/status"),
        ("get", "/api/v1/stats/matching"),
        ("get", "/api/v1/public/demands"),
        ("get", "/api/v1/public/demands/{id}"),
        ("get", "/api/v1/public/offers"),
    ];
    for (method, path) in routes {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "openapi.json lacks {method} {path}");
        assert_eq!(op["tags"][0], "demands", "{method} {path}");
        let summary = op["summary"].as_str().unwrap_or("");
        assert!(summary.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{method} {path} has no Chinese description: {summary:?}");
        // The public routes say that no token is needed; the others inherit the bearer requirement.
        if path.starts_with("/api/v1/public/") {
            assert_eq!(op["security"], json!([{}]), "{method} {path}");
        } else {
            assert!(op.get("security").is_none(), "{method} {path}");
        }
    }
    assert!(doc["paths"]["/api/v1/stats/matching"]["get"]["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "region"));
    for schema in ["DemandInput", "MatchInput", "OfferInput", "DemandDto", "DemandDetail", "HouseholdDto", "Recommendations", "SuccessRateDto", "PublicDemandDto", "OfferDto"] {
        assert!(doc["components"]["schemas"].get(schema).is_some(), "openapi.json lacks the schema {schema}");
    }
}

/// Every demo demand's history reads in time order — recorded, submitted,
/// published, taken — as the detail page lists it (not 录入 after 发布).
async fn the_demo_histories_read_in_time_order(a: App) {
    let ids: Vec<i64> = duijie_store::on_db!(&a.t.db, p => sqlx::query_scalar("SELECT id FROM demands ORDER BY id").fetch_all(p).await).unwrap();
    assert!(ids.len() > 5, "the demo has demands");
    for id in ids {
        let events = duijie_store::demand::events(&a.t.db, id).await.unwrap();
        assert_eq!(events.first().map(|e| e.to_status.as_str()), Some("draft"), "demand {id} starts with its recording");
        let times: Vec<i64> = events.iter().map(|e| e.at).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "demand {id}: {times:?}");
    }
}
