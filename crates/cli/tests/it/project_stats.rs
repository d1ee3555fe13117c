//! The projects dashboard (项目统计) on both backends: its figures equal plain
//! SQL over the caller's scope, each links to the list of the same projects,
//! the province view draws its prefectures' map and the month chart inline
//! (each month's bar leads to the projects starting that month), the whole
//! country's view draws the provinces, an officer sees the matching success
//! rate and the key counties' pairing coverage as their own pages give them,
//! an organisation sees only its own projects, and a bad period is named.
//! The figures are kept between requests, yet a change made since — on this
//! server in the same second, or through another server — shows at once.

use crate::support::{App, api_request, both, reply};
use tower::ServiceExt;
use axum::http::StatusCode;
use serde_json::json;

both!(the_dashboard_adds_up_the_records_it_links_to, the_dashboard_shows_a_change_made_since_it_was_last_computed);

/// The figure shown above `label` in the dashboard's cards.
fn figure(html: &str, label: &str) -> String {
    let end = html.find(&format!("</strong></a><span>{label}</span>")).unwrap_or_else(|| panic!("{label} in the page"));
    let start = html[..end].rfind("<strong>").unwrap() + "<strong>".len();
    html[start..end].to_string()
}

async fn the_dashboard_adds_up_the_records_it_links_to(a: App) {
    let org = a.token("org_yl").await;
    for (title, wan) in [("统计一", 2.5), ("统计二", 4.0)] {
        let r = a.api("POST", "/api/v1/projects", Some(&org), Some(json!({"title": title, "region": "彝良县", "nature": "产业帮扶", "field": "产业", "start_date": "2026-04-01", "end_date": "2026-10-31"}))).await;
        let id = r.json()["id"].as_i64().unwrap();
        let p = a.api("POST", &format!("/api/v1/projects/{id}/progress"), Some(&org), Some(json!({"on": "2026-05-01", "note": "进行中", "funds_wan": wan, "people": 3, "beneficiaries": 50}))).await;
        assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    }
    let (cookie, _) = a.login("yn_mz").await;
    let page = a.get("/projects/stats", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    let in_yunnan = "FROM projects WHERE region_code >= '53' AND region_code < '54'";
    let count = a.scalar(Box::leak(format!("SELECT COUNT(*) {in_yunnan}").into_boxed_str())).await;
    let funds = a.scalar(Box::leak(format!("SELECT CAST(COALESCE(SUM(actual_funds_fen), 0) AS BIGINT) {in_yunnan}").into_boxed_str())).await;
    let orgs = a.scalar(Box::leak(format!("SELECT COUNT(DISTINCT org_id) {in_yunnan}").into_boxed_str())).await;
    assert!(count >= 2);
    assert_eq!(figure(&page.body, "帮扶项目"), count.to_string());
    assert_eq!(figure(&page.body, "参与社会组织"), orgs.to_string());
    assert_eq!(figure(&page.body, "投入资金（万元）"), format!("{:.2}", funds as f64 / 1_000_000.0));
    assert!(page.body.contains(r#"<a href="/projects?nature=%E4%BA%A7%E4%B8%9A%E5%B8%AE%E6%89%B6">产业帮扶</a>"#), "a nature links to its projects");
    assert!(page.body.contains("id=\"month-chart\"") && page.body.contains("data-code=\"5306\""), "the month chart and the province's map are drawn");
    assert!(page.body.contains("云南省昭通市"), "by child region");
    // The linked list holds exactly the counted projects.
    let list = a.get("/projects", &cookie).await;
    assert!(list.body.contains(&format!("共 {count} 条")), "the list behind the figure");

    // A month's bar leads to the projects starting that month, and only those.
    let april = a.scalar("SELECT COUNT(*) FROM projects WHERE region_code >= '53' AND region_code < '54' AND substr(start_date, 1, 7) = '2026-04'").await;
    assert!(april >= 2);
    assert!(page.body.contains(r#"<a href="/projects?started=2026-04">"#), "the April bar links to its projects");
    let started = a.get("/projects?started=2026-04", &cookie).await;
    assert!(started.body.contains(&format!("共 {april} 条")), "the projects starting in April");
    assert_eq!(figure(&a.get("/projects/stats?started=2026-04", &cookie).await.body, "帮扶项目"), april.to_string());
    let bad_month = a.get("/projects?started=2026-13", &cookie).await;
    assert_eq!(bad_month.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_month.body.contains("开始月份不是有效的月份"));

    // The officer sees the success rate and the coverage their own pages give.
    let mz = a.token("yn_mz").await;
    let rate = a.api("GET", "/api/v1/stats/matching?region=53", Some(&mz), None).await.json();
    let (matched, published) = (rate["total"]["matched"].as_u64().unwrap(), rate["total"]["published"].as_u64().unwrap());
    let shown = figure(&page.body, "需求对接成功率");
    if published == 0 {
        assert_eq!(shown, "—");
    } else {
        assert!(shown.ends_with(&format!("（{matched}/{published}）")), "{shown}");
    }
    let cov = a.api("GET", "/api/v1/pairing/coverage?targets=national_key:53", Some(&mz), None).await.json();
    let s = &cov["summary"];
    let covered = s["one"].as_u64().unwrap() + s["several"].as_u64().unwrap();
    assert!(s["targets"].as_u64().unwrap() > 0, "Yunnan has national key counties");
    assert_eq!(figure(&page.body, "重点帮扶县结对覆盖"), format!("{covered}/{}", s["targets"]));
    assert!(page.body.contains(r#"href="/pairing/coverage?targets=national_key%3A53""#), "coverage links to its page");

    // The whole country's view draws the provinces, each linking to its projects.
    let (admin, _) = a.login("admin").await;
    let national = a.get("/projects/stats", &admin).await;
    assert_eq!(national.status, StatusCode::OK);
    assert!(national.body.contains("data-code=\"5306\"") && national.body.contains("data-code=\"3201\""), "every province's prefectures are drawn");
    assert!(national.body.contains(r#"href="/projects?region=53""#), "Yunnan links to its projects");

    // An organisation sees its own projects only.
    let (org_cookie, _) = a.login("org_js").await;
    let own = a.get("/projects/stats", &org_cookie).await;
    assert!(!own.body.contains("<span>需求对接成功率</span>") && !own.body.contains("<span>重点帮扶县结对覆盖</span>"), "no officer figures for an organisation");
    let js = a.scalar("SELECT COUNT(*) FROM projects p JOIN users u ON u.org_id = p.org_id WHERE u.username = 'org_js'").await;
    assert_eq!(figure(&own.body, "帮扶项目"), js.to_string());

    let bad = a.get("/projects/stats?from=2026-13-40", &cookie).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"error-from\""));
}

async fn the_dashboard_shows_a_change_made_since_it_was_last_computed(a: App) {
    let (cookie, _) = a.login("yn_mz").await;
    let org = a.token("org_yl").await;
    let in_yunnan = "FROM projects WHERE region_code >= '53' AND region_code < '54'";
    let projects_sql: &'static str = Box::leak(format!("SELECT COUNT(*) {in_yunnan}").into_boxed_str());
    let people_sql: &'static str = Box::leak(format!("SELECT CAST(COALESCE(SUM(beneficiaries), 0) AS BIGINT) {in_yunnan}").into_boxed_str());
    let shown = async |label: &str| figure(&a.get("/projects/stats", &cookie).await.body, label);
    let first = shown("受益人数").await;
    assert_eq!(first, a.scalar(people_sql).await.to_string());
    assert_eq!(shown("受益人数").await, first, "asked again, the same figures");

    // On this server: a new project, then progress on it, each shown by the next request.
    let r = a.api("POST", "/api/v1/projects", Some(&org), Some(json!({"title": "统计缓存", "region": "彝良县", "nature": "产业帮扶", "field": "产业", "start_date": "2026-04-01"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(shown("帮扶项目").await, a.scalar(projects_sql).await.to_string());
    let p = a.api("POST", &format!("/api/v1/projects/{id}/progress"), Some(&org), Some(json!({"on": "2026-05-01", "note": "第一次", "beneficiaries": 40}))).await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    let after = shown("受益人数").await;
    assert_eq!(after, a.scalar(people_sql).await.to_string());
    assert_ne!(after, first);

    // Through another server on the same database (its own memory): shown here at once.
    let config = duijie_web::WebConfig { trust_proxy: true, ..duijie_web::WebConfig::default() };
    let other = duijie_web::router(duijie_web::AppState::new(a.t.db.clone(), config).await.expect("second server"));
    let req = api_request("POST", &format!("/api/v1/projects/{id}/progress"), Some(&org), Some(json!({"on": "2026-05-02", "note": "另一台服务器", "beneficiaries": 75})));
    let p = reply(other.oneshot(req).await.unwrap()).await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    let later = shown("受益人数").await;
    assert_eq!(later, a.scalar(people_sql).await.to_string(), "{}", a.backend());
    assert_ne!(later, after);
}
