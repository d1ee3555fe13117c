//! The organisations' annual report (Yunnan: 全省性社会组织每年12月15日前向省
//! 民政厅报送参与乡村振兴工作情况) on both backends: the province asks the
//! organisations registered with it to report; each organisation finds the
//! report under 工作报送, sees its own projects pre-filled, writes its
//! narrative and submits; the province returns it with a reason, the
//! organisation resubmits, the province approves; another organisation and a
//! county office never see it; the export lists exactly the organisation's
//! projects; and the organisation's figures never count twice in the
//! province's own table.

use crate::support::{App, api_request, both};
use axum::http::StatusCode;
use calamine::{Reader, Xlsx};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

both!(an_organisation_reports_its_year_to_the_office_it_is_registered_with);

/// The projects the report counts for an organisation, as plain SQL.
fn counted(org: i64) -> String {
    format!(
        "FROM projects p WHERE p.org_id = {org} AND (p.start_date = '' OR p.start_date <= '2026-12-31') AND (p.end_date = '' OR p.end_date >= '2026-01-01') \
         AND NOT (p.status = 'stopped' AND p.started_at IS NULL)"
    )
}

async fn step(a: &App, token: &str, path: &str, step: &str, reason: &str) -> (StatusCode, Value) {
    let r = a.api("POST", &format!("{path}/{step}"), Some(token), Some(json!({"reason": reason}))).await;
    (r.status, serde_json::from_str(&r.body).unwrap_or(Value::Null))
}

async fn an_organisation_reports_its_year_to_the_office_it_is_registered_with(a: App) {
    let (province, org, other_org, county) = (a.token("yn_mz").await, a.token("org_yn").await, a.token("org_yl").await, a.token("yl_mz").await);
    let org_id = a.scalar("SELECT org_id FROM users WHERE username = 'org_yn'").await;
    assert_eq!(a.scalar(Box::leak(format!("SELECT COUNT(*) FROM organizations WHERE id = {org_id} AND region_code = '53'").into_boxed_str())).await, 1, "a 全省性社会组织");

    // The organisation records a project of the year.
    let r = a.api("POST", "/api/v1/projects", Some(&org), Some(json!({"title": "彝良县乡村医生培训", "region": "彝良县", "nature": "医疗卫生帮扶", "planned_funds_wan": 8.0, "start_date": "2026-04-01", "end_date": "2026-11-30"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let project = r.json()["id"].as_i64().unwrap();

    // The province asks the organisations registered with it (no office reports in this one).
    let define = json!({"title": "2026年全省性社会组织参与乡村振兴工作情况报告", "period_from": "2026-01-01", "period_to": "2026-12-31", "due_on": "2026-12-15",
                        "levels": ["orgs_registered"], "tables": ["jiangsu-2"]});
    let r = a.api("POST", "/api/v1/reports", Some(&province), Some(define)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let registered = a.scalar("SELECT COUNT(*) FROM organizations WHERE region_code = '53' AND approval = 'approved' AND status = 'active'").await;
    let overview = a.api("GET", &format!("/api/v1/reports/{id}"), Some(&province), None).await.json();
    let units = overview["units"].as_array().unwrap();
    assert_eq!(units.len() as i64, registered, "every organisation registered with the province, and no office: {overview}");
    assert!(units.iter().all(|u| u["unit_code"].as_str().unwrap().starts_with("org-") && u["reviewer_code"] == "53"));
    let unit = format!("org-{org_id}");
    let path = format!("/api/v1/reports/{id}/units/{unit}");

    // The organisation finds it in its own list, and is told.
    let listed = a.api("GET", "/api/v1/reports", Some(&org), None).await.json();
    assert!(listed.as_array().unwrap().iter().any(|r| r["id"] == id), "{listed}");
    let inbox = a.api("GET", "/api/v1/inbox", Some(&org), None).await.body;
    assert!(inbox.contains("2026年全省性社会组织参与乡村振兴工作情况报告"), "{inbox}");
    assert!(a.api("GET", "/api/v1/reports", Some(&other_org), None).await.json().as_array().unwrap().iter().all(|r| r["id"] != id), "a county-registered organisation is not asked");

    // Its tables are its own projects; nobody else below the province sees them.
    let view = a.api("GET", &path, Some(&org), None).await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.body);
    let view = view.json();
    assert_eq!((view["may_fill"].as_bool(), view["may_review"].as_bool()), (Some(true), Some(false)));
    let ids: Vec<i64> = view["tables"][0]["project_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    let own = a.scalar(Box::leak(format!("SELECT COUNT(*) {}", counted(org_id)).into_boxed_str())).await;
    assert!(ids.contains(&project));
    assert_eq!(ids.len() as i64, own, "exactly its projects of the year");
    for stranger in [&other_org, &county] {
        assert_eq!(a.api("GET", &path, Some(stranger), None).await.status, StatusCode::NOT_FOUND);
        assert_eq!(step(&a, stranger, &path, "approve", "").await.0, StatusCode::NOT_FOUND);
    }

    // It writes its narrative and submits; the province returns, it resubmits, the province approves.
    assert_eq!(step(&a, &org, &path, "submit", "").await.0, StatusCode::UNPROCESSABLE_ENTITY, "工作进展 first");
    let saved = a.api("PUT", &path, Some(&org), Some(json!({"progress": "全年开展乡村医生培训 3 期", "difficulties": "偏远村交通不便", "experience": "与县卫健局联合组织"}))).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(step(&a, &org, &path, "submit", "").await.1["status"], "submitted");
    assert_eq!(step(&a, &org, &path, "approve", "").await.0, StatusCode::FORBIDDEN, "nobody approves their own report");
    assert_eq!(step(&a, &province, &path, "return", "请补充培训人数").await.1["status"], "returned");
    let told = a.api("GET", "/api/v1/inbox", Some(&org), None).await.body;
    assert!(told.contains("请补充培训人数"), "the organisation hears why: {told}");
    assert_eq!(step(&a, &org, &path, "submit", "").await.1["round"], 2);
    assert_eq!(step(&a, &province, &path, "approve", "").await.1["status"], "approved");

    // The export lists exactly its projects.
    let res = a.router.clone().oneshot(api_request("GET", &format!("{path}/tables/jiangsu-2"), Some(&org), None)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    let sheet = book.worksheet_range(&name).unwrap();
    let titles: Vec<String> = sheet.rows().filter_map(|r| r.get(2).map(|c| c.to_string())).collect();
    assert_eq!(titles.iter().filter(|t| t.as_str() == "彝良县乡村医生培训").count(), 1, "{titles:?}");

    // The province's own table still counts the project once: an organisation's report does not roll up.
    let top = a.api("GET", &format!("/api/v1/reports/{id}/units/53"), Some(&province), None).await.json();
    let top_ids: Vec<i64> = top["tables"][0]["project_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(top_ids.iter().filter(|p| **p == project).count(), 1, "counted once in the province's table");
    assert!(top["below"].as_array().unwrap().iter().any(|u| u["unit_code"] == unit.as_str() && u["status"] == "approved"), "the province sees whom it reviewed");

    // Through the pages: the organisation's menu leads to its own report.
    let (cookie, _) = a.login("org_yn").await;
    let list = a.get("/reports", &cookie).await;
    assert!(list.body.contains("工作报送") && list.body.contains(&format!("/reports/{id}/units/{unit}")), "{}", list.body);
    let page = a.get(&format!("/reports/{id}/units/{unit}"), &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("彝良县乡村医生培训") && page.body.contains("已审核通过"), "its projects and status");
    let (other, _) = a.login("org_yl").await;
    assert_eq!(a.get(&format!("/reports/{id}/units/{unit}"), &other).await.status, StatusCode::NOT_FOUND);
}
