//! The organisation registry over HTTP: search with word segmentation, scope,
//! public and full profiles, credit lists, creation with field errors, export,
//! attachments and the API.
//!
//! Every test runs on SQLite and on PostgreSQL (`support::both!`).

use crate::support::{App, both};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use duijie_domain::Uscc;
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

both!(
    search_uses_word_segmentation_and_keeps_the_filters,
    officers_see_their_subtree_and_only_public_profiles_elsewhere,
    credit_lists_warn_everywhere_and_only_officers_set_them,
    profiles_are_edited_and_members_added_with_checks,
    the_create_form_names_each_bad_field,
    the_export_is_a_real_workbook_of_the_filtered_rows,
    attachments_download_only_with_the_full_view,
    the_api_searches_shows_and_creates_organisations,
    the_api_lists_and_decides_and_a_returned_application_is_resubmitted,
    an_organisations_page_shows_its_work_to_those_who_may_see_it,
);

const YN: &str = "演示·云南省乡村发展促进会";
const YL: &str = "演示·彝良县助学服务中心";
const JS: &str = "演示·江苏省乡村振兴公益基金会";
const CN: &str = "演示·中华乡村发展公益基金会";
/// The demo organisations registered in Yunnan, in registration order.
const YUNNAN_DEMO: [&str; 6] = [YN, YL, "演示·昭通市农业产业协会", "演示·云南省乡村医疗服务中心", "演示·云南省电子商务协会", "演示·昆明市生态环保促进会"];

async fn org_id(a: &App, name: &str) -> i64 {
    duijie_store::orgs::all(&a.t.db).await.unwrap().into_iter().find(|o| o.name == name).unwrap_or_else(|| panic!("no org {name}")).id
}

fn code(first16: &str) -> String {
    Uscc::complete(first16).unwrap().to_string()
}

/// A request whose body is collected as bytes (binary downloads).
async fn bytes(a: &App, path: &str, cookie: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let res = a.router.clone().oneshot(Request::get(path).header(header::COOKIE, cookie).body(Body::empty()).unwrap()).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, res.into_body().collect().await.unwrap().to_bytes().to_vec())
}

async fn search_uses_word_segmentation_and_keeps_the_filters(a: App) {
    let (cookie, csrf) = a.login("admin").await;
    let bit = code("53100000MA00001X");
    let res = a
        .post_form("/orgs", &cookie, &[("_csrf", &csrf), ("credit_code", &bit), ("name", "北京理工大学教育基金会"), ("org_type", "foundation"), ("region", "110000"), ("fields", "教育，人才"), ("rating", "5A"), ("party_org", "是")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let id = org_id(&a, "北京理工大学教育基金会").await;
    assert!(res.location().starts_with(&format!("/orgs/{id}")), "{}", res.location());

    let hit = a.get("/orgs?q=%E6%95%99%E8%82%B2", &cookie).await; // 教育
    assert_eq!(hit.status, StatusCode::OK);
    assert!(hit.body.contains("北京理工大学教育基金会"), "教育 should find the new foundation");
    assert!(hit.body.contains(&bit));
    assert!(!hit.body.contains(YN), "教育 is not in 云南省乡村发展促进会's name");
    let miss = a.get("/orgs?q=%E4%B9%A1%E6%9D%91%E6%95%99%E8%82%B2", &cookie).await; // 乡村教育
    assert!(!miss.body.contains("北京理工大学教育基金会"), "乡村教育 needs both words");
    let by_code = a.get(&format!("/orgs?q={}", &bit[..10]), &cookie).await;
    assert!(by_code.body.contains("北京理工大学教育基金会"), "part of the credit code finds it");

    // Filters: type, field, region, status.
    let foundations = a.get("/orgs?type=foundation", &cookie).await;
    assert!(foundations.body.contains(JS) && foundations.body.contains(CN) && foundations.body.contains("北京理工大学教育基金会"));
    assert!(!foundations.body.contains(YN) && !foundations.body.contains(YL));
    let health = a.get("/orgs?field=%E5%81%A5%E5%BA%B7", &cookie).await; // 健康
    assert!(health.body.contains(JS) && health.body.contains(CN) && !health.body.contains(YL));
    let yunnan = a.get("/orgs?region=53", &cookie).await;
    assert!(yunnan.body.contains(YN) && yunnan.body.contains(YL) && !yunnan.body.contains(JS));
    assert!(yunnan.body.contains("共 6 条"), "two demo organisations with accounts and four willing to pair are registered in Yunnan");
    assert!(yunnan.body.contains("href=\"/orgs/export.xlsx?region=53\""), "export keeps the filters");
    let bad_region = a.get("/orgs?region=abc", &cookie).await;
    assert!(bad_region.body.contains("区划代码只能包含数字"));

    // Pagination keeps the filters.
    let token = a.token("yn_mz").await;
    for i in 0..21 {
        let c = code(&format!("51530000MA{i:06}"));
        let r = a.api("POST", "/api/v1/organizations", Some(&token), Some(json!({"credit_code": c, "name": format!("云南测试协会{i}"), "org_type": "社会团体", "region": "530000"}))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let p1 = a.get("/orgs?region=53", &cookie).await;
    assert!(p1.body.contains("共 27 条 · 第 1/2 页"), "{}", p1.body);
    assert!(p1.body.contains("href=\"/orgs?region=53&amp;page=2\">下一页"));
    let p2 = a.get("/orgs?region=53&page=2", &cookie).await;
    assert!(p2.body.contains("第 2/2 页") && p2.body.contains("上一页") && !p2.body.contains("下一页"));
    assert_eq!(p2.body.matches("<td><a href=\"/orgs/").count(), 7, "27 rows, 20 a page: 7 on page 2");
}

async fn officers_see_their_subtree_and_only_public_profiles_elsewhere(a: App) {
    let (yl, _) = a.login("yl_mz").await;
    let list = a.get("/orgs", &yl).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(YL));
    for other in [YN, JS, CN] {
        assert!(!list.body.contains(other), "yl_mz must not list {other}");
    }
    assert!(list.body.contains("共 1 条"));
    assert!(list.body.contains("新增组织"), "civil affairs may create");

    let (org, _) = a.login("org_yl").await;
    let own = a.get("/orgs", &org).await;
    assert!(own.body.contains(YL) && own.body.contains("共 1 条") && !own.body.contains("新增组织"));

    let yn_id = org_id(&a, YN).await;
    let (js, js_csrf) = a.login("js_mz").await;
    let public = a.get(&format!("/orgs/{yn_id}"), &js).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains(YN) && public.body.contains("产业、就业、消费") && public.body.contains("4A"));
    assert!(!public.body.contains("演示联系人") && !public.body.contains("0870-0000000"), "no contacts out of scope");
    assert!(!public.body.contains("edit-profile") && !public.body.contains("credit-list\""));
    // Writes out of scope are 404, never 403.
    let w = a.post_form(&format!("/orgs/{yn_id}/credit-list"), &js, &[("_csrf", &js_csrf), ("list", "serious"), ("reason", "x")]).await;
    assert_eq!(w.status, StatusCode::NOT_FOUND);
    let w = a.post_form(&format!("/orgs/{yn_id}/profile"), &js, &[("_csrf", &js_csrf), ("name", "改名")]).await;
    assert_eq!(w.status, StatusCode::NOT_FOUND);
    assert_eq!(a.get("/orgs/999999", &js).await.status, StatusCode::NOT_FOUND);

    let (yn, _) = a.login("yn_mz").await;
    let full = a.get(&format!("/orgs/{yn_id}"), &yn).await;
    assert!(full.body.contains("演示联系人") && full.body.contains("0870-0000000") && full.body.contains("演示数据"));
    assert!(full.body.contains("id=\"edit-profile\"") && full.body.contains("id=\"credit-list\""));
    assert_eq!(a.get("/orgs", "").await.status, StatusCode::SEE_OTHER, "anonymous callers go to the login page");
}

async fn credit_lists_warn_everywhere_and_only_officers_set_them(a: App) {
    let yn_id = org_id(&a, YN).await;
    let (yn, csrf) = a.login("yn_mz").await;
    let path = format!("/orgs/{yn_id}/credit-list");
    let no_reason = a.post_form(&path, &yn, &[("_csrf", &csrf), ("list", "serious"), ("reason", " ")]).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("列入原因"));
    let no_csrf = a.post_form(&path, &yn, &[("list", "serious"), ("reason", "x")]).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let ok = a.post_form(&path, &yn, &[("_csrf", &csrf), ("list", "serious"), ("reason", "云民罚〔2026〕7号")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);

    let profile = a.get(&format!("/orgs/{yn_id}"), &yn).await;
    assert!(profile.body.contains("该组织已被列入严重违法失信名单：云民罚〔2026〕7号"), "{}", profile.body);
    let list = a.get("/orgs", &yn).await;
    assert!(list.body.contains("⚠ 严重违法失信名单"));
    let listed = a.get("/orgs?status=listed", &yn).await;
    assert!(listed.body.contains(YN) && !listed.body.contains(YL));
    // Out of scope: the label is public, the reason is not.
    let (js, _) = a.login("js_mz").await;
    let public = a.get(&format!("/orgs/{yn_id}"), &js).await;
    assert!(public.body.contains("该组织已被列入严重违法失信名单") && !public.body.contains("云民罚"));
    // The organisation itself is told on its dashboard, with the reason and how to appeal.
    let (own, _) = a.login("org_yn").await;
    let dashboard = a.get("/dashboard", &own).await.body;
    let warning = dashboard.split("id=\"credit-warning\"").nth(1).expect("a warning on the organisation's dashboard");
    assert!(warning.contains("严重违法失信名单（云民罚〔2026〕7号）") && warning.contains("申诉"), "{warning}");

    // The organisation itself and a rural-revitalisation officer may not set lists.
    let yl_id = org_id(&a, YL).await;
    for user in ["org_yl", "yl_xz"] {
        let (c, t) = a.login(user).await;
        let r = a.post_form(&format!("/orgs/{yl_id}/credit-list"), &c, &[("_csrf", &t), ("list", "abnormal"), ("reason", "x")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
    }

    let cleared = a.post_form(&path, &yn, &[("_csrf", &csrf), ("list", ""), ("reason", "整改完成")]).await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER);
    assert!(!a.get(&format!("/orgs/{yn_id}"), &yn).await.body.contains("该组织已被列入"));
    assert!(!a.get("/dashboard", &own).await.body.contains("id=\"credit-warning\""));
}

async fn profiles_are_edited_and_members_added_with_checks(a: App) {
    let yl_id = org_id(&a, YL).await;
    let (c, t) = a.login("yl_mz").await;
    let edit = |phone: &'static str, fields: &'static str| {
        vec![("name", YL), ("supervisor", "彝良县教育体育局"), ("fields", fields), ("rating", "5A"), ("party_org", "是"), ("contact_name", "李老师"), ("contact_phone", phone), ("address", "彝良县角奎镇"), ("status", "正常")]
    };
    let mut form = edit("0870-1234567", "教育、炒股");
    form.push(("_csrf", &t));
    let bad = a.post_form(&format!("/orgs/{yl_id}/profile"), &c, &form).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("业务领域") && bad.body.contains("炒股"));
    let mut form = edit("0870-1234567", "教育 健康");
    form.push(("_csrf", &t));
    let ok = a.post_form(&format!("/orgs/{yl_id}/profile"), &c, &form).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = a.get(&format!("/orgs/{yl_id}"), &c).await;
    assert!(page.body.contains("0870-1234567") && page.body.contains("教育、健康") && page.body.contains("彝良县角奎镇"));

    // The organisation edits its contacts but cannot rename itself.
    let (oc, ot) = a.login("org_yl").await;
    let r = a.post_form(&format!("/orgs/{yl_id}/profile"), &oc, &[("_csrf", &ot), ("name", "改名中心"), ("contact_name", "王秘书"), ("contact_phone", "13800000000"), ("fields", "教育"), ("status", "已注销")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let o = duijie_store::orgs::get(&a.t.db, yl_id).await.unwrap().unwrap().unscoped();
    assert_eq!((o.name.as_str(), o.contact_name.as_str(), o.status.as_str()), (YL, "王秘书", "active"));

    let bad_member = a.post_form(&format!("/orgs/{yl_id}/members"), &c, &[("_csrf", &t), ("name", "彝良县某公司"), ("credit_code", "91530628MA000001X0")]).await;
    assert_eq!(bad_member.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_member.body.contains("会员单位信用代码"));
    let member_code = code("91530628MA000001");
    let ok = a.post_form(&format!("/orgs/{yl_id}/members"), &c, &[("_csrf", &t), ("name", "彝良县某农业公司"), ("credit_code", &member_code)]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = a.get(&format!("/orgs/{yl_id}"), &c).await;
    assert!(page.body.contains("彝良县某农业公司") && page.body.contains(&member_code));
    // Members are not public.
    let (js, _) = a.login("js_mz").await;
    assert!(!a.get(&format!("/orgs/{yl_id}"), &js).await.body.contains("彝良县某农业公司"));
    // A rural-revitalisation officer sees but may not edit.
    let (xz, xt) = a.login("yl_xz").await;
    let r = a.post_form(&format!("/orgs/{yl_id}/members"), &xz, &[("_csrf", &xt), ("name", "某公司")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn the_create_form_names_each_bad_field(a: App) {
    let (c, t) = a.login("yn_mz").await;
    let form = a.get("/orgs/new", &c).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("统一社会信用代码") && form.body.contains("value=\"530000\""));
    let good = code("52530000MA000077");
    let mut bad_check = good.clone();
    let last = bad_check.pop().unwrap();
    bad_check.push(if last == '0' { '1' } else { '0' });
    let social = code("51530000MA000088");
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("credit_code", &bad_check), ("org_type", "service_institution"), ("region", "530000")], "统一社会信用代码校验位（第 18 位）错误"),
        (vec![("credit_code", &social), ("org_type", "foundation"), ("region", "530000")], "统一社会信用代码前两位应为 53（基金会）"),
        (vec![("credit_code", &good), ("org_type", "service_institution"), ("region", "539999")], "没有这个区划代码"),
        (vec![("credit_code", &good), ("org_type", "service_institution"), ("region", "320000")], "只能在本单位管辖范围内登记社会组织"),
        (vec![("credit_code", &good), ("org_type", ""), ("region", "530000")], "请选择社会团体、社会服务机构或基金会"),
    ];
    for (fields, message) in cases {
        let mut form = vec![("_csrf", t.as_str()), ("name", "昭通市测试服务中心")];
        form.extend(fields);
        let r = a.post_form("/orgs", &c, &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(r.body.contains(message), "expected “{message}” in the page");
        assert!(r.body.contains("class=\"field-error\""));
        assert!(r.body.contains("value=\"昭通市测试服务中心\""), "the form keeps what was typed");
    }
    let ok = a.post_form("/orgs", &c, &[("_csrf", &t), ("credit_code", &good), ("name", "昭通市测试服务中心"), ("org_type", "service_institution"), ("region", "530600")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let dup = a.post_form("/orgs", &c, &[("_csrf", &t), ("credit_code", &good), ("name", "另一个"), ("org_type", "service_institution"), ("region", "530600")]).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.body.contains("已登记"));
    let o = duijie_store::orgs::by_credit_code(&a.t.db, &good).await.unwrap().unwrap().unscoped();
    assert_eq!((o.region_code.as_str(), o.reg_level.as_str(), o.approval.as_str()), ("5306", "prefecture", "approved"));

    let (xz, xt) = a.login("yl_xz").await;
    assert_eq!(a.get("/orgs/new", &xz).await.status, StatusCode::FORBIDDEN);
    let r = a.post_form("/orgs", &xz, &[("_csrf", &xt), ("credit_code", &social), ("name", "x"), ("org_type", "social_group"), ("region", "530628")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn the_export_is_a_real_workbook_of_the_filtered_rows(a: App) {
    let (yn, _) = a.login("yn_mz").await;
    let (status, headers, body) = bytes(&a, "/orgs/export.xlsx", &yn).await;
    assert_eq!(status, StatusCode::OK);
    let cd = headers.get(header::CONTENT_DISPOSITION).unwrap().to_str().unwrap();
    assert!(cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''%E7%A4%BE%E4%BC%9A%E7%BB%84%E7%BB%87%E5%90%8D%E5%BD%95.xlsx"), "{cd}");
    let table = duijie_office::read_table("社会组织名录.xlsx", &body, duijie_store::imports::ORG_REQUIRED).expect("a workbook");
    assert_eq!(table.headers, duijie_store::imports::ORG_HEADERS.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let names: Vec<&str> = table.rows.iter().map(|r| r.cells[1].as_str()).collect();
    assert_eq!(names, YUNNAN_DEMO);
    assert_eq!(table.rows[1].cells[3], "530628");
    assert_eq!(table.rows[1].cells[8], "演示联系人");

    let (_, _, body) = bytes(&a, "/orgs/export.xlsx?type=service_institution", &yn).await;
    let table = duijie_office::read_table("x.xlsx", &body, duijie_store::imports::ORG_REQUIRED).unwrap();
    let names: Vec<&str> = table.rows.iter().map(|r| r.cells[1].as_str()).collect();
    assert_eq!(names, vec![YL, "演示·云南省乡村医疗服务中心"]);

    let (status, _, _) = bytes(&a, "/orgs/export.xlsx", "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

async fn attachments_download_only_with_the_full_view(a: App) {
    let yn_id = org_id(&a, YN).await;
    let o = duijie_store::orgs::get(&a.t.db, yn_id).await.unwrap().unwrap().unscoped();
    let mut tx = a.t.db.begin().await.unwrap();
    let att = duijie_store::orgs::add_attachment(&mut tx, &duijie_store::Actor::system("测试"), &o, "登记证书", "登记证书.pdf", "application/pdf", b"%PDF-1.4 test").await.unwrap();
    tx.commit().await.unwrap();
    let (yn, _) = a.login("yn_mz").await;
    assert!(a.get(&format!("/orgs/{yn_id}"), &yn).await.body.contains(&format!("href=\"/attachments/{att}\"")));
    let (status, headers, body) = bytes(&a, &format!("/attachments/{att}"), &yn).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, b"%PDF-1.4 test");
    assert!(headers.get(header::CONTENT_DISPOSITION).unwrap().to_str().unwrap().starts_with("attachment;"));
    let (js, _) = a.login("js_mz").await;
    assert!(!a.get(&format!("/orgs/{yn_id}"), &js).await.body.contains("/attachments/"));
    assert_eq!(bytes(&a, &format!("/attachments/{att}"), &js).await.0, StatusCode::NOT_FOUND);
    assert_eq!(bytes(&a, "/attachments/999999", &yn).await.0, StatusCode::NOT_FOUND);
}

async fn the_api_searches_shows_and_creates_organisations(a: App) {
    let yn = a.token("yn_mz").await;
    let list = a.api("GET", "/api/v1/organizations", Some(&yn), None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let j = list.json();
    assert_eq!(j["total"], YUNNAN_DEMO.len());
    let names: Vec<&str> = j["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, YUNNAN_DEMO);
    let edu = a.api("GET", "/api/v1/organizations?q=%E5%8A%A9%E5%AD%A6&type=%E7%A4%BE%E4%BC%9A%E6%9C%8D%E5%8A%A1%E6%9C%BA%E6%9E%84", Some(&yn), None).await; // 助学, 社会服务机构
    assert_eq!(edu.json()["total"], 1);
    assert_eq!(edu.json()["items"][0]["region_name"], "云南省昭通市彝良县");
    let paged = a.api("GET", "/api/v1/organizations?size=1&page=2", Some(&yn), None).await;
    assert_eq!(paged.json()["total"], YUNNAN_DEMO.len());
    assert_eq!(paged.json()["items"][0]["name"], YL);

    let js_id = org_id(&a, JS).await;
    let public = a.api("GET", &format!("/api/v1/organizations/{js_id}"), Some(&yn), None).await;
    assert_eq!(public.status, StatusCode::OK);
    assert_eq!(public.json()["name"], JS);
    assert!(public.json().get("private").is_none(), "{}", public.body);
    assert!(!public.body.contains("0870-0000000"));
    let js = a.token("js_mz").await;
    let full = a.api("GET", &format!("/api/v1/organizations/{js_id}"), Some(&js), None).await;
    assert_eq!(full.json()["private"]["contact_phone"], "0870-0000000");
    assert_eq!(a.api("GET", "/api/v1/organizations/999999", Some(&js), None).await.status, StatusCode::NOT_FOUND);

    let c = code("53530000MA000123");
    let bad = a.api("POST", "/api/v1/organizations", Some(&yn), Some(json!({"credit_code": c, "name": "云南测试基金会", "org_type": "social_group", "region": "539999"}))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_json = bad.json();
    let fields: Vec<&str> = bad_json["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"org_type") && fields.contains(&"region"), "{fields:?}");
    let created = a.api("POST", "/api/v1/organizations", Some(&yn), Some(json!({"credit_code": c, "name": "云南测试基金会", "org_type": "foundation", "region": "530000", "fields": "教育、健康", "party_org": true}))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.json()["reg_level_label"], "省级");
    assert_eq!(created.json()["fields"], "教育、健康");
    let dup = a.api("POST", "/api/v1/organizations", Some(&yn), Some(json!({"credit_code": c, "name": "重复", "org_type": "foundation", "region": "530000"}))).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(dup.json()["fields"][0]["field"], "credit_code");
    let found = a.api("GET", "/api/v1/organizations?q=%E6%B5%8B%E8%AF%95", Some(&yn), None).await; // 测试
    assert_eq!(found.json()["total"], 1);

    let org = a.token("org_yl").await;
    let r = a.api("POST", "/api/v1/organizations", Some(&org), Some(json!({"credit_code": c, "name": "x", "org_type": "foundation", "region": "530628"}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let own = a.api("GET", "/api/v1/organizations", Some(&org), None).await;
    assert_eq!(own.json()["total"], 1);

    let doc = a.api("GET", "/api/openapi.json", None, None).await.json();
    for p in ["/api/v1/organizations", "/api/v1/organizations/{id}"] {
        assert!(doc["paths"].get(p).is_some(), "openapi.json lacks {p}");
    }
    assert!(doc["paths"]["/api/v1/organizations"]["get"]["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "type"));
}

/// Credit lists and application decisions over the API, and a returned
/// application resubmitted by the organisation from its own page.
async fn the_api_lists_and_decides_and_a_returned_application_is_resubmitted(a: App) {
    use duijie_store::orgs::{NewOrganization, OrgProfile};
    // An application waiting in 彝良县, with its organisation user.
    let code = duijie_domain::Uscc::complete("52530628MA0000C1").unwrap();
    let mut tx = a.t.db.begin().await.unwrap();
    let actor = duijie_store::Actor::system("测试");
    let id = duijie_store::orgs::create(&mut tx, &actor, &NewOrganization {
        credit_code: code,
        org_type: duijie_domain::OrgType::ServiceInstitution,
        region: duijie_domain::RegionCode::parse("530628").unwrap(),
        profile: OrgProfile { name: "彝良县退回测试中心".into(), ..Default::default() },
        approval: duijie_domain::org::Approval::Pending,
        is_demo: false,
        provenance: String::new(),
    })
    .await
    .unwrap();
    duijie_store::users::create(&mut tx, &actor, &duijie_store::users::NewUser {
        username: "returned_org".into(),
        display_name: "退回测试".into(),
        role: duijie_domain::Role::Organization,
        region: duijie_domain::RegionCode::parse("530628").unwrap(),
        org_id: Some(id),
        password_hash: duijie_domain::crypto::hash_password(crate::support::PASSWORD),
        is_demo: false,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let yl = a.token("yl_mz").await;
    let js = a.token("js_mz").await;
    let path = format!("/api/v1/organizations/{id}/approval");
    assert_eq!(a.api("POST", &path, Some(&js), Some(serde_json::json!({"decision": "return", "reason": "x"}))).await.status, StatusCode::NOT_FOUND);
    let no_reason = a.api("POST", &path, Some(&yl), Some(serde_json::json!({"decision": "return"}))).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.json()["fields"][0]["field"], "reason");
    let returned = a.api("POST", &path, Some(&yl), Some(serde_json::json!({"decision": "return", "reason": "登记证书不清晰"}))).await;
    assert_eq!(returned.status, StatusCode::OK, "{}", returned.body);
    assert_eq!(duijie_store::orgs::get(&a.t.db, id).await.unwrap().unwrap().unscoped().approval, duijie_domain::org::Approval::Returned);

    // The organisation corrects and resubmits from its own page.
    let (cookie, _) = a.login("returned_org").await;
    let page = a.get(&format!("/orgs/{id}"), &cookie).await;
    assert!(page.body.contains("登记证书不清晰") && page.body.contains("重新提交审核"));
    let csrf = crate::support::csrf_of(&page.body);
    let re = a.post_form(&format!("/orgs/{id}/resubmit"), &cookie, &[("_csrf", &csrf)]).await;
    assert_eq!(re.status, StatusCode::SEE_OTHER);
    assert_eq!(duijie_store::orgs::get(&a.t.db, id).await.unwrap().unwrap().unscoped().approval, duijie_domain::org::Approval::Pending);
    let again = a.post_form(&format!("/orgs/{id}/resubmit"), &cookie, &[("_csrf", &csrf)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "only a returned application can be resubmitted");
    let approved = a.api("POST", &path, Some(&yl), Some(serde_json::json!({"decision": "approve"}))).await;
    assert_eq!(approved.status, StatusCode::OK);
    assert_eq!(a.api("POST", &path, Some(&yl), Some(serde_json::json!({"decision": "approve"}))).await.status, StatusCode::CONFLICT);

    // Credit list over the API: officers of the region only, with a reason.
    let credit = format!("/api/v1/organizations/{id}/credit-list");
    let org_token = a.token("returned_org").await;
    assert_eq!(a.api("PUT", &credit, Some(&org_token), Some(serde_json::json!({"list": "serious", "reason": "x"}))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(a.api("PUT", &credit, Some(&yl), Some(serde_json::json!({"list": "serious"}))).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let listed = a.api("PUT", &credit, Some(&yl), Some(serde_json::json!({"list": "serious", "reason": "彝民罚字〔2026〕1号"}))).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(duijie_store::orgs::get(&a.t.db, id).await.unwrap().unwrap().unscoped().credit_list, "serious");

    // Profile over the API: the organisation may not rename itself.
    let prof = a.api("PUT", &format!("/api/v1/organizations/{id}/profile"), Some(&org_token),
        Some(serde_json::json!({"name": "改名", "fields": "教育", "contact_phone": "0870-1234567", "status": "正常"}))).await;
    assert_eq!(prof.status, StatusCode::OK, "{}", prof.body);
    let stored = duijie_store::orgs::get(&a.t.db, id).await.unwrap().unwrap().unscoped();
    assert_eq!((stored.name.as_str(), stored.fields.as_str()), ("彝良县退回测试中心", "教育"));
}

/// An organisation's page shows its pairings (those the viewer may open) and,
/// to whoever sees its whole record, its takes and orders of demands.
async fn an_organisations_page_shows_its_work_to_those_who_may_see_it(a: App) {
    let id = org_id(&a, "演示·彝良县助学服务中心").await;
    let section = |body: &str, id: &str| body.split(&format!("id=\"{id}\"")).nth(1).map(|s| s.split("</table>").next().unwrap_or("").to_string());
    for user in ["yl_xz", "org_yl"] {
        let (cookie, _) = a.login(user).await;
        let page = a.get(&format!("/orgs/{id}"), &cookie).await;
        assert_eq!(page.status, StatusCode::OK);
        let pairings = section(&page.body, "org-pairings").unwrap_or_else(|| panic!("{user} sees its pairings"));
        assert!(pairings.contains("云南省昭通市彝良县") && pairings.contains("href=\"/pairing/"), "{user}: {pairings}");
        let matches = section(&page.body, "org-matches").unwrap_or_else(|| panic!("{user} sees its takes"));
        assert!(matches.contains("洛泽河镇留守儿童课后托管服务"), "{user}: {matches}");
    }
    // Another organisation reads the public profile: neither list.
    let (other, _) = a.login("org_yn").await;
    let page = a.get(&format!("/orgs/{id}"), &other).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(section(&page.body, "org-pairings").is_none() && section(&page.body, "org-matches").is_none());
    assert!(page.body.contains("没有您可查看的结对"));
}
