//! The half-year cycle (调度) through the API, on both backends: the province
//! defines a report; a county's organisation records a project and the
//! county confirms it; the county office corrects a figure (kept beside the
//! computed one), submits; the prefecture returns it with a reason; the
//! county resubmits; two approvals at once — exactly one wins; records that
//! change afterwards do not move the approved figures (and the database
//! refuses a direct change); the prefecture submits, the province approves;
//! the province's 附件1-style table, read back from the .xlsx, equals an
//! independent SQL computation; reopening needs the prefecture; a
//! neighbouring county sees nothing; late units are reminded once a day.

use crate::support::{App, api_request, both};
use axum::http::StatusCode;
use calamine::{Data, Reader, Xlsx};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

both!(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] a_county_report_goes_up_the_tree_is_locked_once_approved_and_rolls_up);
both!(the_pages_define_a_report_and_carry_a_county_report_to_approval, an_administrator_adds_a_provinces_form_without_a_release);

/// A provincial administrator uploads a form as a definition file; a bad or
/// hostile file is refused in Chinese; officers cannot upload; a report can use it.
async fn an_administrator_adds_a_provinces_form_without_a_release(a: App) {
    a.add_officer("yn_admin", "云南省管理员", duijie_domain::Role::Admin, "53").await;
    let (admin, officer) = (a.token("yn_admin").await, a.token("yn_mz").await);
    let mut def: Value = serde_json::from_str(include_str!("../../../../tables/jiangsu-1.json")).unwrap();
    def["key"] = json!("yunnan-pairing-1");
    def["title"] = json!("{year}年云南省社会组织结对帮扶统计表");
    assert_eq!(a.api("POST", "/api/v1/reports/tables", Some(&officer), Some(def.clone())).await.status, StatusCode::FORBIDDEN);
    let mut broken = def.clone();
    broken["header"][1].as_array_mut().unwrap().pop();
    let r = a.api("POST", "/api/v1/reports/tables", Some(&admin), Some(broken)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("表头第 2 行没有覆盖全部 12 列"), "{}", r.body);
    let mut huge = def.clone();
    huge["header"][0][0]["cols"] = json!(65535);
    assert_eq!(a.api("POST", "/api/v1/reports/tables", Some(&admin), Some(huge)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut shipped = def.clone();
    shipped["key"] = json!("jiangsu-1");
    assert_eq!(a.api("POST", "/api/v1/reports/tables", Some(&admin), Some(shipped)).await.status, StatusCode::UNPROCESSABLE_ENTITY, "a shipped form is not replaced");
    assert_eq!(a.api("POST", "/api/v1/reports/tables", Some(&admin), Some(def)).await.status, StatusCode::CREATED);
    let listed = a.api("GET", "/api/v1/reports/tables", Some(&officer), None).await.json();
    assert!(listed.as_array().unwrap().iter().any(|t| t["key"] == "yunnan-pairing-1" && t["shipped"] == false), "{listed}");
    let r = a.api("POST", "/api/v1/reports", Some(&officer), Some(json!({"title": "用上传的样式", "period_from": "2026-01-01", "period_to": "2026-06-30",
        "due_on": "2026-07-15", "levels": ["county"], "tables": ["yunnan-pairing-1"]}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let unit = a.api("GET", &format!("/api/v1/reports/{}/units/530628", r.json()["id"]), Some(&a.token("yl_mz").await), None).await.json();
    assert_eq!(unit["tables"][0]["title"], "2026年云南省社会组织结对帮扶统计表");
}

/// The same cycle through the pages an officer uses: define, correct a
/// figure, write the narrative, submit, return with a reason, resubmit, approve.
async fn the_pages_define_a_report_and_carry_a_county_report_to_approval(a: App) {
    let (province, p_csrf) = a.login("yn_mz").await;
    let list = a.get("/reports", &province).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("发起调度") && list.body.contains("社会组织参与乡村振兴情况统计表"), "the define form offers the shipped tables");
    let empty = a.post_form("/reports", &province, &[("_csrf", &p_csrf), ("title", ""), ("period_from", "2026-01-01"), ("period_to", "2026-06-30"), ("due_on", "2026-07-15")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("请填写报表名称") && empty.body.contains("请选择报送单位") && empty.body.contains("请至少选择一张统计表"), "{}", empty.body);
    let made = a.post_form("/reports", &province, &[("_csrf", &p_csrf), ("title", "2026年上半年工作调度"), ("period_from", "2026-01-01"), ("period_to", "2026-06-30"),
        ("due_on", "2099-07-15"), ("county", "on"), ("prefecture", "on"), ("table", "yunnan-half-year"), ("table", "jilin-5")]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let at = made.location().split('?').next().unwrap().to_string();
    let overview = a.get(&at, &province).await;
    assert!(overview.body.contains("彝良县") && overview.body.contains("未报送"), "the units and their status are listed");

    let (county, c_csrf) = a.login("yl_mz").await;
    let unit_at = format!("{at}/units/530628");
    let page = a.get(&unit_at, &county).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("社会组织参与乡村振兴工作情况汇总表") && page.body.contains("按已录入记录预填"), "the pre-filled tables are shown");
    let no_reason = a.post_form(&format!("{unit_at}/correct"), &county, &[("_csrf", &c_csrf), ("table", "yunnan-half-year"), ("cell", "0:1"), ("value", "3"), ("reason", "")]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("修改统计数字必须写明原因"));
    let fixed = a.post_form(&format!("{unit_at}/correct"), &county, &[("_csrf", &c_csrf), ("table", "yunnan-half-year"), ("cell", "0:1"), ("value", "3"), ("reason", "补录两个线下项目")]).await;
    assert_eq!(fixed.status, StatusCode::SEE_OTHER, "{}", fixed.body);
    assert!(a.get(&unit_at, &county).await.body.contains("补录两个线下项目"), "the correction and its reason are shown");
    let early = a.post_form(&format!("{unit_at}/step/submit"), &county, &[("_csrf", &c_csrf)]).await;
    assert!(early.body.contains("报送前请填写工作进展"), "{}", early.body);
    let saved = a.post_form(&format!("{unit_at}/draft"), &county, &[("_csrf", &c_csrf), ("progress", "全县 5 家社会组织参与"), ("difficulties", ""), ("experience", "")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(a.post_form(&format!("{unit_at}/step/submit"), &county, &[("_csrf", &c_csrf)]).await.status, StatusCode::SEE_OTHER);

    let (prefecture, f_csrf) = a.login("zt_mz").await;
    let review = a.get(&unit_at, &prefecture).await;
    assert!(review.body.contains("审核通过") && review.body.contains("全县 5 家社会组织参与"));
    let returned = a.post_form(&format!("{unit_at}/step/return"), &prefecture, &[("_csrf", &f_csrf), ("reason", "请补充困难问题")]).await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER);
    assert!(a.get(&unit_at, &county).await.body.contains("已退回，待修改"));
    assert_eq!(a.post_form(&format!("{unit_at}/step/submit"), &county, &[("_csrf", &c_csrf)]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(a.post_form(&format!("{unit_at}/step/approve"), &prefecture, &[("_csrf", &f_csrf)]).await.status, StatusCode::SEE_OTHER);
    let done = a.get(&unit_at, &county).await.body;
    assert!(done.contains("已审核通过") && done.contains("申请重新打开") && done.contains("请补充困难问题"), "the rounds are kept and reopening is offered");
    // The approved table carries the log receipt of the approval, its QR code opening the 核验 page.
    let id = at.rsplit('/').next().unwrap();
    let file = a.bytes(&format!("{unit_at}/tables/yunnan-half-year.xlsx"), &county).await;
    let receipt = duijie_app::log::receipt_of(&a.t.db, "report_unit", format!("{id}:530628")).await.unwrap().expect("the approval is in the log");
    let (line, codes) = crate::support::workbook_receipt(&file).expect("an approved table carries a receipt");
    assert!(line.contains(&format!("第 {} 条 {}", receipt.index, receipt.leaf_hash)), "{line}");
    assert_eq!(codes, vec![format!("/public/verify?index={}&leaf={}", receipt.index, receipt.leaf_hash)]);
    let draft = a.bytes(&format!("{unit_at}/tables/yunnan-half-year.xlsx?draft=1"), &county).await;
    assert_eq!(crate::support::workbook_receipt(&draft), None, "a draft is no record: no receipt");
}

/// The 省内 row of Jiangsu's 附件1 (index 6) and its columns: 项目数 总数 (2), 投入资金 总数 (4).
const INSIDE: usize = 6;
const PROJECTS: usize = 2;
const FUNDS: usize = 4;

fn cell(unit: &Value, table: &str, row: usize, column: usize) -> Value {
    let t = unit["tables"].as_array().unwrap().iter().find(|t| t["key"] == table).unwrap_or_else(|| panic!("{table} in {unit}"));
    t["cells"][row][column].clone()
}

async fn project(a: &App, org: &str, title: &str, region: &str, funds_wan: f64) -> i64 {
    let body = json!({"title": title, "region": region, "nature": "教育帮扶", "planned_funds_wan": funds_wan, "start_date": "2026-03-01", "end_date": "2026-12-31"});
    let r = a.api("POST", "/api/v1/projects", Some(org), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let progress = json!({"on": "2026-06-01", "note": "完成第一批助学金发放", "funds_wan": funds_wan, "people": 2, "beneficiaries": 40});
    let r = a.api("POST", &format!("/api/v1/projects/{id}/progress"), Some(org), Some(progress)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    id
}

/// What a step answers.
async fn step(a: &App, token: &str, id: i64, unit: &str, step: &str, reason: &str) -> (StatusCode, Value) {
    let r = a.api("POST", &format!("/api/v1/reports/{id}/units/{unit}/{step}"), Some(token), Some(json!({"reason": reason}))).await;
    (r.status, serde_json::from_str(&r.body).unwrap_or(Value::Null))
}

/// The period and stop conditions every figure of the report uses, as plain SQL.
const COUNTED: &str = "(p.start_date = '' OR p.start_date <= '2026-12-31') AND (p.end_date = '' OR p.end_date >= '2026-01-01') AND NOT (p.status = 'stopped' AND p.started_at IS NULL)";

async fn a_county_report_goes_up_the_tree_is_locked_once_approved_and_rolls_up(a: App) {
    let (province, prefecture, county, county_rr, neighbour, org) =
        (a.token("yn_mz").await, a.token("zt_mz").await, a.token("yl_mz").await, a.token("yl_xz").await, a.token("zx_xz").await, a.token("org_yl").await);

    // A county's organisation records a project; the helped county confirms it.
    let first = project(&a, &org, "彝良县留守儿童助学", "彝良县", 3.0).await;
    assert_eq!(a.api("POST", &format!("/api/v1/projects/{first}/confirm"), Some(&county_rr), None).await.status, StatusCode::OK);

    // A prefecture office cannot collect; the province does.
    let define = json!({"title": "2026年社会组织参与乡村振兴工作调度", "period_from": "2026-01-01", "period_to": "2026-12-31", "due_on": "2026-11-30",
                        "levels": ["prefecture", "county"], "tables": ["jiangsu-1", "jiangsu-2"]});
    assert_eq!(a.api("POST", "/api/v1/reports", Some(&prefecture), Some(define.clone())).await.status, StatusCode::FORBIDDEN);
    let bad = a.api("POST", "/api/v1/reports", Some(&province), Some(json!({"title": "", "period_from": "2026-07-01", "period_to": "2026-06-30", "due_on": "x", "levels": [], "tables": ["nope"]}))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.json()["fields"].as_array().unwrap().len(), 5, "every bad field named: {}", bad.body);
    let r = a.api("POST", "/api/v1/reports", Some(&province), Some(define)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let listed = a.api("GET", "/api/v1/reports", Some(&county), None).await.json();
    assert!(listed.as_array().unwrap().iter().any(|r| r["id"] == id), "the county takes part: {listed}");

    // The county's tables are pre-filled from its organisations' projects.
    let unit = a.api("GET", &format!("/api/v1/reports/{id}/units/530628"), Some(&county), None).await;
    assert_eq!(unit.status, StatusCode::OK, "{}", unit.body);
    let unit = unit.json();
    assert_eq!((unit["draft"].as_bool(), unit["may_fill"].as_bool(), unit["may_review"].as_bool()), (Some(true), Some(true), Some(false)));
    let county_sql = format!("FROM projects p JOIN organizations o ON o.id = p.org_id WHERE o.region_code = '530628' AND p.region_code >= '53' AND p.region_code < '54' AND {COUNTED}");
    let count: i64 = a.scalar(Box::leak(format!("SELECT COUNT(*) {county_sql}").into_boxed_str())).await;
    let funds: i64 = a.scalar(Box::leak(format!("SELECT CAST(COALESCE(SUM(p.actual_funds_fen), 0) AS BIGINT) {county_sql}").into_boxed_str())).await;
    assert!(count >= 1 && funds >= 3_000_000, "the confirmed project counts: {count} {funds}");
    assert_eq!(cell(&unit, "jiangsu-1", INSIDE, PROJECTS)["computed"].as_i64(), Some(count));
    assert_eq!(cell(&unit, "jiangsu-1", INSIDE, FUNDS)["computed"].as_i64(), Some(funds));

    // A neighbouring county sees nothing; nobody approves their own report.
    assert_eq!(a.api("GET", &format!("/api/v1/reports/{id}/units/530628"), Some(&neighbour), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(step(&a, &neighbour, id, "530628", "approve", "").await.0, StatusCode::NOT_FOUND);

    // Submitting needs 工作进展; a correction needs a number and a reason, and keeps the computed figure.
    assert_eq!(step(&a, &county, id, "530628", "submit", "").await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = a.api("PUT", &format!("/api/v1/reports/{id}/units/530628"), Some(&county), Some(json!({"progress": "上半年推进顺利",
        "corrections": [{"table": "jiangsu-1", "row": INSIDE, "column": FUNDS, "value": "约五万", "reason": ""}]}))).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
    assert_eq!(wrong.json()["fields"].as_array().unwrap().len(), 2, "{}", wrong.body);
    let corrected_fen = funds + 2_000_000;
    let corrected_wan = format!("{:.2}", corrected_fen as f64 / 1_000_000.0);
    let saved = a.api("PUT", &format!("/api/v1/reports/{id}/units/530628"), Some(&county), Some(json!({"progress": "上半年推进顺利", "difficulties": "资金到位慢",
        "experience": "村委会全程参与", "corrections": [{"table": "jiangsu-1", "row": INSIDE, "column": FUNDS, "value": corrected_wan, "reason": "补录一笔线下捐赠"}]}))).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    // Two officers correct two other figures at once: both corrections stay (merged under the row's
    // lock), and the narrative is kept when a save does not give it.
    let correct = |row: usize, value: &'static str| {
        a.router.clone().oneshot(api_request("PUT", &format!("/api/v1/reports/{id}/units/530628"), Some(&county),
            Some(json!({"corrections": [{"table": "jiangsu-1", "row": row, "column": PROJECTS, "value": value, "reason": "同时修改"}]}))))
    };
    let (x, y) = tokio::join!(correct(0, "1"), correct(3, "2"));
    assert_eq!((x.unwrap().status(), y.unwrap().status()), (StatusCode::OK, StatusCode::OK));
    let both = a.api("GET", &format!("/api/v1/reports/{id}/units/530628"), Some(&county), None).await.json();
    assert_eq!((cell(&both, "jiangsu-1", 0, PROJECTS)["corrected"].as_i64(), cell(&both, "jiangsu-1", 3, PROJECTS)["corrected"].as_i64()), (Some(1), Some(2)));
    assert_eq!(both["progress"], "上半年推进顺利");
    for row in [0, 3] {
        let undo = a.api("PUT", &format!("/api/v1/reports/{id}/units/530628"), Some(&county), Some(json!({"corrections": [{"table": "jiangsu-1", "row": row, "column": PROJECTS, "value": ""}]}))).await;
        assert_eq!(undo.status, StatusCode::OK, "an empty value takes the correction back");
    }
    let (s, u) = step(&a, &county, id, "530628", "submit", "").await;
    assert_eq!((s, u["status"].as_str()), (StatusCode::OK, Some("submitted")), "{u}");
    assert_eq!(step(&a, &county, id, "530628", "submit", "").await.0, StatusCode::CONFLICT, "a second submission of the same round");
    assert_eq!(step(&a, &county, id, "530628", "approve", "").await.0, StatusCode::FORBIDDEN);

    // The prefecture returns it with a reason; the county resubmits.
    assert_eq!(step(&a, &prefecture, id, "530628", "return", " ").await.0, StatusCode::UNPROCESSABLE_ENTITY, "a return needs its reason");
    let (s, u) = step(&a, &prefecture, id, "530628", "return", "请补充困难问题的具体情况").await;
    assert_eq!((s, u["status"].as_str()), (StatusCode::OK, Some("returned")), "{u}");
    assert_eq!(step(&a, &county, id, "530628", "submit", "").await.1["round"], 2);

    // Two approvals at once: exactly one wins.
    let approve = || a.router.clone().oneshot(api_request("POST", &format!("/api/v1/reports/{id}/units/530628/approve"), Some(&prefecture), Some(json!({}))));
    let (x, y) = tokio::join!(approve(), approve());
    let mut codes = [x.unwrap().status(), y.unwrap().status()];
    codes.sort();
    assert_eq!(codes, [StatusCode::OK, StatusCode::CONFLICT]);
    let steps = a.api("GET", &format!("/api/v1/reports/{id}/units/530628"), Some(&county), None).await.json()["steps"].clone();
    let names: Vec<&str> = steps.as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(names, ["submit", "return", "submit", "approve"], "every round is kept");

    // Records change afterwards; the approved figures do not.
    project(&a, &org, "彝良县乡村图书角", "彝良县", 7.0).await;
    let after = a.api("GET", &format!("/api/v1/reports/{id}/units/530628"), Some(&county), None).await.json();
    assert_eq!(after["draft"], false);
    assert_eq!(cell(&after, "jiangsu-1", INSIDE, PROJECTS)["computed"].as_i64(), Some(count), "the approved count stays");
    assert_eq!(cell(&after, "jiangsu-1", INSIDE, FUNDS)["corrected"].as_i64(), Some(corrected_fen));
    assert_eq!(cell(&after, "jiangsu-1", INSIDE, FUNDS)["computed"].as_i64(), Some(funds), "the computed figure is kept beside the correction");
    let tamper = duijie_store::on_db_exec!(&a.t.db, p => sqlx::query("UPDATE report_units SET figures = '{}' WHERE report_id = $1 AND unit_code = '530628'").bind(id).execute(p).await);
    assert!(tamper.is_err(), "the database refuses to change approved figures on {}", a.backend());

    // The prefecture's figures include the county's approved ones; it submits, the province approves.
    let pref = a.api("GET", &format!("/api/v1/reports/{id}/units/5306"), Some(&prefecture), None).await.json();
    let own_pref: i64 = a.scalar(Box::leak(format!("SELECT CAST(COALESCE(SUM(p.actual_funds_fen), 0) AS BIGINT) FROM projects p JOIN organizations o ON o.id = p.org_id WHERE o.region_code = '5306' AND p.region_code >= '53' AND p.region_code < '54' AND {COUNTED}").into_boxed_str())).await;
    assert_eq!(cell(&pref, "jiangsu-1", INSIDE, FUNDS)["computed"].as_i64(), Some(corrected_fen + own_pref));
    let saved = a.api("PUT", &format!("/api/v1/reports/{id}/units/5306"), Some(&prefecture), Some(json!({"progress": "全市推进情况"}))).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(step(&a, &prefecture, id, "5306", "submit", "").await.0, StatusCode::OK);
    assert_eq!(step(&a, &province, id, "5306", "approve", "").await.0, StatusCode::OK);

    // The province's table, as a file, equals plain SQL over the same records:
    // the county's corrected figure + the prefecture's own level + the province's own level.
    let res = a.router.clone().oneshot(api_request("GET", &format!("/api/v1/reports/{id}/units/53/tables/jiangsu-1"), Some(&province), None)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("统计表").unwrap();
    assert_eq!(sheet.get_value((10, 0)).map(|v| v.to_string()).as_deref(), Some("省内"));
    let own_province: i64 = a.scalar(Box::leak(format!("SELECT CAST(COALESCE(SUM(p.actual_funds_fen), 0) AS BIGINT) FROM projects p JOIN organizations o ON o.id = p.org_id WHERE o.region_code = '53' AND p.region_code >= '53' AND p.region_code < '54' AND {COUNTED}").into_boxed_str())).await;
    let Some(Data::Float(wan)) = sheet.get_value((10, 2 + FUNDS as u32)) else { panic!("a number in the funds cell") };
    assert_eq!((wan * 1_000_000.0).round() as i64, corrected_fen + own_pref + own_province);

    // Reopening an approved county report needs the prefecture.
    assert_eq!(step(&a, &county, id, "530628", "request_reopen", "").await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(step(&a, &county, id, "530628", "request_reopen", "发现漏报一个项目").await.1["status"], "reopen_requested");
    assert_eq!(step(&a, &county, id, "530628", "grant_reopen", "").await.0, StatusCode::FORBIDDEN);
    assert_eq!(step(&a, &province, id, "530628", "grant_reopen", "").await.0, StatusCode::FORBIDDEN, "the province reviews the prefecture, not the county");
    assert_eq!(step(&a, &prefecture, id, "530628", "grant_reopen", "").await.1["status"], "returned");

    // The collector sees who is late and reminds them all at once, once a day.
    let o = a.api("GET", &format!("/api/v1/reports/{id}"), Some(&province), None).await.json();
    assert!(o["late"].as_u64().unwrap() > 100, "Yunnan's other units are late: {}", o["late"]);
    let first = a.api("POST", &format!("/api/v1/reports/{id}/remind"), Some(&province), None).await.json();
    assert_eq!(first["reminded"], o["late"]);
    assert_eq!(a.api("POST", &format!("/api/v1/reports/{id}/remind"), Some(&province), None).await.json()["reminded"], 0);
    // Reminding is the collecting (provincial) office's: for a prefecture that region lies outside its own.
    assert_eq!(a.api("POST", &format!("/api/v1/reports/{id}/remind"), Some(&prefecture), None).await.status, StatusCode::NOT_FOUND);
}
