//! The export to the national monitoring system, on both backends: the
//! figures of an exported file (read back) equal a plain SQL computation over
//! the same records; a re-export lists exactly the corrections — none when
//! nothing changed, one changed row when one project's funds changed, a new
//! row for a new organisation's project and a removed one when it is stopped
//! before it began, a new row for a new pairing both sides agreed to; two exports at once get distinct numbers (and the
//! database refuses a duplicate number by itself); the file carries the
//! batch's log receipt, equal to `app::log::receipt_of`; another county, an
//! organisation and a civil-affairs office see nothing; the layout is replaced
//! only by a national administrator, each bad field named; the page exports
//! and names bad fields; `duijie export monitoring` writes the same file.

use crate::support::{App, both};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use calamine::{Data, DataType, Reader, Xlsx};
use duijie_domain::monitoring::{Figure, Layout};
use duijie_office::monitoring_sheet::{CORRECTIONS_SHEET, HEADER_ROW};
use duijie_store::on_db;
use serde_json::{Value, json};
use std::collections::BTreeMap;

both!(
    the_exported_figures_equal_an_sql_computation_and_the_file_carries_its_receipt,
    a_re_export_lists_exactly_the_corrections,
    two_exports_at_once_get_distinct_numbers_and_the_database_refuses_a_duplicate,
    another_county_an_organisation_and_civil_affairs_see_nothing,
    only_a_national_administrator_replaces_the_layout_and_each_bad_field_is_named,
    the_page_exports_the_next_batch_and_names_bad_fields,
);

const COUNTY: &str = "530628";
const PERIOD: &str = "2026H1";

fn project_body(title: &str, region: &str) -> Value {
    json!({"title": title, "region": region, "nature": "教育帮扶", "field": "教育", "mode": "capacity", "planned_funds_wan": 12.5,
           "people": 3, "beneficiaries": 100, "start_date": "2026-03-01", "end_date": "2026-12-31"})
}

async fn create_project(a: &App, token: &str, body: Value) -> i64 {
    let r = a.api("POST", "/api/v1/projects", Some(token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

/// Progress that changes the funds spent only (people and beneficiaries as recorded).
async fn spend(a: &App, token: &str, id: i64, funds_wan: f64) {
    let body = json!({"on": "2026-05-01", "note": "采购教学设备", "funds_wan": funds_wan, "people": 3, "beneficiaries": 100, "files": []});
    let r = a.api("POST", &format!("/api/v1/projects/{id}/progress"), Some(token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

async fn export(a: &App, token: &str) -> Value {
    let r = a.api("POST", "/api/v1/monitoring/batches", Some(token), Some(json!({"region": COUNTY, "period": PERIOD}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{} {}", a.backend(), r.body);
    r.json()
}

async fn download(a: &App, token: &str, id: i64) -> Vec<u8> {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let req = Request::get(format!("/api/v1/monitoring/batches/{id}/file")).header(header::AUTHORIZATION, format!("Bearer {token}")).body(Body::empty()).unwrap();
    let res = a.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&bytes));
    bytes
}

/// The main sheet of a file: its receipt line and, per row, the cells by figure (as text or number).
struct Read {
    receipt: String,
    rows: Vec<BTreeMap<Figure, Data>>,
    corrections: Vec<(String, String)>,
}

fn read(bytes: Vec<u8>, layout: &Layout) -> Read {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range(&layout.sheet).unwrap();
    let text = |r: u32, c: u32| sheet.get_value((r, c)).map(|v| v.to_string()).unwrap_or_default();
    let headers: Vec<String> = (0..layout.columns.len() as u32).map(|c| text(HEADER_ROW, c)).collect();
    assert_eq!(headers, layout.columns.iter().map(|c| c.header.clone()).collect::<Vec<_>>(), "the header is the layout's");
    let code = layout.columns.iter().position(|c| c.figure == Figure::CountyCode).unwrap() as u32;
    let mut rows = Vec::new();
    for r in HEADER_ROW + 1..sheet.height() as u32 {
        if text(r, code).len() != 6 {
            break;
        }
        rows.push(layout.columns.iter().enumerate().map(|(c, col)| (col.figure, sheet.get_value((r, c as u32)).cloned().unwrap_or(Data::Empty))).collect());
    }
    let corr = book.worksheet_range(CORRECTIONS_SHEET).unwrap();
    let org = 1 + layout.columns.iter().position(|c| c.figure == Figure::OrgName).unwrap() as u32;
    let corrections = (3..corr.height() as u32)
        .filter_map(|r| {
            let kind = corr.get_value((r, 0)).map(|v| v.to_string()).unwrap_or_default();
            ["新增", "修改", "删除"].contains(&kind.as_str()).then(|| (kind, corr.get_value((r, org)).map(|v| v.to_string()).unwrap_or_default()))
        })
        .collect();
    Read { receipt: text(2, 0), rows, corrections }
}

/// (count, funds fen, people, beneficiaries) per credit code, by plain SQL over the county's projects in the period.
async fn sql_figures(a: &App) -> BTreeMap<String, (i64, i64, i64, i64)> {
    let sql = "SELECT o.credit_code, COUNT(*), CAST(SUM(p.actual_funds_fen) AS BIGINT), CAST(SUM(p.people) AS BIGINT), CAST(SUM(p.beneficiaries) AS BIGINT) \
               FROM projects p JOIN organizations o ON o.id = p.org_id \
               WHERE p.region_code >= '530628' AND p.region_code < '530629' \
               AND (p.start_date = '' OR p.start_date <= '2026-06-30') AND (p.end_date = '' OR p.end_date >= '2026-01-01') \
               AND NOT (p.status = 'stopped' AND p.started_at IS NULL) GROUP BY o.credit_code";
    let rows: Vec<(String, i64, i64, i64, i64)> = on_db!(&a.t.db, p => sqlx::query_as(sql).fetch_all(p).await).unwrap();
    rows.into_iter().map(|(c, n, f, p, b)| (c, (n, f, p, b))).collect()
}

/// The organisations (credit codes) paired with the county: consented, signed or in force.
async fn sql_paired(a: &App) -> Vec<String> {
    let sql = "SELECT DISTINCT o.credit_code FROM pairings pr JOIN organizations o ON o.id = pr.org_id \
               WHERE pr.region_code >= '530628' AND pr.region_code < '530629' AND pr.status IN ('consented', 'signed', 'active')";
    on_db!(&a.t.db, p => sqlx::query_scalar(sql).fetch_all(p).await).unwrap()
}

fn number(d: &Data) -> f64 {
    d.as_f64().unwrap_or_else(|| panic!("a number, not {d:?}"))
}

async fn the_exported_figures_equal_an_sql_computation_and_the_file_carries_its_receipt(a: App) {
    let (org, other) = (a.token("org_yl").await, a.token("org_cn").await);
    for (token, title, funds) in [(&org, "彝良县乡村学校午餐", 1.25), (&org, "彝良县留守儿童之家", 10.0), (&other, "彝良县村医培训", 3.5)] {
        let id = create_project(&a, token, project_body(title, "彝良县")).await;
        spend(&a, token, id, funds).await;
    }
    // Outside the period and outside the county: not in the file.
    create_project(&a, &org, json!({"title": "下半年才开始", "region": "彝良县", "nature": "教育帮扶", "start_date": "2026-08-01"})).await;
    create_project(&a, &org, project_body("镇雄县项目", "镇雄县")).await;

    let county = a.token("yl_xz").await;
    let batch = export(&a, &county).await;
    let id = batch["batch"]["id"].as_i64().unwrap();
    let layout = Layout::default_layout();
    let file = read(download(&a, &county, id).await, &layout);

    let sql = sql_figures(&a).await;
    let paired = sql_paired(&a).await;
    let mut expected: Vec<String> = sql.keys().cloned().chain(paired.iter().cloned()).collect();
    expected.sort();
    expected.dedup();
    let mut codes: Vec<String> = file.rows.iter().map(|r| r[&Figure::CreditCode].to_string()).collect();
    codes.sort();
    assert_eq!(codes, expected, "{}: one row per organisation paired with or helping the county", a.backend());
    assert_eq!(batch["batch"]["row_count"].as_i64(), Some(file.rows.len() as i64));
    assert!(file.rows.len() >= 2, "both organisations are there");
    for row in &file.rows {
        let code = row[&Figure::CreditCode].to_string();
        assert_eq!(row[&Figure::CountyCode].to_string(), COUNTY);
        let (n, funds, people, beneficiaries) = sql.get(&code).copied().unwrap_or_default();
        assert_eq!(number(&row[&Figure::Projects]) as i64, n, "{code} projects");
        assert_eq!((number(&row[&Figure::Funds]) * 1_000_000.0).round() as i64, funds, "{code} funds");
        assert_eq!(number(&row[&Figure::People]) as i64, people, "{code} people");
        assert_eq!(number(&row[&Figure::Beneficiaries]) as i64, beneficiaries, "{code} beneficiaries");
        assert_eq!(row[&Figure::PairingStatus].to_string().is_empty(), !paired.contains(&code), "{code} 结对状态 only for a paired organisation");
    }

    let receipt = duijie_app::log::receipt_of(&a.t.db, "monitoring_batch", id).await.unwrap().expect("the batch is in the log");
    assert!(file.receipt.contains(&format!("第 {} 条 {}", receipt.index, receipt.leaf_hash)), "{}", file.receipt);
    assert!(file.receipt.contains("/public/verify"), "{}", file.receipt);
    let (_, codes) = crate::support::workbook_receipt(&download(&a, &county, id).await).expect("the receipt's sheet");
    assert_eq!(codes, vec![format!("/public/verify?index={}&leaf={}", receipt.index, receipt.leaf_hash)], "its QR code opens the 核验 page");
    assert_eq!(batch["receipt_index"].as_u64(), Some(receipt.index));
    let audited = "SELECT COUNT(*) FROM audit_log WHERE entity = 'monitoring_batch' AND action = 'monitoring_batch.create' AND entity_id = $1";
    let n: i64 = on_db!(&a.t.db, p => sqlx::query_scalar(audited).bind(id.to_string()).fetch_one(p).await).unwrap();
    assert_eq!(n, 1, "created with its audit row");
    // Downloaded again, the file is the same batch: same rows, same receipt.
    let again = read(download(&a, &county, id).await, &layout);
    assert_eq!((again.receipt, again.rows.len()), (file.receipt, file.rows.len()));
}

async fn a_re_export_lists_exactly_the_corrections(a: App) {
    let (org, other, county) = (a.token("org_yl").await, a.token("org_cn").await, a.token("yl_xz").await);
    let id = create_project(&a, &org, project_body("彝良县午餐改善", "彝良县")).await;
    spend(&a, &org, id, 1.25).await;
    let first = export(&a, &county).await;
    assert_eq!((first["previous_number"].as_i64(), first["corrections"].as_array().unwrap().len()), (None, 0), "the first batch corrects nothing");

    let same = export(&a, &county).await;
    assert_eq!(same["batch"]["number"].as_i64().unwrap(), first["batch"]["number"].as_i64().unwrap() + 1);
    assert_eq!(same["previous_number"], first["batch"]["number"]);
    assert_eq!(same["corrections"], json!([]), "{}: nothing changed, nothing corrected", a.backend());

    // One project's funds change: exactly that row, exactly that figure.
    spend(&a, &org, id, 3.0).await;
    let changed = export(&a, &county).await;
    let c = changed["corrections"].as_array().unwrap();
    let org_name = a.api("GET", &format!("/api/v1/projects/{id}"), Some(&org), None).await.json()["project"]["org_name"].as_str().unwrap().to_string();
    assert_eq!(c.len(), 1, "{}: {changed}", a.backend());
    assert_eq!((c[0]["kind"].as_str(), c[0]["org_name"].as_str(), c[0]["county_code"].as_str()), (Some("changed"), Some(org_name.as_str()), Some(COUNTY)));
    assert_eq!(c[0]["changed"], json!(["funds"]));
    assert!(c[0]["description"].as_str().unwrap().contains("→ 3.00"), "{}", c[0]["description"]);
    let bid = changed["batch"]["id"].as_i64().unwrap();
    let file = read(download(&a, &county, bid).await, &Layout::default_layout());
    assert_eq!(file.corrections, [("修改".to_string(), org_name.clone())], "the file's 更正 sheet lists the same");

    // A new organisation's project is a new row; stopped before it began, the row is gone.
    let new = create_project(&a, &other, project_body("彝良县村医培训", "彝良县")).await;
    let added = export(&a, &county).await;
    let c = added["corrections"].as_array().unwrap();
    assert_eq!(c.iter().map(|c| c["kind"].as_str().unwrap()).collect::<Vec<_>>(), ["added"], "{added}");
    assert_ne!(c[0]["org_name"].as_str(), Some(org_name.as_str()));
    let stop = a.api("POST", &format!("/api/v1/projects/{new}/stop"), Some(&other), Some(json!({"reason": "资金未落实"}))).await;
    assert_eq!(stop.status, StatusCode::OK, "{}", stop.body);
    let removed = export(&a, &county).await;
    let c = removed["corrections"].as_array().unwrap();
    assert_eq!(c.iter().map(|c| c["kind"].as_str().unwrap()).collect::<Vec<_>>(), ["removed"], "{removed}");
    assert_eq!(export(&a, &county).await["corrections"], json!([]), "and nothing after");

    // A new agreement: an organisation not yet in the county pairs with it, both sides consent.
    let batches = a.api("GET", "/api/v1/pairing/batches", Some(&a.token("yn_mz").await), None).await.json();
    let open = batches.as_array().unwrap().iter().find(|b| b["name"] == "第二批（演示）").unwrap()["id"].as_i64().unwrap();
    let body = json!({"batch_id": open, "kind": "county", "region": COUNTY, "fields": "产业、就业", "commitments": "每年组织两次产销对接"});
    let proposed = a.api("POST", "/api/v1/pairings", Some(&a.token("org_yn").await), Some(body)).await;
    assert_eq!(proposed.status, StatusCode::CREATED, "{}", proposed.body);
    let pairing = proposed.json()["id"].as_i64().unwrap();
    let consent = a.api("POST", &format!("/api/v1/pairings/{pairing}/steps"), Some(&county), Some(json!({"step": "county_consent"}))).await;
    assert_eq!(consent.json()["status"], "consented", "{}", consent.body);
    let paired = export(&a, &county).await;
    let c = paired["corrections"].as_array().unwrap();
    assert_eq!(c.len(), 1, "{paired}");
    assert_eq!((c[0]["kind"].as_str(), c[0]["org_name"].as_str()), (Some("added"), Some("演示·云南省乡村发展促进会")));
    let layout = Layout::default_layout();
    let file = read(download(&a, &county, paired["batch"]["id"].as_i64().unwrap()).await, &layout);
    let row = file.rows.iter().find(|r| r[&Figure::OrgName] == "演示·云南省乡村发展促进会").expect("the new pairing's row");
    assert_eq!(row[&Figure::PairingStatus].to_string(), duijie_domain::pairing::Status::Consented.label());
    assert_eq!(row[&Figure::Fields].to_string(), "产业、就业");
}

async fn two_exports_at_once_get_distinct_numbers_and_the_database_refuses_a_duplicate(a: App) {
    let county = a.token("yl_xz").await;
    let body = json!({"region": COUNTY, "period": PERIOD});
    let (x, y) = tokio::join!(
        a.api("POST", "/api/v1/monitoring/batches", Some(&county), Some(body.clone())),
        a.api("POST", "/api/v1/monitoring/batches", Some(&county), Some(body.clone())),
    );
    assert_eq!((x.status, y.status), (StatusCode::CREATED, StatusCode::CREATED), "{} / {}", x.body, y.body);
    let mut numbers = [x.json()["batch"]["number"].as_i64().unwrap(), y.json()["batch"]["number"].as_i64().unwrap()];
    numbers.sort();
    assert_eq!(numbers, [1, 2], "{}", a.backend());
    // The invariant is the database's own: a second row with a taken number is refused.
    let dup = "INSERT INTO monitoring_batches (region_code, number, period, layout, row_count, correction_count, corrections, digest, created_by, created_unit, created_at) \
               SELECT region_code, number, period, layout, row_count, correction_count, corrections, digest, created_by, created_unit, created_at FROM monitoring_batches WHERE number = 1";
    let refused = on_db!(&a.t.db, p => sqlx::query(dup).execute(p).await.map(|_| ()));
    assert!(refused.is_err_and(|e| e.as_database_error().is_some_and(|d| d.is_unique_violation())), "{}", a.backend());
}

async fn another_county_an_organisation_and_civil_affairs_see_nothing(a: App) {
    let county = a.token("yl_xz").await;
    let id = export(&a, &county).await["batch"]["id"].as_i64().unwrap();
    a.add_officer("km_xz", "昆明市乡村振兴局", duijie_domain::Role::RuralRevitalization, "5301").await;
    for (who, want) in [("zx_xz", StatusCode::NOT_FOUND), ("km_xz", StatusCode::NOT_FOUND), ("gz_xz", StatusCode::NOT_FOUND), ("org_yl", StatusCode::FORBIDDEN), ("yl_mz", StatusCode::FORBIDDEN)] {
        let token = a.token(who).await;
        for path in [format!("/api/v1/monitoring/batches/{id}"), format!("/api/v1/monitoring/batches/{id}/file")] {
            assert_eq!(a.api("GET", &path, Some(&token), None).await.status, want, "{who} {path}");
        }
        let made = a.api("POST", "/api/v1/monitoring/batches", Some(&token), Some(json!({"region": COUNTY, "period": PERIOD}))).await;
        assert_eq!(made.status, want, "{who} exports 彝良县: {}", made.body);
        let list = a.api("GET", "/api/v1/monitoring/batches", Some(&token), None).await;
        assert!(list.status == StatusCode::FORBIDDEN || list.json().as_array().unwrap().iter().all(|b| b["id"].as_i64() != Some(id)), "{who} lists nothing of 彝良县");
    }
    // The province's office above sees it; the page of another county answers 404.
    assert_eq!(a.api("GET", &format!("/api/v1/monitoring/batches/{id}"), Some(&a.token("yn_xz").await), None).await.status, StatusCode::OK);
    let (cookie, _) = a.login("zx_xz").await;
    assert_eq!(a.get(&format!("/monitoring/batches/{id}"), &cookie).await.status, StatusCode::NOT_FOUND);
    assert_eq!(a.get(&format!("/monitoring/batches/{id}/file"), &cookie).await.status, StatusCode::NOT_FOUND);
    let (cookie, _) = a.login("org_yl").await;
    assert_eq!(a.get("/monitoring", &cookie).await.status, StatusCode::FORBIDDEN);
    assert_eq!(a.scalar("SELECT COUNT(*) FROM monitoring_batches").await, 1, "refused exports wrote nothing");
}

async fn only_a_national_administrator_replaces_the_layout_and_each_bad_field_is_named(a: App) {
    let admin = a.token("admin").await;
    let bad = json!({"title": "", "sheet": "帮扶", "columns": [{"header": "名称", "figure": "org_name"}, {"header": "资金", "figure": "fundz"}]});
    let r = a.api("PUT", "/api/v1/monitoring/layout", Some(&admin), Some(bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<String> = r.json()["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_string()).collect();
    assert!(fields.contains(&"title".to_string()) && fields.contains(&"columns[1].figure".to_string()), "{fields:?}");
    assert!(r.body.contains("第 2 列的数据项“fundz”不存在"), "{}", r.body);
    assert_eq!(a.scalar("SELECT COUNT(*) FROM monitoring_layouts").await, 0, "nothing kept");

    let good = json!({"title": "正式模板", "sheet": "监测数据", "columns": [
        {"header": "县代码", "figure": "county_code"}, {"header": "组织", "figure": "org_name"}, {"header": "资金（万元）", "figure": "funds"}]});
    assert_eq!(a.api("PUT", "/api/v1/monitoring/layout", Some(&a.token("yn_xz").await), Some(good.clone())).await.status, StatusCode::FORBIDDEN);
    let r = a.api("PUT", "/api/v1/monitoring/layout", Some(&admin), Some(good)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let county = a.token("yl_xz").await;
    let got = a.api("GET", "/api/v1/monitoring/layout", Some(&county), None).await.json();
    assert_eq!((got["shipped"].as_bool(), got["layout"]["title"].as_str()), (Some(false), Some("正式模板")));
    create_project(&a, &a.token("org_yl").await, project_body("按新模板导出", "彝良县")).await;
    let id = export(&a, &county).await["batch"]["id"].as_i64().unwrap();
    let layout = Layout::parse(&got["layout"].to_string()).unwrap();
    assert!(!read(download(&a, &county, id).await, &layout).rows.is_empty(), "the next export uses the new layout");
}

async fn the_page_exports_the_next_batch_and_names_bad_fields(a: App) {
    let (cookie, csrf) = a.login("yl_xz").await;
    let page = a.get("/monitoring", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("导出下一批") && page.body.contains("示例模板"), "{}", page.body);
    let bad = a.post_form("/monitoring", &cookie, &[("_csrf", &csrf), ("region", "彝良县"), ("period", "2026H3")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"error-period\"") && bad.body.contains("2026H3"), "{}", bad.body);
    let future = a.post_form("/monitoring", &cookie, &[("_csrf", &csrf), ("region", "彝良县"), ("period", "2099H1")]).await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(future.body.contains("尚未开始"), "{}", future.body);
    assert_eq!(a.scalar("SELECT COUNT(*) FROM monitoring_batches").await, 0, "refused forms export nothing");
    let ok = a.post_form("/monitoring", &cookie, &[("_csrf", &csrf), ("region", "彝良县"), ("period", PERIOD)]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let batch = a.get(ok.location(), &cookie).await;
    assert_eq!(batch.status, StatusCode::OK);
    assert!(batch.body.contains("第 1 批") && batch.body.contains("核验回执：第 ") && batch.body.contains("首批导出"), "{}", batch.body);
    let list = a.get("/monitoring", &cookie).await;
    assert!(list.body.contains("/monitoring/batches/") && list.body.contains("下载"));
    let layout = a.get("/monitoring/layout", &cookie).await;
    assert_eq!(layout.status, StatusCode::OK);
    assert!(layout.body.contains("示例模板") && !layout.body.contains("id=\"layout-form\""), "a county officer reads the layout, does not edit it");
    let (admin, admin_csrf) = a.login("admin").await;
    let refused = a.post_form("/monitoring/layout", &admin, &[("_csrf", &admin_csrf), ("layout", "{\"title\": \"t\", \"sheet\": \"s\", \"columns\": [{\"header\": \"x\"}]}")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("第 1 列缺少数据项"), "{}", refused.body);
}

#[tokio::test]
async fn the_command_line_exports_a_batch_as_the_platform() {
    use std::process::Command;
    let t = duijie_store::testing::fresh_sqlite().await.unwrap();
    t.db.close().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("彝良县.xlsx");
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_duijie")).arg("--database").arg(&t.url).args(args).env_remove("DUIJIE_DATABASE_URL").env("DUIJIE_LOG", "warn").output().unwrap();
    let ok = run(&["export", "monitoring", "--region", COUNTY, "--period", PERIOD, "--out", out.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&ok.stderr).into_owned();
    assert!(ok.status.success(), "{said}");
    assert!(said.contains("第 1 批"), "{said}");
    let file = read(std::fs::read(&out).unwrap(), &Layout::default_layout());
    assert!(file.receipt.starts_with("可验证日志回执：第 "), "{}", file.receipt);
    let again = run(&["export", "monitoring", "--region", COUNTY, "--period", PERIOD, "--out", out.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("第 2 批"));
    let bad = run(&["export", "monitoring", "--region", "539999", "--period", "2026H3", "--out", out.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&bad.stderr).into_owned();
    assert_eq!(bad.status.code(), Some(1), "{said}");
    assert!(said.contains("统计期“2026H3”") && said.contains("539999"), "both bad flags named: {said}");
    let db = duijie_store::Db::connect(&t.url).await.unwrap();
    let by: Vec<String> = on_db!(&db, p => sqlx::query_scalar("SELECT created_unit FROM monitoring_batches ORDER BY number").fetch_all(p).await).unwrap();
    assert_eq!(by, ["命令行导出", "命令行导出"], "recorded as the platform's");
}
