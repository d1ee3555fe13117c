//! Full-text search through the front door, on SQLite and PostgreSQL: a
//! demand is found right after the request that recorded it answers, by the
//! words of its title, only within the caller's scope until it is published,
//! with what the list shows (kind, place, status) as it is now; and a search
//! writes nothing to the index — neither the request nor a background sync
//! when nothing changed.

use crate::support::{App, apps};
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn search(a: &App, token: &str, q: &str) -> Value {
    let r = a.api("GET", &format!("/api/v1/search?q={}", urlencoding(q)), Some(token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", a.backend(), r.body);
    r.json()
}

fn urlencoding(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

fn ids(v: &Value) -> Vec<i64> {
    v["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect()
}

async fn new_demand(a: &App, token: &str, title: &str) -> i64 {
    let body = json!({"title": title, "field": "养老", "target_kind": "county", "region": "530628", "beneficiary_group": "三留守人员",
                      "beneficiary_count": 40, "funds_wan": 3, "mode": "capacity", "urgency": 2, "deadline": "2027-12-31",
                      "contact_name": "赵磊", "contact_phone": "0870-1234567"});
    let r = a.api("POST", "/api/v1/demands", Some(token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}: {}", a.backend(), r.body);
    r.json()["id"].as_i64().unwrap()
}

async fn step(a: &App, token: &str, id: i64, step: &str) {
    let r = a.api("POST", &format!("/api/v1/demands/{id}/steps"), Some(token), Some(json!({"step": step}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", a.backend(), r.body);
}

#[tokio::test]
async fn a_recorded_demand_is_found_at_once_within_scope_and_shows_its_current_state() {
    for a in apps().await {
        let (yl_xz, yl_mz, zx_xz, org_yn) = (a.token("yl_xz").await, a.token("yl_mz").await, a.token("zx_xz").await, a.token("org_yn").await);
        let id = new_demand(&a, &yl_xz, "洛泽河镇农产品冷库建设").await;

        // The county that recorded it finds its draft by a word of the title, at once.
        let own = search(&a, &yl_xz, "冷库").await;
        assert_eq!(ids(&own), vec![id], "{}", a.backend());
        let hit = &own["items"][0];
        assert_eq!((hit["kind"].as_str(), hit["kind_label"].as_str(), hit["status"].as_str()), (Some("demand"), Some("需求"), Some("草稿")), "{}: {hit}", a.backend());
        assert!(hit["place"].as_str().unwrap().contains("彝良县"), "{}: {hit}", a.backend());
        assert_eq!(hit["link"], format!("/demands/{id}"));

        // A draft is not public: another county and an organisation do not find it.
        assert!(ids(&search(&a, &zx_xz, "冷库").await).is_empty(), "{}", a.backend());
        assert!(ids(&search(&a, &org_yn, "冷库").await).is_empty(), "{}", a.backend());

        // Published: everyone finds it, and the list shows the new status.
        step(&a, &yl_xz, id, "submit").await;
        step(&a, &yl_mz, id, "approve").await;
        let public = search(&a, &org_yn, "冷库").await;
        assert_eq!(ids(&public), vec![id], "{}", a.backend());
        assert_eq!(public["items"][0]["status"], "已发布", "{}", a.backend());
        assert_eq!(ids(&search(&a, &zx_xz, "冷库").await), vec![id], "{}", a.backend());

        // The search page shows the same result.
        let (cookie, _) = a.login("yl_xz").await;
        let page = a.get(&format!("/search?q={}", urlencoding("冷库")), &cookie).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("洛泽河镇农产品冷库建设") && page.body.contains(&format!("/demands/{id}")), "{}", a.backend());
    }
}

#[tokio::test]
async fn searching_writes_nothing_to_the_index_when_nothing_changed() {
    for a in apps().await {
        let yl_xz = a.token("yl_xz").await;
        let ft = a.state.derived.fulltext().await;
        // Let any sync started by the logins finish, then take the count.
        a.state.derived.sync().await.unwrap();
        let before = ft.commits();
        for q in ["养老", "助学", "彝良"] {
            search(&a, &yl_xz, q).await;
        }
        let (cookie, _) = a.login("yl_xz").await;
        assert_eq!(a.get(&format!("/search?q={}", urlencoding("养老")), &cookie).await.status, StatusCode::OK);
        // A sync that finds nothing new (the re-read window included) writes nothing either.
        a.state.derived.sync().await.unwrap();
        a.state.derived.sync().await.unwrap();
        assert_eq!(ft.commits(), before, "{}: a search or an idle sync wrote the index", a.backend());

        // The count does move when something changes, so the assertion above can fail.
        new_demand(&a, &yl_xz, "村级养老互助站").await;
        assert!(ft.commits() > before, "{}", a.backend());
    }
}
