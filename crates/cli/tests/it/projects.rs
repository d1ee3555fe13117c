//! Projects (帮扶项目) through the API and the pages, on both backends: a
//! project from each source (a confirmed match, an active pairing, recorded
//! directly), progress with an evidence file whose bytes are checked, the
//! helped county's confirmation, stopping (a matched project's demand
//! published again), edits (two at once: one written, one told), the special
//! action a project names (checked against the helped province, a list filter),
//! a province's natures kept by its provincial office (projects keep theirs),
//! evidence pictures' thumbnails (a hostile header never decoded), text in a money field refused with the field
//! named, outsiders answered 404 on every route with a project's id, and the
//! 附件2 export read back and compared with plain SQL sums; a filled 附件2
//! imported over the API and the page: bad cells refused by row and column
//! with nothing written, the corrected file imported once (a second upload
//! and a double click record nothing more), officers and hostile files refused.

use crate::support::{App, both, multipart};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use calamine::{Data, DataType, Reader, Xlsx};
use http_body_util::BodyExt;
use tower::ServiceExt;
use duijie_store::on_db;
use serde_json::{Value, json};

both!(
    an_organisation_records_a_project_reports_progress_with_evidence_and_the_county_confirms,
    a_project_comes_from_a_match_and_moves_its_demand_along,
    stopping_a_matched_project_over_the_api_gives_its_demand_back_to_the_library,
    an_organisation_edits_its_project_and_of_two_edits_at_once_one_is_written,
    a_project_names_its_action_shown_on_its_page_and_lists_filter_by_it,
    a_provincial_office_keeps_its_natures_and_projects_keep_theirs,
    an_evidence_picture_is_shown_as_a_thumbnail_and_a_hostile_one_is_never_decoded,
    a_project_under_a_pairing_lies_within_the_pairing,
    text_in_a_money_field_is_refused_with_the_field_named,
    outsiders_get_404_on_every_project_route,
    the_pages_record_a_project_add_progress_and_confirm_it,
    the_export_is_the_official_table_with_the_sums_of_sql,
    a_filled_list_with_bad_cells_writes_nothing_and_the_corrected_one_imports_once,
    the_import_page_lists_errors_by_row_and_column_refuses_a_hostile_file_and_imports_once,
);

/// A PNG's first bytes, and a PDF's.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
const PDF: &[u8] = b"%PDF-1.4\n%%EOF\n";

/// A real photo-like PNG of `w` × `h` pixels.
fn picture(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

async fn id_of(a: &App, sql: &'static str, arg: i64) -> i64 {
    on_db!(&a.t.db, p => sqlx::query_scalar::<_, i64>(sql).bind(arg).fetch_one(p).await).unwrap()
}

async fn text_of(a: &App, sql: &'static str, arg: i64) -> String {
    on_db!(&a.t.db, p => sqlx::query_scalar::<_, String>(sql).bind(arg).fetch_one(p).await).unwrap()
}

fn project_body(title: &str, region: &str) -> Value {
    json!({"title": title, "region": region, "nature": "教育帮扶", "field": "教育", "mode": "capacity", "planned_funds_wan": 12.5,
           "people": 3, "beneficiaries": 100, "beneficiary_groups": "三留守人员", "start_date": "2026-03-01", "end_date": "2026-12-31"})
}

async fn create(a: &App, token: &str, body: Value) -> i64 {
    let r = a.api("POST", "/api/v1/projects", Some(token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

fn progress(funds: f64, files: Value) -> Value {
    json!({"on": "2026-06-01", "note": "完成第一批课桌椅采购与安装", "funds_wan": funds, "people": 4, "beneficiaries": 120, "files": files})
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn an_organisation_records_a_project_reports_progress_with_evidence_and_the_county_confirms(a: App) {
    let (org, county, civil) = (a.token("org_yl").await, a.token("yl_xz").await, a.token("yl_mz").await);
    let id = create(&a, &org, project_body("乡村学校午餐改善", "彝良县")).await;
    let p = a.api("GET", &format!("/api/v1/projects/{id}"), Some(&org), None).await.json();
    assert_eq!((p["project"]["region_code"].as_str(), p["project"]["source"].as_str(), p["project"]["status"].as_str()), (Some("530628"), Some("direct"), Some("planned")));
    assert_eq!(p["project"]["planned_funds_wan"], "12.50");
    assert_eq!(text_of(&a, "SELECT CAST(funds_fen AS TEXT) FROM projects WHERE id = $1", id).await, "12500000", "money is stored in fen");

    // Nothing done yet: the county cannot confirm.
    let early = a.api("POST", &format!("/api/v1/projects/{id}/confirm"), Some(&county), None).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    assert_eq!(early.json()["current"]["status"], "planned");

    // A PDF named .jpg is refused by its bytes, and nothing is written.
    let fake = a.api("POST", &format!("/api/v1/projects/{id}/progress"), Some(&org), Some(progress(3.0, json!([{"file_name": "现场.jpg", "content_base64": b64(PDF)}])))).await;
    assert_eq!(fake.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", fake.body);
    assert_eq!(fake.json()["fields"][0]["field"], "files");
    assert!(fake.json()["fields"][0]["message"].as_str().unwrap().contains("PDF"), "{}", fake.body);
    assert_eq!(id_of(&a, "SELECT COUNT(*) FROM project_progress WHERE project_id = $1", id).await, 0);

    let ok = a.api("POST", &format!("/api/v1/projects/{id}/progress"), Some(&org), Some(progress(3.0, json!([{"file_name": "现场.png", "content_base64": b64(PNG)}])))).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    let p = a.api("GET", &format!("/api/v1/projects/{id}"), Some(&county), None).await.json();
    assert_eq!((p["project"]["status"].as_str(), p["project"]["actual_funds_wan"].as_str(), p["project"]["beneficiaries"].as_i64()), (Some("in_progress"), Some("3.00"), Some(120)));
    assert_eq!(p["files"][0]["content_type"], "image/png");
    assert_eq!(p["progress"][0]["note"], "完成第一批课桌椅采购与安装");

    // Only the helped county's rural-revitalisation office confirms; the organisation cannot.
    for (who, token) in [("civil affairs", &civil), ("the organisation", &org)] {
        let r = a.api("POST", &format!("/api/v1/projects/{id}/confirm"), Some(token), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}: {}", r.body);
    }
    let done = a.api("POST", &format!("/api/v1/projects/{id}/confirm"), Some(&county), None).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!((done.json()["status"].as_str(), done.json()["confirmed_by"].as_str().map(|s| !s.is_empty())), (Some("done"), Some(true)));
    let late = a.api("POST", &format!("/api/v1/projects/{id}/progress"), Some(&org), Some(progress(4.0, json!([])))).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "a done project takes no more progress: {}", late.body);
    for action in ["project.create", "project.progress", "project.confirm"] {
        let sql = "SELECT COUNT(*) FROM audit_log WHERE entity = 'project' AND entity_id = $1 AND action = $2";
        let n: i64 = on_db!(&a.t.db, p => sqlx::query_scalar::<_, i64>(sql).bind(id.to_string()).bind(action).fetch_one(p).await).unwrap();
        assert_eq!(n, 1, "{action} audited once");
    }
    assert!(matches!(duijie_store::audit::verify(&a.t.db).await.unwrap(), duijie_store::audit::Verification::Intact { .. }));
}

/// A demand of 彝良县 published, taken by `org` and confirmed by the county: (demand, match).
async fn matched_demand(a: &App, org: &str, title: &str) -> (i64, i64) {
    let (county, civil, org) = (a.token("yl_xz").await, a.token("yl_mz").await, a.token(org).await);
    let demand = json!({"title": title, "field": "教育", "target_kind": "county", "region": "530628", "beneficiary_group": "三留守人员",
        "beneficiary_count": 10, "funds_wan": 1, "mode": "capacity", "urgency": 2, "deadline": "2030-12-31", "contact_name": "赵磊", "contact_phone": "0870-1234567"});
    let d = a.api("POST", "/api/v1/demands", Some(&county), Some(demand)).await.json()["id"].as_i64().unwrap();
    assert_eq!(a.api("POST", &format!("/api/v1/demands/{d}/steps"), Some(&county), Some(json!({"step": "submit"}))).await.status, StatusCode::OK);
    assert_eq!(a.api("POST", &format!("/api/v1/demands/{d}/steps"), Some(&civil), Some(json!({"step": "approve"}))).await.status, StatusCode::OK);
    let m = take_and_confirm(a, &org, d).await;
    (d, m)
}

/// `org` (a token) takes demand `d` and the county confirms: the match's id.
async fn take_and_confirm(a: &App, org: &str, d: i64) -> i64 {
    let take = a.api("POST", &format!("/api/v1/demands/{d}/take"), Some(org), Some(json!({"note": "愿意承接"}))).await;
    assert_eq!(take.status, StatusCode::CREATED, "{}", take.body);
    let m = take.json()["match_id"].as_i64().unwrap();
    let c = a.api("POST", &format!("/api/v1/matches/{m}/decision"), Some(&a.token("yl_xz").await), Some(json!({"confirm": true}))).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.body);
    m
}

async fn a_project_comes_from_a_match_and_moves_its_demand_along(a: App) {
    let (county, org) = (a.token("yl_xz").await, a.token("org_yl").await);
    let (d, _) = matched_demand(&a, "org_yl", "对接生成项目").await;
    let id = id_of(&a, "SELECT id FROM projects WHERE demand_id = $1", d).await;
    let listed = a.api("GET", "/api/v1/projects?status=planned", Some(&org), None).await.json();
    let item = listed["items"].as_array().unwrap().iter().find(|p| p["id"] == id).cloned().expect("the match's project is listed for its organisation");
    assert_eq!((item["source"].as_str(), item["demand_id"].as_i64()), (Some("match"), Some(d)));
    assert_eq!(a.api("POST", &format!("/api/v1/projects/{id}/progress"), Some(&org), Some(progress(0.5, json!([])))).await.status, StatusCode::CREATED);
    assert_eq!(text_of(&a, "SELECT status FROM demands WHERE id = $1", d).await, "in_progress", "the demand's work started with the project");
    assert_eq!(a.api("POST", &format!("/api/v1/projects/{id}/confirm"), Some(&county), None).await.status, StatusCode::OK);
    assert_eq!(text_of(&a, "SELECT status FROM demands WHERE id = $1", d).await, "done", "the county's confirmation finishes the demand");
}

async fn stopping_a_matched_project_over_the_api_gives_its_demand_back_to_the_library(a: App) {
    let (county, org, other) = (a.token("yl_xz").await, a.token("org_yl").await, a.token("org_yn").await);
    let (d, m) = matched_demand(&a, "org_yl", "终止后重新发布的需求").await;
    let id = id_of(&a, "SELECT id FROM projects WHERE demand_id = $1", d).await;
    assert_eq!(a.api("POST", &format!("/api/v1/projects/{id}/progress"), Some(&org), Some(progress(0.5, json!([])))).await.status, StatusCode::CREATED);
    let stop = |token: String, reason: &'static str| {
        let a = &a;
        async move { a.api("POST", &format!("/api/v1/projects/{id}/stop"), Some(&token), Some(json!({"reason": reason}))).await }
    };

    // No reason: the field is named and nothing moves.
    let r = stop(org.clone(), "  ").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["fields"][0]["field"], "reason");
    // The county sees the project but only its organisation stops it; an outsider is told nothing.
    assert_eq!(stop(county.clone(), "县里想终止").await.status, StatusCode::FORBIDDEN);
    assert_eq!(stop(other.clone(), "别人的项目").await.status, StatusCode::NOT_FOUND);
    assert_eq!(text_of(&a, "SELECT status FROM projects WHERE id = $1", id).await, "in_progress");

    let r = stop(org.clone(), "资金未能到位").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!((r.json()["status"].as_str(), r.json()["stop_reason"].as_str()), (Some("stopped"), Some("资金未能到位")));
    let again = stop(org.clone(), "再终止一次").await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(again.json()["current"]["status"], "stopped");

    // The need is still there: the demand is published again and counts as unmatched; the match is dissolved with the reason.
    let demand = a.api("GET", &format!("/api/v1/demands/{d}"), Some(&county), None).await.json();
    assert_eq!((demand["status"].as_str(), demand["matched_at"].as_i64()), (Some("published"), None), "{demand}");
    assert_eq!(text_of(&a, "SELECT status FROM matches WHERE id = $1", m).await, "cancelled");
    assert!(text_of(&a, "SELECT decline_reason FROM matches WHERE id = $1", m).await.contains("资金未能到位"));
    let told = "SELECT COUNT(*) FROM notifications WHERE kind = 'project.stopped' AND link = $1";
    let n: i64 = on_db!(&a.t.db, p => sqlx::query_scalar::<_, i64>(told).bind(format!("/demands/{d}")).fetch_one(p).await).unwrap();
    assert_eq!(n, 1, "the county office is told its demand is back in the library");
    for (entity, action) in [("project", "project.stop"), ("match", "match.release"), ("demand", "demand.reopen")] {
        let sql = "SELECT COUNT(*) FROM audit_log WHERE entity = $1 AND action = $2";
        let n: i64 = on_db!(&a.t.db, p => sqlx::query_scalar::<_, i64>(sql).bind(entity).bind(action).fetch_one(p).await).unwrap();
        assert_eq!(n, 1, "{action} audited");
    }

    // Another organisation takes it, and its confirmation starts a new project for the same demand.
    take_and_confirm(&a, &other, d).await;
    let projects: Vec<String> = on_db!(&a.t.db, p => sqlx::query_scalar::<_, String>("SELECT status FROM projects WHERE demand_id = $1 ORDER BY id").bind(d).fetch_all(p).await).unwrap();
    assert_eq!(projects, ["stopped", "planned"], "the stopped project stays on record beside the new one");
    assert_eq!(text_of(&a, "SELECT status FROM demands WHERE id = $1", d).await, "taken");

    let doc = a.api("GET", "/api/openapi.json", None, None).await.json();
    let op = &doc["paths"]["/api/v1/projects/{id}/stop"]["post"];
    assert_eq!(op["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ProjectStopRequest", "{op}");
    assert_eq!(op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ProjectRecordDto");
}

async fn an_organisation_edits_its_project_and_of_two_edits_at_once_one_is_written(a: App) {
    let (org, county) = (a.token("org_yl").await, a.token("yl_xz").await);
    let id = create(&a, &org, project_body("待修改的项目", "彝良县")).await;
    let version = a.api("GET", &format!("/api/v1/projects/{id}"), Some(&org), None).await.json()["project"]["version"].as_i64().unwrap();

    // The page: the form holds the project as it stands; a bad amount comes back under its field with what was typed.
    let (cookie, csrf) = a.login("org_yl").await;
    let detail = a.get(&format!("/projects/{id}"), &cookie).await;
    assert!(detail.body.contains(&format!("href=\"/projects/{id}/edit\"")), "the organisation is offered the edit");
    let form = a.get(&format!("/projects/{id}/edit"), &cookie).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("value=\"待修改的项目\"") && form.body.contains("value=\"12.50\"") && form.body.contains(&format!("name=\"version\" value=\"{version}\"")), "{}", form.body);
    let v = version.to_string();
    let typed = |title: &'static str, funds: &'static str| vec![("_csrf", csrf.clone()), ("version", v.clone()), ("title", title.into()), ("region", "彝良县".into()), ("nature", "教育帮扶".into()), ("planned_funds_wan", funds.into()), ("people", "3".into()), ("beneficiaries", "150".into())];
    let post = |fields: Vec<(&'static str, String)>| {
        let (a, cookie) = (&a, cookie.clone());
        async move { a.post_form(&format!("/projects/{id}/edit"), &cookie, &fields.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await }
    };
    let bad = post(typed("改名的项目", "约十万")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"error-planned_funds_wan\"") && bad.body.contains("value=\"约十万\"") && bad.body.contains("value=\"改名的项目\""), "{}", bad.body);
    assert_eq!(text_of(&a, "SELECT title FROM projects WHERE id = $1", id).await, "待修改的项目", "nothing written");
    let ok = post(typed("改名的项目", "20")).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let shown = a.get(&format!("/projects/{id}"), &cookie).await;
    assert!(shown.body.contains("改名的项目") && shown.body.contains("20.00 万元") && shown.body.contains("<td id=\"beneficiaries\">150</td>"), "{}", shown.body);
    // The same form sent again was read before the change: refused, the change kept.
    let stale = post(typed("过时的表单", "30")).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.body.contains("id=\"form-error\"") && stale.body.contains("请刷新"), "{}", stale.body);
    assert_eq!(text_of(&a, "SELECT title FROM projects WHERE id = $1", id).await, "改名的项目");

    // The API: two edits from the same reading at once — one is written, the other told (409), never a lost update.
    let current = a.api("GET", &format!("/api/v1/projects/{id}"), Some(&org), None).await.json()["project"]["version"].as_i64().unwrap();
    assert_eq!(current, version + 1);
    let edit = |title: &'static str, version: i64| {
        let mut body = project_body(title, "彝良县");
        body["version"] = json!(version);
        let (a, org) = (&a, org.clone());
        async move { a.api("PUT", &format!("/api/v1/projects/{id}"), Some(&org), Some(body)).await }
    };
    let (x, y) = tokio::join!(edit("甲的修改", current), edit("乙的修改", current));
    let mut statuses = [x.status, y.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "{} / {}", x.body, y.body);
    let winner = if x.status == StatusCode::OK { &x } else { &y };
    let title = winner.json()["title"].as_str().unwrap().to_string();
    assert_eq!(text_of(&a, "SELECT title FROM projects WHERE id = $1", id).await, title, "the written edit is the one answered 200");
    let loser = if x.status == StatusCode::OK { &y } else { &x };
    assert_eq!(loser.json()["current"]["status"], "planned", "{}", loser.body);
    let sql = "SELECT COUNT(*) FROM audit_log WHERE entity = 'project' AND entity_id = $1 AND action = 'project.edit'";
    let n: i64 = on_db!(&a.t.db, p => sqlx::query_scalar::<_, i64>(sql).bind(id.to_string()).fetch_one(p).await).unwrap();
    assert_eq!(n, 2, "each written edit audited, the refused ones not");

    // Without a version, with text in a count, by the county: refused.
    let mut body = project_body("无版本", "彝良县");
    body["people"] = json!("若干");
    let r = a.api("PUT", &format!("/api/v1/projects/{id}"), Some(&org), Some(body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = r.json()["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_string()).collect();
    assert!(fields.contains(&"version".to_string()) && fields.contains(&"people".to_string()), "{fields:?}");
    let mut body = project_body("县里改的", "彝良县");
    body["version"] = json!(current + 1);
    assert_eq!(a.api("PUT", &format!("/api/v1/projects/{id}"), Some(&county), Some(body.clone())).await.status, StatusCode::FORBIDDEN);

    // A stopped project is no longer edited.
    assert_eq!(a.api("POST", &format!("/api/v1/projects/{id}/stop"), Some(&org), Some(json!({"reason": "不再实施"}))).await.status, StatusCode::OK);
    body["version"] = json!(current + 2);
    let closed = a.api("PUT", &format!("/api/v1/projects/{id}"), Some(&org), Some(body)).await;
    assert_eq!(closed.status, StatusCode::CONFLICT, "{}", closed.body);
    assert!(!a.get(&format!("/projects/{id}"), &cookie).await.body.contains("id=\"edit-project\""));

    // A matched project keeps its demand's region.
    let (d, _) = matched_demand(&a, "org_yl", "对接项目不能改地区").await;
    let pid = id_of(&a, "SELECT id FROM projects WHERE demand_id = $1", d).await;
    let v = a.api("GET", &format!("/api/v1/projects/{pid}"), Some(&org), None).await.json()["project"]["version"].as_i64().unwrap();
    let mut body = project_body("对接项目不能改地区", "镇雄县");
    body["version"] = json!(v);
    let moved = a.api("PUT", &format!("/api/v1/projects/{pid}"), Some(&org), Some(body)).await;
    assert_eq!(moved.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", moved.body);
    assert_eq!(moved.json()["fields"][0]["field"], "region");
}

async fn a_project_names_its_action_shown_on_its_page_and_lists_filter_by_it(a: App) {
    let org = a.token("org_yl").await;
    let action = |province: &'static str, key: &'static str| {
        let db = &a.t.db;
        async move { on_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT id FROM actions WHERE province_code = $1 AND key = $2").bind(province).bind(key).fetch_one(p).await).unwrap() }
    };
    let (yunnan, jilin, national) = (action("53", "hundred_counties").await, action("22", "employment").await, action("", "pairing").await);
    let mut body = project_body("百会结百县助学项目", "彝良县");
    body["action_id"] = json!(yunnan);
    let named = create(&a, &org, body.clone()).await;
    let plain = create(&a, &org, project_body("未指定行动的项目", "彝良县")).await;
    // Jilin's action does not carry a project helping a county of Yunnan.
    body["action_id"] = json!(jilin);
    let r = a.api("POST", "/api/v1/projects", Some(&org), Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["fields"][0]["field"], "action_id");
    assert!(r.json()["fields"][0]["message"].as_str().unwrap().contains("吉林省"), "{}", r.body);

    let p = a.api("GET", &format!("/api/v1/projects/{named}"), Some(&org), None).await.json();
    assert_eq!((p["project"]["action_id"].as_i64(), p["project"]["action_name"].as_str()), (Some(yunnan), Some("百会结百县")));
    // The API's list by action: only the project under it.
    for token in [&org, &a.token("yl_xz").await] {
        let listed = a.api("GET", &format!("/api/v1/projects?action={yunnan}"), Some(token), None).await.json();
        let ids: Vec<i64> = listed["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, [named], "{listed}");
    }
    let bad = a.api("GET", "/api/v1/projects?action=abc", Some(&org), None).await;
    assert!(bad.status.is_client_error() && bad.json()["message"].as_str().is_some(), "text for an action id is refused: {}", bad.body);

    // The pages: the form offers the actions, the project page names its action, the list filters by it.
    let (cookie, csrf) = a.login("org_yl").await;
    let form = a.get("/projects/new", &cookie).await;
    assert!(form.body.contains(&format!("<option value=\"{yunnan}\"")) && form.body.contains("云南省：百会结百县") && form.body.contains("全国：结对帮扶行动"), "{}", form.body);
    let page = a.get(&format!("/projects/{named}"), &cookie).await;
    assert!(page.body.contains("<td id=\"project-action\">百会结百县</td>"), "{}", page.body);
    let list = a.get(&format!("/projects?action={yunnan}"), &cookie).await;
    assert!(list.body.contains("百会结百县助学项目") && !list.body.contains("未指定行动的项目"), "{}", list.body);
    // The edit form offers only the national actions and the helped province's; an edit changes the action.
    let edit = a.get(&format!("/projects/{plain}/edit"), &cookie).await;
    assert!(edit.body.contains("云南省：百会结百县") && !edit.body.contains("吉林省："), "{}", edit.body);
    let version = a.api("GET", &format!("/api/v1/projects/{plain}"), Some(&org), None).await.json()["project"]["version"].as_i64().unwrap().to_string();
    let r = a.post_form(&format!("/projects/{plain}/edit"), &cookie, &[("_csrf", &csrf), ("version", &version), ("title", "未指定行动的项目"), ("region", "彝良县"), ("nature", "教育帮扶"), ("action_id", &national.to_string())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(id_of(&a, "SELECT action_id FROM projects WHERE id = $1", plain).await, national);
}

async fn a_provincial_office_keeps_its_natures_and_projects_keep_theirs(a: App) {
    let (office, org) = (a.token("yn_xz").await, a.token("org_yl").await);
    let before = a.api("GET", "/api/v1/projects/natures", Some(&office), None).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    assert_eq!((before.json()["province"].as_str(), before.json()["own"].as_bool(), before.json()["natures"].as_array().map(Vec::len)), (Some("53"), Some(false), Some(8)), "the platform's default until the province keeps its own");
    let mut body = project_body("按旧列表录入的项目", "彝良县");
    body["nature"] = json!("其他");
    let old = create(&a, &org, body).await;

    // Bad names: every one explained, nothing saved.
    let bad = a.api("PUT", "/api/v1/projects/natures", Some(&office), Some(json!({"natures": ["产业帮扶", " ", "乡村振兴人才培育与引进和返乡创业就业扶持计划", "产业帮扶"]}))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let messages: Vec<String> = bad.json()["fields"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap().to_string()).collect();
    assert!(messages.len() == 3 && messages[0].contains("不能为空") && messages[1].contains("20 个字") && messages[2].contains("重复"), "{messages:?}");
    assert_eq!(a.scalar("SELECT COUNT(*) FROM project_natures WHERE province_code = '53'").await, 0);

    let saved = a.api("PUT", "/api/v1/projects/natures", Some(&office), Some(json!({"natures": ["民生帮扶", "产业帮扶", "文旅帮扶"]}))).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!((saved.json()["own"].as_bool(), saved.json()["natures"].clone()), (Some(true), json!(["民生帮扶", "产业帮扶", "文旅帮扶"])));
    // Yunnan's organisations now choose from Yunnan's list; Jiangsu's keep the default.
    let mut body = project_body("文旅帮扶项目", "彝良县");
    body["nature"] = json!("文旅帮扶");
    create(&a, &org, body.clone()).await;
    body["nature"] = json!("教育帮扶");
    let refused = a.api("POST", "/api/v1/projects", Some(&org), Some(body.clone())).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.json()["fields"][0]["message"].as_str().unwrap().contains("文旅帮扶"), "{}", refused.body);
    create(&a, &a.token("org_js").await, project_body("江苏仍用默认列表", "泗阳县")).await;
    // The project recorded before keeps its nature, and can still be edited with it.
    let p = a.api("GET", &format!("/api/v1/projects/{old}"), Some(&org), None).await.json();
    assert_eq!(p["project"]["nature"], "其他");
    let mut body = project_body("按旧列表录入的项目（修改）", "彝良县");
    body["nature"] = json!("其他");
    body["version"] = p["project"]["version"].clone();
    let kept = a.api("PUT", &format!("/api/v1/projects/{old}"), Some(&org), Some(body)).await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.body);
    assert_eq!(kept.json()["nature"], "其他");

    // Only the provincial offices: a prefecture or county is refused, an organisation told nothing, another province keeps its own.
    for (name, want) in [("zt_mz", StatusCode::FORBIDDEN), ("yl_xz", StatusCode::FORBIDDEN), ("org_yl", StatusCode::NOT_FOUND)] {
        let r = a.api("PUT", "/api/v1/projects/natures", Some(&a.token(name).await), Some(json!({"natures": ["越权"]}))).await;
        assert_eq!(r.status, want, "{name}: {}", r.body);
    }
    let js = a.api("GET", "/api/v1/projects/natures", Some(&a.token("js_mz").await), None).await.json();
    assert_eq!((js["province"].as_str(), js["own"].as_bool()), (Some("32"), Some(false)));
    let sql = "SELECT COUNT(*) FROM audit_log WHERE action = 'project.natures' AND entity_id = '53'";
    assert_eq!(a.scalar(sql).await, 1, "the change is audited once");

    // The page: linked from the list, one name per line, errors under the field with the text kept.
    let (cookie, csrf) = a.login("yn_mz").await;
    assert!(a.get("/projects", &cookie).await.body.contains("href=\"/projects/natures\""));
    let page = a.get("/projects/natures", &cookie).await;
    assert!(page.status == StatusCode::OK && page.body.contains("民生帮扶\n产业帮扶\n文旅帮扶") && page.body.contains("本省使用自己的项目性质列表"), "{}", page.body);
    let r = a.post_form("/projects/natures", &cookie, &[("_csrf", &csrf), ("natures", "民生帮扶\n民生帮扶\n生态帮扶")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"error-natures\"") && r.body.contains("重复") && r.body.contains("民生帮扶\n民生帮扶\n生态帮扶"), "{}", r.body);
    let r = a.post_form("/projects/natures", &cookie, &[("_csrf", &csrf), ("natures", "民生帮扶\r\n\r\n生态帮扶\r\n")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let now = a.api("GET", "/api/v1/projects/natures", Some(&office), None).await.json();
    assert_eq!(now["natures"], json!(["民生帮扶", "生态帮扶"]), "blank lines are skipped");
    let (org_cookie, _) = a.login("org_yl").await;
    assert!(!a.get("/projects", &org_cookie).await.body.contains("href=\"/projects/natures\""));
    assert_eq!(a.get("/projects/natures", &org_cookie).await.status, StatusCode::NOT_FOUND);

    // The two provincial offices replace the list at the same moment: both are answered, and
    // the list is one of the two whole, never a mixture or a database error.
    let put = |token: String, names: Value| a.router.clone().oneshot(crate::support::api_request("PUT", "/api/v1/projects/natures", Some(&token), Some(json!({"natures": names}))));
    let (x, y) = tokio::join!(put(office.clone(), json!(["民生帮扶", "文旅帮扶"])), put(a.token("yn_xz").await, json!(["民生帮扶", "消费帮扶", "志愿服务"])));
    assert_eq!((x.unwrap().status(), y.unwrap().status()), (StatusCode::OK, StatusCode::OK));
    let now = a.api("GET", "/api/v1/projects/natures", Some(&office), None).await.json()["natures"].clone();
    assert!(now == json!(["民生帮扶", "文旅帮扶"]) || now == json!(["民生帮扶", "消费帮扶", "志愿服务"]), "{now}");
    let rows = a.scalar("SELECT COUNT(*) FROM project_natures WHERE province_code = '53'").await;
    assert_eq!(rows as usize, now.as_array().unwrap().len(), "no rows of the other list were left behind");
}

async fn an_evidence_picture_is_shown_as_a_thumbnail_and_a_hostile_one_is_never_decoded(a: App) {
    let org = a.token("org_yl").await;
    let id = create(&a, &org, project_body("缩略图项目", "彝良县")).await;
    // A well-formed picture declaring 100000 × 100000 pixels in its header (30 GB if decoded), a few bytes long.
    let mut hostile = picture(1, 1);
    hostile[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    hostile[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = hostile[12..29].iter().fold(!0u32, |c, &b| (0..8).fold(c ^ u32::from(b), |c, _| if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 }));
    hostile[29..33].copy_from_slice(&(!crc).to_be_bytes());
    let files = json!([{"file_name": "现场.png", "content_base64": b64(&picture(960, 480))}, {"file_name": "巨图.png", "content_base64": b64(&hostile)}, {"file_name": "验收.pdf", "content_base64": b64(PDF)}]);
    let r = a.api("POST", &format!("/api/v1/projects/{id}/progress"), Some(&org), Some(progress(1.0, files))).await;
    assert_eq!(r.status, StatusCode::CREATED, "the upload is kept: {}", r.body);
    let ids = |name: &'static str| {
        let db = &a.t.db;
        async move { on_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT id FROM project_files WHERE project_id = $1 AND file_name = $2").bind(id).bind(name).fetch_one(p).await).unwrap() }
    };
    let (photo, huge, pdf) = (ids("现场.png").await, ids("巨图.png").await, ids("验收.pdf").await);

    let (cookie, _) = a.login("org_yl").await;
    let page = a.get(&format!("/projects/{id}"), &cookie).await;
    assert!(page.body.contains(&format!("<img class=\"thumb\" src=\"/projects/files/{photo}/thumb\"")), "the photo is shown small: {}", page.body);
    for (file, name) in [(huge, "巨图.png"), (pdf, "验收.pdf")] {
        assert!(page.body.contains(&format!("<a href=\"/projects/files/{file}\" class=\"evidence-file\">{name}</a>")), "{name} is a link: {}", page.body);
        assert!(!page.body.contains(&format!("/projects/files/{file}/thumb")));
    }
    let thumb = a.router.clone().oneshot(Request::get(format!("/projects/files/{photo}/thumb")).header(header::COOKIE, &cookie).body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!((thumb.status(), thumb.headers()[header::CONTENT_TYPE].to_str().unwrap()), (StatusCode::OK, "image/jpeg"));
    let bytes = thumb.into_body().collect().await.unwrap().to_bytes();
    let small = image::load_from_memory(&bytes).expect("the thumbnail is a picture");
    assert_eq!((small.width(), small.height()), (240, 120), "240 px on the longer side, the shape kept");
    assert_eq!(a.get(&format!("/projects/files/{huge}/thumb"), &cookie).await.status, StatusCode::NOT_FOUND, "no thumbnail for the hostile picture");
    // The full picture is still served; the thumbnail is as scoped as the file.
    assert_eq!(a.get(&format!("/projects/files/{photo}"), &cookie).await.status, StatusCode::OK);
    let (county, _) = a.login("yl_xz").await;
    assert_eq!(a.get(&format!("/projects/files/{photo}/thumb"), &county).await.status, StatusCode::OK);
    for outsider in ["zx_xz", "org_yn"] {
        let (c, _) = a.login(outsider).await;
        assert_eq!(a.get(&format!("/projects/files/{photo}/thumb"), &c).await.status, StatusCode::NOT_FOUND, "{outsider}");
    }
    let api = a.api("GET", &format!("/api/v1/projects/{id}"), Some(&org), None).await.json();
    let flags: Vec<(String, bool)> = api["files"].as_array().unwrap().iter().map(|f| (f["file_name"].as_str().unwrap().to_string(), f["has_thumbnail"].as_bool().unwrap())).collect();
    assert_eq!(flags, [("现场.png".to_string(), true), ("巨图.png".to_string(), false), ("验收.pdf".to_string(), false)]);
}

async fn a_project_under_a_pairing_lies_within_the_pairing(a: App) {
    let org = a.token("org_yl").await;
    let org_id = duijie_store::users::by_username(&a.t.db, "org_yl").await.unwrap().unwrap().org_id.unwrap();
    let pairing = id_of(&a, "SELECT MIN(id) FROM pairings WHERE org_id = $1 AND status = 'active'", org_id).await;
    let mut body = project_body("结对村小图书角", "530628");
    body["pairing_id"] = json!(pairing);
    let id = create(&a, &org, body.clone()).await;
    let p = a.api("GET", &format!("/api/v1/projects/{id}"), Some(&org), None).await.json();
    assert_eq!((p["project"]["source"].as_str(), p["project"]["pairing_id"].as_i64()), (Some("pairing"), Some(pairing)));
    body["region"] = json!("镇雄县");
    let outside = a.api("POST", "/api/v1/projects", Some(&org), Some(body.clone())).await;
    assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", outside.body);
    assert_eq!(outside.json()["fields"][0]["field"], "region");
    let others = id_of(&a, "SELECT MIN(id) FROM pairings WHERE org_id <> $1 AND status = 'active'", org_id).await;
    body["region"] = json!("530628");
    body["pairing_id"] = json!(others);
    let foreign = a.api("POST", "/api/v1/projects", Some(&org), Some(body)).await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", foreign.body);
    assert_eq!(foreign.json()["fields"][0]["field"], "pairing_id");
}

async fn text_in_a_money_field_is_refused_with_the_field_named(a: App) {
    let before = a.scalar("SELECT COUNT(*) FROM projects").await;
    let org = a.token("org_yl").await;
    let mut body = project_body("文字金额", "彝良县");
    body["planned_funds_wan"] = json!("约十万");
    body["people"] = json!("若干");
    let r = a.api("POST", "/api/v1/projects", Some(&org), Some(body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<String> = r.json()["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_string()).collect();
    assert!(fields.contains(&"planned_funds_wan".to_string()) && fields.contains(&"people".to_string()), "{fields:?}");
    // The page keeps what was typed and says under the field what is wrong.
    let (cookie, csrf) = a.login("org_yl").await;
    let page = a.post_form("/projects/new", &cookie, &[("_csrf", &csrf), ("title", "文字金额"), ("region", "彝良县"), ("nature", "教育帮扶"), ("planned_funds_wan", "约十万")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("id=\"error-planned_funds_wan\"") && page.body.contains("value=\"约十万\""), "{}", page.body);
    assert_eq!(a.scalar("SELECT COUNT(*) FROM projects").await, before, "nothing stored");
}

async fn outsiders_get_404_on_every_project_route(a: App) {
    let (org, county) = (a.token("org_yl").await, a.token("yl_xz").await);
    let id = create(&a, &org, project_body("机密项目7Q", "彝良县")).await;
    let r = a.api("POST", &format!("/api/v1/projects/{id}/progress"), Some(&org), Some(progress(1.0, json!([{"file_name": "现场.png", "content_base64": b64(PNG)}])))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let file = id_of(&a, "SELECT MIN(id) FROM project_files WHERE project_id = $1", id).await;
    a.add_officer("ql_xz", "麒麟区乡村振兴局", duijie_domain::Role::RuralRevitalization, "530302").await;
    for name in ["zx_xz", "ql_xz", "gz_xz", "org_yn"] {
        let token = a.token(name).await;
        for (method, path, body) in [
            ("GET", format!("/api/v1/projects/{id}"), None),
            ("POST", format!("/api/v1/projects/{id}/progress"), Some(progress(2.0, json!([])))),
            ("POST", format!("/api/v1/projects/{id}/confirm"), None),
            ("POST", format!("/api/v1/projects/{id}/stop"), Some(json!({"reason": "越权测试"}))),
            ("PUT", format!("/api/v1/projects/{id}"), Some(json!({"title": "越权修改", "region": "彝良县", "nature": "其他", "version": 0}))),
        ] {
            let r = a.api(method, &path, Some(&token), body).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{name} {method} {path}: {}", r.body);
            assert!(!r.body.contains("机密项目7Q"));
        }
        let list = a.api("GET", "/api/v1/projects", Some(&token), None).await;
        assert!(!list.body.contains("机密项目7Q"), "{name} lists it");
        let (cookie, csrf) = a.login(name).await;
        for path in [format!("/projects/{id}"), format!("/projects/{id}/edit"), format!("/projects/files/{file}")] {
            let r = a.get(&path, &cookie).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{name} GET {path}");
            assert!(!r.body.contains("机密项目7Q"));
        }
        for path in [format!("/projects/{id}/confirm"), format!("/projects/{id}/stop"), format!("/projects/{id}/edit")] {
            let r = a.post_form(&path, &cookie, &[("_csrf", &csrf), ("reason", "越权测试"), ("title", "越权修改"), ("region", "彝良县"), ("nature", "其他"), ("version", "0")]).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{name} POST {path}");
        }
        let (ct, body) = multipart(&[("_csrf", &csrf), ("on", "2026-06-01"), ("note", "越权")], "x.png", PNG);
        let req = Request::post(format!("/projects/{id}/progress")).header(header::COOKIE, &cookie).header(header::CONTENT_TYPE, ct).body(Body::from(body)).unwrap();
        assert_eq!(a.send(req).await.status, StatusCode::NOT_FOUND, "{name} POST progress page");
    }
    assert_eq!(id_of(&a, "SELECT COUNT(*) FROM project_progress WHERE project_id = $1", id).await, 1, "outsiders changed nothing");
    assert_eq!(text_of(&a, "SELECT status FROM projects WHERE id = $1", id).await, "in_progress");
    // Officers over the county see it.
    for name in ["zt_mz", "yn_mz"] {
        let r = a.api("GET", &format!("/api/v1/projects/{id}"), Some(&a.token(name).await), None).await;
        assert_eq!(r.status, StatusCode::OK, "{name}");
    }
    assert_eq!(a.api("GET", &format!("/api/v1/projects/{id}"), Some(&county), None).await.status, StatusCode::OK);
}

async fn the_pages_record_a_project_add_progress_and_confirm_it(a: App) {
    let (cookie, csrf) = a.login("org_yl").await;
    assert_eq!(a.get("/projects/new", &cookie).await.status, StatusCode::OK);
    let r = a.post_form("/projects/new", &cookie, &[("_csrf", &csrf), ("title", "页面录入的项目"), ("region", "彝良县"), ("nature", "民生帮扶"), ("planned_funds_wan", "8"), ("people", "2"), ("beneficiaries", "50")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r.location().trim_start_matches("/projects/").split('?').next().unwrap().parse().unwrap();
    let (ct, body) = multipart(&[("_csrf", &csrf), ("on", "2026-06-01"), ("note", "入户走访 50 户"), ("funds_wan", "2.5"), ("people", "2"), ("beneficiaries", "50")], "走访.png", &picture(64, 48));
    let req = Request::post(format!("/projects/{id}/progress")).header(header::COOKIE, &cookie).header(header::CONTENT_TYPE, ct).body(Body::from(body)).unwrap();
    let r = a.send(req).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = a.get(&format!("/projects/{id}"), &cookie).await;
    assert!(page.body.contains("入户走访 50 户") && page.body.contains("class=\"thumb\""), "{}", page.body);
    assert!(!page.body.contains("confirm-project"), "the organisation has no confirm button");
    let (county, county_csrf) = a.login("yl_xz").await;
    let page = a.get(&format!("/projects/{id}"), &county).await;
    assert!(page.body.contains("confirm-project"), "the county is offered the confirmation");
    let r = a.post_form(&format!("/projects/{id}/confirm"), &county, &[("_csrf", &county_csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let again = a.post_form(&format!("/projects/{id}/confirm"), &county, &[("_csrf", &county_csrf)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "a second confirmation is refused");
    let list = a.get("/projects?status=done", &county).await;
    assert!(list.body.contains("页面录入的项目"));
    let list = a.get("/projects?status=done&from=2026-13-01", &county).await;
    assert_eq!(list.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(list.body.contains("id=\"error-from\""));
}

async fn the_export_is_the_official_table_with_the_sums_of_sql(a: App) {
    let org = a.token("org_yl").await;
    for (title, funds) in [("导出一", 1.25), ("导出二", 10.0)] {
        let id = create(&a, &org, project_body(title, "彝良县")).await;
        assert_eq!(a.api("POST", &format!("/api/v1/projects/{id}/progress"), Some(&org), Some(progress(funds, json!([])))).await.status, StatusCode::CREATED);
    }
    let (cookie, _) = a.login("yn_mz").await;
    let res = a.router.clone().oneshot(Request::get("/projects/export.xlsx").header(header::COOKIE, &cookie).body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("项目明细表").unwrap();
    let header: Vec<String> = (0..7).map(|c| sheet.get_value((2, c)).map(|v| v.to_string()).unwrap_or_default()).collect();
    assert_eq!(header, duijie_office::project_list::PROJECT_LIST_HEADERS);
    let (mut funds, mut people, mut beneficiaries, mut rows) = (0.0, 0.0, 0.0, 0);
    for r in 3..sheet.height() as u32 {
        if let Some(Data::Float(f)) = sheet.get_value((r, 4)) {
            funds += f;
            people += sheet.get_value((r, 5)).and_then(|v| v.as_f64()).unwrap();
            beneficiaries += sheet.get_value((r, 6)).and_then(|v| v.as_f64()).unwrap();
            rows += 1;
        }
    }
    assert_eq!(rows, a.scalar("SELECT COUNT(*) FROM projects WHERE region_code >= '53' AND region_code < '54'").await);
    // Plain SQL over the same records (SUM of BIGINT is NUMERIC on PostgreSQL: cast back).
    assert_eq!((funds * 1_000_000.0).round() as i64, a.scalar("SELECT CAST(COALESCE(SUM(actual_funds_fen), 0) AS BIGINT) FROM projects WHERE region_code >= '53' AND region_code < '54'").await);
    assert_eq!(people as i64, a.scalar("SELECT CAST(COALESCE(SUM(people), 0) AS BIGINT) FROM projects WHERE region_code >= '53' AND region_code < '54'").await);
    assert_eq!(beneficiaries as i64, a.scalar("SELECT CAST(COALESCE(SUM(beneficiaries), 0) AS BIGINT) FROM projects WHERE region_code >= '53' AND region_code < '54'").await);
    assert!(funds >= 11.25, "the two projects' spending is in it: {funds}");
}

/// The demo Jiangsu organisation that imports its 附件2 (user `org_js`).
const JS_ORG: &str = "演示·江苏省乡村振兴公益基金会";

/// A filled 附件2 as a person fills the downloaded form in Excel: title, 单位
/// line, header in row 3, the lines from row 4 (a cell that reads as a number
/// is typed as one, anything else as text), the 备注 line at the end.
fn filled(lines: &[[&str; 7]]) -> Vec<u8> {
    use duijie_office::project_list::{NOTE, PROJECT_LIST_HEADERS, TITLE};
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.merge_range(0, 0, 0, 6, TITLE, &rust_xlsxwriter::Format::new()).unwrap();
    ws.write_string(1, 0, format!("单位（盖章）：{JS_ORG}")).unwrap();
    ws.write_string(1, 3, "联系人：王敏").unwrap();
    ws.write_string(1, 5, "电话：025-12345678").unwrap();
    for (c, h) in PROJECT_LIST_HEADERS.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    for (r, line) in lines.iter().enumerate() {
        for (c, v) in line.iter().enumerate() {
            let (r, c) = (r as u32 + 3, c as u16);
            match v.parse::<f64>() {
                Ok(n) if c >= 4 => ws.write_number(r, c, n).unwrap(),
                _ => ws.write_string(r, c, *v).unwrap(),
            };
        }
    }
    ws.write_string(lines.len() as u32 + 4, 0, NOTE).unwrap();
    wb.save_to_buffer().unwrap()
}

/// The lines of the bad file, one problem per line from row 5; rows 4 and 9 are good.
fn bad_lines() -> Vec<[&'static str; 7]> {
    vec![
        [JS_ORG, "陕西省汉中市略阳县", "略阳县留守儿童助学", "教育帮扶", "12.5", "3", "120"],
        [JS_ORG, "陕西省/汉中市/略阳县", "略阳县助学二期", "教育帮扶", "约5万", "2", "30"],
        [JS_ORG, "陕西省汉中市不存在县", "无处可去的项目", "民生帮扶", "1", "1", "10"],
        [JS_ORG, "汉中市略阳县", "受益人数为负", "民生帮扶", "1", "1", "-3"],
        [JS_ORG, "略阳县", "性质不在列表", "扶贫帮扶", "1", "1", "10"],
        [JS_ORG, "321323", "泗阳县特色果蔬", "产业帮扶", "0.5", "0", "7"],
        ["别的基金会", "泗阳县", "别人的项目", "其他", "2", "1", "5"],
    ]
}

/// The same lines, corrected.
fn good_lines() -> Vec<[&'static str; 7]> {
    let mut lines = bad_lines();
    lines[1][4] = "5";
    lines[2][1] = "陕西省 汉中市 略阳县";
    lines[3][6] = "3";
    lines[4][3] = "其他";
    lines[6][0] = JS_ORG;
    lines
}

/// `POST /api/v1/projects/import` with the file as the multipart field `file`.
async fn api_import(a: &App, token: &str, name: &str, bytes: &[u8]) -> crate::support::Reply {
    let (ct, body) = multipart(&[], name, bytes);
    let req = Request::post("/api/v1/projects/import")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap();
    a.send(req).await
}

async fn a_filled_list_with_bad_cells_writes_nothing_and_the_corrected_one_imports_once(a: App) {
    let org = a.token("org_js").await;
    let before = a.scalar("SELECT COUNT(*) FROM projects").await;
    let audit_before = a.scalar("SELECT COUNT(*) FROM audit_log").await;
    let creates_before = a.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'project.create'").await;

    let r = api_import(&a, &org, "附件2.xlsx", &filled(&bad_lines())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let v = r.json();
    assert_eq!(v["code"], "invalid", "the API's error shape: {v}");
    assert!(v["request_id"].as_str().is_some_and(|id| id.len() == 12) && v["message"].as_str().is_some_and(|m| m.contains("5 处错误")), "{v}");
    let errors: Vec<(i64, String, String)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_i64().unwrap(), e["column"].as_str().unwrap().to_string(), e["message"].as_str().unwrap().to_string()))
        .collect();
    let at: Vec<(i64, &str)> = errors.iter().map(|(r, c, _)| (*r, c.as_str())).collect();
    assert_eq!(
        at,
        [(5, "投入资金（万元）"), (6, "帮扶地区（省/市/县）"), (7, "受益人数"), (8, "项目性质"), (10, "社会组织名称")],
        "every bad cell, by the row Excel shows and the column's header, and nothing else (the 备注 line is not a row): {errors:?}"
    );
    let says = |row: i64, words: &[&str]| {
        let (_, _, m) = errors.iter().find(|(r, _, _)| *r == row).unwrap();
        assert!(words.iter().all(|w| m.contains(w)), "row {row}: {m}");
    };
    says(5, &["约5万", "万元"]);
    says(6, &["不存在县"]);
    says(7, &["受益人数", "0 到"]);
    says(8, &["民生帮扶", "其他"]);
    says(10, &["别的基金会", "本组织", JS_ORG]);
    assert_eq!(a.scalar("SELECT COUNT(*) FROM projects").await, before, "nothing written");
    assert_eq!(a.scalar("SELECT COUNT(*) FROM project_imports").await, 0);
    assert_eq!(a.scalar("SELECT COUNT(*) FROM audit_log").await, audit_before, "no audit row either");

    let good = filled(&good_lines());
    let r = api_import(&a, &org, "附件2（修改后）.xlsx", &good).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let ids: Vec<i64> = r.json()["ids"].as_array().unwrap().iter().map(|i| i.as_i64().unwrap()).collect();
    assert_eq!((ids.len(), r.json()["count"].as_i64()), (7, Some(7)));
    assert_eq!(a.scalar("SELECT COUNT(*) FROM projects").await, before + 7);
    let db = &a.t.db;
    let row = |id: i64| async move {
        let sql = "SELECT region_code, nature, CAST(actual_funds_fen AS TEXT), CAST(people AS TEXT), CAST(beneficiaries AS TEXT), source, status FROM projects WHERE id = $1";
        on_db!(db, p => sqlx::query_as::<_, (String, String, String, String, String, String, String)>(sql).bind(id).fetch_one(p).await).unwrap()
    };
    let s = |v: [&str; 7]| v.map(String::from);
    let tuple = |t: (String, String, String, String, String, String, String)| [t.0, t.1, t.2, t.3, t.4, t.5, t.6];
    assert_eq!(tuple(row(ids[0]).await), s(["610727", "教育帮扶", "12500000", "3", "120", "direct", "planned"]), "万元 in fen, counts, the county by its full name");
    assert_eq!(tuple(row(ids[1]).await), s(["610727", "教育帮扶", "5000000", "2", "30", "direct", "planned"]), "省/市/县 with slashes");
    assert_eq!(tuple(row(ids[2]).await)[0], "610727", "省 市 县 with spaces");
    assert_eq!(tuple(row(ids[5]).await), s(["321323", "产业帮扶", "500000", "0", "7", "direct", "planned"]), "a region code");
    assert_eq!(tuple(row(ids[6]).await)[0], "321323", "a county's short name");
    let titles: Vec<String> = on_db!(&a.t.db, p => sqlx::query_scalar::<_, String>("SELECT p.title FROM projects p JOIN organizations o ON o.id = p.org_id WHERE o.name = $1 AND p.id >= $2 ORDER BY p.id").bind(JS_ORG).bind(ids[0]).fetch_all(p).await).unwrap();
    assert_eq!(titles.len(), 7, "every project is the importing organisation's");
    assert_eq!(titles[0], "略阳县留守儿童助学");
    assert_eq!(a.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'project.create'").await, creates_before + 7, "each project audited");
    assert_eq!(a.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'project.import'").await, 1, "the import is audited");
    assert!(matches!(duijie_store::audit::verify(&a.t.db).await.unwrap(), duijie_store::audit::Verification::Intact { .. }));

    // The same file again (a second upload, a double click) records nothing more.
    let again = api_import(&a, &org, "附件2（修改后）.xlsx", &good).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.json()["message"].as_str().unwrap().contains("已经导入过"), "{}", again.body);
    // A double click: the same bytes twice at once; one import, the other told it is done.
    let same = filled(&good_lines()[2..4]);
    let (x, y) = tokio::join!(api_import(&a, &org, "c.xlsx", &same), api_import(&a, &org, "c.xlsx", &same));
    let mut both = [x.status, y.status];
    both.sort();
    assert_eq!(both, [StatusCode::CREATED, StatusCode::CONFLICT], "a double click imports once: {} / {}", x.body, y.body);
    let imported = a.scalar("SELECT COUNT(*) FROM projects").await;
    assert_eq!(imported, before + 7 + 2);

    // An officer is not an organisation: refused, nothing written.
    for officer in ["yl_xz", "yn_mz"] {
        let token = a.token(officer).await;
        let r = api_import(&a, &token, "附件2.xlsx", &filled(&good_lines()[..1])).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{officer}: {}", r.body);
    }
    assert_eq!(a.scalar("SELECT COUNT(*) FROM projects").await, imported, "the officer wrote nothing");

    // The description says so: a multipart body with a file, 201 with the ids, 422 with the cells.
    let doc = a.api("GET", "/api/openapi.json", None, None).await.json();
    let op = &doc["paths"]["/api/v1/projects/import"]["post"];
    assert!(op["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]["file"].is_object(), "{op}");
    assert_eq!(op["responses"]["201"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ProjectListImported");
    assert_eq!(op["responses"]["422"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/SheetRefusal");
    let refusal = doc["components"]["schemas"]["SheetRefusal"].to_string();
    assert!(refusal.contains("#/components/schemas/ErrorBody") && refusal.contains("\"errors\""), "the API's error shape with the cells: {refusal}");
}

async fn the_import_page_lists_errors_by_row_and_column_refuses_a_hostile_file_and_imports_once(a: App) {
    let (cookie, csrf) = a.login("org_js").await;
    let list = a.get("/projects", &cookie).await;
    assert!(list.body.contains("href=\"/projects/import\""), "the list links to the import");
    let page = a.get("/projects/import", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"project-import-form\"") && page.body.contains("/projects/import/template.xlsx"));
    let blank = a.router.clone().oneshot(Request::get("/projects/import/template.xlsx").header(header::COOKIE, &cookie).body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(blank.status(), StatusCode::OK);
    let blank = blank.into_body().collect().await.unwrap().to_bytes().to_vec();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(blank)).unwrap();
    let sheet = book.worksheet_range("项目明细表").unwrap();
    let header: Vec<String> = (0..7).map(|c| sheet.get_value((2, c)).map(|v| v.to_string()).unwrap_or_default()).collect();
    assert_eq!(header, duijie_office::project_list::PROJECT_LIST_HEADERS, "the blank table is the form");
    assert!(sheet.get_value((1, 0)).is_some_and(|v| v.to_string().contains(JS_ORG)), "headed with the organisation");

    let before = a.scalar("SELECT COUNT(*) FROM projects").await;
    let post = |name: &'static str, bytes: Vec<u8>| {
        let (ct, body) = multipart(&[("_csrf", &csrf)], name, &bytes);
        a.send(Request::post("/projects/import").header(header::COOKIE, &cookie).header(header::CONTENT_TYPE, ct).body(Body::from(body)).unwrap())
    };
    let r = post("附件2.xlsx", filled(&bad_lines())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"import-errors\"") && r.body.contains("有 5 处错误，未写入任何项目"), "{}", r.body);
    assert!(r.body.contains("<td data-label=\"行\">5</td><td data-label=\"列\">投入资金（万元）</td>"), "{}", r.body);
    assert!(r.body.contains("id=\"errors-download\""), "the full list is offered as a file");
    for (name, bytes, message) in [
        ("formulas.xlsx", duijie_office::hostile::formulas(&duijie_office::project_list::PROJECT_LIST_HEADERS), "公式单元格不能导入"),
        ("sparse.xlsx", duijie_office::hostile::sparse_corners(false), "超过上限"),
        ("photo.xlsx", duijie_office::hostile::png(), "文件不是有效的 Excel（.xlsx）或 CSV 文件"),
    ] {
        let r = post(name, bytes).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(r.body.contains("id=\"form-error\"") && r.body.contains(message), "{name}: {}", r.body);
    }
    assert_eq!(a.scalar("SELECT COUNT(*) FROM projects").await, before, "nothing written");

    let good = filled(&good_lines());
    let r = post("附件2.xlsx", good.clone()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let done = a.get(r.location(), &cookie).await;
    assert!(done.body.contains("已导入并录入 7 个帮扶项目") && done.body.contains("href=\"/projects\" id=\"to-projects\""), "{}", done.body);
    assert_eq!(a.scalar("SELECT COUNT(*) FROM projects").await, before + 7);
    let again = post("附件2.xlsx", good).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("已经导入过"), "{}", again.body);
    assert_eq!(a.scalar("SELECT COUNT(*) FROM projects").await, before + 7, "once");

    let (officer, _) = a.login("yl_xz").await;
    assert_eq!(a.get("/projects/import", &officer).await.status, StatusCode::FORBIDDEN);
    assert!(!a.get("/projects", &officer).await.body.contains("href=\"/projects/import\""));
}
