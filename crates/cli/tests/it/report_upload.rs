//! A grid table of the half-year cycle filled offline and uploaded back, on
//! both backends: the county office downloads its draft 附件1, changes figures
//! in "Excel" (the sheet rewritten cell by cell with one figure changed, as a
//! spreadsheet program saves it), uploads it by the API — the changed figures
//! become its corrections with the file named as the reason, a figure set back
//! to the computed one takes an earlier correction back, one left as corrected
//! keeps its reason, and the next download carries the new figures; a file
//! with text in a figure, a negative and a renamed row is refused with every
//! problem by row and column and nothing changed; another table's file, a
//! list table and a missing file are refused; the page's form does the same
//! for the Yunnan summary; a neighbouring county cannot reach the unit; once
//! approved, the upload is refused.

use crate::support::{App, Reply, api_request, both, multipart};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use calamine::{Data, Reader, Xlsx};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

both!(a_county_fills_its_table_offline_and_uploads_it_back);

/// 附件1's rows and columns used here: 新疆克州 (0), 陕西省 (3), 省内 (6);
/// 开展帮扶项目数·总数 (2), 投入资金数（万元）·总数 (4).
const KEZHOU: usize = 0;
const SHAANXI: usize = 3;
const INSIDE: usize = 6;
const PROJECTS: usize = 2;
const FUNDS: usize = 4;
/// Sheet rows (0-based) of those rows: title, 单位 line and two header rows come first.
const fn sheet_row(row: usize) -> u32 {
    row as u32 + 4
}
const fn sheet_col(column: usize) -> u16 {
    column as u16 + 2
}

fn cell(unit: &Value, table: &str, row: usize, column: usize) -> Value {
    let t = unit["tables"].as_array().unwrap().iter().find(|t| t["key"] == table).unwrap_or_else(|| panic!("{table} in {unit}"));
    t["cells"][row][column].clone()
}

async fn download(a: &App, token: &str, path: &str) -> Vec<u8> {
    let res = a.router.clone().oneshot(api_request("GET", path, Some(token), None)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.into_body().collect().await.unwrap().to_bytes().to_vec()
}

/// What a cell is changed to.
enum To {
    Number(f64),
    Text(&'static str),
}

/// The downloaded sheet as a spreadsheet program saves it after editing:
/// every text and number at its place, `edits` applied.
fn edited(bytes: &[u8], sheet: &str, edits: &[(u32, u16, To)]) -> Vec<u8> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    let (r0, c0) = range.start().unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).unwrap();
    for (r, c, v) in range.used_cells() {
        let (r, c) = (r0 + r as u32, (c0 + c as u32) as u16);
        if edits.iter().any(|(er, ec, _)| (*er, *ec) == (r, c)) {
            continue;
        }
        match v {
            Data::Float(f) => ws.write_number(r, c, *f),
            Data::Int(i) => ws.write_number(r, c, *i as f64),
            other => ws.write_string(r, c, other.to_string()),
        }
        .unwrap();
    }
    for (r, c, to) in edits {
        match to {
            To::Number(f) => ws.write_number(*r, *c, *f),
            To::Text(t) => ws.write_string(*r, *c, *t),
        }
        .unwrap();
    }
    wb.save_to_buffer().unwrap()
}

async fn put_file(a: &App, path: &str, token: &str, name: &str, bytes: &[u8]) -> Reply {
    let (content_type, body) = multipart(&[], name, bytes);
    a.send(Request::put(path).header(header::AUTHORIZATION, format!("Bearer {token}")).header(header::CONTENT_TYPE, content_type).body(Body::from(body)).unwrap()).await
}

async fn post_file(a: &App, path: &str, cookie: &str, csrf: &str, name: &str, bytes: &[u8]) -> Reply {
    let (content_type, body) = multipart(&[("_csrf", csrf)], name, bytes);
    a.send(Request::post(path).header(header::COOKIE, cookie).header(header::CONTENT_TYPE, content_type).body(Body::from(body)).unwrap()).await
}

/// The unit's stored corrections and how many audit rows name it.
async fn stored(a: &App, id: i64) -> (String, i64) {
    let corrections = duijie_store::on_db!(&a.t.db, p => sqlx::query_scalar::<_, String>("SELECT corrections FROM report_units WHERE report_id = $1 AND unit_code = '530628'").bind(id).fetch_one(p).await).unwrap();
    let audit = duijie_store::on_db!(&a.t.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log WHERE entity = 'report_unit' AND entity_id = $1").bind(format!("{id}:530628")).fetch_one(p).await).unwrap();
    (corrections, audit)
}

async fn a_county_fills_its_table_offline_and_uploads_it_back(a: App) {
    let (province, prefecture, county, neighbour, org) = (a.token("yn_mz").await, a.token("zt_mz").await, a.token("yl_mz").await, a.token("zx_xz").await, a.token("org_yl").await);
    // A project of the county's organisation, so that 省内 has figures of its own.
    let r = a.api("POST", "/api/v1/projects", Some(&org), Some(json!({"title": "彝良县留守儿童助学", "region": "彝良县", "nature": "教育帮扶", "planned_funds_wan": 3,
        "start_date": "2026-03-01", "end_date": "2026-12-31"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let define = json!({"title": "2026年上半年工作调度", "period_from": "2026-01-01", "period_to": "2026-06-30", "due_on": "2099-07-15",
                        "levels": ["prefecture", "county"], "tables": ["jiangsu-1", "jiangsu-2", "yunnan-half-year"]});
    let r = a.api("POST", "/api/v1/reports", Some(&province), Some(define)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let unit_at = format!("/api/v1/reports/{id}/units/530628");
    let table_at = format!("{unit_at}/tables/jiangsu-1");

    // Two earlier corrections: one the file will set back to the computed figure, one it keeps.
    let saved = a.api("PUT", &unit_at, Some(&county), Some(json!({"corrections": [
        {"table": "jiangsu-1", "row": KEZHOU, "column": PROJECTS, "value": "5", "reason": "先前的修改"},
        {"table": "jiangsu-1", "row": SHAANXI, "column": PROJECTS, "value": "2", "reason": "保留的修改"}]}))).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let before = a.api("GET", &unit_at, Some(&county), None).await.json();
    let count = cell(&before, "jiangsu-1", INSIDE, PROJECTS)["computed"].as_i64().unwrap();
    assert!(count >= 1, "the project counts: {before}");
    let kezhou = cell(&before, "jiangsu-1", KEZHOU, PROJECTS)["computed"].as_i64().unwrap();

    // The draft, changed offline: 省内's project count + 2, its funds 12.35 万元, 克州 back to the computed figure.
    let draft = download(&a, &county, &format!("{table_at}?draft=true")).await;
    let filled = edited(&draft, "统计表", &[
        (sheet_row(INSIDE), sheet_col(PROJECTS), To::Number((count + 2) as f64)),
        (sheet_row(INSIDE), sheet_col(FUNDS), To::Number(12.35)),
        (sheet_row(KEZHOU), sheet_col(PROJECTS), To::Number(kezhou as f64)),
    ]);

    // Outsiders first: a neighbouring county does not reach the unit; the reviewing prefecture does not fill it.
    let (corrections_before, audit_before) = stored(&a, id).await;
    assert_eq!(put_file(&a, &table_at, &neighbour, "附件1.xlsx", &filled).await.status, StatusCode::NOT_FOUND);
    let by_reviewer = put_file(&a, &table_at, &prefecture, "附件1.xlsx", &filled).await;
    assert!(matches!(by_reviewer.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{}: {}", by_reviewer.status, by_reviewer.body);
    assert_eq!(stored(&a, id).await, (corrections_before.clone(), audit_before), "nothing changed by outsiders");

    // A bad file: text in a figure, a negative, a renamed row — every problem by row and column, nothing written.
    let bad = edited(&draft, "统计表", &[
        (sheet_row(KEZHOU), sheet_col(PROJECTS), To::Text("三个")),
        (sheet_row(1), sheet_col(FUNDS), To::Number(-1.0)),
        (sheet_row(5), 1, To::Text("新疆喀什")),
    ]);
    let r = put_file(&a, &table_at, &county, "附件1-有错.xlsx", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let refusal = r.json();
    let errors: Vec<(i64, &str)> = refusal["errors"].as_array().unwrap().iter().map(|e| (e["row"].as_i64().unwrap(), e["column"].as_str().unwrap())).collect();
    assert_eq!(errors, [(5, "开展帮扶项目数·总数"), (6, "投入资金数（万元）·总数"), (10, "帮扶地区")], "{refusal}");
    let messages = refusal["errors"].to_string();
    assert!(messages.contains("E5（新疆克州）：应为数字（整数），而不是“三个”") && messages.contains("不能为负数") && messages.contains("这一行应为“省外其它地区”，文件中为“新疆喀什”"), "{messages}");
    assert!(refusal["message"].as_str().unwrap().contains("3 处问题"), "{refusal}");
    assert_eq!(stored(&a, id).await, (corrections_before.clone(), audit_before), "nothing written from a bad file");

    // Another table's file, a list table, no file at all.
    let yunnan = download(&a, &county, &format!("{unit_at}/tables/yunnan-half-year?draft=true")).await;
    let r = put_file(&a, &table_at, &county, "半年汇总表.xlsx", &yunnan).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["errors"].as_array().unwrap().iter().any(|e| e["column"] == "标题" && e["message"].as_str().unwrap().contains("应为标题“2026年社会组织参与乡村振兴情况统计表”")), "{}", r.body);
    let r = put_file(&a, &format!("{unit_at}/tables/jiangsu-2"), &county, "附件2.xlsx", &filled).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("清单类报表按项目记录统计，不能上传修改"), "{}", r.body);
    let (content_type, body) = multipart(&[("note", "没有文件")], "", b"");
    let r = a.send(Request::put(&table_at).header(header::AUTHORIZATION, format!("Bearer {county}")).header(header::CONTENT_TYPE, content_type).body(Body::from(body)).unwrap()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["fields"][0]["field"], "file");
    assert_eq!(stored(&a, id).await, (corrections_before, audit_before), "nothing written from a refused file");

    // The good file: two figures corrected, one correction taken back, one kept.
    let r = put_file(&a, &table_at, &county, "附件1-彝良县.xlsx", &filled).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), json!({"corrected": 2, "restored": 1}));
    let after = a.api("GET", &unit_at, Some(&county), None).await.json();
    let projects = cell(&after, "jiangsu-1", INSIDE, PROJECTS);
    assert_eq!((projects["computed"].as_i64(), projects["corrected"].as_i64()), (Some(count), Some(count + 2)), "the computed figure is kept beside: {projects}");
    assert_eq!(projects["reason"], "线下填报上传（附件1-彝良县.xlsx）");
    assert_eq!(cell(&after, "jiangsu-1", INSIDE, FUNDS)["corrected"].as_i64(), Some(12_350_000));
    assert_eq!(cell(&after, "jiangsu-1", KEZHOU, PROJECTS)["corrected"], Value::Null, "set back to the computed figure");
    let kept = cell(&after, "jiangsu-1", SHAANXI, PROJECTS);
    assert_eq!((kept["corrected"].as_i64(), kept["reason"].as_str()), (Some(2), Some("保留的修改")));
    let uploads = duijie_store::on_db!(&a.t.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log WHERE action = 'report.upload' AND entity_id = $1").bind(format!("{id}:530628")).fetch_one(p).await).unwrap();
    assert_eq!(uploads, 1, "the upload is in the audit trail");
    // The same file again changes nothing.
    let again = put_file(&a, &table_at, &county, "附件1-彝良县.xlsx", &filled).await;
    assert_eq!(again.json(), json!({"corrected": 0, "restored": 0}));

    // The next download carries the figures.
    let again = download(&a, &county, &format!("{table_at}?draft=true")).await;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(again)).unwrap();
    let sheet = book.worksheet_range("统计表").unwrap();
    assert_eq!(sheet.get_value((sheet_row(INSIDE), sheet_col(PROJECTS) as u32)), Some(&Data::Float((count + 2) as f64)));
    assert_eq!(sheet.get_value((sheet_row(INSIDE), sheet_col(FUNDS) as u32)), Some(&Data::Float(12.35)));

    // The page: the Yunnan summary's form, a refused file shown by row and column, then a good one.
    let (cookie, csrf) = a.login("yl_mz").await;
    let page_at = format!("/reports/{id}/units/530628");
    let page = a.get(&page_at, &cookie).await;
    assert!(page.body.contains("id=\"upload-form-yunnan-half-year\"") && page.body.contains("enctype=\"multipart/form-data\""), "the form is offered");
    let wrong = edited(&yunnan, "半年汇总表", &[(4, 3, To::Number(2.5))]);
    let r = post_file(&a, &format!("{page_at}/tables/yunnan-half-year"), &cookie, &csrf, "汇总表.xlsx", &wrong).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"upload-errors-yunnan-half-year\"") && r.body.contains("汇总表.xlsx 有 1 处问题") && r.body.contains("D5（本地区合计）：应为整数"), "{}", r.body);
    let right = edited(&yunnan, "半年汇总表", &[(4, 3, To::Number(9.0))]);
    let r = post_file(&a, &format!("{page_at}/tables/yunnan-half-year"), &cookie, &csrf, "汇总表.xlsx", &right).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let shown = a.get(r.location(), &cookie).await.body;
    assert!(shown.contains("已按上传的表格修改 1 个数字") && shown.contains("线下填报上传（汇总表.xlsx）"), "{shown}");

    // Once approved, the upload is refused and nothing changes.
    let narrative = a.api("PUT", &unit_at, Some(&county), Some(json!({"progress": "上半年推进顺利"}))).await;
    assert_eq!(narrative.status, StatusCode::OK);
    assert_eq!(a.api("POST", &format!("{unit_at}/submit"), Some(&county), Some(json!({}))).await.status, StatusCode::OK);
    assert_eq!(a.api("POST", &format!("{unit_at}/approve"), Some(&prefecture), Some(json!({}))).await.status, StatusCode::OK);
    let approved = stored(&a, id).await;
    let r = put_file(&a, &table_at, &county, "附件1-彝良县.xlsx", &edited(&draft, "统计表", &[(sheet_row(INSIDE), sheet_col(PROJECTS), To::Number(99.0))])).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("已审核通过"), "{}", r.body);
    assert_eq!(stored(&a, id).await, approved);
}
